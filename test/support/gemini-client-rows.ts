// Gemini-native clients (https://ai.google.dev/api/generate-content, /api/embeddings,
// /api/tokens) through llm-mesh to every backend API: the client request, the upstream request,
// a canned answer, and what the client gets. Run through the host emulator
// (test/unit/gemini-clients.test.ts); the same paths run through real Envoy with the official
// @google/genai SDK in test/integration/gemini-clients.test.ts.
import { expect } from "vitest";
import { TranslationRow, awsEvent, data, sse } from "./translation-rows.js";

/** One backend per host, body mode (the Gemini and Bedrock providers need it). */
export const GEMINI_CLIENT_CONFIG = {
  requestMode: "body",
  providers: [
    { name: "openai", type: "openai", apiKeys: [{ value: "test-openai-key" }] },
    { name: "anthropic", type: "anthropic", apiKeys: [{ value: "test-anthropic-key" }] },
    { name: "gemini", type: "gemini", apiKeys: [{ value: "test-gemini-key" }] },
    { name: "bedrock", type: "bedrock", region: "us-east-1" },
    { name: "vertex", type: "vertex-ai", project: "my-proj", region: "us-east5", apiKeys: [{ value: "test-vertex-token" }] },
  ],
  routes: [
    { name: "to-openai", match: { host: "openai.llm" }, backends: [{ provider: "openai" }] },
    { name: "to-claude", match: { host: "claude.llm" }, backends: [{ provider: "anthropic" }] },
    { name: "to-gemini", match: { host: "gemini.llm" }, backends: [{ provider: "gemini" }] },
    { name: "to-gemini-pro", match: { host: "pro.llm" }, backends: [{ provider: "gemini", model: "gemini-2.5-pro" }] },
    { name: "to-bedrock", match: { host: "bedrock.llm" }, backends: [{ provider: "bedrock" }] },
    { name: "strict", match: { host: "strict.llm" }, backends: [{ provider: "openai" }], hostedTools: "refuse" },
    { name: "to-vertex", match: { host: "vertex.llm" }, backends: [{ provider: "vertex" }] },
    { name: "with-policy", match: { host: "policy.llm" }, backends: [{ provider: "openai" }], policy: { deny: [{ contains: "secret plan" }] } },
  ],
};

const GEN = "/v1beta/models/gemini-2.5-flash:generateContent";
const STREAM = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse";
/** The client's Gemini key: it must never reach a provider. */
const CLIENT_KEY = { "x-goog-api-key": "client-held-secret" };
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

const chatAnswer = (message: Record<string, unknown>, finish: string, usage = { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 }) =>
  ({ id: "chatcmpl-1", object: "chat.completion", created: 1700000000, model: "gpt-4o-2024", choices: [{ index: 0, message: { role: "assistant", ...message }, logprobs: null, finish_reason: finish }], usage });
const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) =>
  data({ id: "chatcmpl-9", object: "chat.completion.chunk", created: 1700000000, model: "gpt-4o-2024", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra });
const usageChunk = data({ id: "chatcmpl-9", object: "chat.completion.chunk", created: 1700000000, model: "gpt-4o-2024", choices: [], usage: { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9, prompt_tokens_details: { cached_tokens: 3 } } });
/** A Gemini stream event as llm-mesh writes it. */
const event = (parts: unknown[], extra: Record<string, unknown> = {}, model = "gpt-4o-2024") =>
  ({ candidates: [{ content: { role: "model", parts }, ...("finishReason" in extra ? { finishReason: extra.finishReason } : {}), index: 0 }],
    ...("usageMetadata" in extra ? { usageMetadata: extra.usageMetadata } : {}), modelVersion: model, responseId: "chatcmpl-9" });

const WEATHER_DECLARATION = {
  name: "get_weather", description: "Weather in a city",
  // Gemini's OpenAPI subset: upper-case types, nullable, propertyOrdering.
  parameters: { type: "OBJECT", properties: { city: { type: "STRING" }, days: { type: "INTEGER", nullable: true } }, required: ["city"], propertyOrdering: ["city", "days"] },
};
const WEATHER_TOOL_CHAT = { type: "function", function: { name: "get_weather", description: "Weather in a city",
  parameters: { type: "object", properties: { city: { type: "string" }, days: { type: ["integer", "null"] } }, required: ["city"] } } };

const geminiError = (code: number, status: string, message: unknown) => ({ error: { code, message, status } });

