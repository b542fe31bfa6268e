// What the emitted failure policy does when the VM dies, in real Envoy: a fixture module that
// traps on demand (assembly/test-trap) stands in for any fault. FAIL_RELOAD (the bootstrap
// default, and the manifests' default for Istio >= 1.27) serves again after the trap; FAIL_CLOSED
// answers 503 from then on.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapYaml } from "../../src-host-tools/envoy/bootstrap.js";
import { locateEnvoy, PROJECT_ROOT } from "../../src-host-tools/envoy/locate.js";
import { RunningEnvoy, startEnvoy } from "../../src-host-tools/envoy/process.js";
import { send } from "../support/envoy.js";

const TRAP_WASM = join(PROJECT_ROOT, "build", "trap-fixture.wasm");
const pluginConfig = { providers: [{ name: "openai", type: "openai" }], routes: [] };

async function buildTrapModule(): Promise<void> {
  const asc = (await import("assemblyscript/asc")).default;
  const { error, stderr } = await asc.main(["assembly/test-trap/index.ts", "--config", join(PROJECT_ROOT, "asconfig.json"), "--target", "release", "-o", TRAP_WASM, "-t", TRAP_WASM.replace(/\.wasm$/, ".wat")]);
  if (error) throw new Error(`trap fixture did not build: ${error.message}\n${stderr.toString()}`);
}

async function sequence(envoy: RunningEnvoy): Promise<number[]> {
  const statuses: number[] = [];
  const call = async (trap: boolean) => (await send(envoy.url, { host: "api.openai.com", headers: trap ? { "x-trap": "1" } : {}, body: "{}" })).status;
  statuses.push(await call(false));
  statuses.push(await call(true));
  // FAIL_RELOAD rebuilds the VM on a request after its backoff (Envoy's default: 1 s); try for 6 s.
  for (let i = 0; i < 12 && statuses.at(-1) !== 200; i++) {
    await new Promise((r) => setTimeout(r, 500));
    statuses.push(await call(false));
  }
  return statuses;
}

describe("VM failure policy in real Envoy", () => {
  const running: RunningEnvoy[] = [];
  beforeAll(buildTrapModule, 120_000);
  afterAll(async () => { await Promise.all(running.map((e) => e.stop())); });

  const start = async (failurePolicy: "FAIL_RELOAD" | "FAIL_CLOSED") => {
    const envoy = await startEnvoy({ envoyPath: locateEnvoy().path, config: bootstrapYaml({ wasmPath: TRAP_WASM, pluginConfig, failurePolicy }) });
    running.push(envoy);
    return envoy;
  };

  it("FAIL_RELOAD: the request that meets the trap fails, and the next ones are served by a fresh VM", async () => {
    const statuses = await sequence(await start("FAIL_RELOAD"));
    expect(statuses[0]).toBe(200);
    expect(statuses[1]).toBeGreaterThanOrEqual(500);
    expect(statuses.at(-1)).toBe(200);
  });

  it("FAIL_CLOSED: after one trap every request is 503, silently, until Envoy restarts", async () => {
    const statuses = await sequence(await start("FAIL_CLOSED"));
    expect(statuses[0]).toBe(200);
    expect(statuses.length).toBe(14);
    expect(statuses.slice(1)).toEqual(statuses.slice(1).map(() => 503));
  });
});
