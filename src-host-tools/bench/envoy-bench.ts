// `npm run bench`: what llm-mesh costs against the same Envoy with no filter. One Envoy
// (--concurrency 1, pinned alone to CPU 0) has three listeners that differ only in their HTTP
// filter: none ("bare"), an empty Proxy-Wasm module ("floor": what Proxy-Wasm costs by itself), and
// llm-mesh. A second Envoy answers as the upstream with a direct_response; it and the load
// generator, h2load (Debian nghttp2-client, keep-alive HTTP/1.1), share CPU 1. Runs alternate
// between listeners so machine drift cancels out; throughput is measured at a fixed concurrency,
// latency at concurrency 1 (so it is the filter's time, not queueing). Numbers compare runs on one
// machine; they are never absolute.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { bootstrapYaml } from "../envoy/bootstrap.js";
import { locateEnvoy, PROJECT_ROOT } from "../envoy/locate.js";
import { RunningEnvoy, startEnvoy } from "../envoy/process.js";
import { BENCH_CONFIG, benchBody, microTable, MicroResult, runMicro } from "./micro.js";
import { runTranslateMicro, translateMicroTable, TranslateMicroResult } from "./translate-micro.js";
import { ensureTools } from "../system-tools.js";
import { MetricsMicroResult, metricsMicroTable, runMetricsMicro } from "./metrics-micro.js";
import { PolicyMicroResult, policyMicroTable, runPolicyMicro } from "./policy-micro.js";
import { SecretsMicroResult, runSecretsMicro, secretsMicroTable } from "./secrets-micro.js";
import { ENVOY_WORK, Peer, buildPeers, envoyWorkPeer, peerFilter } from "./peers.js";
import { ScaleResult, runScaleMicro, scaleMicroTable } from "./scale-micro.js";
import { BroughtPeers, broughtPeerWiring } from "./brought-peers.js";
import { ProcessorProcesses, processorProcesses } from "./ext-proc-peer.js";
import { peerComparisonTable, peerTargets } from "./peer-comparison.js";
import { UserError } from "../errors.js";
import { HostCallReport, countHostCalls, hostCallTable } from "./host-calls.js";
import { ListenerResult, LoadResult, h2load, summarize } from "./load.js";

export { h2load, summarize };
export type { ListenerResult, LoadResult };
import { rssBytes } from "./proc.js";
import { FootprintReport, footprintTable, footprintTargets, measureFootprint } from "./footprint.js";
import { McpBenchReport, mcpTable, runMcpBench } from "./mcp-bench.js";

export interface BenchOptions {
  /** Seconds per measured run. */
  duration?: number;
  /** Bare/filter pairs per case. */
  rounds?: number;
  /** Only the 1 KB case, short runs, a small soak: the CI smoke version. */
  smoke?: boolean;
  /** Requests for the soak; 0 skips it. */
  soak?: number;
  /** Peers named on the command line (brought-peers.ts): modules, and external processors. */
  brought?: BroughtPeers;
  /** Run only this part: "footprint", the idle footprint (footprint.ts). */
  only?: "footprint" | "mcp";
  log?: (line: string) => void;
}

export interface CaseResult {
  case: string; bodyBytes: number; concurrency: number;
  bare: ListenerResult; floor: ListenerResult;
  /** llm-mesh in body mode (the toolchain's default), and in headers mode. */
  filter: ListenerResult; filterHeaders: ListenerResult;
  /** llm-mesh in body mode with metrics off: what measuring costs. */
  filterNoMetrics: ListenerResult;
  /** filter rps / bare rps, and the same for the empty module, as measured. */
  throughputRatio: number; floorRatio: number;
  /**
   * bare CPU per request / filter CPU per request: the throughput ratio wherever the proxy's core is
   * the bottleneck. On a 2-core machine the load generator and upstream can saturate their core
   * first, which caps both listeners alike and hides the filter's cost from the measured ratio.
   */
  cpuThroughputRatio: number;
  addedP50Micros: number; addedP99Micros: number; non2xx: number;
  /** The listeners that answered non-2xx, and how many times: which filter (or peer's config) to look at. */
  non2xxByListener?: Record<string, number>;
  /** Other filters in llm-mesh's place (bench/peers.ts), by peer name. */
  peers: Record<string, ListenerResult>;
}
export interface SoakResult { mode: "body" | "headers"; requests: number; concurrency: number; non2xx: number; samples: { donePercent: number; vmMemoryBytes: number; envoyRssBytes: number }[]; vmGrowthBytes: number; restartedVm: boolean }
export interface BenchReport {
  date: string; machine: { cores: number; node: string; envoy: string }; moduleBytes: number;
  cases: CaseResult[]; envoyRssBefore: number; envoyRssAfter: number; vmMemoryBefore: number; vmMemoryAfter: number;
  /** The llm-mesh VM's linear memory after the 1 KB case (warm-up and rounds): what steady 1 KB traffic holds. */
  vmMemoryAfter1KB?: number;
  /** Envoy at rest: RSS and time to ready, bare, with the empty module and with llm-mesh, at 2 and 8 workers. */
  footprint?: FootprintReport;
  micro: MicroResult[]; translation: TranslateMicroResult[]; metrics: MetricsMicroResult[]; policy: PolicyMicroResult[];
  /** What keeping secrets out of answers costs per KB. */
  secrets: SecretsMicroResult[];
  /** One soak per request mode, each on its own listener and VM. */
  soaks: SoakResult[];
  /** kind "ext_proc": the processor's address, and the processes whose CPU was added to Envoy's (or why none). */
  peers: { name: string; description: string; moduleBytes?: number; skipped?: string; kind?: "wasm" | "ext_proc"; processor?: { address: string; pids: number[]; names?: string[]; missing?: string } }[];
  scale: ScaleResult[];
  /** Host calls per request: the plain 1 KB request's, by name, and what each feature adds (host emulator). */
  hostCalls?: HostCallReport;
  /** MCP routes: Envoy CPU per tools/list and per tools/call, bare vs llm-mesh, and the module's time per MCP request (mcp-bench.ts). */
  mcp?: McpBenchReport;
  /** The upstream Envoy's requests per downstream connection: connections must be reused, or every listener pays a new one per request. */
  upstreamRequestsPerConnection: number;
  targets: { name: string; target: string; measured: string; met: boolean }[];
}


