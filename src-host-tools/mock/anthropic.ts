// The Anthropic Messages API as the mock serves it (https://docs.anthropic.com/en/api/messages,
// /en/api/errors, /en/docs/build-with-claude/streaming): x-api-key and anthropic-version required,
// the request checked as the real API checks it (max_tokens required, no system role in messages
// unless the anthropic-beta header names a beta that allows them, as Claude Code sends; tool results right after their tool uses, no fields it does not know), and answers in its JSON
// and its event stream.
import type { IncomingMessage, ServerResponse } from "node:http";
import { anthropicSearchBlocks, anthropicSearches, checkAnthropicSearchTool } from "./web-search.js";
import { halves, script, sendJson, words } from "./reply.js";
import type { MockProviderConfig } from "./provider-config.js";
import { MAX_BREAKPOINTS, cacheControlProblem, playCache } from "./prompt-cache.js";
import { MOCK_THOUGHT, checkAnthropicThinking, checkThinkingPassBack, mockSignature } from "./thinking.js";

/** Top-level request fields the Messages API accepts; any other is "Extra inputs are not permitted". */
const MESSAGE_FIELDS = new Set(["model", "messages", "max_tokens", "metadata", "stop_sequences", "stream", "system", "temperature", "thinking",
  "tool_choice", "tools", "top_k", "top_p", "service_tier", "container", "mcp_servers", "output_config", "context_management"]);
const COUNT_FIELDS = new Set(["model", "messages", "system", "thinking", "tool_choice", "tools", "mcp_servers", "output_config", "context_management"]);
const IMAGE_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"];

export function anthropicError(res: ServerResponse, status: number, type: string, message: string): number {
  return sendJson(res, status, { type: "error", error: { type, message }, request_id: `req_mock${Date.now()}` }, { "request-id": `req_mock${Date.now()}` });
}

export function checkAnthropicPath(base: string, path: string): "messages" | "count_tokens" | undefined {
  if (path === `${base}/messages`) return "messages";
  if (path === `${base}/messages/count_tokens`) return "count_tokens";
  return undefined;
}

/** 401 for a missing or unknown key, 400 for a missing version; undefined when the headers are right. */
export function checkAnthropicHeaders(p: MockProviderConfig, headers: IncomingMessage["headers"]): [number, string, string] | undefined {
  const key = headers["x-api-key"] as string | undefined;
  if (!key || (p.acceptedKeys && !p.acceptedKeys.includes(key))) return [401, "authentication_error", "invalid x-api-key"];
  if (headers.authorization) return [401, "authentication_error", "x-api-key and Authorization cannot both be given"];
  if (!headers["anthropic-version"]) return [400, "invalid_request_error", "anthropic-version: header is required"];
  return undefined;
}

type Block = { type?: string; text?: string; id?: string; signature?: string; tool_use_id?: string; source?: { type?: string; media_type?: string; data?: string; url?: string }; content?: unknown };
type Turn = { role?: string; content?: string | Block[] };

function checkBlock(b: Block, where: string, role: string): string | undefined {
  switch (b?.type) {
    case "text": return typeof b.text === "string" && b.text.length > 0 ? undefined : `${where}: text content blocks must be non-empty`;
    case "image": {
      const s = b.source;
      if (s?.type === "base64") return IMAGE_TYPES.includes(s.media_type ?? "") && typeof s.data === "string" ? undefined : `${where}.source: invalid base64 image source`;
      if (s?.type === "url") return typeof s.url === "string" && /^https?:\/\//.test(s.url) ? undefined : `${where}.source.url: must be an http(s) URL`;
      return `${where}.source.type: Input should be 'base64' or 'url'`;
    }
    case "tool_use": return role === "assistant" && b.id ? undefined : `${where}: tool_use blocks belong to assistant turns and need an id`;
    case "tool_result": {
      if (role !== "user") return `${where}: tool_result blocks belong to user turns`;
      if (Array.isArray(b.content)) for (const [i, inner] of (b.content as Block[]).entries()) { const p = checkBlock(inner, `${where}.content.${i}`, role); if (p) return p; }
      return undefined;
    }
    case "thinking": case "redacted_thinking": case "document": case "search_result": return undefined;
    default: return `${where}.type: Input tag '${b?.type}' found using 'type' does not match any of the expected tags`;
  }
}

/**
 * Betas under which the API takes system turns inside `messages`: the SDK's name, and the one
 * Claude Code 2.1.332 sends with them (without it, the 400 makes Claude Code retry without them).
 */
const MID_CONVERSATION_SYSTEM_BETAS = ["mid-conversation-system-", "mid-conversation-tool-changes-"];

