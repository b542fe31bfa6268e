// Which client headers reach the provider, per route kind (docs/translation.md, "Headers sent to
// providers"): translated routes keep an allow-list plus the route's forwardHeaders; same-API routes
// pass the client's headers except agent identifiers. Both request modes; both config checkers.
import { describe, expect, it } from "vitest";
import { loadFilter } from "../support/filter.js";
import { validateConfig } from "../../src-host-tools/config/validate.js";
import { AGENT_IDS, CLIENT_METADATA } from "../support/forwarded-header-rows.js";

const TRACING: Record<string, string> = { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", tracestate: "a=b", "x-request-id": "rid-1", "x-b3-traceid": "80f198ee56343ba864fe8b2a57d3eff7", accept: "application/json" };

const provider = (name: string, type: string) => ({ name, type, host: `${name}.test`, apiKeys: [{ value: `${name}-key-1` }] });
const config = (mode: string, forwardHeaders?: string[]) => ({
  requestMode: mode,
  providers: [provider("oa", "openai"), provider("an", "anthropic")],
  routes: [{ name: "r", match: { host: "llm.local" }, backends: [{ provider: "an", model: "claude-x" }], ...(forwardHeaders ? { forwardHeaders } : {}) }],
});
const CHAT = { path: "/v1/chat/completions", body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }) };
const MESSAGES = { path: "/v1/messages", body: JSON.stringify({ model: "m", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }) };

interface Row { name: string; request: typeof CHAT; forwardHeaders?: string[]; arrive: string[]; absent: string[] }
const METADATA = Object.keys(CLIENT_METADATA);
const ROWS: Row[] = [
  { name: "translated (OpenAI client -> Anthropic): only the allow-list", request: CHAT, arrive: Object.keys(TRACING), absent: METADATA },
  { name: "translated, with forwardHeaders: the listed ones too", request: CHAT, forwardHeaders: ["x-my-header", "x-stainless-*"],
    arrive: ["x-my-header", "x-stainless-lang", "x-stainless-retry-count", ...Object.keys(TRACING)], absent: METADATA.filter((h) => h !== "x-my-header" && !h.startsWith("x-stainless-")) },
  { name: "same API (Anthropic -> Anthropic): the client's headers but agent identifiers", request: MESSAGES,
    arrive: METADATA.filter((h) => !AGENT_IDS.includes(h)).concat(Object.keys(TRACING)), absent: AGENT_IDS },
  { name: "same API, forwardHeaders lists an identifier: it passes", request: MESSAGES, forwardHeaders: ["x-claude-code-session-id"],
    arrive: ["x-claude-code-session-id", "x-stainless-os"], absent: AGENT_IDS.filter((h) => h !== "x-claude-code-session-id") },
];

describe("headers sent to providers", () => {
  for (const mode of ["body", "headers"]) {
    it.each(ROWS)(`${mode} mode: $name`, async (row) => {
      const { host, configured } = await loadFilter(config(mode, row.forwardHeaders), { allowOnHeadersStopIteration: true });
      expect(configured).toBe(true);
      const stream = host.createStream();
      stream.sendRequest({ ":method": "POST", ":path": row.request.path, ":authority": "llm.local", "content-type": "application/json",
        authorization: "Bearer client-key", ...CLIENT_METADATA, ...TRACING }, row.request.body);
      expect(stream.localResponse).toBeNull();
      const sent = new Map(stream.upstreamHeaders!.map(([k, v]) => [k, v]));
      for (const h of row.arrive) expect(sent.get(h), h).toBe(CLIENT_METADATA[h] ?? TRACING[h]);
      for (const h of row.absent) expect(sent.has(h), h).toBe(false);
      // The provider's own headers, set after the client's were filtered.
      expect(sent.get("x-api-key")).toBe("an-key-1");
      expect(sent.get("anthropic-version")).toBeDefined();
      expect(sent.has("authorization")).toBe(false);
    });
  }
});

describe("forwardHeaders is checked by the filter and the toolchain with the same words", () => {
  const RULE = "must be a lower-case header name, or a prefix of one ending in '*'; credential, billing, framing and Envoy headers cannot be listed";
  it.each([
    ["x-my-header", true], ["x-stainless-*", true], ["X-Upper", false], ["*", false], ["authorization", false], ["x-api-key", false],
    ["openai-organization", false], ["x-envoy-foo", false], ["x-envoy-*", false], [":path", false], ["content-length", false], ["x-llm-mesh-model", false], ["", false],
  ] as [string, boolean][])("%s: accepted %s", async (entry, ok) => {
    const c = config("body", [entry]);
    const { configured, host } = await loadFilter(c);
    expect(configured).toBe(ok);
    const v = validateConfig(c);
    const problems = v.errors.filter((e) => e.path.startsWith("routes[0].forwardHeaders"));
    if (ok) expect(problems).toEqual([]);
    else {
      expect(problems).toEqual([{ path: "routes[0].forwardHeaders[0]", message: RULE }]);
      expect(host.logs.map((l) => l.message).join("\n")).toContain(`routes[0].forwardHeaders[0]: ${RULE}`);
    }
  });
});

describe("a failover try is filtered where it is rewritten (the pool's upstream filter)", () => {
  const tryConfig = {
    role: "upstream", requestMode: "body",
    providers: [{ name: "an", type: "anthropic", host: "an.test", apiKeys: [{ value: "an-key-1" }] }],
    routes: [{ name: "chat", match: { host: "llm.local" }, backends: [{ provider: "an", model: "claude-x" }], failover: { attempts: 2 }, forwardHeaders: ["x-my-header"] }],
  };
  it("translated try: only the allow-list and the route's list arrive", async () => {
    const { host } = await loadFilter(tryConfig, { allowOnHeadersStopIteration: true });
    const stream = host.createStream({ "xds.upstream_host_metadata.filter_metadata.llm-mesh.backend": "chat/0", "xds.cluster_name": "llm-mesh-failover|chat", "llm_mesh.pool": "chat" });
    stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "chat.failover.llm-mesh.internal", "content-type": "application/json", ...CLIENT_METADATA, ...TRACING }, CHAT.body);
    expect(stream.localResponse).toBeNull();
    const sent = new Map(stream.upstreamHeaders!.map(([k, v]) => [k, v]));
    expect(sent.get("x-my-header")).toBe("mine");
    expect(sent.get("traceparent")).toBe(TRACING.traceparent);
    for (const h of METADATA.filter((n) => n !== "x-my-header")) expect(sent.has(h), h).toBe(false);
    expect(sent.get("x-api-key")).toBe("an-key-1");
  });
});
