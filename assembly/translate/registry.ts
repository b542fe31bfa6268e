// Which translator serves a (client API, backend API) pair. Same API on both sides needs none:
// the body is forwarded as the client wrote it, edited only where the route says (model, key, forced fields).
import { AnthropicToOpenAI } from "./anthropic-to-openai";
import { OpenAIToAnthropic } from "./openai-to-anthropic";
import { OpenAIToGemini } from "./openai-to-gemini";
import { OpenAIEmbeddingsToGemini } from "./openai-embeddings-to-gemini";
import { OpenAIToBedrock } from "./openai-to-bedrock";
import { ResponsesToChat } from "./responses-to-chat";
import { ComposedTranslator } from "./composed";
import { GeminiToOpenAI } from "./gemini-to-openai";
import { GeminiEmbeddingsToOpenAI } from "./gemini-embeddings-to-openai";
import { GeminiCountTokensToAnthropic } from "./gemini-count-tokens";
import { Operation, WireApi } from "../api";
import { Translator } from "./translator";

/** A fresh translator for one request; null when client and backend speak the same API, or when no translator serves the pair. */
export function translatorFor(client: WireApi, backend: WireApi, op: Operation): Translator | null {
  if (client == backend) return null;
  if (client == WireApi.Gemini) return geminiClientTranslator(backend, op);
  if (client == WireApi.Responses) {
    // Responses clients go through chat: directly to OpenAI-shaped backends, composed for the others.
    if (backend == WireApi.OpenAI) return new ResponsesToChat();
    const chat = translatorFor(WireApi.OpenAI, backend, Operation.ChatCompletions);
    return chat !== null ? new ComposedTranslator(new ResponsesToChat(), chat!) : null;
  }
  if (client == WireApi.Anthropic && (backend == WireApi.Gemini || backend == WireApi.Bedrock) && op == Operation.Messages) {
    // Anthropic clients reach Gemini and Bedrock through chat, with the same translators.
    const chat = translatorFor(WireApi.OpenAI, backend, Operation.ChatCompletions);
    return chat !== null ? new ComposedTranslator(new AnthropicToOpenAI(), chat!) : null;
  }
  if (client == WireApi.OpenAI && backend == WireApi.Gemini && op == Operation.Embeddings) return new OpenAIEmbeddingsToGemini();
  if (client == WireApi.OpenAI && backend == WireApi.Anthropic) return new OpenAIToAnthropic();
  if (client == WireApi.Anthropic && backend == WireApi.OpenAI) return new AnthropicToOpenAI();
  if (client == WireApi.OpenAI && backend == WireApi.Gemini) return new OpenAIToGemini();
  if (client == WireApi.OpenAI && backend == WireApi.Bedrock) return new OpenAIToBedrock();
  // No translator for this pair: the caller refuses the request (providers' supports() keeps it rare).
  return null;
}

/** Gemini clients: to OpenAI chat directly, to other APIs through chat; embeddings to OpenAI only. */
function geminiClientTranslator(backend: WireApi, op: Operation): Translator | null {
  if (op == Operation.GeminiEmbed || op == Operation.GeminiBatchEmbed) return backend == WireApi.OpenAI ? new GeminiEmbeddingsToOpenAI(op) : null;
  if (op == Operation.GeminiCountTokens) {
    // Anthropic alone counts tokens: the request as generateContent would send it, cut to count_tokens' fields.
    return backend == WireApi.Anthropic ? new GeminiCountTokensToAnthropic(new ComposedTranslator(new GeminiToOpenAI(Operation.GeminiGenerate), new OpenAIToAnthropic())) : null;
  }
  if (backend == WireApi.OpenAI) return new GeminiToOpenAI(op);
  const chat = translatorFor(WireApi.OpenAI, backend, Operation.ChatCompletions);
  return chat !== null ? new ComposedTranslator(new GeminiToOpenAI(op), chat!) : null;
}