/** Whether the request's anthropic-beta header turns on system messages inside `messages`. */
export function allowsMidConversationSystem(headers: IncomingMessage["headers"]): boolean {
  return String(headers["anthropic-beta"] ?? "").split(",").some((b) => MID_CONVERSATION_SYSTEM_BETAS.some((p) => b.trim().startsWith(p)));
}

function checkTurns(messages: Turn[], systemAllowed: boolean): string | undefined {
  if (messages.length === 0) return "messages: at least one message is required";
  let expectedResults: string[] = [];
  for (const [i, m] of messages.entries()) {
    // Under the beta a system turn is text only and leaves the tool_use/tool_result pairing alone.
    if (m.role === "system" && systemAllowed) {
      const blocks = typeof m.content === "string" ? [{ type: "text", text: m.content }] : m.content;
      if (!Array.isArray(blocks) || blocks.some((b) => b?.type !== "text" || !b.text)) return `messages.${i}.content: system messages hold text only`;
      continue;
    }
    if (m.role !== "user" && m.role !== "assistant") {
      return m.role === "system"
        ? `messages: Unexpected role "system". The Messages API accepts a top-level \`system\` parameter, not "system" as an input message role.`
        : `messages.${i}.role: Input should be 'user' or 'assistant'`;
    }
    const blocks: Block[] = typeof m.content === "string" ? [{ type: "text", text: m.content }] : Array.isArray(m.content) ? m.content : [];
    if (!Array.isArray(m.content) && typeof m.content !== "string") return `messages.${i}.content: Field required`;
    for (const [j, b] of blocks.entries()) { const p = checkBlock(b, `messages.${i}.content.${j}`, m.role); if (p) return p; }
    const results = blocks.filter((b) => b.type === "tool_result").map((b) => b.tool_use_id ?? "");
    const missing = expectedResults.filter((id) => !results.includes(id));
    if (missing.length) return `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(", ")}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
    const unexpected = results.filter((id) => !expectedResults.includes(id));
    if (unexpected.length) return `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${unexpected.join(", ")}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
    expectedResults = m.role === "assistant" ? blocks.filter((b) => b.type === "tool_use").map((b) => b.id ?? "") : [];
  }
  if (expectedResults.length) return `messages: the last assistant turn's tool_use ids have no tool_result: ${expectedResults.join(", ")}`;
  return undefined;
}

export function checkAnthropicBody(op: "messages" | "count_tokens", body: unknown, systemAllowed = false): string | undefined {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return "body: Input should be a valid dictionary";
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) if (!(op === "messages" ? MESSAGE_FIELDS : COUNT_FIELDS).has(key)) return `${key}: Extra inputs are not permitted`;
  if (typeof b.model !== "string" || !b.model) return "model: Field required";
  if (op === "messages" && (!Number.isInteger(b.max_tokens) || (b.max_tokens as number) < 1)) return "max_tokens: Field required";
  if (!Array.isArray(b.messages)) return "messages: Field required";
  if (b.temperature !== undefined && (typeof b.temperature !== "number" || b.temperature < 0 || b.temperature > 1)) return "temperature: Input should be less than or equal to 1";
  if (b.top_p !== undefined && (typeof b.top_p !== "number" || b.top_p < 0 || b.top_p > 1)) return "top_p: Input should be less than or equal to 1";
  if (b.stop_sequences !== undefined && (!Array.isArray(b.stop_sequences) || b.stop_sequences.some((s) => typeof s !== "string"))) return "stop_sequences: Input should be a valid list of strings";
  if (b.stream !== undefined && typeof b.stream !== "boolean") return "stream: Input should be a valid boolean";
  if (b.system !== undefined && typeof b.system !== "string" && !(Array.isArray(b.system) && b.system.every((s) => (s as Block).type === "text" && (s as Block).text))) return "system: Input should be a valid string or a list of text blocks";
  for (const [i, t] of ((b.tools ?? []) as { name?: string; input_schema?: { type?: string }; type?: string }[]).entries()) {
    const searchProblem = checkAnthropicSearchTool(t as Record<string, unknown>, i);
    if (searchProblem) return searchProblem;
    if (!t.name || !/^[a-zA-Z0-9_-]{1,128}$/.test(t.name)) return `tools.${i}.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`;
    if ((t.type === undefined || t.type === "custom") && t.input_schema?.type !== "object") return `tools.${i}.custom.input_schema.type: Input should be 'object'`;
  }
  const choice = b.tool_choice as { type?: string; name?: string } | undefined;
  if (choice !== undefined && !["auto", "any", "tool", "none"].includes(choice.type ?? "")) return "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'";
  if (op === "messages") {
    const thinking = b.thinking as { type?: string; budget_tokens?: unknown } | undefined;
    const thinkingProblem = checkAnthropicThinking(b.model as string, thinking, b.max_tokens, b.temperature, b.top_k, b.top_p, (b.output_config as { effort?: unknown } | undefined)?.effort);
    if (thinkingProblem) return thinkingProblem;
    if (thinking && thinking.type !== "disabled" && Array.isArray(b.messages)) {
      const lastAssistant = (b.messages as Turn[]).filter((m) => m.role === "assistant").at(-1);
      const blocks = Array.isArray(lastAssistant?.content) ? lastAssistant.content : [];
      const first = blocks[0];
      const passBack = blocks.some((x) => x.type === "tool_use") && first
        ? checkThinkingPassBack("anthropic", { kind: first.type === "redacted_thinking" ? "redacted" : first.type ?? "", signature: first.signature }) : undefined;
      if (passBack) return passBack;
    }
  }
  if (choice?.type === "tool" && !choice.name) return "tool_choice.tool.name: Field required";
  const marks = promptOf(b);
  if (typeof marks === "string") return marks;
  if (marks.marks.length > MAX_BREAKPOINTS) return `A maximum of ${MAX_BREAKPOINTS} blocks with cache_control may be provided. Found ${marks.marks.length}.`;
  return checkTurns(b.messages as Turn[], systemAllowed);
}

