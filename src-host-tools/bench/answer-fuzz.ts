// Provider answers as a hostile or broken provider writes them, for every provider API the filter
// reads (OpenAI chat, OpenAI Responses, Anthropic Messages, Gemini, Bedrock Converse), JSON
// answers, streams and errors: random chunk splits, many-line events, huge lines, comments,
// truncation, invalid UTF-8, wrong framing, gzip bytes, deep nesting, huge numbers, strings,
// arrays and objects. Each answer is driven through the compiled module in the host emulator, one
// VM per API as one Envoy worker would hold it, and checked: no trap, linear memory within the
// bound, and a client answer in the client's own format. Used by test/unit/fuzz-provider-answers.test.ts
// (a seeded small run) and src-host-tools/bench/fuzz-answers.ts (the million-answer run).
import { crc32, gzipSync } from "node:zlib";
import { HostEmulator, HttpStream } from "../host/emulator.js";
import { clusterForAuthority, providerVirtualHosts } from "../envoy/routes.js";

/** The bound the fuzz holds the VM's linear memory to, whatever the answers (docs/limits.md). */
export const MEMORY_BOUND_BYTES = 160 * 1024 * 1024;

const AWS_ENV = { AWS_ACCESS_KEY_ID: "AKIDFUZZEXAMPLE", AWS_SECRET_ACCESS_KEY: "fuzz/secret+access/key" };

/** Every provider API the filter reads, each on its own host. Body mode (Gemini's and Bedrock's paths name the model). */
export const FUZZ_CONFIG = {
  requestMode: "body",
  providers: [
    { name: "openai", type: "openai", apiKeys: [{ value: "fuzz-openai-key" }] },
    { name: "groq", type: "groq", apiKeys: [{ value: "fuzz-groq-key" }] },
    { name: "anthropic", type: "anthropic", apiKeys: [{ value: "fuzz-anthropic-key" }] },
    { name: "gemini", type: "gemini", apiKeys: [{ value: "fuzz-gemini-key" }] },
    { name: "bedrock", type: "bedrock", region: "us-east-1" },
  ],
  routes: [
    { name: "openai", match: { host: "openai.fz" }, backends: [{ provider: "openai", model: "gpt-4o" }] },
    { name: "groq", match: { host: "groq.fz" }, backends: [{ provider: "groq", model: "llama-3.3-70b" }] },
    { name: "extract", match: { host: "extract.fz" }, backends: [{ provider: "openai", model: "gpt-4o" }], policy: { extract: "choices[0].message.content" } },
    { name: "claude", match: { host: "claude.fz" }, backends: [{ provider: "anthropic", model: "claude-sonnet-4-5" }] },
    { name: "gemini", match: { host: "gemini.fz" }, backends: [{ provider: "gemini", model: "gemini-2.0-flash" }] },
    { name: "bedrock", match: { host: "bedrock.fz" }, backends: [{ provider: "bedrock", model: "anthropic.claude-3-5-sonnet-20240620-v1:0" }] },
  ],
};

type ClientApi = "openai" | "anthropic" | "responses" | "embeddings";
type Framing = "json" | "sse" | "eventstream";

/** One way a client reaches one provider API: what it sends, how the answer is framed, whether the filter translates it. */
interface Route { host: string; client: ClientApi; stream: boolean; framing: Framing; translated: boolean; extract?: boolean; valid: (r: () => number) => Buffer }

export interface FuzzApi { name: string; routes: Route[] }

// ---- valid answers, varied ----

const word = (r: () => number) => ["Hello", " world", "é", "\u{1F600}", " \"q\"", "\\n", "<tag>", " 42"][Math.floor(r() * 8)];
const text = (r: () => number, n = 1 + Math.floor(r() * 6)) => Array.from({ length: n }, () => word(r)).join("");
const sseData = (payload: unknown) => `data: ${typeof payload === "string" ? payload : JSON.stringify(payload)}\n\n`;
const sseNamed = (event: string, payload: unknown) => `event: ${event}\n${sseData(payload)}`;
const pieces = (r: () => number) => Array.from({ length: 1 + Math.floor(r() * 5) }, () => text(r, 1));

