// Rows for cells of docs/conformance.md that no other test proved: streams cut short, provider
// errors and streamed answers for client × provider pairs the translation rows leave out. Same
// shape as test/support/translation-rows.ts; run through the emulator
// (test/unit/conformance-gaps.test.ts) and real Envoy (test/integration/conformance-gaps.test.ts).
import { expect } from "vitest";
import { BEDROCK_CONFIG, GEMINI_CONFIG, TRANSLATE_CONFIG, VERTEX_CONFIG } from "./fixtures.js";
import { GEMINI_CLIENT_CONFIG } from "./gemini-client-rows.js";
import { TranslationRow, awsEvent, data, parseSse, sse } from "./translation-rows.js";

const anyNumber = () => expect.any(Number);
const anyString = () => expect.any(String);
const ANTHROPIC_HEADERS = { "anthropic-version": "2023-06-01" };
const BEDROCK_MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0";
/** Bedrock answers carry no id: llm-mesh makes one. */
const BEDROCK_ID = expect.stringMatching(/^chatcmpl-bedrock-/);

/** Gemini's SSE (CRLF-framed, as Gemini writes it). */
const gsse = (payload: unknown) => `data: ${JSON.stringify(payload)}\r\n\r\n`;
const chatChunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  ({ id: "chatcmpl-9", object: "chat.completion.chunk", created: 1700000000, model: "gpt-4o", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
const geminiText = (text: string, finish?: string) => ({ candidates: [{ content: { role: "model", parts: [{ text }] }, ...(finish ? { finishReason: finish } : {}) }], modelVersion: "gemini-2.5-flash-001", responseId: "resp-1",
  ...(finish ? { usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 } } : {}) });
const claudeStart = sse("message_start", { type: "message_start", message: { id: "msg_c", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 4, output_tokens: 1 } } });
const claudeText = (text: string) => sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text } });

/** The events a client of each API gets (parseSse's form: OpenAI's as data, named ones as {event, data}). */
const anthropicEvent = (event: string, fields: Record<string, unknown> = {}) => ({ event, data: { type: event, ...fields } });
const anthropicTextStart = (id: string, model: string) => [
  anthropicEvent("message_start", { message: { id, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } } }),
  anthropicEvent("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
];
const anthropicDelta = (text: string) => anthropicEvent("content_block_delta", { index: 0, delta: { type: "text_delta", text } });
/** Anthropic's stream error event: the stream ended before message_stop. */
const anthropicCut = (what: string) => ({ event: "error", data: { type: "error", error: { type: "api_error", message: `the provider's stream ended before the ${what} was complete` } } });
const respEvent = (type: string, fields: Record<string, unknown> = {}) => ({ event: type, data: { type, sequence_number: anyNumber(), ...fields } });
const respShell = (status: string, model: string, output: unknown[] = [], usage: unknown = null) =>
  ({ id: expect.stringMatching(/^resp_llmmesh/), object: "response", created_at: anyNumber(), status, model, output, error: null, incomplete_details: null, usage });
const respMessage = (status: string, content: unknown[]) => ({ type: "message", id: anyString(), status, role: "assistant", content });
const respText = (text: string) => ({ type: "output_text", text, annotations: [] });
/** The Responses events up to and including the first text delta. */
const responsesTextStart = (model: string, delta: string) => [
  respEvent("response.created", { response: respShell("in_progress", model) }),
  respEvent("response.in_progress", { response: respShell("in_progress", model) }),
  respEvent("response.output_item.added", { output_index: 0, item: respMessage("in_progress", []) }),
  respEvent("response.content_part.added", { item_id: anyString(), output_index: 0, content_index: 0, part: respText("") }),
  respEvent("response.output_text.delta", { item_id: anyString(), output_index: 0, content_index: 0, delta }),
];
/** The Responses events that close a text answer. */
const responsesTextEnd = (model: string, text: string, usage: { input: number; output: number }) => [
  respEvent("response.output_text.done", { item_id: anyString(), output_index: 0, content_index: 0, text }),
  respEvent("response.content_part.done", { item_id: anyString(), output_index: 0, content_index: 0, part: respText(text) }),
  respEvent("response.output_item.done", { output_index: 0, item: respMessage("completed", [respText(text)]) }),
  respEvent("response.completed", { response: respShell("completed", model, [respMessage("completed", [respText(text)])],
    { input_tokens: usage.input, input_tokens_details: { cached_tokens: 0 }, output_tokens: usage.output, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: usage.input + usage.output }) }),
];
const respUsage = (input: number, output: number) => ({ input_tokens: input, input_tokens_details: { cached_tokens: 0 }, output_tokens: output, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: input + output });
const respCall = (callId: string, name: string, args: string) => ({ type: "function_call", id: `fc_${callId}`, call_id: callId, name, arguments: args, status: "completed" });
const anthropicMessage = (id: string, model: string, content: unknown[], stop: string, input: number, output: number) =>
  ({ id, type: "message", role: "assistant", model, content, stop_reason: stop, stop_sequence: null, usage: { input_tokens: input, output_tokens: output } });
/** The Responses API's stream error event. */
const responsesCut = (what: string) => ({ event: "error", data: { type: "error", sequence_number: anyNumber(), code: null, message: `the provider's stream ended before the ${what} was complete`, param: null } });
/** OpenAI's error body (chat and Responses share it); the fields a translation must carry. */
const openAIError = (message: string, type: string, code: string | null = null) => ({ error: expect.objectContaining({ message, type, code }) });
const openAIChunk = (id: unknown, model: string, delta: Record<string, unknown>, finish: string | null = null, created: unknown = anyNumber()) =>
  ({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });

/** A set of rows and the plugin config they run under. */
export interface GapSet { name: string; config: typeof TRANSLATE_CONFIG | typeof GEMINI_CONFIG | typeof BEDROCK_CONFIG | typeof VERTEX_CONFIG | typeof GEMINI_CLIENT_CONFIG; rows: TranslationRow[] }

