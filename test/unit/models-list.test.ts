// GET /v1/models asks for a consumer like every other path of a route: a route that requires one
// answers 401 without it, and a consumer sees only the routes and models it may use.
import { describe, expect, it } from "vitest";
import { newKey } from "../../src-host-tools/config/consumer-key.js";
import { json, loadFilter } from "../support/filter.js";

const alice = newKey();
const bob = newKey();
export const MODELS_LIST_CONFIG = {
  requestMode: "body",
  providers: [{ name: "openai", type: "openai", apiKeys: [{ value: "provider-key-1" }] }],
  routes: [
    { name: "premium", match: { host: "llm.local", models: ["gpt-4o*"] }, backends: [{ provider: "openai", model: "gpt-4o" }], requireConsumer: true },
    { name: "cheap", match: { host: "llm.local", models: ["gpt-4.1-nano", "gpt-4.1-mini"] }, backends: [{ provider: "openai" }], requireConsumer: true },
    { name: "open", match: { host: "open.local" }, backends: [{ provider: "openai", model: "gpt-4.1-nano" }] },
  ],
  consumers: [
    { name: "alice", keys: [alice.stored], models: ["gpt-4o", "gpt-4.1-*"] },
    { name: "bob", keys: [bob.stored], routes: ["cheap", "open"] },
  ],
};

const ROWS: { name: string; authority?: string; headers?: Record<string, string>; status: number; models?: string[]; message?: RegExp }[] = [
  { name: "no consumer on routes that require one", status: 401, message: /requires a consumer/ },
  { name: "no consumer, Anthropic's list shape asked for", headers: { "anthropic-version": "2023-06-01" }, status: 401, message: /requires a consumer/ },
  { name: "a wrong key", headers: { authorization: "Bearer llmm_00000000_nope" }, status: 401, message: /not valid/ },
  { name: "alice: every route, only her models", headers: { authorization: `Bearer ${alice.key}` }, status: 200, models: ["gpt-4o", "gpt-4.1-nano", "gpt-4.1-mini"] },
  { name: "bob: only the route he may use", headers: { authorization: `Bearer ${bob.key}` }, status: 200, models: ["gpt-4.1-nano", "gpt-4.1-mini"] },
  { name: "nobody on a route that does not require a consumer", authority: "open.local", status: 200, models: ["gpt-4.1-nano"] },
];

describe("GET /v1/models and consumers", () => {
  it.each(ROWS)("$name", async (row) => {
    const { host, configured } = await loadFilter(MODELS_LIST_CONFIG, { allowOnHeadersStopIteration: true });
    expect(configured, host.logText("error").join("\n")).toBe(true);
    const s = host.createStream();
    s.sendRequest({ ":method": "GET", ":path": "/v1/models", ":authority": row.authority ?? "llm.local", ":scheme": "http", ...row.headers });
    expect(s.localResponse).not.toBeNull();
    expect(s.localResponse!.status).toBe(row.status);
    const body = json(s.localResponse!.body) as { data?: { id: string }[]; error?: { message: string } };
    if (row.message) expect(body.error!.message).toMatch(row.message);
    if (row.models) expect(body.data!.map((m) => m.id)).toEqual(row.models);
  });
});
