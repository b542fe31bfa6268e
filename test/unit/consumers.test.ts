// Consumers in the host emulator: who calls (gateway key, verified JWT claim, mesh identity), the
// route and model allow-lists, 401/403 in the client's API shape, the consumer's credential never
// going upstream, and the consumer in metrics and the access log.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { consumerAdd } from "../../src-host-tools/commands/consumer.js";
import { newKey } from "../../src-host-tools/config/consumer-key.js";
import { HttpStream } from "../../src-host-tools/host/emulator.js";
import { json, loadFilter } from "../support/filter.js";

const alice = newKey();
const bob = newKey();
/** The secret part of alice's key (base64url: it may itself hold "_", so not split("_")[2], which could be two letters). */
const aliceSecret = alice.key.slice(`llmm_${alice.stored.id}_`.length);
const config = {
  providers: [{ name: "openai", type: "openai", apiKeys: [{ value: "provider-key-1" }] }],
  routes: [
    { name: "chat", match: { host: "api.openai.com" }, backends: [{ provider: "openai" }], requireConsumer: true },
    { name: "open", match: { host: "open.local" }, backends: [{ provider: "openai" }] },
  ],
  consumers: [
    { name: "alice", keys: [alice.stored], models: ["gpt-4o*"] },
    { name: "bob", keys: [bob.stored], routes: ["open"] },
    { name: "chatbot", principals: ["spiffe://cluster.local/ns/apps/sa/chatbot"] },
    { name: "carol", claims: ["carol@example.com"] },
  ],
  consumerAuth: { claimHeader: "x-jwt-sub" },
  requestMode: "body",
};
const chat = (model = "gpt-4o") => JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] });
const REQUEST = { ":method": "POST", ":path": "/v1/chat/completions", ":authority": "api.openai.com", ":scheme": "http", "content-type": "application/json" };

async function filter() {
  const { host, configured } = await loadFilter(config, { allowOnHeadersStopIteration: true });
  expect(configured, host.logText("error").join("\n")).toBe(true);
  return host;
}

type Row = { name: string; headers?: Record<string, string>; properties?: Record<string, string>; path?: string; authority?: string; model?: string; status: number | null; consumer?: string; message?: RegExp };

const ROWS: Row[] = [
  { name: "alice's key as Authorization: Bearer (OpenAI SDKs)", headers: { authorization: `Bearer ${alice.key}` }, status: null, consumer: "alice" },
  { name: "alice's key as x-api-key (Anthropic SDKs)", headers: { "x-api-key": alice.key }, status: null, consumer: "alice" },
  { name: "alice's key as api-key (Azure SDKs)", headers: { "api-key": alice.key }, status: null, consumer: "alice" },
  { name: "a workload by its mesh identity (mTLS peer)", properties: { "connection.uri_san_peer_certificate": "spiffe://cluster.local/ns/apps/sa/chatbot" }, status: null, consumer: "chatbot" },
  { name: "a user by a JWT claim Istio verified", headers: { "x-jwt-sub": "carol@example.com" }, status: null, consumer: "carol" },
  { name: "no credential on a route that requires a consumer", status: 401, message: /requires a consumer/ },
  { name: "a key with a wrong secret", headers: { authorization: `Bearer ${alice.key.slice(0, -2)}xx` }, status: 401, message: /llm-mesh API key in authorization is not valid/ },
  { name: "a key with an unknown id", headers: { authorization: "Bearer llmm_00000000_abc" }, status: 401, message: /not valid/ },
  { name: "a wrong key even from a known workload", headers: { "x-api-key": "llmm_1234abcd_nope" }, properties: { "connection.uri_san_peer_certificate": "spiffe://cluster.local/ns/apps/sa/chatbot" }, status: 401 },
  { name: "an unknown workload", properties: { "connection.uri_san_peer_certificate": "spiffe://cluster.local/ns/apps/sa/other" }, status: 401 },
  { name: "a claim of nobody configured", headers: { "x-jwt-sub": "mallory@example.com" }, status: 401 },
  { name: "alice asking for a model she may not use", headers: { authorization: `Bearer ${alice.key}` }, model: "o1-pro", status: 403, message: /consumer "alice" may not use model "o1-pro"/ },
  { name: "bob on a route he may not use", headers: { authorization: `Bearer ${bob.key}` }, status: 403, message: /consumer "bob" may not use llm-mesh route "chat"/ },
  { name: "bob on his route", headers: { authorization: `Bearer ${bob.key}` }, authority: "open.local", status: null, consumer: "bob" },
  { name: "nobody on a route that does not require a consumer", authority: "open.local", status: null, consumer: "" },
];

function send(host: Awaited<ReturnType<typeof filter>>, row: Row, path = "/v1/chat/completions"): HttpStream {
  const stream = host.createStream(row.properties ?? {});
  stream.sendRequest({ ...REQUEST, ":path": path, ":authority": row.authority ?? "api.openai.com", ...(row.headers ?? {}) }, chat(row.model));
  return stream;
}

