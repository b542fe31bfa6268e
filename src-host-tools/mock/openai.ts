// The OpenAI API as the mock serves it (https://platform.openai.com/docs/api-reference/chat), for
// OpenAI, Azure OpenAI and every OpenAI-compatible vendor: the documented path layout, auth header
// and the request checks the real API makes (the ones a translated request could get wrong).
import type { IncomingMessage, ServerResponse } from "node:http";
import { OPENAI_ANNOTATIONS, SEARCHED_TEXT, checkWebSearchOptions } from "./web-search.js";
import { PROVIDER_TYPES } from "../providers.js";
import { halves, script, sendJson, words } from "./reply.js";
import type { MockProviderConfig } from "./provider-config.js";
import { playCache } from "./prompt-cache.js";

const OPERATIONS = ["/chat/completions", "/completions", "/embeddings", "/responses"] as const;

export interface OpenAIRoute { provider: MockProviderConfig; operation: string; deployment?: string }

export function openAIError(res: ServerResponse, status: number, message: string, type: string, code: string | null): number {
  return sendJson(res, status, { error: { message, type, param: null, code } });
}

/** Matches the path against the provider's documented layout; returns the operation or an error. */
export function checkOpenAIPath(p: MockProviderConfig, path: string, query: URLSearchParams): OpenAIRoute | string {
  const info = PROVIDER_TYPES[p.type];
  const base = p.basePath ?? info.basePath;
  if (p.type === "azure-openai") {
    const v1 = new RegExp(`^${base}/v1(/chat/completions|/completions|/embeddings)$`).exec(path);
    if (v1) return { provider: p, operation: v1[1] };
    const m = new RegExp(`^${base}/deployments/([A-Za-z0-9._-]+)(/chat/completions|/completions|/embeddings)$`).exec(path);
    if (!m) return `Resource not found (${path})`;
    const version = query.get("api-version");
    if (!version || !/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(version)) return "Missing or invalid api-version query parameter";
    return { provider: p, operation: m[2], deployment: m[1] };
  }
  for (const op of OPERATIONS) if (path === base + op) return { provider: p, operation: op };
  return `Invalid URL (POST ${path})`;
}

export function checkOpenAIAuth(p: MockProviderConfig, headers: IncomingMessage["headers"]): string | undefined {
  const info = PROVIDER_TYPES[p.type];
  let key: string | undefined;
  if (info.authHeader === "api-key") {
    // Azure takes a key in api-key or a Microsoft Entra token as Authorization: Bearer, not both.
    key = headers["api-key"] as string | undefined;
    const auth = headers.authorization;
    if (auth !== undefined && key !== undefined) return "Azure requests carry api-key or Authorization, not both";
    if (auth !== undefined) {
      if (!/^Bearer \S+$/.test(auth)) return "Authorization must be 'Bearer <token>'";
      key = auth.slice("Bearer ".length);
    }
  } else {
    const auth = headers.authorization;
    if (auth !== undefined && !/^Bearer \S+$/.test(auth)) return "Authorization must be 'Bearer <key>'";
    key = auth?.slice("Bearer ".length);
  }
  // Azure, as the vendor, always wants a key or a token (the filter's table leaves that rule to its loader).
  if (!key) return info.keyRequired || p.type === "azure-openai" ? "You didn't provide an API key." : undefined;
  if (p.acceptedKeys && !p.acceptedKeys.includes(key)) return "Incorrect API key provided.";
  return undefined;
}

type Message = { role?: unknown; content?: unknown; tool_calls?: { id?: string }[]; tool_call_id?: unknown };

/** The conversation rules OpenAI enforces on chat messages. */
function checkMessages(messages: Message[]): string | undefined {
  let pending: string[] = [];
  for (const [i, m] of messages.entries()) {
    if (!m || typeof m.role !== "string") return "each message needs a role";
    if (!["system", "developer", "user", "assistant", "tool", "function"].includes(m.role)) return `Invalid value: '${m.role}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`;
    if (m.role === "tool") {
      if (!pending.includes(m.tool_call_id as string)) return `Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.`;
      pending = pending.filter((id) => id !== m.tool_call_id);
      if (Array.isArray(m.content) && m.content.some((p) => (p as { type?: string }).type !== "text")) return `Invalid 'messages[${i}]'. Image URLs are only allowed for messages with role 'user'.`;
      continue;
    }
    if (pending.length > 0) return `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${pending.join(", ")}`;
    if (m.role === "assistant" && Array.isArray(m.tool_calls)) {
      // OpenAI caps a tool call id at 40 characters.
      const long = m.tool_calls.findIndex((c) => (c.id ?? "").length > 40);
      if (long >= 0) return `Invalid 'messages[${i}].tool_calls[${long}].id': string too long. Expected a string with maximum length 40, but got a string with length ${m.tool_calls[long].id!.length} instead.`;
      pending = m.tool_calls.map((c) => c.id ?? "");
    }
    if (m.role !== "assistant" && m.content === undefined) return `Missing required parameter: 'messages[${i}].content'.`;
  }
  return undefined;
}

