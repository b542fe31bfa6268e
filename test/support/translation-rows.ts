// Translation as data: a client request, the upstream request it must become, a canned provider
// answer (JSON or SSE chunks) and what the client must get back. Built from the published API
// references: https://platform.openai.com/docs/api-reference/chat and
// https://docs.anthropic.com/en/api/messages (+ /streaming, /errors). Run through the host
// emulator (test/unit/translate.test.ts) and through real Envoy (test/integration/translate.test.ts).
import { expect } from "vitest";

export interface ProviderAnswer {
  status?: number;
  contentType?: string;
  /** A JSON body, or raw text. */
  body?: unknown;
  /** SSE chunks as the provider writes them (split anywhere). */
  chunks?: string[];
  /** A binary stream (AWS event-stream frames), sent as application/vnd.amazon.eventstream. */
  frames?: Uint8Array[];
}

/** The bytes of a canned answer and its content type. */
export function answerBytes(a: ProviderAnswer): { bytes: Buffer; contentType: string; streamed: boolean } {
  if (a.frames) return { bytes: Buffer.concat(a.frames), contentType: "application/vnd.amazon.eventstream", streamed: true };
  if (a.chunks) return { bytes: Buffer.from(a.chunks.join("")), contentType: a.contentType ?? "text/event-stream", streamed: true };
  return { bytes: Buffer.from(typeof a.body === "string" ? a.body : JSON.stringify(a.body)), contentType: a.contentType ?? "application/json", streamed: false };
}

export interface TranslationRow {
  name: string;
  host: string;
  path: string;
  headers?: Record<string, string>;
  /** Body as sent (an object is JSON-encoded; a string is sent as is). */
  request: unknown;
  /** The upstream request: path, headers (undefined: must be absent) and body (structural, or exact text). */
  upstream?: { path: string; headers?: Record<string, string | undefined>; body?: unknown; exactBody?: string };
  answer?: ProviderAnswer;
  /** What the client receives: status, JSON body, or the stream's events (data lines; Anthropic with event names). */
  client?: { status: number; body?: unknown; exactBody?: string; events?: unknown[]; headers?: Record<string, string | undefined> };
  /** A local refusal: status, and the error in the client's API shape. */
  reply?: { status: number; body: unknown };
}

const anyNumber = () => expect.any(Number);

/** Anthropic SSE as a provider writes it. */
export const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
/** OpenAI SSE as a provider writes it. */
export const data = (payload: unknown) => `data: ${typeof payload === "string" ? payload : JSON.stringify(payload)}\n\n`;

const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) =>
  ({ id: "chatcmpl-9", object: "chat.completion.chunk", created: 1700000000, model: "gpt-4o", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra });
const expectedChunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  ({ id: "msg_s1", object: "chat.completion.chunk", created: anyNumber(), model: "claude-sonnet-4-5", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });

const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

const CLAUDE_TEXT_ANSWER = {
  id: "msg_1", type: "message", role: "assistant", model: "claude-sonnet-4-5",
  content: [{ type: "text", text: "Hello!" }], stop_reason: "end_turn", stop_sequence: null,
  usage: { input_tokens: 10, output_tokens: 3, cache_read_input_tokens: 4, cache_creation_input_tokens: 0 },
};

const OPENAI_TEXT_ANSWER = {
  id: "chatcmpl-1", object: "chat.completion", created: 1700000000, model: "gpt-4o-2024-08-06",
  choices: [{ index: 0, message: { role: "assistant", content: "Hi there.", refusal: null }, logprobs: null, finish_reason: "stop" }],
  usage: { prompt_tokens: 20, completion_tokens: 4, total_tokens: 24, prompt_tokens_details: { cached_tokens: 8 } },
};

const WEATHER_TOOL_OPENAI = { type: "function", function: { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } };
const WEATHER_TOOL_ANTHROPIC = { name: "get_weather", description: "Weather for a city", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } };

export const TRANSLATION_ROWS: TranslationRow[] = [
  // ---- OpenAI client, Anthropic backend ----
  {
    name: "openai→anthropic: system and developer messages, sampling, stop, default max_tokens",
    host: "claude.llm", path: "/v1/chat/completions",
    request: { model: "claude-sonnet-4-5", messages: [{ role: "system", content: "Be brief." }, { role: "developer", content: "Answer in English." }, { role: "user", content: "Hi" }], temperature: 0.5, top_p: 0.9, stop: "END", frequency_penalty: 0.2, seed: 7 },
    upstream: {
      path: "/v1/messages", headers: { "x-api-key": "test-anthropic-key", "anthropic-version": "2023-06-01", authorization: undefined, "accept-encoding": undefined },
      body: { model: "claude-sonnet-4-5", system: [{ type: "text", text: "Be brief." }, { type: "text", text: "Answer in English." }], messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }], max_tokens: 4096, temperature: 0.5, top_p: 0.9, stop_sequences: ["END"] },
    },
    answer: { body: CLAUDE_TEXT_ANSWER },
    client: { status: 200, body: {
      id: "msg_1", object: "chat.completion", created: anyNumber(), model: "claude-sonnet-4-5",
      choices: [{ index: 0, message: { role: "assistant", content: "Hello!", refusal: null }, logprobs: null, finish_reason: "stop" }],
      usage: { prompt_tokens: 14, completion_tokens: 3, total_tokens: 17, prompt_tokens_details: { cached_tokens: 4 } },
    } },
  },
  {
    name: "openai→anthropic: multi-turn with parallel tool calls, tool results (one with an image), images by base64 and URL",
    host: "claude.llm", path: "/v1/chat/completions",
    request: {
      model: "claude-sonnet-4-5", max_completion_tokens: 300, user: "user-42", parallel_tool_calls: false, tool_choice: "required",
      tools: [WEATHER_TOOL_OPENAI, { type: "function", function: { name: "now" } }],
      messages: [
        { role: "user", content: [{ type: "text", text: "What is this and the weather?" }, { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } }, { type: "image_url", image_url: { url: "https://example.com/cat.jpg", detail: "low" } }] },
        { role: "assistant", content: null, tool_calls: [
          { id: "call_1", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" } },
          { id: "call_2", type: "function", function: { name: "now", arguments: "" } }] },
        { role: "tool", tool_call_id: "call_1", content: "18C and sunny" },
        { role: "tool", tool_call_id: "call_2", content: [{ type: "text", text: "chart:" }, { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } }] },
        { role: "user", content: "Thanks" },
      ],
    },
    upstream: {
      path: "/v1/messages",
      body: {
        model: "claude-sonnet-4-5", max_tokens: 300, metadata: { user_id: "user-42" },
        tools: [WEATHER_TOOL_ANTHROPIC, { name: "now", input_schema: { type: "object", properties: {} } }],
        tool_choice: { type: "any", disable_parallel_tool_use: true },
        messages: [
          { role: "user", content: [{ type: "text", text: "What is this and the weather?" }, { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } }, { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } }] },
          { role: "assistant", content: [{ type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Paris" } }, { type: "tool_use", id: "call_2", name: "now", input: {} }] },
          { role: "user", content: [
            { type: "tool_result", tool_use_id: "call_1", content: "18C and sunny" },
            { type: "tool_result", tool_use_id: "call_2", content: [{ type: "text", text: "chart:" }, { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } }] },
            { type: "text", text: "Thanks" }] },
        ],
      },
    },
    answer: { body: {
      id: "msg_2", type: "message", role: "assistant", model: "claude-sonnet-4-5", stop_reason: "tool_use", stop_sequence: null,
      content: [{ type: "text", text: "Let me check." }, { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Lyon" } }, { type: "tool_use", id: "toolu_2", name: "now", input: {} }],
      usage: { input_tokens: 50, output_tokens: 20 },
    } },
    client: { status: 200, body: {
      id: "msg_2", object: "chat.completion", created: anyNumber(), model: "claude-sonnet-4-5",
      choices: [{ index: 0, logprobs: null, finish_reason: "tool_calls", message: { role: "assistant", content: "Let me check.", refusal: null, tool_calls: [
        { id: "toolu_1", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Lyon\"}" } },
        { id: "toolu_2", type: "function", function: { name: "now", arguments: "{}" } }] } }],
      usage: { prompt_tokens: 50, completion_tokens: 20, total_tokens: 70, prompt_tokens_details: { cached_tokens: 0 } },
    } },
  },
  {
    name: "openai→anthropic: a named tool_choice, and json_schema output as Anthropic's output_config",
    host: "claude.llm", path: "/v1/chat/completions",
    request: { model: "claude-sonnet-4-5", messages: [{ role: "user", content: "x" }], tools: [WEATHER_TOOL_OPENAI], tool_choice: { type: "function", function: { name: "get_weather" } },
      response_format: { type: "json_schema", json_schema: { name: "w", strict: true, schema: { type: "object", properties: { a: { type: "string" } } } } } },
    upstream: { path: "/v1/messages", body: { model: "claude-sonnet-4-5", messages: [{ role: "user", content: [{ type: "text", text: "x" }] }], max_tokens: 4096, tools: [WEATHER_TOOL_ANTHROPIC],
      tool_choice: { type: "tool", name: "get_weather" }, output_config: { format: { type: "json_schema", schema: { type: "object", properties: { a: { type: "string" } } } } } } },
  },
  {
    name: "openai→anthropic: max_tokens from the provider's defaults when the client gives none",
    host: "capped.llm", path: "/v1/chat/completions",
    request: { messages: [{ role: "user", content: "x" }] },
    upstream: { path: "/v1/messages", body: { model: "claude-haiku-4-5", messages: [{ role: "user", content: [{ type: "text", text: "x" }] }], max_tokens: 1000 } },
  },
  {
    name: "openai→anthropic: json_object has no Anthropic equivalent: 400 in OpenAI's shape",
    host: "claude.llm", path: "/v1/chat/completions",
    request: { model: "claude-sonnet-4-5", messages: [{ role: "user", content: "x" }], response_format: { type: "json_object" } },
    reply: { status: 400, body: { error: { message: expect.stringMatching(/^response_format: an Anthropic backend has no JSON mode/), type: "invalid_request_error", param: null, code: "unsupported_for_backend" } } },
  },
  {
    name: "openai→anthropic: n > 1 is refused, not silently answered once",
    host: "claude.llm", path: "/v1/chat/completions",
    request: { model: "claude-sonnet-4-5", messages: [{ role: "user", content: "x" }], n: 2 },
    reply: { status: 400, body: { error: { message: expect.stringMatching(/^n: /), type: "invalid_request_error", param: null, code: "unsupported_for_backend" } } },
  },
  {
    name: "openai→anthropic: tool arguments that are not a JSON object are refused with their path",
    host: "claude.llm", path: "/v1/chat/completions",
    request: { model: "claude-sonnet-4-5", messages: [{ role: "user", content: "x" }, { role: "assistant", tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "[1]" } }] }] },
    reply: { status: 400, body: { error: { message: expect.stringMatching(/^messages\[1\]\.tool_calls\[0\]\.function\.arguments: must be a JSON object/), type: "invalid_request_error", param: null, code: "unsupported_for_backend" } } },
  },
  {
    name: "openai→anthropic: Anthropic's 400 reaches the client in OpenAI's shape",
    host: "claude.llm", path: "/v1/chat/completions",
    request: { model: "claude-sonnet-4-5", messages: [{ role: "user", content: "x" }] },
    answer: { status: 400, body: { type: "error", error: { type: "invalid_request_error", message: "messages.0.content: bad" } } },
    client: { status: 400, body: { error: { message: "messages.0.content: bad", type: "invalid_request_error", param: null, code: null } } },
  },
  {
    name: "openai→anthropic: Anthropic's 529 overloaded is 503 for an OpenAI client",
    host: "claude.llm", path: "/v1/chat/completions",
    request: { model: "claude-sonnet-4-5", messages: [{ role: "user", content: "x" }] },
    answer: { status: 529, body: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } },
    client: { status: 503, body: { error: { message: "Overloaded", type: "overloaded_error", param: null, code: null } } },
  },
  {
    name: "openai→anthropic: a refused key is the platform's problem: 502 provider_auth_failed, OpenAI shape",
    host: "claude.llm", path: "/v1/chat/completions",
    request: { model: "claude-sonnet-4-5", messages: [{ role: "user", content: "x" }] },
    answer: { status: 401, body: { type: "error", error: { type: "authentication_error", message: "invalid x-api-key" } } },
    client: { status: 502, body: { error: { message: expect.stringMatching(/refused the credentials llm-mesh holds/), type: "server_error", param: null, code: "provider_auth_failed" } } },
  },
  {
    name: "openai→anthropic stream: text, parallel tool calls with argument deltas, usage chunk, ping and unknown events skipped",
    host: "claude.llm", path: "/v1/chat/completions",
    request: { model: "claude-sonnet-4-5", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "x" }], tools: [WEATHER_TOOL_OPENAI] },
    upstream: { path: "/v1/messages", body: { model: "claude-sonnet-4-5", messages: [{ role: "user", content: [{ type: "text", text: "x" }] }], max_tokens: 4096, stream: true, tools: [WEATHER_TOOL_ANTHROPIC] } },
    answer: { contentType: "text/event-stream; charset=utf-8", chunks: [
      sse("message_start", { type: "message_start", message: { id: "msg_s1", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 25, output_tokens: 1 } } }),
      sse("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
      sse("ping", { type: "ping" }),
      sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Checking" } }),
      sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: " both." } }),
      sse("content_block_stop", { type: "content_block_stop", index: 0 }),
      sse("content_block_start", { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "toolu_a", name: "get_weather", input: {} } }),
      sse("content_block_delta", { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: "" } }),
      sse("content_block_delta", { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: "{\"city\": \"Pa" } }),
      sse("content_block_delta", { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: "ris\"}" } }),
      sse("content_block_stop", { type: "content_block_stop", index: 1 }),
      sse("content_block_start", { type: "content_block_start", index: 2, content_block: { type: "tool_use", id: "toolu_b", name: "get_weather", input: {} } }),
      sse("content_block_delta", { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: "{\"city\":\"Rome\"}" } }),
      sse("content_block_stop", { type: "content_block_stop", index: 2 }),
      sse("some_future_event", { type: "some_future_event" }),
      sse("message_delta", { type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 42 } }),
      sse("message_stop", { type: "message_stop" }),
    ] },
    client: { status: 200, events: [
      expectedChunk({ role: "assistant", content: "" }),
      expectedChunk({ content: "Checking" }),
      expectedChunk({ content: " both." }),
      expectedChunk({ tool_calls: [{ index: 0, id: "toolu_a", type: "function", function: { name: "get_weather", arguments: "" } }] }),
      expectedChunk({ tool_calls: [{ index: 0, function: { arguments: "{\"city\": \"Pa" } }] }),
      expectedChunk({ tool_calls: [{ index: 0, function: { arguments: "ris\"}" } }] }),
      expectedChunk({ tool_calls: [{ index: 1, id: "toolu_b", type: "function", function: { name: "get_weather", arguments: "" } }] }),
      expectedChunk({ tool_calls: [{ index: 1, function: { arguments: "{\"city\":\"Rome\"}" } }] }),
      expectedChunk({}, "tool_calls"),
      { id: "msg_s1", object: "chat.completion.chunk", created: anyNumber(), model: "claude-sonnet-4-5", choices: [],
        usage: { prompt_tokens: 25, completion_tokens: 42, total_tokens: 67, prompt_tokens_details: { cached_tokens: 0 } } },
      "[DONE]",
    ] },
  },
  {
    name: "openai→anthropic stream: without include_usage no usage chunk; a stream cut short ends with an error, not silence",
    host: "claude.llm", path: "/v1/chat/completions",
    request: { model: "claude-sonnet-4-5", stream: true, messages: [{ role: "user", content: "x" }] },
    answer: { contentType: "text/event-stream", chunks: [
      sse("message_start", { type: "message_start", message: { id: "msg_s1", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [], usage: { input_tokens: 5, output_tokens: 1 } } }),
      sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Par" } }),
    ] },
    client: { status: 200, events: [
      expectedChunk({ role: "assistant", content: "" }),
      expectedChunk({ content: "Par" }),
      { error: { message: "the provider's stream ended before the message was complete", type: "server_error", param: null, code: null } },
    ] },
  },
  {
    name: "openai→anthropic stream: Anthropic's error event becomes an OpenAI error in the stream",
    host: "claude.llm", path: "/v1/chat/completions",
    request: { model: "claude-sonnet-4-5", stream: true, messages: [{ role: "user", content: "x" }] },
    answer: { contentType: "text/event-stream", chunks: [
      sse("message_start", { type: "message_start", message: { id: "msg_s1", model: "claude-sonnet-4-5", usage: { input_tokens: 5, output_tokens: 1 } } }),
      sse("error", { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }),
    ] },
    client: { status: 200, events: [
      expectedChunk({ role: "assistant", content: "" }),
      { error: { message: "Overloaded", type: "overloaded_error", param: null, code: null } },
    ] },
  },
  {
    name: "openai→anthropic stream: a key echoed in a mid-stream error is redacted",
    host: "claude.llm", path: "/v1/chat/completions",
    request: { model: "claude-sonnet-4-5", stream: true, messages: [{ role: "user", content: "x" }] },
    answer: { contentType: "text/event-stream", chunks: [
      sse("message_start", { type: "message_start", message: { id: "msg_s1", model: "claude-sonnet-4-5", usage: { input_tokens: 5, output_tokens: 1 } } }),
      sse("error", { type: "error", error: { type: "api_error", message: "bad key test-anthropic-key" } }),
    ] },
    client: { status: 200, events: [
      expectedChunk({ role: "assistant", content: "" }),
      { error: { message: "bad key [redacted]", type: "api_error", param: null, code: null } },
    ] },
  },
  {
    name: "openai→anthropic: embeddings are not an Anthropic operation: 400 unsupported_operation",
    host: "claude.llm", path: "/v1/embeddings",
    request: { model: "x", input: "hello" },
    reply: { status: 400, body: { error: { message: expect.stringMatching(/provider "anthropic" \(anthropic\), which does not serve \/v1\/embeddings/), type: "invalid_request_error", param: null, code: "unsupported_operation" } } },
  },

  // ---- Anthropic client, OpenAI-family backend ----
  {
    name: "anthropic→openai: system, text, sampling and stop; the client's x-api-key and anthropic headers stay behind",
    host: "gpt.llm", path: "/v1/messages",
    headers: { "x-api-key": "client-anthropic-key", "anthropic-version": "2023-06-01", "anthropic-beta": "prompt-caching-2024-07-31" },
    request: { model: "gpt-4o", max_tokens: 100, system: "Be brief.", messages: [{ role: "user", content: "Hi" }], temperature: 0.2, top_p: 0.8, top_k: 5, stop_sequences: ["END"], metadata: { user_id: "u-1" } },
    upstream: {
      path: "/v1/chat/completions", headers: { authorization: "Bearer test-openai-key", "x-api-key": undefined, "anthropic-version": undefined, "anthropic-beta": undefined },
      body: { model: "gpt-4o", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }], max_completion_tokens: 100, temperature: 0.2, top_p: 0.8, stop: ["END"], user: "u-1" },
    },
    answer: { body: OPENAI_TEXT_ANSWER },
    client: { status: 200, body: {
      id: "chatcmpl-1", type: "message", role: "assistant", model: "gpt-4o-2024-08-06", content: [{ type: "text", text: "Hi there." }],
      stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 12, output_tokens: 4, cache_read_input_tokens: 8 },
    } },
  },
  {
    name: "anthropic→openai: tool use round trip: tool_result (with an image) becomes a tool message, thinking and cache_control dropped",
    host: "groq.llm", path: "/v1/messages",
    request: {
      model: "llama-3.3-70b-versatile", max_tokens: 50, tools: [{ ...WEATHER_TOOL_ANTHROPIC, cache_control: { type: "ephemeral" } }], tool_choice: { type: "any", disable_parallel_tool_use: true },
      system: [{ type: "text", text: "Tools first.", cache_control: { type: "ephemeral" } }],
      messages: [
        { role: "user", content: [{ type: "text", text: "Weather in Paris?" }, { type: "image", source: { type: "base64", media_type: "image/png", data: PNG } }] },
        { role: "assistant", content: [{ type: "thinking", thinking: "need tool", signature: "sig" }, { type: "text", text: "Checking." }, { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: "18C" }, { type: "image", source: { type: "url", url: "https://example.com/map.png" } }] }, { type: "text", text: "And tomorrow?" }] },
      ],
    },
    upstream: {
      path: "/openai/v1/chat/completions", headers: { authorization: "Bearer test-groq-key" },
      body: {
        model: "llama-3.3-70b-versatile", max_tokens: 50, tool_choice: "required", parallel_tool_calls: false,
        tools: [{ type: "function", function: { name: "get_weather", description: "Weather for a city", parameters: WEATHER_TOOL_ANTHROPIC.input_schema } }],
        messages: [
          { role: "system", content: "Tools first." },
          { role: "user", content: [{ type: "text", text: "Weather in Paris?" }, { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } }] },
          { role: "assistant", content: "Checking.", tool_calls: [{ id: "toolu_1", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" } }] },
          { role: "tool", tool_call_id: "toolu_1", content: "18C" },
          { role: "user", content: [{ type: "text", text: "And tomorrow?" }, { type: "image_url", image_url: { url: "https://example.com/map.png" } }] },
        ],
      },
    },
    answer: { body: {
      id: "chatcmpl-2", object: "chat.completion", created: 1700000000, model: "llama-3.3-70b-versatile",
      choices: [{ index: 0, finish_reason: "tool_calls", message: { role: "assistant", content: null, tool_calls: [
        { id: "call_a", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\",\"day\":\"tomorrow\"}" } },
        { id: "call_b", type: "function", function: { name: "get_weather", arguments: "" } }] } }],
      usage: { prompt_tokens: 30, completion_tokens: 9, total_tokens: 39 },
    } },
    client: { status: 200, body: {
      id: "chatcmpl-2", type: "message", role: "assistant", model: "llama-3.3-70b-versatile", stop_reason: "tool_use", stop_sequence: null,
      content: [{ type: "tool_use", id: "call_a", name: "get_weather", input: { city: "Paris", day: "tomorrow" } }, { type: "tool_use", id: "call_b", name: "get_weather", input: {} }],
      usage: { input_tokens: 30, output_tokens: 9 },
    } },
  },
  {
    name: "anthropic→openai stream: text then parallel tool calls with split arguments, usage at the end",
    host: "gpt.llm", path: "/v1/messages",
    request: { model: "gpt-4o", max_tokens: 100, stream: true, messages: [{ role: "user", content: "x" }], tools: [WEATHER_TOOL_ANTHROPIC] },
    upstream: { path: "/v1/chat/completions", body: { model: "gpt-4o", messages: [{ role: "user", content: "x" }], max_completion_tokens: 100, stream: true, stream_options: { include_usage: true },
      tools: [{ type: "function", function: { name: "get_weather", description: "Weather for a city", parameters: WEATHER_TOOL_ANTHROPIC.input_schema } }] } },
    answer: { contentType: "text/event-stream", chunks: [
      data(chunk({ role: "assistant", content: "" })),
      data(chunk({ content: "On it" })),
      data(chunk({ content: "." })),
      data(chunk({ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "get_weather", arguments: "" } }] })),
      data(chunk({ tool_calls: [{ index: 0, function: { arguments: "{\"city\":" } }] })),
      data(chunk({ tool_calls: [{ index: 0, function: { arguments: "\"Paris\"}" } }] })),
      data(chunk({ tool_calls: [{ index: 1, id: "call_2", type: "function", function: { name: "get_weather", arguments: "{}" } }] })),
      data(chunk({}, "tool_calls")),
      data({ id: "chatcmpl-9", object: "chat.completion.chunk", created: 1700000000, model: "gpt-4o", choices: [], usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 } }),
      data("[DONE]"),
    ] },
    client: { status: 200, events: [
      { event: "message_start", data: { type: "message_start", message: { id: "chatcmpl-9", type: "message", role: "assistant", model: "gpt-4o", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } } } },
      { event: "content_block_start", data: { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } } },
      { event: "content_block_delta", data: { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "On it" } } },
      { event: "content_block_delta", data: { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "." } } },
      { event: "content_block_stop", data: { type: "content_block_stop", index: 0 } },
      { event: "content_block_start", data: { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: "call_1", name: "get_weather", input: {} } } },
      { event: "content_block_delta", data: { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: "{\"city\":" } } },
      { event: "content_block_delta", data: { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: "\"Paris\"}" } } },
      { event: "content_block_stop", data: { type: "content_block_stop", index: 1 } },
      { event: "content_block_start", data: { type: "content_block_start", index: 2, content_block: { type: "tool_use", id: "call_2", name: "get_weather", input: {} } } },
      { event: "content_block_delta", data: { type: "content_block_delta", index: 2, delta: { type: "input_json_delta", partial_json: "{}" } } },
      { event: "content_block_stop", data: { type: "content_block_stop", index: 2 } },
      { event: "message_delta", data: { type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { input_tokens: 11, output_tokens: 7 } } },
      { event: "message_stop", data: { type: "message_stop" } },
    ] },
  },
  {
    name: "anthropic→openai: an Anthropic server tool with no chat equivalent cannot run on an OpenAI backend: 400 in Anthropic's shape",
    host: "gpt.llm", path: "/v1/messages",
    request: { model: "gpt-4o", max_tokens: 10, messages: [{ role: "user", content: "x" }], tools: [{ type: "code_execution_20250522", name: "code_execution" }] },
    reply: { status: 400, body: { type: "error", error: { type: "invalid_request_error", message: expect.stringMatching(/^tools\.0\.type: "code_execution_20250522" is an Anthropic server tool/) } } },
  },
  {
    name: "anthropic→openai: OpenAI's 429 reaches an Anthropic client as rate_limit_error",
    host: "gpt.llm", path: "/v1/messages",
    request: { model: "gpt-4o", max_tokens: 10, messages: [{ role: "user", content: "x" }] },
    answer: { status: 429, body: { error: { message: "Rate limit reached for gpt-4o", type: "requests", param: null, code: "rate_limit_exceeded" } } },
    client: { status: 429, body: { type: "error", error: { type: "rate_limit_error", message: "Rate limit reached for gpt-4o" } } },
  },
  {
    name: "anthropic client: malformed JSON is a 400 in Anthropic's shape",
    host: "gpt.llm", path: "/v1/messages",
    request: "{\"model\":\"gpt-4o\",",
    reply: { status: 400, body: { type: "error", error: { type: "invalid_request_error", message: expect.stringMatching(/not valid JSON/) } } },
  },
  {
    name: "anthropic client: count_tokens needs an Anthropic backend: 400 naming the provider",
    host: "gpt.llm", path: "/v1/messages/count_tokens",
    request: { model: "gpt-4o", messages: [{ role: "user", content: "x" }] },
    reply: { status: 400, body: { type: "error", error: { type: "invalid_request_error", message: expect.stringMatching(/provider "openai" \(openai\), which does not serve \/v1\/messages\/count_tokens \(only anthropic providers count tokens\)/) } } },
  },

  // ---- Same API on both sides: no round trip ----
  {
    name: "anthropic→anthropic: forwarded byte for byte (thinking and signature, cache_control, citations, unknown fields); the client's version and beta pass",
    host: "claude.llm", path: "/v1/messages",
    headers: { authorization: "Bearer client-token", "anthropic-version": "2023-06-01", "anthropic-beta": "interleaved-thinking-2025-05-14" },
    request: "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":512},\"system\":[{\"type\":\"text\",\"text\":\"S\",\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}}],\"messages\":[{\"role\":\"user\",\"content\":\"q\"},{\"role\":\"assistant\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"hmm\",\"signature\":\"EqQBCgIYAhIM\"},{\"type\":\"text\",\"text\":\"a\",\"citations\":[{\"type\":\"char_location\",\"cited_text\":\"x\",\"document_index\":0,\"start_char_index\":0,\"end_char_index\":1}]}]},{\"role\":\"user\",\"content\":\"more\"}],\"future_field\":{\"x\":[1,2.50,\"\\u00e9\"]}}",
    upstream: { path: "/v1/messages", headers: { "x-api-key": "test-anthropic-key", authorization: undefined, "anthropic-version": "2023-06-01", "anthropic-beta": "interleaved-thinking-2025-05-14" },
      exactBody: "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":512},\"system\":[{\"type\":\"text\",\"text\":\"S\",\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}}],\"messages\":[{\"role\":\"user\",\"content\":\"q\"},{\"role\":\"assistant\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"hmm\",\"signature\":\"EqQBCgIYAhIM\"},{\"type\":\"text\",\"text\":\"a\",\"citations\":[{\"type\":\"char_location\",\"cited_text\":\"x\",\"document_index\":0,\"start_char_index\":0,\"end_char_index\":1}]}]},{\"role\":\"user\",\"content\":\"more\"}],\"future_field\":{\"x\":[1,2.50,\"\\u00e9\"]}}" },
    answer: { body: "{\"id\":\"msg_t\",\"type\":\"message\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"t\",\"signature\":\"sig==\"},{\"type\":\"text\",\"text\":\"ok\"}],\"future\":1.50}" },
    client: { status: 200, exactBody: "{\"id\":\"msg_t\",\"type\":\"message\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"t\",\"signature\":\"sig==\"},{\"type\":\"text\",\"text\":\"ok\"}],\"future\":1.50}" },
  },
  {
    name: "anthropic→anthropic: without the client's anthropic-version the provider's is sent; count_tokens passes",
    host: "claude.llm", path: "/v1/messages/count_tokens",
    request: { model: "claude-sonnet-4-5", messages: [{ role: "user", content: "x" }] },
    upstream: { path: "/v1/messages/count_tokens", headers: { "anthropic-version": "2023-06-01", "x-api-key": "test-anthropic-key" }, body: { model: "claude-sonnet-4-5", messages: [{ role: "user", content: "x" }] } },
    answer: { body: { input_tokens: 9 } },
    client: { status: 200, exactBody: "{\"input_tokens\":9}" },
  },
  {
    name: "openai→openai: unknown fields and the answer pass byte for byte",
    host: "gpt.llm", path: "/v1/chat/completions",
    request: "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"reasoning_effort\":\"low\",\"prediction\":{\"type\":\"content\",\"content\":\"y\"},\"x_future\":[1.0e3]}",
    upstream: { path: "/v1/chat/completions", exactBody: "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"reasoning_effort\":\"low\",\"prediction\":{\"type\":\"content\",\"content\":\"y\"},\"x_future\":[1.0e3]}" },
    answer: { contentType: "text/event-stream", chunks: ["data: {\"choices\":[{\"delta\":{\"content\":\"a\"},\"x\":1.0}]}\n\n", "data: [DONE]\n\n"] },
    client: { status: 200, exactBody: "data: {\"choices\":[{\"delta\":{\"content\":\"a\"},\"x\":1.0}]}\n\ndata: [DONE]\n\n" },
  },
];

/** The events of an SSE body: OpenAI's as their data (JSON or "[DONE]"), named ones as {event, data}. */
export function parseSse(text: string): unknown[] {
  const events: unknown[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    if (block.trim() === "") continue;
    let event: string | undefined;
    const lines: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) lines.push(line.slice(5).replace(/^ /, ""));
    }
    const raw = lines.join("\n");
    const payload = raw === "[DONE]" ? raw : JSON.parse(raw);
    events.push(event === undefined ? payload : { event, data: payload });
  }
  return events;
}

const gsse = (payload: unknown) => `data: ${JSON.stringify(payload)}\r\n\r\n`;
const geminiChunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  ({ id: "chatcmpl-resp-1", object: "chat.completion.chunk", created: anyNumber(), model: "gemini-2.5-flash-001", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });

