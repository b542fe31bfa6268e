// Clients that stall mid-upload, in real Envoy with the configs llm-mesh writes: body mode holds a
// request's body until it is whole, so the HTTP connection manager's request timeout
// (CLIENT_TIMEOUTS in src-host-tools/envoy/bootstrap.ts; 60 s, shortened here) must end them, answer
// 408 and give their memory back; nothing reaches a provider.
import { connect, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapYaml } from "../../src-host-tools/envoy/bootstrap.js";
import { locateEnvoy } from "../../src-host-tools/envoy/locate.js";
import { RunningEnvoy, startEnvoy } from "../../src-host-tools/envoy/process.js";
import { MockProviders, startMockProviders } from "../../src-host-tools/mock/providers.js";
import { WASM_PATH } from "../support/filter.js";

const MiB = 1024 * 1024;
const STALLED = 32;
const SENT = 2 * MiB;
const pluginConfig = {
  providers: [{ name: "openai", type: "openai", apiKeys: [{ value: "provider-key" }] }],
  routes: [{ name: "chat", match: { host: "llm.local" }, backends: [{ provider: "openai" }] }],
};

async function gauge(envoy: RunningEnvoy, name: string): Promise<number> {
  const text = await (await fetch(`${envoy.adminUrl}/stats?filter=^${name.replace(/\./g, "\\.")}$`)).text();
  return Number(/: (\d+)/.exec(text)?.[1] ?? NaN);
}

/** Sends the headers of an 8 MiB request and `SENT` bytes of its body, then nothing; resolves with what Envoy answers. */
function stallingUpload(url: URL): { socket: Socket; answer: Promise<string> } {
  const socket = connect(Number(url.port), url.hostname);
  socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: llm.local\r\ncontent-type: application/json\r\ncontent-length: ${8 * MiB}\r\n\r\n`);
  socket.write(Buffer.alloc(SENT, 0x20));
  const answer = new Promise<string>((resolve) => {
    let text = "";
    socket.on("data", (d) => { text += d.toString("latin1"); });
    socket.on("close", () => resolve(text));
    socket.on("error", () => resolve(text));
  });
  return { socket, answer };
}

describe("clients that stall mid-upload (body mode)", () => {
  let envoy: RunningEnvoy;
  let mock: MockProviders;
  beforeAll(async () => {
    mock = await startMockProviders(pluginConfig.providers);
    envoy = await startEnvoy({ envoyPath: locateEnvoy().path, config: bootstrapYaml({ wasmPath: WASM_PATH, pluginConfig, mockUpstream: { address: "127.0.0.1", port: mock.port }, requestTimeoutMs: 1500, statsFlushIntervalMs: 100 }) });
  });
  afterAll(async () => { await envoy?.stop(); await mock?.close(); });

  it(`${STALLED} stalled uploads are answered 408 at the request timeout, their buffers freed, nothing sent upstream`, async () => {
    const url = new URL(envoy.url);
    const before = await gauge(envoy, "server.memory_allocated");
    const started = Date.now();
    const uploads = Array.from({ length: STALLED }, () => stallingUpload(url));
    // Wait until Envoy holds the bodies, then read what they cost.
    let held = before;
    for (let i = 0; i < 25 && held - before < STALLED * SENT * 0.8; i++) {
      await new Promise((r) => setTimeout(r, 50));
      held = await gauge(envoy, "server.memory_allocated");
    }
    const answers = await Promise.all(uploads.map((u) => u.answer));
    const elapsed = Date.now() - started;
    for (const a of answers) expect(a).toMatch(/^HTTP\/1\.1 408 /);
    expect(elapsed).toBeLessThan(10_000);
    expect(await gauge(envoy, "http.llm_mesh.downstream_rq_timeout")).toBe(STALLED);
    expect(mock.received).toHaveLength(0);
    // While stalled Envoy held about their bodies; after the timeout that memory is back.
    expect(held - before).toBeGreaterThan(STALLED * SENT * 0.8);
    let after = await gauge(envoy, "server.memory_allocated");
    for (let i = 0; i < 20 && after - before > 8 * MiB; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await gauge(envoy, "server.memory_allocated");
    }
    expect(after - before).toBeLessThan(8 * MiB);
  }, 30_000);
});