export const GAP_SETS: GapSet[] = [
  { name: "Anthropic and OpenAI", config: { ...TRANSLATE_CONFIG, requestMode: "body" }, rows: [
    {
      name: "cut stream: anthropic→openai: a chat stream that ends before its finish reason ends with an Anthropic error event",
      host: "gpt.llm", path: "/v1/messages", headers: ANTHROPIC_HEADERS,
      request: { model: "gpt-4o", max_tokens: 64, stream: true, messages: [{ role: "user", content: "x" }] },
      upstream: { path: "/v1/chat/completions" },
      answer: { chunks: [data(chatChunk({ role: "assistant", content: "" })), data(chatChunk({ content: "Par" }))] },
      client: { status: 200, events: [...anthropicTextStart("chatcmpl-9", "gpt-4o"), anthropicDelta("Par"), anthropicCut("message")] },
    },
    {
      name: "cut stream: responses→groq: a chat stream that ends before its finish reason ends with a Responses error event",
      host: "groq.llm", path: "/v1/responses",
      request: { model: "llama-3.3-70b-versatile", input: "x", stream: true },
      upstream: { path: "/openai/v1/chat/completions" },
      answer: { chunks: [data(chatChunk({ role: "assistant", content: "" })), data(chatChunk({ content: "Par" }))] },
      client: { status: 200, events: [...responsesTextStart("gpt-4o", "Par"), responsesCut("response")] },
    },
    {
      name: "cut stream: responses→anthropic (composed): a Messages stream that ends before message_stop ends with a Responses error event",
      host: "claude.llm", path: "/v1/responses",
      request: { model: "claude-sonnet-4-5", input: "x", stream: true, max_output_tokens: 64 },
      upstream: { path: "/v1/messages" },
      answer: { chunks: [claudeStart, claudeText("Par")] },
      client: { status: 200, events: [...responsesTextStart("claude-sonnet-4-5", "Par"), responsesCut("message")] },
    },
    {
      name: "errors: responses→groq: the provider's 400 reaches the client in the Responses error shape",
      host: "groq.llm", path: "/v1/responses",
      request: { model: "llama-3.3-70b-versatile", input: "x" },
      upstream: { path: "/openai/v1/chat/completions" },
      answer: { status: 400, body: { error: { message: "model `nope` does not exist", type: "invalid_request_error", param: "model", code: "model_not_found" } } },
      client: { status: 400, body: openAIError("model `nope` does not exist", "invalid_request_error", "model_not_found") },
    },
    {
      name: "errors: responses→anthropic (composed): Anthropic's 429 reaches the client in the Responses error shape",
      host: "claude.llm", path: "/v1/responses",
      request: { model: "claude-sonnet-4-5", input: "x", max_output_tokens: 64 },
      upstream: { path: "/v1/messages" },
      answer: { status: 429, body: { type: "error", error: { type: "rate_limit_error", message: "Number of request tokens has exceeded your per-minute rate limit" } } },
      client: { status: 429, body: openAIError("Number of request tokens has exceeded your per-minute rate limit", "rate_limit_error") },
    },
    {
      name: "errors: anthropic→anthropic: Anthropic's 400 reaches the client as Anthropic sent it",
      host: "claude.llm", path: "/v1/messages", headers: ANTHROPIC_HEADERS,
      request: { model: "claude-sonnet-4-5", max_tokens: 64, messages: [{ role: "user", content: "x" }] },
      upstream: { path: "/v1/messages" },
      answer: { status: 400, body: { type: "error", error: { type: "invalid_request_error", message: "messages.0.content: Field required" } } },
      client: { status: 400, exactBody: JSON.stringify({ type: "error", error: { type: "invalid_request_error", message: "messages.0.content: Field required" } }) },
    },
  ] },
  { name: "Gemini", config: GEMINI_CONFIG, rows: [
    {
      name: "stream: anthropic→gemini (composed): streamed text becomes Anthropic text deltas",
      host: "gemini.llm", path: "/v1/messages", headers: ANTHROPIC_HEADERS,
      request: { model: "gemini-2.5-flash", max_tokens: 64, stream: true, messages: [{ role: "user", content: "x" }] },
      upstream: { path: "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse" },
      answer: { chunks: [gsse(geminiText("Bon")), gsse(geminiText("jour", "STOP"))] },
      client: { status: 200, events: [...anthropicTextStart("chatcmpl-resp-1", "gemini-2.5-flash-001"), anthropicDelta("Bon"), anthropicDelta("jour"),
        anthropicEvent("content_block_stop", { index: 0 }), anthropicEvent("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { input_tokens: 3, output_tokens: 2 } }), anthropicEvent("message_stop")] },
    },
    {
      name: "cut stream: anthropic→gemini (composed): a stream that ends before its finish reason ends with an Anthropic error event",
      host: "gemini.llm", path: "/v1/messages", headers: ANTHROPIC_HEADERS,
      request: { model: "gemini-2.5-flash", max_tokens: 64, stream: true, messages: [{ role: "user", content: "x" }] },
      upstream: { path: "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse" },
      answer: { chunks: [gsse(geminiText("Bon"))] },
      client: { status: 200, events: [...anthropicTextStart("chatcmpl-resp-1", "gemini-2.5-flash-001"), anthropicDelta("Bon"), anthropicCut("answer")] },
    },
    {
      name: "stream: responses→gemini (composed): streamed text becomes Responses events",
      host: "gemini.llm", path: "/v1/responses",
      request: { model: "gemini-2.5-flash", input: "x", stream: true },
      upstream: { path: "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse" },
      answer: { chunks: [gsse(geminiText("Bon")), gsse(geminiText("jour", "STOP"))] },
      client: { status: 200, events: [...responsesTextStart("gemini-2.5-flash-001", "Bon"),
        respEvent("response.output_text.delta", { item_id: anyString(), output_index: 0, content_index: 0, delta: "jour" }), ...responsesTextEnd("gemini-2.5-flash-001", "Bonjour", { input: 3, output: 2 })] },
    },
    {
      name: "errors: anthropic→gemini (composed): Gemini's 429 reaches the client in Anthropic's shape",
      host: "gemini.llm", path: "/v1/messages", headers: ANTHROPIC_HEADERS,
      request: { model: "gemini-2.5-flash", max_tokens: 64, messages: [{ role: "user", content: "x" }] },
      upstream: { path: "/v1beta/models/gemini-2.5-flash:generateContent" },
      answer: { status: 429, body: { error: { code: 429, message: "Resource has been exhausted (e.g. check quota).", status: "RESOURCE_EXHAUSTED" } } },
      client: { status: 429, body: { type: "error", error: { type: "rate_limit_error", message: "Resource has been exhausted (e.g. check quota)." } } },
    },
    {
      name: "errors: responses→gemini (composed): Gemini's 400 reaches the client in the Responses error shape",
      host: "gemini.llm", path: "/v1/responses",
      request: { model: "gemini-2.5-flash", input: "x" },
      upstream: { path: "/v1beta/models/gemini-2.5-flash:generateContent" },
      answer: { status: 400, body: { error: { code: 400, message: "Invalid JSON payload received.", status: "INVALID_ARGUMENT" } } },
      client: { status: 400, body: openAIError("Invalid JSON payload received.", "invalid_request_error") },
    },
  ] },
  { name: "Bedrock", config: BEDROCK_CONFIG, rows: [
    {
      name: "cut stream: openai→bedrock: a ConverseStream that ends before messageStop ends with an OpenAI error",
      host: "bedrock.llm", path: "/v1/chat/completions",
      request: { model: BEDROCK_MODEL, stream: true, messages: [{ role: "user", content: "x" }] },
      upstream: { path: "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream" },
      answer: { frames: [awsEvent("messageStart", { role: "assistant" }), awsEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Par" } })] },
      client: { status: 200, events: [openAIChunk(BEDROCK_ID, BEDROCK_MODEL, { role: "assistant", content: "" }), openAIChunk(BEDROCK_ID, BEDROCK_MODEL, { content: "Par" }),
        { error: { message: "the provider's stream ended before the message was complete", type: "server_error", param: null, code: null } }] },
    },
    {
      name: "cut stream: anthropic→bedrock (composed): a ConverseStream that ends before messageStop ends with an Anthropic error event",
      host: "bedrock.llm", path: "/v1/messages", headers: ANTHROPIC_HEADERS,
      request: { model: BEDROCK_MODEL, max_tokens: 64, stream: true, messages: [{ role: "user", content: "x" }] },
      upstream: { path: "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream" },
      answer: { frames: [awsEvent("messageStart", { role: "assistant" }), awsEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Par" } })] },
      client: { status: 200, events: [...anthropicTextStart(BEDROCK_ID, BEDROCK_MODEL), anthropicDelta("Par"), anthropicCut("message")] },
    },
    {
      name: "stream: responses→bedrock (composed): a ConverseStream's text becomes Responses events",
      host: "bedrock.llm", path: "/v1/responses",
      request: { model: BEDROCK_MODEL, input: "x", stream: true },
      upstream: { path: "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream" },
      answer: { frames: [awsEvent("messageStart", { role: "assistant" }), awsEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Bonjour" } }), awsEvent("contentBlockStop", { contentBlockIndex: 0 }), awsEvent("messageStop", { stopReason: "end_turn" }),
        awsEvent("metadata", { usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 }, metrics: { latencyMs: 9 } })] },
      client: { status: 200, events: [...responsesTextStart(BEDROCK_MODEL, "Bonjour"), ...responsesTextEnd(BEDROCK_MODEL, "Bonjour", { input: 3, output: 2 })] },
    },
    {
      name: "errors: anthropic→bedrock (composed): a ValidationException reaches the client in Anthropic's shape",
      host: "bedrock.llm", path: "/v1/messages", headers: ANTHROPIC_HEADERS,
      request: { model: BEDROCK_MODEL, max_tokens: 64, messages: [{ role: "user", content: "x" }] },
      upstream: { path: "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse" },
      answer: { status: 400, body: { message: "The model returned the following errors: messages: roles must alternate" } },
      client: { status: 400, body: { type: "error", error: { type: "invalid_request_error", message: "The model returned the following errors: messages: roles must alternate" } } },
    },
  ] },
  { name: "Vertex AI", config: VERTEX_CONFIG, rows: [
    {
      name: "stream: openai→vertex (Gemini model): streamGenerateContent?alt=sse on Vertex's path, text as chunks",
      host: "vertex.llm", path: "/v1/chat/completions",
      request: { model: "gemini-2.5-flash", stream: true, messages: [{ role: "user", content: "x" }] },
      upstream: { path: "/v1/projects/my-proj/locations/us-east5/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse" },
      answer: { chunks: [gsse(geminiText("Bon")), gsse(geminiText("jour", "STOP"))] },
      client: { status: 200, events: [openAIChunk("chatcmpl-resp-1", "gemini-2.5-flash-001", { role: "assistant", content: "" }), openAIChunk("chatcmpl-resp-1", "gemini-2.5-flash-001", { content: "Bon" }),
        openAIChunk("chatcmpl-resp-1", "gemini-2.5-flash-001", { content: "jour" }), openAIChunk("chatcmpl-resp-1", "gemini-2.5-flash-001", {}, "stop"), "[DONE]"] },
    },
  ] },
];
// ---- Azure OpenAI, Vertex AI through composed translators, and Responses clients' tools, errors and cut streams ----
const AZURE_CONFIG = {
  requestMode: "body",
  providers: [
    { name: "azure", type: "azure-openai", host: "acme.openai.azure.com", apiKeys: [{ value: "test-azure-key" }] },
    { name: "azure-v1", type: "azure-openai", host: "acme.openai.azure.com", apiVersion: "v1", apiKeys: [{ value: "test-azure-key" }] },
  ],
  routes: [
    { name: "azure", match: { host: "azure.llm" }, backends: [{ provider: "azure", model: "gpt-4o" }] },
    { name: "azure-v1", match: { host: "azure-v1.llm" }, backends: [{ provider: "azure-v1" }] },
  ],
};
const chatAnswer = (message: Record<string, unknown>, finish: string) => ({ id: "chatcmpl-az", object: "chat.completion", created: 1700000000, model: "gpt-4o-2024-08-06",
  choices: [{ index: 0, message: { role: "assistant", refusal: null, ...message }, logprobs: null, finish_reason: finish }], usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } });
const AZURE_STREAM = [
  data(chatChunk({ role: "assistant", content: "" })), data(chatChunk({ content: "On it" })),
  data(chatChunk({ tool_calls: [{ index: 0, id: "call_n", type: "function", function: { name: "now", arguments: "" } }] })),
  data(chatChunk({ tool_calls: [{ index: 0, function: { arguments: "{}" } }] })),
  data(chatChunk({}, "tool_calls")), data("[DONE]"),
];
const NOW_CHAT = { type: "function", function: { name: "now", parameters: { type: "object", properties: {} } } };
const NOW_ANTHROPIC = { name: "now", input_schema: { type: "object", properties: {} } };
const NOW_RESPONSES = { type: "function", name: "now", parameters: { type: "object", properties: {} }, strict: false };
const geminiCall = (name: string, args?: unknown) => ({ candidates: [{ content: { role: "model", parts: [{ functionCall: { name, ...(args === undefined ? {} : { args }) } }] }, finishReason: "STOP" }],
  usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 }, modelVersion: "gemini-2.5-flash-001", responseId: "resp-1" });
const CLAUDE_TEXT = { id: "msg_v", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [{ type: "text", text: "Hello!" }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 4, output_tokens: 2 } };
const CLAUDE_TOOL = { ...CLAUDE_TEXT, content: [{ type: "tool_use", id: "toolu_w", name: "get_weather", input: { city: "Oslo" } }], stop_reason: "tool_use" };
const WEATHER_ANTHROPIC_IN = { name: "get_weather", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } };
const WEATHER_RESPONSES = { type: "function", name: "get_weather", parameters: WEATHER_ANTHROPIC_IN.input_schema, strict: false };
const WEATHER_CHAT = { type: "function", function: { name: "get_weather", parameters: WEATHER_ANTHROPIC_IN.input_schema } };
const BEDROCK_TOOL_ANSWER = { output: { message: { role: "assistant", content: [{ toolUse: { toolUseId: "tooluse_w", name: "get_weather", input: { city: "Oslo" } } }] } }, stopReason: "tool_use",
  usage: { inputTokens: 6, outputTokens: 4, totalTokens: 10 }, metrics: { latencyMs: 9 } };
const GEMINI_TEXT_ANSWER = { candidates: [{ content: { role: "model", parts: [{ text: "Hello" }] }, finishReason: "STOP" }], usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 1, totalTokenCount: 3 }, modelVersion: "gemini-2.5-flash" };

GAP_SETS.push(
  { name: "Azure OpenAI", config: AZURE_CONFIG, rows: [
    { name: "openai→azure: a stream with text and a tool call without arguments passes as Azure sent it",
      host: "azure.llm", path: "/v1/chat/completions", request: { model: "gpt-4o", stream: true, messages: [{ role: "user", content: "x" }], tools: [NOW_CHAT] },
      upstream: { path: "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21" },
      answer: { chunks: AZURE_STREAM },
      client: { status: 200, exactBody: AZURE_STREAM.join("") } },
    { name: "openai→azure: Azure's 429 reaches the client as Azure sent it",
      host: "azure.llm", path: "/v1/chat/completions", request: { model: "gpt-4o", messages: [{ role: "user", content: "x" }] },
      upstream: { path: "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21" },
      answer: { status: 429, body: { error: { code: "429", message: "Requests to the ChatCompletions_Create Operation have exceeded call rate limit." } } },
      client: { status: 429, exactBody: JSON.stringify({ error: { code: "429", message: "Requests to the ChatCompletions_Create Operation have exceeded call rate limit." } }) } },
    { name: "anthropic→azure: a Messages request becomes chat on the deployment's path; the answer a Message",
      host: "azure.llm", path: "/v1/messages", headers: ANTHROPIC_HEADERS, request: { model: "gpt-4o", max_tokens: 64, messages: [{ role: "user", content: "Hi" }] },
      upstream: { path: "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21" },
      answer: { body: chatAnswer({ content: "Hello." }, "stop") },
      client: { status: 200, body: anthropicMessage("chatcmpl-az", "gpt-4o-2024-08-06", [{ type: "text", text: "Hello." }], "end_turn", 5, 3) } },
    { name: "anthropic→azure stream: text and a tool call without arguments become Anthropic events",
      host: "azure.llm", path: "/v1/messages", headers: ANTHROPIC_HEADERS, request: { model: "gpt-4o", max_tokens: 64, stream: true, messages: [{ role: "user", content: "x" }], tools: [NOW_ANTHROPIC] },
      upstream: { path: "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21" },
      answer: { chunks: AZURE_STREAM },
      client: { status: 200, events: [...anthropicTextStart("chatcmpl-9", "gpt-4o"), anthropicDelta("On it"), anthropicEvent("content_block_stop", { index: 0 }),
        anthropicEvent("content_block_start", { index: 1, content_block: { type: "tool_use", id: "call_n", name: "now", input: {} } }),
        anthropicEvent("content_block_delta", { index: 1, delta: { type: "input_json_delta", partial_json: "{}" } }), anthropicEvent("content_block_stop", { index: 1 }),
        anthropicEvent("message_delta", { delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { input_tokens: 0, output_tokens: 0 } }), anthropicEvent("message_stop")] } },
    { name: "anthropic→azure: a tool call in the answer is a tool_use block",
      host: "azure.llm", path: "/v1/messages", headers: ANTHROPIC_HEADERS, request: { model: "gpt-4o", max_tokens: 64, messages: [{ role: "user", content: "Weather?" }], tools: [WEATHER_ANTHROPIC_IN] },
      upstream: { path: "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21" },
      answer: { body: chatAnswer({ content: null, tool_calls: [{ id: "call_w", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Oslo\"}" } }] }, "tool_calls") },
      client: { status: 200, body: anthropicMessage("chatcmpl-az", "gpt-4o-2024-08-06", [{ type: "tool_use", id: "call_w", name: "get_weather", input: { city: "Oslo" } }], "tool_use", 5, 3) } },
    { name: "responses→azure (v1 API): the Responses API passes through to Azure's /openai/v1/responses",
      host: "azure-v1.llm", path: "/v1/responses", request: { model: "gpt-4.1-mini", input: "hi" },
      upstream: { path: "/openai/v1/responses" },
      answer: { body: { id: "resp_az", object: "response", status: "completed", output: [] } },
      client: { status: 200, exactBody: JSON.stringify({ id: "resp_az", object: "response", status: "completed", output: [] }) } },
    { name: "responses→azure (deployment): translated to chat on the deployment's path; a Response back",
      host: "azure.llm", path: "/v1/responses", request: { model: "gpt-4o", input: "Hi" },
      upstream: { path: "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21" },
      answer: { body: chatAnswer({ content: "Hello." }, "stop") },
      client: { status: 200, body: respShell("completed", "gpt-4o-2024-08-06", [respMessage("completed", [respText("Hello.")])], respUsage(5, 3)) } },
  ] },
  { name: "Vertex AI, composed", config: VERTEX_CONFIG, rows: [
    { name: "responses→vertex (Gemini model): composed to Gemini's body on Vertex's path; a Response back",
      host: "vertex.llm", path: "/v1/responses", request: { model: "gemini-2.5-flash", input: "Hi" }, upstream: { path: "/v1/projects/my-proj/locations/us-east5/publishers/google/models/gemini-2.5-flash:generateContent" },
      answer: { body: GEMINI_TEXT_ANSWER },
      client: { status: 200, body: respShell("completed", "gemini-2.5-flash", [respMessage("completed", [respText("Hello")])], respUsage(2, 1)) } },
    { name: "anthropic→vertex (Gemini model): composed to Gemini's body on Vertex's path; a Message back",
      host: "vertex.llm", path: "/v1/messages", headers: ANTHROPIC_HEADERS, request: { model: "gemini-2.5-flash", max_tokens: 64, messages: [{ role: "user", content: "Hi" }] }, upstream: { path: "/v1/projects/my-proj/locations/us-east5/publishers/google/models/gemini-2.5-flash:generateContent" },
      answer: { body: GEMINI_TEXT_ANSWER },
      client: { status: 200, body: anthropicMessage("chatcmpl-gemini", "gemini-2.5-flash", [{ type: "text", text: "Hello" }], "end_turn", 2, 1) } },
    { name: "responses→vertex (Claude model): composed to Anthropic's body on rawPredict; a Response back",
      host: "vertex.llm", path: "/v1/responses", request: { model: "claude-sonnet-4-5@20250929", input: "Hi", max_output_tokens: 64 }, upstream: { path: "/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict" },
      answer: { body: CLAUDE_TEXT },
      client: { status: 200, body: respShell("completed", "claude-sonnet-4-5", [respMessage("completed", [respText("Hello!")])], respUsage(4, 2)) } },
    { name: "openai→vertex (Claude model): a tool_use in the answer is a tool call",
      host: "vertex.llm", path: "/v1/chat/completions", request: { model: "claude-sonnet-4-5@20250929", max_tokens: 64, messages: [{ role: "user", content: "Weather?" }], tools: [WEATHER_CHAT] }, upstream: { path: "/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict" },
      answer: { body: CLAUDE_TOOL },
      client: { status: 200, body: { id: "msg_v", object: "chat.completion", created: anyNumber(), model: "claude-sonnet-4-5",
        choices: [{ index: 0, message: { role: "assistant", content: null, refusal: null, tool_calls: [{ id: "toolu_w", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Oslo\"}" } }] }, logprobs: null, finish_reason: "tool_calls" }],
        usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6, prompt_tokens_details: { cached_tokens: 0 } } } } },
  ] },
  { name: "Responses clients, Anthropic", config: { ...TRANSLATE_CONFIG, requestMode: "body" }, rows: [
    { name: "tools: responses→anthropic (composed): a tool_use in a Messages answer is a function_call output item",
      host: "claude.llm", path: "/v1/responses", request: { model: "claude-sonnet-4-5", input: "Weather?", max_output_tokens: 64, tools: [WEATHER_RESPONSES] }, upstream: { path: "/v1/messages" },
      answer: { body: CLAUDE_TOOL },
      client: { status: 200, body: respShell("completed", "claude-sonnet-4-5", [respCall("toolu_w", "get_weather", "{\"city\":\"Oslo\"}")], respUsage(4, 2)) } },
  ] },
  { name: "Responses clients, Gemini", config: GEMINI_CONFIG, rows: [
    { name: "cut stream: responses→gemini (composed): a stream that ends before its finish reason ends with a Responses error event",
      host: "gemini.llm", path: "/v1/responses", request: { model: "gemini-2.5-flash", input: "x", stream: true }, upstream: { path: "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse" },
      answer: { chunks: [gsse(geminiText("Bon"))] },
      client: { status: 200, events: [...responsesTextStart("gemini-2.5-flash-001", "Bon"), responsesCut("answer")] } },
    { name: "streamed tools: responses→gemini (composed): a streamed functionCall without args is a function_call with arguments \"{}\"",
      host: "gemini.llm", path: "/v1/responses", request: { model: "gemini-2.5-flash", input: "Time?", stream: true, tools: [NOW_RESPONSES] }, upstream: { path: "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse" },
      answer: { chunks: [gsse(geminiCall("now"))] },
      client: { status: 200, events: [
        respEvent("response.created", { response: respShell("in_progress", "gemini-2.5-flash-001") }), respEvent("response.in_progress", { response: respShell("in_progress", "gemini-2.5-flash-001") }),
        respEvent("response.output_item.added", { output_index: 0, item: { ...respCall("call_0", "now", ""), status: "in_progress" } }),
        respEvent("response.function_call_arguments.delta", { item_id: "fc_call_0", output_index: 0, delta: "{}" }),
        respEvent("response.function_call_arguments.done", { item_id: "fc_call_0", output_index: 0, arguments: "{}" }),
        respEvent("response.output_item.done", { output_index: 0, item: respCall("call_0", "now", "{}") }),
        respEvent("response.completed", { response: respShell("completed", "gemini-2.5-flash-001", [respCall("call_0", "now", "{}")], respUsage(3, 2)) })] } },
  ] },
  { name: "Responses clients, Bedrock", config: BEDROCK_CONFIG, rows: [
    { name: "tools: responses→bedrock (composed): tools as toolSpec; a toolUse answer is a function_call output item",
      host: "bedrock.llm", path: "/v1/responses", request: { model: BEDROCK_MODEL, input: "Weather?", tools: [WEATHER_RESPONSES] }, upstream: { path: "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse" },
      answer: { body: BEDROCK_TOOL_ANSWER },
      client: { status: 200, body: respShell("completed", BEDROCK_MODEL, [respCall("tooluse_w", "get_weather", "{\"city\":\"Oslo\"}")], respUsage(6, 4)) } },
    { name: "errors: responses→bedrock (composed): a ThrottlingException reaches the client in the Responses error shape",
      host: "bedrock.llm", path: "/v1/responses", request: { model: BEDROCK_MODEL, input: "x" }, upstream: { path: "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse" },
      answer: { status: 429, body: { message: "Too many requests, please wait before trying again." } },
      client: { status: 429, body: openAIError("Too many requests, please wait before trying again.", "rate_limit_error") } },
    { name: "cut stream: responses→bedrock (composed): a ConverseStream that ends before messageStop ends with a Responses error event",
      host: "bedrock.llm", path: "/v1/responses", request: { model: BEDROCK_MODEL, input: "x", stream: true },
      upstream: { path: "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream" },
      answer: { frames: [awsEvent("messageStart", { role: "assistant" }), awsEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Par" } })] },
      client: { status: 200, events: [...responsesTextStart(BEDROCK_MODEL, "Par"), responsesCut("message")] } },
  ] },
);

// ---- Same-API routes: what passes byte for byte, for the features the translation rows show only in part ----
const CLAUDE_NOARGS_STREAM = [claudeStart,
  sse("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "toolu_n", name: "now", input: {} } }),
  sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: "" } }),
  sse("content_block_stop", { type: "content_block_stop", index: 0 }),
  sse("message_delta", { type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 5 } }),
  sse("message_stop", { type: "message_stop" })];
