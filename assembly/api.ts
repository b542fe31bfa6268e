// The API names every floor speaks of: the wire APIs llm-mesh reads and writes, and the operations a
// client may call in them. Plain names and the facts that follow from them alone; no feature here.

/** The wire APIs llm-mesh speaks, on either side; Mcp is JSON-RPC 2.0 to MCP servers (its errors are JSON-RPC errors). */
export enum WireApi { OpenAI, Anthropic, Gemini, Bedrock, Responses, Mcp }

/** The operations a client may call: OpenAI's, Anthropic's Messages API, and Gemini's (model and method in the path). */
export enum Operation { ChatCompletions, Completions, Embeddings, Messages, CountTokens, Responses, GeminiGenerate, GeminiStream, GeminiCountTokens, GeminiEmbed, GeminiBatchEmbed }
export const OPERATION_COUNT = 11;

/** True for the operations of Gemini clients (/v1beta/models/{model}:{method}). */
export function isGeminiOperation(op: Operation): bool { return op >= Operation.GeminiGenerate; }

/** True for operations that produce an answer (generation defaults and overrides apply to them). */
export function generates(op: Operation): bool {
  return op != Operation.Embeddings && op != Operation.CountTokens && op != Operation.GeminiCountTokens && op != Operation.GeminiEmbed && op != Operation.GeminiBatchEmbed;
}

/** The Gemini method of a Gemini client operation, as it ends the path. */
export function geminiMethod(op: Operation): string {
  if (op == Operation.GeminiStream) return "streamGenerateContent";
  if (op == Operation.GeminiCountTokens) return "countTokens";
  if (op == Operation.GeminiEmbed) return "embedContent";
  if (op == Operation.GeminiBatchEmbed) return "batchEmbedContents";
  return "generateContent";
}

/** The API a client operation is written in. */
export function operationApi(op: Operation): WireApi {
  if (isGeminiOperation(op)) return WireApi.Gemini;
  if (op == Operation.Responses) return WireApi.Responses;
  return op == Operation.Messages || op == Operation.CountTokens ? WireApi.Anthropic : WireApi.OpenAI;
}

/** The client path of an operation, for messages. */
export function operationName(op: Operation): string {
  if (op == Operation.Completions) return "/v1/completions";
  if (op == Operation.Embeddings) return "/v1/embeddings";
  if (op == Operation.Messages) return "/v1/messages";
  if (op == Operation.CountTokens) return "/v1/messages/count_tokens";
  if (op == Operation.Responses) return "/v1/responses";
  if (isGeminiOperation(op)) return "/v1beta/models/{model}:" + geminiMethod(op);
  return "/v1/chat/completions";
}

/**
 * The path suffix of an operation on an OpenAI-shaped backend, shared by OpenAI and its compatible
 * vendors. Anthropic's Messages arrive translated to chat; token counting has no OpenAI endpoint.
 */
export function operationPath(op: Operation): string {
  if (op == Operation.Completions) return "/completions";
  if (op == Operation.Embeddings || op == Operation.GeminiEmbed || op == Operation.GeminiBatchEmbed) return "/embeddings";
  return "/chat/completions";
}
