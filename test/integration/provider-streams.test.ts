// Issue 22, item 2 in real Envoy: a provider whose answers grow memory (one SSE event of 60,000
// data lines, one over the event bound, JSON answers past their bounds, a compressed answer) while
// another client's stream runs on the same worker (concurrency 1). Each bad answer gets its own
// clean error in the client's format; the other stream completes; Envoy's RSS stays flat; the VM
// never traps ("Uncaught RuntimeError" in Envoy's log).
import { readFileSync } from "node:fs";
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapYaml } from "../../src-host-tools/envoy/bootstrap.js";
import { locateEnvoy } from "../../src-host-tools/envoy/locate.js";
import { RunningEnvoy, startEnvoy } from "../../src-host-tools/envoy/process.js";
import { manyLineEvent } from "../../src-host-tools/bench/answer-fuzz.js";
import { send } from "../support/envoy.js";
import { WASM_PATH } from "../support/filter.js";
import { TRANSLATE_CONFIG } from "../support/fixtures.js";

const chunk = (content: string, finish: string | null = null) => `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "gpt-4o", choices: [{ index: 0, delta: content ? { content } : {}, finish_reason: finish }] })}\n\n`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the provider answers, by the model the client asked for (each row's own model). */
const ANSWERS: Record<string, { type: string; encoding?: string; body: Buffer; piece: number; pauseMs: number }> = {
  // The case: one event of 60,000 data lines (469 KiB), written in 1 KiB pieces.
  "many-lines": { type: "text/event-stream", body: Buffer.concat([Buffer.from(chunk("a")), manyLineEvent(60_000), Buffer.from(chunk("", "stop") + "data: [DONE]\n\n")]), piece: 1024, pauseMs: 0 },
  // Over the event bound (1 MiB): 160,000 lines.
  "huge-event": { type: "text/event-stream", body: Buffer.concat([Buffer.from(chunk("a")), manyLineEvent(160_000, 3), Buffer.from("data: [DONE]\n\n")]), piece: 4096, pauseMs: 0 },
  // A JSON answer past the value bound (3,000,000 values in 6 MB).
  "many-values": { type: "application/json", body: Buffer.from(`{"id":"c","object":"chat.completion","model":"gpt-4o","choices":[${"0,".repeat(3_000_000)}0]}`), piece: 65536, pauseMs: 0 },
  "gzip": { type: "application/json", encoding: "gzip", body: gzipSync(JSON.stringify({ id: "c", object: "chat.completion", model: "gpt-4o", choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }] })), piece: 65536, pauseMs: 0 },
  // The other client's stream: 40 events over about two seconds.
  "steady": { type: "text/event-stream", body: Buffer.from(Array.from({ length: 40 }, (_, i) => chunk(`w${i} `)).join("") + chunk("", "stop") + "data: [DONE]\n\n"), piece: 300, pauseMs: 50 },
};

class BadProvider {
  server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", async () => {
      const model = JSON.parse(Buffer.concat(parts).toString("utf8")).model as string;
      const a = ANSWERS[model];
      res.writeHead(200, { "content-type": a.type, ...(a.encoding ? { "content-encoding": a.encoding } : {}) });
      for (let i = 0; i < a.body.length; i += a.piece) {
        if (!res.write(a.body.subarray(i, i + a.piece))) await new Promise((r) => res.once("drain", r));
        if (a.pauseMs > 0) await sleep(a.pauseMs);
      }
      res.end();
    });
  });
  async start(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    return (this.server.address() as AddressInfo).port;
  }
  close(): Promise<void> { return new Promise((r) => { this.server.closeAllConnections(); this.server.close(() => r()); }); }
}

/** Envoy's resident memory (VmRSS, KiB). */
function rssKiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"))!;
  return Number(line.split(/\s+/)[1]);
}

const anthropicStream = (model: string) => ({ host: "gpt.llm", path: "/v1/messages", body: JSON.stringify({ model, max_tokens: 64, stream: true, messages: [{ role: "user", content: "hi" }] }) });
const openAIJson = (model: string) => ({ host: "claude.llm", path: "/v1/chat/completions", body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }) });