const OUTPUT_FORMAT_REQUEST = JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 64, messages: [{ role: "user", content: "Who?" }],
  output_config: { format: { type: "json_schema", schema: { type: "object", properties: { name: { type: "string" } }, required: ["name"], additionalProperties: false } } } });
const CHAT_TOOL_ANSWER = chatAnswer({ content: null, tool_calls: [{ id: "call_w", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Oslo\"}" } }] }, "tool_calls");
GAP_SETS.push({ name: "same API", config: { ...TRANSLATE_CONFIG, requestMode: "body" }, rows: [
  { name: "openai→openai: a stream with text and a tool call without arguments passes as OpenAI sent it",
    host: "gpt.llm", path: "/v1/chat/completions", request: { model: "gpt-4o", stream: true, messages: [{ role: "user", content: "x" }], tools: [NOW_CHAT] },
    upstream: { path: "/v1/chat/completions" }, answer: { chunks: AZURE_STREAM }, client: { status: 200, exactBody: AZURE_STREAM.join("") } },
  { name: "openai→openai: tools sent as written; a tool call answer passes as OpenAI sent it",
    host: "gpt.llm", path: "/v1/chat/completions", request: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "Weather?" }], tools: [WEATHER_CHAT], tool_choice: "required" }),
    upstream: { path: "/v1/chat/completions", exactBody: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "Weather?" }], tools: [WEATHER_CHAT], tool_choice: "required" }) },
    answer: { body: CHAT_TOOL_ANSWER }, client: { status: 200, exactBody: JSON.stringify(CHAT_TOOL_ANSWER) } },
  { name: "anthropic→anthropic stream: a tool_use without input passes as Anthropic sent it",
    host: "claude.llm", path: "/v1/messages", headers: ANTHROPIC_HEADERS, request: { model: "claude-sonnet-4-5", max_tokens: 64, stream: true, messages: [{ role: "user", content: "Time?" }], tools: [NOW_ANTHROPIC] },
    upstream: { path: "/v1/messages" }, answer: { chunks: CLAUDE_NOARGS_STREAM }, client: { status: 200, exactBody: CLAUDE_NOARGS_STREAM.join("") } },
  { name: "anthropic→anthropic stream: a stream cut short gets an Anthropic error event after what Anthropic sent",
    host: "claude.llm", path: "/v1/messages", headers: ANTHROPIC_HEADERS, request: { model: "claude-sonnet-4-5", max_tokens: 64, stream: true, messages: [{ role: "user", content: "x" }] },
    upstream: { path: "/v1/messages" }, answer: { chunks: [claudeStart, claudeText("Par")] },
    // The provider's events pass as sent; the error event after them is llm-mesh's.
    client: { status: 200, events: [...parseSse(claudeStart + claudeText("Par")),
      { event: "error", data: { type: "error", error: { type: "api_error", message: "provider \"anthropic\" ended the stream before the answer was complete" } } }] } },
  { name: "anthropic→anthropic: output_config.format is sent as written",
    host: "claude.llm", path: "/v1/messages", headers: ANTHROPIC_HEADERS, request: OUTPUT_FORMAT_REQUEST,
    upstream: { path: "/v1/messages", exactBody: OUTPUT_FORMAT_REQUEST }, answer: { body: CLAUDE_TEXT }, client: { status: 200, exactBody: JSON.stringify(CLAUDE_TEXT) } },
] });

