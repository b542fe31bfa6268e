// Failover in real Envoy: a route with two providers that fail on demand (test/support/fault-provider.ts).
// Envoy re-sends failed tries to the other backend; llm-mesh rewrites each try for the backend it
// reaches; ejected backends get only the probes their backoff allows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapYaml } from "../../src-host-tools/envoy/bootstrap.js";
import { locateEnvoy } from "../../src-host-tools/envoy/locate.js";
import { RunningEnvoy, startEnvoy } from "../../src-host-tools/envoy/process.js";
import { send } from "../support/envoy.js";
import { WASM_PATH } from "../support/filter.js";
import { Fault, FaultProvider } from "../support/fault-provider.js";

const ALPHA_KEYS = ["alpha-key-1", "alpha-key-2"];
const BETA_KEYS = ["beta-key-1"];

function pluginConfig(failover: Record<string, unknown> = {}) {
  return {
    providers: [
      { name: "alpha", type: "openai-compatible", host: "alpha.test", apiKeys: ALPHA_KEYS.map((value) => ({ value })) },
      { name: "beta", type: "openai-compatible", host: "beta.test", apiKeys: BETA_KEYS.map((value) => ({ value })) },
    ],
    routes: [{
      name: "chat", match: { host: "llm.local" },
      backends: [{ provider: "alpha", model: "alpha-model" }, { provider: "beta", model: "beta-model" }],
      failover: { attempts: 3, perTryTimeoutMs: 1500, ejection: { consecutiveFailures: 3, baseMs: 2000, maxMs: 20000, intervalMs: 200 }, ...failover },
    }],
  };
}

const chat = (stream = false) => JSON.stringify({ model: "any", messages: [{ role: "user", content: "hi" }], ...(stream ? { stream: true } : {}) });

describe("failover across providers in real Envoy", () => {
  const alpha = new FaultProvider("alpha", ALPHA_KEYS);
  const beta = new FaultProvider("beta", BETA_KEYS);
  let envoy: RunningEnvoy;

  beforeAll(async () => {
    const [alphaPort, betaPort] = [await alpha.start(), await beta.start()];
    const config = bootstrapYaml({
      wasmPath: WASM_PATH, pluginConfig: pluginConfig(),
      providerUpstreams: { alpha: { address: "127.0.0.1", port: alphaPort }, beta: { address: "127.0.0.1", port: betaPort } },
    });
    envoy = await startEnvoy({ envoyPath: locateEnvoy().path, config, logLevel: process.env.ENVOY_LOG ?? "info" });
  }, 60_000);
  afterAll(async () => { await envoy?.stop(); await alpha.close(); await beta.close(); });

  const reset = (a: Fault, b: Fault) => { alpha.fault = a; beta.fault = b; alpha.keyFaults.clear(); beta.keyFaults.clear(); };

  it("alpha answering 503: every client request is answered by beta", async () => {
    reset({ kind: "status", status: 503 }, { kind: "ok" });
    const replies = [];
    for (let i = 0; i < 20; i++) replies.push(await send(envoy.url, { host: "llm.local", body: chat() }));
    if (replies[0].status !== 200) console.log(envoy.logs().split("\n").filter((l) => /wasm|llm-mesh/.test(l)).slice(-30).join("\n"), alpha.received.length, beta.received.length);
    for (const r of replies) {
      expect(r.status, r.body).toBe(200);
      expect(r.json().choices[0].message.content).toBe("answered by beta");
      expect(r.headers["x-llm-mesh-provider"]).toBe("beta");
    }
    console.log(alpha.count(), beta.count(), replies.map((r) => r.headers["x-llm-mesh-backends-tried"]).join(" "));
  });
});
