// Web search mapped to each backend's own (assembly/translate/web-search.ts; docs/translation.md
// "Web search") as translation rows: every client's search tool through the hub's
// web_search_options to Anthropic's web_search server tool, Gemini's googleSearch or an OpenAI
// search model, and the cited answer back as url_citation annotations, never as a function call.
// Added to the tables test/unit/translate.test.ts and test/integration/translate.test.ts run.
import { expect } from "vitest";
import { BEDROCK_ROWS, GEMINI_ROWS, TRANSLATION_ROWS, data, sse } from "./translation-rows.js";
import { GEMINI_CLIENT_ROWS } from "./gemini-client-rows.js";

const ev = (event: string, payload: unknown) => ({ event, data: payload });
/** A Responses stream event: its name, and its data holding at least these members. */
const rev = (type: string, rest: Record<string, unknown> = {}) => ({ event: type, data: expect.objectContaining({ type, ...rest }) });
const URL_1 = "https://en.wikipedia.org/wiki/Claude_Shannon";
const TITLE_1 = "Claude Shannon - Wikipedia";
const BORN = "Shannon was born on April 30, 1916.";

/** Anthropic's answer to a searched question: the search (server_tool_use, its result), then cited text. */
export const CLAUDE_SEARCH_ANSWER = {
  id: "msg_ws", type: "message", role: "assistant", model: "claude-sonnet-4-5",
  content: [
    { type: "text", text: "Let me check. " },
    { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: { query: "Claude Shannon birth date" } },
    { type: "web_search_tool_result", tool_use_id: "srvtoolu_1", content: [{ type: "web_search_result", url: URL_1, title: TITLE_1, encrypted_content: "EqgfCioIARgB", page_age: "April 30, 2025" }] },
    { type: "text", text: BORN, citations: [{ type: "web_search_result_location", url: URL_1, title: TITLE_1, encrypted_index: "Eo8BCioIAhgB", cited_text: "Claude Elwood Shannon (April 30, 1916 – February 24, 2001)" }] },
  ],
  stop_reason: "end_turn", stop_sequence: null,
  usage: { input_tokens: 100, output_tokens: 20, server_tool_use: { web_search_requests: 1 } },
};
const CITED_FROM = "Let me check. ".length;
const CITED_TO = CITED_FROM + BORN.length;

/** The same as Anthropic streams it: the search's blocks, then a text block whose citation comes before its text. */
const CLAUDE_SEARCH_STREAM = [
  sse("message_start", { type: "message_start", message: { id: "msg_ws", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [], stop_reason: null, usage: { input_tokens: 100, output_tokens: 1 } } }),
  sse("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: {} } }),
  sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: "{\"query\":\"Shannon\"}" } }),
  sse("content_block_stop", { type: "content_block_stop", index: 0 }),
  sse("content_block_start", { type: "content_block_start", index: 1, content_block: { type: "web_search_tool_result", tool_use_id: "srvtoolu_1", content: [{ type: "web_search_result", url: URL_1, title: TITLE_1, encrypted_content: "Eqgf", page_age: null }] } }),
  sse("content_block_stop", { type: "content_block_stop", index: 1 }),
  sse("content_block_start", { type: "content_block_start", index: 2, content_block: { type: "text", text: "" } }),
  sse("content_block_delta", { type: "content_block_delta", index: 2, delta: { type: "citations_delta", citation: { type: "web_search_result_location", url: URL_1, title: TITLE_1, encrypted_index: "Eo8B", cited_text: "April 30, 1916" } } }),
  sse("content_block_delta", { type: "content_block_delta", index: 2, delta: { type: "text_delta", text: "Born 1916 – é." } }),
  sse("content_block_stop", { type: "content_block_stop", index: 2 }),
  sse("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 9, server_tool_use: { web_search_requests: 1 } } }),
  sse("message_stop", { type: "message_stop" }),
];

