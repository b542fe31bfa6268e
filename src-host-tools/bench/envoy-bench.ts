// `npm run bench`: what llm-mesh costs against the same Envoy with no filter. One Envoy
// (--concurrency 1, so the load generator has the other core) has two listeners that differ only in
// the llm-mesh filter; a second Envoy answers as the upstream with a direct_response. Load comes
// from h2load (Debian nghttp2-client) over keep-alive HTTP/1.1, and bare/filter runs alternate so
// machine drift cancels out. Numbers are for comparison on one machine, never absolute.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { bootstrapYaml } from "../envoy/bootstrap.js";
import { locateEnvoy, PROJECT_ROOT } from "../envoy/locate.js";
import { RunningEnvoy, startEnvoy } from "../envoy/process.js";
import { BENCH_CONFIG, benchBody, microTable, MicroResult, runMicro } from "./micro.js";
import { UserError } from "../errors.js";

const run = promisify(execFile);

export interface BenchOptions {
  /** Seconds per measured run. */
  duration?: number;
  /** Bare/filter pairs per case. */
  rounds?: number;
  /** Only the 1 KB case, short runs, a small soak: the CI smoke version. */
  smoke?: boolean;
  /** Requests for the soak; 0 skips it. */
  soak?: number;
  log?: (line: string) => void;
}

interface LoadResult { requests: number; non2xx: number; seconds: number; rps: number; p50: number; p99: number; cpuSeconds: number }
export interface CaseResult {
  case: string; bodyBytes: number; concurrency: number;
  bare: { rps: number; p50Micros: number; p99Micros: number; cpuMicrosPerRequest: number };
  filter: { rps: number; p50Micros: number; p99Micros: number; cpuMicrosPerRequest: number };
  throughputRatio: number; addedP50Micros: number; addedP99Micros: number; non2xx: number;
}
export interface SoakResult { requests: number; concurrency: number; non2xx: number; samples: { donePercent: number; vmMemoryBytes: number; envoyRssBytes: number }[]; vmGrowthBytes: number; restartedVm: boolean }
export interface BenchReport {
  date: string; machine: { cores: number; node: string; envoy: string }; moduleBytes: number;
  cases: CaseResult[]; envoyRssBefore: number; envoyRssAfter: number; vmMemoryBefore: number; vmMemoryAfter: number;
  micro: MicroResult[]; soak?: SoakResult;
  targets: { name: string; target: string; measured: string; met: boolean }[];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // fields 14 and 15; USER_HZ is 100 on Linux
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
}

async function vmMemory(envoy: RunningEnvoy): Promise<number> {
  const text = await (await fetch(`${envoy.adminUrl}/stats?filter=llm_mesh_vm_memory_bytes`)).text();
  const m = /llm_mesh_vm_memory_bytes: (\d+)/.exec(text);
  return m ? Number(m[1]) : NaN;
}

async function vmRestarts(envoy: RunningEnvoy): Promise<number> {
  const text = await (await fetch(`${envoy.adminUrl}/stats?filter=wasm`)).text();
  // Envoy counts VM creations per runtime; more than the initial ones means a VM was rebuilt.
  const m = /wasm\.envoy\.wasm\.runtime\.v8\.created: (\d+)/.exec(text);
  return m ? Number(m[1]) : NaN;
}

/**
 * One h2load run of `requests` POSTs. (h2load 1.52's -D duration mode never exits with a POST body
 * over HTTP/1.1, so runs are sized in requests from a warm-up's rate instead.) For HTTP/1.1 the Host
 * header is set with -H ':authority: …'; a plain `host:` header would be sent as an extra header.
 */