export const GEMINI_CLIENT_ROWS: TranslationRow[] = [
  {
    name: "gemini→openai: systemInstruction, roles, generationConfig; the chat answer as a GenerateContentResponse",
    host: "openai.llm", path: GEN, headers: CLIENT_KEY,
    request: {
      systemInstruction: { parts: [{ text: "Be brief." }, { text: "Be kind." }] },
      contents: [{ role: "user", parts: [{ text: "Hi" }] }, { role: "model", parts: [{ text: "Hello." }] }, { parts: [{ text: "Again" }] }],
      generationConfig: { temperature: 0.2, topP: 0.9, topK: 40, maxOutputTokens: 100, stopSequences: ["END"], seed: 7 },
      safetySettings: [{ category: "HARM_CATEGORY_HARASSMENT", threshold: "BLOCK_NONE" }],
    },
    upstream: { path: "/v1/chat/completions", headers: { authorization: "Bearer test-openai-key", "x-goog-api-key": undefined }, body: {
      model: "gemini-2.5-flash",
      messages: [{ role: "system", content: "Be brief.\nBe kind." }, { role: "user", content: [{ type: "text", text: "Hi" }] },
        { role: "assistant", content: "Hello." }, { role: "user", content: [{ type: "text", text: "Again" }] }],
      temperature: 0.2, top_p: 0.9, seed: 7, max_completion_tokens: 100, stop: ["END"],
    } },
    answer: { body: chatAnswer({ content: "Hi again!", refusal: null }, "stop", { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13, prompt_tokens_details: { cached_tokens: 2 }, completion_tokens_details: { reasoning_tokens: 1 } } as never) },
    client: { status: 200, body: {
      candidates: [{ content: { role: "model", parts: [{ text: "Hi again!" }] }, finishReason: "STOP", index: 0 }],
      usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 3, cachedContentTokenCount: 2, thoughtsTokenCount: 1, totalTokenCount: 13 },
      modelVersion: "gpt-4o-2024", responseId: "chatcmpl-1",
    } },
  },
  {
    name: "gemini→openai: tools (OpenAPI types lower-cased, nullable as a null type), ANY with one name, a call and its functionResponse, an inline image",
    host: "openai.llm", path: GEN, headers: CLIENT_KEY,
    request: {
      tools: [{ functionDeclarations: [WEATHER_DECLARATION, { name: "get_time", parametersJsonSchema: { type: "object", properties: {} } }] }],
      toolConfig: { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["get_weather"] } },
      contents: [
        { role: "user", parts: [{ text: "Weather?" }, { inlineData: { mimeType: "image/png", data: PNG } }] },
        { role: "model", parts: [{ functionCall: { name: "get_weather", args: { city: "Paris" } }, thoughtSignature: "c2ln" }, { functionCall: { name: "get_weather", args: { city: "Rome" } } }] },
        { role: "user", parts: [{ functionResponse: { name: "get_weather", response: { temp: 18 } } }, { functionResponse: { name: "get_weather", response: { temp: 25 } } }] },
      ],
    },
    upstream: { path: "/v1/chat/completions", body: {
      model: "gemini-2.5-flash",
      messages: [
        { role: "user", content: [{ type: "text", text: "Weather?" }, { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } }] },
        // To OpenAI itself: no hub fields (the thought signature has no OpenAI equivalent).
        { role: "assistant", content: null, tool_calls: [
          { id: "call_0", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" } },
          { id: "call_1", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Rome\"}" } }] },
        { role: "tool", tool_call_id: "call_0", content: "{\"temp\":18}" },
        { role: "tool", tool_call_id: "call_1", content: "{\"temp\":25}" },
      ],
      tools: [WEATHER_TOOL_CHAT],
      tool_choice: { type: "function", function: { name: "get_weather" } },
    } },
    answer: { body: chatAnswer({ content: null, refusal: null, tool_calls: [{ id: "call_x", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Oslo\"}" } }] }, "tool_calls") },
    client: { status: 200, body: {
      candidates: [{ content: { role: "model", parts: [{ functionCall: { id: "call_x", name: "get_weather", args: { city: "Oslo" } } }] }, finishReason: "STOP", index: 0 }],
      usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 4, totalTokenCount: 13 }, modelVersion: "gpt-4o-2024", responseId: "chatcmpl-1",
    } },
  },
  {
    name: "gemini→openai: responseMimeType with an OpenAPI responseSchema becomes response_format json_schema; hosted googleSearch dropped and said so",
    host: "openai.llm", path: GEN,
    request: {
      contents: [{ parts: [{ text: "A city" }] }], tools: [{ googleSearch: {} }],
      generationConfig: { responseMimeType: "application/json", responseSchema: { type: "OBJECT", properties: { name: { type: "STRING" } }, required: ["name"] } },
    },
    upstream: { path: "/v1/chat/completions", body: {
      model: "gemini-2.5-flash", messages: [{ role: "user", content: [{ type: "text", text: "A city" }] }],
      response_format: { type: "json_schema", json_schema: { name: "response", schema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] } } },
    } },
    answer: { body: chatAnswer({ content: "{\"name\":\"Oslo\"}", refusal: null }, "length") },
    client: { status: 200, headers: { "x-llm-mesh-dropped-tools": "googleSearch" }, body: {
      candidates: [{ content: { role: "model", parts: [{ text: "{\"name\":\"Oslo\"}" }] }, finishReason: "MAX_TOKENS", index: 0 }],
      usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 4, totalTokenCount: 13 }, modelVersion: "gpt-4o-2024", responseId: "chatcmpl-1",
    } },
  },
  {
    name: "gemini→openai stream (alt=sse): text deltas, then the streamed tool call whole with the finish reason and usage",
    host: "openai.llm", path: STREAM, headers: { ...CLIENT_KEY, accept: "text/event-stream" },
    request: { contents: [{ parts: [{ text: "Hi" }] }], tools: [{ functionDeclarations: [WEATHER_DECLARATION] }] },
    upstream: { path: "/v1/chat/completions", body: expect.objectContaining({ stream: true, stream_options: { include_usage: true } }) },
    answer: { chunks: [
      chunk({ role: "assistant", content: "" }), chunk({ content: "Let me" }), chunk({ content: " check." }),
      chunk({ tool_calls: [{ index: 0, id: "call_a", type: "function", function: { name: "get_weather", arguments: "" } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: "{\"city\":" } }] }), chunk({ tool_calls: [{ index: 0, function: { arguments: "\"Oslo\"}" } }] }),
      chunk({}, "tool_calls"), usageChunk, data("[DONE]"),
    ] },
    client: { status: 200, headers: { "content-type": "text/event-stream" }, events: [
      event([{ text: "Let me" }]), event([{ text: " check." }]),
      event([{ functionCall: { id: "call_a", name: "get_weather", args: { city: "Oslo" } } }], { finishReason: "STOP",
        usageMetadata: { promptTokenCount: 7, candidatesTokenCount: 2, cachedContentTokenCount: 3, totalTokenCount: 9 } }),
    ] },
  },
  {
    name: "gemini→openai stream cut before its finish: the client's stream ends with Gemini's error object (the SDK raises on it)",
    host: "openai.llm", path: STREAM,
    request: { contents: [{ parts: [{ text: "Hi" }] }] },
    answer: { chunks: [chunk({ content: "Par" })] },
    client: { status: 200, events: [event([{ text: "Par" }]), geminiError(500, "INTERNAL", "the provider's stream ended before the answer was complete")] },
  },
  {
    name: "gemini→openai: the provider's 429 in Gemini's error shape",
    host: "openai.llm", path: GEN,
    request: { contents: [{ parts: [{ text: "Hi" }] }] },
    answer: { status: 429, body: { error: { message: "Rate limit reached", type: "requests", param: null, code: "rate_limit_exceeded" } } },
    client: { status: 429, body: geminiError(429, "RESOURCE_EXHAUSTED", "Rate limit reached") },
  },
  {
    name: "gemini→anthropic (through chat): system, max tokens, temperature, topK; the Messages answer back with cached tokens",
    host: "claude.llm", path: GEN, headers: CLIENT_KEY,
    request: {
      systemInstruction: { parts: [{ text: "Be brief." }] },
      contents: [{ role: "user", parts: [{ text: "Hi" }] }],
      generationConfig: { maxOutputTokens: 50, temperature: 0.5, topK: 20 },
    },
    upstream: { path: "/v1/messages", headers: { "x-api-key": "test-anthropic-key", "x-goog-api-key": undefined }, body: {
      model: "gemini-2.5-flash", system: [{ type: "text", text: "Be brief." }], max_tokens: 50, temperature: 0.5, top_k: 20, messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }],
    } },
    answer: { body: { id: "msg_1", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [{ type: "text", text: "Hello!" }], stop_reason: "end_turn", stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: 3, cache_read_input_tokens: 4, cache_creation_input_tokens: 0 } } },
    client: { status: 200, body: {
      candidates: [{ content: { role: "model", parts: [{ text: "Hello!" }] }, finishReason: "STOP", index: 0 }],
      usageMetadata: { promptTokenCount: 14, candidatesTokenCount: 3, cachedContentTokenCount: 4, totalTokenCount: 17 }, modelVersion: "claude-sonnet-4-5", responseId: "msg_1",
    } },
  },
  {
    name: "gemini→anthropic stream: Messages events become Gemini events; the tool call whole at the end",
    host: "claude.llm", path: STREAM,
    request: { contents: [{ parts: [{ text: "Hi" }] }], tools: [{ functionDeclarations: [WEATHER_DECLARATION] }] },
    upstream: { path: "/v1/messages", body: expect.objectContaining({ stream: true }) },
    answer: { chunks: [
      sse("message_start", { type: "message_start", message: { id: "msg_s1", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [], stop_reason: null, usage: { input_tokens: 5, output_tokens: 1 } } }),
      sse("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
      sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "On it" } }),
      sse("content_block_stop", { type: "content_block_stop", index: 0 }),
      sse("content_block_start", { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "toolu_1", name: "get_weather", input: {} } }),
      sse("content_block_delta", { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: "{\"city\":\"Oslo\"}" } }),
      sse("content_block_stop", { type: "content_block_stop", index: 1 }),
      sse("message_delta", { type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 6 } }),
      sse("message_stop", { type: "message_stop" }),
    ] },
    client: { status: 200, events: [
      expect.objectContaining({ candidates: [{ content: { role: "model", parts: [{ text: "On it" }] }, index: 0 }] }),
      expect.objectContaining({ candidates: [{ content: { role: "model", parts: [{ functionCall: { id: "toolu_1", name: "get_weather", args: { city: "Oslo" } } }] }, finishReason: "STOP", index: 0 }],
        usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 6, totalTokenCount: 11 } }),
    ] },
  },
  {
    name: "gemini→bedrock (through chat): Converse body, signed; the Converse answer back",
    host: "bedrock.llm", path: "/v1beta/models/amazon.nova-pro-v1:0:generateContent", headers: CLIENT_KEY,
    request: { contents: [{ parts: [{ text: "Hi" }] }], generationConfig: { maxOutputTokens: 20 } },
    upstream: { path: "/model/amazon.nova-pro-v1%3A0/converse", headers: { "x-goog-api-key": undefined }, body: {
      messages: [{ role: "user", content: [{ text: "Hi" }] }], inferenceConfig: { maxTokens: 20 } } },
    answer: { body: { output: { message: { role: "assistant", content: [{ text: "Hello" }] } }, stopReason: "max_tokens", usage: { inputTokens: 4, outputTokens: 20, totalTokens: 24 }, metrics: { latencyMs: 9 } } },
    client: { status: 200, body: expect.objectContaining({
      candidates: [{ content: { role: "model", parts: [{ text: "Hello" }] }, finishReason: "MAX_TOKENS", index: 0 }],
      usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 20, totalTokenCount: 24 },
    }) },
  },
  {
    name: "gemini→gemini: passed on byte for byte (thought signatures, unknown fields); the path rebuilt with the provider's key, the client's ?key= gone",
    host: "gemini.llm", path: `${GEN}?key=client-held-secret`, headers: CLIENT_KEY,
    request: "{\"contents\":[{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"name\":\"f\",\"args\":{}},\"thoughtSignature\":\"c2lnbmF0dXJl\"}]}],\"futureField\":{\"x\":1}}",
    upstream: { path: "/v1beta/models/gemini-2.5-flash:generateContent", headers: { "x-goog-api-key": "test-gemini-key" },
      exactBody: "{\"contents\":[{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"name\":\"f\",\"args\":{}},\"thoughtSignature\":\"c2lnbmF0dXJl\"}]}],\"futureField\":{\"x\":1}}" },
    answer: { body: { candidates: [{ content: { role: "model", parts: [{ text: "ok", thoughtSignature: "abc" }] }, finishReason: "STOP", index: 0 }], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 1, totalTokenCount: 4 } } },
    client: { status: 200, exactBody: JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ text: "ok", thoughtSignature: "abc" }] }, finishReason: "STOP", index: 0 }], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 1, totalTokenCount: 4 } }) },
  },
  {
    name: "gemini→gemini: the route's model replaces the path's (the body is not touched)",
    host: "pro.llm", path: "/v1beta/models/models-are-named-here:generateContent",
    request: { contents: [{ parts: [{ text: "Hi" }] }] },
    upstream: { path: "/v1beta/models/gemini-2.5-pro:generateContent", exactBody: JSON.stringify({ contents: [{ parts: [{ text: "Hi" }] }] }) },
  },
  {
    name: "gemini→gemini, the route's model: batchEmbedContents' requests name it too (Gemini refuses a model that is not the path's)",
    host: "pro.llm", path: "/v1beta/models/text-embedding-004:batchEmbedContents",
    request: { requests: [{ model: "models/text-embedding-004", content: { parts: [{ text: "a" }] } }, { content: { parts: [{ text: "b" }] } }] },
    upstream: { path: "/v1beta/models/gemini-2.5-pro:batchEmbedContents",
      body: { requests: [{ model: "models/gemini-2.5-pro", content: { parts: [{ text: "a" }] } }, { content: { parts: [{ text: "b" }] } }] } },
  },
  {
    name: "gemini→gemini, the route's model: countTokens' generateContentRequest names it too",
    host: "pro.llm", path: "/v1beta/models/gemini-2.5-flash:countTokens",
    request: { generateContentRequest: { model: "models/gemini-2.5-flash", contents: [{ parts: [{ text: "a" }] }] } },
    upstream: { path: "/v1beta/models/gemini-2.5-pro:countTokens", body: { generateContentRequest: { model: "models/gemini-2.5-pro", contents: [{ parts: [{ text: "a" }] }] } } },
  },
  {
    // Google's parser reads the proto's snake_case name too: the model it would read is the route's.
    name: "gemini→gemini, the route's model: countTokens' generate_content_request (snake_case) names it too",
    host: "pro.llm", path: "/v1beta/models/gemini-2.5-flash:countTokens",
    request: { generate_content_request: { model: "models/gemini-2.5-flash", contents: [{ parts: [{ text: "a" }] }] } },
    upstream: { path: "/v1beta/models/gemini-2.5-pro:countTokens", body: { generate_content_request: { model: "models/gemini-2.5-pro", contents: [{ parts: [{ text: "a" }] }] } } },
  },
  {
    name: "gemini→gemini: streamGenerateContent keeps alt=sse; countTokens, embedContent and batchEmbedContents keep their methods",
    host: "gemini.llm", path: STREAM,
    request: { contents: [{ parts: [{ text: "Hi" }] }] },
    upstream: { path: "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse" },
    answer: { chunks: ["data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Hey\"}]},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":2,\"candidatesTokenCount\":1,\"totalTokenCount\":3}}\r\n\r\n"] },
    client: { status: 200, exactBody: "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Hey\"}]},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":2,\"candidatesTokenCount\":1,\"totalTokenCount\":3}}\r\n\r\n" },
  },
  ...(["countTokens", "embedContent", "batchEmbedContents"] as const).map((method): TranslationRow => ({
    name: `gemini→gemini: ${method} passed on`, host: "gemini.llm", path: `/v1beta/models/gemini-embedding-001:${method}`,
    request: { contents: [{ parts: [{ text: "Hi" }] }] },
    upstream: { path: `/v1beta/models/gemini-embedding-001:${method}`, headers: { "x-goog-api-key": "test-gemini-key" } },
  })),
  {
    name: "gemini→openai: embedContent on /embeddings, the vector back as {embedding:{values}}",
    host: "openai.llm", path: "/v1beta/models/text-embedding-3-small:embedContent",
    request: { content: { parts: [{ text: "Hello" }, { text: "world" }] }, taskType: "RETRIEVAL_QUERY", outputDimensionality: 3 },
    upstream: { path: "/v1/embeddings", body: { model: "text-embedding-3-small", input: "Hello\nworld", dimensions: 3, encoding_format: "float" } },
    answer: { body: { object: "list", data: [{ object: "embedding", index: 0, embedding: [0.1, 0.2, 0.3] }], model: "text-embedding-3-small", usage: { prompt_tokens: 2, total_tokens: 2 } } },
    client: { status: 200, body: { embedding: { values: [0.1, 0.2, 0.3] } } },
  },
  {
    name: "gemini→openai: batchEmbedContents as one input list, vectors back in request order",
    host: "openai.llm", path: "/v1beta/models/text-embedding-3-small:batchEmbedContents",
    request: { requests: [{ model: "models/text-embedding-3-small", content: { parts: [{ text: "a" }] } }, { model: "models/text-embedding-3-small", content: { parts: [{ text: "b" }] } }] },
    upstream: { path: "/v1/embeddings", body: { model: "text-embedding-3-small", input: ["a", "b"], encoding_format: "float" } },
    answer: { body: { object: "list", data: [{ object: "embedding", index: 1, embedding: [2] }, { object: "embedding", index: 0, embedding: [1] }], model: "m", usage: { prompt_tokens: 2, total_tokens: 2 } } },
    client: { status: 200, body: { embeddings: [{ values: [1] }, { values: [2] }] } },
  },
  {
    // A hostile index that wraps to 0 in 32 bits: unreadable, never taken as the first vector.
    name: "gemini→openai: batchEmbedContents answered with an index of 2^32 + 1: an error in Gemini's shape, not read as index 1",
    host: "openai.llm", path: "/v1beta/models/text-embedding-3-small:batchEmbedContents",
    request: { requests: [{ content: { parts: [{ text: "a" }] } }, { content: { parts: [{ text: "b" }] } }] },
    upstream: { path: "/v1/embeddings", body: { model: "text-embedding-3-small", input: ["a", "b"], encoding_format: "float" } },
    answer: { body: { object: "list", data: [{ object: "embedding", index: 2 ** 32 + 1, embedding: [2] }, { object: "embedding", index: 0, embedding: [1] }], model: "m", usage: { prompt_tokens: 2, total_tokens: 2 } } },
    // The status has gone to the client already; the body says what went wrong, in Gemini's shape.
    client: { status: 200, body: geminiError(502, "INTERNAL", "provider \"openai\" sent an answer that is not what its API documents") },
  },
  {
    name: "gemini→anthropic: countTokens on count_tokens (the generateContentRequest translated, cut to count_tokens' fields); totalTokens back",
    host: "claude.llm", path: "/v1beta/models/claude-sonnet-4-5:countTokens", headers: CLIENT_KEY,
    request: { generateContentRequest: { model: "models/claude-sonnet-4-5", systemInstruction: { parts: [{ text: "Be brief." }] }, contents: [{ parts: [{ text: "Count me" }] }],
      tools: [{ functionDeclarations: [WEATHER_DECLARATION] }], generationConfig: { maxOutputTokens: 10, temperature: 0.1 } } },
    upstream: { path: "/v1/messages/count_tokens", headers: { "x-api-key": "test-anthropic-key" }, body: {
      model: "claude-sonnet-4-5", system: [{ type: "text", text: "Be brief." }], messages: [{ role: "user", content: [{ type: "text", text: "Count me" }] }],
      tools: [{ name: "get_weather", description: "Weather in a city", input_schema: WEATHER_TOOL_CHAT.function.parameters }],
    } },
    answer: { body: { input_tokens: 42 } },
    client: { status: 200, body: { totalTokens: 42 } },
  },
  {
    name: "gemini→openai: ANY with several allowed names offers only those; AUTO sends no tool_choice; a functionResponse finds its call by id",
    host: "openai.llm", path: GEN,
    request: {
      tools: [{ functionDeclarations: [{ name: "a" }, { name: "b" }, { name: "c" }] }],
      toolConfig: { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["a", "c"] } },
      contents: [
        { role: "user", parts: [{ text: "Go" }] },
        { role: "model", parts: [{ functionCall: { id: "x1", name: "a", args: {} } }, { functionCall: { id: "x2", name: "a", args: { n: 2 } } }] },
        { role: "user", parts: [{ functionResponse: { id: "x2", name: "a", response: { r: 2 } } }, { functionResponse: { id: "x1", name: "a", response: { r: 1 } } }, { text: "and?" }] },
      ],
    },
    upstream: { path: "/v1/chat/completions", body: {
      model: "gemini-2.5-flash",
      messages: [
        { role: "user", content: [{ type: "text", text: "Go" }] },
        { role: "assistant", content: null, tool_calls: [
          { id: "x1", type: "function", function: { name: "a", arguments: "{}" } }, { id: "x2", type: "function", function: { name: "a", arguments: "{\"n\":2}" } }] },
        { role: "tool", tool_call_id: "x2", content: "{\"r\":2}" },
        { role: "tool", tool_call_id: "x1", content: "{\"r\":1}" },
        { role: "user", content: [{ type: "text", text: "and?" }] },
      ],
      tools: [{ type: "function", function: { name: "a", parameters: { type: "object", properties: {} } } }, { type: "function", function: { name: "c", parameters: { type: "object", properties: {} } } }],
      tool_choice: "required",
    } },
  },
  {
    name: "gemini→openai: NONE is tool_choice none; candidateCount 2 is n, each choice a candidate; reasoning_content a thought part",
    host: "openai.llm", path: GEN,
    request: { contents: [{ parts: [{ text: "Hi" }] }], tools: [{ functionDeclarations: [{ name: "a" }] }], toolConfig: { functionCallingConfig: { mode: "NONE" } }, generationConfig: { candidateCount: 2 } },
    upstream: { path: "/v1/chat/completions", body: {
      model: "gemini-2.5-flash", messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }],
      tools: [{ type: "function", function: { name: "a", parameters: { type: "object", properties: {} } } }], tool_choice: "none", n: 2,
    } },
    answer: { body: { id: "chatcmpl-2", object: "chat.completion", created: 1, model: "deepseek-reasoner", usage: { prompt_tokens: 3, completion_tokens: 8, total_tokens: 11 }, choices: [
      { index: 0, message: { role: "assistant", content: "One", reasoning_content: "Thinking…" }, finish_reason: "stop" },
      { index: 1, message: { role: "assistant", content: "Two" }, finish_reason: "stop" },
    ] } },
    client: { status: 200, body: {
      candidates: [
        { content: { role: "model", parts: [{ text: "Thinking…", thought: true }, { text: "One" }] }, finishReason: "STOP", index: 0 },
        { content: { role: "model", parts: [{ text: "Two" }] }, finishReason: "STOP", index: 1 },
      ],
      usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 8, totalTokenCount: 11 }, modelVersion: "deepseek-reasoner", responseId: "chatcmpl-2",
    } },
  },
  {
    name: "gemini→openai stream: reasoning_content deltas become thought parts",
    host: "openai.llm", path: STREAM,
    request: { contents: [{ parts: [{ text: "Hi" }] }] },
    answer: { chunks: [chunk({ role: "assistant", reasoning_content: "Hmm" }), chunk({ content: "Yes" }), chunk({}, "stop"), data("[DONE]")] },
    client: { status: 200, events: [
      event([{ text: "Hmm", thought: true }]), event([{ text: "Yes" }]),
      event([{ text: "" }], { finishReason: "STOP", usageMetadata: { promptTokenCount: 0, candidatesTokenCount: 0, totalTokenCount: 0 } }),
    ] },
  },
  {
    name: "gemini→vertex (a Gemini model): passed on, the stream's method from the client's path",
    host: "vertex.llm", path: STREAM,
    request: { contents: [{ role: "user", parts: [{ text: "Hi" }] }] },
    upstream: { path: "/v1/projects/my-proj/locations/us-east5/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
      headers: { authorization: "Bearer test-vertex-token" }, exactBody: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "Hi" }] }] }) },
  },
  {
    name: "gemini→vertex (a Claude model): Messages through chat on rawPredict, the model in the path only",
    host: "vertex.llm", path: "/v1beta/models/claude-sonnet-4-5@20250929:generateContent",
    request: { contents: [{ parts: [{ text: "Hi" }] }], generationConfig: { maxOutputTokens: 10 } },
    upstream: { path: "/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict",
      body: { messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }], max_tokens: 10, anthropic_version: "vertex-2023-10-16" } },
  },
  {
    name: "gemini→openai: snake_case field names (as Google's curl examples write them) read as lowerCamelCase; the client's own data keeps its keys",
    host: "openai.llm", path: GEN,
    request: {
      system_instruction: { parts: [{ text: "Be brief." }] },
      contents: [
        { role: "user", parts: [{ text: "Hi" }, { inline_data: { mime_type: "image/png", data: PNG } }] },
        { role: "model", parts: [{ function_call: { name: "save", args: { first_name: "Ada" } } }] },
        { role: "user", parts: [{ function_response: { name: "save", response: { saved_id: 7 } } }] },
      ],
      tools: [{ function_declarations: [{ name: "save", parameters: { type: "OBJECT", properties: { first_name: { type: "STRING" } } } }] }],
      tool_config: { function_calling_config: { mode: "ANY", allowed_function_names: ["save"] } },
      generation_config: { max_output_tokens: 20, stop_sequences: ["END"] },
    },
    upstream: { path: "/v1/chat/completions", body: {
      model: "gemini-2.5-flash",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: [{ type: "text", text: "Hi" }, { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } }] },
        { role: "assistant", content: null, tool_calls: [{ id: "call_0", type: "function", function: { name: "save", arguments: "{\"first_name\":\"Ada\"}" } }] },
        { role: "tool", tool_call_id: "call_0", content: "{\"saved_id\":7}" },
      ],
      tools: [{ type: "function", function: { name: "save", parameters: { type: "object", properties: { first_name: { type: "string" } } } } }],
      tool_choice: { type: "function", function: { name: "save" } },
      max_completion_tokens: 20, stop: ["END"],
    } },
  },
  {
    name: "refused: a field given in both spellings",
    host: "openai.llm", path: GEN,
    request: { contents: [{ parts: [{ text: "Hi" }] }], generationConfig: { maxOutputTokens: 5, max_output_tokens: 50 } },
    reply: { status: 400, body: geminiError(400, "INVALID_ARGUMENT", "max_output_tokens: given as both max_output_tokens and maxOutputTokens") },
  },
  // Refusals, each in Gemini's error shape.
  ...([
    ["cachedContent", { cachedContent: "cachedContents/abc", contents: [{ parts: [{ text: "Hi" }] }] }, "cachedContent: names a Gemini cache; this backend is not Gemini"],
    ["fileData", { contents: [{ parts: [{ fileData: { fileUri: "https://generativelanguage.googleapis.com/v1beta/files/x", mimeType: "image/png" } }] }] }, "contents[0].parts[0].fileData: this backend cannot fetch it; send inlineData"],
    ["a PDF inline", { contents: [{ parts: [{ inlineData: { mimeType: "application/pdf", data: "JVBERi0=" } }] }] }, "contents[0].parts[0].inlineData: image/* only for this backend"],
    ["audio answers", { contents: [{ parts: [{ text: "Hi" }] }], generationConfig: { responseModalities: ["AUDIO"] } }, "generationConfig.responseModalities: TEXT only for this backend"],
    ["an enum mime type", { contents: [{ parts: [{ text: "Hi" }] }], generationConfig: { responseMimeType: "text/x.enum" } }, "generationConfig.responseMimeType: text/plain or application/json only"],
    ["no contents", { contents: [] }, "contents: is required and must be a non-empty array"],
    ["a model turn's unknown part", { contents: [{ role: "model", parts: [{ executableCode: { code: "1" } }] }] }, "contents[0].parts[0]: not a text or functionCall part"],
  ] as const).map(([what, request, message]): TranslationRow => ({
    name: `refused toward OpenAI: ${what}`, host: "openai.llm", path: GEN, request,
    reply: { status: 400, body: geminiError(400, "INVALID_ARGUMENT", message) },
  })),
  {
    name: "refused: a route whose request policy cannot read Gemini bodies",
    host: "policy.llm", path: GEN,
    request: { contents: [{ parts: [{ text: "the secret plan" }] }] },
    reply: { status: 400, body: geminiError(400, "INVALID_ARGUMENT", "llm-mesh route \"with-policy\" has a request policy, which reads no Gemini requests") },
  },
  {
    name: "refused: JSON without a schema toward Anthropic (it needs one)",
    host: "claude.llm", path: GEN,
    request: { contents: [{ parts: [{ text: "Hi" }] }], generationConfig: { responseMimeType: "application/json" } },
    reply: { status: 400, body: geminiError(400, "INVALID_ARGUMENT", expect.stringContaining("no JSON mode without a schema")) },
  },
  {
    name: "refused: streamGenerateContent without alt=sse (Gemini's JSON-array stream is not written)",
    host: "openai.llm", path: "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
    request: { contents: [{ parts: [{ text: "Hi" }] }] },
    reply: { status: 400, body: geminiError(400, "INVALID_ARGUMENT", "llm-mesh streams Gemini answers as server-sent events only: add ?alt=sse to streamGenerateContent") },
  },
  {
    name: "refused: a model that is not one safe path segment",
    host: "gemini.llm", path: "/v1beta/models/gemini%2F..:generateContent",
    request: { contents: [{ parts: [{ text: "Hi" }] }] },
    reply: { status: 400, body: geminiError(400, "INVALID_ARGUMENT", "the model in the path must be a Gemini model name (1 to 128 letters, digits, '.', '_', '-', ':' and '@')") },
  },
  {
    name: "refused: an unknown method is a 404",
    host: "gemini.llm", path: "/v1beta/models/gemini-2.5-flash:predict",
    request: { contents: [] },
    reply: { status: 404, body: geminiError(404, "NOT_FOUND", "llm-mesh serves the Gemini methods generateContent, streamGenerateContent, countTokens, embedContent, batchEmbedContents; the path names none of them") },
  },
  {
    name: "refused: countTokens on an OpenAI backend",
    host: "openai.llm", path: "/v1beta/models/gpt-4o:countTokens",
    request: { contents: [{ parts: [{ text: "Hi" }] }] },
    reply: { status: 400, body: geminiError(400, "INVALID_ARGUMENT", "llm-mesh route \"to-openai\" sends this request to provider \"openai\" (openai), which does not serve /v1beta/models/{model}:countTokens (only gemini and anthropic providers count tokens for Gemini clients)") },
  },
  {
    name: "refused: candidateCount 2 toward Anthropic (one candidate only)",
    host: "claude.llm", path: GEN,
    request: { contents: [{ parts: [{ text: "Hi" }] }], generationConfig: { candidateCount: 2 } },
    reply: { status: 400, body: geminiError(400, "INVALID_ARGUMENT", "generationConfig.candidateCount: must be 1 for this backend") },
  },
  {
    name: "refused: a functionResponse that answers no call of the turn before",
    host: "openai.llm", path: GEN,
    request: { contents: [{ role: "user", parts: [{ functionResponse: { name: "get_weather", response: {} } }] }] },
    reply: { status: 400, body: geminiError(400, "INVALID_ARGUMENT", "contents[0].parts[0].functionResponse: \"get_weather\" answers no open functionCall of the model turn before it") },
  },
  {
    name: "refused: a hosted tool on a route that refuses them",
    host: "strict.llm", path: GEN,
    request: { contents: [{ parts: [{ text: "Hi" }] }], tools: [{ codeExecution: {} }] },
    reply: { status: 400, body: geminiError(400, "INVALID_ARGUMENT", "tools[0].codeExecution: no such tool here (the route refuses hosted tools)") },
  },
];