// ---- Vertex AI and Azure: tools, provider errors and cut streams through their paths ----
const VERTEX_GEMINI_STREAM = "/v1/projects/my-proj/locations/us-east5/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse";
const VERTEX_CLAUDE = "/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929";
GAP_SETS.push(
  { name: "Vertex AI, more", config: VERTEX_CONFIG, rows: [
    { name: "openai→vertex (Gemini model): a functionCall answer is a tool call",
      host: "vertex.llm", path: "/v1/chat/completions", request: { model: "gemini-2.5-flash", messages: [{ role: "user", content: "Weather?" }], tools: [WEATHER_CHAT] },
      upstream: { path: "/v1/projects/my-proj/locations/us-east5/publishers/google/models/gemini-2.5-flash:generateContent" },
      answer: { body: geminiCall("get_weather", { city: "Oslo" }) },
      client: { status: 200, body: { id: "chatcmpl-resp-1", object: "chat.completion", created: anyNumber(), model: "gemini-2.5-flash-001",
        choices: [{ index: 0, message: { role: "assistant", content: null, refusal: null, tool_calls: [{ id: "call_0", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Oslo\"}" } }] }, logprobs: null, finish_reason: "tool_calls" }],
        usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5, prompt_tokens_details: { cached_tokens: 0 } } } } },
    { name: "openai→vertex (Gemini model): a stream that ends before its finish reason ends with an OpenAI error",
      host: "vertex.llm", path: "/v1/chat/completions", request: { model: "gemini-2.5-flash", stream: true, messages: [{ role: "user", content: "x" }] },
      upstream: { path: "/v1/projects/my-proj/locations/us-east5/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse" },
      answer: { chunks: [gsse(geminiText("Bon"))] },
      client: { status: 200, events: [openAIChunk("chatcmpl-resp-1", "gemini-2.5-flash-001", { role: "assistant", content: "" }), openAIChunk("chatcmpl-resp-1", "gemini-2.5-flash-001", { content: "Bon" }),
        { error: { message: "the provider's stream ended before the answer was complete", type: "server_error", param: null, code: null } }] } },
    { name: "openai→vertex (Gemini model): Vertex's 429 reaches the client in OpenAI's shape",
      host: "vertex.llm", path: "/v1/chat/completions", request: { model: "gemini-2.5-flash", messages: [{ role: "user", content: "x" }] },
      upstream: { path: "/v1/projects/my-proj/locations/us-east5/publishers/google/models/gemini-2.5-flash:generateContent" },
      answer: { status: 429, body: { error: { code: 429, message: "Quota exceeded for aiplatform.googleapis.com/generate_content_requests_per_minute_per_project_per_base_model.", status: "RESOURCE_EXHAUSTED" } } },
      client: { status: 429, body: openAIError("Quota exceeded for aiplatform.googleapis.com/generate_content_requests_per_minute_per_project_per_base_model.", "rate_limit_error") } },
    { name: "openai→vertex (Claude model): a stream that ends before message_stop ends with an OpenAI error",
      host: "vertex.llm", path: "/v1/chat/completions", request: { model: "claude-sonnet-4-5@20250929", max_tokens: 64, stream: true, messages: [{ role: "user", content: "x" }] },
      upstream: { path: "/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict" },
      answer: { chunks: [claudeStart, claudeText("Par")] },
      client: { status: 200, events: [openAIChunk("msg_c", "claude-sonnet-4-5", { role: "assistant", content: "" }), openAIChunk("msg_c", "claude-sonnet-4-5", { content: "Par" }),
        { error: { message: "the provider's stream ended before the message was complete", type: "server_error", param: null, code: null } }] } },
    { name: "openai→vertex (Claude model): Anthropic's 529 through Vertex is 503 for an OpenAI client",
      host: "vertex.llm", path: "/v1/chat/completions", request: { model: "claude-sonnet-4-5@20250929", max_tokens: 64, messages: [{ role: "user", content: "x" }] },
      upstream: { path: "/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict" },
      answer: { status: 529, body: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } },
      client: { status: 503, body: openAIError("Overloaded", "overloaded_error") } },
    { name: "anthropic→vertex (Claude model): a streamed tool_use without input passes as Vertex sent it",
      host: "vertex.llm", path: "/v1/messages", headers: ANTHROPIC_HEADERS, request: { model: "claude-sonnet-4-5@20250929", max_tokens: 64, stream: true, messages: [{ role: "user", content: "Time?" }], tools: [NOW_ANTHROPIC] },
      upstream: { path: "/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict" },
      answer: { chunks: CLAUDE_NOARGS_STREAM },
      client: { status: 200, exactBody: CLAUDE_NOARGS_STREAM.join("") } },
    { name: "anthropic→vertex (Claude model): Vertex's 400 reaches the client as sent",
      host: "vertex.llm", path: "/v1/messages", headers: ANTHROPIC_HEADERS, request: { model: "claude-sonnet-4-5@20250929", max_tokens: 64, messages: [{ role: "user", content: "x" }] },
      upstream: { path: "/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict" },
      answer: { status: 400, body: { type: "error", error: { type: "invalid_request_error", message: "max_tokens: Field required" } } },
      client: { status: 400, exactBody: JSON.stringify({ type: "error", error: { type: "invalid_request_error", message: "max_tokens: Field required" } }) } },
    { name: "responses→vertex (Gemini model): streamed text becomes Responses events",
      host: "vertex.llm", path: "/v1/responses", request: { model: "gemini-2.5-flash", input: "x", stream: true },
      upstream: { path: "/v1/projects/my-proj/locations/us-east5/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse" },
      answer: { chunks: [gsse(geminiText("Bon")), gsse(geminiText("jour", "STOP"))] },
      client: { status: 200, events: [...responsesTextStart("gemini-2.5-flash-001", "Bon"),
        respEvent("response.output_text.delta", { item_id: anyString(), output_index: 0, content_index: 0, delta: "jour" }), ...responsesTextEnd("gemini-2.5-flash-001", "Bonjour", { input: 3, output: 2 })] } },
  ] },
  { name: "Azure OpenAI, more", config: AZURE_CONFIG, rows: [
    { name: "anthropic→azure: Azure's 429 reaches the client in Anthropic's shape",
      host: "azure.llm", path: "/v1/messages", headers: ANTHROPIC_HEADERS, request: { model: "gpt-4o", max_tokens: 64, messages: [{ role: "user", content: "x" }] },
      upstream: { path: "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21" },
      answer: { status: 429, body: { error: { code: "429", message: "Requests to the ChatCompletions_Create Operation have exceeded call rate limit." } } },
      client: { status: 429, body: { type: "error", error: { type: "rate_limit_error", message: "Requests to the ChatCompletions_Create Operation have exceeded call rate limit." } } } },
    { name: "anthropic→azure: a stream that ends before its finish reason ends with an Anthropic error event",
      host: "azure.llm", path: "/v1/messages", headers: ANTHROPIC_HEADERS, request: { model: "gpt-4o", max_tokens: 64, stream: true, messages: [{ role: "user", content: "x" }] },
      upstream: { path: "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21" },
      answer: { chunks: [data(chatChunk({ role: "assistant", content: "" })), data(chatChunk({ content: "Par" }))] },
      client: { status: 200, events: [...anthropicTextStart("chatcmpl-9", "gpt-4o"), anthropicDelta("Par"), anthropicCut("message")] } },
    { name: "openai→azure: a stream cut short gets an OpenAI error after what Azure sent",
      host: "azure.llm", path: "/v1/chat/completions", request: { model: "gpt-4o", stream: true, messages: [{ role: "user", content: "x" }] },
      upstream: { path: "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21" },
      answer: { chunks: [data(chatChunk({ role: "assistant", content: "" })), data(chatChunk({ content: "Par" }))] },
      client: { status: 200, events: [openAIChunk("chatcmpl-9", "gpt-4o", { role: "assistant", content: "" }, null, 1700000000), openAIChunk("chatcmpl-9", "gpt-4o", { content: "Par" }, null, 1700000000),
        { error: { message: "provider \"azure\" ended the stream before the answer was complete", type: "server_error", param: null, code: "stream_interrupted" } }] } },
  ] },
  { name: "Responses clients, Bedrock, more", config: BEDROCK_CONFIG, rows: [
    { name: "streamed tools: responses→bedrock (composed): a streamed toolUse with no input delta is a function_call with arguments \"{}\"",
      host: "bedrock.llm", path: "/v1/responses", request: { model: BEDROCK_MODEL, input: "Time?", stream: true, tools: [NOW_RESPONSES] },
      upstream: { path: "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream" },
      answer: { frames: [awsEvent("messageStart", { role: "assistant" }), awsEvent("contentBlockStart", { contentBlockIndex: 0, start: { toolUse: { toolUseId: "tooluse_n", name: "now" } } }),
        awsEvent("contentBlockStop", { contentBlockIndex: 0 }), awsEvent("messageStop", { stopReason: "tool_use" }),
        awsEvent("metadata", { usage: { inputTokens: 4, outputTokens: 2, totalTokens: 6 }, metrics: { latencyMs: 9 } })] },
      client: { status: 200, events: [
        respEvent("response.created", { response: respShell("in_progress", BEDROCK_MODEL) }), respEvent("response.in_progress", { response: respShell("in_progress", BEDROCK_MODEL) }),
        respEvent("response.output_item.added", { output_index: 0, item: { ...respCall("tooluse_n", "now", ""), status: "in_progress" } }),
        respEvent("response.function_call_arguments.delta", { item_id: "fc_tooluse_n", output_index: 0, delta: "{}" }),
        respEvent("response.function_call_arguments.done", { item_id: "fc_tooluse_n", output_index: 0, arguments: "{}" }),
        respEvent("response.output_item.done", { output_index: 0, item: respCall("tooluse_n", "now", "{}") }),
        respEvent("response.completed", { response: respShell("completed", BEDROCK_MODEL, [respCall("tooluse_n", "now", "{}")], respUsage(4, 2)) })] } },
  ] },
);

