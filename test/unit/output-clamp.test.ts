// Output caps clamped to what the backend's model accepts: each client API's cap field × a backend
// of each API with a limit (configured maxOutputTokens, else the built-in default by model prefix),
// the cap the provider gets after translation, and x-llm-mesh-clamped-max-tokens only when lowered.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { newKey } from "../../src-host-tools/config/consumer-key.js";
import { loadFilter } from "../support/filter.js";
import { BEDROCK_ENV } from "../support/fixtures.js";

const alice = newKey();
const CONFIG = {
  requestMode: "body",
  metrics: { enabled: false },
  providers: [
    { name: "openai", type: "openai", apiKeys: [{ value: "test-openai-key" }] },
    { name: "anthropic", type: "anthropic", apiKeys: [{ value: "test-anthropic-key" }] },
    { name: "gemini", type: "gemini", apiKeys: [{ value: "test-gemini-key" }] },
    { name: "bedrock", type: "bedrock", region: "us-east-1" },
    { name: "openai-2000", type: "openai", apiKeys: [{ value: "test-openai-key" }], maxOutputTokens: 2000 },
  ],
  routes: [
    { name: "gpt", match: { host: "gpt.llm" }, backends: [{ provider: "openai", model: "gpt-4o" }] },
    { name: "gpt-configured", match: { host: "gpt-configured.llm" }, backends: [{ provider: "openai", model: "gpt-4o", maxOutputTokens: 1000 }] },
    { name: "provider-limit", match: { host: "provider-limit.llm" }, backends: [{ provider: "openai-2000", model: "my-finetune" }] },
    { name: "provider-and-backend", match: { host: "provider-and-backend.llm" }, backends: [{ provider: "openai-2000", model: "gpt-4o", maxOutputTokens: 3000 }] },
    { name: "unknown", match: { host: "unknown.llm" }, backends: [{ provider: "openai", model: "my-finetune" }] },
    { name: "claude", match: { host: "claude.llm" }, backends: [{ provider: "anthropic", model: "claude-3-5-haiku-20241022" }] },
    { name: "gemini", match: { host: "gemini.llm" }, backends: [{ provider: "gemini", model: "gemini-2.5-flash" }] },
    { name: "nova", match: { host: "nova.llm" }, backends: [{ provider: "bedrock", model: "amazon.nova-pro-v1:0" }] },
    { name: "quota", match: { host: "quota.llm" }, backends: [{ provider: "openai", model: "gpt-4o" }], requireConsumer: true },
  ],
  consumers: [{ name: "alice", keys: [alice.stored], limits: [{ tokensPerMinute: 1_000_000 }] }],
};

const messages = [{ role: "user", content: "hi" }];
const CHAT = "/v1/chat/completions", MESSAGES = "/v1/messages", RESPONSES = "/v1/responses", COMPLETIONS = "/v1/completions";
type Path = (sent: Record<string, any>) => unknown;
const top = (field: string): Path => (sent) => sent[field];
const gemini: Path = (sent) => sent.generationConfig?.maxOutputTokens;
const bedrock: Path = (sent) => sent.inferenceConfig?.maxTokens;
const GEMINI_GEN = "/v1beta/models/x:generateContent", GEMINI_STREAM = "/v1beta/models/x:streamGenerateContent?alt=sse";
const contents = [{ role: "user", parts: [{ text: "hi" }] }];