/** Gemini's answer grounded in Google Search: segment offsets in UTF-8 bytes ("é" is two). */
const GROUNDED_TEXT = "Café Shannon: born 1916.";
export const GEMINI_SEARCH_ANSWER = {
  candidates: [{
    content: { role: "model", parts: [{ text: GROUNDED_TEXT }] }, finishReason: "STOP", index: 0,
    groundingMetadata: {
      webSearchQueries: ["Claude Shannon birth"],
      searchEntryPoint: { renderedContent: "<div>…</div>" },
      groundingChunks: [{ web: { uri: "https://vertexaisearch.cloud.google.com/grounding-api-redirect/abc", title: "wikipedia.org" } }],
      // Out of order, and one past a two-byte character: offsets are converted in one sorted pass.
      groundingSupports: [{ segment: { startIndex: 15, endIndex: 25, text: "born 1916." }, groundingChunkIndices: [0], confidenceScores: [0.9] },
        { segment: { startIndex: 0, endIndex: 5, text: "Café" }, groundingChunkIndices: [0, 3] }],
    },
  }],
  usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 8, totalTokenCount: 18 }, modelVersion: "gemini-2.5-flash-001", responseId: "g-ws",
};
const GEMINI_CITATION = { type: "url_citation", url_citation: { url: "https://vertexaisearch.cloud.google.com/grounding-api-redirect/abc", title: "wikipedia.org", start_index: 14, end_index: 24 } };

const CLAUDE_TOOL = { type: "web_search_20250305", name: "web_search" };
const LOCATION_FLAT = { type: "approximate", city: "Paris", country: "FR", timezone: "Europe/Paris" };
const WEATHER_CHAT = { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: {} } } };
const RESPONSES_CITATION = { type: "url_citation", url: URL_1, title: TITLE_1, start_index: CITED_FROM, end_index: CITED_TO };
const WEB_SEARCH_CALL = { type: "web_search_call", id: expect.stringMatching(/^ws_/), status: "completed", action: { type: "search", query: "" } };

