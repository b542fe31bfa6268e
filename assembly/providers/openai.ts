// OpenAI: https://platform.openai.com/docs/api-reference/chat — Bearer key, /v1 paths.
import { Provider, ProviderSpec } from "./provider";

/** OpenAI itself, and the base every OpenAI-shaped vendor extends. */
export class OpenAIProvider extends Provider {
  /** OpenAI deprecated max_tokens for chat; its reasoning models refuse it. */
  maxTokensField(): string { return "max_completion_tokens"; }
}

function createOpenAI(spec: ProviderSpec): Provider { return new OpenAIProvider(spec); }

export const OPENAI_SPEC = new ProviderSpec("openai", "api.openai.com", 0, "/v1", true, createOpenAI);