/** OpenAI clients in front of Gemini (https://ai.google.dev/api/generate-content); body mode only. */
export const GEMINI_ROWS: TranslationRow[] = [
  {
    name: "openai→gemini: system, sampling, limits and stop in generationConfig; key in x-goog-api-key, never the URL",
    host: "gemini.llm", path: "/v1/chat/completions",
    request: { model: "gemini-2.5-flash", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }], temperature: 0.4, top_p: 0.9, max_tokens: 200, stop: ["END"], seed: 3 },
    upstream: { path: "/v1beta/models/gemini-2.5-flash:generateContent", headers: { "x-goog-api-key": "test-gemini-key", authorization: undefined },
      body: { contents: [{ role: "user", parts: [{ text: "Hi" }] }], systemInstruction: { parts: [{ text: "Be brief." }] },
        generationConfig: { maxOutputTokens: 200, temperature: 0.4, topP: 0.9, seed: 3, stopSequences: ["END"] } } },
    answer: { body: { candidates: [{ content: { role: "model", parts: [{ text: "thinking…", thought: true }, { text: "Hello" }, { text: "!" }] }, finishReason: "STOP", index: 0 }],
      usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 3, thoughtsTokenCount: 5, cachedContentTokenCount: 4, totalTokenCount: 20 }, modelVersion: "gemini-2.5-flash-001", responseId: "resp-1" } },
    client: { status: 200, body: {
      id: "chatcmpl-resp-1", object: "chat.completion", created: anyNumber(), model: "gemini-2.5-flash-001",
      choices: [{ index: 0, message: { role: "assistant", content: "Hello!", refusal: null, reasoning_content: "thinking…" }, logprobs: null, finish_reason: "stop" }],
      usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 5 } },
    } },
  },
  {
    name: "openai→gemini: tools, a forced function, multi-turn function calls and responses, an inline image",
    host: "gemini.llm", path: "/v1/chat/completions",
    request: {
      model: "models/gemini-2.5-pro", tools: [WEATHER_TOOL_OPENAI], tool_choice: { type: "function", function: { name: "get_weather" } },
      messages: [
        { role: "user", content: [{ type: "text", text: "Weather here?" }, { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } }] },
        { role: "assistant", content: null, tool_calls: [
          { id: "call_a", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" } },
          { id: "call_b", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Rome\"}" } }] },
        { role: "tool", tool_call_id: "call_a", content: "{\"temp\":18}" },
        { role: "tool", tool_call_id: "call_b", content: "sunny" },
      ],
    },
    upstream: { path: "/v1beta/models/gemini-2.5-pro:generateContent", body: {
      contents: [
        { role: "user", parts: [{ text: "Weather here?" }, { inlineData: { mimeType: "image/png", data: PNG } }] },
        { role: "model", parts: [{ functionCall: { name: "get_weather", args: { city: "Paris" } } }, { functionCall: { name: "get_weather", args: { city: "Rome" } } }] },
        { role: "user", parts: [{ functionResponse: { name: "get_weather", response: { temp: 18 } } }, { functionResponse: { name: "get_weather", response: { result: "sunny" } } }] },
      ],
      tools: [{ functionDeclarations: [{ name: "get_weather", description: "Weather for a city", parametersJsonSchema: WEATHER_TOOL_ANTHROPIC.input_schema }] }],
      toolConfig: { functionCallingConfig: { mode: "ANY", allowedFunctionNames: ["get_weather"] } },
      generationConfig: {},
    } },
    answer: { body: { candidates: [{ content: { role: "model", parts: [{ functionCall: { name: "get_weather", args: { city: "Lyon" } } }, { functionCall: { id: "fc-2", name: "get_weather", args: {} } }] }, finishReason: "STOP" }],
      usageMetadata: { promptTokenCount: 30, candidatesTokenCount: 9, totalTokenCount: 39 } } },
    client: { status: 200, body: {
      id: "chatcmpl-gemini", object: "chat.completion", created: anyNumber(), model: "models/gemini-2.5-pro",
      choices: [{ index: 0, logprobs: null, finish_reason: "tool_calls", message: { role: "assistant", content: null, refusal: null, tool_calls: [
        { id: "call_0", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Lyon\"}" } },
        { id: "fc-2", type: "function", function: { name: "get_weather", arguments: "{}" } }] } }],
      usage: { prompt_tokens: 30, completion_tokens: 9, total_tokens: 39, prompt_tokens_details: { cached_tokens: 0 } },
    } },
  },
  {
    name: "openai→gemini: json_schema output as responseJsonSchema; json_object as JSON mime type",
    host: "gemini.llm", path: "/v1/chat/completions",
    request: { model: "gemini-2.5-flash", messages: [{ role: "user", content: "x" }], response_format: { type: "json_schema", json_schema: { name: "o", schema: { type: "object" } } } },
    upstream: { path: "/v1beta/models/gemini-2.5-flash:generateContent", body: { contents: [{ role: "user", parts: [{ text: "x" }] }], generationConfig: { responseMimeType: "application/json", responseJsonSchema: { type: "object" } } } },
  },
  {
    name: "openai→gemini: an image by URL is refused (Gemini fetches no URLs)",
    host: "gemini.llm", path: "/v1/chat/completions",
    request: { model: "gemini-2.5-flash", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/cat.png" } }] }] },
    reply: { status: 400, body: { error: { message: expect.stringMatching(/takes images inline/), type: "invalid_request_error", param: null, code: "unsupported_for_backend" } } },
  },
  {
    name: "openai→gemini: a tool message that answers no call is refused",
    host: "gemini.llm", path: "/v1/chat/completions",
    request: { model: "gemini-2.5-flash", messages: [{ role: "user", content: "x" }, { role: "tool", tool_call_id: "nope", content: "1" }] },
    reply: { status: 400, body: { error: { message: expect.stringMatching(/answers no tool call/), type: "invalid_request_error", param: null, code: "unsupported_for_backend" } } },
  },
  {
    name: "openai→gemini: a model that would change the path (another endpoint, with the mesh's key) is refused",
    host: "gemini.llm", path: "/v1/chat/completions",
    request: { model: "gemini/../../files", messages: [{ role: "user", content: "x" }] },
    reply: { status: 400, body: { error: { message: expect.stringMatching(/Gemini model name/), type: "invalid_request_error", param: null, code: "invalid_model" } } },
  },
  {
    name: "openai→gemini stream: streamGenerateContent?alt=sse, CRLF events, text and a whole function call, usage chunk",
    host: "gemini.llm", path: "/v1/chat/completions",
    request: { model: "gemini-2.5-flash", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "x" }], tools: [WEATHER_TOOL_OPENAI] },
    upstream: { path: "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse" },
    answer: { contentType: "text/event-stream", chunks: [
      gsse({ candidates: [{ content: { role: "model", parts: [{ text: "Let" }] } }], usageMetadata: { promptTokenCount: 7 }, modelVersion: "gemini-2.5-flash-001", responseId: "resp-1" }),
      gsse({ candidates: [{ content: { role: "model", parts: [{ text: " me check." }] } }], modelVersion: "gemini-2.5-flash-001", responseId: "resp-1" }),
      gsse({ candidates: [{ content: { role: "model", parts: [{ functionCall: { name: "get_weather", args: { city: "Oslo" } } }] }, finishReason: "STOP" }],
        usageMetadata: { promptTokenCount: 7, candidatesTokenCount: 11, totalTokenCount: 18 }, modelVersion: "gemini-2.5-flash-001", responseId: "resp-1" }),
    ] },
    client: { status: 200, events: [
      geminiChunk({ role: "assistant", content: "" }),
      geminiChunk({ content: "Let" }),
      geminiChunk({ content: " me check." }),
      geminiChunk({ tool_calls: [{ index: 0, id: "call_0", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Oslo\"}" } }] }),
      geminiChunk({}, "tool_calls"),
      { id: "chatcmpl-resp-1", object: "chat.completion.chunk", created: anyNumber(), model: "gemini-2.5-flash-001", choices: [],
        usage: { prompt_tokens: 7, completion_tokens: 11, total_tokens: 18, prompt_tokens_details: { cached_tokens: 0 } } },
      "[DONE]",
    ] },
  },
  {
    name: "openai→gemini stream: an answer cut before its finish reason ends with an error event",
    host: "gemini.llm", path: "/v1/chat/completions",
    request: { model: "gemini-2.5-flash", stream: true, messages: [{ role: "user", content: "x" }] },
    answer: { contentType: "text/event-stream", chunks: [gsse({ candidates: [{ content: { role: "model", parts: [{ text: "Par" }] } }], modelVersion: "gemini-2.5-flash-001", responseId: "resp-1" })] },
    client: { status: 200, events: [
      geminiChunk({ role: "assistant", content: "" }),
      geminiChunk({ content: "Par" }),
      { error: { message: "the provider's stream ended before the answer was complete", type: "server_error", param: null, code: null } },
    ] },
  },
  {
    name: "openai→gemini: a prompt blocked for safety is content_filter",
    host: "gemini.llm", path: "/v1/chat/completions",
    request: { model: "gemini-2.5-flash", messages: [{ role: "user", content: "x" }] },
    answer: { body: { promptFeedback: { blockReason: "SAFETY" }, usageMetadata: { promptTokenCount: 3, totalTokenCount: 3 }, modelVersion: "gemini-2.5-flash-001" } },
    client: { status: 200, body: {
      id: "chatcmpl-gemini", object: "chat.completion", created: anyNumber(), model: "gemini-2.5-flash-001",
      choices: [{ index: 0, message: { role: "assistant", content: "", refusal: null }, logprobs: null, finish_reason: "content_filter" }],
      usage: { prompt_tokens: 3, completion_tokens: 0, total_tokens: 3, prompt_tokens_details: { cached_tokens: 0 } },
    } },
  },
  {
    name: "openai→gemini: Gemini's error reaches the client in OpenAI's shape",
    host: "gemini.llm", path: "/v1/chat/completions",
    request: { model: "gemini-2.5-flash", messages: [{ role: "user", content: "x" }] },
    answer: { status: 429, body: { error: { code: 429, message: "Resource has been exhausted (e.g. check quota).", status: "RESOURCE_EXHAUSTED" } } },
    client: { status: 429, body: { error: { message: "Resource has been exhausted (e.g. check quota).", type: "rate_limit_error", param: null, code: null } } },
  },
];

/** Embeddings on Gemini: floats, and base64 float32 as the openai SDKs ask for by default. */
const F32_BASE64 = (values: number[]) => Buffer.from(new Float32Array(values).buffer).toString("base64");
GEMINI_ROWS.push(
  {
    name: "openai→gemini embeddings: batchEmbedContents, one request per input, floats back in OpenAI's list",
    host: "gemini.llm", path: "/v1/embeddings",
    request: { model: "gemini-embedding-001", input: ["a", "b"], dimensions: 3 },
    upstream: { path: "/v1beta/models/gemini-embedding-001:batchEmbedContents", body: { requests: [
      { model: "models/gemini-embedding-001", content: { parts: [{ text: "a" }] }, outputDimensionality: 3 },
      { model: "models/gemini-embedding-001", content: { parts: [{ text: "b" }] }, outputDimensionality: 3 }] } },
    answer: { body: { embeddings: [{ values: [0.1, -0.25, 3] }, { values: [0, 1e-3, -2.5] }] } },
    client: { status: 200, body: { object: "list", model: "gemini-embedding-001", usage: { prompt_tokens: 0, total_tokens: 0 }, data: [
      { object: "embedding", index: 0, embedding: [0.1, -0.25, 3] }, { object: "embedding", index: 1, embedding: [0, 1e-3, -2.5] }] } },
  },
  {
    name: "openai→gemini embeddings: encoding_format base64 is little-endian float32",
    host: "gemini.llm", path: "/v1/embeddings",
    request: { model: "gemini-embedding-001", input: "hello", encoding_format: "base64" },
    answer: { body: { embeddings: [{ values: [0.5, -1, 0.125, 7] }] } },
    client: { status: 200, body: { object: "list", model: "gemini-embedding-001", usage: { prompt_tokens: 0, total_tokens: 0 }, data: [
      { object: "embedding", index: 0, embedding: F32_BASE64([0.5, -1, 0.125, 7]) }] } },
  },
);

// ---- Bedrock Converse (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html) ----
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";

const eventCodec = new EventStreamCodec(toUtf8, fromUtf8);
export const awsEvent = (type: string, payload: unknown) => eventCodec.encode({
  headers: { ":event-type": { type: "string", value: type }, ":content-type": { type: "string", value: "application/json" }, ":message-type": { type: "string", value: "event" } },
  body: fromUtf8(JSON.stringify(payload)),
});
const awsException = (type: string, message: string) => eventCodec.encode({
  headers: { ":exception-type": { type: "string", value: type }, ":content-type": { type: "string", value: "application/json" }, ":message-type": { type: "string", value: "exception" } },
  body: fromUtf8(JSON.stringify({ message })),
});
const bedrockChunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  ({ id: expect.stringMatching(/^chatcmpl-bedrock-/), object: "chat.completion.chunk", created: anyNumber(), model: "anthropic.claude-3-5-sonnet-20240620-v1:0", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
const SIGV4 = expect.stringMatching(/^AWS4-HMAC-SHA256 Credential=AKIDMOCKEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=[0-9a-f]{64}$/);

export const BEDROCK_ROWS: TranslationRow[] = [
  {
    name: "openai→bedrock: Converse body, the model id encoded in the path, signed with SigV4 (no client credential passes)",
    host: "bedrock.llm", path: "/v1/chat/completions",
    request: { model: "anthropic.claude-3-5-sonnet-20240620-v1:0", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }], max_tokens: 100, temperature: 0.3, top_p: 0.9, stop: "END" },
    upstream: {
      path: "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse",
      headers: { authorization: SIGV4, "x-amz-date": expect.stringMatching(/^\d{8}T\d{6}Z$/), ":authority": "bedrock-runtime.us-east-1.amazonaws.com" },
      body: { messages: [{ role: "user", content: [{ text: "Hi" }] }], system: [{ text: "Be brief." }], inferenceConfig: { maxTokens: 100, temperature: 0.3, topP: 0.9, stopSequences: ["END"] } },
    },
    answer: { body: { output: { message: { role: "assistant", content: [{ text: "Hello" }, { text: "!" }] } }, stopReason: "end_turn",
      usage: { inputTokens: 12, outputTokens: 3, totalTokens: 15, cacheReadInputTokens: 2 }, metrics: { latencyMs: 100 } } },
    client: { status: 200, body: {
      id: expect.stringMatching(/^chatcmpl-bedrock-/), object: "chat.completion", created: anyNumber(), model: "anthropic.claude-3-5-sonnet-20240620-v1:0",
      choices: [{ index: 0, message: { role: "assistant", content: "Hello!", refusal: null }, logprobs: null, finish_reason: "stop" }],
      usage: { prompt_tokens: 14, completion_tokens: 3, total_tokens: 17, prompt_tokens_details: { cached_tokens: 2 } },
    } },
  },
  {
    name: "openai→bedrock: tools and a forced tool, tool use and results (JSON and text), an inline image",
    host: "bedrock.llm", path: "/v1/chat/completions",
    request: {
      model: "amazon.nova-pro-v1:0", tools: [WEATHER_TOOL_OPENAI], tool_choice: "required",
      messages: [
        { role: "user", content: [{ type: "text", text: "Weather?" }, { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } }] },
        { role: "assistant", content: "Checking.", tool_calls: [{ id: "tu_1", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" } }, { id: "tu_2", type: "function", function: { name: "get_weather", arguments: "" } }] },
        { role: "tool", tool_call_id: "tu_1", content: "{\"temp\":18}" },
        { role: "tool", tool_call_id: "tu_2", content: "unknown city" },
      ],
    },
    upstream: { path: "/model/amazon.nova-pro-v1%3A0/converse", body: {
      messages: [
        { role: "user", content: [{ text: "Weather?" }, { image: { format: "png", source: { bytes: PNG } } }] },
        { role: "assistant", content: [{ text: "Checking." }, { toolUse: { toolUseId: "tu_1", name: "get_weather", input: { city: "Paris" } } }, { toolUse: { toolUseId: "tu_2", name: "get_weather", input: {} } }] },
        { role: "user", content: [{ toolResult: { toolUseId: "tu_1", content: [{ json: { temp: 18 } }] } }, { toolResult: { toolUseId: "tu_2", content: [{ text: "unknown city" }] } }] },
      ],
      inferenceConfig: {},
      toolConfig: { tools: [{ toolSpec: { name: "get_weather", description: "Weather for a city", inputSchema: { json: WEATHER_TOOL_ANTHROPIC.input_schema } } }], toolChoice: { any: {} } },
    } },
    answer: { body: { output: { message: { role: "assistant", content: [{ toolUse: { toolUseId: "tooluse_a", name: "get_weather", input: { city: "Lyon" } } }] } }, stopReason: "tool_use",
      usage: { inputTokens: 40, outputTokens: 10, totalTokens: 50 } } },
    client: { status: 200, body: {
      id: expect.stringMatching(/^chatcmpl-bedrock-/), object: "chat.completion", created: anyNumber(), model: "amazon.nova-pro-v1:0",
      choices: [{ index: 0, logprobs: null, finish_reason: "tool_calls", message: { role: "assistant", content: null, refusal: null, tool_calls: [
        { id: "tooluse_a", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Lyon\"}" } }] } }],
      usage: { prompt_tokens: 40, completion_tokens: 10, total_tokens: 50, prompt_tokens_details: { cached_tokens: 0 } },
    } },
  },
  {
    name: "openai→bedrock stream: ConverseStream's binary frames (split anywhere) become chunks; usage after messageStop",
    host: "bedrock.llm", path: "/v1/chat/completions",
    request: { model: "anthropic.claude-3-5-sonnet-20240620-v1:0", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "x" }], tools: [WEATHER_TOOL_OPENAI] },
    upstream: { path: "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream" },
    answer: { frames: [
      awsEvent("messageStart", { role: "assistant" }),
      awsEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "On it" } }),
      awsEvent("contentBlockStop", { contentBlockIndex: 0 }),
      awsEvent("contentBlockStart", { contentBlockIndex: 1, start: { toolUse: { toolUseId: "tooluse_x", name: "get_weather" } } }),
      awsEvent("contentBlockDelta", { contentBlockIndex: 1, delta: { toolUse: { input: "{\"city\":" } } }),
      awsEvent("contentBlockDelta", { contentBlockIndex: 1, delta: { toolUse: { input: "\"Oslo\"}" } } }),
      awsEvent("contentBlockStop", { contentBlockIndex: 1 }),
      awsEvent("messageStop", { stopReason: "tool_use" }),
      awsEvent("metadata", { usage: { inputTokens: 9, outputTokens: 7, totalTokens: 16 }, metrics: { latencyMs: 50 } }),
    ] },
    client: { status: 200, events: [
      bedrockChunk({ role: "assistant", content: "" }),
      bedrockChunk({ content: "On it" }),
      bedrockChunk({ tool_calls: [{ index: 0, id: "tooluse_x", type: "function", function: { name: "get_weather", arguments: "" } }] }),
      bedrockChunk({ tool_calls: [{ index: 0, function: { arguments: "{\"city\":" } }] }),
      bedrockChunk({ tool_calls: [{ index: 0, function: { arguments: "\"Oslo\"}" } }] }),
      bedrockChunk({}, "tool_calls"),
      { id: expect.stringMatching(/^chatcmpl-bedrock-/), object: "chat.completion.chunk", created: anyNumber(), model: "anthropic.claude-3-5-sonnet-20240620-v1:0", choices: [],
        usage: { prompt_tokens: 9, completion_tokens: 7, total_tokens: 16, prompt_tokens_details: { cached_tokens: 0 } } },
      "[DONE]",
    ] },
  },
  {
    name: "openai→bedrock stream: an exception frame becomes an OpenAI error in the stream",
    host: "bedrock.llm", path: "/v1/chat/completions",
    request: { model: "anthropic.claude-3-5-sonnet-20240620-v1:0", stream: true, messages: [{ role: "user", content: "x" }] },
    answer: { frames: [awsEvent("messageStart", { role: "assistant" }), awsException("throttlingException", "Too many requests, please wait before trying again.")] },
    client: { status: 200, events: [
      bedrockChunk({ role: "assistant", content: "" }),
      { error: { message: "throttlingException: Too many requests, please wait before trying again.", type: "server_error", param: null, code: null } },
    ] },
  },
  {
    name: "openai→bedrock stream: a frame that fails its CRC breaks the stream with an error, never garbage",
    host: "bedrock.llm", path: "/v1/chat/completions",
    request: { model: "anthropic.claude-3-5-sonnet-20240620-v1:0", stream: true, messages: [{ role: "user", content: "x" }] },
    answer: { frames: [awsEvent("messageStart", { role: "assistant" }), (() => { const f = awsEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "tampered" } }); f[f.length - 6] ^= 1; return f; })()] },
    client: { status: 200, events: [
      bedrockChunk({ role: "assistant", content: "" }),
      { error: { message: "provider \"bedrock\" sent an event-stream message whose checksum is wrong", type: "server_error", param: null, code: null } },
    ] },
  },
  {
    name: "openai→bedrock: a ValidationException reaches the client in OpenAI's shape",
    host: "bedrock.llm", path: "/v1/chat/completions",
    request: { model: "anthropic.claude-3-5-sonnet-20240620-v1:0", messages: [{ role: "user", content: "x" }] },
    answer: { status: 400, body: { message: "A conversation must alternate between user and assistant roles." } },
    client: { status: 400, body: { error: { message: "A conversation must alternate between user and assistant roles.", type: "invalid_request_error", param: null, code: null } } },
  },
  {
    name: "openai→bedrock: an image by URL is refused (Converse takes bytes)",
    host: "bedrock.llm", path: "/v1/chat/completions",
    request: { model: "amazon.nova-pro-v1:0", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/a.png" } }] }] },
    reply: { status: 400, body: { error: { message: expect.stringMatching(/takes images inline/), type: "invalid_request_error", param: null, code: "unsupported_for_backend" } } },
  },
];