/** One VM's linear memory, as it reports it (the gauge is labelled with the VM's id). */
async function vmMemory(envoy: RunningEnvoy, vmId = "llm-mesh"): Promise<number> {
  const text = await (await fetch(`${envoy.adminUrl}/stats?filter=llm_mesh_vm_memory_bytes`)).text();
  const m = new RegExp(`llm_mesh_vm=\\.=${vmId};\\.;llm_mesh_vm_memory_bytes: (\\d+)`).exec(text);
  return m ? Number(m[1]) : NaN;
}

async function vmRestarts(envoy: RunningEnvoy): Promise<number> {
  const text = await (await fetch(`${envoy.adminUrl}/stats?filter=wasm`)).text();
  // Envoy counts VM creations per runtime; more than the initial ones means a VM was rebuilt.
  const m = /wasm\.envoy\.wasm\.runtime\.v8\.created: (\d+)/.exec(text);
  return m ? Number(m[1]) : NaN;
}


const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
const mib = (n: number) => `${fmt(n / 1048576, 1)} MiB`;

function targetLines(r: BenchReport): string[] {
  return ["targets:", ...r.targets.map((t) => `  ${t.met ? "met " : "MISS"}  ${t.name}: target ${t.target}, measured ${t.measured}`)];
}

export function reportTable(r: BenchReport): string {
  // `llm-mesh bench --only footprint`: nothing else was measured.
  if (r.cases.length === 0 && r.footprint) {
    return [`llm-mesh idle footprint, Envoy ${r.machine.envoy}, ${r.machine.cores} cores, ${r.date}; module ${fmt(r.moduleBytes / 1024, 1)} KiB`, "", footprintTable(r.footprint), "", ...targetLines(r)].join("\n");
  }
  // `llm-mesh bench --only mcp`: the MCP rows alone.
  if (r.cases.length === 0 && r.mcp) {
    return [`llm-mesh MCP routes vs bare Envoy ${r.machine.envoy} (--concurrency 1, pinned to CPU 0), ${r.machine.cores} cores, ${r.date}; module ${fmt(r.moduleBytes / 1024, 1)} KiB`, "", mcpTable(r.mcp)].join("\n");
  }
  const lines = [
    `llm-mesh vs bare Envoy ${r.machine.envoy} (--concurrency 1, pinned to CPU 0), ${r.machine.cores} cores, ${r.date}`,
    `module: ${fmt(r.moduleBytes / 1024, 1)} KiB. "floor" is an empty Proxy-Wasm module: what any Wasm filter costs.`,
    "",
    "throughput (keep-alive HTTP/1.1 at the given concurrency) and Envoy CPU per request:",
    "case    conc    bare rps   floor rps  llm-mesh rps  llm-mesh/bare  floor/bare   CPU µs/req bare / floor / llm-mesh   CPU ratio",
  ];
  for (const c of r.cases) {
    lines.push(`${c.case.padEnd(7)} ${String(c.concurrency).padStart(4)} ${fmt(c.bare.rps).padStart(11)} ${fmt(c.floor.rps).padStart(11)} ${fmt(c.filter.rps).padStart(13)} ` +
      `${fmt(c.throughputRatio, 3).padStart(14)} ${fmt(c.floorRatio, 3).padStart(11)}   ${`${fmt(c.bare.cpuMicrosPerRequest, 1)} / ${fmt(c.floor.cpuMicrosPerRequest, 1)} / ${fmt(c.filter.cpuMicrosPerRequest, 1)}`.padEnd(35)} ${fmt(c.cpuThroughputRatio, 3)}`);
  }
  lines.push("", "latency at concurrency 1 (µs):", "case     bare p50/p99   floor p50/p99   llm-mesh p50/p99   added by llm-mesh p50/p99");
  for (const c of r.cases) {
    lines.push(`${c.case.padEnd(7)} ${`${fmt(c.bare.p50Micros)}/${fmt(c.bare.p99Micros)}`.padStart(14)} ${`${fmt(c.floor.p50Micros)}/${fmt(c.floor.p99Micros)}`.padStart(15)} ` +
      `${`${fmt(c.filter.p50Micros)}/${fmt(c.filter.p99Micros)}`.padStart(18)} ${`${fmt(c.addedP50Micros)}/${fmt(c.addedP99Micros)}`.padStart(27)}`);
  }
  const measured = r.peers.filter((p) => !p.skipped);
  if (r.peers.length > 0) {
    lines.push("", "peers in the same Envoy and run (CPU ratio: bare CPU per request / the listener's; added: over bare):",
      "case    listener              module KiB   rps      CPU µs/req   CPU ratio   added CPU µs   p50/p99 µs");
    for (const c of r.cases) {
      // Behind an external processor the CPU is Envoy's plus the processor's: both shares are shown.
      const shares = (l: ListenerResult) => (l.processorCpuMicrosPerRequest === undefined ? "" : `   Envoy ${fmt(l.envoyCpuMicrosPerRequest ?? NaN, 1)} + processor ${fmt(l.processorCpuMicrosPerRequest, 1)} µs/req`);
      const row = (name: string, l: ListenerResult, bytes: number | undefined) => lines.push(`${c.case.padEnd(7)} ${name.padEnd(21)} ${(bytes === undefined ? "-" : fmt(bytes / 1024, 1)).padStart(10)} ${fmt(l.rps).padStart(7)} ${fmt(l.cpuMicrosPerRequest, 1).padStart(12)} ${fmt(c.bare.cpuMicrosPerRequest / l.cpuMicrosPerRequest, 3).padStart(11)} ${fmt(l.cpuMicrosPerRequest - c.bare.cpuMicrosPerRequest, 1).padStart(14)}   ${fmt(l.p50Micros)}/${fmt(l.p99Micros)}${shares(l)}`);
      row("llm-mesh (body mode)", c.filter, r.moduleBytes);
      row("floor (empty AS)", c.floor, undefined);
      for (const p of measured) if (c.peers[p.name]) row(p.name, c.peers[p.name], p.moduleBytes);
    }
    for (const p of r.peers) lines.push(`  ${p.name}: ${p.description}${p.skipped ? ` (skipped: ${p.skipped})` : ""}`);
    if (measured.length > 0) lines.push("", peerComparisonTable(r));
    if (measured.some((p) => p.name === ENVOY_WORK)) lines.push("", cpuSplitTable(r));
  }
  lines.push("", `upstream: ${fmt(r.upstreamRequestsPerConnection)} requests per connection (kept alive; every listener's cost excludes connection set-up)`);
  lines.push("", "request modes side by side (llm-mesh body mode, the default, vs headers mode):",
    "case     CPU µs/req body / headers   added p50 body / headers (µs)   added p99 body / headers (µs)");
  for (const c of r.cases) {
    const h = c.filterHeaders;
    lines.push(`${c.case.padEnd(7)} ${`${fmt(c.filter.cpuMicrosPerRequest, 1)} / ${fmt(h.cpuMicrosPerRequest, 1)}`.padStart(26)} ` +
      `${`${fmt(c.filter.p50Micros - c.bare.p50Micros)} / ${fmt(h.p50Micros - c.bare.p50Micros)}`.padStart(31)} ${`${fmt(c.filter.p99Micros - c.bare.p99Micros)} / ${fmt(h.p99Micros - c.bare.p99Micros)}`.padStart(31)}`);
  }
  lines.push("", "cost of measuring in Envoy (llm-mesh body mode, metrics on vs off; the upstream's answer reports usage):",
    "case     CPU µs/req on / off   added   added p50 (µs)");
  for (const c of r.cases) {
    const off = c.filterNoMetrics;
    lines.push(`${c.case.padEnd(7)} ${`${fmt(c.filter.cpuMicrosPerRequest, 1)} / ${fmt(off.cpuMicrosPerRequest, 1)}`.padStart(20)} ${fmt(c.filter.cpuMicrosPerRequest - off.cpuMicrosPerRequest, 1).padStart(7)} ${fmt(c.filter.p50Micros - off.p50Micros).padStart(16)}`);
  }
  if (r.metrics.length > 0) lines.push("", metricsMicroTable(r.metrics));
  if (r.policy.length > 0) lines.push("", policyMicroTable(r.policy));
  if ((r.secrets ?? []).length > 0) lines.push("", secretsMicroTable(r.secrets));
  if (r.scale.length > 0) lines.push("", scaleMicroTable(r.scale));
  if (r.hostCalls) lines.push("", hostCallTable(r.hostCalls));
  if (r.mcp) lines.push("", mcpTable(r.mcp));
  if (r.cases.length > 0) lines.push("", `Envoy RSS ${mib(r.envoyRssBefore)} -> ${mib(r.envoyRssAfter)}; llm-mesh VM linear memory ${mib(r.vmMemoryBefore)} -> ${mib(r.vmMemoryAfter)}` +
    (r.vmMemoryAfter1KB !== undefined ? ` (${mib(r.vmMemoryAfter1KB)} after the 1 KB case)` : ""));
  if (r.footprint) lines.push("", footprintTable(r.footprint));
  if (r.micro.length > 0) lines.push("", "in-VM work (host emulator):", microTable(r.micro));
  if (r.translation.length > 0) lines.push("", translateMicroTable(r.translation));
  for (const soak of r.soaks) {
    lines.push("", `soak, ${soak.mode} mode: ${soak.requests} requests at concurrency ${soak.concurrency}, ${soak.non2xx} non-2xx, VM rebuilt: ${soak.restartedVm ? "yes" : "no"}`);
    lines.push("  done   VM memory    Envoy RSS");
    for (const s of soak.samples) lines.push(`  ${String(s.donePercent).padStart(3)}%  ${mib(s.vmMemoryBytes).padStart(10)}  ${mib(s.envoyRssBytes).padStart(11)}`);
    lines.push(`  VM growth: ${fmt(soak.vmGrowthBytes / 1024, 0)} KiB`);
  }
  lines.push("", ...targetLines(r));
  return lines.join("\n");
}