/** Models that reason (OpenAI's o-series, gpt-5, codex; gpt-oss, Qwen3 and DeepSeek R1 at compatible vendors). */
const REASONING_MODEL = /^(o\d|gpt-5|codex|gpt-oss|qwen3|deepseek-r)/i;

export function checkOpenAIBody(expected: OpenAIRoute, body: unknown): string | undefined {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return "We could not parse the JSON body of your request.";
  const b = body as Record<string, unknown>;
  const modelInPath = expected.deployment !== undefined;
  if (!modelInPath && (typeof b.model !== "string" || b.model.length === 0)) return "you must provide a model parameter";
  if (expected.operation === "/chat/completions") {
    if (!Array.isArray(b.messages) || b.messages.length === 0) return "'messages' must be a non-empty array";
    const problem = checkMessages(b.messages as Message[]);
    if (problem) return problem;
    // OpenAI validates every part and tool against its schema: Anthropic's marks are unknown members (OpenRouter, say, takes them).
    if (expected.provider.type === "openai" || expected.provider.type === "azure-openai") {
      const marked = cacheControlAt(b);
      if (marked) return `Invalid '${marked}': unknown parameter 'cache_control'.`;
    }
  }
  if (expected.operation === "/chat/completions") {
    const searchProblem = checkWebSearchOptions(b.model, b.web_search_options);
    if (searchProblem) return searchProblem;
  }
  if (b.prompt_cache_key !== undefined && typeof b.prompt_cache_key !== "string") return "Invalid type for 'prompt_cache_key': expected a string.";
  const strictProblem = strictSchemaProblem(b.response_format);
  if (strictProblem) return strictProblem;
  if (expected.operation === "/embeddings" && b.input === undefined) return "'input' is required";
  if (expected.operation === "/responses") {
    if (!p_isServing(expected)) return `Invalid URL (POST ${expected.operation}): this vendor has no Responses API`;
    if (b.input === undefined) return "Missing required parameter: 'input'.";
    if (b.messages !== undefined) return "Unknown parameter: 'messages'.";
  }
  if (expected.operation === "/completions" && b.prompt === undefined) return "'prompt' is required";
  if (b.stream !== undefined && typeof b.stream !== "boolean") return "'stream' must be a boolean";
  if (b.stream_options !== undefined && b.stream !== true) return "The 'stream_options' parameter is only allowed when 'stream' is enabled.";
  if (b.max_tokens !== undefined && b.max_completion_tokens !== undefined) return "max_tokens and max_completion_tokens cannot both be set";
  // As OpenAI (and vendors serving models without reasoning) refuse reasoning_effort for a model that does not reason.
  if (b.reasoning_effort !== undefined && typeof b.model === "string" && !REASONING_MODEL.test(b.model.split("/").at(-1)!)) return "Unsupported parameter: 'reasoning_effort' is not supported with this model.";
  if (b.reasoning_effort !== undefined && !["none", "minimal", "low", "medium", "high", "xhigh", "max"].includes(b.reasoning_effort as string)) return `Invalid value: '${String(b.reasoning_effort)}'. Supported values are: 'none', 'minimal', 'low', 'medium', 'high', 'xhigh' and 'max'.`;
  // As OpenAI refuses a cap above the model's output limit (gpt-4o: 16384).
  const cap = b.max_completion_tokens ?? b.max_tokens;
  if (expected.provider.type === "openai" && typeof b.model === "string" && b.model.startsWith("gpt-4o") && typeof cap === "number" && cap > 16384) {
    return `max_tokens is too large: ${cap}. This model supports at most 16384 completion tokens, whereas you provided ${cap}.`;
  }
  return undefined;
}