// ---- OpenAI Responses API clients (https://platform.openai.com/docs/api-reference/responses) ----
const respEvent = (type: string, fields: Record<string, unknown>) => ({ event: type, data: { type, sequence_number: anyNumber(), ...fields } });
const RESPONSE_SHELL = (status: string, output: unknown[], usage: unknown, model: string) =>
  ({ id: expect.stringMatching(/^resp_llmmesh/), object: "response", created_at: anyNumber(), status, model, output, error: null, incomplete_details: null, usage });

TRANSLATION_ROWS.push(
  {
    name: "responses→openai: the Responses API passes through to OpenAI byte for byte",
    host: "gpt.llm", path: "/v1/responses",
    request: "{\"model\":\"gpt-4o\",\"input\":\"hi\",\"store\":true,\"previous_response_id\":\"resp_1\",\"reasoning\":{\"effort\":\"low\"}}",
    upstream: { path: "/v1/responses", headers: { authorization: "Bearer test-openai-key" }, exactBody: "{\"model\":\"gpt-4o\",\"input\":\"hi\",\"store\":true,\"previous_response_id\":\"resp_1\",\"reasoning\":{\"effort\":\"low\"}}" },
    answer: { body: "{\"id\":\"resp_x\",\"object\":\"response\",\"output\":[],\"future\":1.0}" },
    client: { status: 200, exactBody: "{\"id\":\"resp_x\",\"object\":\"response\",\"output\":[],\"future\":1.0}" },
  },
  {
    name: "responses→groq (chat): instructions, input items (text, image, function call and output), function tools, text.format",
    host: "groq.llm", path: "/v1/responses",
    request: {
      model: "llama-3.3-70b-versatile", instructions: "Be brief.", max_output_tokens: 50, temperature: 0.2, parallel_tool_calls: false,
      tools: [{ type: "function", name: "get_weather", description: "Weather for a city", parameters: WEATHER_TOOL_ANTHROPIC.input_schema, strict: true }], tool_choice: "auto",
      text: { format: { type: "json_schema", name: "w", schema: { type: "object" }, strict: true } },
      input: [
        { role: "user", content: [{ type: "input_text", text: "Weather?" }, { type: "input_image", image_url: `data:image/png;base64,${PNG}` }] },
        { type: "function_call", call_id: "call_1", name: "get_weather", arguments: "{\"city\":\"Paris\"}" },
        { type: "function_call_output", call_id: "call_1", output: "18C" },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "It is 18C." }] },
        { role: "user", content: "Thanks" },
      ],
    },
    upstream: { path: "/openai/v1/chat/completions", body: {
      model: "llama-3.3-70b-versatile", max_tokens: 50, temperature: 0.2, parallel_tool_calls: false, tool_choice: "auto",
      tools: [{ type: "function", function: { name: "get_weather", description: "Weather for a city", parameters: WEATHER_TOOL_ANTHROPIC.input_schema, strict: true } }],
      response_format: { type: "json_schema", json_schema: { name: "w", schema: { type: "object" }, strict: true } },
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: [{ type: "text", text: "Weather?" }, { type: "image_url", image_url: { url: `data:image/png;base64,${PNG}` } }] },
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" } }] },
        { role: "tool", tool_call_id: "call_1", content: "18C" },
        { role: "assistant", content: "It is 18C." },
        { role: "user", content: "Thanks" },
      ],
    } },
    answer: { body: { id: "chatcmpl-3", object: "chat.completion", created: 1, model: "llama-3.3-70b-versatile",
      choices: [{ index: 0, finish_reason: "tool_calls", message: { role: "assistant", content: "Checking.", tool_calls: [{ id: "call_9", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Rome\"}" } }] } }],
      usage: { prompt_tokens: 30, completion_tokens: 8, total_tokens: 38, prompt_tokens_details: { cached_tokens: 10 } } } },
    client: { status: 200, body: RESPONSE_SHELL("completed", [
      { type: "message", id: expect.any(String), status: "completed", role: "assistant", content: [{ type: "output_text", text: "Checking.", annotations: [] }] },
      { type: "function_call", id: "fc_call_9", call_id: "call_9", name: "get_weather", arguments: "{\"city\":\"Rome\"}", status: "completed" },
    ], { input_tokens: 30, input_tokens_details: { cached_tokens: 10 }, output_tokens: 8, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 38 }, "llama-3.3-70b-versatile") },
  },
  {
    name: "responses→groq stream: chat chunks become the Responses event sequence, response.completed carrying the whole output",
    host: "groq.llm", path: "/v1/responses",
    request: { model: "llama-3.3-70b-versatile", input: "x", stream: true, tools: [{ type: "function", name: "get_weather", parameters: { type: "object" } }] },
    upstream: { path: "/openai/v1/chat/completions", body: { model: "llama-3.3-70b-versatile", messages: [{ role: "user", content: "x" }], stream: true, stream_options: { include_usage: true },
      tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object" } } }] } },
    answer: { contentType: "text/event-stream", chunks: [
      data(chunk({ role: "assistant", content: "" })),
      data(chunk({ content: "Hi" })),
      data(chunk({ content: " there" })),
      data(chunk({ tool_calls: [{ index: 0, id: "call_7", type: "function", function: { name: "get_weather", arguments: "" } }] })),
      data(chunk({ tool_calls: [{ index: 0, function: { arguments: "{\"city\":" } }] })),
      data(chunk({ tool_calls: [{ index: 0, function: { arguments: "\"Oslo\"}" } }] })),
      data(chunk({}, "tool_calls")),
      data({ id: "chatcmpl-9", object: "chat.completion.chunk", created: 1, model: "gpt-4o", choices: [], usage: { prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 } }),
      data("[DONE]"),
    ] },
    client: { status: 200, events: [
      respEvent("response.created", { response: RESPONSE_SHELL("in_progress", [], null, "gpt-4o") }),
      respEvent("response.in_progress", { response: RESPONSE_SHELL("in_progress", [], null, "gpt-4o") }),
      respEvent("response.output_item.added", { output_index: 0, item: { type: "message", id: expect.any(String), status: "in_progress", role: "assistant", content: [] } }),
      respEvent("response.content_part.added", { item_id: expect.any(String), output_index: 0, content_index: 0, part: { type: "output_text", text: "", annotations: [] } }),
      respEvent("response.output_text.delta", { item_id: expect.any(String), output_index: 0, content_index: 0, delta: "Hi" }),
      respEvent("response.output_text.delta", { item_id: expect.any(String), output_index: 0, content_index: 0, delta: " there" }),
      respEvent("response.output_text.done", { item_id: expect.any(String), output_index: 0, content_index: 0, text: "Hi there" }),
      respEvent("response.content_part.done", { item_id: expect.any(String), output_index: 0, content_index: 0, part: { type: "output_text", text: "Hi there", annotations: [] } }),
      respEvent("response.output_item.done", { output_index: 0, item: { type: "message", id: expect.any(String), status: "completed", role: "assistant", content: [{ type: "output_text", text: "Hi there", annotations: [] }] } }),
      respEvent("response.output_item.added", { output_index: 1, item: { type: "function_call", id: "fc_call_7", call_id: "call_7", name: "get_weather", arguments: "", status: "in_progress" } }),
      respEvent("response.function_call_arguments.delta", { item_id: "fc_call_7", output_index: 1, delta: "{\"city\":" }),
      respEvent("response.function_call_arguments.delta", { item_id: "fc_call_7", output_index: 1, delta: "\"Oslo\"}" }),
      respEvent("response.function_call_arguments.done", { item_id: "fc_call_7", output_index: 1, arguments: "{\"city\":\"Oslo\"}" }),
      respEvent("response.output_item.done", { output_index: 1, item: { type: "function_call", id: "fc_call_7", call_id: "call_7", name: "get_weather", arguments: "{\"city\":\"Oslo\"}", status: "completed" } }),
      respEvent("response.completed", { response: RESPONSE_SHELL("completed", [
        { type: "message", id: expect.any(String), status: "completed", role: "assistant", content: [{ type: "output_text", text: "Hi there", annotations: [] }] },
        { type: "function_call", id: "fc_call_7", call_id: "call_7", name: "get_weather", arguments: "{\"city\":\"Oslo\"}", status: "completed" },
      ], { input_tokens: 5, input_tokens_details: { cached_tokens: 0 }, output_tokens: 6, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 11 }, "gpt-4o") }),
    ] },
  },
  {
    name: "responses→anthropic (composed through chat): a Messages request upstream, a Response back",
    host: "claude.llm", path: "/v1/responses",
    request: { model: "claude-sonnet-4-5", instructions: "Be brief.", input: "Hi", max_output_tokens: 64 },
    upstream: { path: "/v1/messages", headers: { "x-api-key": "test-anthropic-key" }, body: { model: "claude-sonnet-4-5", system: [{ type: "text", text: "Be brief." }], messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }], max_tokens: 64 } },
    answer: { body: CLAUDE_TEXT_ANSWER },
    client: { status: 200, body: RESPONSE_SHELL("completed", [
      { type: "message", id: expect.any(String), status: "completed", role: "assistant", content: [{ type: "output_text", text: "Hello!", annotations: [] }] },
    ], { input_tokens: 14, input_tokens_details: { cached_tokens: 4 }, output_tokens: 3, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 17 }, "claude-sonnet-4-5") },
  },
  {
    name: "responses→anthropic stream (composed): Anthropic's events become Responses events",
    host: "claude.llm", path: "/v1/responses",
    request: { model: "claude-sonnet-4-5", input: "x", stream: true, max_output_tokens: 10 },
    answer: { contentType: "text/event-stream", chunks: [
      sse("message_start", { type: "message_start", message: { id: "msg_s1", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [], usage: { input_tokens: 4, output_tokens: 1 } } }),
      sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Yo" } }),
      sse("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 2 } }),
      sse("message_stop", { type: "message_stop" }),
    ] },
    client: { status: 200, events: [
      respEvent("response.created", { response: RESPONSE_SHELL("in_progress", [], null, "claude-sonnet-4-5") }),
      respEvent("response.in_progress", { response: RESPONSE_SHELL("in_progress", [], null, "claude-sonnet-4-5") }),
      respEvent("response.output_item.added", { output_index: 0, item: { type: "message", id: expect.any(String), status: "in_progress", role: "assistant", content: [] } }),
      respEvent("response.content_part.added", { item_id: expect.any(String), output_index: 0, content_index: 0, part: { type: "output_text", text: "", annotations: [] } }),
      respEvent("response.output_text.delta", { item_id: expect.any(String), output_index: 0, content_index: 0, delta: "Yo" }),
      respEvent("response.output_text.done", { item_id: expect.any(String), output_index: 0, content_index: 0, text: "Yo" }),
      respEvent("response.content_part.done", { item_id: expect.any(String), output_index: 0, content_index: 0, part: { type: "output_text", text: "Yo", annotations: [] } }),
      respEvent("response.output_item.done", { output_index: 0, item: { type: "message", id: expect.any(String), status: "completed", role: "assistant", content: [{ type: "output_text", text: "Yo", annotations: [] }] } }),
      respEvent("response.completed", { response: RESPONSE_SHELL("completed", [
        { type: "message", id: expect.any(String), status: "completed", role: "assistant", content: [{ type: "output_text", text: "Yo", annotations: [] }] },
      ], { input_tokens: 4, input_tokens_details: { cached_tokens: 0 }, output_tokens: 2, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 6 }, "claude-sonnet-4-5") }),
    ] },
  },
  {
    name: "responses→groq: previous_response_id needs server-side state: 400 naming it",
    host: "groq.llm", path: "/v1/responses",
    request: { model: "llama-3.3-70b-versatile", input: "x", previous_response_id: "resp_1" },
    reply: { status: 400, body: { error: { message: expect.stringMatching(/^previous_response_id: this route's backend keeps no conversation state/), type: "invalid_request_error", param: null, code: "unsupported_for_backend" } } },
  },
  {
    name: "responses→anthropic: on a hostedTools: \"refuse\" route a hosted tool is a 400 naming it",
    host: "strict-tools.llm", path: "/v1/responses",
    request: { model: "claude-sonnet-4-5", input: "x", tools: [{ type: "function", name: "now" }, { type: "file_search" }] },
    reply: { status: 400, body: { error: { message: "tools[1]: \"file_search\" is a hosted tool this route's backend has no equivalent for (the route's hostedTools is \"refuse\")", type: "invalid_request_error", param: null, code: "unsupported_for_backend" } } },
  },
);

// Anthropic clients on Bedrock and Gemini: composed through chat.
BEDROCK_ROWS.push({
  name: "anthropic→bedrock (composed through chat): a Messages client on Converse, streamed back as Anthropic events",
  host: "bedrock.llm", path: "/v1/messages",
  headers: { "x-api-key": "client-anthropic-key", "anthropic-version": "2023-06-01" },
  request: { model: "anthropic.claude-3-5-sonnet-20240620-v1:0", max_tokens: 64, system: "Be brief.", stream: true, messages: [{ role: "user", content: "Hi" }] },
  upstream: { path: "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream", headers: { "x-api-key": undefined, "anthropic-version": undefined },
    body: { messages: [{ role: "user", content: [{ text: "Hi" }] }], system: [{ text: "Be brief." }], inferenceConfig: { maxTokens: 64 } } },
  answer: { frames: [
    awsEvent("messageStart", { role: "assistant" }),
    awsEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Hey" } }),
    awsEvent("contentBlockStop", { contentBlockIndex: 0 }),
    awsEvent("messageStop", { stopReason: "end_turn" }),
    awsEvent("metadata", { usage: { inputTokens: 5, outputTokens: 1, totalTokens: 6 }, metrics: { latencyMs: 9 } }),
  ] },
  client: { status: 200, events: [
    { event: "message_start", data: { type: "message_start", message: { id: expect.stringMatching(/^chatcmpl-bedrock-/), type: "message", role: "assistant", model: "anthropic.claude-3-5-sonnet-20240620-v1:0", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } } } },
    { event: "content_block_start", data: { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } } },
    { event: "content_block_delta", data: { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hey" } } },
    { event: "content_block_stop", data: { type: "content_block_stop", index: 0 } },
    { event: "message_delta", data: { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { input_tokens: 5, output_tokens: 1 } } },
    { event: "message_stop", data: { type: "message_stop" } },
  ] },
});

// ---- Vertex AI: Gemini and Claude models behind one provider ----
const VERTEX_BASE = "/v1/projects/my-proj/locations/us-east5/publishers";
export const VERTEX_ROWS: TranslationRow[] = [
  {
    name: "openai→vertex (Gemini model): publishers/google, Gemini's body, the OAuth token as Bearer",
    host: "vertex.llm", path: "/v1/chat/completions",
    request: { model: "gemini-2.5-flash", messages: [{ role: "user", content: "Hi" }] },
    upstream: { path: `${VERTEX_BASE}/google/models/gemini-2.5-flash:generateContent`, headers: { authorization: "Bearer test-vertex-token", "x-goog-api-key": undefined, ":authority": "us-east5-aiplatform.googleapis.com" },
      body: { contents: [{ role: "user", parts: [{ text: "Hi" }] }], generationConfig: {} } },
    answer: { body: { candidates: [{ content: { role: "model", parts: [{ text: "Hello" }] }, finishReason: "STOP" }], usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 1, totalTokenCount: 3 }, modelVersion: "gemini-2.5-flash" } },
    client: { status: 200, body: { id: "chatcmpl-gemini", object: "chat.completion", created: anyNumber(), model: "gemini-2.5-flash",
      choices: [{ index: 0, message: { role: "assistant", content: "Hello", refusal: null }, logprobs: null, finish_reason: "stop" }],
      usage: { prompt_tokens: 2, completion_tokens: 1, total_tokens: 3, prompt_tokens_details: { cached_tokens: 0 } } } },
  },
  {
    name: "openai→vertex (Claude model): publishers/anthropic streamRawPredict, Anthropic's body without model, with Vertex's anthropic_version",
    host: "vertex.llm", path: "/v1/chat/completions",
    request: { model: "claude-sonnet-4-5@20250929", stream: true, messages: [{ role: "user", content: "Hi" }], max_tokens: 20 },
    upstream: { path: `${VERTEX_BASE}/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict`, headers: { authorization: "Bearer test-vertex-token" },
      body: { messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }], max_tokens: 20, stream: true, anthropic_version: "vertex-2023-10-16" } },
    answer: { contentType: "text/event-stream", chunks: [
      sse("message_start", { type: "message_start", message: { id: "msg_v", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [], usage: { input_tokens: 3, output_tokens: 1 } } }),
      sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hey" } }),
      sse("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 1 } }),
      sse("message_stop", { type: "message_stop" }),
    ] },
    client: { status: 200, events: [
      { id: "msg_v", object: "chat.completion.chunk", created: anyNumber(), model: "claude-sonnet-4-5", choices: [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }] },
      { id: "msg_v", object: "chat.completion.chunk", created: anyNumber(), model: "claude-sonnet-4-5", choices: [{ index: 0, delta: { content: "Hey" }, logprobs: null, finish_reason: null }] },
      { id: "msg_v", object: "chat.completion.chunk", created: anyNumber(), model: "claude-sonnet-4-5", choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }] },
      "[DONE]",
    ] },
  },
  {
    name: "anthropic→vertex (Claude model): the client's body forwarded as written, but for the model (in the path) and anthropic_version",
    host: "vertex.llm", path: "/v1/messages",
    headers: { "anthropic-version": "2023-06-01" },
    request: "{\"model\":\"claude-sonnet-4-5@20250929\",\"max_tokens\":64,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":32},\"messages\":[{\"role\":\"user\",\"content\":\"q\"}],\"x_future\":[1.50]}",
    upstream: { path: `${VERTEX_BASE}/anthropic/models/claude-sonnet-4-5@20250929:rawPredict`,
      exactBody: "{\"max_tokens\":64,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":32},\"messages\":[{\"role\":\"user\",\"content\":\"q\"}],\"x_future\":[1.50],\"anthropic_version\":\"vertex-2023-10-16\"}" },
  },
  {
    name: "openai→vertex: a model that would leave its path segment is refused",
    host: "vertex.llm", path: "/v1/chat/completions",
    request: { model: "gemini/../../x", messages: [{ role: "user", content: "Hi" }] },
    reply: { status: 400, body: { error: { message: expect.stringMatching(/Vertex AI model id/), type: "invalid_request_error", param: null, code: "invalid_model" } } },
  },
];

