// Local quotas in the host emulator, one row per way a client (or a provider) could slip past the
// count: a request reserves its worst case (input estimate + output cap) before it goes, and when
// done the reservation is set right to the reported usage, or to what was received when there is
// none. Rows read the shared-data counter itself after admission and after the end.
import { describe, expect, it } from "vitest";
import { newKey } from "../../src-host-tools/config/consumer-key.js";
import { HostEmulator, HttpStream } from "../../src-host-tools/host/emulator.js";
import { json, loadFilter } from "../support/filter.js";

const alice = newKey();
const LIMIT = 100_000;
const DEFAULT_CAP = 1000;
const config = (limits: unknown[] = [{ tokensPerMinute: LIMIT, defaultOutputCap: DEFAULT_CAP }], metrics = false) => ({
  providers: [{ name: "openai", type: "openai", apiKeys: [{ value: "provider-key-1" }] }],
  routes: [{ name: "chat", match: { host: "api.openai.com" }, backends: [{ provider: "openai" }], requireConsumer: true }],
  consumers: [{ name: "alice", keys: [alice.stored], limits }],
  requestMode: "body",
  ...(metrics ? {} : { metrics: { enabled: false } }),
});
const REQUEST = { ":method": "POST", ":path": "/v1/chat/completions", ":authority": "api.openai.com", ":scheme": "http", "content-type": "application/json", authorization: `Bearer ${alice.key}` };
const messages = [{ role: "user", content: "hi" }];

/** The tokens counted in the current window of alice's first limit. */
function counted(host: HostEmulator, kind = "tokens-minute", rule = 0): number {
  const entry = host.sharedData.get(`llm-mesh/quota/alice/${rule}/${kind}`);
  if (!entry) return 0;
  return Number(new DataView(entry.value.buffer, entry.value.byteOffset, 16).getBigInt64(8, true));
}

const inputEstimate = (body: string) => Math.ceil(Buffer.byteLength(body) / 4);
const sse = (events: unknown[], done = true) => events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join("") + (done ? "data: [DONE]\n\n" : "");
const delta = (content: string) => ({ id: "c", object: "chat.completion.chunk", model: "gpt-4o", choices: [{ index: 0, delta: { content }, finish_reason: null }] });
const finish = { id: "c", object: "chat.completion.chunk", model: "gpt-4o", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] };
const usageChunk = (prompt: number, completion: number) => ({ id: "c", object: "chat.completion.chunk", model: "gpt-4o", choices: [], usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } });
const LONG = "x".repeat(2000);

type Answer =
  | { kind: "json"; usage?: [number, number]; status?: number }
  | { kind: "sse"; body: string; end: boolean }
  | { kind: "none" };
type Row = {
  name: string;
  body: Record<string, unknown>;
  /** The body as written, when JSON.stringify cannot write it so (1e9). */
  raw?: string;
  /** Refused before anything goes upstream: status and message. */
  refused?: [number, RegExp];
  /** Output tokens reserved beside the input estimate. */
  cap?: number;
  answer?: Answer;
  /** What is charged when done, from the input estimate and the bytes the client received. */
  charged?: (input: number, receivedBytes: number) => number;
};

