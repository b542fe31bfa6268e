// Starts what global quotas need beside Envoy, for tests and local runs: Debian's redis-server and
// Envoy's rate limit service (built from its Go module into .tools/), both on loopback ports.
import { ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { goTool } from "../go-tools.js";

export interface RunningService { port: number; stop(): Promise<void>; logs(): string }

/** A free loopback port (the OS picks one, then it is released for the service to take). */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, log: () => string, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}:\n${log().slice(-2000)}`);
    const open = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once("connect", () => { s.destroy(); resolve(true); });
      s.once("error", () => resolve(false));
      s.connect(port, "127.0.0.1");
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not listen on 127.0.0.1:${port} in time:\n${log().slice(-2000)}`);
}

function run(command: string, args: string[], env: Record<string, string>): { child: ChildProcess; logs: () => string } {
  let output = "";
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d) => { output += d; });
  child.stderr!.on("data", (d) => { output += d; });
  return { child, logs: () => output };
}

const stopper = (child: ChildProcess, cleanup: () => void = () => {}) => async () => {
  if (child.exitCode === null) {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }
  cleanup();
};

/** redis-server on a loopback port, nothing saved to disk. */
export async function startRedis(): Promise<RunningService> {
  const port = await freePort();
  const { child, logs } = run("redis-server", ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no", "--protected-mode", "yes"], {});
  await waitForPort(port, child, logs, "redis-server");
  return { port, logs, stop: stopper(child) };
}

/** Envoy's rate limit service with `config` (its YAML) on a loopback gRPC port, counting in Redis at `redisPort`. */
export async function startRatelimit(config: string, redisPort: number): Promise<RunningService> {
  const binary = goTool("ratelimit");
  const root = mkdtempSync(join(tmpdir(), "llm-mesh-ratelimit-"));
  mkdirSync(join(root, "ratelimit", "config"), { recursive: true });
  writeFileSync(join(root, "ratelimit", "config", "llm-mesh.yaml"), config);
  const [grpc, http, debug] = [await freePort(), await freePort(), await freePort()];
  const { child, logs } = run(binary, [], {
    USE_STATSD: "false", LOG_LEVEL: process.env.RATELIMIT_LOG_LEVEL ?? "info", REDIS_SOCKET_TYPE: "tcp", REDIS_URL: `127.0.0.1:${redisPort}`,
    RUNTIME_ROOT: root, RUNTIME_SUBDIRECTORY: "ratelimit", RUNTIME_WATCH_ROOT: "false",
    HOST: "127.0.0.1", PORT: String(http), GRPC_HOST: "127.0.0.1", GRPC_PORT: String(grpc), DEBUG_HOST: "127.0.0.1", DEBUG_PORT: String(debug),
  });
  await waitForPort(grpc, child, logs, "ratelimit");
  return { port: grpc, logs, stop: stopper(child, () => rmSync(root, { recursive: true, force: true })) };
}