// ---- Tool calls without arguments: every client sees what its own API sends, "{}" (OpenAI shapes) or {} ----
// OpenAI streams such a call as arguments "" then "{}"; Anthropic as input {} and an input_json_delta of "";
// Gemini as a functionCall with args {} (or none); Bedrock as a toolUse with no input delta. Clients parse
// the joined arguments: "" does not parse (the openai SDK's runTools never runs the function).
const NOW_TOOL_OPENAI = { type: "function", function: { name: "now", parameters: { type: "object", properties: {} } } };
const NOW_TOOL_ANTHROPIC = { name: "now", input_schema: { type: "object", properties: {} } };
const anthropicNoArgsStream = (blocks: string[]) => [
  sse("message_start", { type: "message_start", message: { id: "msg_s1", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, output_tokens: 1 } } }),
  ...blocks,
  sse("message_delta", { type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 9 } }),
  sse("message_stop", { type: "message_stop" }),
];
const toolUseStart = (index: number, id: string, name: string) => sse("content_block_start", { type: "content_block_start", index, content_block: { type: "tool_use", id, name, input: {} } });
const inputDelta = (index: number, partial: string) => sse("content_block_delta", { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: partial } });
const blockStop = (index: number) => sse("content_block_stop", { type: "content_block_stop", index });

TRANSLATION_ROWS.push(
  {
    name: "no arguments: openai→anthropic stream: a tool_use with an empty input_json_delta, one with none, one with arguments: \"{}\" for the first two",
    host: "claude.llm", path: "/v1/chat/completions",
    request: { model: "claude-sonnet-4-5", stream: true, messages: [{ role: "user", content: "x" }], tools: [NOW_TOOL_OPENAI, WEATHER_TOOL_OPENAI] },
    upstream: { path: "/v1/messages", body: { model: "claude-sonnet-4-5", messages: [{ role: "user", content: [{ type: "text", text: "x" }] }], max_tokens: 4096, stream: true, tools: [NOW_TOOL_ANTHROPIC, WEATHER_TOOL_ANTHROPIC] } },
    answer: { contentType: "text/event-stream", chunks: anthropicNoArgsStream([
      toolUseStart(0, "toolu_a", "now"), inputDelta(0, ""), blockStop(0),
      toolUseStart(1, "toolu_b", "now"), blockStop(1),
      toolUseStart(2, "toolu_c", "get_weather"), inputDelta(2, ""), inputDelta(2, "{\"city\":\"Rome\"}"), blockStop(2),
    ]) },
    client: { status: 200, events: [
      expectedChunk({ role: "assistant", content: "" }),
      expectedChunk({ tool_calls: [{ index: 0, id: "toolu_a", type: "function", function: { name: "now", arguments: "" } }] }),
      expectedChunk({ tool_calls: [{ index: 1, id: "toolu_b", type: "function", function: { name: "now", arguments: "" } }] }),
      expectedChunk({ tool_calls: [{ index: 2, id: "toolu_c", type: "function", function: { name: "get_weather", arguments: "" } }] }),
      expectedChunk({ tool_calls: [{ index: 2, function: { arguments: "{\"city\":\"Rome\"}" } }] }),
      expectedChunk({ tool_calls: [{ index: 0, function: { arguments: "{}" } }] }),
      expectedChunk({ tool_calls: [{ index: 1, function: { arguments: "{}" } }] }),
      expectedChunk({}, "tool_calls"),
      "[DONE]",
    ] },
  },
  {
    name: "no arguments: responses→anthropic stream (composed): a tool_use without input is a function_call with arguments \"{}\"",
    host: "claude.llm", path: "/v1/responses",
    request: { model: "claude-sonnet-4-5", input: "x", stream: true, max_output_tokens: 10, tools: [{ type: "function", name: "now", parameters: { type: "object", properties: {} } }] },
    answer: { contentType: "text/event-stream", chunks: anthropicNoArgsStream([toolUseStart(0, "toolu_a", "now"), inputDelta(0, ""), blockStop(0)]) },
    client: { status: 200, events: [
      respEvent("response.created", { response: RESPONSE_SHELL("in_progress", [], null, "claude-sonnet-4-5") }),
      respEvent("response.in_progress", { response: RESPONSE_SHELL("in_progress", [], null, "claude-sonnet-4-5") }),
      respEvent("response.output_item.added", { output_index: 0, item: { type: "function_call", id: "fc_toolu_a", call_id: "toolu_a", name: "now", arguments: "", status: "in_progress" } }),
      respEvent("response.function_call_arguments.delta", { item_id: "fc_toolu_a", output_index: 0, delta: "{}" }),
      respEvent("response.function_call_arguments.done", { item_id: "fc_toolu_a", output_index: 0, arguments: "{}" }),
      respEvent("response.output_item.done", { output_index: 0, item: { type: "function_call", id: "fc_toolu_a", call_id: "toolu_a", name: "now", arguments: "{}", status: "completed" } }),
      respEvent("response.completed", { response: RESPONSE_SHELL("completed", [
        { type: "function_call", id: "fc_toolu_a", call_id: "toolu_a", name: "now", arguments: "{}", status: "completed" },
      ], { input_tokens: 5, input_tokens_details: { cached_tokens: 0 }, output_tokens: 9, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 14 }, "claude-sonnet-4-5") }),
    ] },
  },
  {
    name: "no arguments: responses→groq stream: a chat tool call whose arguments stay \"\" ends with a \"{}\" delta",
    host: "groq.llm", path: "/v1/responses",
    request: { model: "llama-3.3-70b-versatile", input: "x", stream: true },
    answer: { contentType: "text/event-stream", chunks: [
      data(chunk({ role: "assistant", content: "" })),
      data(chunk({ tool_calls: [{ index: 0, id: "call_7", type: "function", function: { name: "now", arguments: "" } }] })),
      data(chunk({}, "tool_calls")),
      data("[DONE]"),
    ] },
    client: { status: 200, events: [
      respEvent("response.created", { response: RESPONSE_SHELL("in_progress", [], null, "gpt-4o") }),
      respEvent("response.in_progress", { response: RESPONSE_SHELL("in_progress", [], null, "gpt-4o") }),
      respEvent("response.output_item.added", { output_index: 0, item: { type: "function_call", id: "fc_call_7", call_id: "call_7", name: "now", arguments: "", status: "in_progress" } }),
      respEvent("response.function_call_arguments.delta", { item_id: "fc_call_7", output_index: 0, delta: "{}" }),
      respEvent("response.function_call_arguments.done", { item_id: "fc_call_7", output_index: 0, arguments: "{}" }),
      respEvent("response.output_item.done", { output_index: 0, item: { type: "function_call", id: "fc_call_7", call_id: "call_7", name: "now", arguments: "{}", status: "completed" } }),
      respEvent("response.completed", { response: RESPONSE_SHELL("completed", [
        { type: "function_call", id: "fc_call_7", call_id: "call_7", name: "now", arguments: "{}", status: "completed" },
      ], expect.anything(), "gpt-4o") }),
    ] },
  },
  {
    name: "no arguments: responses→groq: a chat answer's tool call with arguments \"\" is \"{}\"; a history call with \"\" is sent as \"{}\"",
    host: "groq.llm", path: "/v1/responses",
    request: { model: "llama-3.3-70b-versatile", input: [{ type: "function_call", call_id: "call_1", name: "now", arguments: "" }, { type: "function_call_output", call_id: "call_1", output: "noon" }] },
    upstream: { path: "/openai/v1/chat/completions", body: { model: "llama-3.3-70b-versatile", messages: [
      { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "now", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "call_1", content: "noon" },
    ] } },
    answer: { body: { id: "chatcmpl-1", object: "chat.completion", created: 1, model: "llama-3.3-70b-versatile",
      choices: [{ index: 0, finish_reason: "tool_calls", message: { role: "assistant", content: null, tool_calls: [{ id: "call_2", type: "function", function: { name: "now", arguments: "" } }] } }],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } } },
    client: { status: 200, body: RESPONSE_SHELL("completed", [
      { type: "function_call", id: "fc_call_2", call_id: "call_2", name: "now", arguments: "{}", status: "completed" },
    ], expect.anything(), "llama-3.3-70b-versatile") },
  },
  {
    name: "no arguments: responses→anthropic: a history function_call with arguments \"\" is a tool_use with input {}",
    host: "claude.llm", path: "/v1/responses",
    request: { model: "claude-sonnet-4-5", max_output_tokens: 10, input: [{ type: "function_call", call_id: "toolu_1", name: "now", arguments: "" }, { type: "function_call_output", call_id: "toolu_1", output: "noon" }] },
    upstream: { path: "/v1/messages", body: { model: "claude-sonnet-4-5", max_tokens: 10, messages: [
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "now", input: {} }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "noon" }] },
    ] } },
  },
  {
    name: "no arguments: anthropic→openai stream: a chat call whose arguments stay \"\" is a tool_use with input {} and no delta",
    host: "gpt.llm", path: "/v1/messages",
    request: { model: "gpt-4o", max_tokens: 10, stream: true, messages: [{ role: "user", content: "x" }] },
    answer: { contentType: "text/event-stream", chunks: [
      data(chunk({ role: "assistant", content: "" })),
      data(chunk({ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "now", arguments: "" } }] })),
      data(chunk({}, "tool_calls")),
      data({ id: "chatcmpl-9", object: "chat.completion.chunk", created: 1, model: "gpt-4o", choices: [], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } }),
      data("[DONE]"),
    ] },
    client: { status: 200, events: [
      { event: "message_start", data: expect.objectContaining({ type: "message_start" }) },
      { event: "content_block_start", data: { type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "call_1", name: "now", input: {} } } },
      { event: "content_block_stop", data: { type: "content_block_stop", index: 0 } },
      { event: "message_delta", data: expect.objectContaining({ type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null } }) },
      { event: "message_stop", data: { type: "message_stop" } },
    ] },
  },
);