function openAIJson(r: () => number): Buffer {
  return Buffer.from(JSON.stringify({ id: "chatcmpl-1", object: "chat.completion", created: 1, model: "gpt-4o", choices: [{ index: 0, message: { role: "assistant", content: text(r) }, finish_reason: "stop" }], usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 } }));
}
function openAISse(r: () => number): Buffer {
  const chunk = (delta: object, finish: string | null = null) => ({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-4o", choices: [{ index: 0, delta, finish_reason: finish }] });
  let s = sseData(chunk({ role: "assistant", content: "" }));
  for (const p of pieces(r)) s += sseData(chunk({ content: p }));
  if (r() < 0.3) s += sseData(chunk({ tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "f", arguments: "{\"a\":" } }] })) + sseData(chunk({ tool_calls: [{ index: 0, function: { arguments: "1}" } }] }));
  s += sseData(chunk({}, "stop"));
  s += sseData({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "gpt-4o", choices: [], usage: { prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 } });
  return Buffer.from(s + "data: [DONE]\n\n");
}
function responsesJson(r: () => number): Buffer {
  return Buffer.from(JSON.stringify({ id: "resp_1", object: "response", status: "completed", model: "gpt-4o", output: [{ type: "message", id: "msg_1", role: "assistant", content: [{ type: "output_text", text: text(r), annotations: [] }] }], usage: { input_tokens: 3, output_tokens: 5, total_tokens: 8 } }));
}
function responsesSse(r: () => number): Buffer {
  const response = (status: string, usage: object | null) => ({ id: "resp_1", object: "response", status, model: "gpt-4o", output: [], usage });
  let s = sseNamed("response.created", { type: "response.created", response: response("in_progress", null) });
  for (const p of pieces(r)) s += sseNamed("response.output_text.delta", { type: "response.output_text.delta", item_id: "msg_1", output_index: 0, content_index: 0, delta: p });
  return Buffer.from(s + sseNamed("response.completed", { type: "response.completed", response: response("completed", { input_tokens: 3, output_tokens: 5, total_tokens: 8 }) }));
}
function anthropicJson(r: () => number): Buffer {
  const content: object[] = pieces(r).map((t) => ({ type: "text", text: t }));
  if (r() < 0.3) content.push({ type: "tool_use", id: "toolu_1", name: "f", input: { a: 1 } });
  return Buffer.from(JSON.stringify({ id: "msg_1", type: "message", role: "assistant", model: "claude-sonnet-4-5", content, stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 3, output_tokens: 5 } }));
}
function anthropicSse(r: () => number): Buffer {
  let s = sseNamed("message_start", { type: "message_start", message: { id: "msg_1", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [], stop_reason: null, usage: { input_tokens: 3, output_tokens: 1 } } });
  s += sseNamed("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } });
  if (r() < 0.3) s += "event: ping\ndata: {\"type\":\"ping\"}\n\n";
  for (const p of pieces(r)) s += sseNamed("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: p } });
  s += sseNamed("content_block_stop", { type: "content_block_stop", index: 0 });
  s += sseNamed("message_delta", { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 5 } });
  return Buffer.from(s + sseNamed("message_stop", { type: "message_stop" }));
}
const geminiChunk = (parts: object[], finish?: string) => ({ candidates: [{ content: { role: "model", parts }, ...(finish ? { finishReason: finish } : {}) }], usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 5, totalTokenCount: 8 }, modelVersion: "gemini-2.0-flash" });
function geminiJson(r: () => number): Buffer {
  return Buffer.from(JSON.stringify(geminiChunk(pieces(r).map((t) => ({ text: t })), "STOP")));
}
function geminiSse(r: () => number): Buffer {
  const ps = pieces(r);
  return Buffer.from(ps.map((p, i) => sseData(geminiChunk([{ text: p }], i === ps.length - 1 ? "STOP" : undefined))).join(""));
}
function geminiEmbeddings(r: () => number): Buffer {
  return Buffer.from(JSON.stringify({ embeddings: [{ values: Array.from({ length: 1 + Math.floor(r() * 16) }, () => Math.round((r() - 0.5) * 1e4) / 1e3) }] }));
}
function bedrockJson(r: () => number): Buffer {
  return Buffer.from(JSON.stringify({ output: { message: { role: "assistant", content: pieces(r).map((t) => ({ text: t })) } }, stopReason: "end_turn", usage: { inputTokens: 3, outputTokens: 5, totalTokens: 8 }, metrics: { latencyMs: 10 } }));
}