describe("consumers", () => {
  it.each(ROWS)("$name", async (row) => {
    const host = await filter();
    const stream = send(host, row);
    if (row.status === null) {
      expect(stream.localResponse, stream.localResponse?.body).toBeNull();
      // The provider gets the mesh's key; never the consumer's credential or claim header.
      expect(stream.requestHeader("authorization")).toBe("Bearer provider-key-1");
      const sent = JSON.stringify(stream.upstreamHeaders);
      expect(sent).not.toContain("llmm_");
      expect(sent).not.toContain("x-jwt-sub");
      expect(stream.properties["llm_mesh.consumer"] ?? "").toBe(row.consumer);
      stream.sendResponseHeaders({ ":status": "200", "content-type": "application/json" });
      stream.sendResponseBody(JSON.stringify({ id: "1", object: "chat.completion", model: "gpt-4o", choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } }), true);
      stream.complete();
      host.tick(); // metrics reach Envoy on the tick
      const labelled = host.labelled("llm_mesh.requests.total");
      expect(labelled.map((m) => m.labels.llm_mesh_consumer)).toEqual([row.consumer || "none"]);
    } else {
      expect(stream.localResponse?.status).toBe(row.status);
      const body = json(stream.localResponse!.body) as any;
      expect(body.error.code).toBe(row.status === 401 ? "invalid_api_key" : "consumer_not_allowed");
      if (row.message) expect(body.error.message).toMatch(row.message);
      if (row.status === 401) expect(stream.localResponse!.headers).toContainEqual(["www-authenticate", 'Bearer realm="llm-mesh"']);
      expect(stream.localResponse!.body).not.toContain(aliceSecret);
      expect(stream.upstreamHeaders).toBeNull();
    }
  });

  it("an Anthropic client's 401 is in Anthropic's shape", async () => {
    const host = await filter();
    const stream = host.createStream();
    stream.sendRequest({ ...REQUEST, ":path": "/v1/messages", "anthropic-version": "2023-06-01" }, JSON.stringify({ model: "gpt-4o", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }));
    expect(stream.localResponse?.status).toBe(401);
    expect(json(stream.localResponse!.body)).toMatchObject({ type: "error", error: { type: "authentication_error" } });
  });

  it("nothing of a key reaches the log", async () => {
    const host = await filter();
    send(host, { name: "", headers: { authorization: `Bearer ${alice.key.slice(0, -2)}xx` }, status: 401 });
    expect(host.logText("trace").join("\n")).not.toContain(aliceSecret.slice(0, 20));
  });
});

describe("llm-mesh consumer add", () => {
  it("writes only the key's salted hash into the config, prints the key once, and the filter accepts that key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "llm-mesh-consumer-"));
    const file = join(dir, "config.json");
    writeFileSync(file, JSON.stringify({ providers: config.providers, routes: [config.routes[1]] }, null, 2));
    const printed: string[] = [];
    const logs: string[] = [];
    await consumerAdd({ cwd: dir, config: "config.json", name: "dave", models: ["gpt-4o*"], printKey: (k) => printed.push(k), log: (l) => logs.push(l) });
    expect(printed).toHaveLength(1);
    const key = printed[0];
    expect(key).toMatch(/^llmm_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    const written = readFileSync(file, "utf8");
    expect(written).not.toContain(key.split("_").slice(2).join("_"));
    expect(logs.join("\n")).not.toContain(key);
    const updated = JSON.parse(written);
    expect(updated.consumers[0]).toMatchObject({ name: "dave", models: ["gpt-4o*"] });
    const { host, configured } = await loadFilter({ ...updated, requestMode: "body" }, { allowOnHeadersStopIteration: true });
    expect(configured).toBe(true);
    const stream = host.createStream();
    stream.sendRequest({ ...REQUEST, ":authority": "open.local", authorization: `Bearer ${key}` }, chat());
    expect(stream.properties["llm_mesh.consumer"]).toBe("dave");
    // A second key for the same consumer is added beside the first.
    await consumerAdd({ cwd: dir, config: "config.json", name: "dave", printKey: () => {}, log: () => {} });
    expect(JSON.parse(readFileSync(file, "utf8")).consumers[0].keys).toHaveLength(2);
  });

  it("refuses to write a config that would not be valid, and keeps YAML comments", async () => {
    const dir = mkdtempSync(join(tmpdir(), "llm-mesh-consumer-"));
    const file = join(dir, "config.yaml");
    writeFileSync(file, "# our LLM config\nproviders:\n  - name: openai\n    type: openai\n    apiKeys: [{ env: OPENAI_API_KEY }]\nroutes:\n  - name: open\n    match: { host: open.local }\n    backends: [{ provider: openai }]\n");
    await expect(consumerAdd({ cwd: dir, config: "config.yaml", name: "erin", routes: ["nope"], printKey: () => {}, log: () => {} })).rejects.toThrow(/no route named "nope"/);
    await consumerAdd({ cwd: dir, config: "config.yaml", name: "erin", routes: ["open"], printKey: () => {}, log: () => {} });
    const text = readFileSync(file, "utf8");
    expect(text.startsWith("# our LLM config")).toBe(true);
    expect(text).toContain("name: erin");
  });
});

