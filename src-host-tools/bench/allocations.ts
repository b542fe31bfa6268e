// Objects the module allocates per request, and who allocates them: the profiler's request (the
// bench's chat request in body mode and its JSON answer) run through the named build with the
// runtime's `__new` instrumented (binaryen) to call out to JavaScript, which counts by the nearest
// filter function on the stack. Every object costs an allocation now and a free in the next sweep,
// so this count is what the runtime's share of the profile follows.
// `npx tsx src-host-tools/bench/allocations.ts [--size 65536] [--requests 200] [--top 40]`.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import binaryen from "binaryen";
import { clusterForAuthority, providerVirtualHosts } from "../envoy/routes.js";
import { HostEmulator } from "../host/emulator.js";
import { BENCH_CONFIG, benchBody } from "./micro.js";
import { namedBuild, sendProfiledRequest } from "./profile.js";

const NEW = "~lib/rt/tcms/__new";

/** The module with `__new(size, id)` first calling the import `bench.allocated(size, id)`. */
function instrument(wasm: Uint8Array): Uint8Array {
  const m = binaryen.readBinary(wasm);
  m.setFeatures(binaryen.Features.All);
  m.addFunctionImport("bench.allocated", "bench", "allocated", binaryen.createType([binaryen.i32, binaryen.i32]), binaryen.none);
  const f = m.getFunction(NEW);
  if (!f) throw new Error(`${NEW} not found: the runtime changed`);
  const body = binaryen.getFunctionInfo(f).body;
  // binaryen.js has Function.setBody at its top level; its typings put it elsewhere.
  (binaryen as unknown as { Function: { setBody(f: number, body: number): void } }).Function.setBody(f, m.block(null, [m.call("bench.allocated", [m.local.get(0, binaryen.i32), m.local.get(1, binaryen.i32)], binaryen.none), body], binaryen.i32));
  binaryen.setDebugInfo(true); // keep the name section: callers are counted by name
  return m.emitBinary();
}

export interface AllocationCount { objects: number; bytes: number; byCaller: [string, number][] }

export async function countAllocations(size: number, requests: number): Promise<AllocationCount> {
  const config = { ...BENCH_CONFIG, requestMode: "body" };
  const vhosts = providerVirtualHosts(config);
  let counting = false;
  let objects = 0;
  let bytes = 0;
  const byCaller = new Map<string, number>();
  const allocated = (n: number): void => {
    if (!counting) return;
    objects++;
    bytes += n;
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 40;
    const stack = new Error().stack!.split("\n");
    Error.stackTraceLimit = limit;
    // The nearest caller in the filter's own code (assembly/), else the nearest in the library.
    const frames = stack.filter((l) => l.includes("wasm://")).map((l) => l.trim().replace(/^at /, "").replace(/ \(wasm:.*$/, ""));
    const own = frames.find((f) => f.startsWith("assembly/")) ?? frames.find((f) => !f.startsWith("~lib/rt/")) ?? "?";
    byCaller.set(own, (byCaller.get(own) ?? 0) + 1);
  };
  const host = await HostEmulator.load(instrument(readFileSync(namedBuild())), { logLevel: "warn", allowOnHeadersStopIteration: true, routeCluster: (a) => clusterForAuthority(vhosts, a), extraImports: { bench: { allocated } } });
  if (!host.configure(JSON.stringify(config))) throw new Error(host.logText().join("\n"));
  const body = Buffer.from(benchBody(size));
  const once = (): void => sendProfiledRequest(host, body);
  for (let i = 0; i < 20; i++) once();
  counting = true;
  for (let i = 0; i < requests; i++) once();
  counting = false;
  if (host.trap) throw host.trap;
  const rows = [...byCaller.entries()].map(([k, v]) => [k, v / requests] as [string, number]).sort((a, b) => b[1] - a[1]);
  return { objects: objects / requests, bytes: bytes / requests, byCaller: rows };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { size: { type: "string", default: "1024" }, requests: { type: "string", default: "200" }, top: { type: "string", default: "40" } } });
  const r = await countAllocations(Number(values.size), Number(values.requests));
  console.log(`${values.size}-byte request and its answer: ${r.objects.toFixed(1)} objects, ${r.bytes.toFixed(0)} bytes allocated per request`);
  console.log("objects/request  nearest filter function");
  for (const [name, n] of r.byCaller.slice(0, Number(values.top))) console.log(`${n.toFixed(2).padStart(15)}  ${name}`);
}