/** One AWS event-stream message (https://docs.aws.amazon.com/transcribe/latest/dg/event-stream.html). */
export function awsFrame(headers: Record<string, string>, payload: Buffer): Buffer {
  const hs = Buffer.concat(Object.entries(headers).map(([k, v]) => {
    const name = Buffer.from(k); const value = Buffer.from(v);
    const h = Buffer.alloc(1 + name.length + 1 + 2 + value.length);
    h[0] = name.length; name.copy(h, 1); h[1 + name.length] = 7; h.writeUInt16BE(value.length, 2 + name.length); value.copy(h, 4 + name.length);
    return h;
  }));
  const total = 12 + hs.length + payload.length + 4;
  const out = Buffer.alloc(total);
  out.writeUInt32BE(total, 0); out.writeUInt32BE(hs.length, 4); out.writeUInt32BE(crc32(out.subarray(0, 8)), 8);
  hs.copy(out, 12); payload.copy(out, 12 + hs.length);
  out.writeUInt32BE(crc32(out.subarray(0, total - 4)), total - 4);
  return out;
}
const awsEvent = (type: string, payload: unknown) => awsFrame({ ":event-type": type, ":content-type": "application/json", ":message-type": "event" }, Buffer.from(typeof payload === "string" ? payload : JSON.stringify(payload)));

function bedrockStream(r: () => number): Buffer {
  const frames = [awsEvent("messageStart", { role: "assistant" })];
  for (const p of pieces(r)) frames.push(awsEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { text: p } }));
  frames.push(awsEvent("contentBlockStop", { contentBlockIndex: 0 }), awsEvent("messageStop", { stopReason: "end_turn" }), awsEvent("metadata", { usage: { inputTokens: 3, outputTokens: 5, totalTokens: 8 }, metrics: { latencyMs: 1 } }));
  return Buffer.concat(frames);
}

export const FUZZ_APIS: FuzzApi[] = [
  { name: "OpenAI chat", routes: [
    { host: "openai.fz", client: "openai", stream: false, framing: "json", translated: false, valid: openAIJson },
    { host: "openai.fz", client: "openai", stream: true, framing: "sse", translated: false, valid: openAISse },
    { host: "openai.fz", client: "anthropic", stream: false, framing: "json", translated: true, valid: openAIJson },
    { host: "openai.fz", client: "anthropic", stream: true, framing: "sse", translated: true, valid: openAISse },
    { host: "groq.fz", client: "responses", stream: false, framing: "json", translated: true, valid: openAIJson },
    { host: "groq.fz", client: "responses", stream: true, framing: "sse", translated: true, valid: openAISse },
    { host: "extract.fz", client: "openai", stream: false, framing: "json", translated: false, extract: true, valid: openAIJson },
  ] },
  { name: "OpenAI Responses", routes: [
    { host: "openai.fz", client: "responses", stream: false, framing: "json", translated: false, valid: responsesJson },
    { host: "openai.fz", client: "responses", stream: true, framing: "sse", translated: false, valid: responsesSse },
  ] },
  { name: "Anthropic Messages", routes: [
    { host: "claude.fz", client: "anthropic", stream: false, framing: "json", translated: false, valid: anthropicJson },
    { host: "claude.fz", client: "anthropic", stream: true, framing: "sse", translated: false, valid: anthropicSse },
    { host: "claude.fz", client: "openai", stream: false, framing: "json", translated: true, valid: anthropicJson },
    { host: "claude.fz", client: "openai", stream: true, framing: "sse", translated: true, valid: anthropicSse },
    { host: "claude.fz", client: "responses", stream: true, framing: "sse", translated: true, valid: anthropicSse },
  ] },
  { name: "Gemini", routes: [
    { host: "gemini.fz", client: "openai", stream: false, framing: "json", translated: true, valid: geminiJson },
    { host: "gemini.fz", client: "openai", stream: true, framing: "sse", translated: true, valid: geminiSse },
    { host: "gemini.fz", client: "embeddings", stream: false, framing: "json", translated: true, valid: geminiEmbeddings },
    { host: "gemini.fz", client: "anthropic", stream: true, framing: "sse", translated: true, valid: geminiSse },
  ] },
  { name: "Bedrock Converse", routes: [
    { host: "bedrock.fz", client: "openai", stream: false, framing: "json", translated: true, valid: bedrockJson },
    { host: "bedrock.fz", client: "openai", stream: true, framing: "eventstream", translated: true, valid: bedrockStream },
    { host: "bedrock.fz", client: "anthropic", stream: true, framing: "eventstream", translated: true, valid: bedrockStream },
  ] },
];