// thinkingConfig through the budget <-> effort table (assembly/translate/reasoning.ts).
GEMINI_CLIENT_ROWS.push(
  {
    name: "gemini→anthropic: thinkingConfig.thinkingBudget is Claude's budget_tokens, exactly",
    host: "claude.llm", path: "/v1beta/models/claude-sonnet-4-5:generateContent", headers: CLIENT_KEY,
    request: { contents: [{ role: "user", parts: [{ text: "Hi" }] }], generationConfig: { maxOutputTokens: 8000, thinkingConfig: { thinkingBudget: 3000, includeThoughts: true } } },
    upstream: { path: "/v1/messages", body: expect.objectContaining({ max_tokens: 8000, thinking: { type: "enabled", budget_tokens: 3000 } }) },
  },
  {
    name: "gemini→openai: thinkingConfig is reasoning_effort for a reasoning model (8192: medium)",
    host: "openai.llm", path: "/v1beta/models/o4-mini:generateContent", headers: CLIENT_KEY,
    request: { contents: [{ role: "user", parts: [{ text: "Hi" }] }], generationConfig: { thinkingConfig: { thinkingBudget: 8192 } } },
    upstream: { path: "/v1/chat/completions", body: expect.objectContaining({ model: "o4-mini", reasoning_effort: "medium" }) },
  },
  {
    name: "gemini→openai: thinkingConfig.thinkingLevel is reasoning_effort; a model that does not reason gets none",
    host: "openai.llm", path: "/v1beta/models/gpt-4o:generateContent", headers: CLIENT_KEY,
    request: { contents: [{ role: "user", parts: [{ text: "Hi" }] }], generationConfig: { thinkingConfig: { thinkingLevel: "high" } } },
    upstream: { path: "/v1/chat/completions", body: { model: "gpt-4o", messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }] } },
  },
);
