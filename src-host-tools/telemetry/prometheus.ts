// Runs Debian's Prometheus on loopback, scraping Envoy admin endpoints, and answers PromQL queries
// over its HTTP API. For tests and the dashboard picture: real Prometheus, real Envoy metrics.
import { ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";

export interface PrometheusSample { metric: Record<string, string>; value: [number, string] }
export interface PrometheusSeries { metric: Record<string, string>; values: [number, string][] }

export interface RunningPrometheus {
  url: string;
  /** An instant query; throws on a PromQL error. */
  query(expr: string): Promise<PrometheusSample[]>;
  /** A range query over [start, end] (seconds) at `step` seconds. */
  queryRange(expr: string, start: number, end: number, step: number): Promise<PrometheusSeries[]>;
  /** Waits until every target has been scraped after now. */
  scrapedAfter(time: number): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => { const port = (s.address() as { port: number }).port; s.close(() => resolve(port)); });
    s.on("error", reject);
  });
}

/** Starts Prometheus scraping `/stats/prometheus` of each Envoy admin address (host:port) every second. */
export async function startPrometheus(envoyAdmins: string[], binary = "prometheus"): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), "llm-mesh-prometheus-"));
  const port = await freePort();
  const config = {
    global: { scrape_interval: "1s", evaluation_interval: "1s" },
    scrape_configs: [{ job_name: "envoy", metrics_path: "/stats/prometheus", static_configs: [{ targets: envoyAdmins }] }],
  };
  writeFileSync(join(dir, "prometheus.yml"), stringify(config));
  const child: ChildProcess = spawn(binary, [
    `--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`,
    `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn",
  ], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout!.on("data", (d) => { log += d; });
  child.stderr!.on("data", (d) => { log += d; });
  const url = `http://127.0.0.1:${port}`;
  const api = async <T>(path: string, params: Record<string, string>): Promise<T> => {
    const response = await fetch(`${url}${path}?${new URLSearchParams(params)}`);
    const body = (await response.json()) as { status: string; data: { result: T }; error?: string };
    if (body.status !== "success") throw new Error(`PromQL ${params.query}: ${body.error}`);
    return body.data.result;
  };
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch { /* not listening yet */ }
    if (child.exitCode !== null || i > 300) { await stop(); throw new Error(`Prometheus did not start:\n${log}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    query: (expr) => api<PrometheusSample[]>("/api/v1/query", { query: expr }),
    queryRange: (expr, start, end, step) => api<PrometheusSeries[]>("/api/v1/query_range", { query: expr, start: String(start), end: String(end), step: String(step) }),
    async scrapedAfter(time: number) {
      for (let i = 0; i < 200; i++) {
        const targets = (await (await fetch(`${url}/api/v1/targets`)).json()) as { data: { activeTargets: { lastScrape: string; health: string }[] } };
        const active = targets.data.activeTargets;
        if (active.length === envoyAdmins.length && active.every((t) => t.health === "up" && Date.parse(t.lastScrape) > time)) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`Prometheus did not scrape every target after ${new Date(time).toISOString()}:\n${log}`);
    },
    stop,
  };
}
