// Consumers in real Envoy, through the official SDKs: an application holds only its llm-mesh key
// (issued by `llm-mesh consumer add`), the provider gets the mesh's key; a wrong key is the SDK's
// own AuthenticationError; a model outside the consumer's list is a PermissionDeniedError.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newKey } from "../../src-host-tools/config/consumer-key.js";
import { Stack, startStack } from "../support/envoy.js";
import { fetchWithHost } from "../support/sdk-fetch.js";

const app = newKey();
const ACCESS_LOG = join(mkdtempSync(join(tmpdir(), "llm-mesh-consumers-")), "access.log");
const config = {
  providers: [
    { name: "openai", type: "openai", apiKeys: [{ env: "OPENAI_API_KEY" }] },
    { name: "anthropic", type: "anthropic", apiKeys: [{ env: "ANTHROPIC_API_KEY" }] },
  ],
  routes: [
    { name: "gpt", match: { host: "gpt.llm" }, backends: [{ provider: "openai" }], requireConsumer: true },
    { name: "claude", match: { host: "claude.llm" }, backends: [{ provider: "anthropic", model: "claude-sonnet-4-5" }], requireConsumer: true },
  ],
  consumers: [{ name: "support-bot", keys: [app.stored], models: ["gpt-4o*", "claude-*"] }],
};

describe("consumers through real Envoy and the official SDKs", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(config, {
      accessLogPath: ACCESS_LOG,
      env: { values: { OPENAI_API_KEY: "mesh-openai-key", ANTHROPIC_API_KEY: "mesh-anthropic-key" } },
      acceptedKeys: { openai: ["mesh-openai-key"], anthropic: ["mesh-anthropic-key"] },
    });
  }, 60_000);
  afterAll(async () => { await stack?.stop(); });

  const openai = (apiKey: string) => new OpenAI({ apiKey, baseURL: `${stack.envoy.url}/v1`, fetch: fetchWithHost("gpt.llm").fetch, maxRetries: 0 });
  const anthropic = (apiKey: string) => new Anthropic({ apiKey, baseURL: stack.envoy.url, fetch: fetchWithHost("claude.llm").fetch, maxRetries: 0 });

  it("the OpenAI SDK with the app's llm-mesh key: answered, the provider got the mesh's key", async () => {
    const answer = await openai(app.key).chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
    expect(answer.choices[0].message.content).toBeTruthy();
    const sent = stack.mock.received.at(-1)!;
    expect(sent.headers.authorization).toBe("Bearer mesh-openai-key");
    expect(JSON.stringify(sent.headers)).not.toContain("llmm_");
  });

  it("models.list asks for a consumer like every other call: the SDK's AuthenticationError without a key, only the consumer's models with one", async () => {
    const before = stack.mock.received.length;
    await expect(openai("not-an-llm-mesh-key").models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(anthropic("not-an-llm-mesh-key").models.list()).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    // With the app's key the list is answered (by llm-mesh: which models, per consumer, is test/unit/models-list.test.ts).
    await expect(openai(app.key).models.list()).resolves.toBeDefined();
    expect(stack.mock.received.length).toBe(before);
  });

  it("the Anthropic SDK with the same key (x-api-key): answered, the provider got the mesh's key", async () => {
    const answer = await anthropic(app.key).messages.create({ model: "claude-sonnet-4-5", max_tokens: 20, messages: [{ role: "user", content: "hi" }] });
    expect(answer.content.length).toBeGreaterThan(0);
    expect(stack.mock.received.at(-1)!.headers["x-api-key"]).toBe("mesh-anthropic-key");
  });

  it("a wrong key is the SDKs' own AuthenticationError; nothing reaches a provider", async () => {
    const before = stack.mock.received.length;
    await expect(openai(app.key.slice(0, -3) + "abc").chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(anthropic("llmm_0000000000_nope").messages.create({ model: "claude-sonnet-4-5", max_tokens: 5, messages: [{ role: "user", content: "hi" }] })).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    expect(stack.mock.received.length).toBe(before);
  });

  it("a model outside the consumer's list is PermissionDeniedError", async () => {
    await expect(openai(app.key).chat.completions.create({ model: "o1-pro", messages: [{ role: "user", content: "hi" }] })).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
  });

  it("the consumer is a metric label and an access-log field", async () => {
    // The VM hands its counts to Envoy on its tick (every 100 ms).
    await new Promise((r) => setTimeout(r, 300));
    const text = await (await fetch(`${stack.envoy.adminUrl}/stats/prometheus`)).text();
    expect(text).toMatch(/llm_mesh_requests_total\{[^}]*llm_mesh_consumer="support-bot"/);
    let lines: Record<string, unknown>[] = [];
    for (let i = 0; i < 30 && !lines.some((l) => l.consumer === "support-bot"); i++) {
      await new Promise((r) => setTimeout(r, 200));
      lines = existsSync(ACCESS_LOG) ? readFileSync(ACCESS_LOG, "utf8").split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)) : [];
    }
    expect(lines.find((l) => l.consumer === "support-bot"), JSON.stringify(lines.at(-1))).toMatchObject({ consumer: "support-bot", status: 200 });
  });
});