/**
 * llm-mesh's Envoy CPU per request in three parts, each a difference of two listeners in this run:
 * what any Proxy-Wasm module costs, what Envoy does for the host calls llm-mesh makes (envoy_work),
 * and what is left: llm-mesh's own code running in the VM.
 */
export function cpuSplitTable(r: BenchReport): string {
  const lines = ["where llm-mesh's CPU per request goes (µs; differences between listeners of this run):",
    "case     Proxy-Wasm itself   Envoy's side of llm-mesh's host calls   llm-mesh's own code   total above bare",
    "         (floor - bare)      (envoy_work - floor)                    (llm-mesh - envoy_work)"];
  for (const c of r.cases) {
    const work = c.peers[ENVOY_WORK];
    if (!work) continue;
    const cpu = (l: ListenerResult) => l.cpuMicrosPerRequest;
    lines.push(`${c.case.padEnd(7)} ${fmt(cpu(c.floor) - cpu(c.bare), 1).padStart(18)} ${fmt(cpu(work) - cpu(c.floor), 1).padStart(39)} ${fmt(cpu(c.filter) - cpu(work), 1).padStart(21)} ${fmt(cpu(c.filter) - cpu(c.bare), 1).padStart(18)}`);
  }
  return lines.join("\n");
}

/** Requests per downstream connection the upstream Envoy has served so far. */
async function requestsPerConnection(upstream: RunningEnvoy): Promise<number> {
  const text = await (await fetch(`${upstream.adminUrl}/stats?filter=^http\\.upstream\\.downstream_(cx|rq)_total$`)).text();
  const value = (name: string) => Number(new RegExp(`http\\.upstream\\.downstream_${name}_total: (\\d+)`).exec(text)?.[1] ?? NaN);
  return value("rq") / value("cx");
}

