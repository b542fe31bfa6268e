// Consumers in real Envoy, through the official SDKs: an application holds only its llm-mesh key
// (issued by `llm-mesh consumer add`), the provider gets the mesh's key; a wrong key is the SDK's
// own AuthenticationError; a model outside the consumer's list is a PermissionDeniedError.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newKey } from "../../src-host-tools/commands/consumer.js";
import { Stack, startStack } from "../support/envoy.js";
import { fetchWithHost } from "../support/sdk-fetch.js";

const app = newKey();
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

  it("the consumer is a metric label", async () => {
    const text = await (await fetch(`${stack.envoy.adminUrl}/stats/prometheus`)).text();
    expect(text).toMatch(/llm_mesh_requests_total\{[^}]*llm_mesh_consumer="support-bot"/);
  });
});