// ---- what a broken or hostile provider does to them ----

/** How large the attacks get: the CI run keeps them small and adds a few big ones by name; the bench draws big ones rarely. */
export interface FuzzScale { bigEvery: number }

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const INVALID_UTF8 = [Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf4, 0x90, 0x80, 0x80]), Buffer.from([0xe2, 0x82]), Buffer.from([0xc0, 0xaf])];

/** A JSON text that is costly to hold as a tree or to read: deep, wide, long, or numeric extremes. */
function jsonBomb(r: () => number, big: boolean): string {
  const n = big ? 200_000 + Math.floor(r() * 2_000_000) : 1 + Math.floor(r() * 3000);
  switch (Math.floor(r() * 7)) {
    case 0: return "[".repeat(n) + "]".repeat(n);
    case 1: return "{\"a\":".repeat(n) + "1" + "}".repeat(n);
    case 2: return "[" + "0,".repeat(n) + "0]";
    case 3: return "{" + Array.from({ length: Math.min(n, 300_000) }, (_, i) => `"k${i}":${i}`).join(",") + "}";
    case 4: return "1" + "0".repeat(n) + "e99999";
    case 5: return JSON.stringify("\\u00e9\"".repeat(Math.ceil(n / 8)));
    default: return "\"" + "\\ud800x".repeat(Math.ceil(n / 7)) + "\"";
  }
}

/** Inserts `piece` at a random offset. */
const insertAt = (b: Buffer, at: number, piece: Buffer) => Buffer.concat([b.subarray(0, at), piece, b.subarray(at)]);

/** An SSE event of `lines` data lines (the case: one event, 60,000 lines). */
export function manyLineEvent(lines: number, lineBytes = 2): Buffer {
  return Buffer.from(`data: ${"x".repeat(lineBytes)}\n`.repeat(lines) + "\n");
}

export interface FuzzAnswer { status: number; contentType: string; encoding?: string; body: Buffer; kind: string }

