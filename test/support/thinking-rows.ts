// Thinking and reasoning across APIs as translation rows (assembly/translate/reasoning.ts): request
// settings mapped by one budget <-> effort table, thoughts and their signatures in answers and
// streams, earlier thinking and Gemini thought signatures sent back unchanged. Added to the tables
// test/unit/translate.test.ts runs through the host emulator.
import { createHash } from "node:crypto";
import { expect } from "vitest";
import { BEDROCK_ROWS, GEMINI_ROWS, TRANSLATION_ROWS, awsEvent, data, sse } from "./translation-rows.js";

const ev = (event: string, payload: unknown) => ({ event, data: payload });
/** A Responses stream event: its name, and its data holding at least these members. */
const rev = (type: string, rest: Record<string, unknown> = {}) => ({ event: type, data: expect.objectContaining({ type, ...rest }) });
const chatChunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  ({ id: "chatcmpl-r", object: "chat.completion.chunk", created: 1700000000, model: "deepseek-reasoner", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });

/** A thought signature as Gemini sends it (standard base64: "+", "/" and padding), and as it rides inside a call id. */
export const GEMINI_SIGNATURE = "+/+/Z2V0X3dlYXRoZXI=";
export const SIGNED_CALL_ID = "call_0__ts_-_-_Z2V0X3dlYXRoZXI";
const CLAUDE_SIGNATURE = "EqQBCkYIBxgCKkDsig==";
const WEATHER_PARAMS = { type: "object", properties: { city: { type: "string" } }, required: ["city"] };
const WEATHER_CHAT = { type: "function", function: { name: "get_weather", parameters: WEATHER_PARAMS } };
const WEATHER_ANTHROPIC = { name: "get_weather", input_schema: WEATHER_PARAMS };
const WEATHER_GEMINI = { functionDeclarations: [{ name: "get_weather", parametersJsonSchema: WEATHER_PARAMS }] };
const BEDROCK_CLAUDE = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const BEDROCK_PATH = `/model/${encodeURIComponent(BEDROCK_CLAUDE)}/converse`;

const CLAUDE_THINKING_ANSWER = {
  id: "msg_t", type: "message", role: "assistant", model: "claude-sonnet-4-5",
  content: [{ type: "thinking", thinking: "The user wants weather.", signature: CLAUDE_SIGNATURE }, { type: "redacted_thinking", data: "opaque-bytes" }, { type: "text", text: "Sunny." }],
  stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 10, output_tokens: 30 },
};
const GEMINI_SIGNED_CALL = {
  candidates: [{ content: { role: "model", parts: [{ text: "Weather needs a tool.", thought: true }, { functionCall: { name: "get_weather", args: { city: "Paris" } }, thoughtSignature: GEMINI_SIGNATURE }] }, finishReason: "STOP", index: 0 }],
  usageMetadata: { promptTokenCount: 8, candidatesTokenCount: 5, thoughtsTokenCount: 7, totalTokenCount: 20 }, modelVersion: "gemini-3-pro-preview", responseId: "r1",
};

