// How llm-mesh scales with its config, in the VM (host emulator): the time to load a config of N
// routes over P providers, and the module time of a request as N grows (a request to the first
// route's host and one to the last's: with the host index both cost the same at any N).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { clusterForAuthority, providerVirtualHosts } from "../envoy/routes.js";
import { PROJECT_ROOT } from "../envoy/locate.js";
import { HostEmulator } from "../host/emulator.js";
import { benchBody } from "./micro.js";
import { time } from "./metrics-micro.js";

export interface ScaleResult {
  routes: number; providers: number; loadMillis: number;
  /** Module time of a whole request to the first route's host, and to the last's. */
  firstRouteMicros: number; lastRouteMicros: number;
  /** The request-headers callback alone (where routes are matched; its host calls included), to the last route's host. */
  matchMicros: number;
}

/** N routes, each on its own host, spread over P providers (each with its own host and key). */
export function scaleConfig(routes: number, providers: number) {
  return {
    providers: Array.from({ length: providers }, (_, p) => ({ name: `p${p}`, type: "openai-compatible", host: `p${p}.example`, apiKeys: [{ value: `bench-key-${p}` }] })),
    routes: Array.from({ length: routes }, (_, r) => ({ name: `r${r}`, match: { host: `r${r}.llm.local` }, backends: [{ provider: `p${r % providers}`, model: "m" }] })),
    requestMode: "body",
  };
}

export async function runScaleMicro(wasmPath = join(PROJECT_ROOT, "build", "llm-mesh.wasm"), minMillis = 1000): Promise<ScaleResult[]> {
  const wasm = readFileSync(wasmPath);
  const body = Buffer.from(benchBody(1024));
  const results: ScaleResult[] = [];
  for (const [routes, providers] of [[10, 2], [100, 20], [1000, 200]] as const) {
    const config = scaleConfig(routes, providers);
    const vhosts = providerVirtualHosts(config);
    const host = await HostEmulator.load(wasm, { logLevel: "warn", timeCallbacks: true, allowOnHeadersStopIteration: true, routeCluster: (a) => clusterForAuthority(vhosts, a) });
    const text = JSON.stringify(config);
    // Loading: the best of five (a config is loaded by every worker's VM).
    let loadMillis = Infinity;
    for (let i = 0; i < 5; i++) {
      const started = process.hrtime.bigint();
      if (!host.configure(text)) throw new Error(host.logText().join("\n"));
      loadMillis = Math.min(loadMillis, Number(process.hrtime.bigint() - started) / 1e6);
    }
    const request = (authority: string) => () => {
      const s = host.createStream();
      s.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": authority, ":scheme": "http", "content-type": "application/json" }, body);
      if (s.localResponse) throw new Error(`refused: ${s.localResponse.body}`);
      s.complete();
    };
    const first = Math.min(...[0, 1, 2].map(() => time(host, request("r0.llm.local"), Math.ceil(minMillis / 3)).micros));
    let matchMicros = Infinity;
    const last = Math.min(...[0, 1, 2].map(() => {
      const t = time(host, request(`r${routes - 1}.llm.local`), Math.ceil(minMillis / 3));
      const headers = host.timings.get("proxy_on_request_headers");
      if (headers) matchMicros = Math.min(matchMicros, Number(headers.nanos) / headers.calls / 1000);
      return t.micros;
    }));
    results.push({ routes, providers, loadMillis, firstRouteMicros: first, lastRouteMicros: last, matchMicros });
  }
  return results;
}

export function scaleMicroTable(results: ScaleResult[]): string {
  const lines = ["config scale in the VM (1 KB request; load: the configure call, best of five):",
    "routes  providers   load ms   µs/request first route / last route   matching (headers callback) µs"];
  for (const r of results) lines.push(`${String(r.routes).padStart(6)} ${String(r.providers).padStart(10)} ${r.loadMillis.toFixed(1).padStart(9)}   ${`${r.firstRouteMicros.toFixed(1)} / ${r.lastRouteMicros.toFixed(1)}`.padStart(32)}   ${r.matchMicros.toFixed(1).padStart(10)}`);
  return lines.join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(scaleMicroTable(await runScaleMicro()));
}
