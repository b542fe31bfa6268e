// Global quotas in real Envoy: two Envoys, one budget. Envoy's rate limit service (built from the
// envoyproxy/ratelimit Go module) counts in Debian's redis-server; llm-mesh tells Envoy who the
// consumer is, a request's worst case before it goes, and what it used beyond that when done.
import { execFileSync } from "node:child_process";
import { Agent } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newKey } from "../../src-host-tools/config/consumer-key.js";
import { bootstrapYaml } from "../../src-host-tools/envoy/bootstrap.js";
import { locateEnvoy } from "../../src-host-tools/envoy/locate.js";
import { RunningEnvoy, startEnvoy } from "../../src-host-tools/envoy/process.js";
import { ratelimitServiceConfig } from "../../src-host-tools/ratelimit/envoy.js";
import { RunningService, startRatelimit, startRedis } from "../../src-host-tools/ratelimit/process.js";
import { send } from "../support/envoy.js";
import { FaultProvider } from "../support/fault-provider.js";
import { WASM_PATH } from "../support/filter.js";
import { QuotaProvider } from "../support/quota-provider.js";
import { rng } from "../support/random.js";

const requestsKey = newKey();
const tokensKey = newKey();
const fleetKey = newKey();
const FLEET_BUDGET = 20_000;
const FLEET_CAP = 400;
const config = {
  providers: [{ name: "openai", type: "openai-compatible", host: "llm.test", apiKeys: [{ value: "mesh-key" }] }],
  routes: [{ name: "chat", match: { host: "llm.test" }, backends: [{ provider: "openai" }], requireConsumer: true }],
  consumers: [
    { name: "nightly-batch", keys: [requestsKey.stored], limits: [{ requestsPerMinute: 10, global: true }] },
    // Each request reserves 16 (its 61 bytes / 4) + 30 (its cap) = 46 of 100: two fit.
    { name: "token-hungry", keys: [tokensKey.stored], limits: [{ tokensPerMinute: 100, global: true, defaultOutputCap: 30 }] },
    { name: "fleet", keys: [fleetKey.stored], limits: [{ tokensPerMinute: FLEET_BUDGET, global: true, defaultOutputCap: FLEET_CAP }] },
  ],
};

describe("global quotas: two Envoys share one budget through Envoy's rate limit service and Redis", () => {
  const provider = new FaultProvider("openai", ["mesh-key"]);
  let redis: RunningService;
  let ratelimit: RunningService;
  const envoys: RunningEnvoy[] = [];
  // The fleet's answers use a random share of their cap, after 150 ms: many are in flight at once.
  const random = rng(7);
  const fleetProvider = new QuotaProvider({ promptTokens: 10, defaultCap: FLEET_CAP, delayMs: 150, completion: (cap) => Math.floor(random() * (cap + 1)) });
  const fleetEnvoys: RunningEnvoy[] = [];

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
    const fleetPort = await fleetProvider.start();
    for (let i = 0; i < 2; i++) {
      fleetEnvoys.push(await startEnvoy({ envoyPath: locateEnvoy().path, concurrency: 2, config: bootstrapYaml({
        wasmPath: WASM_PATH, pluginConfig: config, providerUpstreams: { openai: { address: "127.0.0.1", port: fleetPort } },
        globalRateLimit: { address: "127.0.0.1", port: ratelimit.port },
      }) }));
    }
    // One minute window for the whole test.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 35_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 200));
  }, 300_000);
  afterAll(async () => {
    for (const e of [...envoys, ...fleetEnvoys]) await e.stop();
    await fleetProvider.close();
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

  it("tokens per minute: each request reserves its worst case before it goes; past the budget the next is refused, on both Envoys", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const envoy = envoys[i % 2];
      const before = await rateLimitCalls(envoy);
      const status = (await call(envoy, tokensKey.key)).status;
      statuses.push(status);
      const deadline = Date.now() + 3000;
      while (status === 200 && (await rateLimitCalls(envoy)) < before + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    }
    // 46 + 46 = 92 of 100 reserved (the answers used 7 each: the service cannot give the rest back); a third would make 138.
    expect(statuses).toEqual([200, 200, 429, 429]);
    // The provider was held to the cap that was reserved.
    expect(provider.received.filter((r) => r.key === "mesh-key").slice(-2).map((r) => r.body.max_tokens)).toEqual([30, 30]);
  }, 60_000);

  it("64 concurrent clients through two Envoys: the worst cases admitted stay within the budget, and so does the provider's spend", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    let admitted = 0;
    let refused = 0;
    let reserved = 0;
    const until = Date.now() + 6000;
    await Promise.all(Array.from({ length: 64 }, async (_, client) => {
      for (let i = 0; Date.now() < until; i++) {
        const cap = (client + i) % 3 === 0 ? undefined : 50 + ((client * 7 + i) % 350);
        const body = JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }], ...((client + i) % 2 === 0 ? { stream: true } : {}), ...(cap !== undefined ? { max_tokens: cap } : {}) });
        const r = await send(fleetEnvoys[(client + i) % 2].url, { host: "llm.test", body, headers: { authorization: `Bearer ${fleetKey.key}` }, agent });
        if (r.status === 200) { admitted++; reserved += Math.ceil(Buffer.byteLength(body) / 4) + (cap ?? FLEET_CAP); }
        else if (r.status === 429) { refused++; await new Promise((res) => setTimeout(res, 50)); }
        else throw new Error(`unexpected ${r.status}: ${r.body}`);
      }
    }));
    agent.destroy();
    await new Promise((r) => setTimeout(r, 500));
    // What the service counted: the reservations of admitted requests, and of refused ones too (it adds before it compares).
    const keys = execFileSync("redis-cli", ["-p", String(redis.port), "--scan", "--pattern", "*fleet*tokens-minute*"], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
    const counted = keys.reduce((sum, k) => sum + Number(execFileSync("redis-cli", ["-p", String(redis.port), "GET", k], { encoding: "utf8" }).trim() || 0), 0);
    console.log(`global quota, 64 concurrent clients over 2 Envoys: budget ${FLEET_BUDGET}, ${admitted} admitted reserving ${reserved}, ${refused} refused (429); provider spent ${fleetProvider.spent} (${Math.round(100 * fleetProvider.spent / FLEET_BUDGET)}% of the budget); Redis counted ${counted}`);
    expect(fleetProvider.answered).toBe(admitted);
    expect(reserved).toBeLessThanOrEqual(FLEET_BUDGET);
    expect(fleetProvider.spent).toBeLessThanOrEqual(reserved);
    expect(counted).toBeGreaterThanOrEqual(reserved);
  }, 60_000);
});
