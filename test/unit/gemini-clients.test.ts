// Gemini-native clients (test/support/gemini-client-rows.ts) through the compiled module in the
// host emulator: every backend API, refusals in Gemini's error shape, and answers also delivered
// one byte per body callback.
import { beforeAll, describe, expect, it } from "vitest";
import { HostEmulator } from "../../src-host-tools/host/emulator.js";
import { BEDROCK_ENV } from "../support/fixtures.js";
import { json, loadFilter } from "../support/filter.js";
import { GEMINI_CLIENT_CONFIG, GEMINI_CLIENT_ROWS } from "../support/gemini-client-rows.js";
// Adds the web search rows (Gemini clients' googleSearch) to the table above.
import "../support/web-search-rows.js";
import { TranslationRow } from "../support/translation-rows.js";
import { answerRow, expectClient, expectUpstream, sendRow } from "../support/row-harness.js";
import { newKey } from "../../src-host-tools/config/consumer-key.js";

const GEN_PATH = "/v1beta/models/gpt-4o:generateContent";

function runRow(host: HostEmulator, row: TranslationRow, byteByByte = false, headersMode = false): void {
  const stream = sendRow(host, row);
  expectUpstream(stream, row, !headersMode);
  if (!row.reply) {
    // Body mode sends the exact length; headers mode lets Envoy frame the rewritten body.
    expect(stream.requestHeader("content-length")).toBe(headersMode ? undefined : String(stream.upstreamBody.length));
    // The client's Gemini key goes nowhere: not in a header, the path or the body.
    expect(stream.requestHeader("x-goog-api-key")).not.toBe("client-held-secret");
    expect(stream.requestHeader(":path")).not.toContain("key=");
    expect(stream.upstreamBodyText()).not.toContain("client-held-secret");
    if (row.answer) { answerRow(stream, row, byteByByte); expectClient(stream, row); }
  }
  stream.complete();
  expect(host.trap).toBeNull();
}

describe("Gemini-native clients to every backend (body mode)", () => {
  let host: HostEmulator;
  beforeAll(async () => {
    const loaded = await loadFilter(GEMINI_CLIENT_CONFIG, { allowOnHeadersStopIteration: true, env: BEDROCK_ENV });
    expect(loaded.configured, loaded.host.logText("warn").join("\n")).toBe(true);
    host = loaded.host;
  });

  it.each(GEMINI_CLIENT_ROWS)("$name", (row) => runRow(host, row));
  it.each(GEMINI_CLIENT_ROWS.filter((r) => r.answer && r.client))("one byte per body callback: $name", (row) => runRow(host, row, true));
});

describe("Gemini-native clients in headers mode (the route decided on the headers, the model from the path)", () => {
  const hosts = ["openai.llm", "claude.llm", "strict.llm"];
  const config = { ...GEMINI_CLIENT_CONFIG, requestMode: "headers",
    providers: GEMINI_CLIENT_CONFIG.providers.filter((p) => p.type === "openai" || p.type === "anthropic"),
    routes: GEMINI_CLIENT_CONFIG.routes.filter((r) => hosts.includes(r.match.host)) };
  let host: HostEmulator;
  beforeAll(async () => {
    const loaded = await loadFilter(config, { allowOnHeadersStopIteration: false });
    expect(loaded.configured, loaded.host.logText("warn").join("\n")).toBe(true);
    host = loaded.host;
  });
  it.each(GEMINI_CLIENT_ROWS.filter((r) => hosts.includes(r.host)))("$name", (row) => runRow(host, row, false, true));
});

describe("a Gemini client's gateway key identifies its consumer (x-goog-api-key or ?key=), and never leaves", () => {
  const alice = newKey();
  const config = {
    requestMode: "body",
    providers: [{ name: "openai", type: "openai", apiKeys: [{ value: "test-openai-key" }] }],
    consumers: [{ name: "alice", keys: [alice.stored] }],
    routes: [{ name: "members", match: { host: "members.llm" }, backends: [{ provider: "openai" }], requireConsumer: true }],
  };
  let host: HostEmulator;
  beforeAll(async () => { host = (await loadFilter(config, { allowOnHeadersStopIteration: true })).host; });

  const body = JSON.stringify({ contents: [{ parts: [{ text: "Hi" }] }] });
  it.each([
    ["the x-goog-api-key header", GEN_PATH, { "x-goog-api-key": alice.key }, 0],
    ["the key query parameter", `${GEN_PATH}?key=${alice.key}`, {}, 0],
    ["no key", GEN_PATH, {}, 401],
    ["a wrong key in the query", `${GEN_PATH}?key=llmm_000000000000_wrong`, {}, 401],
  ] as const)("%s", (_name, path, headers, refused) => {
    const stream = host.createStream();
    stream.sendRequest({ ":method": "POST", ":path": path, ":authority": "members.llm", "content-type": "application/json", ...headers }, body);
    if (refused) {
      expect(stream.localResponse!.status).toBe(refused);
      // In Gemini's shape, and without the key.
      expect(json(stream.localResponse!.body)).toMatchObject({ error: { code: 401, status: "UNAUTHENTICATED" } });
      expect(stream.localResponse!.body).not.toContain("wrong");
    } else {
      expect(stream.localResponse?.body).toBeUndefined();
      expect(stream.requestHeader(":path")).toBe("/v1/chat/completions");
      expect(stream.requestHeader("x-goog-api-key")).toBeUndefined();
      expect(stream.requestHeader("authorization")).toBe("Bearer test-openai-key");
      expect(stream.upstreamBodyText()).not.toContain(alice.key);
    }
    stream.complete();
    expect(host.trap).toBeNull();
  });
});