TRANSLATION_ROWS.push(
  {
    name: "thinking: anthropic→openai: budgeted thinking is reasoning_effort by the budget table (8192: medium)",
    host: "gpt.llm", path: "/v1/messages",
    request: { model: "o4-mini", max_tokens: 16000, thinking: { type: "enabled", budget_tokens: 8192 }, messages: [{ role: "user", content: "Hi" }] },
    upstream: { path: "/v1/chat/completions", body: { model: "o4-mini", messages: [{ role: "user", content: "Hi" }], max_completion_tokens: 16000, reasoning_effort: "medium" } },
    answer: { body: { id: "chatcmpl-r", object: "chat.completion", created: 1700000000, model: "o4-mini",
      choices: [{ index: 0, message: { role: "assistant", content: "Hello.", reasoning_content: "Greet back." }, finish_reason: "stop" }],
      usage: { prompt_tokens: 5, completion_tokens: 40, total_tokens: 45, completion_tokens_details: { reasoning_tokens: 32 } } } },
    client: { status: 200, body: { id: "chatcmpl-r", type: "message", role: "assistant", model: "o4-mini",
      content: [{ type: "thinking", thinking: "Greet back.", signature: "" }, { type: "text", text: "Hello." }],
      stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 5, output_tokens: 40 } } },
  },
  {
    name: "thinking: anthropic→openai: adaptive thinking takes output_config.effort (xhigh) as reasoning_effort",
    host: "gpt.llm", path: "/v1/messages",
    request: { model: "gpt-5.2", max_tokens: 64000, thinking: { type: "adaptive" }, output_config: { effort: "xhigh" }, messages: [{ role: "user", content: "Hi" }] },
    upstream: { path: "/v1/chat/completions", body: { model: "gpt-5.2", messages: [{ role: "user", content: "Hi" }], max_completion_tokens: 64000, reasoning_effort: "xhigh" } },
  },
  {
    name: "thinking: anthropic→openai: disabled thinking is reasoning_effort none",
    host: "gpt.llm", path: "/v1/messages",
    request: { model: "gpt-5.1", max_tokens: 100, thinking: { type: "disabled" }, messages: [{ role: "user", content: "Hi" }] },
    upstream: { path: "/v1/chat/completions", body: { model: "gpt-5.1", messages: [{ role: "user", content: "Hi" }], max_completion_tokens: 100, reasoning_effort: "none" } },
  },
  {
    name: "thinking: anthropic→openai: a model that does not reason (gpt-4o refuses reasoning_effort) gets no reasoning_effort",
    host: "gpt.llm", path: "/v1/messages",
    request: { model: "gpt-4o", max_tokens: 8000, thinking: { type: "enabled", budget_tokens: 4096 }, messages: [{ role: "user", content: "Hi" }] },
    upstream: { path: "/v1/chat/completions", body: { model: "gpt-4o", messages: [{ role: "user", content: "Hi" }], max_completion_tokens: 8000 } },
  },
  {
    name: "thinking: responses→groq: reasoning.effort for a model that does not reason is left out",
    host: "groq.llm", path: "/v1/responses",
    request: { model: "llama-3.3-70b-versatile", input: "Hi", reasoning: { effort: "medium" } },
    upstream: { path: "/openai/v1/chat/completions", body: { model: "llama-3.3-70b-versatile", messages: [{ role: "user", content: "Hi" }] } },
  },
  {
    name: "thinking: anthropic→openai: a budget under Anthropic's floor is refused in Anthropic's shape",
    host: "gpt.llm", path: "/v1/messages",
    request: { model: "o4-mini", max_tokens: 100, thinking: { type: "enabled", budget_tokens: 100 }, messages: [{ role: "user", content: "Hi" }] },
    reply: { status: 400, body: { type: "error", error: { type: "invalid_request_error", message: "thinking.budget_tokens: must be an integer >= 1024" } } },
  },
  {
    name: "thinking: anthropic→openai: earlier thinking blocks are not sent to an OpenAI backend (it takes none)",
    host: "gpt.llm", path: "/v1/messages",
    request: { model: "o4-mini", max_tokens: 100, messages: [{ role: "user", content: "Hi" },
      { role: "assistant", content: [{ type: "thinking", thinking: "hmm", signature: CLAUDE_SIGNATURE }, { type: "text", text: "Hello" }] }, { role: "user", content: "Again" }] },
    upstream: { path: "/v1/chat/completions", body: { model: "o4-mini", messages: [{ role: "user", content: "Hi" }, { role: "assistant", content: "Hello" }, { role: "user", content: "Again" }], max_completion_tokens: 100 } },
  },
  {
    name: "thinking: anthropic→openai stream: reasoning_content deltas are a thinking block before the text",
    host: "gpt.llm", path: "/v1/messages",
    request: { model: "deepseek-reasoner", max_tokens: 100, stream: true, thinking: { type: "enabled", budget_tokens: 2048 }, messages: [{ role: "user", content: "Hi" }] },
    answer: { chunks: [
      data(chatChunk({ role: "assistant", content: "" })),
      data(chatChunk({ reasoning_content: "Think" })),
      data(chatChunk({ reasoning_content: "ing." })),
      data(chatChunk({ content: "Done." })),
      data(chatChunk({}, "stop")),
      data({ ...chatChunk({}), choices: [], usage: { prompt_tokens: 3, completion_tokens: 9, total_tokens: 12, completion_tokens_details: { reasoning_tokens: 6 } } }),
      data("[DONE]"),
    ] },
    client: { status: 200, events: [
      ev("message_start", expect.objectContaining({ type: "message_start" })),
      ev("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "", signature: "" } }),
      ev("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "Think" } }),
      ev("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "ing." } }),
      ev("content_block_stop", { type: "content_block_stop", index: 0 }),
      ev("content_block_start", { type: "content_block_start", index: 1, content_block: { type: "text", text: "" } }),
      ev("content_block_delta", { type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "Done." } }),
      ev("content_block_stop", { type: "content_block_stop", index: 1 }),
      ev("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { input_tokens: 3, output_tokens: 9 } }),
      ev("message_stop", { type: "message_stop" }),
    ] },
  },
  {
    name: "thinking: openai→anthropic: reasoning_effort high is a 24576 budget; max_tokens grows to hold it; temperature dropped",
    host: "claude.llm", path: "/v1/chat/completions",
    request: { model: "claude-sonnet-4-5", reasoning_effort: "high", temperature: 0.3, top_p: 0.5, messages: [{ role: "user", content: "Hi" }] },
    upstream: { path: "/v1/messages", body: { model: "claude-sonnet-4-5", messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }], max_tokens: 4096 + 24576, thinking: { type: "enabled", budget_tokens: 24576 } } },
    answer: { body: CLAUDE_THINKING_ANSWER },
    client: { status: 200, body: { id: "msg_t", object: "chat.completion", created: expect.any(Number), model: "claude-sonnet-4-5",
      choices: [{ index: 0, message: { role: "assistant", content: "Sunny.", refusal: null, reasoning_content: "The user wants weather.", reasoning_signature: CLAUDE_SIGNATURE, reasoning_redacted: "opaque-bytes" }, logprobs: null, finish_reason: "stop" }],
      usage: { prompt_tokens: 10, completion_tokens: 30, total_tokens: 40, prompt_tokens_details: { cached_tokens: 0 } } } },
  },
  {
    name: "thinking: openai→anthropic: a budget that does not fit under max_tokens is lowered; under 1024 thinking is left out",
    host: "claude.llm", path: "/v1/chat/completions",
    request: { model: "claude-sonnet-4-5", reasoning_effort: "medium", max_completion_tokens: 5000, messages: [{ role: "user", content: "Hi" }] },
    upstream: { path: "/v1/messages", body: { model: "claude-sonnet-4-5", messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }], max_tokens: 5000, thinking: { type: "enabled", budget_tokens: 4999 } } },
  },
  {
    name: "thinking: openai→anthropic: low effort under a 1000-token limit: no thinking, temperature kept",
    host: "claude.llm", path: "/v1/chat/completions",
    request: { model: "claude-sonnet-4-5", reasoning_effort: "low", max_tokens: 1000, temperature: 0.3, messages: [{ role: "user", content: "Hi" }] },
    upstream: { path: "/v1/messages", body: { model: "claude-sonnet-4-5", messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }], max_tokens: 1000, temperature: 0.3 } },
  },
  {
    name: "thinking: openai→anthropic: an unknown reasoning_effort is refused in OpenAI's shape",
    host: "claude.llm", path: "/v1/chat/completions",
    request: { model: "claude-sonnet-4-5", reasoning_effort: "extreme", messages: [{ role: "user", content: "Hi" }] },
    reply: { status: 400, body: { error: { message: "reasoning_effort: must be none, minimal, low, medium, high, xhigh or max", type: "invalid_request_error", param: null, code: "unsupported_for_backend" } } },
  },
  {
    name: "thinking: openai→anthropic: earlier reasoning with its signature goes back first in the assistant turn",
    host: "claude.llm", path: "/v1/chat/completions",
    request: { model: "claude-sonnet-4-5", reasoning_effort: "low", max_tokens: 4000, tools: [WEATHER_CHAT], messages: [{ role: "user", content: "Weather?" },
      { role: "assistant", content: null, reasoning_content: "Use the tool.", reasoning_signature: CLAUDE_SIGNATURE, tool_calls: [{ id: "toolu_1", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" } }] },
      { role: "tool", tool_call_id: "toolu_1", content: "18C" }] },
    upstream: { path: "/v1/messages", body: expect.objectContaining({ thinking: { type: "enabled", budget_tokens: 1024 }, messages: [
      { role: "user", content: [{ type: "text", text: "Weather?" }] },
      { role: "assistant", content: [{ type: "thinking", thinking: "Use the tool.", signature: CLAUDE_SIGNATURE }, { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "18C" }] },
    ] }) },
  },
  {
    name: "thinking: openai→anthropic: a tool turn sent back without its thinking (runTools drops it): thinking is left out of that request, not refused",
    host: "claude.llm", path: "/v1/chat/completions",
    request: { model: "claude-sonnet-4-5", reasoning_effort: "low", max_tokens: 4000, temperature: 0.3, tools: [WEATHER_CHAT], messages: [{ role: "user", content: "Weather?" },
      { role: "assistant", content: null, tool_calls: [{ id: "toolu_1", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" } }] },
      { role: "tool", tool_call_id: "toolu_1", content: "18C" }] },
    upstream: { path: "/v1/messages", body: { model: "claude-sonnet-4-5", max_tokens: 4000, temperature: 0.3, tools: [WEATHER_ANTHROPIC], messages: [
      { role: "user", content: [{ type: "text", text: "Weather?" }] },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "18C" }] },
    ] } },
  },
  {
    name: "thinking: openai→anthropic stream: thinking and signature deltas are reasoning_content and reasoning_signature deltas",
    host: "claude.llm", path: "/v1/chat/completions",
    request: { model: "claude-sonnet-4-5", reasoning_effort: "low", max_tokens: 4000, stream: true, messages: [{ role: "user", content: "Hi" }] },
    answer: { chunks: [
      sse("message_start", { type: "message_start", message: { id: "msg_s1", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [], usage: { input_tokens: 4, output_tokens: 1 } } }),
      sse("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "", signature: "" } }),
      sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "Hmm." } }),
      sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: CLAUDE_SIGNATURE } }),
      sse("content_block_stop", { type: "content_block_stop", index: 0 }),
      sse("content_block_start", { type: "content_block_start", index: 1, content_block: { type: "redacted_thinking", data: "opaque-bytes" } }),
      sse("content_block_stop", { type: "content_block_stop", index: 1 }),
      sse("content_block_delta", { type: "content_block_delta", index: 2, delta: { type: "text_delta", text: "Hi" } }),
      sse("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 9 } }),
      sse("message_stop", { type: "message_stop" }),
    ] },
    client: { status: 200, events: [
      expect.objectContaining({ choices: [expect.objectContaining({ delta: { role: "assistant", content: "" } })] }),
      expect.objectContaining({ choices: [expect.objectContaining({ delta: { reasoning_content: "Hmm." } })] }),
      expect.objectContaining({ choices: [expect.objectContaining({ delta: { reasoning_signature: CLAUDE_SIGNATURE } })] }),
      expect.objectContaining({ choices: [expect.objectContaining({ delta: { reasoning_redacted: "opaque-bytes" } })] }),
      expect.objectContaining({ choices: [expect.objectContaining({ delta: { content: "Hi" } })] }),
      expect.objectContaining({ choices: [expect.objectContaining({ finish_reason: "stop" })] }),
      "[DONE]",
    ] },
  },
  {
    name: "thinking: responses→openai: reasoning.effort is reasoning_effort (no hub fields to OpenAI)",
    host: "groq.llm", path: "/v1/responses",
    request: { model: "openai/gpt-oss-120b", input: "Hi", reasoning: { effort: "high", summary: "auto" } },
    upstream: { path: "/openai/v1/chat/completions", body: { model: "openai/gpt-oss-120b", messages: [{ role: "user", content: "Hi" }], reasoning_effort: "high" } },
  },
  {
    name: "thinking: responses→anthropic (composed): reasoning.effort is a thinking budget; thinking is a reasoning item with the signature as encrypted_content",
    host: "claude.llm", path: "/v1/responses",
    request: { model: "claude-sonnet-4-5", input: "Weather?", max_output_tokens: 20000, reasoning: { effort: "medium" } },
    upstream: { path: "/v1/messages", body: { model: "claude-sonnet-4-5", messages: [{ role: "user", content: [{ type: "text", text: "Weather?" }] }], max_tokens: 20000, thinking: { type: "enabled", budget_tokens: 8192 } } },
    answer: { body: CLAUDE_THINKING_ANSWER },
    client: { status: 200, body: expect.objectContaining({ output: [
      { type: "reasoning", id: expect.any(String), summary: [{ type: "summary_text", text: "The user wants weather." }], encrypted_content: CLAUDE_SIGNATURE },
      { type: "message", id: expect.any(String), status: "completed", role: "assistant", content: [{ type: "output_text", text: "Sunny.", annotations: [] }] },
    ] }) },
  },
  {
    name: "thinking: responses→anthropic (composed): a reasoning input item goes back as the thinking block before its tool use",
    host: "claude.llm", path: "/v1/responses",
    request: { model: "claude-sonnet-4-5", max_output_tokens: 4000, reasoning: { effort: "low" }, tools: [{ type: "function", name: "get_weather", parameters: WEATHER_PARAMS }], input: [
      { role: "user", content: "Weather?" },
      { type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "Use the tool." }], encrypted_content: CLAUDE_SIGNATURE },
      { type: "function_call", call_id: "toolu_1", name: "get_weather", arguments: "{\"city\":\"Paris\"}" },
      { type: "function_call_output", call_id: "toolu_1", output: "18C" },
    ] },
    upstream: { path: "/v1/messages", body: expect.objectContaining({ messages: [
      { role: "user", content: [{ type: "text", text: "Weather?" }] },
      { role: "assistant", content: [{ type: "thinking", thinking: "Use the tool.", signature: CLAUDE_SIGNATURE }, { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "18C" }] },
    ] }) },
  },
  {
    name: "thinking: responses→anthropic stream (composed): thinking streams as a reasoning item's summary, then the message",
    host: "claude.llm", path: "/v1/responses",
    request: { model: "claude-sonnet-4-5", input: "x", stream: true, max_output_tokens: 4000, reasoning: { effort: "low" } },
    answer: { chunks: [
      sse("message_start", { type: "message_start", message: { id: "msg_s1", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [], usage: { input_tokens: 4, output_tokens: 1 } } }),
      sse("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "", signature: "" } }),
      sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "Hmm." } }),
      sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: CLAUDE_SIGNATURE } }),
      sse("content_block_stop", { type: "content_block_stop", index: 0 }),
      sse("content_block_delta", { type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "Yo" } }),
      sse("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 2 } }),
      sse("message_stop", { type: "message_stop" }),
    ] },
    client: { status: 200, events: [
      rev("response.created"),
      rev("response.in_progress"),
      rev("response.output_item.added", { output_index: 0, item: { type: "reasoning", id: expect.any(String), summary: [] } }),
      rev("response.reasoning_summary_part.added", { summary_index: 0, part: { type: "summary_text", text: "" } }),
      rev("response.reasoning_summary_text.delta", { output_index: 0, summary_index: 0, delta: "Hmm." }),
      rev("response.reasoning_summary_text.done", { text: "Hmm." }),
      rev("response.reasoning_summary_part.done", { part: { type: "summary_text", text: "Hmm." } }),
      rev("response.output_item.done", { output_index: 0, item: { type: "reasoning", id: expect.any(String), summary: [{ type: "summary_text", text: "Hmm." }], encrypted_content: CLAUDE_SIGNATURE } }),
      rev("response.output_item.added", { output_index: 1 }),
      rev("response.content_part.added"),
      rev("response.output_text.delta", { delta: "Yo" }),
      rev("response.output_text.done"),
      rev("response.content_part.done"),
      rev("response.output_item.done", { output_index: 1 }),
      rev("response.completed"),
    ] },
  },
);