/** One answer for `route`: valid or broken one way or several. */
export function fuzzAnswer(route: Route, r: () => number, scale: FuzzScale): FuzzAnswer {
  const big = scale.bigEvery > 0 && r() < 1 / scale.bigEvery;
  let body = route.valid(r);
  let status = 200;
  let contentType = route.framing === "json" ? "application/json" : route.framing === "sse" ? "text/event-stream" : "application/vnd.amazon.eventstream";
  let encoding: string | undefined;
  const kinds: string[] = [];
  const edits = r() < 0.15 ? 0 : 1 + Math.floor(r() * 2);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(r() * (body.length + 1));
    const kind = pick(r, route.framing === "eventstream" ? EVENTSTREAM_KINDS : route.framing === "sse" ? SSE_KINDS : JSON_KINDS);
    kinds.push(kind);
    switch (kind) {
      case "truncate": body = body.subarray(0, at); break;
      case "flip": if (body.length > 0) { body = Buffer.from(body); body[Math.min(at, body.length - 1)] ^= 1 << Math.floor(r() * 8); } break;
      case "utf8": body = insertAt(body, at, pick(r, INVALID_UTF8)); break;
      case "bomb": {
        const bomb = jsonBomb(r, big);
        if (route.framing === "json") body = r() < 0.5 ? Buffer.from(bomb) : Buffer.from(body.toString("latin1").replace(/"content":"[^"]*"|"text":"[^"]*"|"values":\[[^\]]*\]/, (m) => m.slice(0, m.indexOf(":") + 1) + bomb), "latin1");
        else if (route.framing === "sse") body = insertAt(body, eventBoundary(body, at), Buffer.from(`data: ${bomb}\n\n`));
        else body = insertAt(body, frameBoundary(body, at), awsEvent("contentBlockDelta", bomb));
        break;
      }
      case "many-lines": body = insertAt(body, eventBoundary(body, at), manyLineEvent(big ? 40_000 + Math.floor(r() * 40_000) : 1 + Math.floor(r() * 2000), 1 + Math.floor(r() * 12))); break;
      case "huge-line": body = insertAt(body, eventBoundary(body, at), Buffer.from(`data: {"x":"${"y".repeat(big ? (1 << 20) + Math.floor(r() * (1 << 20)) : Math.floor(r() * 20_000))}"}\n\n`)); break;
      case "comments": body = insertAt(body, eventBoundary(body, at), Buffer.from(": keep-alive\n".repeat(1 + Math.floor(r() * (big ? 100_000 : 200))))); break;
      case "framing": {
        const s = body.toString("latin1");
        const how = Math.floor(r() * 5);
        body = Buffer.from(how === 0 ? s.replace(/\n/g, "\r") : how === 1 ? s.replace(/\n/g, "\r\n") : how === 2 ? s.replace(/\n\n/g, "\n") : how === 3 ? s.replace(/data: /g, "data:") : s.replace(/\n\n/g, "\nevent: " + "e".repeat(Math.floor(r() * 500)) + "\n\n"), "latin1");
        break;
      }
      case "no-blank": body = Buffer.concat([body, Buffer.from("data: " + "z".repeat(big ? (1 << 20) + 10 : Math.floor(r() * 5000)))]); break;
      case "wrong-type": contentType = pick(r, ["application/json", "text/event-stream", "text/plain", "application/vnd.amazon.eventstream"]); break;
      case "gzip": body = gzipSync(body); if (r() < 0.8) encoding = pick(r, ["gzip", "br", "deflate"]); break;
      case "error": status = pick(r, [400, 401, 413, 429, 500, 503, 529]); contentType = "application/json"; body = errorBody(r, big); break;
      case "huge-frame": {
        // A prelude whose CRC holds, claiming a message far over the bound.
        const p = Buffer.alloc(12); p.writeUInt32BE(big ? 0xffffff00 : (1 << 20) + 1 + Math.floor(r() * 1000), 0); p.writeUInt32BE(0, 4); p.writeUInt32BE(crc32(p.subarray(0, 8)), 8);
        body = insertAt(body, frameBoundary(body, at), Buffer.concat([p, Buffer.alloc(Math.floor(r() * 4096))]));
        break;
      }
      case "frame-bad-headers": body = insertAt(body, frameBoundary(body, at), awsFrame({ ":message-type": "event", ":event-type": "x".repeat(Math.floor(r() * 300)) }, Buffer.from(jsonBomb(r, false)))); break;
      case "many-frames": body = insertAt(body, frameBoundary(body, at), Buffer.concat(Array.from({ length: big ? 50_000 : 1 + Math.floor(r() * 500) }, () => awsEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "a" } })))); break;
      case "exception": body = insertAt(body, frameBoundary(body, at), awsFrame({ ":message-type": "exception", ":exception-type": "throttlingException" }, Buffer.from(JSON.stringify({ message: text(r) })))); break;
      case "garbage": body = Buffer.from(Array.from({ length: Math.floor(r() * (big ? 1 << 20 : 4096)) }, () => Math.floor(r() * 256))); break;
    }
  }
  return { status, contentType, encoding, body, kind: kinds.join("+") || "valid" };
}

const JSON_KINDS = ["truncate", "flip", "utf8", "bomb", "bomb", "gzip", "error", "error", "wrong-type", "garbage"] as const;
const SSE_KINDS = ["truncate", "flip", "utf8", "bomb", "many-lines", "many-lines", "huge-line", "comments", "framing", "no-blank", "gzip", "error", "wrong-type", "garbage"] as const;
const EVENTSTREAM_KINDS = ["truncate", "flip", "utf8", "bomb", "huge-frame", "frame-bad-headers", "many-frames", "exception", "gzip", "error", "wrong-type", "garbage"] as const;