const ROWS: { name: string; host: string; path: string; body: Record<string, unknown>; sent: Path; cap: number; header?: string }[] = [
  { name: "chat max_completion_tokens 64000 → gpt-4o: clamped to 16384", host: "gpt.llm", path: CHAT, body: { model: "x", messages, max_completion_tokens: 64000 }, sent: top("max_completion_tokens"), cap: 16384, header: "64000->16384" },
  { name: "chat max_tokens 64000 → gpt-4o: clamped in the field the client used", host: "gpt.llm", path: CHAT, body: { model: "x", messages, max_tokens: 64000 }, sent: top("max_tokens"), cap: 16384, header: "64000->16384" },
  { name: "chat both caps, one over → only the one over is lowered", host: "gpt.llm", path: CHAT, body: { model: "x", messages, max_tokens: 100, max_completion_tokens: 20000 }, sent: top("max_completion_tokens"), cap: 16384, header: "20000->16384" },
  { name: "chat 16384 → gpt-4o: at the limit, not clamped", host: "gpt.llm", path: CHAT, body: { model: "x", messages, max_completion_tokens: 16384 }, sent: top("max_completion_tokens"), cap: 16384 },
  { name: "chat null cap → nothing to clamp", host: "gpt.llm", path: CHAT, body: { model: "x", messages, max_completion_tokens: null }, sent: top("max_completion_tokens"), cap: null as unknown as number },
  { name: "completions max_tokens 50000 → gpt-4o: clamped", host: "gpt.llm", path: COMPLETIONS, body: { model: "x", prompt: "hi", max_tokens: 50000 }, sent: top("max_tokens"), cap: 16384, header: "50000->16384" },
  { name: "responses max_output_tokens 64000 → gpt-4o: clamped", host: "gpt.llm", path: RESPONSES, body: { model: "x", input: "hi", max_output_tokens: 64000 }, sent: top("max_output_tokens"), cap: 16384, header: "64000->16384" },
  { name: "messages max_tokens 64000 → gpt-4o (translated): max_completion_tokens 16384", host: "gpt.llm", path: MESSAGES, body: { model: "x", messages, max_tokens: 64000 }, sent: top("max_completion_tokens"), cap: 16384, header: "64000->16384" },
  { name: "configured maxOutputTokens 1000 overrides the default 16384", host: "gpt-configured.llm", path: CHAT, body: { model: "x", messages, max_completion_tokens: 4000 }, sent: top("max_completion_tokens"), cap: 1000, header: "4000->1000" },
  { name: "provider maxOutputTokens 2000 for a model with no default", host: "provider-limit.llm", path: CHAT, body: { model: "x", messages, max_completion_tokens: 4000 }, sent: top("max_completion_tokens"), cap: 2000, header: "4000->2000" },
  { name: "backend maxOutputTokens 3000 wins over the provider's 2000", host: "provider-and-backend.llm", path: CHAT, body: { model: "x", messages, max_completion_tokens: 4000 }, sent: top("max_completion_tokens"), cap: 3000, header: "4000->3000" },
  { name: "unknown model: not clamped", host: "unknown.llm", path: CHAT, body: { model: "x", messages, max_completion_tokens: 64000 }, sent: top("max_completion_tokens"), cap: 64000 },
  { name: "messages 64000 → claude-3-5-haiku: 8192", host: "claude.llm", path: MESSAGES, body: { model: "x", messages, max_tokens: 64000 }, sent: top("max_tokens"), cap: 8192, header: "64000->8192" },
  { name: "chat 64000 → claude-3-5-haiku (translated): max_tokens 8192", host: "claude.llm", path: CHAT, body: { model: "x", messages, max_completion_tokens: 64000 }, sent: top("max_tokens"), cap: 8192, header: "64000->8192" },
  { name: "messages 100000 → gemini-2.5-flash: generationConfig.maxOutputTokens 65536", host: "gemini.llm", path: MESSAGES, body: { model: "x", messages, max_tokens: 100000 }, sent: gemini, cap: 65536, header: "100000->65536" },
  { name: "responses 64000 → gemini-2.5-flash: under the limit, not clamped", host: "gemini.llm", path: RESPONSES, body: { model: "x", input: "hi", max_output_tokens: 64000 }, sent: gemini, cap: 64000 },
  { name: "messages 64000 → amazon.nova-pro (Bedrock): inferenceConfig.maxTokens 10000", host: "nova.llm", path: MESSAGES, body: { model: "x", messages, max_tokens: 64000 }, sent: bedrock, cap: 10000, header: "64000->10000" },
  { name: "chat 64000 → amazon.nova-pro (Bedrock): inferenceConfig.maxTokens 10000", host: "nova.llm", path: CHAT, body: { model: "x", messages, max_tokens: 64000 }, sent: bedrock, cap: 10000, header: "64000->10000" },
  // Gemini clients: generationConfig.maxOutputTokens (or generation_config.max_output_tokens) lowered in place, then translated.
  { name: "gemini maxOutputTokens 100000 → gemini-2.5-flash: 65536", host: "gemini.llm", path: GEMINI_GEN, body: { contents, generationConfig: { maxOutputTokens: 100000 } }, sent: gemini, cap: 65536, header: "100000->65536" },
  { name: "gemini stream generation_config.max_output_tokens 100000 → gemini-2.5-flash: 65536 in the client's spelling", host: "gemini.llm", path: GEMINI_STREAM, body: { contents, generation_config: { max_output_tokens: 100000, temperature: 1 } }, sent: (b) => b.generation_config?.max_output_tokens, cap: 65536, header: "100000->65536" },
  { name: "gemini maxOutputTokens 64000 → gemini-2.5-flash: under the limit, not clamped", host: "gemini.llm", path: GEMINI_GEN, body: { contents, generationConfig: { maxOutputTokens: 64000 } }, sent: gemini, cap: 64000 },
  { name: "gemini maxOutputTokens 64000 → gpt-4o (translated): max_completion_tokens 16384", host: "gpt.llm", path: GEMINI_GEN, body: { contents, generationConfig: { maxOutputTokens: 64000 } }, sent: top("max_completion_tokens"), cap: 16384, header: "64000->16384" },
  { name: "gemini stream max_output_tokens 64000 → gpt-4o (translated): max_completion_tokens 16384", host: "gpt.llm", path: GEMINI_STREAM, body: { contents, generationConfig: { max_output_tokens: 64000 } }, sent: top("max_completion_tokens"), cap: 16384, header: "64000->16384" },
  { name: "gemini maxOutputTokens 64000 → claude-3-5-haiku (translated): max_tokens 8192", host: "claude.llm", path: GEMINI_GEN, body: { contents, generationConfig: { maxOutputTokens: 64000 } }, sent: top("max_tokens"), cap: 8192, header: "64000->8192" },
  { name: "gemini maxOutputTokens 64000 → amazon.nova-pro (Bedrock): inferenceConfig.maxTokens 10000", host: "nova.llm", path: GEMINI_GEN, body: { contents, generationConfig: { maxOutputTokens: 64000 } }, sent: bedrock, cap: 10000, header: "64000->10000" },
  { name: "gemini maxOutputTokens 4000 → configured 1000", host: "gpt-configured.llm", path: GEMINI_GEN, body: { contents, generationConfig: { maxOutputTokens: 4000 } }, sent: top("max_completion_tokens"), cap: 1000, header: "4000->1000" },
];