/** Compiles a benchmark fixture (assembly/bench-*) into build/, as the filter is built. */
async function buildFixture(entry: string, name: string): Promise<string> {
  const asc = (await import("assemblyscript/asc")).default;
  const out = join(PROJECT_ROOT, "build", `${name}.wasm`);
  const { error } = await asc.main([entry, "--config", join(PROJECT_ROOT, "asconfig.json"), "--target", "release", "-o", out, "-t", join(PROJECT_ROOT, "build", `${name}.wat`)], {
    stdout: { write: () => true } as never, stderr: { write: () => true } as never,
  });
  if (error) throw new Error(`building ${name} failed: ${error.message}`);
  return out;
}

/** Compiles the empty "floor" module beside the filter. */
export async function buildFloor(): Promise<string> {
  return await buildFixture("assembly/bench-floor/index.ts", "bench-floor");
}

/** Compiles the envoy_work fixture: llm-mesh's host calls on the bench request, without its logic. */
export async function buildEnvoyWork(): Promise<string> {
  return await buildFixture("assembly/bench-envoy-work/index.ts", "bench-envoy-work");
}

export async function runBench(options: BenchOptions = {}): Promise<BenchReport> {
  const log = options.log ?? console.log;
  const smoke = options.smoke ?? false;
  const duration = options.duration ?? (smoke ? 1 : 5);
  const rounds = options.rounds ?? (smoke ? 1 : 3);
  const soakRequests = options.soak ?? (smoke ? 5_000 : 0);
  const envoyBinary = locateEnvoy({ log });
  const wasmPath = join(PROJECT_ROOT, "build", "llm-mesh.wasm");
  // Envoy at rest, each variant started alone: measured when nothing else runs on the machine.
  const footprint = async (starts: number) => {
    log("idle footprint…");
    return await measureFootprint({ envoyPath: envoyBinary.path, wasmPath, floorPath: await buildFloor(), starts, log });
  };
  if (options.only === "footprint") {
    const report = emptyReport(envoyBinary.version, statSync(wasmPath).size);
    report.footprint = await footprint(3);
    report.targets = footprintTargets(report.footprint);
    return report;
  }
  ensureTools(["h2load"], log);
  if (options.only === "mcp") {
    const report = emptyReport(envoyBinary.version, statSync(wasmPath).size);
    report.mcp = await runMcpBench({ envoyPath: envoyBinary.path, wasmPath, smoke, duration, rounds, log });
    return report;
  }
  const brought = options.brought ?? { modules: [], extProcs: [] };
  // Each external processor's processes, found once by the port they listen on, before anything starts.
  const processors = new Map<string, ProcessorProcesses>(brought.extProcs.map((p) => [p.name, processorProcesses(p)]));
  for (const p of brought.extProcs) {
    const found = processors.get(p.name)!;
    if (!("missing" in found)) continue;
    if (!found.listening) throw new UserError(`--ext-proc ${p.name}: nothing listens on ${p.host}:${p.port}; start the external processor first, then run llm-mesh bench again`);
    log(`bench: ext_proc peer ${p.name}: its process was not found (${found.missing}); its CPU per request will read n/a`);
  }
  const work = mkdtempSync(join(tmpdir(), "llm-mesh-bench-"));

  // The upstream: a second Envoy answering every request itself, so it is never the bottleneck. Its
  // buffer filter reads the whole request before the direct_response: answering earlier would close
  // the connection, and the proxy under test would pay a new upstream connection per request.
  const answer = JSON.stringify({ id: "chatcmpl-bench", object: "chat.completion", model: "m", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
    usage: { prompt_tokens: 231, completion_tokens: 2, total_tokens: 233 } });
  const upstreamConfig = `static_resources:\n  listeners:\n  - name: upstream\n    address: {socket_address: {address: 127.0.0.1, port_value: 0}}\n    per_connection_buffer_limit_bytes: 16777216\n    filter_chains:\n    - filters:\n      - name: envoy.filters.network.http_connection_manager\n        typed_config:\n          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager\n          stat_prefix: upstream\n          route_config: {virtual_hosts: [{name: all, domains: ["*"], routes: [{match: {prefix: "/"}, direct_response: {status: 200, body: {inline_string: ${JSON.stringify(answer)}}}}]}]}\n          http_filters: [{name: envoy.filters.http.buffer, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer, max_request_bytes: 16777216}}, {name: envoy.filters.http.router, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}]\nadmin: {address: {socket_address: {address: 127.0.0.1, port_value: 0}}}\n`;
  const upstream = await startEnvoy({ envoyPath: envoyBinary.path, config: upstreamConfig, concurrency: 1, logLevel: "warn", cpus: "1" });
  const upstreamPort = Number(new URL(upstream.url).port);
  const peers: Peer[] = [];
  const broughtWiring = broughtPeerWiring(brought);
  // Never leave the upstream Envoy behind when the proxy cannot start.
  const proxy = await (async () => {
    try {
      const floorPath = await buildFloor();
      peers.push(envoyWorkPeer(await buildEnvoyWork()), ...buildPeers(log));
      return await startEnvoy({
        envoyPath: envoyBinary.path, concurrency: 1, logLevel: "warn", cpus: "0",
        config: bootstrapYaml({
          wasmPath, pluginConfig: { ...BENCH_CONFIG, maxRequestBodyBytes: 4 << 20 }, bareListenPort: 0, headersModeListenPort: 0,
          variantListeners: [{ name: "llm_mesh_no_metrics", port: 0, pluginConfig: { metrics: { enabled: false } } }],
          floor: { wasmPath: floorPath, port: 0 }, mockUpstream: { address: "127.0.0.1", port: upstreamPort },
          peerListeners: [...peers.filter((p) => !p.skipped).map((p) => ({ name: p.name, port: 0, filters: [peerFilter(p)] })), ...broughtWiring.peerListeners],
          extraClusters: broughtWiring.extraClusters,
        }),
      });
    } catch (error) {
      await upstream.stop();
      throw error;
    }
  })();
  const report: BenchReport = {
    ...emptyReport(envoyBinary.version, statSync(wasmPath).size),
    envoyRssBefore: rssBytes(proxy.pid),
    peers: [
      ...[...peers, ...brought.modules].map(({ name, description, moduleBytes, skipped }) => ({ name, description, moduleBytes, skipped, kind: "wasm" as const })),
      ...brought.extProcs.map((p) => ({ name: p.name, kind: "ext_proc" as const, description: extProcDescription(p, processors.get(p.name)!), processor: { address: `${p.host}:${p.port}`, ...processors.get(p.name)! } })),
    ],
  };
  try {
    // Bare and floor requests go straight to a provider host; llm-mesh ones to a client host it rewrites.
    const listeners: { key: string; url: string; host: string; processorPids?: number[] }[] = [
      { key: "bare", url: proxy.listeners.bare, host: "api.openai.com" },
      { key: "floor", url: proxy.listeners.floor, host: "api.openai.com" },
      { key: "filter", url: proxy.listeners.llm_mesh, host: "llm.local" },
      { key: "filterHeaders", url: proxy.listeners.llm_mesh_headers, host: "llm.local" },
      { key: "filterNoMetrics", url: proxy.listeners.llm_mesh_no_metrics, host: "llm.local" },
      // Peers get the provider's host, as a client of such a filter would send it.
      ...[...peers.filter((p) => !p.skipped), ...brought.modules].map((p) => ({ key: p.name, url: proxy.listeners[p.name], host: "api.openai.com" })),
      ...brought.extProcs.map((p) => ({ key: p.name, url: proxy.listeners[p.name], host: "api.openai.com", processorPids: processors.get(p.name)!.pids })),
    ];
    // name, body size, concurrency, warm-up requests, requests per latency run
    const cases: [string, number, number, number, number][] = smoke
      ? [["1 KB", 1024, 16, 2000, 500]]
      : [["1 KB", 1024, 16, 5000, 3000], ["64 KB", 65536, 8, 1000, 1000], ["1 MB", 1 << 20, 4, 100, 100]];
    for (const [name, size, concurrency, warmup, latencyRequests] of cases) {
      const bodyFile = join(work, `body-${size}.json`);
      writeFileSync(bodyFile, benchBody(size));
      log(`case ${name}: warming up…`);
      let perRun = warmup;
      for (const l of listeners) {
        const warm = await h2load(l.url, l.host, bodyFile, concurrency, warmup, proxy.pid, work, l.processorPids);
        if (l.key === "bare") perRun = Math.max(warmup, Math.round(warm.rps * duration));
      }
      if (Number.isNaN(report.vmMemoryBefore)) {
        await new Promise((r) => setTimeout(r, 1100)); // let the VM's 1 s tick report its memory
        report.vmMemoryBefore = await vmMemory(proxy);
      }
      const load: Record<string, LoadResult[]> = Object.fromEntries(listeners.map((l) => [l.key, []]));
      const latency: Record<string, LoadResult[]> = Object.fromEntries(listeners.map((l) => [l.key, []]));
      for (let round = 0; round < rounds; round++) {
        log(`case ${name}: round ${round + 1}/${rounds}`);
        for (const l of listeners) load[l.key].push(await h2load(l.url, l.host, bodyFile, concurrency, perRun, proxy.pid, work, l.processorPids));
        for (const l of listeners) latency[l.key].push(await h2load(l.url, l.host, bodyFile, 1, latencyRequests, proxy.pid, work, l.processorPids));
      }
      const [b, fl, f, fh, fn] = (["bare", "floor", "filter", "filterHeaders", "filterNoMetrics"] as const).map((k) => summarize(load[k], latency[k]));
      const strip = ({ non2xx: _n, ...rest }: ListenerResult & { non2xx: number }) => rest;
      const peerResults = report.peers.filter((p) => !p.skipped).map((p) => [p.name, summarize(load[p.name], latency[p.name])] as const);
      report.cases.push({
        case: name, bodyBytes: statSync(bodyFile).size, concurrency,
        bare: strip(b), floor: strip(fl), filter: strip(f), filterHeaders: strip(fh), filterNoMetrics: strip(fn),
        throughputRatio: f.rps / b.rps, floorRatio: fl.rps / b.rps,
        cpuThroughputRatio: b.cpuMicrosPerRequest / f.cpuMicrosPerRequest,
        addedP50Micros: f.p50Micros - b.p50Micros, addedP99Micros: f.p99Micros - b.p99Micros,
        non2xx: b.non2xx + fl.non2xx + f.non2xx + fh.non2xx + fn.non2xx + peerResults.reduce((n, [, r]) => n + r.non2xx, 0),
        peers: Object.fromEntries(peerResults.map(([name, r]) => [name, strip(r)])),
        non2xxByListener: Object.fromEntries([...([["bare", b], ["floor", fl], ["llm-mesh", f], ["llm-mesh headers mode", fh], ["llm-mesh without metrics", fn]] as const), ...peerResults]
          .filter(([, r]) => r.non2xx > 0).map(([name, r]) => [name, r.non2xx])),
      });
      if (size === 1024) {
        await new Promise((r) => setTimeout(r, 1100)); // the VM reports its memory every second
        report.vmMemoryAfter1KB = await vmMemory(proxy);
      }
    }
    report.upstreamRequestsPerConnection = await requestsPerConnection(upstream);
    // An upstream that closes connections would add connection set-up to every listener and hide the filters' share.
    if (report.upstreamRequestsPerConnection < 100) throw new Error(`the bench's upstream served only ${fmt(report.upstreamRequestsPerConnection, 1)} requests per connection: connections are not being reused, so the figures would be wrong`);
    await new Promise((r) => setTimeout(r, 1100));
    report.vmMemoryAfter = await vmMemory(proxy);
    report.envoyRssAfter = rssBytes(proxy.pid);

    if (soakRequests > 0) {
      report.soaks.push(await soak(proxy, "body", proxy.listeners.llm_mesh, "llm-mesh", work, soakRequests, log));
      report.soaks.push(await soak(proxy, "headers", proxy.listeners.llm_mesh_headers, "llm-mesh-headers", work, soakRequests, log));
    }
    log("host calls per request…");
    report.hostCalls = await countHostCalls(wasmPath);
    log("in-VM microbenchmark…");
    report.micro = await runMicro(wasmPath, smoke ? 200 : 1500);
    log("translation microbenchmark…");
    report.translation = await runTranslateMicro(wasmPath, smoke ? 200 : 1000);
    log("metrics microbenchmark…");
    report.metrics = await runMetricsMicro(wasmPath, smoke ? 300 : 1500);
    log("consumers and request policy microbenchmark…");
    report.policy = await runPolicyMicro(wasmPath, smoke ? 300 : 1500);
    log("secrets scan microbenchmark…");
    report.secrets = await runSecretsMicro(wasmPath, smoke ? 300 : 600);
    log("config scale microbenchmark…");
    report.scale = await runScaleMicro(wasmPath, smoke ? 300 : 1000);
  } finally {
    await proxy.stop();
    await upstream.stop();
    rmSync(work, { recursive: true, force: true });
  }
  // Its own proxy and upstream, started once the LLM cases' have stopped (the same CPUs).
  log("MCP routes: tools/list and tools/call, bare Envoy vs llm-mesh…");
  report.mcp = await runMcpBench({ envoyPath: envoyBinary.path, wasmPath, smoke, duration, rounds, log });
  // One start each in the smoke run (about 10 s), three for the figures.
  report.footprint = await footprint(smoke ? 1 : 3);
  report.targets = [...targets(report), ...peerTargets(report), ...footprintTargets(report.footprint)];
  return report;
}

