// In-VM microbenchmark: the filter's own work per request, without Envoy, through the host emulator.
// Per body size it reports the whole request (headers, body rewrite, response headers) and the body
// callback alone (scan + splice + the two buffer copies across the ABI), so a hot-path regression
// shows without Envoy noise. Numbers compare runs on one machine; they are not absolute.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { clusterForAuthority, providerVirtualHosts } from "../envoy/routes.js";
import { HostEmulator } from "../host/emulator.js";
import { PROJECT_ROOT } from "../envoy/locate.js";

export interface MicroResult {
  case: string;
  bodyBytes: number;
  iterations: number;
  /** All filter callbacks of one request (headers, body, response headers, completion), in the VM. */
  filterMicros: number;
  /** The same without the emulator's host functions (copying buffers in and out in JavaScript): the module's own time. */
  moduleMicros: number;
  /** proxy_on_request_body alone: read the body across the ABI, scan, splice, write it back. */
  bodyRewriteMicros: number;
  bodyGBps: number;
}

/** A chat body of about `bytes` bytes with `model` after `messages` (the scanner's worst case). */
export function benchBody(bytes: number): string {
  const sentence = "The quick brown fox jumps over the lazy dog; \"quoted\" text, ünïcödé ✓ and \\ backslashes. ";
  const head = '{"messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"';
  const tail = '"}],"model":"gpt-4","temperature":0.2}';
  const escaped = JSON.stringify(sentence).slice(1, -1);
  let content = "";
  while (Buffer.byteLength(head + content + tail) < bytes) content += escaped;
  return head + content + tail;
}

/** The provider's JSON answer the in-VM benchmarks send back (usage reported, so it is read). */
export const BENCH_ANSWER = JSON.stringify({ id: "chatcmpl-bench", object: "chat.completion", created: 1700000000, model: "gpt-4o-mini", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }], usage: { prompt_tokens: 231, completion_tokens: 200, total_tokens: 431 } });

export const BENCH_CONFIG = {
  providers: [
    { name: "a", type: "openai", apiKeys: [{ value: "bench-key-a" }] },
    { name: "b", type: "deepseek", apiKeys: [{ value: "bench-key-b" }] },
  ],
  routes: [{ name: "bench", match: { host: "llm.local" }, backends: [{ provider: "a", weight: 50, model: "gpt-4o-mini" }, { provider: "b", weight: 50, model: "deepseek-chat" }] }],
};

const HEADERS = { ":method": "POST", ":path": "/v1/chat/completions", ":authority": "llm.local", ":scheme": "http", "content-type": "application/json", authorization: "Bearer client" };

export async function runMicro(wasmPath = join(PROJECT_ROOT, "build", "llm-mesh.wasm"), minMillis = 1500): Promise<MicroResult[]> {
  // Envoy's route choice as the bench's Envoy makes it, so the destination guard passes.
  const vhosts = providerVirtualHosts(BENCH_CONFIG);
  const host = await HostEmulator.load(readFileSync(wasmPath), { logLevel: "warn", timeCallbacks: true, routeCluster: (a) => clusterForAuthority(vhosts, a) });
  if (!host.configure(JSON.stringify(BENCH_CONFIG))) throw new Error(host.logText().join("\n"));
  const results: MicroResult[] = [];
  for (const [name, size] of [["1 KB", 1024], ["64 KB", 65536], ["1 MB", 1 << 20]] as const) {
    const body = Buffer.from(benchBody(size));
    const once = (): void => {
      const stream = host.createStream();
      stream.sendRequestHeaders(HEADERS);
      stream.sendRequestBody(body, true);
      if (stream.localResponse || stream.upstreamBody.length === 0) throw new Error(`request not forwarded: ${stream.localResponse?.body}`);
      stream.sendResponseHeaders({ ":status": "200" });
      stream.complete();
    };
    for (let i = 0; i < 50; i++) once(); // warm-up: let V8 tier the module up
    host.timings.clear();
    host.hostTime.nanos = 0n;
    let iterations = 0;
    const start = process.hrtime.bigint();
    const budget = BigInt(minMillis) * 1_000_000n;
    while (process.hrtime.bigint() - start < budget || iterations < 20) {
      once();
      iterations++;
    }
    const all = [...host.timings.values()].reduce((n, t) => n + t.nanos, 0n);
    const bodyNanos = host.timings.get("proxy_on_request_body")!.nanos;
    const bodyMicros = Number(bodyNanos) / iterations / 1000;
    results.push({
      case: name, bodyBytes: body.length, iterations,
      filterMicros: Number(all) / iterations / 1000,
      moduleMicros: Number(all - host.hostTime.nanos) / iterations / 1000,
      bodyRewriteMicros: bodyMicros,
      bodyGBps: body.length / (bodyMicros * 1000),
    });
  }
  if (host.trap) throw host.trap;
  return results;
}

/** The results as a printed table. */
export function microTable(results: MicroResult[]): string {
  const lines = ["case    body bytes   iterations   filter µs/request   module µs/request   body rewrite µs   rewrite GB/s"];
  for (const r of results) {
    lines.push(`${r.case.padEnd(7)} ${String(r.bodyBytes).padStart(10)} ${String(r.iterations).padStart(12)} ${r.filterMicros.toFixed(1).padStart(19)} ${r.moduleMicros.toFixed(1).padStart(19)} ${r.bodyRewriteMicros.toFixed(1).padStart(17)} ${r.bodyGBps.toFixed(2).padStart(14)}`);
  }
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await runMicro();
  console.log("llm-mesh in-VM microbenchmark (host emulator, Node " + process.version + ")");
  console.log(microTable(results));
  mkdirSync(join(PROJECT_ROOT, "bench-results"), { recursive: true });
  const file = join(PROJECT_ROOT, "bench-results", `micro-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2));
  console.log(`results: ${file}`);
}
