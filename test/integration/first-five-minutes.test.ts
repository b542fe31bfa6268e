// The first five minutes of a new user: `npm start`, then every command it prints and the README's
// quick-start curl, run exactly as printed (only the port differs: the test picks a free one);
// a second start on a busy port fails clearly; SIGTERM and SIGINT stop Envoy and the mocks.
import { ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../src-host-tools/envoy/locate.js";

const env = { ...process.env, OPENAI_API_KEY: "", DASHSCOPE_API_KEY: "", DEEPSEEK_API_KEY: "", ANTHROPIC_API_KEY: "", npm_config_loglevel: "silent" };

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

interface Started { child: ChildProcess; output: () => string; envoyPid: number }

/** `npm start -- --port N`, as a user types it; resolves once it says how to stop it. */
async function npmStart(port: number): Promise<Started> {
  const child = spawn("npm", ["start", "--", "--port", String(port)], { cwd: PROJECT_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d) => { output += d; });
  child.stderr!.on("data", (d) => { output += d; });
  const deadline = Date.now() + 120_000;
  while (!output.includes("Ctrl-C to stop.")) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const envoyPid = Number(/Envoy [\d.]+ \(pid (\d+)\)/.exec(output)?.[1]);
  return { child, output: () => output, envoyPid };
}

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

async function waitExit(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  return await new Promise((r) => child.once("exit", (code) => r(code)));
}

/** Runs a printed command through the shell, exactly as printed. */
const sh = (command: string) => execFileSync("sh", ["-c", command], { encoding: "utf8", timeout: 30_000 });

describe("the first five minutes", () => {
  const running: Started[] = [];
  afterEach(async () => {
    for (const s of running.splice(0)) {
      if (s.child.exitCode === null) { s.child.kill("SIGKILL"); await waitExit(s.child); }
      if (alive(s.envoyPid)) process.kill(s.envoyPid, "SIGKILL");
    }
  });

  /** Sends `signal` to npm start and checks Envoy, the demo process (with the mocks) and the port are all gone. */
  async function stopsCleanly(started: Started, port: number, signal: NodeJS.Signals): Promise<void> {
    expect(alive(started.envoyPid)).toBe(true);
    started.child.kill(signal);
    await waitExit(started.child);
    const deadline = Date.now() + 10_000;
    while (alive(started.envoyPid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(alive(started.envoyPid), `Envoy ${started.envoyPid} outlived ${signal}`).toBe(false);
    await new Promise((r) => setTimeout(r, 500));
    expect(spawnSync("pgrep", ["-f", `demo.ts --port ${port}`]).status, "a demo process is left").toBe(1);
    const probe = createServer();
    await new Promise<void>((resolve, reject) => { probe.once("error", reject); probe.listen(port, "127.0.0.1", () => probe.close(() => resolve())); });
  }

  it("every command npm start prints works as printed, so does the README's quick start; SIGTERM stops it all", async () => {
    const port = await freePort();
    const started = await npmStart(port);
    running.push(started);
    const commands = started.output().split("\n").map((l) => l.trim()).filter((l) => l.startsWith("curl "));
    expect(commands.length).toBeGreaterThanOrEqual(5);
    for (const command of commands) {
      const out = sh(command);
      if (command.includes("/v1/models")) expect(JSON.parse(out).object, command).toBe("list");
      // The metrics it prints come after the sample requests, which they count once the VM's next
      // tick (every 100 ms) has handed them to Envoy: a user running it at once may wait that long.
      else if (command.includes("/stats/prometheus")) {
        const counted = /^llm_mesh_requests_total\{.*llm_mesh_status_class="2xx".*\} [1-9]/m;
        let metrics = out;
        for (let i = 0; i < 10 && !counted.test(metrics); i++) { await new Promise((r) => setTimeout(r, 100)); metrics = sh(command); }
        expect(metrics, command).toMatch(counted);
      }
      else expect(out, command).toMatch(/^HTTP\/1\.1 200 OK/);
    }
    // The README's quick-start block: its curl, and the response lines it shows.
    const readme = readFileSync(join(PROJECT_ROOT, "README.md"), "utf8");
    const block = /## Quick start[\s\S]*?```sh\n(curl [\s\S]*?)```/.exec(readme)![1];
    const curl = block.split("\n").filter((l) => !l.startsWith("#")).join("\n").replace(/\\\n\s*/g, "").trim();
    const reply = sh(curl.replace("127.0.0.1:10000", `127.0.0.1:${port}`));
    for (const line of block.split("\n").filter((l) => l.startsWith("# ")).map((l) => l.slice(2))) expect(reply, line).toContain(line);
    await stopsCleanly(started, port, "SIGTERM");
  });

  it("a second start on a busy port fails, naming the port and the flag; SIGINT stops the first", async () => {
    const port = await freePort();
    const started = await npmStart(port);
    running.push(started);
    const second = spawnSync("npx", ["llm-mesh", "envoy", "--mock", "--port", String(port)], { cwd: PROJECT_ROOT, env, encoding: "utf8", timeout: 60_000 });
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(`port ${port} on 127.0.0.1 is already in use (another npm start or llm-mesh envoy?); stop that one, or pick another port with --port N`);
    const again = spawn("npm", ["start", "--", "--port", String(port)], { cwd: PROJECT_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    again.stderr!.on("data", (d) => { stderr += d; });
    expect(await waitExit(again)).toBe(1);
    expect(stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    expect(stderr).toContain("npm start -- --port N");
    await stopsCleanly(started, port, "SIGINT");
  });
});