/** A report with nothing measured yet. */
function emptyReport(envoyVersion: string, moduleBytes: number): BenchReport {
  return {
    date: new Date().toISOString(),
    machine: { cores: cpus().length, node: process.version, envoy: envoyVersion },
    moduleBytes, cases: [], envoyRssBefore: NaN, envoyRssAfter: NaN,
    vmMemoryBefore: NaN, vmMemoryAfter: NaN, micro: [], translation: [], metrics: [], policy: [], secrets: [], soaks: [], targets: [],
    peers: [], upstreamRequestsPerConnection: NaN, scale: [],
  };
}

/** How an external processor peer reads in the report, and whose CPU it counts. */
function extProcDescription(p: { host: string; port: number }, found: ProcessorProcesses): string {
  const mode = "ext_proc over gRPC, request and response headers sent, both bodies buffered";
  return "missing" in found
    ? `external processor at ${p.host}:${p.port} (${mode}); its process was not found (${found.missing}): CPU per request n/a`
    : `external processor at ${p.host}:${p.port} (${mode}); CPU = Envoy + pid ${found.pids.map((pid, i) => `${pid} (${found.names[i]})`).join(", ")}`;
}

async function soak(proxy: RunningEnvoy, mode: SoakResult["mode"], url: string, vmId: string, work: string, total: number, log: (l: string) => void): Promise<SoakResult> {
  const bodyFile = join(work, "soak.json");
  writeFileSync(bodyFile, benchBody(1024));
  const created = await vmRestarts(proxy);
  const samples: SoakResult["samples"] = [];
  const sample = async (donePercent: number) => {
    await new Promise((r) => setTimeout(r, 1100));
    samples.push({ donePercent, vmMemoryBytes: await vmMemory(proxy, vmId), envoyRssBytes: rssBytes(proxy.pid) });
  };
  await sample(0);
  let non2xx = 0;
  const step = Math.ceil(total / 10);
  for (let done = 0, i = 1; done < total; done += step, i++) {
    const n = Math.min(step, total - done);
    const r = await h2load(url, "llm.local", bodyFile, 64, n, proxy.pid, work);
    non2xx += r.non2xx + (n - r.requests);
    log(`soak, ${mode} mode: ${Math.min(100, i * 10)}% (${done + n} requests)`);
    await sample(Math.min(100, i * 10));
  }
  const first = samples[0].vmMemoryBytes;
  const last = samples[samples.length - 1].vmMemoryBytes;
  return { mode, requests: total, concurrency: 64, non2xx, samples, vmGrowthBytes: last - first, restartedVm: (await vmRestarts(proxy)) !== created };
}

