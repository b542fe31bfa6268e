// Prompt caching rows (test/support/caching-rows.ts) through the compiled module in the host
// emulator: the request each backend gets, and the usage each client gets back.
import { beforeAll, describe, expect, it } from "vitest";
import { HostEmulator } from "../../src-host-tools/host/emulator.js";
import { newKey } from "../../src-host-tools/config/consumer-key.js";
import { BEDROCK_ENV } from "../support/fixtures.js";
import { json, loadFilter } from "../support/filter.js";
import { answerBytes, parseSse } from "../support/translation-rows.js";
import { CACHING_CONFIG, CACHING_ROWS, CachingRow, clientUsageOf } from "../support/caching-rows.js";

function run(host: HostEmulator, row: CachingRow): void {
  const stream = host.createStream();
  const body = typeof row.request === "string" ? row.request : JSON.stringify(row.request);
  stream.sendRequest({ ":method": "POST", ":path": row.path, ":authority": row.host, ":scheme": "http", "content-type": "application/json", "anthropic-version": "2023-06-01" }, body);
  expect(stream.localResponse?.body).toBeUndefined();
  if (row.upstream) {
    expect(stream.requestHeader(":path")).toBe(row.upstream.path);
    if (row.upstream.exactBody !== undefined) expect(stream.upstreamBodyText()).toBe(row.upstream.exactBody);
    if (row.upstream.body !== undefined) expect(json(stream.upstreamBodyText())).toEqual(row.upstream.body);
  }
  if (row.answer) {
    const { bytes, contentType, streamed } = answerBytes(row.answer);
    stream.sendResponseHeaders({ ":status": "200", "content-type": contentType, "content-length": String(bytes.length) });
    // Streams one byte per callback: usage split across callbacks must still be read whole.
    const pieces = streamed ? [...bytes].map((b) => Uint8Array.of(b)) : [bytes];
    pieces.forEach((piece, i) => stream.sendResponseBody(piece, i === pieces.length - 1));
    const text = stream.downstreamBodyText();
    expect(clientUsageOf(text, streamed ? parseSse(text) : null)).toEqual(row.clientUsage);
  }
  stream.complete();
  expect(host.trap).toBeNull();
}

describe("prompt caching across APIs (emulator, body mode)", () => {
  let host: HostEmulator;
  beforeAll(async () => {
    const loaded = await loadFilter(CACHING_CONFIG, { allowOnHeadersStopIteration: true, env: BEDROCK_ENV });
    expect(loaded.configured, loaded.host.logText("warn").join("\n")).toBe(true);
    host = loaded.host;
  });

  it.each(CACHING_ROWS)("$name", (row) => run(host, row));
});

describe("quotas count cache tokens as input (docs/quotas.md)", () => {
  const alice = newKey();
  const config = {
    requestMode: "body",
    providers: [{ name: "anthropic", type: "anthropic", apiKeys: [{ value: "test-anthropic-key" }] }],
    routes: [{ name: "claude", match: { host: "claude.llm" }, backends: [{ provider: "anthropic" }], requireConsumer: true }],
    consumers: [{ name: "alice", keys: [alice.stored], limits: [{ tokensPerMinute: 1000 }] }],
  };
  const send = (host: HostEmulator, maxTokens: number) => {
    const stream = host.createStream();
    stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "claude.llm", ":scheme": "http", "content-type": "application/json", authorization: `Bearer ${alice.key}` },
      JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: maxTokens, messages: [{ role: "user", content: "hi" }] }));
    return stream;
  };

  it("a tokens-per-minute limit is charged Anthropic's cache reads and writes beside its input_tokens", async () => {
    const { host, configured } = await loadFilter(config, { allowOnHeadersStopIteration: true });
    expect(configured, host.logText("error").join("\n")).toBe(true);
    const first = send(host, 100);
    expect(first.localResponse).toBeNull();
    first.sendResponseHeaders({ ":status": "200", "content-type": "application/json" });
    // 10 uncached + 500 read + 300 written + 10 output = 820 charged.
    first.sendResponseBody(JSON.stringify({ id: "m", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [{ type: "text", text: "ok" }], stop_reason: "end_turn", stop_sequence: null,
      usage: { input_tokens: 10, cache_read_input_tokens: 500, cache_creation_input_tokens: 300, output_tokens: 10 } }), true);
    first.complete();
    const refused = send(host, 300);
    expect(refused.localResponse?.status).toBe(429);
    expect(Object.fromEntries(refused.localResponse!.headers)["x-ratelimit-remaining-tokens"]).toBe("180");
  });
});