async function h2load(url: string, host: string, bodyFile: string, concurrency: number, requests: number, pid: number, logDir: string): Promise<LoadResult> {
  const logFile = join(logDir, `h2load-${Date.now()}-${Math.random().toString(36).slice(2)}.tsv`);
  const args = ["--h1", "-c", String(concurrency), "-n", String(requests), "-d", bodyFile, "-H", `:authority: ${host}`, "-H", "content-type: application/json", "--log-file", logFile];
  const cpuBefore = cpuSeconds(pid);
  const { stdout } = await run("h2load", [...args, `${url}/v1/chat/completions`], { maxBuffer: 64 << 20 });
  const cpu = cpuSeconds(pid) - cpuBefore;
  const finished = /finished in ([\d.]+)(ms|s), ([\d.]+) req\/s/.exec(stdout);
  const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(stdout);
  const done = /requests: \d+ total, \d+ started, (\d+) done/.exec(stdout);
  if (!finished || !codes || !done) throw new Error(`could not read h2load output:\n${stdout}`);
  const latencies = readFileSync(logFile, "utf8").trim().split("\n").map((l) => Number(l.split("\t")[2])).filter(Number.isFinite).sort((a, b) => a - b);
  rmSync(logFile, { force: true });
  const completed = Number(done[1]);
  return {
    requests: completed, non2xx: requests - Number(codes[1]),
    seconds: Number(finished[1]) / (finished[2] === "ms" ? 1000 : 1), rps: Number(finished[3]),
    p50: percentile(latencies, 50), p99: percentile(latencies, 99), cpuSeconds: cpu,
  };
}

