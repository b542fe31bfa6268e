// Which translator serves a (client API, backend API) pair. Same API on both sides needs none:
// the body is forwarded as the client wrote it, edited only where the route says (model, key, forced fields).
import { AnthropicToOpenAI } from "./anthropic-to-openai";
import { OpenAIToAnthropic } from "./openai-to-anthropic";
import { Translator, WireApi } from "./translator";

/** A fresh translator for one request, or null when client and backend speak the same API. */
export function translatorFor(client: WireApi, backend: WireApi): Translator | null {
  if (client == backend) return null;
  if (client == WireApi.OpenAI && backend == WireApi.Anthropic) return new OpenAIToAnthropic();
  if (client == WireApi.Anthropic && backend == WireApi.OpenAI) return new AnthropicToOpenAI();
  // Unreachable while every API pair above is covered; a new API must add its pairs here.
  return null;
}
