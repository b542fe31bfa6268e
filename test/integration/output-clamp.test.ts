// Output caps clamped to the backend model's limit, in real Envoy: the mock OpenAI refuses a
// gpt-4o cap above 16384 with a 400 as the real API does; the clamped request passes and says so
// in x-llm-mesh-clamped-max-tokens (docs/translation.md, "Output caps per backend model").
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Stack, send, startStack } from "../support/envoy.js";
import { stack as failoverStack, stopStacks } from "../support/failover-stack.js";

const CONFIG = {
  requestMode: "body",
  providers: [{ name: "openai", type: "openai", apiKeys: [{ value: "test-openai-key" }] }],
  routes: [
    { name: "gpt", match: { host: "gpt.llm" }, backends: [{ provider: "openai", model: "gpt-4o" }] },
    // A configured limit above the model's own: llm-mesh sends it, the provider refuses.
    { name: "gpt-loose", match: { host: "gpt-loose.llm" }, backends: [{ provider: "openai", model: "gpt-4o", maxOutputTokens: 100000 }] },
  ],
};
const messages = [{ role: "user", content: "hi" }];

const ROWS = [
  { name: "Claude Code's max_tokens 64000 on /v1/messages → gpt-4o: 16384 sent, answered", host: "gpt.llm", path: "/v1/messages", body: { model: "claude-sonnet-4-5", max_tokens: 64000, messages }, status: 200, sent: 16384, header: "64000->16384" },
  { name: "chat max_completion_tokens 64000 → gpt-4o: 16384 sent, answered", host: "gpt.llm", path: "/v1/chat/completions", body: { model: "x", max_completion_tokens: 64000, messages }, status: 200, sent: 16384, header: "64000->16384" },
  { name: "chat max_completion_tokens 1000: under the limit, unchanged, no header", host: "gpt.llm", path: "/v1/chat/completions", body: { model: "x", max_completion_tokens: 1000, messages }, status: 200, sent: 1000, header: undefined },
  { name: "configured 100000 over the model's limit: 64000 passes llm-mesh, the provider refuses", host: "gpt-loose.llm", path: "/v1/chat/completions", body: { model: "x", max_completion_tokens: 64000, messages }, status: 400, sent: 64000, header: undefined },
];

describe("output caps clamped to the backend model's limit, through real Envoy", () => {
  let stack: Stack;
  beforeAll(async () => { stack = await startStack(CONFIG, { acceptedKeys: { openai: ["test-openai-key"] } }); });
  afterAll(async () => { await stack?.stop(); });

  it.each(ROWS)("$name", async ({ host, path, body, status, sent, header }) => {
    const before = stack.mock.received.length;
    const reply = await send(stack.envoy.url, { host, path, body: JSON.stringify(body) });
    expect(reply.status, reply.body).toBe(status);
    const upstream = stack.mock.received[before].body as Record<string, unknown>;
    expect(upstream.max_completion_tokens).toBe(sent);
    expect(reply.headers["x-llm-mesh-clamped-max-tokens"]).toBe(header);
    if (status === 400) expect(reply.body).toMatch(/supports at most 16384 completion tokens/);
  });
});

describe("output caps on a failover route: each try clamped for the backend it reaches", () => {
  afterEach(stopStacks);
  it("alpha (no known limit) failing: its try has the client's 100000, Claude's try 64000, and the answer says so", async () => {
    const s = await failoverStack({ kind: "status", status: 503 }, { kind: "ok" });
    const body = JSON.stringify({ model: "any", messages, max_tokens: 100000 });
    let reply = await send(s.envoy.url, { host: "mixed.local", body });
    // Envoy picks either backend first: ask until alpha has had a try.
    for (let i = 0; i < 8 && s.alpha.count() === 0; i++) reply = await send(s.envoy.url, { host: "mixed.local", body });
    expect(reply.status, reply.body).toBe(200);
    expect(s.alpha.received[0].body.max_tokens).toBe(100000);
    expect((s.mock.received.at(-1)!.body as { max_tokens: number }).max_tokens).toBe(64000);
    expect(reply.headers["x-llm-mesh-clamped-max-tokens"]).toBe("100000->64000");
  }, 30_000);
});
