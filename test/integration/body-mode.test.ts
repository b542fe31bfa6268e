// Body mode in real Envoy (allow_on_headers_stop_iteration): routing on the client's model across
// three providers, no upstream request for anything the filter rejects (Envoy's own counters), and
// no provider connection held by clients that stall mid-body. Headers mode is run beside it where
// the difference is the point.
import { connect, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatProblem, validateConfig } from "../../src-host-tools/config/validate.js";
import { send, Stack, startStack } from "../support/envoy.js";

const pluginConfig = {
  maxRequestBodyBytes: 65536,
  providers: [
    { name: "openai", type: "openai", apiKeys: [{ value: "test-openai-key" }] },
    { name: "mistral", type: "mistral", apiKeys: [{ value: "test-mistral-key" }] },
    { name: "deepseek", type: "deepseek", apiKeys: [{ value: "test-deepseek-key" }] },
  ],
  routes: [
    { name: "openai-models", match: { host: "router.llm", models: ["gpt-*", "o3"] }, backends: [{ provider: "openai" }] },
    { name: "mistral-models", match: { host: "router.llm", models: ["mistral-*", "codestral-latest"] }, backends: [{ provider: "mistral" }] },
    { name: "cheap-default", match: { host: "router.llm", models: ["*"] }, backends: [{ provider: "deepseek", model: "deepseek-chat" }] },
    { name: "plain", match: { host: "plain.llm" }, backends: [{ provider: "openai" }] },
  ],
};
const chat = (extra: Record<string, unknown> = {}) => JSON.stringify({ messages: [{ role: "user", content: "hello" }], ...extra });

/** Envoy's counters summed over the provider clusters (outbound|…), as its admin API reports them. */
async function providerStats(stack: Stack): Promise<{ rq: number; rqActive: number; cxActive: number }> {
  const text = await (await fetch(`${stack.envoy.adminUrl}/stats?filter=^cluster\\.outbound`)).text();
  const sum = (stat: string) => [...text.matchAll(new RegExp(`^cluster\\.outbound\\|[^:]*\\.${stat}: (\\d+)$`, "gm"))].reduce((n, m) => n + Number(m[1]), 0);
  return { rq: sum("upstream_rq_total"), rqActive: sum("upstream_rq_active"), cxActive: sum("upstream_cx_active") };
}

/** Opens `count` connections that send headers and half a body, then stall. */
async function stall(url: string, count: number): Promise<Socket[]> {
  const { hostname, port } = new URL(url);
  const body = chat({ model: "gpt-4o", pad: "x".repeat(2000) });
  return await Promise.all(Array.from({ length: count }, () => new Promise<Socket>((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: plain.llm\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, body.length / 2)}`);
      resolve(socket);
    });
    socket.on("error", reject);
  })));
}

/** Body mode only: routing on the model, and no upstream request for what the filter rejects. */
function bodyModeTests(stack: () => Stack): void {
  it("llm-mesh validate accepts the routes this Envoy runs: three on one host told apart by model", () => {
    expect(validateConfig({ ...pluginConfig, requestMode: "body" }).errors.map(formatProblem)).toEqual([]);
  });

  it.each([
    ["gpt-4o", "api.openai.com", "gpt-4o", "Bearer test-openai-key"],
    ["o3", "api.openai.com", "o3", "Bearer test-openai-key"],
    ["mistral-large-latest", "api.mistral.ai", "mistral-large-latest", "Bearer test-mistral-key"],
    ["codestral-latest", "api.mistral.ai", "codestral-latest", "Bearer test-mistral-key"],
    ["claude-3-5-sonnet", "api.deepseek.com", "deepseek-chat", "Bearer test-deepseek-key"],
  ])("routes model %s to %s as %s", async (model, host, upstreamModel, auth) => {
    const before = stack().mock.received.length;
    const reply = await send(stack().envoy.url, { host: "router.llm", body: chat({ model }), chunked: true });
    expect(reply.status, reply.body).toBe(200);
    expect(reply.headers["x-llm-mesh-model"]).toBe(upstreamModel);
    const got = stack().mock.received[before];
    expect(got.headers.host).toBe(host);
    expect(got.headers.authorization).toBe(auth);
    expect(got.body?.model).toBe(upstreamModel);
    // The body was rewritten before anything was sent: its length is exact, not chunked.
    expect(got.headers["content-length"]).toBe(String(Buffer.byteLength(got.rawBody)));
  });

  it("opens no upstream request for anything it rejects", async () => {
    const url = stack().envoy.url;
    const before = await providerStats(stack());
    const rejected = [
      await send(url, { host: "plain.llm", body: '{"model": "gpt-4o", "messages": [' }),
      await send(url, { host: "plain.llm", body: chat({ model: "gpt 4o" }) }),
      await send(url, { host: "plain.llm", body: chat() }),
      await send(url, { host: "router.llm", body: chat() }),
      await send(url, { host: "plain.llm", path: "/v1/files", body: chat({ model: "gpt-4o" }) }),
      await send(url, { host: "plain.llm", body: chat({ model: "gpt-4o", pad: "x".repeat(70_000) }) }),
      await send(url, { host: "plain.llm", body: chat({ model: "gpt-4o", pad: "x".repeat(70_000) }), chunked: true }),
    ];
    expect(rejected.map((r) => [r.status, r.json().error.code])).toEqual([
      [400, "invalid_json"], [400, "invalid_model"], [400, "model_required"], [404, "model_not_found"], [404, "unsupported_endpoint"],
      [413, "request_too_large"], [413, "request_too_large"],
    ]);
    expect((await providerStats(stack())).rq).toBe(before.rq);
    const ok = await send(url, { host: "plain.llm", body: chat({ model: "gpt-4o" }) });
    expect(ok.status).toBe(200);
    expect((await providerStats(stack())).rq).toBe(before.rq + 1);
  });
}

describe.each(["body", "headers"] as const)("request mode %s in real Envoy", (requestMode) => {
  let stack: Stack;
  // Headers mode cannot route on the model: it serves the plain route only.
  const config = requestMode === "body" ? pluginConfig : { ...pluginConfig, routes: pluginConfig.routes.slice(3) };
  beforeAll(async () => { stack = await startStack(config, { requestMode }); });
  afterAll(async () => { await stack?.stop(); });

  if (requestMode === "body") bodyModeTests(() => stack);

  it("clients stalled mid-body hold no provider connection in body mode (and do in headers mode)", async () => {
    // Idle pooled connections from earlier tests count as active: compare with before.
    const before = await providerStats(stack);
    const sockets = await stall(stack.envoy.url, 24);
    try {
      await new Promise((r) => setTimeout(r, 1000));
      const stats = await providerStats(stack);
      if (requestMode === "body") {
        expect(stats.rqActive).toBe(0);
        expect(stats.cxActive).toBe(before.cxActive);
        expect(stats.rq).toBe(before.rq);
      } else {
        expect(stats.rqActive).toBe(24);
      }
    } finally {
      for (const s of sockets) s.destroy();
    }
  });
});