function errorBody(r: () => number, big: boolean): Buffer {
  switch (Math.floor(r() * 5)) {
    case 0: return Buffer.from(JSON.stringify({ error: { message: text(r), type: "rate_limit_error", code: "x" } }));
    case 1: return Buffer.from(JSON.stringify({ type: "error", error: { type: "overloaded_error", message: text(r) } }));
    case 2: return Buffer.from("<html>" + "x".repeat(big ? 200_000 : Math.floor(r() * 2000)) + "</html>");
    case 3: return Buffer.from(`{"error":{"message":${jsonBomb(r, big)}}}`);
    default: return gzipSync(Buffer.from(JSON.stringify({ error: { message: text(r) } })));
  }
}

/** The offset of an event boundary at or after `at` (so inserted events stand alone), else the end. */
function eventBoundary(b: Buffer, at: number): number {
  const i = b.indexOf("\n\n", at);
  return i < 0 ? b.length : i + 2;
}

/** A frame boundary near `at` in a stream of valid frames (the start when it cannot tell). */
function frameBoundary(b: Buffer, at: number): number {
  let p = 0;
  while (p + 12 <= b.length) {
    const total = b.readUInt32BE(p);
    if (total < 16 || p + total > b.length) break;
    if (p + total > at) return p;
    p += total;
  }
  return p;
}

// ---- driving and checking ----

function requestFor(route: Route): string {
  const stream = route.stream;
  if (route.client === "anthropic") return JSON.stringify({ model: "m", max_tokens: 64, stream, messages: [{ role: "user", content: "hi" }] });
  if (route.client === "responses") return JSON.stringify({ model: "m", input: "hi", stream });
  if (route.client === "embeddings") return JSON.stringify({ model: "m", input: "hi" });
  return JSON.stringify({ model: "m", stream, ...(stream ? { stream_options: { include_usage: true } } : {}), messages: [{ role: "user", content: "hi" }] });
}
const PATHS: Record<ClientApi, string> = { openai: "/v1/chat/completions", anthropic: "/v1/messages", responses: "/v1/responses", embeddings: "/v1/embeddings" };

/** A VM configured with FUZZ_CONFIG, as one worker holds it. */
export async function fuzzVm(wasm: Uint8Array): Promise<HostEmulator> {
  const vhosts = providerVirtualHosts(FUZZ_CONFIG as Parameters<typeof providerVirtualHosts>[0]);
  const host = await HostEmulator.load(wasm, { routeCluster: (a) => clusterForAuthority(vhosts, a), allowOnHeadersStopIteration: true, env: AWS_ENV, logLevel: "critical" });
  if (!host.configure(JSON.stringify(FUZZ_CONFIG))) throw new Error("the fuzz config was refused: " + host.logText().join("\n"));
  return host;
}

/** Splits `body` the way a network might: whole, in tiny pieces (short answers), small or large random pieces. */
function splits(body: Buffer, r: () => number): number[] {
  const how = Math.floor(r() * 4);
  if (how === 0 || body.length === 0) return [body.length];
  // Large answers in large pieces: the emulator, like Envoy, joins what the filter buffers, and small pieces of a big one would time the emulator.
  const cap = how === 1 && body.length < 1024 ? 3 : how === 2 && body.length < (64 << 10) ? 64 : 65536;
  const sizes: number[] = [];
  for (let left = body.length; left > 0;) { const n = Math.min(left, 1 + Math.floor(r() * cap)); sizes.push(n); left -= n; }
  return sizes;
}

export class FuzzFailure extends Error {}

/** The VM's trap, read afresh (a callback may have set it since the last look). */
const trapOf = (host: HostEmulator): { message: string } | null => host.trap;

