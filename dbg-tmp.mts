import { bootstrapYaml } from "./src-host-tools/envoy/bootstrap.ts";
import { locateEnvoy } from "./src-host-tools/envoy/locate.ts";
import { startEnvoy } from "./src-host-tools/envoy/process.ts";
import { BENCH_CONFIG, benchBody } from "./src-host-tools/bench/micro.ts";
import { readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
const e = locateEnvoy();
const upCfg = `static_resources:\n  listeners:\n  - name: upstream\n    address: {socket_address: {address: 127.0.0.1, port_value: 0}}\n    filter_chains:\n    - filters:\n      - name: envoy.filters.network.http_connection_manager\n        typed_config:\n          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager\n          stat_prefix: upstream\n          route_config: {virtual_hosts: [{name: all, domains: ["*"], routes: [{match: {prefix: "/"}, direct_response: {status: 200, body: {inline_string: "ok"}}}]}]}\n          http_filters: [{name: envoy.filters.http.router, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}]\nadmin: {address: {socket_address: {address: 127.0.0.1, port_value: 0}}}\n`;
const up = await startEnvoy({ envoyPath: e.path, concurrency: 1, config: upCfg, logLevel: "warn", cpus: "1" });
const port = Number(new URL(up.url).port);
writeFileSync("/tmp/b1k.json", benchBody(1024));
const cpu = (pid: number) => { const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" "); return (Number(f[11]) + Number(f[12])) / 100; };
const variants: [string, object, string][] = [
  ["no-match route (plumbing only)", { ...BENCH_CONFIG, routes: [{ name: "x", match: { host: "never.example" }, backends: BENCH_CONFIG.routes[0].backends }] }, "api.openai.com"],
  ["full rewrite", BENCH_CONFIG, "llm.local"],
];
const wasmFor = (n: string) => n.startsWith("empty") ? "/tmp/empty.wasm" : "build/llm-mesh.wasm";
variants.unshift(["empty module (floor)", BENCH_CONFIG, "api.openai.com"]);
for (const [name, cfg, host] of [...variants, ...variants]) {
  const proxy = await startEnvoy({ envoyPath: e.path, concurrency: 1, logLevel: "warn", cpus: "0", config: bootstrapYaml({ wasmPath: wasmFor(name), pluginConfig: cfg as any, bareListenPort: 0, mockUpstream: { address: "127.0.0.1", port } }) });
  for (const [lname, h] of [["bare", "api.openai.com"], ["llm_mesh", host]]) {
    const args = ["--h1", "-c", "8", "-n", "20000", "-d", "/tmp/b1k.json", "-H", `:authority: ${h}`, "-H", "content-type: application/json", `${proxy.listeners[lname]}/v1/chat/completions`];
    execFileSync("taskset", ["-c", "1", "h2load", ...args.slice(0, 2), "2", "-n", "2000", ...args.slice(5)]);
    const c0 = cpu(proxy.pid);
    const out = execFileSync("taskset", ["-c", "1", "h2load", ...args], { encoding: "utf8" });
    const c1 = cpu(proxy.pid);
    console.log(name.padEnd(32), lname.padEnd(9), /([\d.]+) req\/s/.exec(out)![1], "rps", ((c1 - c0) / 20000 * 1e6).toFixed(1), "µs CPU/req", /status codes: (\d+) 2xx/.exec(out)![1], "2xx");
  }
  await proxy.stop();
}
await up.stop();