// ---- Gemini-native clients: tools without arguments, cut streams, Azure and Vertex AI, and caching ----
const GEN_PATH = (model: string) => `/v1beta/models/${model}:generateContent`;
const STREAM_PATH = (model: string) => `/v1beta/models/${model}:streamGenerateContent?alt=sse`;
const NOW_GEMINI = { functionDeclarations: [{ name: "now", parametersJsonSchema: { type: "object", properties: {} } }] };
/** A Gemini client's request with the no-argument tool. */
const geminiAsk = (text: string, extra: Record<string, unknown> = {}) => ({ contents: [{ role: "user", parts: [{ text }] }], tools: [NOW_GEMINI], ...extra });
/** A GenerateContentResponse (or stream event) as llm-mesh writes it for a Gemini client. */
const gOut = (parts: unknown[], model: unknown, id: unknown, finish?: string, usage?: [number, number, number]) => ({
  candidates: [{ content: { role: "model", parts }, ...(finish ? { finishReason: finish } : {}), index: 0 }],
  ...(usage ? { usageMetadata: { promptTokenCount: usage[0], candidatesTokenCount: usage[1], totalTokenCount: usage[2] } } : {}), modelVersion: model, responseId: id });
const NOW_CALL = (id: string) => ({ functionCall: { id, name: "now", args: {} } });
const WEATHER_GEMINI = { functionDeclarations: [{ name: "get_weather", parametersJsonSchema: WEATHER_ANTHROPIC_IN.input_schema }] };
/** Google's error object, which ends a Gemini client's broken stream (the SDK raises on it). */
const geminiCut = (what: string) => ({ error: { code: 500, message: `the provider's stream ended before the ${what} was complete`, status: "INTERNAL" } });
const VERTEX_GEMINI = "/v1/projects/my-proj/locations/us-east5/publishers/google/models/gemini-2.5-flash";
/** What Gemini (and Vertex AI with a Gemini model) streams: text, then a call without args. */
const GEMINI_NOARGS_STREAM = [gsse(geminiText("On it")), gsse({ ...geminiCall("now"), modelVersion: "gemini-2.5-flash-001", responseId: "resp-1" })];
const BEDROCK_NOARGS_FRAMES = [awsEvent("messageStart", { role: "assistant" }),
  awsEvent("contentBlockStart", { contentBlockIndex: 0, start: { toolUse: { toolUseId: "tooluse_n", name: "now" } } }),
  awsEvent("contentBlockStop", { contentBlockIndex: 0 }), awsEvent("messageStop", { stopReason: "tool_use" }),
  awsEvent("metadata", { usage: { inputTokens: 4, outputTokens: 2, totalTokens: 6 }, metrics: { latencyMs: 9 } })];