describe("consumer quotas", () => {
  class Clock { ms = Date.UTC(2026, 10, 26, 10, 0, 0); now = () => BigInt(this.ms) * 1_000_000n; }
  const quotaConfig = (limits: unknown[]) => ({ ...config, consumers: [{ name: "alice", keys: [alice.stored], limits }] });
  const answer = (stream: HttpStream, total: number) => {
    stream.sendResponseHeaders({ ":status": "200", "content-type": "application/json" });
    stream.sendResponseBody(JSON.stringify({ id: "1", object: "chat.completion", model: "gpt-4o", choices: [], usage: { prompt_tokens: total - 10, completion_tokens: 10, total_tokens: total } }), true);
    stream.complete();
  };
  async function quotaFilter(limits: unknown[], clock: Clock) {
    const { host, configured } = await loadFilter(quotaConfig(limits), { allowOnHeadersStopIteration: true, clock: clock.now });
    expect(configured, host.logText("error").join("\n")).toBe(true);
    return (model = "gpt-4o", authority = "api.openai.com") => {
      const stream = host.createStream();
      stream.sendRequest({ ...REQUEST, ":authority": authority, authorization: `Bearer ${alice.key}` }, chat(model));
      return stream;
    };
  }

  it("requests per minute: the next is 429 with Retry-After and OpenAI's x-ratelimit headers, in a new minute it passes", async () => {
    const clock = new Clock();
    clock.ms += 45_000; // 15 s left in this minute
    const send = await quotaFilter([{ requestsPerMinute: 2 }], clock);
    for (let i = 0; i < 2; i++) { const s = send(); expect(s.localResponse).toBeNull(); answer(s, 50); }
    const refused = send();
    expect(refused.localResponse?.status).toBe(429);
    const body = json(refused.localResponse!.body) as any;
    expect(body.error).toMatchObject({ type: "requests", code: "rate_limit_exceeded" });
    expect(body.error.message).toMatch(/consumer "alice" reached its limit of 2 requests per minute/);
    expect(Object.fromEntries(refused.localResponse!.headers)).toMatchObject({ "retry-after": "15", "x-ratelimit-limit-requests": "2", "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "15s" });
    expect(refused.upstreamHeaders).toBeNull();
    clock.ms += 15_000;
    expect(send().localResponse).toBeNull();
  });

  it("tokens per minute: admitted on its worst case, charged the real usage; an error answer is charged nothing", async () => {
    const clock = new Clock();
    const send = await quotaFilter([{ tokensPerMinute: 1000 }], clock);
    // Each request reserves its worst case: 16 (61 bytes / 4) + 250 (no max_tokens: a quarter of 1000); what each really used is charged.
    let s = send(); expect(s.localResponse).toBeNull(); answer(s, 400);
    s = send(); expect(s.localResponse).toBeNull(); answer(s, 400);
    s = send(); // 800 used: 200 remain, and this one may use 266
    expect(s.localResponse?.status).toBe(429);
    expect((json(s.localResponse!.body) as any).error.type).toBe("tokens");
    expect((json(s.localResponse!.body) as any).error.message).toMatch(/may use up to 266: its input estimate and output cap; 200 remain/);
    expect(Object.fromEntries(s.localResponse!.headers)["x-ratelimit-remaining-tokens"]).toBe("200");
    // A provider error uses no tokens: its estimate is given back.
    clock.ms += 60_000;
    for (let i = 0; i < 60; i++) {
      const e = send();
      expect(e.localResponse, `request ${i}`).toBeNull();
      e.sendResponseHeaders({ ":status": "500", "content-type": "application/json" });
      e.sendResponseBody('{"error":{"message":"boom"}}', true);
      e.complete();
    }
  });

  it("a limit scoped to a route and models counts only those requests", async () => {
    const clock = new Clock();
    const send = await quotaFilter([{ route: "chat", models: ["gpt-4o*"], requestsPerMinute: 1 }], clock);
    answer(send("gpt-4o"), 10);
    expect(send("gpt-4o-mini").localResponse?.status).toBe(429);
    expect(send("o3").localResponse).toBeNull();
    expect(send("gpt-4o", "open.local").localResponse).toBeNull();
  });

  it("tokens per day: counted across minutes, reset at the next UTC day", async () => {
    const clock = new Clock();
    const send = await quotaFilter([{ tokensPerDay: 490 }], clock);
    answer(send(), 480);
    clock.ms += 3 * 3_600_000;
    expect(send().localResponse?.status).toBe(429);
    clock.ms += 11 * 3_600_000; // past midnight UTC
    expect(send().localResponse).toBeNull();
  });
});