type Marked = { cache_control?: unknown; content?: unknown };

/** The prompt in cache prefix order (tools, system, messages) with its cache_control marks; a problem when a mark is malformed. */
function promptOf(b: Record<string, unknown>): { blocks: unknown[]; marks: { index: number; ttl: string }[] } | string {
  const blocks: unknown[] = [];
  const marks: { index: number; ttl: string }[] = [];
  const add = (block: unknown, path: string): string | undefined => {
    blocks.push(block);
    const mark = (block as Marked | null)?.cache_control;
    if (block === null || typeof block !== "object" || mark === undefined) return undefined;
    const problem = cacheControlProblem(mark, path);
    if (problem) return problem;
    marks.push({ index: blocks.length - 1, ttl: (mark as { ttl?: string }).ttl ?? "5m" });
    return undefined;
  };
  const lists: [unknown, string][] = [[b.tools, "tools"], [b.system, "system"]];
  for (const [list, path] of lists) if (Array.isArray(list)) for (const [i, x] of list.entries()) { const p = add(x, `${path}.${i}`); if (p) return p; }
  if (typeof b.system === "string") blocks.push(b.system);
  for (const [i, m] of ((b.messages ?? []) as Turn[]).entries()) {
    if (!Array.isArray(m.content)) { blocks.push(m.content); continue; }
    for (const [j, block] of m.content.entries()) {
      const p = add(block, `messages.${i}.content.${j}`);
      if (p) return p;
      // A tool result's own content blocks may carry marks too.
      const inner = (block as Marked).content;
      if (Array.isArray(inner)) for (const [k, x] of inner.entries()) if ((x as Marked)?.cache_control !== undefined) { const q = add(x, `messages.${i}.content.${j}.content.${k}`); if (q) return q; }
    }
  }
  return { blocks, marks };
}

function seenIn(messages: Turn[]): { toolResults: number; images: number } {
  let toolResults = 0;
  let images = 0;
  const count = (blocks: Block[]): void => {
    for (const b of blocks) {
      if (b.type === "tool_result") { toolResults++; if (Array.isArray(b.content)) count(b.content as Block[]); }
      if (b.type === "image") images++;
    }
  };
  for (const m of messages) if (Array.isArray(m.content)) count(m.content);
  return { toolResults, images };
}

const sseEvent = (name: string, payload: unknown) => `event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`;

