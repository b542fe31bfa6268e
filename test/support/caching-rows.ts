// Prompt caching as data (issue 23, item 4): cache_control marks from each client API as each
// backend takes them (Bedrock cachePoint blocks, Anthropic cache_control, none for Gemini and
// OpenAI, which gets prompt_cache_key), and cache reads and writes given back in the client's own
// usage fields. Run through the host emulator (test/unit/prompt-caching.test.ts); the
// Claude Code-shaped request also runs in real Envoy (test/integration/prompt-caching.test.ts).
import { createHash } from "node:crypto";
import { expect } from "vitest";
import { ProviderAnswer, awsEvent, data, sse } from "./translation-rows.js";

/** Every backend API behind one body-mode config, each on its own host. */
export const CACHING_CONFIG = {
  requestMode: "body",
  providers: [
    { name: "anthropic", type: "anthropic", apiKeys: [{ value: "test-anthropic-key" }] },
    { name: "openai", type: "openai", apiKeys: [{ value: "test-openai-key" }] },
    { name: "groq", type: "groq", apiKeys: [{ value: "test-groq-key" }] },
    { name: "gemini", type: "gemini", apiKeys: [{ value: "test-gemini-key" }] },
    { name: "bedrock", type: "bedrock", region: "us-east-1" },
    { name: "azure", type: "azure-openai", host: "acme.openai.azure.com", apiKeys: [{ value: "test-azure-key" }] },
    { name: "azure-v1", type: "azure-openai", host: "acme.openai.azure.com", apiVersion: "v1", apiKeys: [{ value: "test-azure-key" }] },
  ],
  routes: [
    ...["anthropic", "openai", "groq", "gemini", "bedrock", "azure-v1"].map((p) => ({ name: p, match: { host: `${p}.llm` }, backends: [{ provider: p }] })),
    { name: "azure", match: { host: "azure.llm" }, backends: [{ provider: "azure", model: "gpt-4o" }] },
  ],
};

export interface CachingRow {
  name: string;
  host: string;
  path: string;
  request: unknown;
  /** The upstream request body (structural), or its exact text. */
  upstream?: { path: string; body?: unknown; exactBody?: string };
  answer?: ProviderAnswer;
  /** The usage the client gets: the JSON answer's, or a stream's last (Responses: response.completed's). */
  clientUsage?: unknown;
}

const EPHEMERAL = { type: "ephemeral" };
const READ_SCHEMA = { type: "object", properties: { path: { type: "string" } }, required: ["path"] };
const GREP_SCHEMA = { type: "object", properties: { pattern: { type: "string" } }, required: ["pattern"] };
const SYSTEM_A = "You are Claude Code, Anthropic's official CLI for Claude.";
const SYSTEM_B = "You are an interactive CLI tool that helps users with software engineering tasks.";

/** What Claude Code sends: three marks (the last system block, the last tool, the newest tool result). */
export const claudeCodeRequest = (model: string, extra: Record<string, unknown> = {}) => ({
  model, max_tokens: 64, ...extra,
  system: [{ type: "text", text: SYSTEM_A }, { type: "text", text: SYSTEM_B, cache_control: EPHEMERAL }],
  tools: [
    { name: "Grep", description: "Search files", input_schema: GREP_SCHEMA },
    { name: "Read", description: "Read a file", input_schema: READ_SCHEMA, cache_control: EPHEMERAL },
  ],
  messages: [
    { role: "user", content: [{ type: "text", text: "What is in README.md?" }] },
    { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "Read", input: { path: "README.md" } }] },
    { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "# llm-mesh", cache_control: EPHEMERAL }] },
  ],
});

/** The same conversation as Bedrock Converse must get it: a cachePoint after each marked block. */
export const claudeCodeOnBedrock = {
  messages: [
    { role: "user", content: [{ text: "What is in README.md?" }] },
    { role: "assistant", content: [{ toolUse: { toolUseId: "toolu_1", name: "Read", input: { path: "README.md" } } }] },
    { role: "user", content: [{ toolResult: { toolUseId: "toolu_1", content: [{ text: "# llm-mesh" }] } }, { cachePoint: { type: "default" } }] },
  ],
  system: [{ text: SYSTEM_A }, { text: SYSTEM_B }, { cachePoint: { type: "default" } }],
  inferenceConfig: { maxTokens: 64 },
  toolConfig: { tools: [
    { toolSpec: { name: "Grep", description: "Search files", inputSchema: { json: GREP_SCHEMA } } },
    { toolSpec: { name: "Read", description: "Read a file", inputSchema: { json: READ_SCHEMA } } },
    { cachePoint: { type: "default" } },
  ] },
};

