// Each API's usage object, read into Usage. Translators and meters both call these, so a provider's
// figures are read one way whether its answer is translated or passed on.
import { JsonValue } from "../json/parse";
import { integerAt, objectAt } from "../translate/json-read";
import { Usage } from "./usage";

/** OpenAI chat/completions/embeddings: prompt_tokens (cached within), completion_tokens (reasoning within). */
export function readOpenAIUsage(usage: JsonValue, into: Usage): void {
  const prompt = objectAt(usage, "prompt_tokens_details");
  into.reportInput(integerAt(usage, "prompt_tokens", -1), prompt !== null ? integerAt(prompt!, "cached_tokens", 0) : 0);
  const completion = objectAt(usage, "completion_tokens_details");
  into.reportOutput(integerAt(usage, "completion_tokens", -1), completion !== null ? integerAt(completion!, "reasoning_tokens", 0) : 0);
}

/** Responses API: input_tokens (cached within), output_tokens (reasoning within). */
export function readResponsesUsage(usage: JsonValue, into: Usage): void {
  const input = objectAt(usage, "input_tokens_details");
  into.reportInput(integerAt(usage, "input_tokens", -1), input !== null ? integerAt(input!, "cached_tokens", 0) : 0);
  const output = objectAt(usage, "output_tokens_details");
  into.reportOutput(integerAt(usage, "output_tokens", -1), output !== null ? integerAt(output!, "reasoning_tokens", 0) : 0);
}

/**
 * Anthropic: input_tokens excludes the cache, so input is input + cache reads + cache writes.
 * A stream reports input in message_start and output in message_delta; each call keeps what it lacks.
 */
export function readAnthropicUsage(usage: JsonValue, into: Usage): void {
  const input = integerAt(usage, "input_tokens", -1);
  const read = integerAt(usage, "cache_read_input_tokens", 0);
  if (input >= 0) into.reportInput(input + read + integerAt(usage, "cache_creation_input_tokens", 0), read);
  into.reportOutput(integerAt(usage, "output_tokens", -1), 0);
}

/** Gemini usageMetadata: thoughts are billed as output, so they count in it and as reasoning. */
export function readGeminiUsage(usage: JsonValue, into: Usage): void {
  into.reportInput(integerAt(usage, "promptTokenCount", -1), integerAt(usage, "cachedContentTokenCount", 0));
  const thoughts = integerAt(usage, "thoughtsTokenCount", 0);
  const candidates = integerAt(usage, "candidatesTokenCount", -1);
  if (candidates >= 0 || thoughts > 0) into.reportOutput(max<i64>(candidates, 0) + thoughts, thoughts);
}

/** Bedrock Converse: inputTokens excludes cache reads and writes, as Anthropic counts. */
export function readBedrockUsage(usage: JsonValue, into: Usage): void {
  const read = integerAt(usage, "cacheReadInputTokens", 0);
  const input = integerAt(usage, "inputTokens", -1);
  if (input >= 0) into.reportInput(input + read + integerAt(usage, "cacheWriteInputTokens", 0), read);
  into.reportOutput(integerAt(usage, "outputTokens", -1), 0);
}
