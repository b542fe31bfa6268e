// Global quotas in real Envoy: two Envoys, one budget. Envoy's rate limit service (built from the
// envoyproxy/ratelimit Go module) counts in Debian's redis-server; llm-mesh tells Envoy who the
// consumer is and, when an answer is done, how many tokens it used.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newKey } from "../../src-host-tools/commands/consumer.js";
import { bootstrapYaml } from "../../src-host-tools/envoy/bootstrap.js";
import { locateEnvoy } from "../../src-host-tools/envoy/locate.js";
import { RunningEnvoy, startEnvoy } from "../../src-host-tools/envoy/process.js";
import { ratelimitServiceConfig } from "../../src-host-tools/ratelimit/envoy.js";
import { RunningService, startRatelimit, startRedis } from "../../src-host-tools/ratelimit/process.js";
import { send } from "../support/envoy.js";
import { FaultProvider } from "../support/fault-provider.js";
import { WASM_PATH } from "../support/filter.js";

const requestsKey = newKey();
const tokensKey = newKey();
const config = {
  providers: [{ name: "openai", type: "openai-compatible", host: "llm.test", apiKeys: [{ value: "mesh-key" }] }],
  routes: [{ name: "chat", match: { host: "llm.test" }, backends: [{ provider: "openai" }], requireConsumer: true }],
  consumers: [
    { name: "nightly-batch", keys: [requestsKey.stored], limits: [{ requestsPerMinute: 10, global: true }] },
    // Each answer uses 7 tokens (the provider's usage): the 5th request passes the budget.
    { name: "token-hungry", keys: [tokensKey.stored], limits: [{ tokensPerMinute: 30, global: true }] },
  ],
};

describe("global quotas: two Envoys share one budget through Envoy's rate limit service and Redis", () => {
  const provider = new FaultProvider("openai", ["mesh-key"]);
  let redis: RunningService;
  let ratelimit: RunningService;
  const envoys: RunningEnvoy[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    ratelimit = await startRatelimit(ratelimitServiceConfig(config), redis.port);
    const port = await provider.start();
    for (let i = 0; i < 2; i++) {
      envoys.push(await startEnvoy({ envoyPath: locateEnvoy().path, config: bootstrapYaml({
        wasmPath: WASM_PATH, pluginConfig: config, providerUpstreams: { openai: { address: "127.0.0.1", port } },
        globalRateLimit: { address: "127.0.0.1", port: ratelimit.port },
      }) }));
    }
    // One minute window for the whole test.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 45_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 200));
  }, 300_000);
  afterAll(async () => {
    for (const e of envoys) await e.stop();
    await ratelimit?.stop(); await redis?.stop(); await provider.close();
  });

  const call = (envoy: RunningEnvoy, key: string) => send(envoy.url, { host: "llm.test", body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }), headers: { authorization: `Bearer ${key}` } });

  it("requests per minute: 10 in all, whichever Envoy they come through; the 11th and 12th are 429 in OpenAI's shape", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await call(envoys[i % 2], requestsKey.key);
      statuses.push(r.status);
      if (r.status === 429) {
        expect(r.headers["content-type"]).toContain("application/json");
        expect(r.json().error.code).toBe("rate_limit_exceeded");
      }
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.slice(10)).toEqual([429, 429]);
  }, 60_000);

  /** Calls Envoy made to the rate limit service so far. */
  const rateLimitCalls = async (envoy: RunningEnvoy) => {
    const text = await (await fetch(`${envoy.adminUrl}/stats?filter=^cluster\\.llm_mesh_ratelimit\\.upstream_rq_completed$`)).text();
    return Number(/: (\d+)/.exec(text)?.[1] ?? 0);
  };

  it("tokens per minute: each answer's tokens are counted when it is done; past the budget the next request is refused, on both Envoys", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const envoy = envoys[i % 2];
      const before = await rateLimitCalls(envoy);
      const status = (await call(envoy, tokensKey.key)).status;
      statuses.push(status);
      // The charge goes out when the stream is done, after the client has its answer: wait for it
      // (the check and the charge) before the next request, so the test reads the budget, not a race.
      const deadline = Date.now() + 3000;
      while (status === 200 && (await rateLimitCalls(envoy)) < before + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    }
    // 4 answers make 28 tokens, the 5th makes 35 (> 30): from the 6th on, refused.
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
  }, 60_000);
});