TRANSLATION_ROWS.push(
  {
    name: "web search: responses→anthropic (composed): web_search becomes the web_search server tool (location, max_tool_calls as max_uses); the cited answer comes back with a web_search_call and url_citation annotations, nothing dropped",
    host: "claude.llm", path: "/v1/responses",
    request: { model: "claude-sonnet-4-5", max_output_tokens: 100, max_tool_calls: 3, input: "When was Shannon born?", tools: [{ type: "web_search", search_context_size: "low", user_location: LOCATION_FLAT }] },
    upstream: { path: "/v1/messages", body: { model: "claude-sonnet-4-5", max_tokens: 100, messages: [{ role: "user", content: [{ type: "text", text: "When was Shannon born?" }] }],
      tools: [{ type: "web_search_20250305", name: "web_search", max_uses: 3, user_location: LOCATION_FLAT }] } },
    answer: { body: CLAUDE_SEARCH_ANSWER },
    client: { status: 200, headers: { "x-llm-mesh-dropped-tools": undefined }, body: expect.objectContaining({ status: "completed", output: [
      WEB_SEARCH_CALL,
      { type: "message", id: expect.any(String), status: "completed", role: "assistant", content: [{ type: "output_text", text: "Let me check. " + BORN, annotations: [RESPONSES_CITATION] }] },
    ] }) },
  },
  {
    name: "web search: responses→anthropic stream (composed): the server tool's blocks are no call; the citation arrives as an annotation event, the web_search_call item after the message",
    host: "claude.llm", path: "/v1/responses",
    request: { model: "claude-sonnet-4-5", max_output_tokens: 100, stream: true, input: "x", tools: [{ type: "function", name: "now" }, { type: "web_search_preview" }] },
    upstream: { path: "/v1/messages", body: expect.objectContaining({ tools: [CLAUDE_TOOL, { name: "now", input_schema: { type: "object", properties: {} } }] }) },
    answer: { chunks: CLAUDE_SEARCH_STREAM },
    client: { status: 200, headers: { "x-llm-mesh-dropped-tools": undefined }, events: [
      rev("response.created"), rev("response.in_progress"),
      rev("response.output_item.added", { output_index: 0, item: expect.objectContaining({ type: "message" }) }),
      rev("response.content_part.added"),
      rev("response.output_text.delta", { delta: "Born 1916 – é." }),
      rev("response.output_text.annotation.added", { annotation_index: 0, annotation: { type: "url_citation", url: URL_1, title: TITLE_1, start_index: 0, end_index: 14 } }),
      rev("response.output_text.done", { text: "Born 1916 – é." }),
      rev("response.content_part.done", { part: { type: "output_text", text: "Born 1916 – é.", annotations: [{ type: "url_citation", url: URL_1, title: TITLE_1, start_index: 0, end_index: 14 }] } }),
      rev("response.output_item.done", { output_index: 0 }),
      rev("response.output_item.added", { output_index: 1, item: expect.objectContaining({ type: "web_search_call", status: "in_progress" }) }),
      rev("response.output_item.done", { output_index: 1, item: WEB_SEARCH_CALL }),
      rev("response.completed", { response: expect.objectContaining({ output: [expect.objectContaining({ type: "message" }), WEB_SEARCH_CALL] }) }),
    ] },
  },
  {
    name: "web search: openai→anthropic: web_search_options becomes the server tool beside the functions; citations become message.annotations",
    host: "claude.llm", path: "/v1/chat/completions",
    request: { model: "claude-sonnet-4-5", max_tokens: 100, messages: [{ role: "user", content: "x" }], tools: [WEATHER_CHAT],
      web_search_options: { search_context_size: "high", user_location: { type: "approximate", approximate: { country: "FR", city: "Paris" } } } },
    upstream: { path: "/v1/messages", body: expect.objectContaining({ tools: [{ type: "web_search_20250305", name: "web_search", user_location: { type: "approximate", country: "FR", city: "Paris" } }, { name: "get_weather", input_schema: { type: "object", properties: {} } }] }) },
    answer: { body: CLAUDE_SEARCH_ANSWER },
    client: { status: 200, headers: { "x-llm-mesh-dropped-tools": undefined }, body: expect.objectContaining({ choices: [{ index: 0, logprobs: null, finish_reason: "stop",
      message: { role: "assistant", content: "Let me check. " + BORN, refusal: null, annotations: [{ type: "url_citation", url_citation: { url: URL_1, title: TITLE_1, start_index: CITED_FROM, end_index: CITED_TO } }] } }] }) },
  },
  {
    name: "web search: openai→anthropic stream: a citations_delta becomes a delta.annotations chunk when its block ends (UTF-16 offsets)",
    host: "claude.llm", path: "/v1/chat/completions",
    request: { model: "claude-sonnet-4-5", max_tokens: 100, stream: true, messages: [{ role: "user", content: "x" }], web_search_options: {} },
    upstream: { path: "/v1/messages", body: expect.objectContaining({ tools: [CLAUDE_TOOL] }) },
    answer: { chunks: CLAUDE_SEARCH_STREAM },
    client: { status: 200, events: [
      expect.objectContaining({ choices: [expect.objectContaining({ delta: { role: "assistant", content: "" } })] }),
      expect.objectContaining({ choices: [expect.objectContaining({ delta: { content: "Born 1916 – é." } })] }),
      expect.objectContaining({ choices: [expect.objectContaining({ delta: { annotations: [{ type: "url_citation", url_citation: { url: URL_1, title: TITLE_1, start_index: 0, end_index: 14 } }] } })] }),
      expect.objectContaining({ choices: [expect.objectContaining({ delta: {}, finish_reason: "stop" })] }),
      "[DONE]",
    ] },
  },
  {
    name: "web search: openai→anthropic: a malformed web_search_options is a 400 naming the field",
    host: "claude.llm", path: "/v1/chat/completions",
    request: { model: "claude-sonnet-4-5", max_tokens: 10, messages: [{ role: "user", content: "x" }], web_search_options: { search_context_size: "huge" } },
    reply: { status: 400, body: { error: expect.objectContaining({ message: "web_search_options.search_context_size: must be low, medium or high" }) } },
  },
  {
    name: "web search: anthropic→openai: a search model takes web_search_options (location mapped)",
    host: "gpt.llm", path: "/v1/messages",
    request: { model: "gpt-4o-search-preview", max_tokens: 10, messages: [{ role: "user", content: "x" }], tools: [{ type: "web_search_20250305", name: "web_search", user_location: LOCATION_FLAT }] },
    upstream: { path: "/v1/chat/completions", body: expect.objectContaining({ web_search_options: { user_location: { type: "approximate", approximate: { city: "Paris", country: "FR", timezone: "Europe/Paris" } } } }) },
  },
  {
    name: "web search: anthropic→openai: a model without web_search_options gets no search, named in x-llm-mesh-dropped-tools (hostedTools: drop)",
    host: "gpt.llm", path: "/v1/messages",
    request: { model: "gpt-4o", max_tokens: 10, messages: [{ role: "user", content: "x" }], tools: [{ type: "web_search_20260209", name: "web_search" }] },
    upstream: { path: "/v1/chat/completions", body: { model: "gpt-4o", max_completion_tokens: 10, messages: [{ role: "user", content: "x" }] } },
    answer: { body: { id: "chatcmpl-1", object: "chat.completion", created: 1, model: "gpt-4o", choices: [{ index: 0, message: { role: "assistant", content: "Hi" }, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } } },
    client: { status: 200, headers: { "x-llm-mesh-dropped-tools": "web_search" }, body: expect.objectContaining({ content: [{ type: "text", text: "Hi" }] }) },
  },
  {
    name: "web search: anthropic→openai: a web search tool with a bad max_uses is a 400 in Anthropic's shape",
    host: "gpt.llm", path: "/v1/messages",
    request: { model: "gpt-4o-search-preview", max_tokens: 10, messages: [{ role: "user", content: "x" }], tools: [{ type: "web_search_20250305", name: "web_search", max_uses: 0 }] },
    reply: { status: 400, body: { type: "error", error: { type: "invalid_request_error", message: "tools.0.max_uses: must be a positive integer" } } },
  },
  {
    name: "web search: responses→openai chat search model: web_search becomes web_search_options; annotations become output_text annotations and a web_search_call",
    host: "groq.llm", path: "/v1/responses",
    request: { model: "gpt-4o-search-preview", input: "x", tools: [{ type: "web_search_preview_2025_03_11", search_context_size: "medium" }] },
    upstream: { path: "/openai/v1/chat/completions", body: { model: "gpt-4o-search-preview", messages: [{ role: "user", content: "x" }], web_search_options: { search_context_size: "medium" } } },
    answer: { body: { id: "chatcmpl-s", object: "chat.completion", created: 1, model: "gpt-4o-search-preview", choices: [{ index: 0, finish_reason: "stop",
      message: { role: "assistant", content: "Let me check. " + BORN, annotations: [{ type: "url_citation", url_citation: { url: URL_1, title: TITLE_1, start_index: CITED_FROM, end_index: CITED_TO } }] } }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } } },
    client: { status: 200, headers: { "x-llm-mesh-dropped-tools": undefined }, body: expect.objectContaining({ output: [WEB_SEARCH_CALL,
      { type: "message", id: expect.any(String), status: "completed", role: "assistant", content: [{ type: "output_text", text: "Let me check. " + BORN, annotations: [RESPONSES_CITATION] }] }] }) },
  },
);

GEMINI_ROWS.push(
  {
    name: "web search: responses→gemini (composed): web_search alone becomes googleSearch; groundingMetadata becomes url_citation annotations (byte offsets as UTF-16)",
    host: "gemini.llm", path: "/v1/responses",
    request: { model: "gemini-2.5-flash", input: "x", tools: [{ type: "web_search" }] },
    upstream: { path: "/v1beta/models/gemini-2.5-flash:generateContent", body: { contents: [{ role: "user", parts: [{ text: "x" }] }], tools: [{ googleSearch: {} }], generationConfig: {} } },
    answer: { body: GEMINI_SEARCH_ANSWER },
    client: { status: 200, headers: { "x-llm-mesh-dropped-tools": undefined }, body: expect.objectContaining({ output: [WEB_SEARCH_CALL,
      { type: "message", id: expect.any(String), status: "completed", role: "assistant", content: [{ type: "output_text", text: GROUNDED_TEXT,
        annotations: [{ type: "url_citation", url: GEMINI_CITATION.url_citation.url, title: "wikipedia.org", start_index: 14, end_index: 24 },
          { type: "url_citation", url: GEMINI_CITATION.url_citation.url, title: "wikipedia.org", start_index: 0, end_index: 4 }] }] }] }) },
  },
  {
    name: "web search: openai→gemini stream: googleSearch; the grounding chunk becomes a delta.annotations chunk",
    host: "gemini.llm", path: "/v1/chat/completions",
    request: { model: "gemini-2.5-flash", stream: true, messages: [{ role: "user", content: "x" }], web_search_options: {} },
    upstream: { path: "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", body: expect.objectContaining({ tools: [{ googleSearch: {} }] }) },
    answer: { chunks: [
      data({ candidates: [{ content: { role: "model", parts: [{ text: "born 1916." }] }, index: 0 }], modelVersion: "gemini-2.5-flash-001", responseId: "g" }),
      data({ candidates: [{ content: { role: "model", parts: [{ text: "" }] }, finishReason: "STOP", index: 0,
        groundingMetadata: { groundingChunks: [{ web: { uri: "https://a.example/x", title: "a.example" } }], groundingSupports: [{ segment: { startIndex: 0, endIndex: 10 }, groundingChunkIndices: [0, 7] }] } }],
        usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 3, totalTokenCount: 5 } }),
    ] },
    client: { status: 200, events: [
      expect.objectContaining({ choices: [expect.objectContaining({ delta: { role: "assistant", content: "" } })] }),
      expect.objectContaining({ choices: [expect.objectContaining({ delta: { content: "born 1916." } })] }),
      expect.objectContaining({ choices: [expect.objectContaining({ delta: { annotations: [{ type: "url_citation", url_citation: { url: "https://a.example/x", title: "a.example", start_index: 0, end_index: 10 } }] } })] }),
      expect.objectContaining({ choices: [expect.objectContaining({ finish_reason: "stop" })] }),
      "[DONE]",
    ] },
  },
  {
    // A stream's piece has no whole text to convert against: offsets pass as given, but never wrapped to negatives.
    name: "web search: openai→gemini stream: segment offsets past 2^31 from a hostile provider are held at 2^31 - 1, never negative",
    host: "gemini.llm", path: "/v1/chat/completions",
    request: { model: "gemini-2.5-flash", stream: true, messages: [{ role: "user", content: "x" }], web_search_options: {} },
    upstream: { path: "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", body: expect.objectContaining({ tools: [{ googleSearch: {} }] }) },
    answer: { chunks: [
      data({ candidates: [{ content: { role: "model", parts: [{ text: "x" }] }, finishReason: "STOP", index: 0,
        groundingMetadata: { groundingChunks: [{ web: { uri: "https://a.example/x", title: "a.example" } }],
          groundingSupports: [{ segment: { startIndex: 2 ** 31, endIndex: 2 ** 53 - 1 }, groundingChunkIndices: [0] }, { segment: { startIndex: 3, endIndex: 1e15 }, groundingChunkIndices: [0] }] } }],
        usageMetadata: { promptTokenCount: 2, candidatesTokenCount: 3, totalTokenCount: 5 } }),
    ] },
    client: { status: 200, events: [
      expect.objectContaining({ choices: [expect.objectContaining({ delta: { role: "assistant", content: "" } })] }),
      expect.objectContaining({ choices: [expect.objectContaining({ delta: { content: "x" } })] }),
      expect.objectContaining({ choices: [expect.objectContaining({ delta: { annotations: [
        { type: "url_citation", url_citation: { url: "https://a.example/x", title: "a.example", start_index: 2 ** 31 - 1, end_index: 2 ** 31 - 1 } },
        { type: "url_citation", url_citation: { url: "https://a.example/x", title: "a.example", start_index: 3, end_index: 2 ** 31 - 1 } }] } })] }),
      expect.objectContaining({ choices: [expect.objectContaining({ finish_reason: "stop" })] }),
      "[DONE]",
    ] },
  },
  {
    name: "web search: openai→gemini: beside function tools Gemini takes no googleSearch: left out and named (hostedTools: drop)",
    host: "gemini.llm", path: "/v1/chat/completions",
    request: { model: "gemini-2.5-flash", messages: [{ role: "user", content: "x" }], tools: [WEATHER_CHAT], web_search_options: {} },
    upstream: { path: "/v1beta/models/gemini-2.5-flash:generateContent", body: expect.objectContaining({ tools: [{ functionDeclarations: [{ name: "get_weather", parametersJsonSchema: { type: "object", properties: {} } }] }] }) },
    answer: { body: GEMINI_SEARCH_ANSWER },
    client: { status: 200, headers: { "x-llm-mesh-dropped-tools": "web_search" }, body: expect.objectContaining({ object: "chat.completion" }) },
  },
  {
    name: "web search: anthropic→gemini (composed): web_search_20250305 becomes googleSearch; the grounded text comes back (citations have no Anthropic form from Gemini: dropped)",
    host: "gemini.llm", path: "/v1/messages",
    request: { model: "gemini-2.5-flash", max_tokens: 100, messages: [{ role: "user", content: "x" }], tools: [{ type: "web_search_20250305", name: "web_search", max_uses: 2 }] },
    upstream: { path: "/v1beta/models/gemini-2.5-flash:generateContent", body: expect.objectContaining({ tools: [{ googleSearch: {} }] }) },
    answer: { body: GEMINI_SEARCH_ANSWER },
    client: { status: 200, headers: { "x-llm-mesh-dropped-tools": undefined }, body: expect.objectContaining({ type: "message", stop_reason: "end_turn", content: [{ type: "text", text: GROUNDED_TEXT }] }) },
  },
);

