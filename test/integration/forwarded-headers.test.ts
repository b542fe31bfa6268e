// Real Envoy: the headers a provider receives per route kind (the mock provider records them), and
// a connection that got one of llm-mesh's own error answers serves the next request (keep-alive).
import { Agent } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { send, Stack, startStack } from "../support/envoy.js";
import { AGENT_IDS, CLIENT_METADATA } from "../support/forwarded-header-rows.js";

const TRACING = { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "x-request-id": "rid-forwarded-1" };
const config = (mode: string) => ({
  requestMode: mode,
  providers: [
    { name: "anthropic", type: "anthropic", apiKeys: [{ value: "test-anthropic-key" }] },
    { name: "openai", type: "openai", apiKeys: [{ value: "test-openai-key" }] },
  ],
  routes: [
    { name: "translated", match: { host: "translated.llm" }, backends: [{ provider: "anthropic", model: "claude-haiku-4-5" }] },
    { name: "listed", match: { host: "listed.llm" }, backends: [{ provider: "anthropic", model: "claude-haiku-4-5" }], forwardHeaders: ["x-my-header", "x-stainless-*"] },
    { name: "same", match: { host: "same.llm" }, backends: [{ provider: "openai" }] },
  ],
});
const chat = JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
const METADATA = Object.keys(CLIENT_METADATA);

interface Row { host: string; arrive: string[]; absent: string[] }
const ROWS: Row[] = [
  { host: "translated.llm", arrive: Object.keys(TRACING), absent: METADATA },
  { host: "listed.llm", arrive: ["x-my-header", "x-stainless-lang", "x-stainless-os"], absent: METADATA.filter((h) => h !== "x-my-header" && !h.startsWith("x-stainless-")) },
  { host: "same.llm", arrive: ["x-stainless-lang", "originator", "user-agent", ...Object.keys(TRACING)], absent: AGENT_IDS },
];

async function connections(stack: Stack): Promise<number> {
  const stats = await (await fetch(`${stack.envoy.adminUrl}/stats?filter=llm_mesh.*downstream_cx_total$`)).text();
  const m = /downstream_cx_total: (\d+)/.exec(stats);
  if (!m) throw new Error(`no downstream_cx_total in ${stats}`);
  return Number(m[1]);
}

describe.each(["body", "headers"])("real Envoy, %s mode", (mode) => {
  let stack: Stack;
  beforeAll(async () => { stack = await startStack(config(mode), { requestMode: mode as "body" | "headers" }); });
  afterAll(async () => { await stack?.stop(); });

  it.each(ROWS)("headers a provider receives: $host", async (row) => {
    stack.mock.reset();
    const reply = await send(stack.envoy.url, { host: row.host, body: chat, headers: { ...CLIENT_METADATA, ...TRACING, authorization: "Bearer client-held" } });
    expect(reply.status, reply.body).toBe(200);
    expect(stack.mock.received).toHaveLength(1);
    const got = stack.mock.received[0].headers;
    for (const h of row.arrive) expect(got[h], h).toBe(CLIENT_METADATA[h] ?? TRACING[h as keyof typeof TRACING]);
    for (const h of row.absent) expect(got[h], h).toBeUndefined();
    expect(got.authorization).not.toBe("Bearer client-held");
  });

  // Each refusal, then a good request on the same keep-alive connection.
  it.each([
    { name: "invalid JSON (refused after the body)", path: "/v1/chat/completions", body: "{not json", status: 400 },
    { name: "unknown path (refused at request headers, body unread)", path: "/v1/nothing", body: chat, status: 404 },
    { name: "duplicate key (refused after the body)", path: "/v1/chat/completions", body: '{"model":"a","model":"b","messages":[]}', status: 400 },
  ])("a local error keeps the connection: $name", async (row) => {
    // Headers mode answers a refusal at request headers with the body unread: Envoy closes (docs/translation.md).
    const closes = mode === "headers" && row.status === 404;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const before = await connections(stack);
    const bad = await send(stack.envoy.url, { host: "translated.llm", path: row.path, body: row.body, agent });
    expect(bad.status, bad.body).toBe(row.status);
    expect(bad.headers.connection === "close").toBe(closes);
    const good = await send(stack.envoy.url, { host: "translated.llm", body: chat, agent });
    expect(good.status, good.body).toBe(200);
    expect(await connections(stack) - before).toBe(closes ? 2 : 1);
    agent.destroy();
  });
});
