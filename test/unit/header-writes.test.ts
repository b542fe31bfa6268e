// How the filter writes headers back to Envoy (assembly/headers.ts): the headers that changed, one
// call each (cheaper in Envoy than rewriting the whole map: docs/benchmarks.md), or the whole map in
// one call when an edit touched one entry (a drop, a redaction) or too many names changed. Each
// row checks what the provider or the client ends up with and which calls made it so.
import { describe, expect, it } from "vitest";
import { loadFilter } from "../support/filter.js";

const CHAT = JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] });
const ANSWER = JSON.stringify({ id: "c", object: "chat.completion", model: "gpt-4o-mini", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }] });
const KEY = "sk-header-writes-0123456789abcdef";
const config = (type = "openai") => ({
  requestMode: "body",
  providers: [{ name: "p", type, host: "p.test", apiKeys: [{ value: KEY }] }],
  routes: [{ name: "r", match: { host: "llm.local" }, backends: [{ provider: "p", model: "gpt-4o-mini" }] }],
});
const REQUEST = { ":method": "POST", ":path": "/v1/chat/completions", ":authority": "llm.local", "content-type": "application/json" };

interface Row {
  name: string;
  provider?: string;
  path?: string;
  headers?: Record<string, string>;
  /** Calls by name (prefix match) the request's callbacks must make, and must not. */
  calls: Record<string, number>;
  upstream: Record<string, string | undefined>;
}

const ROWS: Row[] = [
  { name: "a same-API request: authority, length and key replaced one call each; an unchanged content-type not written",
    calls: { "proxy_replace_header_map_value request headers: :authority": 1, "proxy_replace_header_map_value request headers: content-length": 1,
      "proxy_replace_header_map_value request headers: authorization": 1, "proxy_replace_header_map_value request headers: content-type": 0,
      "proxy_set_header_map_pairs request headers": 0, "proxy_remove_header_map_value request headers": 0 },
    upstream: { ":authority": "p.test", authorization: `Bearer ${KEY}`, "content-type": "application/json" } },
  { name: "the client's credentials removed, one call each; a header the client did not send not removed",
    headers: { "x-api-key": "client-1", "api-key": "client-2", "accept-encoding": "gzip" },
    calls: { "proxy_remove_header_map_value request headers: x-api-key": 1, "proxy_remove_header_map_value request headers: api-key": 1,
      "proxy_remove_header_map_value request headers: accept-encoding": 1, "proxy_remove_header_map_value request headers: x-goog-api-key": 0,
      "proxy_set_header_map_pairs request headers": 0 },
    upstream: { "x-api-key": undefined, "api-key": undefined, "accept-encoding": undefined, authorization: `Bearer ${KEY}` } },
  { name: "a content-type the client got wrong set to JSON",
    headers: { "content-type": "text/plain" },
    calls: { "proxy_replace_header_map_value request headers: content-type": 1, "proxy_set_header_map_pairs request headers": 0 },
    upstream: { "content-type": "application/json" } },
  { name: "a translated request drops client headers entry by entry: the whole map in one call",
    provider: "anthropic", headers: { "x-stainless-os": "Linux", "x-my-app": "1", authorization: "Bearer client" },
    calls: { "proxy_set_header_map_pairs request headers": 1, "proxy_replace_header_map_value request headers": 0, "proxy_remove_header_map_value request headers": 0 },
    upstream: { "x-stainless-os": undefined, "x-my-app": undefined, authorization: undefined, "x-api-key": KEY, ":path": "/v1/messages" } },
  { name: "more changed names than one call each is worth: the whole map in one call",
    headers: { ...Object.fromEntries(["x-api-key", "api-key", "x-goog-api-key", "accept-encoding", "host"].map((h) => [h, "x"])), "content-type": "text/plain" },
    calls: { "proxy_set_header_map_pairs request headers": 1, "proxy_replace_header_map_value request headers": 0, "proxy_remove_header_map_value request headers": 0 },
    upstream: { "x-api-key": undefined, "api-key": undefined, "x-goog-api-key": undefined, "accept-encoding": undefined, host: undefined, authorization: `Bearer ${KEY}`, ":authority": "p.test", "content-type": "application/json" } },
];

function callsLike(byName: Map<string, number>, prefix: string): number {
  let n = 0;
  for (const [name, count] of byName) if (name === prefix || name.startsWith(prefix + ":") || (prefix.endsWith("headers") && name.startsWith(prefix))) n += count;
  return n;
}

describe("headers written back to Envoy", () => {
  it.each(ROWS)("$name", async (row) => {
    const { host, configured } = await loadFilter(config(row.provider), { allowOnHeadersStopIteration: true, timeCallbacks: true });
    expect(configured).toBe(true);
    host.hostCallsByName.clear();
    const stream = host.createStream();
    stream.sendRequest({ ...REQUEST, ...(row.headers ?? {}) }, CHAT);
    expect(stream.localResponse).toBeNull();
    for (const [call, count] of Object.entries(row.calls)) expect(callsLike(host.hostCallsByName, call), `${call} in ${JSON.stringify([...host.hostCallsByName])}`).toBe(count);
    const sent = stream.upstreamHeaders!;
    for (const [name, value] of Object.entries(row.upstream)) {
      const values = sent.filter(([k]) => k === name).map(([, v]) => v);
      expect(values, name).toEqual(value === undefined ? [] : [value]);
    }
  });

  it("the answer: provider and model headers replaced one call each; a header carrying the key is redacted with the whole map", async () => {
    const { host } = await loadFilter(config(), { allowOnHeadersStopIteration: true, timeCallbacks: true });
    for (const leak of [false, true]) {
      const stream = host.createStream();
      stream.sendRequest(REQUEST, CHAT);
      host.hostCallsByName.clear();
      stream.sendResponseHeaders({ ":status": "200", "content-type": "application/json", "x-echo": leak ? `key=${KEY}` : "hello" });
      stream.sendResponseBody(ANSWER, true);
      const calls = host.hostCallsByName;
      expect(callsLike(calls, "proxy_set_header_map_pairs response headers"), JSON.stringify([...calls])).toBe(leak ? 1 : 0);
      expect(callsLike(calls, "proxy_replace_header_map_value response headers"), JSON.stringify([...calls])).toBe(leak ? 0 : 2);
      const got = new Map(stream.responseHeaders);
      expect(got.get("x-llm-mesh-provider")).toBe("p");
      expect(got.get("x-llm-mesh-model")).toBe("gpt-4o-mini");
      expect([...got.values()].some((v) => v.includes(KEY))).toBe(false);
      // Redacted in place (its length kept), not dropped; an innocent header untouched.
      if (leak) expect(got.get("x-echo")).toMatch(/^key=\[redacted\]\**$/);
      else expect(got.get("x-echo")).toBe("hello");
    }
  });
});