BEDROCK_ROWS.push({
  name: "web search: openai→bedrock: Converse has no web search: web_search_options left out and named (hostedTools: drop)",
  host: "bedrock.llm", path: "/v1/chat/completions",
  request: { model: "anthropic.claude-3-5-sonnet-20240620-v1:0", messages: [{ role: "user", content: "x" }], web_search_options: {} },
  upstream: { path: "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse", body: { messages: [{ role: "user", content: [{ text: "x" }] }], inferenceConfig: {} } },
  answer: { body: { output: { message: { role: "assistant", content: [{ text: "Hi" }] } }, stopReason: "end_turn", usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 }, metrics: { latencyMs: 1 } } },
  client: { status: 200, headers: { "x-llm-mesh-dropped-tools": "web_search" }, body: expect.objectContaining({ object: "chat.completion" }) },
});

// Gemini-native clients (test/unit/gemini-clients.test.ts): googleSearch is a search where the backend has one.
GEMINI_CLIENT_ROWS.push(
  {
    name: "web search: gemini→anthropic (composed): googleSearch becomes the web_search server tool; the cited text comes back as text, nothing dropped",
    host: "claude.llm", path: "/v1beta/models/claude-sonnet-4-5:generateContent",
    request: { contents: [{ role: "user", parts: [{ text: "When was Shannon born?" }] }], tools: [{ googleSearch: {} }] },
    upstream: { path: "/v1/messages", body: expect.objectContaining({ tools: [CLAUDE_TOOL] }) },
    answer: { body: CLAUDE_SEARCH_ANSWER },
    client: { status: 200, headers: { "x-llm-mesh-dropped-tools": undefined }, body: expect.objectContaining({
      candidates: [expect.objectContaining({ content: { role: "model", parts: [{ text: "Let me check. " + BORN }] }, finishReason: "STOP" })] }) },
  },
  {
    name: "web search: gemini→openai: a search model takes googleSearch as web_search_options",
    host: "openai.llm", path: "/v1beta/models/gpt-4o-search-preview:generateContent",
    request: { contents: [{ role: "user", parts: [{ text: "x" }] }], tools: [{ googleSearch: {} }] },
    upstream: { path: "/v1/chat/completions", body: expect.objectContaining({ web_search_options: {} }) },
  },
  {
    name: "web search: gemini→openai: a googleSearch that is not an object is a 400",
    host: "claude.llm", path: "/v1beta/models/claude-sonnet-4-5:generateContent",
    request: { contents: [{ role: "user", parts: [{ text: "x" }] }], tools: [{ googleSearch: true }] },
    reply: { status: 400, body: { error: expect.objectContaining({ message: "tools[0].googleSearch: must be an object" }) } },
  },
);