/** OpenAI's strict structured outputs refuse a schema whose objects are open or have optional properties. */
function strictSchemaProblem(format: unknown): string | undefined {
  const f = format as { type?: string; json_schema?: { name?: string; strict?: boolean; schema?: unknown } } | undefined;
  if (f?.type !== "json_schema" || f.json_schema?.strict !== true) return undefined;
  const walk = (node: unknown, context: string): string | undefined => {
    if (!node || typeof node !== "object") return undefined;
    const n = node as Record<string, unknown>;
    if (n.type === "object" || n.properties !== undefined) {
      if (n.additionalProperties !== false) return `In context=(${context}), 'additionalProperties' is required to be supplied and to be false.`;
      const required = Array.isArray(n.required) ? n.required : [];
      const missing = Object.keys((n.properties ?? {}) as object).filter((k) => !required.includes(k));
      if (missing.length > 0) return `In context=(${context}), 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing[0]}'.`;
    }
    const children = [
      ...Object.entries((n.properties ?? {}) as object).map(([k, v]) => [v, `'properties', '${k}'`] as const),
      ...(n.items !== undefined ? [[n.items, "'items'"] as const] : []),
      ...["anyOf", "allOf", "oneOf"].flatMap((k) => (Array.isArray(n[k]) ? (n[k] as unknown[]).map((v, i) => [v, `'${k}', '${i}'`] as const) : [])),
      ...["$defs", "definitions"].flatMap((k) => Object.entries((n[k] ?? {}) as object).map(([d, v]) => [v, `'${k}', '${d}'`] as const)),
    ];
    for (const [child, key] of children) {
      const problem = walk(child, context ? `${context}, ${key}` : key);
      if (problem) return problem;
    }
    return undefined;
  };
  const problem = walk(f.json_schema.schema, "");
  return problem ? `Invalid schema for response_format '${f.json_schema.name ?? ""}': ${problem}` : undefined;
}

/** Only OpenAI itself (and Azure's v1 API) serve /responses; the compatible vendors the mock plays do not. */
function p_isServing(expected: OpenAIRoute): boolean {
  return expected.provider.type === "openai" || expected.provider.type === "azure-openai";
}

function seenIn(messages: Message[]): { toolResults: number; images: number } {
  let toolResults = 0;
  let images = 0;
  for (const m of messages) {
    if (m.role === "tool") toolResults++;
    if (Array.isArray(m.content)) images += m.content.filter((p) => (p as { type?: string }).type === "image_url").length;
  }
  return { toolResults, images };
}

export function answerOpenAI(res: ServerResponse, expected: OpenAIRoute, body: Record<string, unknown>): number {
  const model = (body.model as string | undefined) ?? expected.deployment ?? "unknown";
  const id = `chatcmpl-mock-${Math.random().toString(36).slice(2, 10)}`;
  const created = Math.floor(Date.now() / 1000);
  if (expected.operation === "/embeddings") {
    // One vector per input, of the asked dimensions (3 when none), as OpenAI answers.
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    const size = typeof body.dimensions === "number" ? body.dimensions : 3;
    const data = inputs.map((_, i) => ({ object: "embedding", index: i, embedding: Array.from({ length: size }, (_, j) => (j + 1) / 10 + i) }));
    return sendJson(res, 200, { object: "list", data, model, usage: { prompt_tokens: 3 * inputs.length, total_tokens: 3 * inputs.length } });
  }
  const usage: Record<string, unknown> = { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 };
  if (typeof body.prompt_cache_key === "string" && Array.isArray(body.messages)) {
    // OpenAI caches the longest prefix it has seen on the machine the key routes to: the mock, every message boundary under the key.
    const messages = body.messages as unknown[];
    const cache = playCache(`openai:${body.prompt_cache_key}:`, messages, messages.map((_, index) => ({ index, ttl: "5m" })));
    Object.assign(usage, { prompt_tokens: cache.total, total_tokens: cache.total + 7, prompt_tokens_details: { cached_tokens: cache.read } });
  }
  if (expected.operation === "/responses") return answerResponses(res, expected, body, model);
  if (expected.operation === "/completions") {
    return sendJson(res, 200, { id, object: "text_completion", created, model, choices: [{ index: 0, text: `Hello from mock ${expected.provider.type} (${model}).`, finish_reason: "stop" }], usage });
  }
  const messages = body.messages as Message[];
  const tools = ((body.tools ?? []) as { function: { name: string; parameters?: unknown } }[]).map((t) => ({ name: t.function.name, schema: t.function.parameters }));
  // The conversation answers the last tool calls when a tool message follows the last assistant turn.
  const lastAssistant = messages.map((m) => m.role).lastIndexOf("assistant");
  const answered = messages.slice(lastAssistant + 1).some((m) => m.role === "tool");
  const plan = script(expected.provider.type, model, body.tool_choice === "none" ? [] : tools, answered, body.parallel_tool_calls !== false, seenIn(messages));
  const toolCalls = plan.calls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: JSON.stringify(c.args) } }));
  // A search model asked to search answers with the found text and its url_citation annotations.
  const searched = body.web_search_options !== undefined && toolCalls.length === 0;
  if (searched) plan.text = SEARCHED_TEXT;
  const finish = toolCalls.length > 0 ? "tool_calls" : "stop";
  if (body.stream === true) {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const chunk = (delta: Record<string, unknown>, finishReason: string | null) =>
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] })}\n\n`;
    res.write(chunk({ role: "assistant", content: "" }, null));
    for (const w of plan.text ? words(plan.text) : []) res.write(chunk({ content: w }, null));
    if (searched) res.write(chunk({ annotations: OPENAI_ANNOTATIONS }, null));
    toolCalls.forEach((call, index) => {
      res.write(chunk({ tool_calls: [{ index, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } }] }, null));
      for (const piece of halves(call.function.arguments)) res.write(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }, null));
    });
    res.write(chunk({}, finish));
    if ((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage) {
      res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [], usage })}\n\n`);
    }
    res.end("data: [DONE]\n\n");
    return 200;
  }
  const message = { role: "assistant", content: plan.text || null, refusal: null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}), ...(searched ? { annotations: OPENAI_ANNOTATIONS } : {}) };
  return sendJson(res, 200, { id, object: "chat.completion", created, model, choices: [{ index: 0, message, logprobs: null, finish_reason: finish }], usage });
}