/** Drives one answer through `host` and checks what the client got; throws FuzzFailure with the reason. */
export function runAnswer(host: HostEmulator, route: Route, answer: FuzzAnswer, r: () => number): void {
  const stream = host.createStream();
  stream.sendRequest({ ":method": "POST", ":path": PATHS[route.client], ":authority": route.host, ":scheme": "http", "content-type": "application/json" }, requestFor(route));
  { const trap = trapOf(host); if (trap) throw new FuzzFailure(`trap on the request: ${trap.message}`); }
  if (stream.localResponse) throw new FuzzFailure(`refused locally: ${stream.localResponse.body}`);
  const headers: Record<string, string> = { ":status": String(answer.status), "content-type": answer.contentType };
  if (answer.encoding) headers["content-encoding"] = answer.encoding;
  stream.sendResponseHeaders(headers);
  let offset = 0;
  for (const n of splits(answer.body, r)) {
    offset += n;
    stream.sendResponseBody(answer.body.subarray(offset - n, offset), offset === answer.body.length);
    if (trapOf(host)) break;
  }
  if (answer.body.length === 0) stream.sendResponseBody(new Uint8Array(0), true);
  { const trap = trapOf(host); if (trap) throw new FuzzFailure(`trap: ${trap.message}`); }
  checkClient(stream, route, answer);
  stream.complete();
  { const trap = trapOf(host); if (trap) throw new FuzzFailure(`trap at completion: ${trap.message}`); }
  const memory = host.memoryBytes();
  if (memory > MEMORY_BOUND_BYTES) throw new FuzzFailure(`linear memory ${memory} over the bound ${MEMORY_BOUND_BYTES}`);
}

function fail(why: string, out: string): never { throw new FuzzFailure(`${why}: ${out.length > 300 ? out.slice(0, 150) + " … " + out.slice(-150) : out}`); }

function parseJson(out: string, why: string): unknown {
  try { return JSON.parse(out); } catch { return fail(why, out); }
}

/** What the client gets must be in its own format: JSON, or whole SSE events ending the way its API ends a stream. */
function checkClient(stream: HttpStream, route: Route, answer: FuzzAnswer): void {
  const out = Buffer.from(stream.downstreamBody);
  const text = out.toString("utf8");
  if (answer.status >= 400) {
    parseJson(text, "an error that is not JSON");
    return;
  }
  if (!route.translated) {
    if (route.extract) {
      const type = stream.responseHeader("content-type") ?? "";
      if (stream.responseHeader(":status") !== "200") parseJson(text, "an extraction error that is not JSON");
      else if (type.startsWith("application/json") && !answer.encoding && answer.contentType === "application/json") parseJson(text, "an extracted value that is not JSON");
      return;
    }
    // The client's own API passes as the provider sent it; a stream cut short gets an error event after it.
    if (!out.subarray(0, answer.body.length).equals(answer.body)) fail("an untranslated answer changed", text);
    const added = out.subarray(answer.body.length).toString("utf8");
    if (added.length > 0) {
      if (answer.contentType !== "text/event-stream") fail("bytes added to an untranslated answer", added);
      checkEvents(added.replace(/^\n+/, ""), route.client, true);
    }
    return;
  }
  const type = stream.responseHeader("content-type") ?? "";
  if (stream.responseHeader("content-encoding")) fail("a translated answer still says content-encoding", text);
  const streamed = answer.contentType === "text/event-stream" || answer.contentType === "application/vnd.amazon.eventstream";
  if (!streamed) { parseJson(text, "a translated JSON answer that is not JSON"); return; }
  if (!type.startsWith("text/event-stream")) fail("a translated stream not sent as SSE", type);
  checkEvents(text, route.client, false);
}

/** Whole events whose data is JSON ([DONE] for OpenAI); the last one ends the stream in the client's API. */
function checkEvents(text: string, client: ClientApi, errorOnly: boolean): void {
  if (!text.endsWith("\n\n")) fail("a stream that does not end with a whole event", text);
  const blocks = text.split("\n\n").filter(Boolean);
  let lastName = "";
  let lastData = "";
  for (const block of blocks) {
    const lines = block.split("\n");
    const dataLine = lines.find((l) => l.startsWith("data: "));
    if (!dataLine) fail("an event without data", block);
    lastName = (lines.find((l) => l.startsWith("event: ")) ?? "").slice(7);
    lastData = dataLine.slice(6);
    if (lastData !== "[DONE]") parseJson(lastData, "an event whose data is not JSON");
  }
  const end = client === "openai" || client === "embeddings" ? lastData === "[DONE]" || lastData.startsWith("{\"error\"")
    : client === "anthropic" ? lastName === "message_stop" || lastName === "error"
    : /^(response\.(completed|incomplete|failed)|error)$/.test(lastName);
  if (!end || errorOnly && !(lastData.includes("error"))) fail("a stream that does not end as its API ends one", text.slice(-400));
}
