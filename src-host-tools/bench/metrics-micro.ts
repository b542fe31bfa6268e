// The cost of measuring, in the VM (host emulator): the same requests through two VMs that differ
// only in `metrics.enabled`. A 1 KB chat request with its JSON answer (usage read, metrics and
// access-log fields written), and a 200-chunk OpenAI stream (llm-mesh asks for usage and cuts the
// usage chunk). Every callback's time is counted, the emulator's host functions included, so the
// difference is what metrics add per request and per chunk.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { clusterForAuthority, providerVirtualHosts } from "../envoy/routes.js";
import { PROJECT_ROOT } from "../envoy/locate.js";
import { HostEmulator } from "../host/emulator.js";
import { BENCH_CONFIG, benchBody } from "./micro.js";

export interface MetricsMicroResult {
  case: string; unit: string; units: number;
  /** Module time per request (the emulator's own host-function time taken out), metrics on and off. */
  onMicros: number; offMicros: number; addedMicrosPerUnit: number;
  /** Host calls per request, on and off: each costs what a call costs in the real host. */
  onHostCalls: number; offHostCalls: number; addedHostCallsPerUnit: number;
}

const HEADERS = { ":method": "POST", ":path": "/v1/chat/completions", ":authority": "llm.local", ":scheme": "http", "content-type": "application/json" };
const USAGE = { prompt_tokens: 231, completion_tokens: 200, total_tokens: 431, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } };
const ANSWER = JSON.stringify({ id: "chatcmpl-bench", object: "chat.completion", created: 1700000000, model: "gpt-4o-mini", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }], usage: USAGE });
const CHUNK = (i: number) => `data: ${JSON.stringify({ id: "chatcmpl-bench", object: "chat.completion.chunk", created: 1700000000, model: "gpt-4o-mini", choices: [{ index: 0, delta: { content: ` token${i}` }, finish_reason: null }], usage: null })}\n\n`;
const STREAM_CHUNKS = 200;

async function load(wasm: Buffer, enabled: boolean): Promise<HostEmulator> {
  const config = { ...BENCH_CONFIG, routes: [{ ...BENCH_CONFIG.routes[0], backends: [BENCH_CONFIG.routes[0].backends[0]] }], metrics: { enabled } };
  const vhosts = providerVirtualHosts(config);
  const host = await HostEmulator.load(wasm, { logLevel: "warn", timeCallbacks: true, routeCluster: (a) => clusterForAuthority(vhosts, a) });
  if (!host.configure(JSON.stringify(config))) throw new Error(host.logText().join("\n"));
  return host;
}

function totalNanos(host: HostEmulator): bigint {
  return [...host.timings.values()].reduce((n, t) => n + t.nanos, 0n);
}

/** Mean module time (emulator host functions excluded) and host calls per call of `once`, after a warm-up. */
export function time(host: HostEmulator, once: () => void, minMillis: number): { micros: number; calls: number; iterations: number } {
  for (let i = 0; i < 50; i++) once();
  host.timings.clear();
  host.hostTime.calls = 0;
  host.hostTime.nanos = 0n;
  let iterations = 0;
  const start = process.hrtime.bigint();
  while (process.hrtime.bigint() - start < BigInt(minMillis) * 1_000_000n || iterations < 20) { once(); iterations++; }
  if (host.trap) throw host.trap;
  return { micros: Number(totalNanos(host) - host.hostTime.nanos) / iterations / 1000, calls: host.hostTime.calls / iterations, iterations };
}

export async function runMetricsMicro(wasmPath = join(PROJECT_ROOT, "build", "llm-mesh.wasm"), minMillis = 1000): Promise<MetricsMicroResult[]> {
  const wasm = readFileSync(wasmPath);
  const hosts = { on: await load(wasm, true), off: await load(wasm, false) };
  const body = Buffer.from(benchBody(1024));
  const stream = Buffer.from(JSON.stringify({ model: "gpt-4", stream: true, messages: [{ role: "user", content: "hi" }] }));
  const chunks = Array.from({ length: STREAM_CHUNKS }, (_, i) => Buffer.from(CHUNK(i)));
  const usageChunk = Buffer.from(`data: ${JSON.stringify({ id: "chatcmpl-bench", object: "chat.completion.chunk", created: 1700000000, model: "gpt-4o-mini", choices: [], usage: USAGE })}\n\ndata: [DONE]\n\n`);
  const json = (host: HostEmulator) => () => {
    const s = host.createStream();
    s.sendRequest(HEADERS, body);
    s.sendResponseHeaders({ ":status": "200", "content-type": "application/json" });
    s.sendResponseBody(ANSWER, true);
    s.complete();
  };
  const sse = (host: HostEmulator) => () => {
    const s = host.createStream();
    s.sendRequest(HEADERS, stream);
    s.sendResponseHeaders({ ":status": "200", "content-type": "text/event-stream" });
    for (const c of chunks) s.sendResponseBody(c, false);
    s.sendResponseBody(usageChunk, true);
    s.complete();
  };
  const results: MetricsMicroResult[] = [];
  for (const [name, unit, units, make, millis] of [["1 KB request, JSON answer", "request", 1, json, minMillis], [`${STREAM_CHUNKS}-chunk stream`, "chunk", STREAM_CHUNKS + 1, sse, minMillis * 2]] as const) {
    // Alternate the two VMs so drift cancels; take each one's best of three.
    const on: ReturnType<typeof time>[] = [];
    const off: ReturnType<typeof time>[] = [];
    for (let round = 0; round < 3; round++) {
      on.push(time(hosts.on, make(hosts.on), Math.ceil(millis / 3)));
      off.push(time(hosts.off, make(hosts.off), Math.ceil(millis / 3)));
    }
    const onMicros = Math.min(...on.map((r) => r.micros));
    const offMicros = Math.min(...off.map((r) => r.micros));
    const onHostCalls = on[0].calls;
    const offHostCalls = off[0].calls;
    results.push({ case: name, unit, units, onMicros, offMicros, addedMicrosPerUnit: (onMicros - offMicros) / units, onHostCalls, offHostCalls, addedHostCallsPerUnit: (onHostCalls - offHostCalls) / units });
  }
  return results;
}

export function metricsMicroTable(results: MetricsMicroResult[]): string {
  const lines = ["cost of measuring in the VM (metrics on vs off; module time, the emulator's host functions taken out):",
    "case                          module µs/request on   off   added µs   host calls on / off   added calls"];
  for (const r of results) {
    lines.push(`${r.case.padEnd(29)} ${r.onMicros.toFixed(1).padStart(21)} ${r.offMicros.toFixed(1).padStart(5)} ${r.addedMicrosPerUnit.toFixed(2).padStart(10)}   ${`${r.onHostCalls.toFixed(0)} / ${r.offHostCalls.toFixed(0)}`.padStart(19)} ${r.addedHostCallsPerUnit.toFixed(2).padStart(13)}   (per ${r.unit})`);
  }
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(metricsMicroTable(await runMetricsMicro()));
}