const ROWS = [
  { name: "one event of 60,000 data lines: read in linear time, the client's own error event (its data is not JSON)", model: "many-lines", request: anthropicStream,
    client: /event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"the provider sent a stream chunk that is not JSON"\}\}\n\n$/ },
  { name: "one event over the 1 MiB bound: the client's own error event", model: "huge-event", request: anthropicStream,
    client: /event: error\ndata: .*provider \\"openai\\" sent a stream event larger than llm-mesh reads \(1024 KiB\).*\n\n$/ },
];

describe("provider answers past the bounds in real Envoy, beside another client's stream on the same worker", () => {
  const provider = new BadProvider();
  let envoy: RunningEnvoy;
  beforeAll(async () => {
    const port = await provider.start();
    // TRANSLATE_CONFIG: gpt.llm is OpenAI (Anthropic clients are translated), claude.llm is Anthropic (OpenAI clients are).
    const config = bootstrapYaml({ wasmPath: WASM_PATH, pluginConfig: TRANSLATE_CONFIG, mockUpstream: { address: "127.0.0.1", port }, requestMode: "body" });
    envoy = await startEnvoy({ envoyPath: locateEnvoy().path, config, concurrency: 1 });
    // Warm: the VM's first requests grow it to its working size.
    for (let i = 0; i < 3; i++) await send(envoy.url, anthropicStream("steady"));
  }, 60_000);
  afterAll(async () => { await envoy?.stop(); await provider.close(); });

  it.each(ROWS)("$name; the other stream completes", async (row) => {
    const rssBefore = rssKiB(envoy.pid);
    const other = send(envoy.url, anthropicStream("steady"));
    await sleep(200);
    const bad = await send(envoy.url, row.request(row.model));
    expect(bad.status).toBe(200);
    expect(bad.body).toMatch(row.client);
    const ok = await other;
    expect(ok.status).toBe(200);
    expect(ok.body).toMatch(/"text":"w39 ".*event: message_stop\ndata: \{"type":"message_stop"\}\n\n$/s);
    // The old decoder took 128 MiB of RSS for 10,000 lines and trapped at 60,000.
    expect(rssKiB(envoy.pid) - rssBefore).toBeLessThan(32 * 1024);
    expect(envoy.logs()).not.toMatch(/Uncaught RuntimeError|wasm log.*failed|proxy_on_response_body failed/);
  }, 60_000);

  it("a JSON answer past the value bound (3,000,000 values): the client's error in its own shape; the other stream completes", async () => {
    const rssBefore = rssKiB(envoy.pid);
    const other = send(envoy.url, anthropicStream("steady"));
    await sleep(200);
    const bad = await send(envoy.url, openAIJson("many-values"));
    // The status has gone to the client already; the body says what went wrong, in OpenAI's shape.
    expect(JSON.parse(bad.body)).toEqual({ error: { message: "provider \"anthropic\" sent an answer that is not what its API documents", type: "server_error", param: null, code: "llm_mesh.translate_failed" } });
    expect((await other).body).toMatch(/event: message_stop\ndata: \{"type":"message_stop"\}\n\n$/);
    // The tree stops at 524,288 values (about 90 MiB); before, 3,000,000 values took about 500 MiB.
    expect(rssKiB(envoy.pid) - rssBefore).toBeLessThan(160 * 1024);
    expect(envoy.logs()).not.toMatch(/Uncaught RuntimeError|proxy_on_response_body failed/);
  }, 60_000);

  it("a gzip answer though llm-mesh asked for none: the client's error, in plain JSON (no content-encoding)", async () => {
    const bad = await send(envoy.url, openAIJson("gzip"));
    expect(bad.headers["content-encoding"]).toBeUndefined();
    expect(JSON.parse(bad.body).error.message).toBe("provider \"anthropic\" sent a compressed answer (content-encoding: gzip) though llm-mesh asked for none; llm-mesh cannot decompress it");
  }, 30_000);
});