/** OpenAI's Responses API, natively: a message output (JSON, or its event stream). */
function answerResponses(res: ServerResponse, expected: OpenAIRoute, body: Record<string, unknown>, model: string): number {
  const text = `Hello from mock ${expected.provider.type} (${model}) via the Responses API.`;
  const id = `resp_mock${Math.random().toString(36).slice(2, 10)}`;
  const message = { type: "message", id: `msg_${id}`, status: "completed", role: "assistant", content: [{ type: "output_text", text, annotations: [] }] };
  const usage = { input_tokens: 5, input_tokens_details: { cached_tokens: 0 }, output_tokens: 9, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 14 };
  const response = (status: string, output: unknown[]) => ({ id, object: "response", created_at: Math.floor(Date.now() / 1000), status, model, output, usage: status === "completed" ? usage : null });
  if (body.stream !== true) return sendJson(res, 200, response("completed", [message]));
  res.writeHead(200, { "content-type": "text/event-stream" });
  let sequence_number = 0;
  const send = (type: string, fields: Record<string, unknown>) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence_number++, ...fields })}\n\n`);
  send("response.created", { response: response("in_progress", []) });
  send("response.output_item.added", { output_index: 0, item: { ...message, status: "in_progress", content: [] } });
  send("response.content_part.added", { item_id: message.id, output_index: 0, content_index: 0, part: { type: "output_text", text: "", annotations: [] } });
  for (const w of words(text)) send("response.output_text.delta", { item_id: message.id, output_index: 0, content_index: 0, delta: w });
  send("response.output_text.done", { item_id: message.id, output_index: 0, content_index: 0, text });
  send("response.content_part.done", { item_id: message.id, output_index: 0, content_index: 0, part: message.content[0] });
  send("response.output_item.done", { output_index: 0, item: message });
  send("response.completed", { response: response("completed", [message]) });
  res.end();
  return 200;
}

/** The first place a chat request carries cache_control (a message, its parts, its tool calls, a tool), as OpenAI names it. */
function cacheControlAt(b: Record<string, unknown>): string | undefined {
  const has = (x: unknown) => x !== null && typeof x === "object" && "cache_control" in (x as object);
  for (const [i, m] of (b.messages as Record<string, unknown>[]).entries()) {
    if (has(m)) return `messages[${i}]`;
    for (const [j, part] of (Array.isArray(m.content) ? m.content : []).entries()) if (has(part)) return `messages[${i}].content[${j}]`;
    for (const [j, call] of (Array.isArray(m.tool_calls) ? m.tool_calls : []).entries()) if (has(call)) return `messages[${i}].tool_calls[${j}]`;
  }
  for (const [i, t] of (Array.isArray(b.tools) ? b.tools : []).entries()) if (has(t)) return `tools[${i}]`;
  return undefined;
}
