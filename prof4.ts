import { readFileSync } from "node:fs";
import { HostEmulator } from "./src-host-tools/host/emulator.js";
import { clusterForAuthority, providerVirtualHosts } from "./src-host-tools/envoy/routes.js";
import { BENCH_CONFIG } from "./src-host-tools/bench/micro.js";
const wasm = readFileSync("/tmp/prof.wasm");
const USAGE = { prompt_tokens: 231, completion_tokens: 200, total_tokens: 431 };
for (const enabled of [process.argv[2] !== "off"]) {
  const config = { ...BENCH_CONFIG, routes: [{ ...BENCH_CONFIG.routes[0], backends: [BENCH_CONFIG.routes[0].backends[0]] }], metrics: { enabled } };
  const vhosts = providerVirtualHosts(config);
  const host = await HostEmulator.load(wasm, { logLevel: "warn", timeCallbacks: true, routeCluster: (a) => clusterForAuthority(vhosts, a) });
  host.configure(JSON.stringify(config));
  const body = Buffer.from(JSON.stringify({ model: "gpt-4", stream: true, messages: [{ role: "user", content: "hi" }] }));
  const chunks = Array.from({ length: 200 }, (_, i) => Buffer.from(`data: ${JSON.stringify({ id: "chatcmpl-bench", object: "chat.completion.chunk", created: 1700000000, model: "gpt-4o-mini", choices: [{ index: 0, delta: { content: ` token${i}` }, finish_reason: null }], usage: null })}\n\n`));
  const last = Buffer.from(`data: ${JSON.stringify({ id: "chatcmpl-bench", object: "chat.completion.chunk", created: 1700000000, model: "gpt-4o-mini", choices: [], usage: USAGE })}\n\ndata: [DONE]\n\n`);
  const once = () => { const s = host.createStream(); s.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "llm.local", ":scheme": "http", "content-type": "application/json" }, body);
    s.sendResponseHeaders({ ":status": "200", "content-type": "text/event-stream" }); for (const c of chunks) s.sendResponseBody(c, false); s.sendResponseBody(last, true); s.complete(); };
  for (let i = 0; i < 200; i++) once();
  const n = 1500;
  // per callback: module time = callback time - host time inside it; approximate by clearing and measuring host per callback is not tracked, so report totals
  host.timings.clear(); host.hostTime.calls = 0; host.hostTime.nanos = 0n;
  for (let i = 0; i < n; i++) once();
  const cb = [...host.timings.entries()].map(([k, t]) => `${k.replace("proxy_on_", "")}=${(Number(t.nanos) / n / 1000).toFixed(1)}`).join(" ");
  console.log(enabled, cb, "host", (Number(host.hostTime.nanos) / n / 1000).toFixed(1), "calls", host.hostTime.calls / n);
}
