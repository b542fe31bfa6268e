// Usage metering as data: a request, a canned provider answer (as each API documents it), and the
// tokens, models and labels the filter must record for it, for every provider and input API.
// Run through the host emulator (test/unit/metrics.test.ts); the same answers drive the Prometheus
// test through real Envoy (test/integration/metrics.test.ts).
import { ProviderAnswer, awsEvent } from "./translation-rows.js";

/** Every provider kind behind one config; prices make the cost counter testable. */
export const METRICS_CONFIG = {
  requestMode: "body",
  metrics: { currency: "EUR" },
  providers: [
    { name: "openai", type: "openai", apiKeys: [{ value: "test-openai-key" }],
      prices: { "gpt-4o": { input: 2.5, output: 10, cachedInput: 1.25 }, "text-embedding-3-small": { input: 0.02, output: 0 } } },
    { name: "anthropic", type: "anthropic", apiKeys: [{ value: "test-anthropic-key" }], prices: { "claude-*": { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75, cacheWrite1h: 6 } } },
    { name: "gemini", type: "gemini", apiKeys: [{ value: "test-gemini-key" }] },
    { name: "bedrock", type: "bedrock", region: "us-east-1" },
    { name: "mistral", type: "mistral", apiKeys: [{ value: "test-mistral-key" }] },
  ],
  routes: [
    { name: "gpt", match: { host: "gpt.llm" }, backends: [{ provider: "openai" }] },
    { name: "claude", match: { host: "claude.llm" }, backends: [{ provider: "anthropic", model: "claude-sonnet-4-5" }] },
    { name: "gemini", match: { host: "gemini.llm" }, backends: [{ provider: "gemini", model: "gemini-2.5-flash" }] },
    { name: "nova", match: { host: "bedrock.llm" }, backends: [{ provider: "bedrock", model: "amazon.nova-lite-v1:0" }] },
    { name: "mistral", match: { host: "mistral.llm" }, backends: [{ provider: "mistral", model: "mistral-small-latest" }] },
  ],
};

/** The Bedrock provider's credentials, as the VM gets them. */
export const METRICS_ENV = { AWS_ACCESS_KEY_ID: "AKIDMOCKEXAMPLE", AWS_SECRET_ACCESS_KEY: "mock/secret+access/key" };

export interface ExpectedUsage {
  operation: string;
  provider: string;
  route: string;
  backend: string;
  requestModel: string;
  responseModel: string;
  input: number;
  output: number;
  cached?: number;
  /** Input tokens written to the prompt cache (gen_ai_token_type cache_write_input). */
  cacheWrite?: number;
  reasoning?: number;
  /** reported, estimated or incomplete. */
  usage: string;
  stream: boolean;
  /** Cost in micro-EUR, when the model is priced. */
  costMicros?: number;
}

export interface UsageRow {
  name: string;
  host: string;
  path: string;
  headers?: Record<string, string>;
  request: Record<string, unknown>;
  answer: ProviderAnswer;
  /** The answer stops here (no end of stream): a stream cut short. */
  cut?: boolean;
  expected: ExpectedUsage;
  /** The upstream body must carry this stream_options (llm-mesh asked for usage). */
  upstreamStreamOptions?: unknown;
  /** What the client gets, exactly (streams: the provider's bytes without the chunk llm-mesh asked for). */
  clientBody?: string;
}