const CLAUDE_TEXT_STREAM = [claudeStart, sse("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }), claudeText("Bon"), claudeText("jour"),
  sse("content_block_stop", { type: "content_block_stop", index: 0 }),
  sse("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 2 } }), sse("message_stop", { type: "message_stop" })];
const CACHED_CONTENT_REQUEST = JSON.stringify({ cachedContent: "cachedContents/agent-prefix", contents: [{ role: "user", parts: [{ text: "Again" }] }] });
const CACHED_ANSWER = JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ text: "Hello" }] }, finishReason: "STOP", index: 0 }],
  usageMetadata: { promptTokenCount: 1030, cachedContentTokenCount: 1024, candidatesTokenCount: 1, totalTokenCount: 1031 }, modelVersion: "gemini-2.5-flash" });

GAP_SETS.push(
  { name: "Gemini clients", config: GEMINI_CLIENT_CONFIG, rows: [
    { name: "gemini→openai stream: a tool call whose arguments stay \"\" is a functionCall with args {}",
      host: "openai.llm", path: STREAM_PATH("gpt-4o"), request: geminiAsk("Time?"),
      upstream: { path: "/v1/chat/completions" },
      answer: { chunks: [data(chatChunk({ role: "assistant", content: "" })), data(chatChunk({ tool_calls: [{ index: 0, id: "call_n", type: "function", function: { name: "now", arguments: "" } }] })),
        data(chatChunk({}, "tool_calls")), data("[DONE]")] },
      client: { status: 200, events: [gOut([NOW_CALL("call_n")], "gpt-4o", "chatcmpl-9", "STOP", [0, 0, 0])] } },
    { name: "gemini→anthropic stream: a tool_use with an empty input_json_delta is a functionCall with args {}",
      host: "claude.llm", path: STREAM_PATH("claude-sonnet-4-5"), request: geminiAsk("Time?"),
      upstream: { path: "/v1/messages" }, answer: { chunks: CLAUDE_NOARGS_STREAM },
      client: { status: 200, events: [gOut([NOW_CALL("toolu_n")], "claude-sonnet-4-5", "msg_c", "STOP", [4, 5, 9])] } },
    { name: "gemini→anthropic stream cut before message_stop: the client's stream ends with Gemini's error object",
      host: "claude.llm", path: STREAM_PATH("claude-sonnet-4-5"), request: geminiAsk("x"),
      upstream: { path: "/v1/messages" }, answer: { chunks: [claudeStart, claudeText("Par")] },
      client: { status: 200, events: [gOut([{ text: "Par" }], "claude-sonnet-4-5", "msg_c"), geminiCut("message")] } },
    { name: "gemini→bedrock stream: a toolUse with no input delta is a functionCall with args {}",
      host: "bedrock.llm", path: STREAM_PATH("amazon.nova-pro-v1:0"), request: geminiAsk("Time?"),
      upstream: { path: "/model/amazon.nova-pro-v1%3A0/converse-stream" }, answer: { frames: BEDROCK_NOARGS_FRAMES },
      client: { status: 200, events: [gOut([NOW_CALL("tooluse_n")], "amazon.nova-pro-v1:0", BEDROCK_ID, "STOP", [4, 2, 6])] } },
    { name: "gemini→bedrock stream cut before messageStop: the client's stream ends with Gemini's error object",
      host: "bedrock.llm", path: STREAM_PATH("amazon.nova-pro-v1:0"), request: geminiAsk("x"),
      upstream: { path: "/model/amazon.nova-pro-v1%3A0/converse-stream" },
      answer: { frames: [awsEvent("messageStart", { role: "assistant" }), awsEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Par" } })] },
      client: { status: 200, events: [gOut([{ text: "Par" }], "amazon.nova-pro-v1:0", BEDROCK_ID), geminiCut("message")] } },
    { name: "gemini→bedrock: cache reads (cacheReadInputTokens) come back as cachedContentTokenCount, inside promptTokenCount",
      host: "bedrock.llm", path: GEN_PATH("anthropic.claude-sonnet-4-5-20250929-v1:0"), request: { contents: [{ role: "user", parts: [{ text: "Hi" }] }] },
      upstream: { path: "/model/anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse" },
      answer: { body: { output: { message: { role: "assistant", content: [{ text: "Hi." }] } }, stopReason: "end_turn",
        usage: { inputTokens: 10, outputTokens: 5, totalTokens: 145, cacheReadInputTokens: 100, cacheWriteInputTokens: 30 }, metrics: { latencyMs: 9 } } },
      client: { status: 200, body: { ...gOut([{ text: "Hi." }], "anthropic.claude-sonnet-4-5-20250929-v1:0", BEDROCK_ID, "STOP"), usageMetadata: { promptTokenCount: 140, candidatesTokenCount: 5, cachedContentTokenCount: 100, totalTokenCount: 145 } } } },
    { name: "gemini→gemini stream: text and a functionCall without args pass as Gemini sent them",
      host: "gemini.llm", path: STREAM_PATH("gemini-2.5-flash"), request: JSON.stringify(geminiAsk("Time?")),
      upstream: { path: STREAM_PATH("gemini-2.5-flash"), exactBody: JSON.stringify(geminiAsk("Time?")) },
      answer: { chunks: GEMINI_NOARGS_STREAM }, client: { status: 200, exactBody: GEMINI_NOARGS_STREAM.join("") } },
    { name: "gemini→gemini: cachedContent goes as written; cachedContentTokenCount comes back as Gemini sent it",
      host: "gemini.llm", path: GEN_PATH("gemini-2.5-flash"), request: CACHED_CONTENT_REQUEST,
      upstream: { path: GEN_PATH("gemini-2.5-flash"), exactBody: CACHED_CONTENT_REQUEST },
      answer: { body: JSON.parse(CACHED_ANSWER) }, client: { status: 200, exactBody: CACHED_ANSWER } },
    { name: "gemini→vertex (Gemini model): a text answer passes as Vertex sent it",
      host: "vertex.llm", path: GEN_PATH("gemini-2.5-flash"), request: { contents: [{ role: "user", parts: [{ text: "Hi" }] }] },
      upstream: { path: `${VERTEX_GEMINI}:generateContent` },
      answer: { body: GEMINI_TEXT_ANSWER }, client: { status: 200, exactBody: JSON.stringify(GEMINI_TEXT_ANSWER) } },
    { name: "gemini→vertex (Gemini model): a functionCall answer passes as Vertex sent it",
      host: "vertex.llm", path: GEN_PATH("gemini-2.5-flash"), request: JSON.stringify(geminiAsk("Time?")),
      upstream: { path: `${VERTEX_GEMINI}:generateContent`, exactBody: JSON.stringify(geminiAsk("Time?")) },
      answer: { body: geminiCall("now") }, client: { status: 200, exactBody: JSON.stringify(geminiCall("now")) } },
    { name: "gemini→vertex (Gemini model) stream: text and a functionCall without args pass as Vertex sent them",
      host: "vertex.llm", path: STREAM_PATH("gemini-2.5-flash"), request: geminiAsk("Time?"),
      upstream: { path: `${VERTEX_GEMINI}:streamGenerateContent?alt=sse` },
      answer: { chunks: GEMINI_NOARGS_STREAM }, client: { status: 200, exactBody: GEMINI_NOARGS_STREAM.join("") } },
    { name: "gemini→vertex (Gemini model): Vertex's 429 reaches the client as Vertex sent it",
      host: "vertex.llm", path: GEN_PATH("gemini-2.5-flash"), request: geminiAsk("x"),
      upstream: { path: `${VERTEX_GEMINI}:generateContent` },
      answer: { status: 429, body: { error: { code: 429, message: "Quota exceeded.", status: "RESOURCE_EXHAUSTED" } } },
      client: { status: 429, exactBody: JSON.stringify({ error: { code: 429, message: "Quota exceeded.", status: "RESOURCE_EXHAUSTED" } }) } },
    { name: "gemini→vertex (Gemini model) stream cut before its finishReason: Google's error object after what Vertex sent",
      host: "vertex.llm", path: STREAM_PATH("gemini-2.5-flash"), request: geminiAsk("x"),
      upstream: { path: `${VERTEX_GEMINI}:streamGenerateContent?alt=sse` },
      answer: { chunks: [gsse(geminiText("Bon"))] }, client: { status: 200, events: [...parseSse(gsse(geminiText("Bon"))), { error: { code: 500, message: "provider \"vertex\" ended the stream before the answer was complete", status: "INTERNAL" } }] } },
    { name: "gemini→vertex (Claude model): a Messages answer on rawPredict is a GenerateContentResponse",
      host: "vertex.llm", path: GEN_PATH("claude-sonnet-4-5@20250929"), request: { contents: [{ role: "user", parts: [{ text: "Hi" }] }], generationConfig: { maxOutputTokens: 64 } },
      upstream: { path: `${VERTEX_CLAUDE}:rawPredict` }, answer: { body: CLAUDE_TEXT }, client: { status: 200, body: gOut([{ text: "Hello!" }], "claude-sonnet-4-5", "msg_v", "STOP", [4, 2, 6]) } },
    { name: "gemini→vertex (Claude model) stream: Messages events on streamRawPredict become Gemini events",
      host: "vertex.llm", path: STREAM_PATH("claude-sonnet-4-5@20250929"), request: { contents: [{ role: "user", parts: [{ text: "Hi" }] }], generationConfig: { maxOutputTokens: 64 } },
      upstream: { path: `${VERTEX_CLAUDE}:streamRawPredict` }, answer: { chunks: CLAUDE_TEXT_STREAM }, client: { status: 200, events: [gOut([{ text: "Bon" }], "claude-sonnet-4-5", "msg_c"), gOut([{ text: "jour" }], "claude-sonnet-4-5", "msg_c"), gOut([{ text: "" }], "claude-sonnet-4-5", "msg_c", "STOP", [4, 2, 6])] } },
    { name: "gemini→vertex (Claude model) stream: a tool_use without input is a functionCall with args {}",
      host: "vertex.llm", path: STREAM_PATH("claude-sonnet-4-5@20250929"), request: { ...geminiAsk("Time?"), generationConfig: { maxOutputTokens: 64 } },
      upstream: { path: `${VERTEX_CLAUDE}:streamRawPredict` }, answer: { chunks: CLAUDE_NOARGS_STREAM }, client: { status: 200, events: [gOut([NOW_CALL("toolu_n")], "claude-sonnet-4-5", "msg_c", "STOP", [4, 5, 9])] } },
    { name: "gemini→vertex (Claude model): a tool_use answer is a functionCall",
      host: "vertex.llm", path: GEN_PATH("claude-sonnet-4-5@20250929"), request: { contents: [{ role: "user", parts: [{ text: "Weather?" }] }], tools: [WEATHER_GEMINI], generationConfig: { maxOutputTokens: 64 } },
      upstream: { path: `${VERTEX_CLAUDE}:rawPredict` }, answer: { body: CLAUDE_TOOL }, client: { status: 200, body: gOut([{ functionCall: { id: "toolu_w", name: "get_weather", args: { city: "Oslo" } } }], "claude-sonnet-4-5", "msg_v", "STOP", [4, 2, 6]) } },
    { name: "gemini→vertex (Claude model): Anthropic's 529 through Vertex is a 503 in Gemini's shape",
      host: "vertex.llm", path: GEN_PATH("claude-sonnet-4-5@20250929"), request: { contents: [{ role: "user", parts: [{ text: "Hi" }] }], generationConfig: { maxOutputTokens: 64 } },
      upstream: { path: `${VERTEX_CLAUDE}:rawPredict` }, answer: { status: 529, body: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } } },
      client: { status: 503, body: { error: { code: 503, message: "Overloaded", status: "UNAVAILABLE" } } } },
    { name: "gemini→vertex (Claude model) stream cut before message_stop: the client's stream ends with Gemini's error object",
      host: "vertex.llm", path: STREAM_PATH("claude-sonnet-4-5@20250929"), request: { contents: [{ role: "user", parts: [{ text: "Hi" }] }], generationConfig: { maxOutputTokens: 64 } },
      upstream: { path: `${VERTEX_CLAUDE}:streamRawPredict` }, answer: { chunks: [claudeStart, claudeText("Par")] }, client: { status: 200, events: [gOut([{ text: "Par" }], "claude-sonnet-4-5", "msg_c"), geminiCut("message")] } },
  ] },
  { name: "Gemini clients, Azure OpenAI", config: AZURE_CONFIG, rows: [
    { name: "gemini→azure: generateContent becomes chat on the deployment's path; the answer a GenerateContentResponse",
      host: "azure.llm", path: GEN_PATH("gpt-4o"), request: { contents: [{ role: "user", parts: [{ text: "Hi" }] }] },
      upstream: { path: "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21" },
      answer: { body: chatAnswer({ content: "Hello!" }, "stop") }, client: { status: 200, body: gOut([{ text: "Hello!" }], "gpt-4o-2024-08-06", "chatcmpl-az", "STOP", [5, 3, 8]) } },
    { name: "gemini→azure: a tool call in the answer is a functionCall",
      host: "azure.llm", path: GEN_PATH("gpt-4o"), request: { contents: [{ role: "user", parts: [{ text: "Weather?" }] }], tools: [WEATHER_GEMINI] },
      upstream: { path: "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21" },
      answer: { body: CHAT_TOOL_ANSWER }, client: { status: 200, body: gOut([{ functionCall: { id: "call_w", name: "get_weather", args: { city: "Oslo" } } }], "gpt-4o-2024-08-06", "chatcmpl-az", "STOP", [5, 3, 8]) } },
    { name: "gemini→azure stream: text and a tool call with arguments {} become Gemini events, the call whole with args {}",
      host: "azure.llm", path: STREAM_PATH("gpt-4o"), request: geminiAsk("Time?"),
      upstream: { path: "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21" },
      answer: { chunks: AZURE_STREAM }, client: { status: 200, events: [gOut([{ text: "On it" }], "gpt-4o", "chatcmpl-9"), gOut([NOW_CALL("call_n")], "gpt-4o", "chatcmpl-9", "STOP", [0, 0, 0])] } },
    { name: "gemini→azure: responseSchema is response_format json_schema on the deployment; the JSON text comes back",
      host: "azure.llm", path: GEN_PATH("gpt-4o"),
      request: { contents: [{ role: "user", parts: [{ text: "A city" }] }], generationConfig: { responseMimeType: "application/json", responseSchema: { type: "OBJECT", properties: { name: { type: "STRING" } }, required: ["name"] } } },
      upstream: { path: "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", body: { model: "gpt-4o", messages: [{ role: "user", content: [{ type: "text", text: "A city" }] }],
        response_format: { type: "json_schema", json_schema: { name: "response", schema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] } } } } },
      answer: { body: chatAnswer({ content: "{\"name\":\"Oslo\"}" }, "stop") }, client: { status: 200, body: gOut([{ text: "{\"name\":\"Oslo\"}" }], "gpt-4o-2024-08-06", "chatcmpl-az", "STOP", [5, 3, 8]) } },
    { name: "gemini→azure: Azure's 429 in Gemini's error shape",
      host: "azure.llm", path: GEN_PATH("gpt-4o"), request: { contents: [{ role: "user", parts: [{ text: "Hi" }] }] },
      upstream: { path: "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21" },
      answer: { status: 429, body: { error: { code: "429", message: "Requests to the ChatCompletions_Create Operation have exceeded call rate limit." } } },
      client: { status: 429, body: { error: { code: 429, message: "Requests to the ChatCompletions_Create Operation have exceeded call rate limit.", status: "RESOURCE_EXHAUSTED" } } } },
    { name: "gemini→azure stream cut before its finish reason: the client's stream ends with Gemini's error object",
      host: "azure.llm", path: STREAM_PATH("gpt-4o"), request: { contents: [{ role: "user", parts: [{ text: "Hi" }] }] },
      upstream: { path: "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21" },
      answer: { chunks: [data(chatChunk({ role: "assistant", content: "" })), data(chatChunk({ content: "Par" }))] }, client: { status: 200, events: [gOut([{ text: "Par" }], "gpt-4o", "chatcmpl-9"), geminiCut("answer")] } },
  ] },
);