const ROWS: Row[] = [
  { name: "no cap named: the limit's defaultOutputCap is reserved and sent (the provider enforces it); the reported usage is charged", body: { model: "gpt-4o", messages }, cap: DEFAULT_CAP, answer: { kind: "json", usage: [490, 10] }, charged: () => 500 },
  { name: "max_tokens 50 reserves 50", body: { model: "gpt-4o", messages, max_tokens: 50 }, cap: 50, answer: { kind: "json", usage: [7, 3] }, charged: () => 10 },
  { name: "max_completion_tokens and max_tokens: the larger is reserved", body: { model: "gpt-4o", messages, max_tokens: 20, max_completion_tokens: 200 }, cap: 200, answer: { kind: "json", usage: [7, 3] }, charged: () => 10 },
  { name: "n 3 answers of max_tokens 50: 150 reserved", body: { model: "gpt-4o", messages, max_tokens: 50, n: 3 }, cap: 150, answer: { kind: "json", usage: [7, 120] }, charged: () => 127 },
  { name: "n 4 without a cap: four default caps", body: { model: "gpt-4o", messages, n: 4 }, cap: 4 * DEFAULT_CAP, answer: { kind: "json", usage: [7, 3] }, charged: () => 10 },
  { name: "n \"128\" (a lenient parser makes 128 answers)", body: { model: "gpt-4o", messages, n: "128" }, refused: [400, /n must be a non-negative integer or null/] },
  { name: "max_output_tokens (Responses' name) counts too", body: { model: "gpt-4o", messages, max_output_tokens: 300 }, cap: 300, answer: { kind: "json", usage: [7, 3] }, charged: () => 10 },
  { name: "max_completion_tokens null is no cap (OpenAI documents null): the default, filled in", body: { model: "gpt-4o", messages, max_completion_tokens: null }, cap: DEFAULT_CAP, answer: { kind: "json", usage: [7, 3] }, charged: () => 10 },
  // A model without a built-in output limit (gpt-4o's would clamp these caps to 16384: output-clamp.test.ts).
  { name: "big max_tokens: more than the whole budget, refused before it goes", body: { model: "my-model", messages, max_tokens: 1_000_000_000 }, refused: [429, /may use up to \d+: its input estimate and output cap, more than the limit; lower max_tokens/] },
  { name: "max_tokens of 30 digits: read as huge, never overflowed", body: {}, raw: '{"model":"my-model","messages":[{"role":"user","content":"hi"}],"max_tokens":999999999999999999999999999999}', refused: [429, /more than the limit; lower max_tokens/] },
  { name: "max_tokens as a string (a lenient parser reads 100000)", body: { model: "gpt-4o", messages, max_tokens: "100000" }, refused: [400, /max_tokens must be a non-negative integer or null/] },
  { name: "max_tokens 1e9 (a float parser reads a billion)", body: {}, raw: '{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"max_tokens":1e9}', refused: [400, /max_tokens must be a non-negative integer/] },
  { name: "max_completion_tokens negative", body: { model: "gpt-4o", messages, max_completion_tokens: -1 }, refused: [400, /max_completion_tokens must be a non-negative integer/] },
  { name: "max_tokens 100.0", body: { model: "gpt-4o", messages, max_tokens: 100.5 }, refused: [400, /max_tokens must be/] },
  { name: "stream \"true\" (a string a lenient provider streams on)", body: { model: "gpt-4o", messages, stream: "true" }, refused: [400, /stream must be true or false/] },
  { name: "stream 1", body: { model: "gpt-4o", messages, stream: 1 }, refused: [400, /stream must be true or false/] },
  { name: "stream null", body: { model: "gpt-4o", messages, stream: null }, refused: [400, /stream must be true or false/] },
  { name: "stream_options null (skipped the usage request)", body: { model: "gpt-4o", messages, stream: true, stream_options: null }, refused: [400, /stream_options must be an object/] },
  { name: "stream_options \"include_usage\"", body: { model: "gpt-4o", messages, stream: true, stream_options: "include_usage" }, refused: [400, /stream_options must be an object/] },
  { name: "stream_options [] ", body: { model: "gpt-4o", messages, stream: true, stream_options: [] }, refused: [400, /stream_options must be an object/] },
  { name: "stream with include_usage false: llm-mesh asks for usage anyway and charges it", body: { model: "gpt-4o", messages, stream: true, stream_options: { include_usage: false } }, cap: DEFAULT_CAP,
    answer: { kind: "sse", body: sse([delta("hello"), finish, usageChunk(9, 41)]), end: true }, charged: () => 50 },
  { name: "stream aborted before its usage chunk: charged what was received, never nothing", body: { model: "gpt-4o", messages, stream: true }, cap: DEFAULT_CAP,
    answer: { kind: "sse", body: sse([delta(LONG)], false), end: false }, charged: (input, bytes) => input + Math.ceil(bytes / 4) },
  { name: "a provider stream without usage: charged by the bytes it sent", body: { model: "gpt-4o", messages, stream: true }, cap: DEFAULT_CAP,
    answer: { kind: "sse", body: sse([delta(LONG), finish]), end: true }, charged: (input, bytes) => input + Math.ceil(bytes / 4) },
  { name: "no usage, a cap named: at most the worst case (the provider enforces the cap)", body: { model: "gpt-4o", messages, stream: true, max_tokens: 5 }, cap: 5,
    answer: { kind: "sse", body: sse([delta(LONG), finish]), end: true }, charged: (input) => input + 5 },
  { name: "a JSON answer without usage: charged by its bytes", body: { model: "gpt-4o", messages }, cap: DEFAULT_CAP, answer: { kind: "json" }, charged: (input, bytes) => input + Math.ceil(bytes / 4) },
  { name: "the client goes away before any answer: the input estimate", body: { model: "gpt-4o", messages }, cap: DEFAULT_CAP, answer: { kind: "none" }, charged: (input) => input },
  { name: "a provider error: nothing", body: { model: "gpt-4o", messages }, cap: DEFAULT_CAP, answer: { kind: "json", status: 500 }, charged: () => 0 },
];

