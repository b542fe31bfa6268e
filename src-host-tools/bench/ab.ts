// Two builds of the module compared on one machine at one time: the profiler's request (the bench's
// chat request in body mode and its JSON answer) run in short alternating batches against each, so
// a busy machine slows both alike. Reports the module's own µs per request (host functions
// subtracted), the best, 10% and median batch of each.
// `npx tsx src-host-tools/bench/ab.ts before.wasm after.wasm [--size 1024] [--seconds 6]`.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { clusterForAuthority, providerVirtualHosts } from "../envoy/routes.js";
import { HostEmulator } from "../host/emulator.js";
import { BENCH_CONFIG, benchBody } from "./micro.js";
import { sendProfiledRequest } from "./profile.js";

async function load(path: string): Promise<HostEmulator> {
  const config = { ...BENCH_CONFIG, requestMode: "body" };
  const vhosts = providerVirtualHosts(config);
  const host = await HostEmulator.load(readFileSync(path), { logLevel: "warn", timeCallbacks: true, allowOnHeadersStopIteration: true, routeCluster: (a) => clusterForAuthority(vhosts, a) });
  if (!host.configure(JSON.stringify(config))) throw new Error(host.logText().join("\n"));
  return host;
}

/** The module's own µs per request over a batch of about `millis`. */
function batch(host: HostEmulator, body: Buffer, millis: number): number {
  host.timings.clear();
  host.hostTime.nanos = 0n;
  const end = Date.now() + millis;
  let n = 0;
  while (Date.now() < end || n < 5) {
    sendProfiledRequest(host, body);
    n++;
  }
  if (host.trap) throw host.trap;
  const all = [...host.timings.values()].reduce((t, c) => t + c.nanos, 0n);
  return Number(all - host.hostTime.nanos) / n / 1000;
}

/** The q-quantile (0..1) of a list of batch times: a busy machine only ever adds time, so the low quantiles say most. */
const quantile = (xs: number[], q: number): number => [...xs].sort((x, y) => x - y)[Math.floor((xs.length - 1) * q)];

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { size: { type: "string", default: "1024" }, seconds: { type: "string", default: "6" } } });
  const [a, b] = await Promise.all(positionals.slice(0, 2).map(load));
  const body = Buffer.from(benchBody(Number(values.size)));
  for (let i = 0; i < 3; i++) { batch(a, body, 200); batch(b, body, 200); } // warm-up: let V8 tier both up
  const ra: number[] = [], rb: number[] = [];
  const end = Date.now() + Number(values.seconds) * 1000;
  while (Date.now() < end) { ra.push(batch(a, body, 50)); rb.push(batch(b, body, 50)); }
  const show = (name: string, r: number[]): string => `${name}: best ${quantile(r, 0).toFixed(2)}, 10% ${quantile(r, 0.1).toFixed(2)}, median ${quantile(r, 0.5).toFixed(2)} µs (${r.length} batches)`;
  console.log(`${values.size}-byte request, module µs/request`);
  console.log(show(positionals[0], ra));
  console.log(show(positionals[1], rb));
  const change = (q: number): string => `${((quantile(rb, q) / quantile(ra, q) - 1) * 100).toFixed(1)}%`;
  console.log(`change: ${change(0)} best, ${change(0.1)} 10%, ${change(0.5)} median`);
}