GEMINI_ROWS.push(
  {
    name: "thinking: openai→gemini: reasoning_effort is a thinkingBudget on Gemini 2.5, with thoughts included",
    host: "gemini.llm", path: "/v1/chat/completions",
    request: { model: "gemini-2.5-flash", reasoning_effort: "medium", messages: [{ role: "user", content: "Hi" }] },
    upstream: { path: "/v1beta/models/gemini-2.5-flash:generateContent", body: { contents: [{ role: "user", parts: [{ text: "Hi" }] }], generationConfig: { thinkingConfig: { includeThoughts: true, thinkingBudget: 8192 } } } },
  },
  {
    name: "thinking: openai→gemini: reasoning_effort is a thinkingLevel on Gemini 3 (low and below: low; above: high)",
    host: "gemini.llm", path: "/v1/chat/completions",
    request: { model: "gemini-3-pro-preview", reasoning_effort: "minimal", messages: [{ role: "user", content: "Hi" }] },
    upstream: { path: "/v1beta/models/gemini-3-pro-preview:generateContent", body: { contents: [{ role: "user", parts: [{ text: "Hi" }] }], generationConfig: { thinkingConfig: { includeThoughts: true, thinkingLevel: "low" } } } },
  },
  {
    name: "thinking: openai→gemini: a call's thought signature is extra_content.google.thought_signature; thoughts are reasoning_content; thoughts tokens are reasoning tokens",
    host: "gemini.llm", path: "/v1/chat/completions",
    request: { model: "gemini-3-pro-preview", messages: [{ role: "user", content: "Weather?" }], tools: [WEATHER_CHAT] },
    answer: { body: GEMINI_SIGNED_CALL },
    client: { status: 200, body: { id: "chatcmpl-r1", object: "chat.completion", created: expect.any(Number), model: "gemini-3-pro-preview",
      choices: [{ index: 0, message: { role: "assistant", content: null, refusal: null, reasoning_content: "Weather needs a tool.",
        tool_calls: [{ id: SIGNED_CALL_ID, type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" }, extra_content: { google: { thought_signature: GEMINI_SIGNATURE } } }] }, logprobs: null, finish_reason: "tool_calls" }],
      usage: { prompt_tokens: 8, completion_tokens: 12, total_tokens: 20, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 7 } } } },
  },
  {
    name: "thinking: openai→gemini: a call sent back with its extra_content signature carries thoughtSignature again",
    host: "gemini.llm", path: "/v1/chat/completions",
    request: { model: "gemini-3-pro-preview", tools: [WEATHER_CHAT], messages: [{ role: "user", content: "Weather?" },
      { role: "assistant", content: null, reasoning_content: "dropped: Gemini takes no thoughts back", tool_calls: [{ id: "call_0", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" }, extra_content: { google: { thought_signature: GEMINI_SIGNATURE } } }] },
      { role: "tool", tool_call_id: "call_0", content: "18C" }] },
    upstream: { path: "/v1beta/models/gemini-3-pro-preview:generateContent", body: { tools: [WEATHER_GEMINI], contents: [
      { role: "user", parts: [{ text: "Weather?" }] },
      { role: "model", parts: [{ functionCall: { name: "get_weather", args: { city: "Paris" } }, thoughtSignature: GEMINI_SIGNATURE }] },
      { role: "user", parts: [{ functionResponse: { name: "get_weather", response: { result: "18C" } } }] },
    ], generationConfig: {} } },
  },
  {
    name: "thinking: openai→gemini stream: thought parts are reasoning_content deltas; the call carries its signature",
    host: "gemini.llm", path: "/v1/chat/completions",
    request: { model: "gemini-3-pro-preview", stream: true, messages: [{ role: "user", content: "Weather?" }], tools: [WEATHER_CHAT] },
    answer: { chunks: [
      data({ candidates: [{ content: { role: "model", parts: [{ text: "Weather needs a tool.", thought: true }] }, index: 0 }], modelVersion: "gemini-3-pro-preview", responseId: "r1" }),
      data({ ...GEMINI_SIGNED_CALL, candidates: [{ content: { role: "model", parts: [GEMINI_SIGNED_CALL.candidates[0].content.parts[1]] }, finishReason: "STOP", index: 0 }] }),
    ] },
    client: { status: 200, events: [
      expect.objectContaining({ choices: [expect.objectContaining({ delta: { role: "assistant", content: "" } })] }),
      expect.objectContaining({ choices: [expect.objectContaining({ delta: { reasoning_content: "Weather needs a tool." } })] }),
      expect.objectContaining({ choices: [expect.objectContaining({ delta: { tool_calls: [{ index: 0, id: SIGNED_CALL_ID, type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" }, extra_content: { google: { thought_signature: GEMINI_SIGNATURE } } }] } })] }),
      expect.objectContaining({ choices: [expect.objectContaining({ finish_reason: "tool_calls" })] }),
      "[DONE]",
    ] },
  },
  {
    name: "thinking: anthropic→gemini (composed): an exact budget is thinkingBudget; the signature rides in the tool_use id; thoughts are a thinking block",
    host: "gemini.llm", path: "/v1/messages",
    request: { model: "gemini-2.5-pro", max_tokens: 8000, thinking: { type: "enabled", budget_tokens: 3000 }, messages: [{ role: "user", content: "Weather?" }], tools: [WEATHER_ANTHROPIC] },
    upstream: { path: "/v1beta/models/gemini-2.5-pro:generateContent", body: { contents: [{ role: "user", parts: [{ text: "Weather?" }] }], tools: [WEATHER_GEMINI],
      generationConfig: { maxOutputTokens: 8000, thinkingConfig: { includeThoughts: true, thinkingBudget: 3000 } } } },
    answer: { body: GEMINI_SIGNED_CALL },
    client: { status: 200, body: { id: "chatcmpl-r1", type: "message", role: "assistant", model: "gemini-3-pro-preview",
      content: [{ type: "thinking", thinking: "Weather needs a tool.", signature: "" }, { type: "tool_use", id: SIGNED_CALL_ID, name: "get_weather", input: { city: "Paris" } }],
      stop_reason: "tool_use", stop_sequence: null, usage: { input_tokens: 8, output_tokens: 12 } } },
  },
  {
    name: "thinking: anthropic→gemini (composed): adaptive thinking is dynamic (-1); the signature in the tool_use id goes back on the functionCall",
    host: "gemini.llm", path: "/v1/messages",
    request: { model: "gemini-2.5-pro", max_tokens: 8000, thinking: { type: "adaptive" }, tools: [WEATHER_ANTHROPIC], messages: [{ role: "user", content: "Weather?" },
      { role: "assistant", content: [{ type: "thinking", thinking: "Weather needs a tool.", signature: "" }, { type: "tool_use", id: SIGNED_CALL_ID, name: "get_weather", input: { city: "Paris" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: SIGNED_CALL_ID, content: "18C" }] }] },
    upstream: { path: "/v1beta/models/gemini-2.5-pro:generateContent", body: { tools: [WEATHER_GEMINI], contents: [
      { role: "user", parts: [{ text: "Weather?" }] },
      { role: "model", parts: [{ functionCall: { name: "get_weather", args: { city: "Paris" } }, thoughtSignature: GEMINI_SIGNATURE }] },
      { role: "user", parts: [{ functionResponse: { name: "get_weather", response: { result: "18C" } } }] },
    ], generationConfig: { maxOutputTokens: 8000, thinkingConfig: { includeThoughts: true, thinkingBudget: -1 } } } },
  },
  {
    name: "thinking: anthropic→gemini stream (composed): thoughts stream as a thinking block; the call's id carries its signature",
    host: "gemini.llm", path: "/v1/messages",
    request: { model: "gemini-3-pro-preview", max_tokens: 8000, stream: true, thinking: { type: "adaptive" }, messages: [{ role: "user", content: "Weather?" }], tools: [WEATHER_ANTHROPIC] },
    answer: { chunks: [
      data({ candidates: [{ content: { role: "model", parts: [{ text: "Weather needs a tool.", thought: true }] }, index: 0 }], modelVersion: "gemini-3-pro-preview", responseId: "r1" }),
      data({ ...GEMINI_SIGNED_CALL, candidates: [{ content: { role: "model", parts: [GEMINI_SIGNED_CALL.candidates[0].content.parts[1]] }, finishReason: "STOP", index: 0 }] }),
    ] },
    client: { status: 200, events: [
      ev("message_start", expect.objectContaining({ type: "message_start" })),
      ev("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "", signature: "" } }),
      ev("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "Weather needs a tool." } }),
      ev("content_block_stop", { type: "content_block_stop", index: 0 }),
      ev("content_block_start", { type: "content_block_start", index: 1, content_block: { type: "tool_use", id: SIGNED_CALL_ID, name: "get_weather", input: {} } }),
      ev("content_block_delta", { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: "{\"city\":\"Paris\"}" } }),
      ev("content_block_stop", { type: "content_block_stop", index: 1 }),
      ev("message_delta", { type: "message_delta", delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { input_tokens: 8, output_tokens: 12 } }),
      ev("message_stop", { type: "message_stop" }),
    ] },
  },
  {
    name: "thinking: responses→gemini (composed): the signature rides in call_id, and goes back from the function_call item",
    host: "gemini.llm", path: "/v1/responses",
    request: { model: "gemini-3-pro-preview", tools: [{ type: "function", name: "get_weather", parameters: WEATHER_PARAMS }], input: [
      { role: "user", content: "Weather?" },
      { type: "function_call", call_id: SIGNED_CALL_ID, name: "get_weather", arguments: "{\"city\":\"Paris\"}" },
      { type: "function_call_output", call_id: SIGNED_CALL_ID, output: "18C" },
    ] },
    upstream: { path: "/v1beta/models/gemini-3-pro-preview:generateContent", body: expect.objectContaining({ contents: [
      { role: "user", parts: [{ text: "Weather?" }] },
      { role: "model", parts: [{ functionCall: { name: "get_weather", args: { city: "Paris" } }, thoughtSignature: GEMINI_SIGNATURE }] },
      { role: "user", parts: [{ functionResponse: { name: "get_weather", response: { result: "18C" } } }] },
    ] }) },
    answer: { body: GEMINI_SIGNED_CALL },
    client: { status: 200, body: expect.objectContaining({ output: [
      { type: "reasoning", id: expect.any(String), summary: [{ type: "summary_text", text: "Weather needs a tool." }] },
      { type: "function_call", id: `fc_${SIGNED_CALL_ID}`, call_id: SIGNED_CALL_ID, name: "get_weather", arguments: "{\"city\":\"Paris\"}", status: "completed" },
    ], usage: { input_tokens: 8, input_tokens_details: { cached_tokens: 0 }, output_tokens: 12, output_tokens_details: { reasoning_tokens: 7 }, total_tokens: 20 } }) },
  },
);

BEDROCK_ROWS.push(
  {
    name: "thinking: openai→bedrock (Claude): reasoning_effort is additionalModelRequestFields.thinking; temperature dropped; reasoningContent is reasoning_content",
    host: "bedrock.llm", path: "/v1/chat/completions",
    request: { model: BEDROCK_CLAUDE, reasoning_effort: "low", max_tokens: 4000, temperature: 0.2, messages: [{ role: "user", content: "Hi" }] },
    upstream: { path: BEDROCK_PATH, body: { messages: [{ role: "user", content: [{ text: "Hi" }] }], inferenceConfig: { maxTokens: 4000 },
      additionalModelRequestFields: { thinking: { type: "enabled", budget_tokens: 1024 } } } },
    answer: { body: { output: { message: { role: "assistant", content: [{ reasoningContent: { reasoningText: { text: "Say hi.", signature: CLAUDE_SIGNATURE } } }, { reasoningContent: { redactedContent: "b3BhcXVl" } }, { text: "Hi!" }] } },
      stopReason: "end_turn", usage: { inputTokens: 5, outputTokens: 20, totalTokens: 25 } } },
    client: { status: 200, body: expect.objectContaining({ choices: [{ index: 0, message: { role: "assistant", content: "Hi!", refusal: null, reasoning_content: "Say hi.", reasoning_signature: CLAUDE_SIGNATURE, reasoning_redacted: "b3BhcXVl" }, logprobs: null, finish_reason: "stop" }] }) },
  },
  {
    name: "thinking: openai→bedrock: a model that is not Claude gets no thinking field (Converse has no common one)",
    host: "bedrock.llm", path: "/v1/chat/completions",
    request: { model: "amazon.nova-pro-v1:0", reasoning_effort: "high", temperature: 0.2, messages: [{ role: "user", content: "Hi" }] },
    upstream: { path: "/model/amazon.nova-pro-v1%3A0/converse", body: { messages: [{ role: "user", content: [{ text: "Hi" }] }], inferenceConfig: { temperature: 0.2 } } },
  },
  {
    name: "thinking: anthropic→bedrock (composed): the exact budget passes; earlier thinking goes back as reasoningContent before the toolUse",
    host: "bedrock.llm", path: "/v1/messages",
    request: { model: BEDROCK_CLAUDE, max_tokens: 3000, thinking: { type: "enabled", budget_tokens: 2000 }, tools: [WEATHER_ANTHROPIC], messages: [{ role: "user", content: "Weather?" },
      { role: "assistant", content: [{ type: "thinking", thinking: "Use the tool.", signature: CLAUDE_SIGNATURE }, { type: "redacted_thinking", data: "b3BhcXVl" }, { type: "tool_use", id: "tooluse_1", name: "get_weather", input: { city: "Paris" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "tooluse_1", content: "18C" }] }] },
    upstream: { path: BEDROCK_PATH, body: expect.objectContaining({ inferenceConfig: { maxTokens: 3000 }, additionalModelRequestFields: { thinking: { type: "enabled", budget_tokens: 2000 } }, messages: [
      { role: "user", content: [{ text: "Weather?" }] },
      { role: "assistant", content: [{ reasoningContent: { reasoningText: { text: "Use the tool.", signature: CLAUDE_SIGNATURE } } }, { reasoningContent: { redactedContent: "b3BhcXVl" } }, { toolUse: { toolUseId: "tooluse_1", name: "get_weather", input: { city: "Paris" } } }] },
      { role: "user", content: [{ toolResult: { toolUseId: "tooluse_1", content: [{ text: "18C" }] } }] },
    ] }) },
    answer: { body: { output: { message: { role: "assistant", content: [{ reasoningContent: { reasoningText: { text: "Done.", signature: CLAUDE_SIGNATURE } } }, { text: "18C in Paris." }] } },
      stopReason: "end_turn", usage: { inputTokens: 5, outputTokens: 20, totalTokens: 25 } } },
    client: { status: 200, body: expect.objectContaining({ content: [{ type: "thinking", thinking: "Done.", signature: CLAUDE_SIGNATURE }, { type: "text", text: "18C in Paris." }] }) },
  },
  {
    name: "thinking: anthropic→bedrock stream (composed): reasoningContent deltas are thinking and signature deltas",
    host: "bedrock.llm", path: "/v1/messages",
    request: { model: BEDROCK_CLAUDE, max_tokens: 3000, stream: true, thinking: { type: "enabled", budget_tokens: 2000 }, messages: [{ role: "user", content: "Hi" }] },
    answer: { frames: [
      awsEvent("messageStart", { role: "assistant" }),
      awsEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { text: "Say hi." } } }),
      awsEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { signature: CLAUDE_SIGNATURE } } }),
      awsEvent("contentBlockStop", { contentBlockIndex: 0 }),
      awsEvent("contentBlockDelta", { contentBlockIndex: 1, delta: { text: "Hi!" } }),
      awsEvent("contentBlockStop", { contentBlockIndex: 1 }),
      awsEvent("messageStop", { stopReason: "end_turn" }),
      awsEvent("metadata", { usage: { inputTokens: 5, outputTokens: 20, totalTokens: 25 }, metrics: { latencyMs: 9 } }),
    ] },
    client: { status: 200, events: [
      ev("message_start", expect.objectContaining({ type: "message_start" })),
      ev("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "thinking", thinking: "", signature: "" } }),
      ev("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "thinking_delta", thinking: "Say hi." } }),
      ev("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: CLAUDE_SIGNATURE } }),
      ev("content_block_stop", { type: "content_block_stop", index: 0 }),
      ev("content_block_start", { type: "content_block_start", index: 1, content_block: { type: "text", text: "" } }),
      ev("content_block_delta", { type: "content_block_delta", index: 1, delta: { type: "text_delta", text: "Hi!" } }),
      ev("content_block_stop", { type: "content_block_stop", index: 1 }),
      ev("message_delta", expect.objectContaining({ delta: { stop_reason: "end_turn", stop_sequence: null } })),
      ev("message_stop", { type: "message_stop" }),
    ] },
  },
);

// The budget <-> effort table (reasoning.ts), each way, row by row.
const EFFORT_BUDGETS: [string, number, number][] = [
  // effort, Anthropic budget_tokens, Gemini 2.5 thinkingBudget
  ["minimal", 1024, 512], ["low", 1024, 1024], ["medium", 8192, 8192], ["high", 24576, 24576], ["xhigh", 32768, 32768], ["max", 65536, 32768],
];
TRANSLATION_ROWS.push(...EFFORT_BUDGETS.map(([effort, budget]) => ({
  name: `thinking table: openai→anthropic: reasoning_effort ${effort} is budget_tokens ${budget}`,
  host: "claude.llm", path: "/v1/chat/completions",
  request: { model: "claude-opus-4-5", reasoning_effort: effort, max_tokens: 100000, messages: [{ role: "user", content: "Hi" }] },
  upstream: { path: "/v1/messages", body: { model: "claude-opus-4-5", messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }], max_tokens: 100000, thinking: { type: "enabled", budget_tokens: budget } } },
})));
GEMINI_ROWS.push(...EFFORT_BUDGETS.map(([effort, , geminiBudget]) => ({
  name: `thinking table: openai→gemini 2.5: reasoning_effort ${effort} is thinkingBudget ${geminiBudget}`,
  host: "gemini.llm", path: "/v1/chat/completions",
  request: { model: "gemini-2.5-pro", reasoning_effort: effort, messages: [{ role: "user", content: "Hi" }] },
  upstream: { path: "/v1beta/models/gemini-2.5-pro:generateContent", body: { contents: [{ role: "user", parts: [{ text: "Hi" }] }], generationConfig: { thinkingConfig: { includeThoughts: true, thinkingBudget: geminiBudget } } } },
})));
TRANSLATION_ROWS.push(...([[1024, "low"], [1500, "low"], [8192, "medium"], [24575, "medium"], [24576, "high"], [40000, "xhigh"], [70000, "max"]] as [number, string][]).map(([budget, effort]) => ({
  name: `thinking table: anthropic→openai: budget_tokens ${budget} is reasoning_effort ${effort}`,
  host: "gpt.llm", path: "/v1/messages",
  request: { model: "o3", max_tokens: 100000, thinking: { type: "enabled", budget_tokens: budget }, messages: [{ role: "user", content: "Hi" }] },
  upstream: { path: "/v1/chat/completions", body: { model: "o3", messages: [{ role: "user", content: "Hi" }], max_completion_tokens: 100000, reasoning_effort: effort } },
})));

// Claude generations (reasoning.ts, claudeThinkingOf): budgets up to 4.5, adaptive with effort from
// Opus 4.7 and generation 5 (a budget is a 400 there), 4.6 both (an exact budget kept, an effort adaptive).
const PERSON_SCHEMA = { type: "object", properties: { name: { type: "string" } }, required: ["name"], additionalProperties: false };
TRANSLATION_ROWS.push(
  {
    name: "thinking: openai→anthropic (Opus 4.7): adaptive thinking with output_config.effort beside the format; temperature and top_p dropped",
    host: "claude.llm", path: "/v1/chat/completions",
    request: { model: "claude-opus-4-7", reasoning_effort: "xhigh", max_tokens: 2000, temperature: 0.5, top_p: 0.99, messages: [{ role: "user", content: "Hi" }],
      response_format: { type: "json_schema", json_schema: { name: "person", schema: PERSON_SCHEMA } } },
    upstream: { path: "/v1/messages", body: { model: "claude-opus-4-7", messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }], max_tokens: 2000,
      thinking: { type: "adaptive" }, output_config: { format: { type: "json_schema", schema: PERSON_SCHEMA }, effort: "xhigh" } } },
  },
  {
    name: "thinking: openai→anthropic (Sonnet 4.6): an effort is adaptive thinking (minimal: low, Anthropic has no minimal)",
    host: "claude.llm", path: "/v1/chat/completions",
    request: { model: "claude-sonnet-4-6", reasoning_effort: "minimal", messages: [{ role: "user", content: "Hi" }] },
    upstream: { path: "/v1/messages", body: { model: "claude-sonnet-4-6", messages: [{ role: "user", content: [{ type: "text", text: "Hi" }] }], max_tokens: 4096,
      thinking: { type: "adaptive" }, output_config: { effort: "low" } } },
  },
);
BEDROCK_ROWS.push(
  {
    name: "thinking: anthropic→bedrock (Opus 4.7, composed): Claude Code's budget becomes adaptive thinking with the budget's effort",
    host: "bedrock.llm", path: "/v1/messages",
    request: { model: "us.anthropic.claude-opus-4-7-v1:0", max_tokens: 32000, thinking: { type: "enabled", budget_tokens: 31999 }, messages: [{ role: "user", content: "Hi" }] },
    upstream: { path: `/model/${encodeURIComponent("us.anthropic.claude-opus-4-7-v1:0")}/converse`, body: { messages: [{ role: "user", content: [{ text: "Hi" }] }], inferenceConfig: { maxTokens: 32000 },
      additionalModelRequestFields: { thinking: { type: "adaptive" }, output_config: { effort: "high" } } } },
  },
  {
    name: "thinking: anthropic→bedrock (Sonnet 4.6, composed): an exact budget stays a budget; adaptive stays adaptive",
    host: "bedrock.llm", path: "/v1/messages",
    request: { model: "anthropic.claude-sonnet-4-6", max_tokens: 8000, thinking: { type: "enabled", budget_tokens: 5000 }, messages: [{ role: "user", content: "Hi" }] },
    upstream: { path: `/model/anthropic.claude-sonnet-4-6/converse`, body: { messages: [{ role: "user", content: [{ text: "Hi" }] }], inferenceConfig: { maxTokens: 8000 },
      additionalModelRequestFields: { thinking: { type: "enabled", budget_tokens: 5000 } } } },
  },
  {
    name: "thinking: anthropic→bedrock (Sonnet 4.6, composed): adaptive thinking with output_config.effort passes as adaptive",
    host: "bedrock.llm", path: "/v1/messages",
    request: { model: "anthropic.claude-sonnet-4-6", max_tokens: 8000, thinking: { type: "adaptive" }, output_config: { effort: "medium" }, messages: [{ role: "user", content: "Hi" }] },
    upstream: { path: `/model/anthropic.claude-sonnet-4-6/converse`, body: { messages: [{ role: "user", content: [{ text: "Hi" }] }], inferenceConfig: { maxTokens: 8000 },
      additionalModelRequestFields: { thinking: { type: "adaptive" }, output_config: { effort: "medium" } } } },
  },
);

// Parallel calls: Gemini signs the first only, and wants it back on that one alone.
const SIGNED_PARALLEL = {
  candidates: [{ content: { role: "model", parts: [
    { functionCall: { name: "get_weather", args: { city: "Paris" } }, thoughtSignature: GEMINI_SIGNATURE },
    { functionCall: { name: "get_weather", args: { city: "Rome" } } },
  ] }, finishReason: "STOP", index: 0 }],
  usageMetadata: { promptTokenCount: 8, candidatesTokenCount: 10, totalTokenCount: 18 }, modelVersion: "gemini-3-pro-preview", responseId: "r2",
};
GEMINI_ROWS.push(
  {
    name: "thinking: openai→gemini: parallel calls: the first carries the signature, the second none",
    host: "gemini.llm", path: "/v1/chat/completions",
    request: { model: "gemini-3-pro-preview", messages: [{ role: "user", content: "Weather in Paris and Rome?" }], tools: [WEATHER_CHAT] },
    answer: { body: SIGNED_PARALLEL },
    client: { status: 200, body: expect.objectContaining({ choices: [expect.objectContaining({ message: expect.objectContaining({ tool_calls: [
      { id: SIGNED_CALL_ID, type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" }, extra_content: { google: { thought_signature: GEMINI_SIGNATURE } } },
      { id: "call_1", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Rome\"}" } },
    ] }) })] }) },
  },
  {
    name: "thinking: openai→gemini: parallel calls sent back: the signature on the first functionCall only",
    host: "gemini.llm", path: "/v1/chat/completions",
    request: { model: "gemini-3-pro-preview", tools: [WEATHER_CHAT], messages: [{ role: "user", content: "Weather in Paris and Rome?" },
      { role: "assistant", content: null, tool_calls: [
        { id: SIGNED_CALL_ID, type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" } },
        { id: "call_1", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Rome\"}" } }] },
      { role: "tool", tool_call_id: SIGNED_CALL_ID, content: "18C" }, { role: "tool", tool_call_id: "call_1", content: "21C" }] },
    upstream: { path: "/v1beta/models/gemini-3-pro-preview:generateContent", body: expect.objectContaining({ contents: [
      { role: "user", parts: [{ text: "Weather in Paris and Rome?" }] },
      { role: "model", parts: [{ functionCall: { name: "get_weather", args: { city: "Paris" } }, thoughtSignature: GEMINI_SIGNATURE }, { functionCall: { name: "get_weather", args: { city: "Rome" } } }] },
      { role: "user", parts: [{ functionResponse: { name: "get_weather", response: { result: "18C" } } }, { functionResponse: { name: "get_weather", response: { result: "21C" } } }] },
    ] }) },
  },
);
BEDROCK_ROWS.push({
  name: "thinking: openai→bedrock stream: reasoningContent deltas (text, signature, redactedContent) are the hub's reasoning deltas",
  host: "bedrock.llm", path: "/v1/chat/completions",
  request: { model: BEDROCK_CLAUDE, reasoning_effort: "low", max_tokens: 4000, stream: true, messages: [{ role: "user", content: "Hi" }] },
  answer: { frames: [
    awsEvent("messageStart", { role: "assistant" }),
    awsEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { text: "Say hi." } } }),
    awsEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { reasoningContent: { signature: CLAUDE_SIGNATURE } } }),
    awsEvent("contentBlockStop", { contentBlockIndex: 0 }),
    awsEvent("contentBlockDelta", { contentBlockIndex: 1, delta: { reasoningContent: { redactedContent: "b3BhcXVl" } } }),
    awsEvent("contentBlockStop", { contentBlockIndex: 1 }),
    awsEvent("contentBlockDelta", { contentBlockIndex: 2, delta: { text: "Hi!" } }),
    awsEvent("contentBlockStop", { contentBlockIndex: 2 }),
    awsEvent("messageStop", { stopReason: "end_turn" }),
    awsEvent("metadata", { usage: { inputTokens: 5, outputTokens: 20, totalTokens: 25 }, metrics: { latencyMs: 9 } }),
  ] },
  client: { status: 200, events: [
    expect.objectContaining({ choices: [expect.objectContaining({ delta: { role: "assistant", content: "" } })] }),
    expect.objectContaining({ choices: [expect.objectContaining({ delta: { reasoning_content: "Say hi." } })] }),
    expect.objectContaining({ choices: [expect.objectContaining({ delta: { reasoning_signature: CLAUDE_SIGNATURE } })] }),
    expect.objectContaining({ choices: [expect.objectContaining({ delta: { reasoning_redacted: "b3BhcXVl" } })] }),
    expect.objectContaining({ choices: [expect.objectContaining({ delta: { content: "Hi!" } })] }),
    expect.objectContaining({ choices: [expect.objectContaining({ finish_reason: "stop" })] }),
    "[DONE]",
  ] },
});

// A conversation that met Gemini (a weighted split, a failover) and goes on elsewhere: its call ids
// carry kilobytes of thought signature, which OpenAI (40 characters) and Bedrock (64) refuse. Every
// other backend gets the id's first 20 characters and 16 hex of its SHA-256, the same for the call
// and its result; two turns' call_0 stay apart.
const LONG_SIGNED_ID = "call_0__ts_" + "QUJD".repeat(750);
const OTHER_TURN_ID = "call_0__ts_" + "WFla".repeat(750);
const portable = (id: string) => id.slice(0, Math.min(id.indexOf("__ts_"), 20)) + "_" + createHash("sha256").update(id).digest("hex").slice(0, 16);
const anthropicHistory = (model: string) => ({ model, max_tokens: 100, tools: [WEATHER_ANTHROPIC], messages: [{ role: "user", content: "Weather?" },
  { role: "assistant", content: [{ type: "tool_use", id: LONG_SIGNED_ID, name: "get_weather", input: { city: "Paris" } }] },
  { role: "user", content: [{ type: "tool_result", tool_use_id: LONG_SIGNED_ID, content: "18C" }, { type: "text", text: "And Rome?" }] },
  { role: "assistant", content: [{ type: "tool_use", id: OTHER_TURN_ID, name: "get_weather", input: { city: "Rome" } }] },
  { role: "user", content: [{ type: "tool_result", tool_use_id: OTHER_TURN_ID, content: "21C" }] }] });
const chatCall = (id: string, city: string) => ({ role: "assistant", content: null, tool_calls: [{ id, type: "function", function: { name: "get_weather", arguments: JSON.stringify({ city }) } }] });

TRANSLATION_ROWS.push(
  {
    name: "thinking: anthropic→openai: call ids carrying a Gemini signature are made short and stay distinct (OpenAI caps ids at 40)",
    host: "gpt.llm", path: "/v1/messages",
    request: anthropicHistory("gpt-4o"),
    upstream: { path: "/v1/chat/completions", body: expect.objectContaining({ messages: [
      { role: "user", content: "Weather?" },
      chatCall(portable(LONG_SIGNED_ID), "Paris"),
      { role: "tool", tool_call_id: portable(LONG_SIGNED_ID), content: "18C" },
      { role: "user", content: [{ type: "text", text: "And Rome?" }] },
      chatCall(portable(OTHER_TURN_ID), "Rome"),
      { role: "tool", tool_call_id: portable(OTHER_TURN_ID), content: "21C" },
    ] }) },
  },
  {
    name: "thinking: openai→anthropic: a signed call id becomes the short one in tool_use and tool_result",
    host: "claude.llm", path: "/v1/chat/completions",
    request: { model: "claude-sonnet-4-5", max_tokens: 100, messages: [{ role: "user", content: "Weather?" }, chatCall(LONG_SIGNED_ID, "Paris"), { role: "tool", tool_call_id: LONG_SIGNED_ID, content: "18C" }] },
    upstream: { path: "/v1/messages", body: expect.objectContaining({ messages: [
      { role: "user", content: [{ type: "text", text: "Weather?" }] },
      { role: "assistant", content: [{ type: "tool_use", id: portable(LONG_SIGNED_ID), name: "get_weather", input: { city: "Paris" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: portable(LONG_SIGNED_ID), content: "18C" }] },
    ] }) },
  },
  {
    name: "thinking: responses→chat: a signed call_id becomes the short id for an OpenAI-compatible backend",
    host: "groq.llm", path: "/v1/responses",
    request: { model: "llama-3.3-70b-versatile", input: [{ role: "user", content: "Weather?" },
      { type: "function_call", call_id: LONG_SIGNED_ID, name: "get_weather", arguments: "{\"city\":\"Paris\"}" },
      { type: "function_call_output", call_id: LONG_SIGNED_ID, output: "18C" }] },
    upstream: { path: "/openai/v1/chat/completions", body: expect.objectContaining({ messages: [
      { role: "user", content: "Weather?" },
      chatCall(portable(LONG_SIGNED_ID), "Paris"),
      { role: "tool", tool_call_id: portable(LONG_SIGNED_ID), content: "18C" },
    ] }) },
  },
);

BEDROCK_ROWS.push({
  name: "thinking: anthropic→bedrock (composed): signed call ids become short toolUseIds (Converse allows 64 characters)",
  host: "bedrock.llm", path: "/v1/messages",
  request: anthropicHistory(BEDROCK_CLAUDE),
  upstream: { path: BEDROCK_PATH, body: expect.objectContaining({ messages: [
    { role: "user", content: [{ text: "Weather?" }] },
    { role: "assistant", content: [{ toolUse: { toolUseId: portable(LONG_SIGNED_ID), name: "get_weather", input: { city: "Paris" } } }] },
    { role: "user", content: [{ toolResult: { toolUseId: portable(LONG_SIGNED_ID), content: [{ text: "18C" }] } }, { text: "And Rome?" }] },
    { role: "assistant", content: [{ toolUse: { toolUseId: portable(OTHER_TURN_ID), name: "get_weather", input: { city: "Rome" } } }] },
    { role: "user", content: [{ toolResult: { toolUseId: portable(OTHER_TURN_ID), content: [{ text: "21C" }] } }] },
  ] }) },
});