const anthropicEvent = (event: string, data: unknown) => ({ event, data });
GEMINI_ROWS.push(
  {
    name: "no arguments: openai→gemini: history calls with arguments \"\" and \"{}\" are functionCalls with args {}",
    host: "gemini.llm", path: "/v1/chat/completions",
    request: { model: "gemini-2.5-flash", tools: [NOW_TOOL_OPENAI], messages: [
      { role: "user", content: "x" },
      { role: "assistant", tool_calls: [{ id: "call_a", type: "function", function: { name: "now", arguments: "" } }, { id: "call_b", type: "function", function: { name: "now", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "call_a", content: "noon" },
      { role: "tool", tool_call_id: "call_b", content: "noon" },
    ] },
    upstream: { path: "/v1beta/models/gemini-2.5-flash:generateContent", body: expect.objectContaining({ contents: [
      { role: "user", parts: [{ text: "x" }] },
      { role: "model", parts: [{ functionCall: { name: "now", args: {} } }, { functionCall: { name: "now", args: {} } }] },
      { role: "user", parts: [{ functionResponse: { name: "now", response: { result: "noon" } } }, { functionResponse: { name: "now", response: { result: "noon" } } }] },
    ] }) },
  },
  {
    name: "no arguments: openai→gemini stream: functionCalls without args and with args {} stream as \"{}\"",
    host: "gemini.llm", path: "/v1/chat/completions",
    request: { model: "gemini-2.5-flash", stream: true, messages: [{ role: "user", content: "x" }], tools: [NOW_TOOL_OPENAI] },
    answer: { contentType: "text/event-stream", chunks: [
      gsse({ candidates: [{ content: { role: "model", parts: [{ functionCall: { name: "now" } }, { functionCall: { name: "now", args: {} } }] }, finishReason: "STOP" }],
        usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 }, modelVersion: "gemini-2.5-flash-001", responseId: "resp-1" }),
    ] },
    client: { status: 200, events: [
      geminiChunk({ role: "assistant", content: "" }),
      geminiChunk({ tool_calls: [{ index: 0, id: "call_0", type: "function", function: { name: "now", arguments: "{}" } }] }),
      geminiChunk({ tool_calls: [{ index: 1, id: "call_1", type: "function", function: { name: "now", arguments: "{}" } }] }),
      geminiChunk({}, "tool_calls"),
      "[DONE]",
    ] },
  },
  {
    name: "no arguments: anthropic→gemini stream (composed): a functionCall without args is a tool_use with input {}",
    host: "gemini.llm", path: "/v1/messages",
    headers: { "anthropic-version": "2023-06-01" },
    request: { model: "gemini-2.5-flash", max_tokens: 10, stream: true, messages: [{ role: "user", content: "x" }], tools: [NOW_TOOL_ANTHROPIC] },
    answer: { contentType: "text/event-stream", chunks: [
      gsse({ candidates: [{ content: { role: "model", parts: [{ functionCall: { name: "now" } }] }, finishReason: "STOP" }],
        usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 }, modelVersion: "gemini-2.5-flash-001", responseId: "resp-1" }),
    ] },
    client: { status: 200, events: [
      anthropicEvent("message_start", expect.objectContaining({ type: "message_start" })),
      anthropicEvent("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "call_0", name: "now", input: {} } }),
      anthropicEvent("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: "{}" } }),
      anthropicEvent("content_block_stop", { type: "content_block_stop", index: 0 }),
      anthropicEvent("message_delta", expect.objectContaining({ type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null } })),
      anthropicEvent("message_stop", { type: "message_stop" }),
    ] },
  },
);

const BEDROCK_MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0";
const bedrockNoArgsFrames = () => [
  awsEvent("messageStart", { role: "assistant" }),
  awsEvent("contentBlockStart", { contentBlockIndex: 0, start: { toolUse: { toolUseId: "tooluse_n", name: "now" } } }),
  awsEvent("contentBlockStop", { contentBlockIndex: 0 }),
  awsEvent("messageStop", { stopReason: "tool_use" }),
  awsEvent("metadata", { usage: { inputTokens: 4, outputTokens: 2, totalTokens: 6 }, metrics: { latencyMs: 9 } }),
];
BEDROCK_ROWS.push(
  {
    name: "no arguments: openai→bedrock: a toolUse with input {} is arguments \"{}\"",
    host: "bedrock.llm", path: "/v1/chat/completions",
    request: { model: BEDROCK_MODEL, messages: [{ role: "user", content: "x" }], tools: [NOW_TOOL_OPENAI] },
    answer: { body: { output: { message: { role: "assistant", content: [{ toolUse: { toolUseId: "tooluse_n", name: "now", input: {} } }] } }, stopReason: "tool_use",
      usage: { inputTokens: 4, outputTokens: 2, totalTokens: 6 } } },
    client: { status: 200, body: expect.objectContaining({ choices: [{ index: 0, logprobs: null, finish_reason: "tool_calls", message: { role: "assistant", content: null, refusal: null, tool_calls: [
      { id: "tooluse_n", type: "function", function: { name: "now", arguments: "{}" } }] } }] }) },
  },
  {
    name: "no arguments: openai→bedrock stream: a toolUse with no input delta ends with a \"{}\" delta",
    host: "bedrock.llm", path: "/v1/chat/completions",
    request: { model: BEDROCK_MODEL, stream: true, messages: [{ role: "user", content: "x" }], tools: [NOW_TOOL_OPENAI] },
    answer: { frames: bedrockNoArgsFrames() },
    client: { status: 200, events: [
      bedrockChunk({ role: "assistant", content: "" }),
      bedrockChunk({ tool_calls: [{ index: 0, id: "tooluse_n", type: "function", function: { name: "now", arguments: "" } }] }),
      bedrockChunk({ tool_calls: [{ index: 0, function: { arguments: "{}" } }] }),
      bedrockChunk({}, "tool_calls"),
      "[DONE]",
    ] },
  },
  {
    name: "no arguments: anthropic→bedrock stream (composed): a toolUse with no input delta is a tool_use with input {}",
    host: "bedrock.llm", path: "/v1/messages",
    headers: { "anthropic-version": "2023-06-01" },
    request: { model: BEDROCK_MODEL, max_tokens: 10, stream: true, messages: [{ role: "user", content: "x" }], tools: [NOW_TOOL_ANTHROPIC] },
    answer: { frames: bedrockNoArgsFrames() },
    client: { status: 200, events: [
      anthropicEvent("message_start", expect.objectContaining({ type: "message_start" })),
      anthropicEvent("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "tooluse_n", name: "now", input: {} } }),
      anthropicEvent("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: "{}" } }),
      anthropicEvent("content_block_stop", { type: "content_block_stop", index: 0 }),
      anthropicEvent("message_delta", expect.objectContaining({ type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null } })),
      anthropicEvent("message_stop", { type: "message_stop" }),
    ] },
  },
  {
    name: "no arguments: openai→bedrock: a history call with arguments \"{}\" is a toolUse with input {}",
    host: "bedrock.llm", path: "/v1/chat/completions",
    request: { model: BEDROCK_MODEL, tools: [NOW_TOOL_OPENAI], messages: [
      { role: "user", content: "x" },
      { role: "assistant", tool_calls: [{ id: "tu_1", type: "function", function: { name: "now", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "tu_1", content: "noon" },
    ] },
    upstream: { path: "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse", body: expect.objectContaining({ messages: [
      { role: "user", content: [{ text: "x" }] },
      { role: "assistant", content: [{ toolUse: { toolUseId: "tu_1", name: "now", input: {} } }] },
      { role: "user", content: [{ toolResult: { toolUseId: "tu_1", content: [{ text: "noon" }] } }] },
    ] }) },
  },
);

// ---- System messages inside the conversation (issue 23) ----
// Claude Code sends them with the mid-conversation-system beta: text blocks marked cache_control
// ({ type: "ephemeral", ttl: "1h" }), after a user turn (or a tool result), last or followed by an
// assistant turn. Chat keeps them in place; Gemini and Bedrock, whose system is top-level only, get
// their text appended to it in order (docs/translation.md, "System messages inside the conversation").
const CLAUDE_CODE_BETA = { "anthropic-version": "2023-06-01", "anthropic-beta": "mid-conversation-system-2026-04-07" };
const REMINDER = [{ type: "text", text: "<system-reminder>Tools load on demand.</system-reminder>", cache_control: { type: "ephemeral", ttl: "1h" } }, { type: "text", text: "Stay in the repo." }];
/** A Claude Code-shaped conversation: two mid-conversation system messages, one a string and one text blocks. */
const midSystemRequest = (model: string) => ({
  model, max_tokens: 64,
  system: [{ type: "text", text: "You are Claude Code.", cache_control: { type: "ephemeral" } }],
  tools: [WEATHER_TOOL_ANTHROPIC],
  messages: [
    { role: "user", content: "Hi" },
    { role: "system", content: "Answer in French." },
    { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } }] },
    { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "18C" }] },
    { role: "system", content: REMINDER },
  ],
});
TRANSLATION_ROWS.push(
  {
    name: "anthropic→openai: Claude Code's mid-conversation system messages (string and cache-marked blocks) stay in place as system messages",
    host: "gpt.llm", path: "/v1/messages", headers: CLAUDE_CODE_BETA,
    request: midSystemRequest("gpt-4o"),
    upstream: { path: "/v1/chat/completions", headers: { "anthropic-beta": undefined }, body: {
      model: "gpt-4o", max_completion_tokens: 64,
      tools: [{ type: "function", function: { name: "get_weather", description: "Weather for a city", parameters: WEATHER_TOOL_ANTHROPIC.input_schema } }],
      messages: [
        { role: "system", content: "You are Claude Code." },
        { role: "user", content: "Hi" },
        { role: "system", content: "Answer in French." },
        { role: "assistant", content: null, tool_calls: [{ id: "toolu_1", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" } }] },
        { role: "tool", tool_call_id: "toolu_1", content: "18C" },
        { role: "system", content: "<system-reminder>Tools load on demand.</system-reminder>\n\nStay in the repo." },
      ],
      // The marks are dropped (OpenAI refuses them); a digest of model and system keys OpenAI's prompt cache.
      prompt_cache_key: expect.stringMatching(/^llm-mesh-[0-9a-f]{32}$/),
    } },
    answer: { body: OPENAI_TEXT_ANSWER },
    client: { status: 200, body: {
      id: "chatcmpl-1", type: "message", role: "assistant", model: "gpt-4o-2024-08-06", content: [{ type: "text", text: "Hi there." }],
      stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 12, output_tokens: 4, cache_read_input_tokens: 8 },
    } },
  },
  {
    name: "anthropic→openai: clear_at next_user_message hides a system message once a user turn follows it; one with only output_config writes nothing",
    host: "gpt.llm", path: "/v1/messages", headers: CLAUDE_CODE_BETA,
    request: { model: "gpt-4o", max_tokens: 10, messages: [
      { role: "user", content: "a" }, { role: "system", content: "Old hint.", clear_at: "next_user_message" }, { role: "assistant", content: "ok" },
      { role: "user", content: "b" }, { role: "system", output_config: { effort: "low" } }, { role: "assistant", content: "sure" },
      { role: "user", content: "c" }, { role: "system", content: [{ type: "text", text: "New hint." }], clear_at: "next_user_message" }] },
    upstream: { path: "/v1/chat/completions", body: { model: "gpt-4o", max_completion_tokens: 10, messages: [
      { role: "user", content: "a" }, { role: "assistant", content: "ok" }, { role: "user", content: "b" }, { role: "assistant", content: "sure" },
      { role: "user", content: "c" }, { role: "system", content: "New hint." }] } },
  },
  {
    name: "anthropic→openai: a system message holding anything but text is a 400 in Anthropic's shape, naming the message",
    host: "gpt.llm", path: "/v1/messages",
    request: { model: "gpt-4o", max_tokens: 10, messages: [{ role: "user", content: "x" }, { role: "system", content: [{ type: "image", source: { type: "url", url: "https://example.com/a.png" } }] }] },
    reply: { status: 400, body: { type: "error", error: { type: "invalid_request_error", message: "messages.1.content: a system message holds text blocks only" } } },
  },
  {
    name: "anthropic→openai: a system message whose content is neither a string nor blocks is a 400 naming it",
    host: "gpt.llm", path: "/v1/messages",
    request: { model: "gpt-4o", max_tokens: 10, messages: [{ role: "user", content: "x" }, { role: "system", content: 7 }] },
    reply: { status: 400, body: { type: "error", error: { type: "invalid_request_error", message: "messages.1.content: must be a string or an array of text blocks" } } },
  },
  {
    name: "anthropic→openai: a role other than user, assistant or system is a 400 naming it",
    host: "gpt.llm", path: "/v1/messages",
    request: { model: "gpt-4o", max_tokens: 10, messages: [{ role: "user", content: "x" }, { role: "developer", content: "y" }] },
    reply: { status: 400, body: { type: "error", error: { type: "invalid_request_error", message: "messages.1.role: must be user, assistant or system" } } },
  },
  {
    name: "responses→groq (chat): system and developer input items mid-conversation stay in place",
    host: "groq.llm", path: "/v1/responses",
    request: { model: "llama-3.3-70b-versatile", instructions: "Be brief.", input: [
      { role: "user", content: "Hi" }, { role: "assistant", content: "Hello." },
      { role: "developer", content: "Answer in French." }, { type: "message", role: "system", content: [{ type: "input_text", text: "Stay short." }] },
      { role: "user", content: "Why?" }] },
    upstream: { path: "/openai/v1/chat/completions", body: { model: "llama-3.3-70b-versatile", messages: [
      { role: "system", content: "Be brief." }, { role: "user", content: "Hi" }, { role: "assistant", content: "Hello." },
      { role: "developer", content: "Answer in French." }, { role: "system", content: [{ type: "text", text: "Stay short." }] },
      { role: "user", content: "Why?" }] } },
  },
  {
    name: "responses→anthropic (composed): mid-conversation system and developer items join Anthropic's system, in order",
    host: "claude.llm", path: "/v1/responses",
    request: { model: "claude-sonnet-4-5", instructions: "Be brief.", max_output_tokens: 64, input: [
      { role: "user", content: "Hi" }, { role: "assistant", content: "Hello." },
      { role: "developer", content: "Answer in French." }, { role: "user", content: "Why?" }] },
    upstream: { path: "/v1/messages", body: { model: "claude-sonnet-4-5", max_tokens: 64,
      system: [{ type: "text", text: "Be brief." }, { type: "text", text: "Answer in French." }],
      messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }, { role: "assistant", content: [{ type: "text", text: "Hello." }] }, { role: "user", content: [{ type: "text", text: "Why?" }] }] } },
  },
);
GEMINI_ROWS.push(
  {
    name: "anthropic→gemini (composed): Claude Code's mid-conversation system messages join systemInstruction after the top-level system, in order",
    host: "gemini.llm", path: "/v1/messages", headers: CLAUDE_CODE_BETA,
    request: midSystemRequest("gemini-2.5-flash"),
    upstream: { path: "/v1beta/models/gemini-2.5-flash:generateContent", headers: { "anthropic-beta": undefined }, body: {
      contents: [
        { role: "user", parts: [{ text: "Hi" }] },
        { role: "model", parts: [{ functionCall: { name: "get_weather", args: { city: "Paris" } } }] },
        { role: "user", parts: [{ functionResponse: { name: "get_weather", response: { result: "18C" } } }] },
      ],
      // Cache-marked blocks cross the chat hub as parts of their own (Gemini takes no marks).
      systemInstruction: { parts: [{ text: "You are Claude Code." }, { text: "Answer in French." }, { text: "<system-reminder>Tools load on demand.</system-reminder>" }, { text: "Stay in the repo." }] },
      tools: [{ functionDeclarations: [{ name: "get_weather", description: "Weather for a city", parametersJsonSchema: WEATHER_TOOL_ANTHROPIC.input_schema }] }],
      generationConfig: { maxOutputTokens: 64 },
    } },
    answer: { body: { candidates: [{ content: { role: "model", parts: [{ text: "Il fait 18C." }] }, finishReason: "STOP", index: 0 }],
      usageMetadata: { promptTokenCount: 30, candidatesTokenCount: 5, totalTokenCount: 35 }, modelVersion: "gemini-2.5-flash-001", responseId: "resp-s" } },
    client: { status: 200, body: {
      id: "chatcmpl-resp-s", type: "message", role: "assistant", model: "gemini-2.5-flash-001", content: [{ type: "text", text: "Il fait 18C." }],
      stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 30, output_tokens: 5 },
    } },
  },
  {
    name: "responses→gemini (composed): a developer item mid-conversation joins systemInstruction after the instructions",
    host: "gemini.llm", path: "/v1/responses",
    request: { model: "gemini-2.5-flash", instructions: "Be brief.", input: [{ role: "user", content: "Hi" }, { role: "developer", content: "Answer in French." }] },
    upstream: { path: "/v1beta/models/gemini-2.5-flash:generateContent", body: {
      contents: [{ role: "user", parts: [{ text: "Hi" }] }],
      systemInstruction: { parts: [{ text: "Be brief." }, { text: "Answer in French." }] }, generationConfig: {} } },
  },
);
BEDROCK_ROWS.push(
  {
    name: "anthropic→bedrock (composed): Claude Code's mid-conversation system messages join Converse's system after the top-level system, turns still alternate",
    host: "bedrock.llm", path: "/v1/messages", headers: CLAUDE_CODE_BETA,
    request: midSystemRequest("anthropic.claude-3-5-sonnet-20240620-v1:0"),
    upstream: { path: "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse", headers: { "anthropic-beta": undefined }, body: {
      messages: [
        { role: "user", content: [{ text: "Hi" }] },
        { role: "assistant", content: [{ toolUse: { toolUseId: "toolu_1", name: "get_weather", input: { city: "Paris" } } }] },
        { role: "user", content: [{ toolResult: { toolUseId: "toolu_1", content: [{ text: "18C" }] } }] },
      ],
      // Marked blocks arrive as blocks of their own; this model takes no cachePoint (Bedrock refuses them on it: see the prompt-caching rows).
      system: [{ text: "You are Claude Code." }, { text: "Answer in French." },
        { text: "<system-reminder>Tools load on demand.</system-reminder>" }, { text: "Stay in the repo." }],
      inferenceConfig: { maxTokens: 64 },
      toolConfig: { tools: [{ toolSpec: { name: "get_weather", description: "Weather for a city", inputSchema: { json: WEATHER_TOOL_ANTHROPIC.input_schema } } }] },
    } },
    answer: { body: { output: { message: { role: "assistant", content: [{ text: "Il fait 18C." }] } }, stopReason: "end_turn",
      usage: { inputTokens: 30, outputTokens: 5, totalTokens: 35 }, metrics: { latencyMs: 10 } } },
    client: { status: 200, body: {
      id: expect.stringMatching(/^chatcmpl-bedrock-/), type: "message", role: "assistant", model: "anthropic.claude-3-5-sonnet-20240620-v1:0", content: [{ type: "text", text: "Il fait 18C." }],
      stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 30, output_tokens: 5 },
    } },
  },
  {
    name: "responses→bedrock (composed): a system item mid-conversation joins Converse's system; the user turns around it merge",
    host: "bedrock.llm", path: "/v1/responses",
    request: { model: "amazon.nova-pro-v1:0", input: [{ role: "user", content: "Hi" }, { role: "system", content: "Answer in French." }, { role: "user", content: "Why?" }] },
    upstream: { path: "/model/amazon.nova-pro-v1%3A0/converse", body: {
      messages: [{ role: "user", content: [{ text: "Hi" }, { text: "Why?" }] }],
      system: [{ text: "Answer in French." }], inferenceConfig: {} } },
  },
);