/** The prompt_cache_key llm-mesh derives: a digest of model and system text (never the text). */
export const promptCacheKey = (model: string, system: string) =>
  "llm-mesh-" + createHash("sha256").update(model + "\n" + system).digest("hex").slice(0, 32);

/** The OpenAI chat form of Claude Code's conversation (marks dropped). */
const claudeCodeOnOpenAI = (model: string, field: string) => ({
  model, [field]: 64,
  messages: [
    { role: "system", content: SYSTEM_A + "\n\n" + SYSTEM_B },
    { role: "user", content: [{ type: "text", text: "What is in README.md?" }] },
    { role: "assistant", content: null, tool_calls: [{ id: "toolu_1", type: "function", function: { name: "Read", arguments: "{\"path\":\"README.md\"}" } }] },
    { role: "tool", tool_call_id: "toolu_1", content: "# llm-mesh" },
  ],
  tools: [
    { type: "function", function: { name: "Grep", description: "Search files", parameters: GREP_SCHEMA } },
    { type: "function", function: { name: "Read", description: "Read a file", parameters: READ_SCHEMA } },
  ],
});

/** An OpenAI chat client marking five parts the LiteLLM/OpenRouter way (one mark too many), and one mark that is not a mark. */
export const markedChatRequest = (model: string) => ({
  model, max_tokens: 32,
  messages: [
    { role: "system", content: [{ type: "text", text: "Sys", cache_control: { type: "ephemeral", ttl: "1h" } }] },
    { role: "user", content: [{ type: "text", text: "Q1", cache_control: EPHEMERAL }, { type: "text", text: "Q2", cache_control: "yes" }] },
    { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "Read", arguments: "{\"path\":\"a\"}" }, cache_control: EPHEMERAL }] },
    { role: "tool", tool_call_id: "call_1", content: [{ type: "text", text: "A", cache_control: EPHEMERAL }] },
  ],
  tools: [{ type: "function", function: { name: "Read", description: "Read a file", parameters: READ_SCHEMA }, cache_control: EPHEMERAL }],
});