const chat = (model: string, extra: Record<string, unknown> = {}) => ({ model, messages: [{ role: "user", content: "Say hello" }], ...extra });
export const data = (payload: unknown) => `data: ${typeof payload === "string" ? payload : JSON.stringify(payload)}\n\n`;
const sse = (event: string, payload: unknown) => `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
const chunk = (content: string | null, finish: string | null = null, extra: Record<string, unknown> = {}) =>
  ({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1700000000, model: "gpt-4o-2024-08-06", choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }], ...extra });
const usageChunk = (usage: Record<string, unknown>) =>
  ({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1700000000, model: "gpt-4o-2024-08-06", choices: [], usage });
const OPENAI_USAGE = { prompt_tokens: 1200, completion_tokens: 80, total_tokens: 1280, prompt_tokens_details: { cached_tokens: 1024 }, completion_tokens_details: { reasoning_tokens: 16 } };

const OPENAI_STREAM_INJECTED = [
  data(chunk("Hel", null, { usage: null })), data(chunk("lo", null, { usage: null })), data(chunk(null, "stop", { usage: null })),
  data(usageChunk({ prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 })), data("[DONE]"),
];

const anthropicStream = (model: string) => [
  sse("message_start", { type: "message_start", message: { id: "msg_1", type: "message", role: "assistant", model, content: [], stop_reason: null, usage: { input_tokens: 20, cache_read_input_tokens: 100, cache_creation_input_tokens: 30, output_tokens: 1 } } }),
  sse("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
  sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hello there" } }),
  sse("content_block_stop", { type: "content_block_stop", index: 0 }),
  sse("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 12 } }),
  sse("message_stop", { type: "message_stop" }),
];

const common = { route: "gpt", backend: "openai", provider: "openai" };

export const USAGE_ROWS: UsageRow[] = [
  { name: "OpenAI chat, JSON: cached and reasoning tokens, priced", host: "gpt.llm", path: "/v1/chat/completions", request: chat("gpt-4o"),
    answer: { body: { id: "chatcmpl-1", object: "chat.completion", created: 1700000000, model: "gpt-4o-2024-08-06", choices: [{ index: 0, message: { role: "assistant", content: "Hello" }, finish_reason: "stop" }], usage: OPENAI_USAGE } },
    // (1200-1024)*2.5 + 1024*1.25 + 80*10 = 440 + 1280 + 800 micro-EUR
    expected: { ...common, operation: "chat", requestModel: "gpt-4o", responseModel: "other", input: 1200, output: 80, cached: 1024, reasoning: 16, usage: "reported", stream: false, costMicros: 2520 } },
  { name: "OpenAI chat stream, client asked for usage: passed on as it came", host: "gpt.llm", path: "/v1/chat/completions",
    request: chat("gpt-4o", { stream: true, stream_options: { include_usage: true } }),
    answer: { chunks: OPENAI_STREAM_INJECTED },
    upstreamStreamOptions: { include_usage: true }, clientBody: OPENAI_STREAM_INJECTED.join(""),
    expected: { ...common, operation: "chat", requestModel: "gpt-4o", responseModel: "other", input: 9, output: 2, usage: "reported", stream: true, costMicros: 42 } },
  { name: "OpenAI chat stream, client did not ask: llm-mesh asks, and cuts the usage chunk", host: "gpt.llm", path: "/v1/chat/completions",
    request: chat("gpt-4o", { stream: true, stream_options: { include_obfuscation: false } }),
    answer: { chunks: OPENAI_STREAM_INJECTED },
    upstreamStreamOptions: { include_obfuscation: false, include_usage: true },
    clientBody: [OPENAI_STREAM_INJECTED[0], OPENAI_STREAM_INJECTED[1], OPENAI_STREAM_INJECTED[2], OPENAI_STREAM_INJECTED[4]].join(""),
    expected: { ...common, operation: "chat", requestModel: "gpt-4o", responseModel: "other", input: 9, output: 2, usage: "reported", stream: true, costMicros: 42 } },
  { name: "OpenAI chat stream cut short: what was seen, estimated, marked incomplete", host: "gpt.llm", path: "/v1/chat/completions",
    request: chat("gpt-4o", { stream: true }), cut: true,
    answer: { chunks: [data(chunk("Hello, this is")), data(chunk(" a longer answer"))] },
    // 83 request bytes / 4 and "Hello, this is a longer answer" = 30 bytes / 4, rounded up
    expected: { ...common, operation: "chat", requestModel: "gpt-4o", responseModel: "other", input: 21, output: 8, usage: "incomplete", stream: true, costMicros: 132 } },
  { name: "OpenAI embeddings: input tokens only", host: "gpt.llm", path: "/v1/embeddings", request: { model: "text-embedding-3-small", input: "hello world" },
    answer: { body: { object: "list", data: [{ object: "embedding", index: 0, embedding: [0.1, -0.2, 0.3] }], model: "text-embedding-3-small", usage: { prompt_tokens: 2, total_tokens: 2 } } },
    expected: { ...common, operation: "embeddings", requestModel: "text-embedding-3-small", responseModel: "text-embedding-3-small", input: 2, output: 0, usage: "reported", stream: false, costMicros: 0 } },
  { name: "Responses API on OpenAI, JSON (served natively)", host: "gpt.llm", path: "/v1/responses", request: { model: "gpt-4o", input: "Say hello" },
    answer: { body: { id: "resp_1", object: "response", status: "completed", model: "gpt-4o", output: [{ type: "message", id: "m1", role: "assistant", status: "completed", content: [{ type: "output_text", text: "Hello", annotations: [] }] }],
      usage: { input_tokens: 30, input_tokens_details: { cached_tokens: 10 }, output_tokens: 8, output_tokens_details: { reasoning_tokens: 2 }, total_tokens: 38 } } },
    expected: { ...common, operation: "chat", requestModel: "gpt-4o", responseModel: "gpt-4o", input: 30, output: 8, cached: 10, reasoning: 2, usage: "reported", stream: false, costMicros: 142 } },
  { name: "Responses API on OpenAI, stream (served natively)", host: "gpt.llm", path: "/v1/responses", request: { model: "gpt-4o", input: "Say hello", stream: true },
    answer: { chunks: [
      sse("response.created", { type: "response.created", sequence_number: 0, response: { id: "resp_2", object: "response", status: "in_progress", model: "gpt-4o", output: [], usage: null } }),
      sse("response.output_text.delta", { type: "response.output_text.delta", sequence_number: 1, item_id: "m1", output_index: 0, content_index: 0, delta: "Hello" }),
      sse("response.completed", { type: "response.completed", sequence_number: 2, response: { id: "resp_2", object: "response", status: "completed", model: "gpt-4o", output: [], usage: { input_tokens: 11, input_tokens_details: { cached_tokens: 0 }, output_tokens: 3, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 14 } } }),
    ] },
    expected: { ...common, operation: "chat", requestModel: "gpt-4o", responseModel: "gpt-4o", input: 11, output: 3, usage: "reported", stream: true, costMicros: 57 } },
  { name: "Anthropic Messages, native JSON: cache reads and writes count as input", host: "claude.llm", path: "/v1/messages", headers: { "anthropic-version": "2023-06-01" },
    request: { model: "claude-sonnet-4-5", max_tokens: 100, messages: [{ role: "user", content: "Say hello" }] },
    answer: { body: { id: "msg_1", type: "message", role: "assistant", model: "claude-sonnet-4-5-20250929", content: [{ type: "text", text: "Hello" }], stop_reason: "end_turn", stop_sequence: null,
      usage: { input_tokens: 20, cache_read_input_tokens: 100, cache_creation_input_tokens: 30, output_tokens: 12 } } },
    // (150-100-30)*3 + 100*0.3 + 30*3.75 + 12*15 = 382.5 (the half carried to the next request)
    expected: { route: "claude", backend: "anthropic", provider: "anthropic", operation: "chat", requestModel: "claude-sonnet-4-5", responseModel: "other", input: 150, output: 12, cached: 100, cacheWrite: 30, usage: "reported", stream: false, costMicros: 382 } },
  { name: "Anthropic Messages, native JSON: 1-hour cache writes priced at cacheWrite1h", host: "claude.llm", path: "/v1/messages", headers: { "anthropic-version": "2023-06-01" },
    request: { model: "claude-sonnet-4-5", max_tokens: 100, messages: [{ role: "user", content: "Say hello" }] },
    answer: { body: { id: "msg_1", type: "message", role: "assistant", model: "claude-sonnet-4-5-20250929", content: [{ type: "text", text: "Hello" }], stop_reason: "end_turn", stop_sequence: null,
      usage: { input_tokens: 20, cache_read_input_tokens: 100, cache_creation_input_tokens: 30, cache_creation: { ephemeral_5m_input_tokens: 10, ephemeral_1h_input_tokens: 20 }, output_tokens: 12 } } },
    // 20*3 + 100*0.3 + 10*3.75 + 20*6 + 12*15 = 427.5
    expected: { route: "claude", backend: "anthropic", provider: "anthropic", operation: "chat", requestModel: "claude-sonnet-4-5", responseModel: "other", input: 150, output: 12, cached: 100, cacheWrite: 30, usage: "reported", stream: false, costMicros: 427 } },
  { name: "Anthropic Messages, native stream: input at message_start, output at message_delta", host: "claude.llm", path: "/v1/messages", headers: { "anthropic-version": "2023-06-01" },
    request: { model: "claude-sonnet-4-5", max_tokens: 100, stream: true, messages: [{ role: "user", content: "Say hello" }] },
    answer: { chunks: anthropicStream("claude-sonnet-4-5") },
    expected: { route: "claude", backend: "anthropic", provider: "anthropic", operation: "chat", requestModel: "claude-sonnet-4-5", responseModel: "claude-sonnet-4-5", input: 150, output: 12, cached: 100, cacheWrite: 30, usage: "reported", stream: true, costMicros: 382 } },
  { name: "OpenAI client on Anthropic, stream translated: the translator reports usage", host: "claude.llm", path: "/v1/chat/completions", request: chat("claude-sonnet-4-5", { stream: true }),
    answer: { chunks: anthropicStream("claude-sonnet-4-5") },
    expected: { route: "claude", backend: "anthropic", provider: "anthropic", operation: "chat", requestModel: "claude-sonnet-4-5", responseModel: "claude-sonnet-4-5", input: 150, output: 12, cached: 100, cacheWrite: 30, usage: "reported", stream: true, costMicros: 382 } },
  { name: "OpenAI client on Anthropic, JSON translated: cache reads and writes count as input", host: "claude.llm", path: "/v1/chat/completions", request: chat("claude-sonnet-4-5"),
    answer: { body: { id: "msg_2", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [{ type: "text", text: "Hello" }], stop_reason: "end_turn", stop_sequence: null,
      usage: { input_tokens: 20, cache_read_input_tokens: 100, cache_creation_input_tokens: 30, output_tokens: 12 } } },
    expected: { route: "claude", backend: "anthropic", provider: "anthropic", operation: "chat", requestModel: "claude-sonnet-4-5", responseModel: "claude-sonnet-4-5", input: 150, output: 12, cached: 100, cacheWrite: 30, usage: "reported", stream: false, costMicros: 382 } },
  { name: "Anthropic client on OpenAI, stream translated (llm-mesh asks for usage)", host: "gpt.llm", path: "/v1/messages", headers: { "anthropic-version": "2023-06-01" },
    request: { model: "gpt-4o", max_tokens: 100, stream: true, messages: [{ role: "user", content: "Say hello" }] },
    answer: { chunks: [data(chunk("Hello")), data(chunk(null, "stop")), data(usageChunk(OPENAI_USAGE)), data("[DONE]")] },
    expected: { ...common, operation: "chat", requestModel: "gpt-4o", responseModel: "other", input: 1200, output: 80, cached: 1024, reasoning: 16, usage: "reported", stream: true, costMicros: 2520 } },
  { name: "Gemini, JSON translated: thoughts are output and reasoning", host: "gemini.llm", path: "/v1/chat/completions", request: chat("gemini-2.5-flash"),
    answer: { body: { candidates: [{ content: { role: "model", parts: [{ text: "Hello" }] }, finishReason: "STOP", index: 0 }], modelVersion: "gemini-2.5-flash",
      usageMetadata: { promptTokenCount: 12, candidatesTokenCount: 5, thoughtsTokenCount: 7, cachedContentTokenCount: 4, totalTokenCount: 24 } } },
    expected: { route: "gemini", backend: "gemini", provider: "gcp.gemini", operation: "chat", requestModel: "gemini-2.5-flash", responseModel: "gemini-2.5-flash", input: 12, output: 12, cached: 4, reasoning: 7, usage: "reported", stream: false } },
  { name: "Bedrock Converse, JSON translated: cache reads and writes count as input", host: "bedrock.llm", path: "/v1/chat/completions", request: chat("any"),
    answer: { body: { output: { message: { role: "assistant", content: [{ text: "Hello" }] } }, stopReason: "end_turn", usage: { inputTokens: 20, outputTokens: 6, totalTokens: 34, cacheReadInputTokens: 5, cacheWriteInputTokens: 3 }, metrics: { latencyMs: 100 } } },
    expected: { route: "nova", backend: "bedrock", provider: "aws.bedrock", operation: "chat", requestModel: "amazon.nova-lite-v1:0", responseModel: "none", input: 28, output: 6, cached: 5, cacheWrite: 3, usage: "reported", stream: false } },
  { name: "Gemini stream translated: usage from the last chunk's usageMetadata", host: "gemini.llm", path: "/v1/chat/completions", request: chat("gemini-2.5-flash", { stream: true }),
    answer: { chunks: [
      `data: ${JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ text: "Hel" }] }, index: 0 }], modelVersion: "gemini-2.5-flash" })}\r\n\r\n`,
      `data: ${JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ text: "lo" }] }, finishReason: "STOP", index: 0 }], modelVersion: "gemini-2.5-flash",
        usageMetadata: { promptTokenCount: 14, candidatesTokenCount: 3, thoughtsTokenCount: 5, totalTokenCount: 22 } })}\r\n\r\n`,
    ] },
    expected: { route: "gemini", backend: "gemini", provider: "gcp.gemini", operation: "chat", requestModel: "gemini-2.5-flash", responseModel: "gemini-2.5-flash", input: 14, output: 8, reasoning: 5, usage: "reported", stream: true } },
  { name: "Bedrock ConverseStream translated: usage from the metadata frame", host: "bedrock.llm", path: "/v1/chat/completions", request: chat("any", { stream: true }),
    answer: { frames: [
      awsEvent("messageStart", { role: "assistant" }),
      awsEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Hello" } }),
      awsEvent("contentBlockStop", { contentBlockIndex: 0 }),
      awsEvent("messageStop", { stopReason: "end_turn" }),
      awsEvent("metadata", { usage: { inputTokens: 11, outputTokens: 4, totalTokens: 15, cacheReadInputTokens: 6 }, metrics: { latencyMs: 50 } }),
    ] },
    expected: { route: "nova", backend: "bedrock", provider: "aws.bedrock", operation: "chat", requestModel: "amazon.nova-lite-v1:0", responseModel: "none", input: 17, output: 4, cached: 6, usage: "reported", stream: true } },
  { name: "Mistral stream (no usage asked for, none sent): estimated from the text", host: "mistral.llm", path: "/v1/chat/completions", request: chat("mistral-small-latest", { stream: true }),
    answer: { chunks: [data(chunk("Bonjour tout le monde")), data(chunk(null, "stop")), data("[DONE]")] },
    upstreamStreamOptions: undefined,
    // 97 request bytes / 4 and 21 text bytes / 4, rounded up
    expected: { route: "mistral", backend: "mistral", provider: "mistral_ai", operation: "chat", requestModel: "mistral-small-latest", responseModel: "other", input: 25, output: 6, usage: "estimated", stream: true } },
];