// ---- Codex CLI (Responses API) on chat, Anthropic and Gemini backends: namespace tools flattened,
// hosted tools and their history dropped and named in x-llm-mesh-dropped-tools, additional_tools
// joined to the tools (translate/responses-tools.ts). ----
const LOOKUP_PARAMS = { type: "object", properties: { q: { type: "string" } }, required: ["q"] };
const READ_PARAMS = { type: "object", properties: { path: { type: "string" } }, required: ["path"] };
/** Tools as Codex sends them: a function, two namespaces (one named as Codex names MCP servers), a hosted tool. */
const CODEX_TOOLS = [
  { type: "function", name: "shell", description: "Runs a command", strict: false, parameters: READ_PARAMS },
  { type: "namespace", name: "crm", description: "The CRM", tools: [{ type: "function", name: "lookup", description: "Finds a customer", parameters: LOOKUP_PARAMS }] },
  { type: "namespace", name: "mcp__files__", description: "Files server", tools: [{ type: "function", name: "read", parameters: READ_PARAMS }, { type: "custom", name: "patch", format: { type: "text" } }] },
  { type: "web_search", external_web_access: false },
];
/** A Codex conversation: a tool offered mid-way (additional_tools), a namespaced call and its output, a hosted tool's record. */
const CODEX_INPUT = [
  { type: "additional_tools", role: "developer", tools: [{ type: "function", name: "view_image", parameters: READ_PARAMS }] },
  { type: "message", role: "user", content: [{ type: "input_text", text: "Find Ada" }] },
  { type: "function_call", call_id: "call_1", name: "lookup", namespace: "crm", arguments: "{\"q\":\"Ada\"}" },
  { type: "function_call_output", call_id: "call_1", output: "id 7" },
  { type: "web_search_call", id: "ws_1", status: "completed", action: { type: "search", query: "Ada" } },
];
// Items come first: input is translated before tools.
const CODEX_DROPPED = { "x-llm-mesh-dropped-tools": "web_search_call,custom,web_search" };
// Anthropic runs the search itself (its web_search server tool); the search's record needs nothing.
const CODEX_DROPPED_ANTHROPIC = { "x-llm-mesh-dropped-tools": "custom" };
// Gemini searches only in a request without function tools: with Codex's functions, the search is dropped by the Gemini translator.
const CODEX_DROPPED_GEMINI = { "x-llm-mesh-dropped-tools": "custom,web_search" };
const CHAT_CODEX_TOOLS = [
  { type: "function", function: { name: "shell", description: "Runs a command", parameters: READ_PARAMS, strict: false } },
  { type: "function", function: { name: "crm__lookup", description: "Finds a customer", parameters: LOOKUP_PARAMS } },
  { type: "function", function: { name: "mcp__files__read", parameters: READ_PARAMS } },
  { type: "function", function: { name: "view_image", parameters: READ_PARAMS } },
];
const namespacedCall = (id: string, name: string, namespace: string, args: string) =>
  ({ type: "function_call", id: `fc_${id}`, call_id: id, name, namespace, arguments: args, status: "completed" });

TRANSLATION_ROWS.push(
  {
    name: "codex: responses→groq (chat): namespace tools flattened, additional_tools joined, hosted tool and its record dropped; a flattened call goes back with its namespace",
    host: "groq.llm", path: "/v1/responses",
    request: { model: "llama-3.3-70b-versatile", tools: CODEX_TOOLS, tool_choice: "auto", parallel_tool_calls: false, input: CODEX_INPUT },
    upstream: { path: "/openai/v1/chat/completions", body: {
      model: "llama-3.3-70b-versatile", tools: CHAT_CODEX_TOOLS, tool_choice: "auto", parallel_tool_calls: false,
      messages: [
        { role: "user", content: [{ type: "text", text: "Find Ada" }] },
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "crm__lookup", arguments: "{\"q\":\"Ada\"}" } }] },
        { role: "tool", tool_call_id: "call_1", content: "id 7" },
      ],
    } },
    answer: { body: { id: "chatcmpl-c", object: "chat.completion", created: 1, model: "llama-3.3-70b-versatile",
      choices: [{ index: 0, finish_reason: "tool_calls", message: { role: "assistant", content: null, tool_calls: [
        { id: "call_2", type: "function", function: { name: "mcp__files__read", arguments: "{\"path\":\"a.txt\"}" } },
        { id: "call_3", type: "function", function: { name: "shell", arguments: "{\"path\":\"ls\"}" } },
      ] } }],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } } },
    client: { status: 200, headers: CODEX_DROPPED, body: RESPONSE_SHELL("completed", [
      namespacedCall("call_2", "read", "mcp__files__", "{\"path\":\"a.txt\"}"),
      { type: "function_call", id: "fc_call_3", call_id: "call_3", name: "shell", arguments: "{\"path\":\"ls\"}", status: "completed" },
    ], expect.anything(), "llama-3.3-70b-versatile") },
  },
  {
    name: "codex: responses→groq: function tools only: nothing dropped, no x-llm-mesh-dropped-tools",
    host: "groq.llm", path: "/v1/responses",
    request: { model: "llama-3.3-70b-versatile", tools: [CODEX_TOOLS[0]], input: "x" },
    upstream: { path: "/openai/v1/chat/completions", body: { model: "llama-3.3-70b-versatile", tools: [CHAT_CODEX_TOOLS[0]], messages: [{ role: "user", content: "x" }] } },
    answer: { body: OPENAI_TEXT_ANSWER },
    client: { status: 200, headers: { "x-llm-mesh-dropped-tools": undefined }, body: expect.objectContaining({ status: "completed" }) },
  },
  {
    name: "codex: responses→groq: only hosted tools: tools and a forced hosted tool_choice both left out",
    host: "groq.llm", path: "/v1/responses",
    request: { model: "llama-3.3-70b-versatile", tools: [{ type: "web_search" }, { type: "image_generation" }], tool_choice: { type: "web_search" }, input: "x" },
    upstream: { path: "/openai/v1/chat/completions", body: { model: "llama-3.3-70b-versatile", messages: [{ role: "user", content: "x" }] } },
    answer: { body: OPENAI_TEXT_ANSWER },
    client: { status: 200, headers: { "x-llm-mesh-dropped-tools": "web_search,image_generation" }, body: expect.objectContaining({ status: "completed" }) },
  },
  {
    name: "codex: responses→groq: a forced namespaced function is forced by its flattened name",
    host: "groq.llm", path: "/v1/responses",
    request: { model: "llama-3.3-70b-versatile", tools: [CODEX_TOOLS[1]], tool_choice: { type: "function", name: "lookup", namespace: "crm" }, input: "x" },
    upstream: { path: "/openai/v1/chat/completions", body: { model: "llama-3.3-70b-versatile", tools: [CHAT_CODEX_TOOLS[1]], tool_choice: { type: "function", function: { name: "crm__lookup" } }, messages: [{ role: "user", content: "x" }] } },
  },
  {
    name: "codex: responses→groq: a tool_choice of allowed_tools (not a hosted tool) is still refused",
    host: "groq.llm", path: "/v1/responses",
    request: { model: "llama-3.3-70b-versatile", tools: [CODEX_TOOLS[0]], tool_choice: { type: "allowed_tools", mode: "auto", tools: [] }, input: "x" },
    reply: { status: 400, body: { error: { message: "tool_choice: only auto, none, required or a named function can be translated", type: "invalid_request_error", param: null, code: "unsupported_for_backend" } } },
  },
  {
    name: "codex: responses→groq: a namespace function whose flattened name another tool has is a 400",
    host: "groq.llm", path: "/v1/responses",
    request: { model: "llama-3.3-70b-versatile", tools: [{ type: "function", name: "crm__lookup" }, CODEX_TOOLS[1]], input: "x" },
    reply: { status: 400, body: { error: { message: "tools[1].tools[0].name: \"crm__lookup\" names two tools (a namespace's functions are sent as \"<namespace>__<name>\")", type: "invalid_request_error", param: null, code: "unsupported_for_backend" } } },
  },
  {
    name: "codex: responses→groq: an unknown tool type is dropped as \"other\" (client text never reaches a header or label)",
    host: "groq.llm", path: "/v1/responses",
    request: { model: "llama-3.3-70b-versatile", tools: [{ type: "x;evil\u0001" }], input: [{ type: "tool_search_call", id: "t" }, { role: "user", content: "x" }] },
    upstream: { path: "/openai/v1/chat/completions", body: { model: "llama-3.3-70b-versatile", messages: [{ role: "user", content: "x" }] } },
    answer: { body: OPENAI_TEXT_ANSWER },
    client: { status: 200, headers: { "x-llm-mesh-dropped-tools": "tool_search_call,other" }, body: expect.objectContaining({ status: "completed" }) },
  },
  {
    name: "codex: responses→groq: an item needing server state (item_reference) is still refused",
    host: "groq.llm", path: "/v1/responses",
    request: { model: "llama-3.3-70b-versatile", input: [{ type: "item_reference", id: "msg_1" }] },
    reply: { status: 400, body: { error: { message: "input[0].type: \"item_reference\" cannot be translated for this route's backend", type: "invalid_request_error", param: null, code: "unsupported_for_backend" } } },
  },
  {
    name: "codex: responses→anthropic stream (composed): Codex's tools reach Messages flattened; a streamed tool_use of one comes back with its namespace",
    host: "claude.llm", path: "/v1/responses",
    request: { model: "claude-sonnet-4-5", max_output_tokens: 10, stream: true, tools: CODEX_TOOLS, input: CODEX_INPUT },
    upstream: { path: "/v1/messages", body: { model: "claude-sonnet-4-5", max_tokens: 10, stream: true,
      tools: [
        { type: "web_search_20250305", name: "web_search" },
        { name: "shell", description: "Runs a command", input_schema: READ_PARAMS },
        { name: "crm__lookup", description: "Finds a customer", input_schema: LOOKUP_PARAMS },
        { name: "mcp__files__read", input_schema: READ_PARAMS },
        { name: "view_image", input_schema: READ_PARAMS },
      ],
      messages: [
        { role: "user", content: [{ type: "text", text: "Find Ada" }] },
        { role: "assistant", content: [{ type: "tool_use", id: "call_1", name: "crm__lookup", input: { q: "Ada" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "call_1", content: "id 7" }] },
      ] } },
    answer: { contentType: "text/event-stream", chunks: anthropicNoArgsStream([toolUseStart(0, "toolu_r", "mcp__files__read"), inputDelta(0, "{\"path\":\"a.txt\"}"), blockStop(0)]) },
    client: { status: 200, headers: CODEX_DROPPED_ANTHROPIC, events: [
      respEvent("response.created", { response: RESPONSE_SHELL("in_progress", [], null, "claude-sonnet-4-5") }),
      respEvent("response.in_progress", { response: RESPONSE_SHELL("in_progress", [], null, "claude-sonnet-4-5") }),
      respEvent("response.output_item.added", { output_index: 0, item: { type: "function_call", id: "fc_toolu_r", call_id: "toolu_r", name: "read", namespace: "mcp__files__", arguments: "", status: "in_progress" } }),
      respEvent("response.function_call_arguments.delta", { item_id: "fc_toolu_r", output_index: 0, delta: "{\"path\":\"a.txt\"}" }),
      respEvent("response.function_call_arguments.done", { item_id: "fc_toolu_r", output_index: 0, arguments: "{\"path\":\"a.txt\"}" }),
      respEvent("response.output_item.done", { output_index: 0, item: namespacedCall("toolu_r", "read", "mcp__files__", "{\"path\":\"a.txt\"}") }),
      respEvent("response.completed", { response: RESPONSE_SHELL("completed", [namespacedCall("toolu_r", "read", "mcp__files__", "{\"path\":\"a.txt\"}")], expect.anything(), "claude-sonnet-4-5") }),
    ] },
  },
);
GEMINI_ROWS.push({
  name: "codex: responses→gemini (composed): Codex's tools as functionDeclarations, flattened; a functionCall of one comes back with its namespace",
  host: "gemini.llm", path: "/v1/responses",
  request: { model: "gemini-2.5-flash", tools: CODEX_TOOLS, input: CODEX_INPUT },
  upstream: { path: "/v1beta/models/gemini-2.5-flash:generateContent", body: {
    contents: [
      { role: "user", parts: [{ text: "Find Ada" }] },
      { role: "model", parts: [{ functionCall: { name: "crm__lookup", args: { q: "Ada" } } }] },
      { role: "user", parts: [{ functionResponse: { name: "crm__lookup", response: { result: "id 7" } } }] },
    ],
    tools: [{ functionDeclarations: [
      { name: "shell", description: "Runs a command", parametersJsonSchema: READ_PARAMS },
      { name: "crm__lookup", description: "Finds a customer", parametersJsonSchema: LOOKUP_PARAMS },
      { name: "mcp__files__read", parametersJsonSchema: READ_PARAMS },
      { name: "view_image", parametersJsonSchema: READ_PARAMS },
    ] }],
    generationConfig: {},
  } },
  answer: { body: { candidates: [{ content: { role: "model", parts: [{ functionCall: { name: "crm__lookup", args: { q: "Bob" } } }] }, finishReason: "STOP", index: 0 }],
    usageMetadata: { promptTokenCount: 30, candidatesTokenCount: 5, totalTokenCount: 35 }, modelVersion: "gemini-2.5-flash-001", responseId: "g1" } },
  client: { status: 200, headers: CODEX_DROPPED_GEMINI, body: RESPONSE_SHELL("completed", [
    { type: "function_call", id: expect.any(String), call_id: expect.any(String), name: "lookup", namespace: "crm", arguments: "{\"q\":\"Bob\"}", status: "completed" },
  ], expect.anything(), "gemini-2.5-flash-001") },
});

// ---- Structured output (docs/translation.md, "Structured output"): each client's documented form to
// each backend's, and the JSON answer back as the client's own text ----
const PERSON = { type: "object", properties: { name: { type: "string" }, age: { type: "integer" } }, required: ["name", "age"], additionalProperties: false };
const PERSON_JSON = "{\"name\":\"Ada\",\"age\":36}";
const PERSON_FORMAT = { type: "json_schema", json_schema: { name: "person", description: "A person", strict: true, schema: PERSON } };
const CLAUDE_JSON_ANSWER = { id: "msg_j", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [{ type: "text", text: PERSON_JSON }],
  stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 10, output_tokens: 8 } };
const CHAT_JSON_ANSWER = { id: "chatcmpl-j", object: "chat.completion", created: 1700000000, model: "gpt-4o-2024-08-06",
  choices: [{ index: 0, message: { role: "assistant", content: PERSON_JSON, refusal: null }, logprobs: null, finish_reason: "stop" }],
  usage: { prompt_tokens: 10, completion_tokens: 8, total_tokens: 18 } };
const GEMINI_JSON_ANSWER = { candidates: [{ content: { role: "model", parts: [{ text: PERSON_JSON }] }, finishReason: "STOP" }],
  usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 8, totalTokenCount: 18 }, modelVersion: "gemini-2.5-flash-001", responseId: "resp-j" };
const BEDROCK_JSON_ANSWER = { output: { message: { role: "assistant", content: [{ text: PERSON_JSON }] } }, stopReason: "end_turn",
  usage: { inputTokens: 10, outputTokens: 8, totalTokens: 18 }, metrics: { latencyMs: 10 } };