// Answers reporting cache reads (100) and writes (30) beside 10 uncached input tokens, as each API does.
const ANTHROPIC_CACHE_USAGE = { input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 30, cache_creation: { ephemeral_5m_input_tokens: 30, ephemeral_1h_input_tokens: 0 }, output_tokens: 5 };
const ANTHROPIC_ANSWER = { id: "msg_c", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [{ type: "text", text: "Hi." }], stop_reason: "end_turn", stop_sequence: null, usage: ANTHROPIC_CACHE_USAGE };
const anthropicStream = [
  sse("message_start", { type: "message_start", message: { id: "msg_c", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [], stop_reason: null, stop_sequence: null, usage: { ...ANTHROPIC_CACHE_USAGE, output_tokens: 1 } } }),
  sse("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
  sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hi." } }),
  sse("content_block_stop", { type: "content_block_stop", index: 0 }),
  sse("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 5 } }),
  sse("message_stop", { type: "message_stop" }),
];
const BEDROCK_CACHE_USAGE = { inputTokens: 10, outputTokens: 5, totalTokens: 145, cacheReadInputTokens: 100, cacheWriteInputTokens: 30 };
const BEDROCK_ANSWER = { output: { message: { role: "assistant", content: [{ text: "Hi." }] } }, stopReason: "end_turn", usage: BEDROCK_CACHE_USAGE, metrics: { latencyMs: 9 } };
const bedrockStream = [
  awsEvent("messageStart", { role: "assistant" }),
  awsEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Hi." } }),
  awsEvent("contentBlockStop", { contentBlockIndex: 0 }),
  awsEvent("messageStop", { stopReason: "end_turn" }),
  awsEvent("metadata", { usage: BEDROCK_CACHE_USAGE, metrics: { latencyMs: 9 } }),
];
const OPENAI_CACHE_USAGE = { prompt_tokens: 140, completion_tokens: 5, total_tokens: 145, prompt_tokens_details: { cached_tokens: 100 } };
const OPENAI_ANSWER = { id: "chatcmpl-c", object: "chat.completion", created: 1700000000, model: "gpt-4o", choices: [{ index: 0, message: { role: "assistant", content: "Hi.", refusal: null }, logprobs: null, finish_reason: "stop" }], usage: OPENAI_CACHE_USAGE };
const openaiStream = [
  data({ id: "chatcmpl-c", object: "chat.completion.chunk", created: 1700000000, model: "gpt-4o", choices: [{ index: 0, delta: { role: "assistant", content: "Hi." }, finish_reason: null }] }),
  data({ id: "chatcmpl-c", object: "chat.completion.chunk", created: 1700000000, model: "gpt-4o", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] }),
  data({ id: "chatcmpl-c", object: "chat.completion.chunk", created: 1700000000, model: "gpt-4o", choices: [], usage: OPENAI_CACHE_USAGE }),
  data("[DONE]"),
];
const GEMINI_ANSWER = { candidates: [{ content: { role: "model", parts: [{ text: "Hi." }] }, finishReason: "STOP", index: 0 }],
  usageMetadata: { promptTokenCount: 110, cachedContentTokenCount: 100, candidatesTokenCount: 5, totalTokenCount: 115 }, modelVersion: "gemini-2.5-flash" };

/** What each client API must report for 10 uncached + 100 read + 30 written input tokens and 5 output. */
const CHAT_USAGE = { prompt_tokens: 140, completion_tokens: 5, total_tokens: 145, prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 30 } };
const MESSAGES_USAGE = { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 30 };
const RESPONSES_USAGE = { input_tokens: 140, input_tokens_details: { cached_tokens: 100 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 145 };

const chatOf = (model: string, extra: Record<string, unknown> = {}) => ({ model, max_tokens: 32, messages: [{ role: "user", content: "Hi" }], ...extra });
const messagesOf = (model: string, extra: Record<string, unknown> = {}) => ({ model, max_tokens: 32, messages: [{ role: "user", content: "Hi" }], ...extra });
const BEDROCK_MODEL = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const BEDROCK_PATH = "/model/anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse";

export const CACHING_ROWS: CachingRow[] = [
  // ---- request side: Claude Code's three marks to each backend ----
  {
    name: "anthropic→bedrock: Claude Code's three marks become cachePoint blocks after the system block, the tool and the tool result",
    host: "bedrock.llm", path: "/v1/messages", request: claudeCodeRequest(BEDROCK_MODEL),
    upstream: { path: BEDROCK_PATH, body: claudeCodeOnBedrock },
  },
  {
    name: "anthropic→gemini: marks dropped (Gemini caches implicitly; explicit caches are a resource of their own)",
    host: "gemini.llm", path: "/v1/messages", request: claudeCodeRequest("gemini-2.5-flash"),
    upstream: { path: "/v1beta/models/gemini-2.5-flash:generateContent", body: {
      contents: [
        { role: "user", parts: [{ text: "What is in README.md?" }] },
        { role: "model", parts: [{ functionCall: { name: "Read", args: { path: "README.md" } } }] },
        { role: "user", parts: [{ functionResponse: { name: "Read", response: { result: "# llm-mesh" } } }] },
      ],
      systemInstruction: { parts: [{ text: SYSTEM_A }, { text: SYSTEM_B }] },
      tools: [{ functionDeclarations: [{ name: "Grep", description: "Search files", parametersJsonSchema: GREP_SCHEMA }, { name: "Read", description: "Read a file", parametersJsonSchema: READ_SCHEMA }] }],
      generationConfig: { maxOutputTokens: 64 },
    } },
  },
  {
    name: "anthropic→openai: no cache_control reaches OpenAI; prompt_cache_key is a digest of model and system",
    host: "openai.llm", path: "/v1/messages", request: claudeCodeRequest("gpt-4o"),
    upstream: { path: "/v1/chat/completions", body: { ...claudeCodeOnOpenAI("gpt-4o", "max_completion_tokens"), prompt_cache_key: promptCacheKey("gpt-4o", SYSTEM_A + "\n\n" + SYSTEM_B) } },
  },
  {
    name: "anthropic→groq (OpenAI-compatible): marks dropped, no prompt_cache_key (not in the vendor's API)",
    host: "groq.llm", path: "/v1/messages", request: claudeCodeRequest("llama-3.3-70b-versatile"),
    upstream: { path: "/openai/v1/chat/completions", body: claudeCodeOnOpenAI("llama-3.3-70b-versatile", "max_tokens") },
  },
  {
    name: "anthropic→azure-openai v1 API: prompt_cache_key set; a dated API version (before the key existed): none",
    host: "azure-v1.llm", path: "/v1/messages", request: claudeCodeRequest("gpt-4o"),
    upstream: { path: "/openai/v1/chat/completions", body: { ...claudeCodeOnOpenAI("gpt-4o", "max_completion_tokens"), prompt_cache_key: promptCacheKey("gpt-4o", SYSTEM_A + "\n\n" + SYSTEM_B) } },
  },
  {
    name: "anthropic→azure-openai, dated API version: marks dropped, no prompt_cache_key",
    host: "azure.llm", path: "/v1/messages", request: claudeCodeRequest("gpt-4o"),
    upstream: { path: "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", body: claudeCodeOnOpenAI("gpt-4o", "max_completion_tokens") },
  },
  {
    name: "anthropic→openai: a request without marks gets no prompt_cache_key",
    host: "openai.llm", path: "/v1/messages", request: messagesOf("gpt-4o", { system: "Be brief." }),
    upstream: { path: "/v1/chat/completions", body: { model: "gpt-4o", max_completion_tokens: 32, messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }] } },
  },
  // ---- request side: an OpenAI chat client's marks (LiteLLM/OpenRouter convention) ----
  {
    name: "openai→anthropic: marks on parts, tool calls, tool results and tools become cache_control; of five, the last four are kept",
    host: "anthropic.llm", path: "/v1/chat/completions", request: markedChatRequest("claude-sonnet-4-5"),
    upstream: { path: "/v1/messages", body: {
      model: "claude-sonnet-4-5", max_tokens: 32,
      system: [{ type: "text", text: "Sys", cache_control: { type: "ephemeral", ttl: "1h" } }],
      messages: [
        { role: "user", content: [{ type: "text", text: "Q1", cache_control: EPHEMERAL }, { type: "text", text: "Q2" }] },
        { role: "assistant", content: [{ type: "tool_use", id: "call_1", name: "Read", input: { path: "a" }, cache_control: EPHEMERAL }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "call_1", content: [{ type: "text", text: "A" }], cache_control: EPHEMERAL }] },
      ],
      // The first mark in prefix order (tools, system, messages) is the one dropped.
      tools: [{ name: "Read", description: "Read a file", input_schema: READ_SCHEMA }],
    } },
  },
  {
    name: "openai→bedrock: the same marks as cachePoint blocks (1h ttl sent), the last four kept",
    host: "bedrock.llm", path: "/v1/chat/completions", request: markedChatRequest(BEDROCK_MODEL),
    upstream: { path: BEDROCK_PATH, body: {
      messages: [
        { role: "user", content: [{ text: "Q1" }, { cachePoint: { type: "default" } }, { text: "Q2" }] },
        { role: "assistant", content: [{ toolUse: { toolUseId: "call_1", name: "Read", input: { path: "a" } } }, { cachePoint: { type: "default" } }] },
        { role: "user", content: [{ toolResult: { toolUseId: "call_1", content: [{ text: "A" }] } }, { cachePoint: { type: "default" } }] },
      ],
      system: [{ text: "Sys" }, { cachePoint: { type: "default", ttl: "1h" } }],
      inferenceConfig: { maxTokens: 32 },
      toolConfig: { tools: [{ toolSpec: { name: "Read", description: "Read a file", inputSchema: { json: READ_SCHEMA } } }] },
    } },
  },
  {
    name: "openai→bedrock, Nova (a cross-region profile): cachePoints in system and messages only, the 1h ttl sent as the default (Nova caches 5 minutes)",
    host: "bedrock.llm", path: "/v1/chat/completions", request: markedChatRequest("us.amazon.nova-pro-v1:0"),
    upstream: { path: "/model/us.amazon.nova-pro-v1%3A0/converse", body: {
      messages: [
        { role: "user", content: [{ text: "Q1" }, { cachePoint: { type: "default" } }, { text: "Q2" }] },
        { role: "assistant", content: [{ toolUse: { toolUseId: "call_1", name: "Read", input: { path: "a" } } }, { cachePoint: { type: "default" } }] },
        { role: "user", content: [{ toolResult: { toolUseId: "call_1", content: [{ text: "A" }] } }, { cachePoint: { type: "default" } }] },
      ],
      system: [{ text: "Sys" }, { cachePoint: { type: "default" } }],
      inferenceConfig: { maxTokens: 32 },
      toolConfig: { tools: [{ toolSpec: { name: "Read", description: "Read a file", inputSchema: { json: READ_SCHEMA } } }] },
    } },
  },
  {
    name: "openai→bedrock, Claude 3.7 Sonnet: cachePoints everywhere, the 1h ttl sent as the default (1 hour is for the 4.5 models on)",
    host: "bedrock.llm", path: "/v1/chat/completions", request: markedChatRequest("us.anthropic.claude-3-7-sonnet-20250219-v1:0"),
    upstream: { path: "/model/us.anthropic.claude-3-7-sonnet-20250219-v1%3A0/converse", body: expect.objectContaining({
      system: [{ text: "Sys" }, { cachePoint: { type: "default" } }],
      messages: expect.arrayContaining([{ role: "user", content: [{ text: "Q1" }, { cachePoint: { type: "default" } }, { text: "Q2" }] }]),
    }) },
  },
  {
    name: "openai→bedrock, a model without prompt caching (Llama): no cachePoint (Bedrock refuses them on it)",
    host: "bedrock.llm", path: "/v1/chat/completions", request: markedChatRequest("meta.llama3-3-70b-instruct-v1:0"),
    upstream: { path: "/model/meta.llama3-3-70b-instruct-v1%3A0/converse", body: {
      messages: [
        { role: "user", content: [{ text: "Q1" }, { text: "Q2" }] },
        { role: "assistant", content: [{ toolUse: { toolUseId: "call_1", name: "Read", input: { path: "a" } } }] },
        { role: "user", content: [{ toolResult: { toolUseId: "call_1", content: [{ text: "A" }] } }] },
      ],
      system: [{ text: "Sys" }],
      inferenceConfig: { maxTokens: 32 },
      toolConfig: { tools: [{ toolSpec: { name: "Read", description: "Read a file", inputSchema: { json: READ_SCHEMA } } }] },
    } },
  },
  {
    name: "openai→gemini: marks dropped",
    host: "gemini.llm", path: "/v1/chat/completions",
    request: { model: "gemini-2.5-flash", messages: [{ role: "system", content: [{ type: "text", text: "Sys", cache_control: EPHEMERAL }] }, { role: "user", content: [{ type: "text", text: "Q", cache_control: EPHEMERAL }] }] },
    upstream: { path: "/v1beta/models/gemini-2.5-flash:generateContent", body: { contents: [{ role: "user", parts: [{ text: "Q" }] }], systemInstruction: { parts: [{ text: "Sys" }] }, generationConfig: {} } },
  },
  // ---- same API: nothing changes ----
  {
    name: "openai→openai (same API): marks and the client's prompt_cache_key forwarded byte for byte",
    host: "openai.llm", path: "/v1/chat/completions",
    request: "{\"model\":\"gpt-4o\",\"prompt_cache_key\":\"agent-7\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Q\",\"cache_control\":{\"type\":\"ephemeral\"}}]}]}",
    upstream: { path: "/v1/chat/completions", exactBody: "{\"model\":\"gpt-4o\",\"prompt_cache_key\":\"agent-7\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Q\",\"cache_control\":{\"type\":\"ephemeral\"}}]}]}" },
  },
  {
    name: "anthropic→anthropic (same API): Claude Code's marks forwarded byte for byte",
    host: "anthropic.llm", path: "/v1/messages", request: JSON.stringify(claudeCodeRequest("claude-sonnet-4-5")),
    upstream: { path: "/v1/messages", exactBody: JSON.stringify(claudeCodeRequest("claude-sonnet-4-5")) },
  },
  {
    name: "responses→openai (same API): prompt_cache_key forwarded",
    host: "openai.llm", path: "/v1/responses", request: "{\"model\":\"gpt-4o\",\"input\":\"Hi\",\"prompt_cache_key\":\"agent-7\"}",
    upstream: { path: "/v1/responses", exactBody: "{\"model\":\"gpt-4o\",\"input\":\"Hi\",\"prompt_cache_key\":\"agent-7\"}" },
  },
  {
    name: "responses→groq (chat): prompt_cache_key dropped (the vendor documents none)",
    host: "groq.llm", path: "/v1/responses", request: { model: "llama-3.3-70b-versatile", input: "Hi", prompt_cache_key: "agent-7" },
    upstream: { path: "/openai/v1/chat/completions", body: { model: "llama-3.3-70b-versatile", messages: [{ role: "user", content: "Hi" }] } },
  },
  // ---- usage: reads and writes in the client's own fields ----
  { name: "usage: anthropic→openai client, JSON: prompt_tokens include reads and writes; writes in cache_write_tokens",
    host: "anthropic.llm", path: "/v1/chat/completions", request: chatOf("claude-sonnet-4-5"), answer: { body: ANTHROPIC_ANSWER }, clientUsage: CHAT_USAGE },
  { name: "usage: anthropic→openai client, stream with include_usage",
    host: "anthropic.llm", path: "/v1/chat/completions", request: chatOf("claude-sonnet-4-5", { stream: true, stream_options: { include_usage: true } }), answer: { chunks: anthropicStream }, clientUsage: CHAT_USAGE },
  { name: "usage: bedrock→openai client, JSON",
    host: "bedrock.llm", path: "/v1/chat/completions", request: chatOf(BEDROCK_MODEL), answer: { body: BEDROCK_ANSWER }, clientUsage: CHAT_USAGE },
  { name: "usage: bedrock→openai client, stream",
    host: "bedrock.llm", path: "/v1/chat/completions", request: chatOf(BEDROCK_MODEL, { stream: true, stream_options: { include_usage: true } }), answer: { frames: bedrockStream }, clientUsage: CHAT_USAGE },
  { name: "usage: bedrock→anthropic client, JSON: input_tokens exclude reads and writes",
    host: "bedrock.llm", path: "/v1/messages", request: messagesOf(BEDROCK_MODEL), answer: { body: BEDROCK_ANSWER }, clientUsage: MESSAGES_USAGE },
  { name: "usage: bedrock→anthropic client, stream",
    host: "bedrock.llm", path: "/v1/messages", request: messagesOf(BEDROCK_MODEL, { stream: true }), answer: { frames: bedrockStream }, clientUsage: MESSAGES_USAGE },
  { name: "usage: openai→anthropic client, JSON: cached tokens out of input_tokens",
    host: "openai.llm", path: "/v1/messages", request: messagesOf("gpt-4o"), answer: { body: OPENAI_ANSWER },
    clientUsage: { input_tokens: 40, output_tokens: 5, cache_read_input_tokens: 100 } },
  { name: "usage: openai→anthropic client, stream",
    host: "openai.llm", path: "/v1/messages", request: messagesOf("gpt-4o", { stream: true }), answer: { chunks: openaiStream },
    clientUsage: { input_tokens: 40, output_tokens: 5, cache_read_input_tokens: 100 } },
  { name: "usage: gemini→anthropic client, JSON: cachedContentTokenCount as cache_read_input_tokens",
    host: "gemini.llm", path: "/v1/messages", request: messagesOf("gemini-2.5-flash"), answer: { body: GEMINI_ANSWER },
    clientUsage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 100 } },
  { name: "usage: gemini→openai client, JSON: cachedContentTokenCount as cached_tokens",
    host: "gemini.llm", path: "/v1/chat/completions", request: chatOf("gemini-2.5-flash"), answer: { body: GEMINI_ANSWER },
    clientUsage: { prompt_tokens: 110, completion_tokens: 5, total_tokens: 115, prompt_tokens_details: { cached_tokens: 100 } } },
  { name: "usage: anthropic→responses client, JSON: input_tokens include reads and writes; reads in cached_tokens",
    host: "anthropic.llm", path: "/v1/responses", request: { model: "claude-sonnet-4-5", input: "Hi", max_output_tokens: 32 }, answer: { body: ANTHROPIC_ANSWER }, clientUsage: RESPONSES_USAGE },
  { name: "usage: bedrock→responses client, stream",
    host: "bedrock.llm", path: "/v1/responses", request: { model: BEDROCK_MODEL, input: "Hi", stream: true }, answer: { frames: bedrockStream }, clientUsage: RESPONSES_USAGE },
];

/** The usage a client got: from the JSON answer, or the last stream event carrying one. */
export function clientUsageOf(text: string, events: unknown[] | null): unknown {
  if (events === null) return (JSON.parse(text) as { usage?: unknown }).usage;
  let found: unknown;
  for (const e of events) {
    const payload = (e && typeof e === "object" && "event" in (e as object) ? (e as { data: unknown }).data : e) as Record<string, unknown>;
    if (!payload || typeof payload !== "object") continue;
    const usage = (payload.usage ?? (payload.message as Record<string, unknown> | undefined)?.usage ?? (payload.response as Record<string, unknown> | undefined)?.usage);
    if (usage) found = usage;
  }
  return found;
}

export const anyKey = () => expect.stringMatching(/^llm-mesh-[0-9a-f]{32}$/);