export function answerAnthropic(res: ServerResponse, op: "messages" | "count_tokens", body: Record<string, unknown>): number {
  const messages = body.messages as Turn[];
  if (op === "count_tokens") return sendJson(res, 200, { input_tokens: JSON.stringify(messages).length >> 2 });
  const model = body.model as string;
  const id = `msg_mock${Math.random().toString(36).slice(2, 10)}`;
  const choice = body.tool_choice as { type?: string; disable_parallel_tool_use?: boolean } | undefined;
  // Server tools (web search) run on Anthropic's side: the "model" never calls them as functions.
  const tools = ((body.tools ?? []) as { name: string; input_schema?: unknown; type?: string }[]).filter((t) => t.type === undefined || t.type === "custom")
    .map((t) => ({ name: t.name, schema: t.input_schema }));
  const last = messages.filter((m) => m.role !== "system").at(-1);
  const endsInToolResults = Array.isArray(last?.content) && last.content.some((b) => b.type === "tool_result");
  const plan = script("anthropic", model, choice?.type === "none" ? [] : tools, endsInToolResults, choice?.disable_parallel_tool_use !== true, seenIn(messages));
  const thinking = (body.thinking as { type?: string } | undefined)?.type;
  const content: Record<string, unknown>[] = [
    ...(thinking === "enabled" || thinking === "adaptive" ? [{ type: "thinking", thinking: MOCK_THOUGHT, signature: mockSignature("anthropic", MOCK_THOUGHT) }] : []),
    // Offered a search and calling no function, the "model" searches and answers with a citation.
    ...(plan.text && anthropicSearches(body.tools) ? anthropicSearchBlocks(lastUserText(messages)) : plan.text ? [{ type: "text", text: plan.text }] : []),
    ...plan.calls.map((c) => ({ type: "tool_use", id: c.id.replace("call_", "toolu_"), name: c.name, input: c.args })),
  ];
  const stopReason = plan.calls.length ? "tool_use" : "end_turn";
  const prompt = promptOf(body);
  const cache = typeof prompt === "string" ? undefined : playCache(`anthropic:${model}:`, prompt.blocks, prompt.marks);
  // Without marks, fixed figures; with them, what the mock's cache read and wrote (input_tokens excludes both, as Anthropic counts).
  const usage: Record<string, unknown> & { output_tokens: number } = cache && cache.read + cache.written > 0
    ? { input_tokens: cache.total - cache.read - cache.written, output_tokens: 6, cache_creation_input_tokens: cache.written, cache_read_input_tokens: cache.read,
      cache_creation: { ephemeral_5m_input_tokens: cache.written - cache.written1h, ephemeral_1h_input_tokens: cache.written1h } }
    : { input_tokens: 9, output_tokens: 6, cache_creation_input_tokens: 0, cache_read_input_tokens: 2 };
  if (content.some((b) => b.type === "server_tool_use")) usage.server_tool_use = { web_search_requests: 1 };
  if (body.stream !== true) {
    return sendJson(res, 200, { id, type: "message", role: "assistant", model, content, stop_reason: stopReason, stop_sequence: null, usage });
  }
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
  res.write(sseEvent("message_start", { type: "message_start", message: { id, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } }));
  content.forEach((block, index) => {
    if (block.type === "thinking") {
      res.write(sseEvent("content_block_start", { type: "content_block_start", index, content_block: { type: "thinking", thinking: "", signature: "" } }));
      for (const w of words(block.thinking as string)) res.write(sseEvent("content_block_delta", { type: "content_block_delta", index, delta: { type: "thinking_delta", thinking: w } }));
      res.write(sseEvent("content_block_delta", { type: "content_block_delta", index, delta: { type: "signature_delta", signature: block.signature } }));
    } else if (block.type === "web_search_tool_result") {
      // A search's results arrive whole, in the block's start.
      res.write(sseEvent("content_block_start", { type: "content_block_start", index, content_block: block }));
    } else if (block.type === "text") {
      res.write(sseEvent("content_block_start", { type: "content_block_start", index, content_block: { type: "text", text: "" } }));
      res.write(sseEvent("ping", { type: "ping" }));
      for (const citation of (block.citations ?? []) as unknown[]) res.write(sseEvent("content_block_delta", { type: "content_block_delta", index, delta: { type: "citations_delta", citation } }));
      for (const w of words(block.text as string)) res.write(sseEvent("content_block_delta", { type: "content_block_delta", index, delta: { type: "text_delta", text: w } }));
    } else {
      res.write(sseEvent("content_block_start", { type: "content_block_start", index, content_block: { ...block, input: {} } }));
      res.write(sseEvent("content_block_delta", { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: "" } }));
      // A call without arguments gets only the empty delta, as Anthropic streams one.
      const input = JSON.stringify(block.input);
      for (const piece of input === "{}" ? [] : halves(input)) res.write(sseEvent("content_block_delta", { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: piece } }));
    }
    res.write(sseEvent("content_block_stop", { type: "content_block_stop", index }));
  });
  res.write(sseEvent("message_delta", { type: "message_delta", delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } }));
  res.end(sseEvent("message_stop", { type: "message_stop" }));
  return 200;
}

/** The last user turn's text: what the mock searches for. */
function lastUserText(messages: Turn[]): string {
  const last = messages.filter((m) => m.role === "user").at(-1);
  if (typeof last?.content === "string") return last.content;
  return (Array.isArray(last?.content) ? last.content : []).map((b) => (b.type === "text" ? b.text ?? "" : "")).join("");
}
