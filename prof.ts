import { readFileSync } from "node:fs";
import { HostEmulator } from "./src-host-tools/host/emulator.js";
import { clusterForAuthority, providerVirtualHosts } from "./src-host-tools/envoy/routes.js";
import { BENCH_CONFIG, benchBody } from "./src-host-tools/bench/micro.js";
const wasm = readFileSync("build/llm-mesh.wasm");
const stream = process.argv[2] === "stream";
for (const metrics of [{ enabled: true }, { enabled: true, accessLog: false }, { enabled: false }]) {
  const config = { ...BENCH_CONFIG, routes: [{ ...BENCH_CONFIG.routes[0], backends: [BENCH_CONFIG.routes[0].backends[0]] }], metrics };
  const vhosts = providerVirtualHosts(config);
  const host = await HostEmulator.load(wasm, { logLevel: "warn", timeCallbacks: true, routeCluster: (a) => clusterForAuthority(vhosts, a) });
  host.configure(JSON.stringify(config));
  const body = Buffer.from(stream ? JSON.stringify({ model: "gpt-4", stream: true, messages: [{ role: "user", content: "hi" }] }) : benchBody(1024));
  const ANSWER = JSON.stringify({ id: "x", object: "chat.completion", model: "gpt-4o-mini", choices: [], usage: { prompt_tokens: 5, completion_tokens: 2 } });
  const chunks = Array.from({ length: 200 }, (_, i) => Buffer.from(`data: ${JSON.stringify({ id: "chatcmpl-bench", object: "chat.completion.chunk", created: 1700000000, model: "gpt-4o-mini", choices: [{ index: 0, delta: { content: ` token${i}` }, finish_reason: null }], usage: null })}\n\n`));
  const once = () => { const s = host.createStream(); s.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "llm.local", ":scheme": "http", "content-type": "application/json" }, body);
    if (stream) { s.sendResponseHeaders({ ":status": "200", "content-type": "text/event-stream" }); for (const c of chunks) s.sendResponseBody(c, false); s.sendResponseBody("data: [DONE]\n\n", true); }
    else { s.sendResponseHeaders({ ":status": "200", "content-type": "application/json" }); s.sendResponseBody(ANSWER, true); }
    s.complete(); };
  const n = stream ? 300 : 3000;
  for (let i = 0; i < n; i++) once();
  host.timings.clear();
  for (let i = 0; i < n; i++) once();
  console.log(JSON.stringify(metrics), [...host.timings.entries()].map(([k, t]) => `${k.replace("proxy_on_", "")}=${(Number(t.nanos) / n / 1000).toFixed(1)}`).join(" "));
}
