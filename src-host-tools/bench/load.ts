// One h2load run against a listener and what the bench reads from it: requests per second,
// latency percentiles from h2load's log, and the proxy's CPU (and an external processor's) from
// /proc. envoy-bench.ts (the LLM cases) and mcp-bench.ts (the MCP rows) measure through it.
import { execFile } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { median } from "./stats.js";

const run = promisify(execFile);

/** One h2load run; cpuSeconds is the proxy Envoy's, processorCpuSeconds an external processor's (NaN: not found). */
export interface LoadResult { requests: number; non2xx: number; seconds: number; rps: number; p50: number; p99: number; cpuSeconds: number; processorCpuSeconds?: number }
/**
 * One listener's figures: throughput and CPU at the case's concurrency, latency at concurrency 1.
 * Behind an external processor, CPU per request is Envoy's plus the processor's (both given too).
 */
export interface ListenerResult { rps: number; cpuMicrosPerRequest: number; p50Micros: number; p99Micros: number; envoyCpuMicrosPerRequest?: number; processorCpuMicrosPerRequest?: number }

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Seconds h2load waits on a silent connection before failing its requests. */
export const INACTIVITY_TIMEOUT_SECONDS = 20;

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // fields 14 and 15; USER_HZ is 100 on Linux
}

/** The CPU of processes the bench did not start, summed; NaN when none was found or one has gone. */
function processorCpuSeconds(pids: number[]): number {
  if (pids.length === 0) return NaN;
  try { return pids.reduce((n, pid) => n + cpuSeconds(pid), 0); } catch { return NaN; }
}

/**
 * One h2load run of `requests` POSTs. (h2load 1.52's -D duration mode never exits with a POST body
 * over HTTP/1.1, so runs are sized in requests from a warm-up's rate instead.) For HTTP/1.1 the Host
 * header is set with -H ':authority: …'; a plain `host:` header would be sent as an extra header.
 * `request` gives another path and more headers (the MCP rows).
 */
export async function h2load(url: string, host: string, bodyFile: string, concurrency: number, requests: number, pid: number, logDir: string, processorPids?: number[], request: { path?: string; headers?: Record<string, string>; inactivityTimeoutSeconds?: number } = {}): Promise<LoadResult> {
  const logFile = join(logDir, `h2load-${Date.now()}-${Math.random().toString(36).slice(2)}.tsv`);
  const extra = Object.entries(request.headers ?? {}).flatMap(([k, v]) => ["-H", `${k}: ${v}`]);
  // A listener that stops answering (a peer's module holding requests) fails its requests after the
  // inactivity timeout and shows as non-2xx, instead of hanging the whole bench.
  const args = ["--h1", "-c", String(concurrency), "-n", String(requests), "-N", `${request.inactivityTimeoutSeconds ?? INACTIVITY_TIMEOUT_SECONDS}s`, "-d", bodyFile, "-H", `:authority: ${host}`, "-H", "content-type: application/json", ...extra, "--log-file", logFile];
  const cpuBefore = cpuSeconds(pid);
  const processorBefore = processorPids ? processorCpuSeconds(processorPids) : 0;
  // The load generator shares CPU 1 with the upstream; CPU 0 is the proxy's alone.
  const { stdout } = await run("taskset", ["-c", "1", "h2load", ...args, `${url}${request.path ?? "/v1/chat/completions"}`], { maxBuffer: 64 << 20 });
  const cpu = cpuSeconds(pid) - cpuBefore;
  const processorCpu = processorPids ? processorCpuSeconds(processorPids) - processorBefore : undefined;
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
    ...(processorCpu !== undefined ? { processorCpuSeconds: processorCpu } : {}),
  };
}

export function summarize(load: LoadResult[], latency: LoadResult[]): ListenerResult & { non2xx: number } {
  const requests = load.reduce((n, r) => n + r.requests, 0);
  const envoyCpu = (load.reduce((n, r) => n + r.cpuSeconds, 0) / requests) * 1e6;
  // An external processor's CPU is part of the listener's cost; when it could not be read the sum is NaN, never Envoy's alone.
  const processor = load.some((r) => r.processorCpuSeconds !== undefined)
    ? { envoyCpuMicrosPerRequest: envoyCpu, processorCpuMicrosPerRequest: (load.reduce((n, r) => n + (r.processorCpuSeconds ?? NaN), 0) / requests) * 1e6 }
    : undefined;
  return {
    rps: median(load.map((r) => r.rps)),
    cpuMicrosPerRequest: processor ? envoyCpu + processor.processorCpuMicrosPerRequest : envoyCpu,
    ...processor,
    p50Micros: median(latency.map((r) => r.p50)),
    p99Micros: median(latency.map((r) => r.p99)),
    non2xx: [...load, ...latency].reduce((n, r) => n + r.non2xx, 0),
  };
}
