// Where the filter's time goes, per function: the bench's 1 KB chat request and its JSON answer
// (body mode, the bench route) run through a build that keeps function names, under V8's sampling
// profiler (the engine Envoy runs the module in). Prints self time by function, module functions
// and the emulator's host functions apart, so a change to the hot path can be judged by where it
// moved time, not only by the total.
// `npm run bench:profile [-- --size 65536 --seconds 5 --mode headers --wasm --blame '~lib/rt/' | --inclusive]`.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Session } from "node:inspector/promises";
import { parseArgs } from "node:util";
import { execFileSync } from "node:child_process";
import { clusterForAuthority, providerVirtualHosts } from "../envoy/routes.js";
import { PROJECT_ROOT } from "../envoy/locate.js";
import { HostEmulator } from "../host/emulator.js";
import { BENCH_ANSWER as ANSWER, BENCH_CONFIG, benchBody } from "./micro.js";

/** The bench's request headers as a typical SDK client sends them. */
export const HEADERS = { ":method": "POST", ":path": "/v1/chat/completions", ":authority": "llm.local", ":scheme": "http", "content-type": "application/json", "user-agent": "OpenAI/JS 5.0.0", "x-request-id": "5f1c2a9e-0d3b-4a51-9a7e-2b6f0c1d9e77", accept: "application/json" };

/** The profiled request through the emulator: the chat body as an SDK sends it, and the provider's JSON answer. */
export function sendProfiledRequest(host: HostEmulator, body: Uint8Array): void {
  const s = host.createStream();
  s.sendRequest(HEADERS, body);
  if (s.localResponse) throw new Error(`refused: ${s.localResponse.body}`);
  s.sendResponseHeaders({ ":status": "200", "content-type": "application/json", "content-length": String(ANSWER.length) });
  s.sendResponseBody(ANSWER, true);
  s.complete();
}

interface ProfileNode { id: number; callFrame: { functionName: string; url: string }; hitCount?: number; children?: number[] }

/** Builds the release module with its name section kept (same optimisation), into build/profile. */
export function namedBuild(): string {
  const dir = join(PROJECT_ROOT, "build", "profile");
  mkdirSync(dir, { recursive: true });
  const out = join(dir, "llm-mesh.wasm");
  execFileSync("npx", ["asc", "assembly/index.ts", "--config", join(PROJECT_ROOT, "asconfig.json"), "--target", "release", "--debug", "--outFile", out], { cwd: PROJECT_ROOT, stdio: ["ignore", "ignore", "inherit"] });
  return out;
}

/** Names a profile node: module functions apart from the emulator's JavaScript. */
function nodeName(n: ProfileNode): string {
  return n.callFrame.url.startsWith("wasm://") ? `wasm ${n.callFrame.functionName}` : `js   ${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.split("/").pop()}`;
}

/**
 * Self time by function; with `blame`, the time of functions whose name matches it (the runtime's
 * allocator, say) is charged instead to their nearest caller in the filter's own code.
 */
function selfTimes(nodes: ProfileNode[], perSample: number, blame?: RegExp): Map<string, number> {
  const parent = new Map<number, ProfileNode>();
  for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n);
  const self = new Map<string, number>();
  for (const n of nodes) {
    let charged = n;
    if (blame?.test(nodeName(n))) {
      for (let p = parent.get(n.id); p; p = parent.get(p.id)) if (nodeName(p).startsWith("wasm assembly/")) { charged = p; break; }
    }
    const name = charged === n ? nodeName(n) : `${nodeName(charged)} (via runtime)`;
    self.set(name, (self.get(name) ?? 0) + (n.hitCount ?? 0) * perSample);
  }
  return self;
}

/**
 * Inclusive time by function (itself and the module functions it calls, counted once per stack):
 * only samples taken in the module count, so the emulator's host functions add nothing.
 */
function inclusiveTimes(nodes: ProfileNode[], perSample: number): Map<string, number> {
  const parent = new Map<number, ProfileNode>();
  for (const n of nodes) for (const c of n.children ?? []) parent.set(c, n);
  const total = new Map<string, number>();
  for (const n of nodes) {
    if (!n.hitCount || !nodeName(n).startsWith("wasm ")) continue;
    const seen = new Set<string>();
    for (let p: ProfileNode | undefined = n; p; p = parent.get(p.id)) {
      const name = nodeName(p);
      if (!name.startsWith("wasm ") || seen.has(name)) continue;
      seen.add(name);
      total.set(name, (total.get(name) ?? 0) + n.hitCount * perSample);
    }
  }
  return total;
}

export async function profile(size: number, seconds: number, mode: "body" | "headers", blame?: RegExp, inclusive = false): Promise<{ rows: [string, number][]; totalMs: number; requests: number; hostCalls: [string, number][] }> {
  const config = { ...BENCH_CONFIG, requestMode: mode };
  const vhosts = providerVirtualHosts(config);
  const host = await HostEmulator.load(readFileSync(namedBuild()), { logLevel: "warn", timeCallbacks: true, allowOnHeadersStopIteration: mode === "body", routeCluster: (a) => clusterForAuthority(vhosts, a) });
  if (!host.configure(JSON.stringify(config))) throw new Error(host.logText().join("\n"));
  const body = Buffer.from(benchBody(size));
  const once = (): void => sendProfiledRequest(host, body);
  for (let i = 0; i < 500; i++) once();
  host.hostCallsByName.clear();
  once();
  const hostCalls = [...host.hostCallsByName.entries()];
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 50 });
  await session.post("Profiler.start");
  const end = Date.now() + seconds * 1000;
  let requests = 0;
  while (Date.now() < end) { once(); requests++; }
  const { profile: p } = await session.post("Profiler.stop") as { profile: { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[] } };
  session.disconnect();
  if (host.trap) throw host.trap;
  const perSample = (p.endTime - p.startTime) / 1000 / p.samples.length;
  const self = inclusive ? inclusiveTimes(p.nodes, perSample) : selfTimes(p.nodes, perSample, blame);
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]);
  return { rows, totalMs: (p.endTime - p.startTime) / 1000, requests, hostCalls };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { size: { type: "string", default: "1024" }, seconds: { type: "string", default: "4" }, mode: { type: "string", default: "body" }, top: { type: "string", default: "40" }, blame: { type: "string" }, wasm: { type: "boolean", default: false }, inclusive: { type: "boolean", default: false } } });
  const r = await profile(Number(values.size), Number(values.seconds), values.mode === "headers" ? "headers" : "body", values.blame ? new RegExp(values.blame) : undefined, values.inclusive);
  const per = (ms: number) => (ms * 1000 / r.requests).toFixed(2);
  const wasm = r.rows.filter(([n]) => n.startsWith("wasm")).reduce((s, [, ms]) => s + ms, 0);
  // Inclusive times overlap: their sum means nothing.
  console.log(`${r.requests} requests of ${values.size} bytes (${values.mode} mode) in ${r.totalMs.toFixed(0)} ms: ${per(r.totalMs)} µs/request` + (values.inclusive ? "" : `, module functions ${per(wasm)} µs/request`));
  console.log(values.inclusive ? "µs/request  inclusive time in (module functions)" : "µs/request  self time in");
  console.log(`host calls per request: ${r.hostCalls.reduce((n, [, c]) => n + c, 0)}`);
  for (const [name, count] of r.hostCalls) console.log(`${String(count).padStart(4)}  ${name}`);
  const rows = values.wasm ? r.rows.filter(([n]) => n.startsWith("wasm")) : r.rows;
  for (const [name, ms] of rows.slice(0, Number(values.top))) console.log(`${per(ms).padStart(10)}  ${name}`);
}