/** Issue 25's target for the plain 1 KB request's host calls. */
const ISSUE_25_HOST_CALLS = 12;

function targets(r: BenchReport): BenchReport["targets"] {
  const out: BenchReport["targets"] = [];
  const kb = r.cases.find((c) => c.case === "1 KB");
  if (kb) {
    // Judged on CPU per request (see cpuThroughputRatio); the measured rps ratio is shown beside it.
    out.push({ name: "1 KB throughput vs bare Envoy (by proxy CPU per request)", target: ">= 0.90x", measured: `${fmt(kb.cpuThroughputRatio, 3)}x (measured rps ratio ${fmt(kb.throughputRatio, 3)}x)`, met: kb.cpuThroughputRatio >= 0.9 });
    // A negative difference is this machine's noise, not a filter that saves time: say so.
    const added = (micros: number) => (micros < 0 ? `${fmt(micros)} µs (below this run's noise)` : `${fmt(micros)} µs`);
    const overFloor = kb.filter.cpuMicrosPerRequest - kb.floor.cpuMicrosPerRequest;
    out.push({ name: "1 KB CPU per request above the empty module", target: "<= 15 µs", measured: `${fmt(overFloor, 1)} µs`, met: overFloor <= 15 });
    // Issue 25: no more above the empty module than the minimal Rust rewrite costs, in the same run.
    const rust = kb.peers.rust_floor;
    if (rust) {
      const rustOverFloor = rust.cpuMicrosPerRequest - kb.floor.cpuMicrosPerRequest;
      out.push({ name: "1 KB CPU per request above the empty module, vs the minimal Rust rewrite's (rust_floor)", target: `<= rust_floor's ${fmt(rustOverFloor, 1)} µs`, measured: `${fmt(overFloor, 1)} µs`, met: overFloor <= rustOverFloor });
    }
    out.push({ name: "1 KB added latency p50", target: "<= 50 µs", measured: added(kb.addedP50Micros), met: kb.addedP50Micros <= 50 });
    out.push({ name: "1 KB added latency p99", target: "<= 200 µs", measured: added(kb.addedP99Micros), met: kb.addedP99Micros <= 200 });
  }
  if (r.hostCalls) {
    const plain = r.hostCalls.plain;
    // Issue 25's count; the test's line (HOST_CALL_LIMITS) is higher since changed headers are written one call each, which costs Envoy less.
    out.push({ name: "host calls, the plain 1 KB request (in its callbacks; features' additions in the host-call table)", target: `<= ${ISSUE_25_HOST_CALLS} (issue 25)`, measured: `${plain.calls} (+${r.hostCalls.tickPerRequest} per request on the tick; changed headers written one call each, cheaper in Envoy than one whole-map write: docs/benchmarks.md)`, met: plain.calls <= ISSUE_25_HOST_CALLS });
  }
  const mb = r.micro.find((m) => m.case === "1 MB");
  if (mb) out.push({ name: "1 MB request in the VM (module time: the emulator's buffer copies taken out)", target: "<= 0.6 ms", measured: `${fmt(mb.moduleMicros / 1000, 2)} ms`, met: mb.moduleMicros <= 600 });
  const kb64 = r.cases.find((c) => c.case === "64 KB");
  if (kb64) out.push({ name: "64 KB throughput vs bare Envoy (by proxy CPU per request)", target: ">= 0.6x", measured: `${fmt(kb64.cpuThroughputRatio, 3)}x`, met: kb64.cpuThroughputRatio >= 0.6 });
  const mbCase = r.cases.find((c) => c.case === "1 MB");
  if (mbCase) out.push({ name: "1 MB throughput vs bare Envoy (by proxy CPU per request)", target: ">= 0.6x", measured: `${fmt(mbCase.cpuThroughputRatio, 3)}x`, met: mbCase.cpuThroughputRatio >= 0.6 });
  const events = r.translation.filter((t) => t.unit === "event");
  if (events.length > 0) {
    const worst = Math.max(...events.map((t) => t.microsPerUnit));
    out.push({ name: "SSE translation per event, in the VM (emulator buffer crossings included)", target: "<= 10 µs", measured: `${fmt(worst, 2)} µs (slowest direction)`, met: worst <= 10 });
  }
  const signing = r.translation.find((t) => t.case.startsWith("SigV4") && t.bytesIn === 1024);
  if (signing) out.push({ name: "SigV4 hashing and signing of a 1 KB body, in the VM", target: "<= 30 µs", measured: `${fmt(signing.microsPerUnit, 1)} µs`, met: signing.microsPerUnit <= 30 });
  const request = r.metrics.find((m) => m.unit === "request");
  if (request) out.push({ name: "metrics added per 1 KB request, module time in the VM", target: "<= 5 µs", measured: `${fmt(request.addedMicrosPerUnit, 1)} µs (+${fmt(request.addedHostCallsPerUnit, 0)} host calls)`, met: request.addedMicrosPerUnit <= 5 });
  const chunk = r.metrics.find((m) => m.unit === "chunk");
  if (chunk) out.push({ name: "metrics added per stream chunk, module time in the VM", target: "<= 1 µs", measured: `${fmt(chunk.addedMicrosPerUnit, 2)} µs (+${fmt(chunk.addedHostCallsPerUnit, 1)} host calls)`, met: chunk.addedMicrosPerUnit <= 1 });
  // Rules had no target: they cost per KB of prompt text (the table shows them).
  for (const p of r.policy.filter((x) => !x.case.includes("rules"))) out.push({ name: `${p.case}, added per 1 KB request, module time in the VM`, target: "<= 10 µs", measured: `${fmt(p.addedMicros, 1)} µs (+${fmt(p.hostCalls - p.baseHostCalls, 0)} host calls)`, met: p.addedMicros <= 10 });
  if (kb) {
    const added = kb.filter.cpuMicrosPerRequest - kb.filterNoMetrics.cpuMicrosPerRequest;
    out.push({ name: "metrics added per 1 KB request, Envoy CPU (a short run on a 2-core VM is noisy by tens of µs: read it over several full runs)", target: "<= 5 µs", measured: `${fmt(added, 1)} µs${added < 0 ? " (below this run's noise)" : ""}`, met: added <= 5 });
  }
  const largest = r.scale.find((x) => x.routes === 1000);
  const smallest = r.scale.find((x) => x.routes === 10);
  if (largest) out.push({ name: "1,000 routes and 200 providers: config load in the VM", target: "<= 50 ms", measured: `${fmt(largest.loadMillis, 1)} ms`, met: largest.loadMillis <= 50 });
  if (largest && smallest) {
    const ratio = largest.matchMicros / smallest.matchMicros;
    out.push({ name: "route matching flat from 10 to 1,000 routes (request headers callback, request to the last route)", target: "<= 1.25x", measured: `${fmt(ratio, 2)}x (${fmt(smallest.matchMicros, 1)} -> ${fmt(largest.matchMicros, 1)} µs; whole request ${fmt(smallest.lastRouteMicros, 1)} -> ${fmt(largest.lastRouteMicros, 1)} µs)`, met: ratio <= 1.25 });
  }
  if (r.vmMemoryAfter1KB !== undefined) out.push({ name: "llm-mesh VM linear memory at steady 1 KB traffic (after the 1 KB case)", target: "<= 2 MiB", measured: mib(r.vmMemoryAfter1KB), met: r.vmMemoryAfter1KB <= 2 << 20 });
  // Issue 25's target; the unit test (test/unit/imports.test.ts) holds the budget reached so far, and
  // `npm run bench:size` shows where the bytes are.
  out.push({ name: "module size", target: "<= 150 KiB", measured: `${fmt(r.moduleBytes / 1024, 1)} KiB`, met: r.moduleBytes <= 150 * 1024 });
  for (const soak of r.soaks) {
    out.push({ name: `VM memory across a ${soak.requests}-request soak, ${soak.mode} mode`, target: "flat within 1 MiB, no VM restart", measured: `${fmt(soak.vmGrowthBytes / 1024)} KiB growth, restart: ${soak.restartedVm ? "yes" : "no"}`, met: Math.abs(soak.vmGrowthBytes) <= 1 << 20 && !soak.restartedVm });
    out.push({ name: `soak errors, ${soak.mode} mode`, target: "0 non-2xx", measured: String(soak.non2xx), met: soak.non2xx === 0 });
  }
  return out;
}

/** Writes the report as JSON under bench-results/ and returns the path. */
export function saveReport(r: BenchReport): string {
  const dir = join(PROJECT_ROOT, "bench-results");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `bench-${r.date.replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, JSON.stringify(r, null, 2));
  return file;
}