function summarize(runs: LoadResult[]): CaseResult["bare"] & { non2xx: number } {
  const requests = runs.reduce((n, r) => n + r.requests, 0);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return {
    rps: median(runs.map((r) => r.rps)),
    p50Micros: median(runs.map((r) => r.p50)),
    p99Micros: median(runs.map((r) => r.p99)),
    cpuMicrosPerRequest: (runs.reduce((n, r) => n + r.cpuSeconds, 0) / requests) * 1e6,
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
  };
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
const mib = (n: number) => `${fmt(n / 1048576, 1)} MiB`;

export function reportTable(r: BenchReport): string {
  const lines = [
    `llm-mesh vs bare Envoy ${r.machine.envoy} (--concurrency 1), ${r.machine.cores} cores, ${r.date}`,
    `module: ${fmt(r.moduleBytes / 1024, 1)} KiB`,
    "",
    "case    conc   bare rps  filter rps  ratio   bare p50/p99 µs   filter p50/p99 µs   added p50/p99 µs   CPU µs/req bare/filter",
  ];
  for (const c of r.cases) {
    lines.push(`${c.case.padEnd(7)} ${String(c.concurrency).padStart(4)} ${fmt(c.bare.rps).padStart(10)} ${fmt(c.filter.rps).padStart(11)} ${fmt(c.throughputRatio, 3).padStart(6)} ` +
      `${`${fmt(c.bare.p50Micros)}/${fmt(c.bare.p99Micros)}`.padStart(17)} ${`${fmt(c.filter.p50Micros)}/${fmt(c.filter.p99Micros)}`.padStart(19)} ` +
      `${`${fmt(c.addedP50Micros)}/${fmt(c.addedP99Micros)}`.padStart(18)} ${`${fmt(c.bare.cpuMicrosPerRequest, 1)}/${fmt(c.filter.cpuMicrosPerRequest, 1)}`.padStart(24)}`);
  }
  lines.push("", `Envoy RSS ${mib(r.envoyRssBefore)} -> ${mib(r.envoyRssAfter)}; Wasm VM linear memory ${mib(r.vmMemoryBefore)} -> ${mib(r.vmMemoryAfter)}`);
  lines.push("", "in-VM work (host emulator):", microTable(r.micro));
  if (r.soak) {
    lines.push("", `soak: ${r.soak.requests} requests at concurrency ${r.soak.concurrency}, ${r.soak.non2xx} non-2xx, VM rebuilt: ${r.soak.restartedVm ? "yes" : "no"}`);
    lines.push("  done   VM memory    Envoy RSS");
    for (const s of r.soak.samples) lines.push(`  ${String(s.donePercent).padStart(3)}%  ${mib(s.vmMemoryBytes).padStart(10)}  ${mib(s.envoyRssBytes).padStart(11)}`);
    lines.push(`  VM growth: ${fmt(r.soak.vmGrowthBytes / 1024, 0)} KiB`);
  }
  lines.push("", "targets:");
  for (const t of r.targets) lines.push(`  ${t.met ? "met " : "MISS"}  ${t.name}: target ${t.target}, measured ${t.measured}`);
  return lines.join("\n");
}

export async function runBench(options: BenchOptions = {}): Promise<BenchReport> {
  const log = options.log ?? console.log;
  const smoke = options.smoke ?? false;
  const duration = options.duration ?? (smoke ? 2 : 5);
  const rounds = options.rounds ?? (smoke ? 1 : 3);
  const soakRequests = options.soak ?? (smoke ? 20_000 : 0);
  try { await run("h2load", ["--version"]); } catch { throw new UserError("h2load is missing: apt-get install nghttp2-client"); }
  const envoyBinary = locateEnvoy({ log });
  const wasmPath = join(PROJECT_ROOT, "build", "llm-mesh.wasm");
  const work = mkdtempSync(join(tmpdir(), "llm-mesh-bench-"));

  // The upstream: a second Envoy answering every request itself, so it is never the bottleneck.
  const answer = JSON.stringify({ id: "chatcmpl-bench", object: "chat.completion", model: "m", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }] });
  const upstreamConfig = `static_resources:\n  listeners:\n  - name: upstream\n    address: {socket_address: {address: 127.0.0.1, port_value: 0}}\n    per_connection_buffer_limit_bytes: 16777216\n    filter_chains:\n    - filters:\n      - name: envoy.filters.network.http_connection_manager\n        typed_config:\n          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager\n          stat_prefix: upstream\n          route_config: {virtual_hosts: [{name: all, domains: ["*"], routes: [{match: {prefix: "/"}, direct_response: {status: 200, body: {inline_string: ${JSON.stringify(answer)}}}}]}]}\n          http_filters: [{name: envoy.filters.http.router, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}]\nadmin: {address: {socket_address: {address: 127.0.0.1, port_value: 0}}}\n`;
  const upstream = await startEnvoy({ envoyPath: envoyBinary.path, config: upstreamConfig, concurrency: 1, logLevel: "warn" });
  const upstreamPort = Number(new URL(upstream.url).port);
  const proxy = await startEnvoy({
    envoyPath: envoyBinary.path, concurrency: 1, logLevel: "warn",
    config: bootstrapYaml({ wasmPath, pluginConfig: { ...BENCH_CONFIG, maxRequestBodyBytes: 4 << 20 }, bareListenPort: 0, mockUpstream: { address: "127.0.0.1", port: upstreamPort } }),
  });
  const report: BenchReport = {
    date: new Date().toISOString(),
    machine: { cores: (await import("node:os")).cpus().length, node: process.version, envoy: envoyBinary.version },
    moduleBytes: statSync(wasmPath).size, cases: [], envoyRssBefore: rssBytes(proxy.pid), envoyRssAfter: NaN,
    vmMemoryBefore: NaN, vmMemoryAfter: NaN, micro: [], targets: [],
  };
  try {
    const bare = proxy.listeners.bare;
    const filtered = proxy.listeners.llm_mesh;
    // name, body size, concurrency, warm-up requests
    const cases: [string, number, number, number][] = smoke ? [["1 KB", 1024, 16, 3000]] : [["1 KB", 1024, 16, 5000], ["64 KB", 65536, 8, 1000], ["1 MB", 1 << 20, 4, 100]];
    for (const [name, size, concurrency, warmup] of cases) {
      const bodyFile = join(work, `body-${size}.json`);
      writeFileSync(bodyFile, benchBody(size));
      log(`case ${name}: warming up…`);
      // Bare requests go straight to a provider host; filtered ones to a client host the filter rewrites.
      const bareWarm = await h2load(bare, "api.openai.com", bodyFile, concurrency, warmup, proxy.pid, work);
      await h2load(filtered, "llm.local", bodyFile, concurrency, warmup, proxy.pid, work);
      const perRun = Math.max(warmup, Math.round(bareWarm.rps * duration));
      if (Number.isNaN(report.vmMemoryBefore)) {
        await new Promise((r) => setTimeout(r, 1100)); // let the VM's 1 s tick report its memory
        report.vmMemoryBefore = await vmMemory(proxy);
      }
      const bareRuns: LoadResult[] = [];
      const filterRuns: LoadResult[] = [];
      for (let round = 0; round < rounds; round++) {
        log(`case ${name}: round ${round + 1}/${rounds}`);
        bareRuns.push(await h2load(bare, "api.openai.com", bodyFile, concurrency, perRun, proxy.pid, work));
        filterRuns.push(await h2load(filtered, "llm.local", bodyFile, concurrency, perRun, proxy.pid, work));
      }
      const b = summarize(bareRuns);
      const f = summarize(filterRuns);
      report.cases.push({
        case: name, bodyBytes: statSync(bodyFile).size, concurrency,
        bare: { rps: b.rps, p50Micros: b.p50Micros, p99Micros: b.p99Micros, cpuMicrosPerRequest: b.cpuMicrosPerRequest },
        filter: { rps: f.rps, p50Micros: f.p50Micros, p99Micros: f.p99Micros, cpuMicrosPerRequest: f.cpuMicrosPerRequest },
        throughputRatio: f.rps / b.rps, addedP50Micros: f.p50Micros - b.p50Micros, addedP99Micros: f.p99Micros - b.p99Micros,
        non2xx: b.non2xx + f.non2xx,
      });
    }
    await new Promise((r) => setTimeout(r, 1100));
    report.vmMemoryAfter = await vmMemory(proxy);
    report.envoyRssAfter = rssBytes(proxy.pid);

    if (soakRequests > 0) report.soak = await soak(proxy, filtered, work, soakRequests, log);
    log("in-VM microbenchmark…");
    report.micro = await runMicro(wasmPath, smoke ? 300 : 1500);
  } finally {
    await proxy.stop();
    await upstream.stop();
    rmSync(work, { recursive: true, force: true });
  }
  report.targets = targets(report);
  return report;
}

