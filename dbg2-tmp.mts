import { readFileSync } from "node:fs";
import { HostEmulator } from "./src-host-tools/host/emulator.ts";
import { benchBody, BENCH_CONFIG } from "./src-host-tools/bench/micro.ts";
const host = await HostEmulator.load(readFileSync("build/llm-mesh.wasm"), { logLevel: "warn", timeCallbacks: true });
host.configure(JSON.stringify(BENCH_CONFIG));
const body = Buffer.from(benchBody(1024));
const H = { ":method": "POST", ":path": "/v1/chat/completions", ":authority": "llm.local", ":scheme": "http", "content-type": "application/json", "content-length": String(body.length), authorization: "Bearer client", "user-agent": "h2load", accept: "*/*" };
let calls = 0; const origCall = (host as any).call.bind(host);
for (let i = 0; i < 3000; i++) { const s = host.createStream(); s.sendRequestHeaders(H); s.sendRequestBody(body, true); s.sendResponseHeaders({ ":status": "200" }); s.complete(); }
host.timings.clear();
const N = 20000;
for (let i = 0; i < N; i++) { const s = host.createStream(); s.sendRequestHeaders(H); s.sendRequestBody(body, true); s.sendResponseHeaders({ ":status": "200" }); s.complete(); }
for (const [k, t] of host.timings) console.log(k.padEnd(28), (Number(t.nanos) / N / 1000).toFixed(2), "µs");