function respond(stream: HttpStream, answer: Answer): void {
  if (answer.kind === "none") { stream.complete(); return; }
  if (answer.kind === "json") {
    const status = answer.status ?? 200;
    stream.sendResponseHeaders({ ":status": String(status), "content-type": "application/json" });
    const body = status >= 400 ? { error: { message: "boom" } } : { id: "1", object: "chat.completion", model: "gpt-4o", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
      ...(answer.usage ? { usage: { prompt_tokens: answer.usage[0], completion_tokens: answer.usage[1], total_tokens: answer.usage[0] + answer.usage[1] } } : {}) };
    stream.sendResponseBody(JSON.stringify(body), true);
  } else {
    stream.sendResponseHeaders({ ":status": "200", "content-type": "text/event-stream" });
    // In two pieces, as a network would deliver it.
    const half = Math.floor(answer.body.length / 2);
    stream.sendResponseBody(answer.body.slice(0, half));
    stream.sendResponseBody(answer.body.slice(half), answer.end);
  }
  stream.complete();
}

describe("quotas reserve the worst case and charge what was used", () => {
  it.each(ROWS)("$name", async (row) => {
    const { host, configured } = await loadFilter(config(), { allowOnHeadersStopIteration: true });
    expect(configured, host.logText("error").join("\n")).toBe(true);
    const body = row.raw ?? JSON.stringify(row.body);
    const stream = host.createStream();
    stream.sendRequest(REQUEST, body);
    if (row.refused) {
      expect(stream.localResponse?.status).toBe(row.refused[0]);
      expect((json(stream.localResponse!.body) as any).error.message).toMatch(row.refused[1]);
      expect(stream.upstreamHeaders).toBeNull();
      stream.complete();
      expect(counted(host)).toBe(0);
      return;
    }
    expect(stream.localResponse, stream.localResponse?.body).toBeNull();
    const input = inputEstimate(body);
    expect(counted(host)).toBe(input + row.cap!);
    const sent = JSON.parse(new TextDecoder().decode(stream.upstreamBody));
    if (row.body.stream === true) expect(sent.stream_options).toEqual({ include_usage: true });
    // What was reserved is what the provider is held to: the client's cap, else the one llm-mesh adds (OpenAI's field).
    const named = ["max_tokens", "max_completion_tokens", "max_output_tokens"].some((k) => typeof row.body[k] === "number");
    if (!named) expect(sent.max_completion_tokens).toBe(row.cap! / ((row.body.n as number) ?? 1));
    // One member per name: a null cap the client sent is filled in, not repeated.
    expect(new TextDecoder().decode(stream.upstreamBody).match(/"max_completion_tokens"/g)?.length ?? 0).toBeLessThanOrEqual(1);
    respond(stream, row.answer!);
    const received = row.answer!.kind === "none" ? 0 : Buffer.byteLength(row.answer!.kind === "sse" ? row.answer!.body : stream.responseBuffer);
    expect(counted(host)).toBe(row.charged!(input, row.answer!.kind === "json" ? Buffer.byteLength(new TextDecoder().decode(stream.downstreamBody)) : received));
    // The client never sees the usage chunk it did not ask for.
    if (row.answer!.kind === "sse") expect(new TextDecoder().decode(stream.downstreamBody)).not.toContain('"usage":{');
  });

  it("20 concurrent prompts at 1000 tokens a minute: admitted only while their worst cases fit (the issue's 10,000 tokens cannot happen)", async () => {
    const { host } = await loadFilter(config([{ tokensPerMinute: 1000 }]), { allowOnHeadersStopIteration: true });
    const streams = Array.from({ length: 20 }, () => { const s = host.createStream(); s.sendRequest(REQUEST, JSON.stringify({ model: "gpt-4o", messages, max_tokens: 480 })); return s; });
    const admitted = streams.filter((s) => s.localResponse === null);
    // Each reserves 20 (78 bytes of input) + 480 (its cap) = 500: two fit in 1000.
    expect(admitted).toHaveLength(2);
    for (const s of admitted) respond(s, { kind: "json", usage: [20, 480] });
    expect(counted(host)).toBe(1000);
  });

  it("a request refused by a later limit gives back what an earlier limit reserved", async () => {
    const { host } = await loadFilter(config([{ tokensPerMinute: LIMIT, defaultOutputCap: DEFAULT_CAP }, { requestsPerMinute: 1 }]), { allowOnHeadersStopIteration: true });
    const body = JSON.stringify({ model: "gpt-4o", messages });
    const first = host.createStream(); first.sendRequest(REQUEST, body);
    expect(counted(host)).toBe(inputEstimate(body) + DEFAULT_CAP);
    const second = host.createStream(); second.sendRequest(REQUEST, body);
    expect(second.localResponse?.status).toBe(429);
    second.complete();
    expect(counted(host)).toBe(inputEstimate(body) + DEFAULT_CAP);
    expect(counted(host, "requests", 1)).toBe(1);
  });

  it("without defaultOutputCap a limit reserves 4096, or a quarter of its smallest token budget if less", async () => {
    for (const [limit, cap] of [[1_000_000, 4096], [1000, 250]]) {
      const { host } = await loadFilter(config([{ tokensPerMinute: limit }]), { allowOnHeadersStopIteration: true });
      const body = JSON.stringify({ model: "gpt-4o", messages });
      host.createStream().sendRequest(REQUEST, body);
      expect(counted(host)).toBe(inputEstimate(body) + cap);
    }
  });

  it("defaultOutputCap is checked like every limit field", async () => {
    const { host, configured } = await loadFilter(config([{ tokensPerMinute: 1000, defaultOutputCap: 0 }]));
    expect(configured).toBe(false);
    expect(host.logText("error").join("\n")).toContain("consumers[0].limits[0].defaultOutputCap: must be an integer from 1 to 1000000000");
  });

  const failoverRoute = { name: "chat", match: { host: "api.openai.com" }, requireConsumer: true, failover: { attempts: 2 },
    backends: [{ provider: "openai", model: "gpt-4o" }, { provider: "other", model: "gpt-4o" }] };
  it.each([
    { name: "headers mode", mode: "headers", failover: false, field: "max_completion_tokens" },
    { name: "a failover route, body mode", mode: "body", failover: true, field: "max_tokens" },
    { name: "a failover route, headers mode (the body is read for the quota)", mode: "headers", failover: true, field: "max_tokens" },
  ])("$name: the worst case is reserved before the request goes and the cap sent with it", async ({ mode, failover, field }) => {
    const base = config();
    const cfg = { ...base, requestMode: mode, ...(failover ? { providers: [...base.providers, { name: "other", type: "openai-compatible", host: "other.test", apiKeys: [{ value: "k2" }] }], routes: [failoverRoute] } : {}) };
    const { host, configured } = await loadFilter(cfg, { allowOnHeadersStopIteration: mode === "body" });
    expect(configured, host.logText("error").join("\n")).toBe(true);
    const body = JSON.stringify({ model: "gpt-4o", messages });
    const stream = host.createStream();
    stream.sendRequest(REQUEST, body);
    expect(stream.localResponse, stream.localResponse?.body).toBeNull();
    expect(counted(host)).toBe(inputEstimate(body) + DEFAULT_CAP);
    expect(JSON.parse(stream.upstreamBodyText())[field]).toBe(DEFAULT_CAP);
    // A refused one (stream "true") reaches nothing and counts nothing.
    const bad = host.createStream();
    bad.sendRequest(REQUEST, JSON.stringify({ model: "gpt-4o", messages, stream: "true" }));
    expect(bad.localResponse?.status).toBe(400);
    bad.complete();
    expect(counted(host)).toBe(inputEstimate(body) + DEFAULT_CAP);
  });

  it.each([
    { mode: "body", cap: 50, reserved: (input: number) => input + 50 },
    { mode: "body", cap: undefined, reserved: (input: number) => input + DEFAULT_CAP },
    // Envoy's rate limit filter reads it when the headers pass, before the body: content-length / 4 + the default cap.
    { mode: "headers", cap: 50, reserved: (input: number) => input + DEFAULT_CAP },
  ])("global limit, $mode mode, max_tokens $cap: the worst case goes to filter state for the rate limit service; only usage beyond it is added when done", async ({ mode, cap, reserved }) => {
    const { host } = await loadFilter({ ...config([{ tokensPerMinute: LIMIT, defaultOutputCap: DEFAULT_CAP, global: true }]), requestMode: mode }, { allowOnHeadersStopIteration: mode === "body" });
    const body = JSON.stringify({ model: "gpt-4o", messages, ...(cap !== undefined ? { max_tokens: cap } : {}) });
    const stream = host.createStream();
    stream.sendRequest({ ...REQUEST, "content-length": String(Buffer.byteLength(body)) }, body);
    expect(stream.localResponse).toBeNull();
    const worst = reserved(inputEstimate(body));
    expect(stream.properties["llm_mesh.reserved_tokens"]).toBe(String(worst));
    // No local counter for a global limit.
    expect(counted(host)).toBe(0);
    respond(stream, { kind: "json", usage: [10, worst] });
    expect(stream.properties["llm_mesh.total_tokens"]).toBe(String(10 + worst));
    expect(stream.properties["llm_mesh.unreserved_tokens"]).toBe("10");
  });

  it.each([
    { path: "/v1/completions", body: { model: "gpt-4o", prompt: "hi" }, field: "max_tokens", cap: 16 },
    { path: "/v1/completions", body: { model: "gpt-4o", prompt: "hi", best_of: 5, n: 2 }, field: "max_tokens", cap: 16, answers: 5 },
    { path: "/v1/responses", body: { model: "gpt-4o", input: "hi" }, field: "max_output_tokens", cap: DEFAULT_CAP },
    { path: "/v1/embeddings", body: { model: "gpt-4o", input: "hi" }, field: "max_tokens", cap: 0 },
  ] as { path: string; body: object; field: string; cap: number; answers?: number }[])("$path $body without a cap: $field $cap (Completions keeps OpenAI's default of 16, best_of counts every answer; embeddings have no answer to cap)", async ({ path, body, field, cap, answers }) => {
    const { host } = await loadFilter(config(), { allowOnHeadersStopIteration: true });
    const text = JSON.stringify(body);
    const stream = host.createStream();
    stream.sendRequest({ ...REQUEST, ":path": path }, text);
    expect(stream.localResponse, stream.localResponse?.body).toBeNull();
    expect(counted(host)).toBe(inputEstimate(text) + cap * (answers ?? 1));
    expect(JSON.parse(stream.upstreamBodyText())[field]).toBe(cap === 0 ? undefined : cap);
  });
});

