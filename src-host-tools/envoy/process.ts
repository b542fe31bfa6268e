// Runs Envoy on a generated bootstrap and waits until it serves; used by tests, `npm start` and
// benchmarks. Ports are chosen by Envoy (port 0) and read back from its admin API, so parallel
// runs never race for a port.
import { ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface RunningEnvoy {
  /** http://127.0.0.1:PORT of the llm-mesh listener. */
  url: string;
  /** Base URLs by listener name. */
  listeners: Record<string, string>;
  adminUrl: string;
  pid: number;
  /** Everything Envoy logged so far. */
  logs(): string;
  stop(): Promise<void>;
}

/** Envoy exited or never became ready; carries its log so the cause is visible. */
export class EnvoyStartError extends Error {
  constructor(message: string, public readonly log: string, public readonly exitCode: number | null) {
    super(`${message}\n--- envoy log (last 40 lines) ---\n${log.split("\n").slice(-40).join("\n")}`);
  }
}

export interface StartOptions {
  envoyPath: string;
  /** Bootstrap YAML text. */
  config: string;
  concurrency?: number;
  logLevel?: string;
  /** Extra environment for the Envoy process (keys passed with host_env_keys). */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Pin Envoy to these CPUs (taskset -c), for benchmarks. */
  cpus?: string;
  /** How often Envoy writes buffered access-log lines to their files (Envoy's default is 10 s). */
  fileFlushIntervalMs?: number;
  /** How often to ask whether Envoy is ready (default 100 ms; the idle-footprint bench times start-up with a finer one). */
  pollMs?: number;
}

async function sleep(ms: number): Promise<void> { await new Promise((r) => setTimeout(r, ms)); }

/** Starts Envoy and resolves once its listeners are up; rejects with its log if it fails. */
export async function startEnvoy(options: StartOptions): Promise<RunningEnvoy> {
  const dir = mkdtempSync(join(tmpdir(), "llm-mesh-envoy-"));
  const configPath = join(dir, "envoy.yaml");
  const adminPath = join(dir, "admin-address");
  writeFileSync(configPath, options.config);
  let log = "";
  let exitCode: number | null = null;
  let exited = false;
  const command = options.cpus ? "taskset" : options.envoyPath;
  const prefix = options.cpus ? ["-c", options.cpus, options.envoyPath] : [];
  const child: ChildProcess = spawn(command, [...prefix,
    "-c", configPath, "--admin-address-path", adminPath, "--disable-hot-restart",
    "--concurrency", String(options.concurrency ?? 1), "--log-level", options.logLevel ?? "info",
    ...(options.fileFlushIntervalMs !== undefined ? ["--file-flush-interval-msec", String(options.fileFlushIntervalMs)] : []),
  ], { env: { ...process.env, ...(options.env ?? {}) }, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d) => { log += d; });
  child.stderr!.on("data", (d) => { log += d; });
  const exitPromise = new Promise<void>((resolve) => child.on("exit", (code) => { exited = true; exitCode = code; resolve(); }));

  const stop = async () => {
    if (!exited) {
      child.kill("SIGTERM");
      await Promise.race([exitPromise, sleep(5000)]);
      if (!exited) child.kill("SIGKILL");
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (exited) {
      rmSync(dir, { recursive: true, force: true });
      throw new EnvoyStartError(`Envoy exited with code ${exitCode} during start-up`, log, exitCode);
    }
    if (existsSync(adminPath)) {
      const adminUrl = `http://${readFileSync(adminPath, "utf8").trim()}`;
      try {
        const ready = await fetch(`${adminUrl}/ready`);
        if (ready.ok) {
          const listing = (await (await fetch(`${adminUrl}/listeners?format=json`)).json()) as {
            listener_statuses: { name: string; local_address: { socket_address: { address: string; port_value: number } } }[];
          };
          const listeners: Record<string, string> = {};
          for (const l of listing.listener_statuses) listeners[l.name] = `http://${l.local_address.socket_address.address}:${l.local_address.socket_address.port_value}`;
          return { url: listeners.llm_mesh ?? Object.values(listeners)[0], listeners, adminUrl, pid: child.pid!, logs: () => log, stop };
        }
      } catch {
        // Not listening yet.
      }
    }
    await sleep(options.pollMs ?? 100);
  }
  await stop();
  throw new EnvoyStartError("Envoy did not become ready in time", log, exitCode);
}

/** Runs Envoy until it exits by itself (a config it refuses), returning its exit code and log. */
export async function runEnvoyToExit(options: StartOptions): Promise<{ exitCode: number | null; log: string }> {
  try {
    const envoy = await startEnvoy(options);
    const log = envoy.logs();
    await envoy.stop();
    return { exitCode: 0, log };
  } catch (error) {
    if (error instanceof EnvoyStartError) return { exitCode: error.exitCode, log: error.log };
    throw error;
  }
}