describe("a Gemini client's failover try, rewritten upstream for the backend Envoy picked", () => {
  const config = {
    role: "upstream", requestMode: "body",
    providers: [
      { name: "alpha", type: "openai-compatible", host: "alpha.test", apiKeys: [{ value: "alpha-key-1" }] },
      { name: "claude", type: "anthropic", apiKeys: [{ value: "claude-key" }] },
    ],
    routes: [{ name: "chat", match: { host: "llm.local" }, backends: [{ provider: "alpha" }, { provider: "claude", model: "claude-sonnet-4-5" }], failover: { attempts: 2 } }],
  };
  const endpoint = (backend: string) => ({ "xds.upstream_host_metadata.filter_metadata.llm-mesh.backend": backend, "xds.cluster_name": "llm-mesh-failover|chat", "llm_mesh.pool": "chat" });

  it.each([
    ["chat/0", "/v1/chat/completions", "gemini-2.5-flash"],
    ["chat/1", "/v1/messages", "claude-sonnet-4-5"],
  ])("endpoint %s: path %s, the model from the client's path (or the backend's)", async (backend, path, model) => {
    const { host } = await loadFilter(config, { allowOnHeadersStopIteration: true });
    const stream = host.createStream(endpoint(backend));
    stream.sendRequest({ ":method": "POST", ":path": "/v1beta/models/gemini-2.5-flash:generateContent?key=client-held-secret", ":authority": "chat.failover.llm-mesh.internal",
      "content-type": "application/json", "x-goog-api-key": "client-held-secret" }, JSON.stringify({ contents: [{ parts: [{ text: "Hi" }] }] }));
    expect(stream.localResponse).toBeNull();
    expect(stream.requestHeader(":path")).toBe(path);
    expect((json(stream.upstreamBodyText()) as { model: string }).model).toBe(model);
    expect(JSON.stringify(stream.upstreamHeaders) + stream.upstreamBodyText()).not.toContain("client-held-secret");
    expect(host.trap).toBeNull();
  });
});

describe("usage of Gemini clients' answers (metrics on): read from passed-on Gemini answers and from translated ones", () => {
  let host: HostEmulator;
  beforeAll(async () => {
    host = (await loadFilter({ ...GEMINI_CLIENT_CONFIG, metrics: {} }, { allowOnHeadersStopIteration: true, env: BEDROCK_ENV })).host;
  });
  const gem = (extra: string) => `{"candidates":[{"content":{"role":"model","parts":[{"text":"Hey"}]}${extra},"index":0}],"usageMetadata":{"promptTokenCount":11,"candidatesTokenCount":4,"thoughtsTokenCount":2,"totalTokenCount":17},"modelVersion":"gemini-2.5-flash-001"}`;
  const chat = JSON.stringify({ id: "c", object: "chat.completion", created: 1, model: "gpt-4o", choices: [{ index: 0, message: { role: "assistant", content: "Hey" }, finish_reason: "stop" }], usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } });
  it.each([
    ["gemini JSON passed on", "gemini.llm", "/v1beta/models/gemini-2.5-flash:generateContent", "application/json", [gem(",\"finishReason\":\"STOP\"")], ["11", "6", "reported"], false],
    ["gemini stream passed on", "gemini.llm", "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", "text/event-stream", [`data: ${gem("")}\r\n\r\n`, `data: ${gem(",\"finishReason\":\"STOP\"")}\r\n\r\n`], ["11", "6", "reported"], false],
    ["gemini stream cut before its finishReason: an error event ends it", "gemini.llm", "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", "text/event-stream", [`data: ${gem("")}\r\n\r\n`], ["11", "6", "incomplete"], true],
    ["openai JSON translated", "openai.llm", "/v1beta/models/gpt-4o:generateContent", "application/json", [chat], ["9", "3", "reported"], false],
  ] as const)("%s", (_name, authority, path, type, chunks, [input, output, usage], cut) => {
    const stream = host.createStream();
    stream.sendRequest({ ":method": "POST", ":path": path, ":authority": authority, "content-type": "application/json" }, JSON.stringify({ contents: [{ parts: [{ text: "Hi" }] }] }));
    stream.sendResponseHeaders({ ":status": "200", "content-type": type });
    chunks.forEach((c, i) => stream.sendResponseBody(Buffer.from(c), i === chunks.length - 1));
    stream.complete();
    expect(host.trap).toBeNull();
    const log = json(stream.properties["llm_mesh.log"]) as Record<string, unknown>;
    expect([String(log.input_tokens), String(log.output_tokens), log.usage]).toEqual([input, output, usage]);
    const text = stream.downstreamBodyText();
    if (authority === "gemini.llm") expect(text.startsWith(chunks.join(""))).toBe(true);
    expect(text.includes("\"status\":\"INTERNAL\"")).toBe(cut);
  });
});