function send(host: Awaited<ReturnType<typeof loadFilter>>["host"], authority: string, path: string, body: unknown, extra: Record<string, string> = {}) {
  const stream = host.createStream();
  stream.sendRequest({ ":method": "POST", ":path": path, ":authority": authority, ":scheme": "http", "content-type": "application/json", ...extra }, JSON.stringify(body));
  expect(stream.localResponse?.body).toBeUndefined();
  stream.sendResponseHeaders({ ":status": "200", "content-type": "application/json", "content-length": "2" });
  return stream;
}

describe("output caps clamped to the backend model's limit", () => {
  it.each(ROWS)("$name", async ({ host: authority, path, body, sent, cap, header }) => {
    const { host } = await loadFilter(CONFIG, { allowOnHeadersStopIteration: true, env: BEDROCK_ENV });
    const stream = send(host, authority, path, body);
    expect(sent(JSON.parse(stream.upstreamBodyText()))).toBe(cap);
    expect(stream.responseHeader("x-llm-mesh-clamped-max-tokens")).toBe(header);
  });

  it("a cap of 30 digits is read as huge and clamped: the header carries llm-mesh's numbers, never the client's text", async () => {
    const { host } = await loadFilter(CONFIG, { allowOnHeadersStopIteration: true, env: BEDROCK_ENV });
    const stream = host.createStream();
    stream.sendRequest({ ":method": "POST", ":path": CHAT, ":authority": "gpt.llm", ":scheme": "http", "content-type": "application/json" },
      '{"model":"x","messages":[{"role":"user","content":"hi"}],"max_tokens":999999999999999999999999999999}');
    expect(stream.localResponse?.body).toBeUndefined();
    expect(JSON.parse(stream.upstreamBodyText()).max_tokens).toBe(16384);
    stream.sendResponseHeaders({ ":status": "200", "content-type": "application/json", "content-length": "2" });
    expect(stream.responseHeader("x-llm-mesh-clamped-max-tokens")).toBe("1000000000000000->16384");
  });

  it("a quota reserves the clamped cap, the one the provider enforces", async () => {
    const { host } = await loadFilter(CONFIG, { allowOnHeadersStopIteration: true, env: BEDROCK_ENV });
    const body = { model: "x", messages, max_completion_tokens: 64000 };
    const stream = host.createStream();
    stream.sendRequest({ ":method": "POST", ":path": CHAT, ":authority": "quota.llm", ":scheme": "http", "content-type": "application/json", authorization: `Bearer ${alice.key}` }, JSON.stringify(body));
    expect(stream.localResponse?.body).toBeUndefined();
    const entry = host.sharedData.get("llm-mesh/quota/alice/0/tokens-minute")!;
    const reserved = Number(new DataView(entry.value.buffer, entry.value.byteOffset, 16).getBigInt64(8, true));
    expect(reserved).toBe(Math.ceil(Buffer.byteLength(JSON.stringify(body)) / 4) + 16384);
  });
});

describe("docs/translation.md lists the built-in limits the filter has", () => {
  it("every row of model-output-limits.ts, and no other, is in the docs table", () => {
    const source = readFileSync(new URL("../../assembly/consumers/model-output-limits.ts", import.meta.url), "utf8");
    const table = source.slice(source.indexOf("MODEL_OUTPUT_LIMITS"), source.indexOf("];"));
    const filter = [...table.matchAll(/"([^"]+)", "(\d+)"/g)].map((m) => [m[1], Number(m[2])]);
    const docs = readFileSync(new URL("../../docs/translation.md", import.meta.url), "utf8");
    const start = docs.indexOf("## Output caps per backend model");
    const next = docs.indexOf("\n## ", start + 1);
    const section = docs.slice(start, next < 0 ? docs.length : next);
    const documented = [...section.matchAll(/^\| `([^`]+)` \| ([\d,]+) \|/gm)].map((m) => [m[1], Number(m[2].replace(/,/g, ""))]);
    expect(filter.length).toBeGreaterThan(0);
    expect(documented.sort()).toEqual(filter.sort());
  });
});
