// OpenAI: https://platform.openai.com/docs/api-reference/chat — Bearer key, /v1 paths.
import { Provider, ProviderSpec } from "./provider";
import { Operation, operationPath } from "../api";

/** OpenAI itself, and the base every OpenAI-shaped vendor extends. */
export class OpenAIProvider extends Provider {
  /** OpenAI deprecated max_tokens for chat; its reasoning models refuse it. */
  maxTokensField(): string { return "max_completion_tokens"; }

  /** OpenAI documents prompt_cache_key (Azure on its v1 API, compatible vendors not: azure-openai.ts, compatible.ts). */
  takesPromptCacheKey(): bool { return true; }

  /** OpenAI serves its Responses API itself: Responses clients pass through untranslated. */
  servesNatively(op: Operation): bool { return op == Operation.Responses; }

  upstreamPath(op: Operation, fixedModel: string | null): string {
    if (op == Operation.Responses && this.servesNatively(op)) return this.basePath + "/responses";
    return this.basePath + operationPath(op);
  }
}

export function createOpenAI(spec: ProviderSpec): Provider { return new OpenAIProvider(spec); }