async function soak(proxy: RunningEnvoy, url: string, work: string, total: number, log: (l: string) => void): Promise<SoakResult> {
  const bodyFile = join(work, "soak.json");
  writeFileSync(bodyFile, benchBody(1024));
  const created = await vmRestarts(proxy);
  const samples: SoakResult["samples"] = [];
  const sample = async (donePercent: number) => {
    await new Promise((r) => setTimeout(r, 1100));
    samples.push({ donePercent, vmMemoryBytes: await vmMemory(proxy), envoyRssBytes: rssBytes(proxy.pid) });
  };
  await sample(0);
  let non2xx = 0;
  const step = Math.ceil(total / 10);
  for (let done = 0, i = 1; done < total; done += step, i++) {
    const n = Math.min(step, total - done);
    const r = await h2load(url, "llm.local", bodyFile, 64, n, proxy.pid, work);
    non2xx += r.non2xx + (n - r.requests);
    log(`soak: ${Math.min(100, i * 10)}% (${done + n} requests)`);
    await sample(Math.min(100, i * 10));
  }
  const first = samples[0].vmMemoryBytes;
  const last = samples[samples.length - 1].vmMemoryBytes;
  return { requests: total, concurrency: 64, non2xx, samples, vmGrowthBytes: last - first, restartedVm: (await vmRestarts(proxy)) !== created };
}

function targets(r: BenchReport): BenchReport["targets"] {
  const out: BenchReport["targets"] = [];
  const kb = r.cases.find((c) => c.case === "1 KB");
  if (kb) {
    out.push({ name: "1 KB throughput vs bare Envoy", target: ">= 0.90x", measured: `${fmt(kb.throughputRatio, 3)}x`, met: kb.throughputRatio >= 0.9 });
    out.push({ name: "1 KB added latency p50", target: "<= 50 µs", measured: `${fmt(kb.addedP50Micros)} µs`, met: kb.addedP50Micros <= 50 });
    out.push({ name: "1 KB added latency p99", target: "<= 200 µs", measured: `${fmt(kb.addedP99Micros)} µs`, met: kb.addedP99Micros <= 200 });
  }
  const mb = r.micro.find((m) => m.case === "1 MB");
  if (mb) out.push({ name: "1 MB in-VM rewrite", target: "<= 2 ms", measured: `${fmt(mb.bodyRewriteMicros / 1000, 2)} ms`, met: mb.bodyRewriteMicros <= 2000 });
  out.push({ name: "module size", target: "<= 150 KB", measured: `${fmt(r.moduleBytes / 1024, 1)} KiB`, met: r.moduleBytes <= 150 * 1024 });
  if (r.soak) {
    out.push({ name: `VM memory across a ${r.soak.requests}-request soak`, target: "flat within 1 MiB, no VM restart", measured: `${fmt(r.soak.vmGrowthBytes / 1024)} KiB growth, restart: ${r.soak.restartedVm ? "yes" : "no"}`, met: Math.abs(r.soak.vmGrowthBytes) <= 1 << 20 && !r.soak.restartedVm });
    out.push({ name: "soak errors", target: "0 non-2xx", measured: String(r.soak.non2xx), met: r.soak.non2xx === 0 });
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
