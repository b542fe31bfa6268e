// Vendors whose chat API is OpenAI's, differing only in host and base path: the "compatible" rows of
// catalog.ts, each checked against the vendor's own API reference (linked there). They share OpenAIProvider's behaviour.
import { Provider, ProviderSpec } from "./provider";
import { Operation } from "../api";
import { OpenAIProvider } from "./openai";

/** An OpenAI-compatible vendor: OpenAI's API, with the output limit in max_tokens, which they all accept. */
class CompatibleProvider extends OpenAIProvider {
  maxTokensField(): string { return "max_tokens"; }
  takesPromptCacheKey(): bool { return false; }
  /** Few compatible vendors serve /responses: Responses clients are translated to chat for them. */
  servesNatively(op: Operation): bool { return false; }
}

export function createCompatible(spec: ProviderSpec): Provider { return new CompatibleProvider(spec); }