/** Converse's outputConfig for PERSON_FORMAT: the schema travels as a JSON string. */
const BEDROCK_PERSON_OUTPUT = { textFormat: { type: "json_schema", structure: { jsonSchema: { schema: JSON.stringify(PERSON), name: "person", description: "A person" } } } };
const chatJsonClient = (model: string) => ({ status: 200, body: expect.objectContaining({ object: "chat.completion", model,
  choices: [{ index: 0, message: { role: "assistant", content: PERSON_JSON, refusal: null }, logprobs: null, finish_reason: "stop" }] }) });
const anthropicJsonClient = (model: string) => ({ status: 200, body: expect.objectContaining({ type: "message", role: "assistant", model,
  content: [{ type: "text", text: PERSON_JSON }], stop_reason: "end_turn" }) });
const responsesJsonClient = (model: string) => ({ status: 200, body: expect.objectContaining({ object: "response", status: "completed", model,
  output: [{ type: "message", id: expect.any(String), status: "completed", role: "assistant", content: [{ type: "output_text", text: PERSON_JSON, annotations: [] }] }] }) });
const ANTHROPIC_PERSON_CONFIG = { format: { type: "json_schema", schema: PERSON } };
const RESPONSES_PERSON_TEXT = { format: { type: "json_schema", name: "person", description: "A person", strict: true, schema: PERSON } };
const unsupported = (pattern: RegExp) => ({ status: 400, body: { error: { message: expect.stringMatching(pattern), type: "invalid_request_error", param: null, code: "unsupported_for_backend" } } });

TRANSLATION_ROWS.push(
  {
    name: "structured output: openai→anthropic: json_schema as output_config.format; the JSON text block comes back as message.content",
    host: "claude.llm", path: "/v1/chat/completions",
    request: { model: "claude-sonnet-4-5", max_tokens: 64, messages: [{ role: "user", content: "Who?" }], response_format: PERSON_FORMAT },
    upstream: { path: "/v1/messages", body: { model: "claude-sonnet-4-5", messages: [{ role: "user", content: [{ type: "text", text: "Who?" }] }], max_tokens: 64, output_config: ANTHROPIC_PERSON_CONFIG } },
    answer: { body: CLAUDE_JSON_ANSWER },
    client: chatJsonClient("claude-sonnet-4-5"),
  },
  ...[[{ type: "text", text: "I can't help with that." }], [{ type: "text", text: null }, { type: "text", text: "I can't help with that." }]].map((content, i) => ({
    name: `structured output: openai→anthropic: a refusal (stop_reason "refusal") is message.refusal with content null${i ? ", read as a tree (a text block without text leaves the span reader)" : ""}`,
    host: "claude.llm", path: "/v1/chat/completions",
    request: { model: "claude-sonnet-4-5", max_tokens: 64, messages: [{ role: "user", content: "Who?" }], response_format: PERSON_FORMAT },
    answer: { body: { ...CLAUDE_JSON_ANSWER, content, stop_reason: "refusal" } },
    client: { status: 200, body: expect.objectContaining({ object: "chat.completion",
      choices: [{ index: 0, message: { role: "assistant", content: null, refusal: "I can't help with that." }, logprobs: null, finish_reason: "content_filter" }] }) },
  })),
  {
    name: "structured output: openai→anthropic: a json_schema without its schema is refused in OpenAI's shape",
    host: "claude.llm", path: "/v1/chat/completions",
    request: { model: "claude-sonnet-4-5", messages: [{ role: "user", content: "x" }], response_format: { type: "json_schema", json_schema: { name: "p" } } },
    reply: unsupported(/^response_format\.json_schema\.schema: is required/),
  },
  {
    name: "structured output: anthropic→openai: output_config.format as a strict response_format json_schema; the JSON content comes back as a text block",
    host: "gpt.llm", path: "/v1/messages",
    request: { model: "gpt-4o", max_tokens: 64, messages: [{ role: "user", content: "Who?" }], output_config: ANTHROPIC_PERSON_CONFIG },
    upstream: { path: "/v1/chat/completions", body: { model: "gpt-4o", messages: [{ role: "user", content: "Who?" }], max_completion_tokens: 64,
      response_format: { type: "json_schema", json_schema: { name: "output", schema: PERSON, strict: true } } } },
    answer: { body: CHAT_JSON_ANSWER },
    client: anthropicJsonClient("gpt-4o-2024-08-06"),
  },
  {
    name: "structured output: anthropic→openai: OpenAI's message.refusal comes back as a text block with stop_reason \"refusal\"",
    host: "gpt.llm", path: "/v1/messages",
    request: { model: "gpt-4o", max_tokens: 64, messages: [{ role: "user", content: "Who?" }], output_config: ANTHROPIC_PERSON_CONFIG },
    answer: { body: { ...CHAT_JSON_ANSWER, choices: [{ index: 0, message: { role: "assistant", content: null, refusal: "I can't help with that." }, logprobs: null, finish_reason: "stop" }] } },
    client: { status: 200, body: expect.objectContaining({ type: "message", content: [{ type: "text", text: "I can't help with that." }], stop_reason: "refusal" }) },
  },
  {
    name: "structured output: anthropic→openai: the beta output_format (structured-outputs-2025-11-13) as the same response_format",
    host: "gpt.llm", path: "/v1/messages", headers: { "anthropic-beta": "structured-outputs-2025-11-13" },
    request: { model: "gpt-4o", max_tokens: 64, messages: [{ role: "user", content: "Who?" }], output_format: { type: "json_schema", schema: PERSON } },
    upstream: { path: "/v1/chat/completions", headers: { "anthropic-beta": undefined }, body: { model: "gpt-4o", messages: [{ role: "user", content: "Who?" }], max_completion_tokens: 64,
      response_format: { type: "json_schema", json_schema: { name: "output", schema: PERSON, strict: true } } } },
  },
  {
    name: "structured output: anthropic→openai: an output_format without its schema is refused in Anthropic's shape",
    host: "gpt.llm", path: "/v1/messages",
    request: { model: "gpt-4o", max_tokens: 64, messages: [{ role: "user", content: "Who?" }], output_format: { type: "json_schema" } },
    reply: { status: 400, body: { type: "error", error: { type: "invalid_request_error", message: expect.stringMatching(/^output_format\.schema: Field required/) } } },
  },
  {
    name: "structured output: responses→anthropic (composed): text.format json_schema as output_config.format; the JSON comes back as output_text",
    host: "claude.llm", path: "/v1/responses",
    request: { model: "claude-sonnet-4-5", input: "Who?", max_output_tokens: 64, text: RESPONSES_PERSON_TEXT },
    upstream: { path: "/v1/messages", body: { model: "claude-sonnet-4-5", messages: [{ role: "user", content: [{ type: "text", text: "Who?" }] }], max_tokens: 64, output_config: ANTHROPIC_PERSON_CONFIG } },
    answer: { body: CLAUDE_JSON_ANSWER },
    client: responsesJsonClient("claude-sonnet-4-5"),
  },
  {
    name: "structured output: responses→anthropic (composed): text.format json_object is refused in the Responses shape",
    host: "claude.llm", path: "/v1/responses",
    request: { model: "claude-sonnet-4-5", input: "Who?", text: { format: { type: "json_object" } } },
    reply: unsupported(/^response_format: an Anthropic backend has no JSON mode/),
  },
);
GEMINI_ROWS.push(
  {
    name: "structured output: openai→gemini: json_object as the JSON mime type alone; the JSON part comes back as message.content",
    host: "gemini.llm", path: "/v1/chat/completions",
    request: { model: "gemini-2.5-flash", messages: [{ role: "user", content: "Who?" }], response_format: { type: "json_object" } },
    upstream: { path: "/v1beta/models/gemini-2.5-flash:generateContent", body: { contents: [{ role: "user", parts: [{ text: "Who?" }] }], generationConfig: { responseMimeType: "application/json" } } },
    answer: { body: GEMINI_JSON_ANSWER },
    client: chatJsonClient("gemini-2.5-flash-001"),
  },
  {
    name: "structured output: anthropic→gemini (composed): output_config.format as responseJsonSchema; the JSON part comes back as a text block",
    host: "gemini.llm", path: "/v1/messages",
    request: { model: "gemini-2.5-flash", max_tokens: 64, messages: [{ role: "user", content: "Who?" }], output_config: ANTHROPIC_PERSON_CONFIG },
    upstream: { path: "/v1beta/models/gemini-2.5-flash:generateContent", body: { contents: [{ role: "user", parts: [{ text: "Who?" }] }],
      generationConfig: { maxOutputTokens: 64, responseMimeType: "application/json", responseJsonSchema: PERSON } } },
    answer: { body: GEMINI_JSON_ANSWER },
    client: anthropicJsonClient("gemini-2.5-flash-001"),
  },
  {
    name: "structured output: responses→gemini (composed): text.format json_schema as responseJsonSchema; the JSON comes back as output_text",
    host: "gemini.llm", path: "/v1/responses",
    request: { model: "gemini-2.5-flash", input: "Who?", text: RESPONSES_PERSON_TEXT },
    upstream: { path: "/v1beta/models/gemini-2.5-flash:generateContent", body: { contents: [{ role: "user", parts: [{ text: "Who?" }] }],
      generationConfig: { responseMimeType: "application/json", responseJsonSchema: PERSON } } },
    answer: { body: GEMINI_JSON_ANSWER },
    client: responsesJsonClient("gemini-2.5-flash-001"),
  },
);
BEDROCK_ROWS.push(
  {
    name: "structured output: openai→bedrock: json_schema as outputConfig.textFormat (the schema as a JSON string); the JSON text comes back as message.content",
    host: "bedrock.llm", path: "/v1/chat/completions",
    request: { model: BEDROCK_MODEL, messages: [{ role: "user", content: "Who?" }], response_format: PERSON_FORMAT },
    upstream: { path: "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse", body: { messages: [{ role: "user", content: [{ text: "Who?" }] }], inferenceConfig: {}, outputConfig: BEDROCK_PERSON_OUTPUT } },
    answer: { body: BEDROCK_JSON_ANSWER },
    client: chatJsonClient(BEDROCK_MODEL),
  },
  {
    name: "structured output: openai→bedrock stream: outputConfig on converse-stream; the JSON streams as content deltas",
    host: "bedrock.llm", path: "/v1/chat/completions",
    request: { model: BEDROCK_MODEL, stream: true, messages: [{ role: "user", content: "Who?" }], response_format: PERSON_FORMAT },
    upstream: { path: "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream", body: { messages: [{ role: "user", content: [{ text: "Who?" }] }], inferenceConfig: {}, outputConfig: BEDROCK_PERSON_OUTPUT } },
    answer: { frames: [
      awsEvent("messageStart", { role: "assistant" }),
      awsEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "{\"name\":\"Ada\"," } }),
      awsEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "\"age\":36}" } }),
      awsEvent("contentBlockStop", { contentBlockIndex: 0 }),
      awsEvent("messageStop", { stopReason: "end_turn" }),
      awsEvent("metadata", { usage: { inputTokens: 10, outputTokens: 8, totalTokens: 18 }, metrics: { latencyMs: 10 } }),
    ] },
    client: { status: 200, events: [
      bedrockChunk({ role: "assistant", content: "" }),
      bedrockChunk({ content: "{\"name\":\"Ada\"," }),
      bedrockChunk({ content: "\"age\":36}" }),
      bedrockChunk({}, "stop"),
      "[DONE]",
    ] },
  },
  ...[(() => {
    // Quotes, backslashes, newlines and non-ASCII in the schema, thirty levels deep: the string Converse gets parses back to the same schema.
    let deep: Record<string, unknown> = { type: "string", description: "say \"hi\" \\ é 🙂\nnext" };
    for (let i = 0; i < 30; i++) deep = { type: "object", properties: { [`k${i}`]: deep }, additionalProperties: false };
    return deep;
  })()].map((schema) => ({
    name: "structured output: openai→bedrock: an escaped, deeply nested schema travels as the JSON string of the same schema",
    host: "bedrock.llm", path: "/v1/chat/completions",
    request: { model: BEDROCK_MODEL, messages: [{ role: "user", content: "Who?" }], response_format: { type: "json_schema", json_schema: { name: "deep", schema } } },
    upstream: { path: "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse", body: { messages: [{ role: "user", content: [{ text: "Who?" }] }], inferenceConfig: {},
      outputConfig: { textFormat: { type: "json_schema", structure: { jsonSchema: { schema: JSON.stringify(schema), name: "deep" } } } } } },
  })),
  {
    name: "structured output: openai→bedrock: json_object has no Converse equivalent: 400 in OpenAI's shape",
    host: "bedrock.llm", path: "/v1/chat/completions",
    request: { model: BEDROCK_MODEL, messages: [{ role: "user", content: "Who?" }], response_format: { type: "json_object" } },
    reply: unsupported(/^response_format: a Bedrock backend has no JSON mode/),
  },
  {
    name: "structured output: anthropic→bedrock (composed): output_config.format as outputConfig.textFormat; the JSON comes back as a text block",
    host: "bedrock.llm", path: "/v1/messages",
    request: { model: BEDROCK_MODEL, max_tokens: 64, messages: [{ role: "user", content: "Who?" }], output_config: ANTHROPIC_PERSON_CONFIG },
    upstream: { path: "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse", body: { messages: [{ role: "user", content: [{ text: "Who?" }] }], inferenceConfig: { maxTokens: 64 },
      outputConfig: { textFormat: { type: "json_schema", structure: { jsonSchema: { schema: JSON.stringify(PERSON), name: "output" } } } } } },
    answer: { body: BEDROCK_JSON_ANSWER },
    client: anthropicJsonClient(BEDROCK_MODEL),
  },
  {
    name: "structured output: responses→bedrock (composed): text.format json_schema as outputConfig.textFormat, name and description kept; the JSON comes back as output_text",
    host: "bedrock.llm", path: "/v1/responses",
    request: { model: BEDROCK_MODEL, input: "Who?", text: RESPONSES_PERSON_TEXT },
    upstream: { path: "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse", body: { messages: [{ role: "user", content: [{ text: "Who?" }] }], inferenceConfig: {},
      outputConfig: BEDROCK_PERSON_OUTPUT } },
    answer: { body: BEDROCK_JSON_ANSWER },
    client: responsesJsonClient(BEDROCK_MODEL),
  },
);

// ---- Issue 23, structured output: an Anthropic schema goes to OpenAI with strict: true only when OpenAI's
// strict mode accepts it (every object closed, every property required, at most 10 subschemas deep) ----
const closed = (properties: Record<string, unknown>) => ({ type: "object", properties, required: Object.keys(properties), additionalProperties: false });
const nestedClosed = (depth: number): Record<string, unknown> => depth === 0 ? { type: "string" } : closed({ n: nestedClosed(depth - 1) });
TRANSLATION_ROWS.push(...([
  ["an optional property", false, { ...PERSON, required: ["name"] }],
  ["an object without additionalProperties: false", false, { type: "object", properties: { name: { type: "string" } }, required: ["name"] }],
  ["an open object in $defs", false, { ...closed({ p: { $ref: "#/$defs/p" } }), $defs: { p: { type: "object", properties: { q: { type: "string" } } } } }],
  ["an optional property inside anyOf in array items", false, closed({ l: { type: "array", items: { anyOf: [closed({ a: { type: "string" } }), { ...closed({ b: { type: "string" } }), required: [] }] } } })],
  ["a root that is not an object", false, { anyOf: [closed({ a: { type: "string" } })] }],
  ["required naming a non-string", false, { ...closed({ a: { type: "string" } }), required: ["a", 1] }],
  ["closed objects through items, anyOf and $defs", true, { ...closed({ l: { type: "array", items: { anyOf: [closed({ a: { type: "string" } }), { type: "null" }] } }, d: { $ref: "#/$defs/d" } }), $defs: { d: closed({}) } }],
  ["closed objects 10 levels deep", true, nestedClosed(10)],
  ["closed objects 11 levels deep (past OpenAI's nesting limit)", false, nestedClosed(11)],
] as const).map(([label, strict, schema]) => ({
  name: `structured output: anthropic→openai: a schema with ${label} is sent strict: ${strict}`,
  host: "gpt.llm", path: "/v1/messages",
  request: { model: "gpt-4o", max_tokens: 64, messages: [{ role: "user", content: "Who?" }], output_config: { format: { type: "json_schema", schema } } },
  upstream: { path: "/v1/chat/completions", body: { model: "gpt-4o", messages: [{ role: "user", content: "Who?" }], max_completion_tokens: 64,
    response_format: { type: "json_schema", json_schema: { name: "output", schema, strict } } } },
  answer: { body: CHAT_JSON_ANSWER },
  client: anthropicJsonClient("gpt-4o-2024-08-06"),
})));