// A Gemini client names its cap in generationConfig (or generation_config, which Google's parser
// also reads): maxOutputTokens × candidateCount is reserved, read as strictly as the top-level
// fields; llm-mesh adds maxOutputTokens when none is named, never above the backend model's limit.
describe("a Gemini client's cap: generationConfig.maxOutputTokens × candidateCount", () => {
  const geminiConfig = {
    ...config(),
    providers: [
      { name: "openai", type: "openai", apiKeys: [{ value: "provider-key-1" }] },
      { name: "gemini", type: "gemini", apiKeys: [{ value: "provider-key-2" }] },
      { name: "anthropic", type: "anthropic", apiKeys: [{ value: "provider-key-3" }] },
    ],
    routes: [
      { name: "gemini", match: { host: "gemini.llm" }, backends: [{ provider: "gemini", model: "gemini-2.5-flash" }], requireConsumer: true },
      { name: "gpt", match: { host: "gpt.llm" }, backends: [{ provider: "openai", model: "gpt-4o" }], requireConsumer: true },
      { name: "claude", match: { host: "claude.llm" }, backends: [{ provider: "anthropic", model: "claude-3-5-haiku-20241022" }], requireConsumer: true },
      { name: "mine", match: { host: "mine.llm" }, backends: [{ provider: "openai", model: "my-model" }], requireConsumer: true },
      // A model that gives at most 500: the default cap llm-mesh adds (1000) is lowered to it, for every API.
      { name: "small", match: { host: "small.llm" }, backends: [{ provider: "openai", model: "my-model", maxOutputTokens: 500 }], requireConsumer: true },
    ],
  };
  const GEN = "/v1beta/models/gemini-2.5-flash:generateContent";
  const STREAM = "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse";
  const contents = [{ role: "user", parts: [{ text: "hi" }] }];
  const raw = (generation: string) => `{"contents":[{"role":"user","parts":[{"text":"hi"}]}],${generation}}`;
  type Sent = Record<string, any>;
  const gc = (b: Sent) => b.generationConfig;
  const rows: { name: string; host: string; path?: string; body: string | object; refused?: RegExp; status?: number; cap?: number; sent?: (b: Sent) => unknown; expected?: unknown; clamped?: string }[] = [
    { name: "maxOutputTokens 300 → Gemini: 300 reserved, passed on", host: "gemini.llm", body: { contents, generationConfig: { maxOutputTokens: 300 } }, cap: 300, sent: gc, expected: { maxOutputTokens: 300 } },
    { name: "generation_config.max_output_tokens (snake_case) 300: read the same, passed on as written", host: "gemini.llm", body: { contents, generation_config: { max_output_tokens: 300 } }, cap: 300, sent: (b) => b.generation_config, expected: { max_output_tokens: 300 } },
    { name: "maxOutputTokens 200 × candidateCount 3 → gpt-4o: 600 reserved, max_completion_tokens 200 and n 3", host: "gpt.llm", body: { contents, generationConfig: { maxOutputTokens: 200, candidateCount: 3 } }, cap: 600, sent: (b) => [b.max_completion_tokens, b.n], expected: [200, 3] },
    { name: "candidate_count 2 without a cap → gpt-4o: two default caps", host: "gpt.llm", body: { contents, generation_config: { candidate_count: 2 } }, cap: 2 * DEFAULT_CAP, sent: (b) => [b.max_completion_tokens, b.n], expected: [DEFAULT_CAP, 2] },
    { name: "no generationConfig → Gemini: one is added with the default cap", host: "gemini.llm", body: { contents }, cap: DEFAULT_CAP, sent: gc, expected: { maxOutputTokens: DEFAULT_CAP } },
    { name: "generationConfig without a cap: the cap is added beside its fields", host: "gemini.llm", body: { contents, generationConfig: { temperature: 0.5 } }, cap: DEFAULT_CAP, sent: gc, expected: { temperature: 0.5, maxOutputTokens: DEFAULT_CAP } },
    { name: "generationConfig {}: the cap is its one field", host: "gemini.llm", body: { contents, generationConfig: {} }, cap: DEFAULT_CAP, sent: gc, expected: { maxOutputTokens: DEFAULT_CAP } },
    { name: "generation_config without a cap: added in its spelling", host: "gemini.llm", body: { contents, generation_config: { temperature: 0.5 } }, cap: DEFAULT_CAP, sent: (b) => b.generation_config, expected: { temperature: 0.5, max_output_tokens: DEFAULT_CAP } },
    { name: "generationConfig null: replaced by one holding the cap", host: "gemini.llm", body: { contents, generationConfig: null }, cap: DEFAULT_CAP, sent: gc, expected: { maxOutputTokens: DEFAULT_CAP } },
    { name: "maxOutputTokens null: filled in", host: "gemini.llm", body: { contents, generationConfig: { maxOutputTokens: null } }, cap: DEFAULT_CAP, sent: gc, expected: { maxOutputTokens: DEFAULT_CAP } },
    { name: "streamGenerateContent without a cap → Gemini: added too", host: "gemini.llm", path: STREAM, body: { contents }, cap: DEFAULT_CAP, sent: gc, expected: { maxOutputTokens: DEFAULT_CAP } },
    { name: "no cap → Claude (translated): max_tokens is the default cap", host: "claude.llm", body: { contents }, cap: DEFAULT_CAP, sent: (b) => b.max_tokens, expected: DEFAULT_CAP },
    { name: "maxOutputTokens 100000 → gemini-2.5-flash: clamped to 65536, which is reserved", host: "gemini.llm", body: { contents, generationConfig: { maxOutputTokens: 100000 } }, cap: 65536, sent: gc, expected: { maxOutputTokens: 65536 }, clamped: "100000->65536" },
    { name: "maxOutputTokens of 30 digits → gemini-2.5-flash: read as huge, clamped", host: "gemini.llm", body: raw('"generationConfig":{"maxOutputTokens":999999999999999999999999999999}'), cap: 65536, sent: gc, expected: { maxOutputTokens: 65536 }, clamped: "1000000000000000->65536" },
    { name: "maxOutputTokens of 30 digits, a model without a known limit: more than the budget, refused", host: "mine.llm", body: raw('"generationConfig":{"maxOutputTokens":999999999999999999999999999999}'), status: 429, refused: /more than the limit/ },
    { name: "candidateCount 1000 × maxOutputTokens 1000: more than the budget, refused", host: "mine.llm", body: { contents, generationConfig: { maxOutputTokens: 1000, candidateCount: 1000 } }, status: 429, refused: /more than the limit/ },
    { name: "countTokens: no answer, cap 0, nothing added", host: "gemini.llm", path: "/v1beta/models/gemini-2.5-flash:countTokens", body: { contents }, cap: 0, sent: gc, expected: undefined },
    { name: "no cap → a backend whose model gives 500: the added default is lowered to 500 (no clamp header: the client asked nothing)", host: "small.llm", body: { contents }, cap: 500, sent: (b) => b.max_completion_tokens, expected: 500 },
    { name: "chat without a cap → the same backend: max_completion_tokens 500, not the default 1000", host: "small.llm", path: "/v1/chat/completions", body: { model: "x", messages }, cap: 500, sent: (b) => b.max_completion_tokens, expected: 500 },
    { name: "responses without a cap → the same backend: max_output_tokens 500", host: "small.llm", path: "/v1/responses", body: { model: "x", input: "hi" }, cap: 500, sent: (b) => b.max_output_tokens, expected: 500 },
    // Hostile: what Google's parser would read as a cap (proto3 JSON takes "100000" for an int32) llm-mesh did not reserve for.
    { name: "maxOutputTokens \"100000\" (a string proto3 JSON reads as a number)", host: "gemini.llm", body: { contents, generationConfig: { maxOutputTokens: "100000" } }, refused: /generationConfig\.maxOutputTokens must be a non-negative integer or null/ },
    { name: "maxOutputTokens 1e3", host: "gemini.llm", body: raw('"generationConfig":{"maxOutputTokens":1e3}'), refused: /generationConfig\.maxOutputTokens must be a non-negative integer/ },
    { name: "maxOutputTokens -1", host: "gemini.llm", body: { contents, generationConfig: { maxOutputTokens: -1 } }, refused: /generationConfig\.maxOutputTokens must be a non-negative integer/ },
    { name: "maxOutputTokens 100.5", host: "gemini.llm", body: { contents, generationConfig: { maxOutputTokens: 100.5 } }, refused: /generationConfig\.maxOutputTokens must be/ },
    { name: "generation_config.max_output_tokens \"5\": named in the client's spelling", host: "gemini.llm", body: { contents, generation_config: { max_output_tokens: "5" } }, refused: /generation_config\.max_output_tokens must be a non-negative integer/ },
    { name: "candidateCount \"3\"", host: "gpt.llm", body: { contents, generationConfig: { candidateCount: "3" } }, refused: /generationConfig\.candidateCount must be a non-negative integer/ },
    { name: "maxOutputTokens and max_output_tokens both (Google's parser reads one)", host: "gemini.llm", body: { contents, generationConfig: { maxOutputTokens: 10, max_output_tokens: 100000 } }, refused: /max_output_tokens: given as both max_output_tokens and maxOutputTokens/ },
    { name: "candidateCount and candidate_count both", host: "gemini.llm", body: { contents, generationConfig: { candidateCount: 1, candidate_count: 8 } }, refused: /candidate_count: given as both/ },
    { name: "generationConfig and generation_config both", host: "gemini.llm", body: { contents, generationConfig: { maxOutputTokens: 10 }, generation_config: { maxOutputTokens: 100000 } }, refused: /generation_config: given as both generation_config and generationConfig/ },
    { name: "maxOutputTokens twice", host: "gemini.llm", body: raw('"generationConfig":{"maxOutputTokens":10,"maxOutputTokens":100000}'), refused: /duplicate key "maxOutputTokens" in generationConfig/ },
    { name: "MaxOutputTokens beside maxOutputTokens (a case variant)", host: "gemini.llm", body: { contents, generationConfig: { maxOutputTokens: 10, MaxOutputTokens: 100000 } }, refused: /duplicate key "maxOutputTokens" in generationConfig \(keys that differ only in case/ },
    { name: "MAXOUTPUTTOKENS alone (a case variant a lenient reader takes)", host: "gemini.llm", body: { contents, generationConfig: { MAXOUTPUTTOKENS: 100000 } }, refused: /duplicate key "maxOutputTokens"/ },
    { name: "generationConfig twice", host: "gemini.llm", body: raw('"generationConfig":{"maxOutputTokens":10},"generationConfig":{"maxOutputTokens":100000}'), refused: /duplicate top-level key "generationConfig"/ },
    { name: "GenerationConfig beside generationConfig", host: "gemini.llm", body: { contents, generationConfig: { maxOutputTokens: 10 }, GenerationConfig: { maxOutputTokens: 100000 } }, refused: /duplicate top-level key "generationConfig"/ },
    { name: "generationConfig a string", host: "gemini.llm", body: { contents, generationConfig: "maxOutputTokens=5" }, refused: /generationConfig must be an object/ },
    // Escapes in names: Google's parser decodes them, so the cap it would read is the one reserved for.
    { name: "generation\\u0043onfig (an escaped name) holding a cap of 100000 → gemini-2.5-flash: read as generationConfig, clamped", host: "gemini.llm", body: raw('"generation\\u0043onfig":{"maxOutputTokens":100000}'), cap: 65536, sent: gc, expected: { maxOutputTokens: 65536 }, clamped: "100000->65536" },
    { name: "max\\u004futputTokens (an escaped name) 100000 → gemini-2.5-flash: read as maxOutputTokens, clamped", host: "gemini.llm", body: raw('"generationConfig":{"max\\u004futputTokens":100000}'), cap: 65536, sent: gc, expected: { maxOutputTokens: 65536 }, clamped: "100000->65536" },
    { name: "max\\u004futputTokens beside maxOutputTokens: a duplicate", host: "gemini.llm", body: raw('"generationConfig":{"maxOutputTokens":10,"max\\u004futputTokens":100000}'), refused: /duplicate key "maxOutputTokens"/ },
  ];

  it.each(rows)("$name", async (row) => {
    const { host, configured } = await loadFilter(geminiConfig, { allowOnHeadersStopIteration: true });
    expect(configured, host.logText("error").join("\n")).toBe(true);
    const body = typeof row.body === "string" ? row.body : JSON.stringify(row.body);
    const path = row.path ?? GEN;
    const auth: Record<string, string> = path.startsWith("/v1beta/") ? { "x-goog-api-key": alice.key } : { authorization: `Bearer ${alice.key}` };
    const stream = host.createStream();
    stream.sendRequest({ ":method": "POST", ":path": path, ":authority": row.host, ":scheme": "http", "content-type": "application/json", ...auth }, body);
    if (row.refused) {
      const status = row.status ?? 400;
      expect(stream.localResponse?.status).toBe(status);
      // In Gemini's error shape, nothing sent, nothing counted.
      expect(json(stream.localResponse!.body)).toMatchObject({ error: { code: status, status: status === 400 ? "INVALID_ARGUMENT" : "RESOURCE_EXHAUSTED" } });
      expect((json(stream.localResponse!.body) as any).error.message).toMatch(row.refused);
      expect(stream.upstreamHeaders).toBeNull();
      stream.complete();
      expect(counted(host)).toBe(0);
      return;
    }
    expect(stream.localResponse, stream.localResponse?.body).toBeNull();
    expect(counted(host)).toBe(inputEstimate(body) + row.cap!);
    expect(row.sent!(JSON.parse(stream.upstreamBodyText()))).toEqual(row.expected);
    stream.sendResponseHeaders({ ":status": "200", "content-type": "application/json" });
    expect(stream.responseHeader("x-llm-mesh-clamped-max-tokens")).toBe(row.clamped);
    stream.complete();
    expect(host.trap).toBeNull();
  });
});
