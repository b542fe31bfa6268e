import { readFileSync } from "node:fs";
import { HostEmulator } from "./src-host-tools/host/emulator.ts";
import { benchBody, BENCH_CONFIG } from "./src-host-tools/bench/micro.ts";
// Wrap every import with a timer by patching WebAssembly.instantiate.
const importNanos = new Map<string, bigint>(); const importCalls = new Map<string, number>();
const orig = WebAssembly.instantiate;
(WebAssembly as any).instantiate = (m: any, imports: any) => {
  for (const ns of Object.keys(imports)) for (const [k, fn] of Object.entries(imports[ns])) {
    imports[ns][k] = (...a: any[]) => { const t = process.hrtime.bigint(); try { return (fn as any)(...a); } finally { importNanos.set(k, (importNanos.get(k) ?? 0n) + process.hrtime.bigint() - t); importCalls.set(k, (importCalls.get(k) ?? 0) + 1); } };
  }
  return orig(m, imports);
};
const host = await HostEmulator.load(readFileSync("build/llm-mesh.wasm"), { logLevel: "warn", timeCallbacks: true });
host.configure(JSON.stringify(BENCH_CONFIG));
const H = { ":method": "POST", ":path": "/v1/chat/completions", ":authority": "llm.local", ":scheme": "http", "content-type": "application/json", "content-length": "1100", authorization: "Bearer client" };
for (let i = 0; i < 3000; i++) { const s = host.createStream(); s.sendRequestHeaders(H); s.complete(); }
host.timings.clear(); importNanos.clear(); importCalls.clear();
const N = 20000;
for (let i = 0; i < N; i++) { const s = host.createStream(); s.sendRequestHeaders(H); s.complete(); }
console.log("on_request_headers total", (Number(host.timings.get("proxy_on_request_headers")!.nanos) / N / 1000).toFixed(2), "µs");
let sum = 0n; for (const [k, v] of importNanos) { sum += v; console.log("  ", k.padEnd(34), (Number(v) / N / 1000).toFixed(2), "µs", (importCalls.get(k)! / N).toFixed(1), "calls"); }
console.log("imports total", (Number(sum) / N / 1000).toFixed(2));