describe("a consumer's token quota under 64 concurrent clients, in real Envoy with 2 worker threads", () => {
  it("admits no more tokens than the budget, and its counter holds exactly what the answers used", async () => {
    const { bootstrapYaml } = await import("../../src-host-tools/envoy/bootstrap.js");
    const { locateEnvoy } = await import("../../src-host-tools/envoy/locate.js");
    const { startEnvoy } = await import("../../src-host-tools/envoy/process.js");
    const { FaultProvider } = await import("../support/fault-provider.js");
    const { WASM_PATH } = await import("../support/filter.js");
    const { Agent } = await import("node:http");
    const { send } = await import("../support/envoy.js");
    const provider = new FaultProvider("openai", ["mesh-openai-key"]); // answers use 7 tokens
    const port = await provider.start();
    const budget = 7000;
    const key = newKey();
    const pluginConfig = {
      providers: [{ name: "openai", type: "openai-compatible", host: "llm.test", apiKeys: [{ value: "mesh-openai-key" }] }],
      routes: [{ name: "chat", match: { host: "llm.test" }, backends: [{ provider: "openai" }], requireConsumer: true }],
      consumers: [{ name: "batch-job", keys: [key.stored], limits: [{ tokensPerMinute: budget }] }],
    };
    const envoy = await startEnvoy({ envoyPath: locateEnvoy().path, concurrency: 2, config: bootstrapYaml({ wasmPath: WASM_PATH, pluginConfig, providerUpstreams: { openai: { address: "127.0.0.1", port } } }) });
    try {
      // One minute window for the whole run: start early in a minute.
      const intoMinute = Date.now() % 60_000;
      if (intoMinute > 40_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 200));
      const agent = new Agent({ keepAlive: true, maxSockets: 64 });
      const body = JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] });
      const estimate = Math.ceil(Buffer.byteLength(body) / 4);
      let admitted = 0;
      let limited = 0;
      const until = Date.now() + 8000;
      await Promise.all(Array.from({ length: 64 }, async () => {
        while (Date.now() < until) {
          const r = await send(envoy.url, { host: "llm.test", body, headers: { authorization: `Bearer ${key.key}` }, agent });
          if (r.status === 200) admitted++;
          else if (r.status === 429) limited++;
          else throw new Error(`unexpected ${r.status}: ${r.body}`);
        }
      }));
      agent.destroy();
      const used = admitted * 7;
      // No max_tokens: each request reserves its estimate + the default cap (a quarter of the budget), which llm-mesh sends as max_tokens.
      const worst = estimate + budget / 4;
      console.log(`quota under load: budget ${budget} tokens, admitted ${admitted} requests (${used} tokens), ${limited} refused (429); worst case per request ${worst}`);
      expect(provider.count()).toBe(admitted);
      expect(provider.received.every((r) => r.body.max_tokens === budget / 4)).toBe(true);
      expect(used).toBeLessThanOrEqual(budget);
      // Nothing leaks: every reservation was set right to the 7 tokens its answer used (a request
      // that can never fit is refused with what remains). With 64 clients and room for three worst
      // cases in flight, the run may end before the budget does.
      await new Promise((r) => setTimeout(r, 300));
      const probe = await send(envoy.url, { host: "llm.test", body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }], max_tokens: 1e9 }), headers: { authorization: `Bearer ${key.key}` } });
      expect(probe.status).toBe(429);
      expect(Number(probe.headers["x-ratelimit-remaining-tokens"])).toBe(budget - used);
    } finally {
      await envoy.stop();
      await provider.close();
    }
  }, 120_000);
});
