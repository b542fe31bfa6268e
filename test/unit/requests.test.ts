// Table-driven: client request in, upstream request (or local reply) out, through the compiled
// module in the host emulator.
import { beforeAll, describe, expect, it } from "vitest";
import { HostEmulator } from "../../src-host-tools/host/emulator.js";
import { ALL_TYPES_CONFIG, ALL_TYPES_ENV } from "../support/fixtures.js";
import { json, loadFilter } from "../support/filter.js";
import { examplePluginConfig } from "../../src-host-tools/envoy/example.js";

interface Row {
  name: string;
  host: string;
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  properties?: Record<string, string>;
  /** Expected upstream request. */
  upstream?: { authority: string; path: string; auth?: [string, string]; body?: unknown; model?: string; headers?: Record<string, string | undefined> };
  /** Expected local reply. */
  reply?: { status: number; code: string; message?: RegExp };
}

const chat = (model?: string, extra: Record<string, unknown> = {}) =>
  ({ ...(model ? { model } : {}), messages: [{ role: "user", content: "hi" }], ...extra });

const rows: Row[] = [
  { name: "openai: key injected, model kept", host: "openai.llm", body: chat("gpt-4o"),
    upstream: { authority: "api.openai.com", path: "/v1/chat/completions", auth: ["authorization", "Bearer test-openai-key"], body: chat("gpt-4o") } },
  { name: "ASM default route: provider default model and stream filled in", host: "dashscope.aliyuncs.com", path: "/", body: chat(),
    upstream: { authority: "dashscope.aliyuncs.com", path: "/compatible-mode/v1/chat/completions", auth: ["authorization", "Bearer test-dashscope-key"],
      body: { ...chat(), model: "qwen-1.8b-chat", stream: false } } },
  { name: "ASM vip route: header user-type=subscriber gets qwen-turbo", host: "dashscope.aliyuncs.com", path: "/", headers: { "user-type": "subscriber" }, body: chat(),
    upstream: { authority: "dashscope.aliyuncs.com", path: "/compatible-mode/v1/chat/completions", body: { ...chat(), model: "qwen-turbo", stream: false } } },
  { name: "ASM vip route: other user types get the default", host: "dashscope.aliyuncs.com", headers: { "user-type": "free" }, body: chat(),
    upstream: { authority: "dashscope.aliyuncs.com", path: "/compatible-mode/v1/chat/completions", model: "qwen-1.8b-chat" } },
  { name: "client stream:true is kept over the provider default (and asked for usage, for metrics)", host: "dashscope.aliyuncs.com", body: chat(undefined, { stream: true }),
    upstream: { authority: "dashscope.aliyuncs.com", path: "/compatible-mode/v1/chat/completions", body: { ...chat(), model: "qwen-1.8b-chat", stream: true, stream_options: { include_usage: true } } } },
  { name: "model mapping: exact", host: "mapped.llm", body: chat("gpt-4"), upstream: { authority: "api.openai.com", path: "/v1/chat/completions", model: "gpt-4o" } },
  { name: "model mapping: prefix", host: "mapped.llm", body: chat("gpt-3.5-turbo-0125"), upstream: { authority: "api.openai.com", path: "/v1/chat/completions", model: "gpt-4o-mini" } },
  { name: "model mapping: other prefix", host: "mapped.llm", body: chat("claude-3-5-sonnet"), upstream: { authority: "api.openai.com", path: "/v1/chat/completions", model: "gpt-4.1" } },
  { name: "model mapping: wildcard", host: "mapped.llm", body: chat("llama-3"), upstream: { authority: "api.openai.com", path: "/v1/chat/completions", model: "gpt-4o-mini" } },
  { name: "model mapping: wildcard covers a missing model", host: "mapped.llm", body: chat(), upstream: { authority: "api.openai.com", path: "/v1/chat/completions", model: "gpt-4o-mini" } },
  { name: "overrides replace the client's values; defaults only fill gaps", host: "locked.llm", body: chat("gpt-4o", { temperature: 1.5, max_tokens: 10 }),
    upstream: { authority: "api.openai.com", path: "/v1/chat/completions", body: chat("gpt-4o-mini", { temperature: 0, max_tokens: 10 }) } },
  { name: "defaults are inserted when absent", host: "locked.llm", body: chat("x"),
    upstream: { authority: "api.openai.com", path: "/v1/chat/completions", body: chat("gpt-4o-mini", { temperature: 0, max_tokens: 64 }) } },
  { name: "azure: deployment in path, api-version query, api-key header", host: "azure.llm", body: chat("ignored"),
    upstream: { authority: "acme.openai.azure.com", path: "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", auth: ["api-key", "test-azure-key"], model: "gpt-4o" } },
  { name: "azure v1: versionless path, model from the body", host: "azure-v1.llm", body: chat("gpt-4.1-mini"),
    upstream: { authority: "acme.openai.azure.com", path: "/openai/v1/chat/completions", auth: ["api-key", "test-azure-key"], model: "gpt-4.1-mini" } },
  { name: "embeddings: model applied, chat defaults not", host: "dashscope.aliyuncs.com", path: "/v1/embeddings", body: { input: "hello" },
    upstream: { authority: "dashscope.aliyuncs.com", path: "/compatible-mode/v1/embeddings", body: { input: "hello", model: "qwen-1.8b-chat" } } },
  { name: "legacy completions", host: "openai.llm", path: "/v1/completions", body: { model: "gpt-3.5-turbo-instruct", prompt: "x" },
    upstream: { authority: "api.openai.com", path: "/v1/completions", model: "gpt-3.5-turbo-instruct" } },
  { name: "route by Envoy route name (xds.route_name)", host: "anything.example", properties: { "xds.route_name": "llm-special", "xds.cluster_name": "outbound|443||api.mistral.ai" }, body: chat("x"),
    upstream: { authority: "api.mistral.ai", path: "/v1/chat/completions", model: "mistral-large-latest" } },
  { name: "host wildcard and path prefix", host: "a.wild.llm", path: "/team-a/v1/chat/completions", body: chat("llama-3.3-70b-versatile"),
    upstream: { authority: "api.groq.com", path: "/openai/v1/chat/completions", model: "llama-3.3-70b-versatile" } },
  { name: "custom openai-compatible host, port and base path", host: "custom.llm", body: chat("x"),
    upstream: { authority: "llm.example.com:8443", path: "/api/openai/chat/completions", auth: ["authorization", "Bearer k1"], model: "m" } },
  { name: "an escaped top-level key is still the model key", host: "mapped.llm", body: '{"mo\\u0064el":"gpt-4","messages":[]}',
    upstream: { authority: "api.openai.com", path: "/v1/chat/completions", body: { model: "gpt-4o", messages: [] } } },
  { name: "a nested model key is not the top-level one", host: "mapped.llm", body: { messages: [{ role: "user", content: "x", model: "gpt-4" }] },
    upstream: { authority: "api.openai.com", path: "/v1/chat/completions", body: { messages: [{ role: "user", content: "x", model: "gpt-4" }], model: "gpt-4o-mini" } } },
  { name: "empty object gets the model without a stray comma", host: "mapped.llm", body: "{}",
    upstream: { authority: "api.openai.com", path: "/v1/chat/completions", body: { model: "gpt-4o-mini" } } },
  { name: "escaped model value is decoded before mapping", host: "mapped.llm", body: '{"model":"gpt\\u002d4","messages":[]}',
    upstream: { authority: "api.openai.com", path: "/v1/chat/completions", model: "gpt-4o" } },

  { name: "a host with :80 is the default port", host: "openai.llm:80", body: chat("gpt-4o"), upstream: { authority: "api.openai.com", path: "/v1/chat/completions", model: "gpt-4o" } },
  { name: "a route written with a port matches that port", host: "port.llm:8080", body: chat("gpt-4o"), upstream: { authority: "api.openai.com", path: "/v1/chat/completions", model: "gpt-4o" } },
  { name: "Istio's cluster for the provider host with a subset is the provider's", host: "openai.llm", properties: { "xds.cluster_name": "outbound|80|v1|api.openai.com" }, body: chat("gpt-4o"),
    upstream: { authority: "api.openai.com", path: "/v1/chat/completions", model: "gpt-4o" } },
  { name: "an ambient waypoint's cluster for the provider host is the provider's", host: "openai.llm", properties: { "xds.cluster_name": "inbound-vip|80|http|api.openai.com" }, body: chat("gpt-4o"),
    upstream: { authority: "api.openai.com", path: "/v1/chat/completions", model: "gpt-4o" } },
  { name: "api_key in the body is removed (middle member)", host: "openai.llm", body: { model: "gpt-4o", api_key: "client-body-key", messages: [] },
    upstream: { authority: "api.openai.com", path: "/v1/chat/completions", body: { model: "gpt-4o", messages: [] } } },
  { name: "api_key in the body is removed (last member)", host: "openai.llm", body: '{"model":"gpt-4o" , "api_key" : "client-body-key" }',
    upstream: { authority: "api.openai.com", path: "/v1/chat/completions", body: { model: "gpt-4o" } } },
  { name: "api_key in the body is removed (only member), model added without a stray comma", host: "mapped.llm", body: '{"api_key":"client-body-key"}',
    upstream: { authority: "api.openai.com", path: "/v1/chat/completions", body: { model: "gpt-4o-mini" } } },
  { name: "a provider sets openai-organization from config, never the client's", host: "org.llm", headers: { "openai-organization": "org-client" }, body: chat("gpt-4o"),
    upstream: { authority: "api.openai.com", path: "/v1/chat/completions", headers: { "openai-organization": "org-from-config", "openai-project": undefined } } },
  { name: "a provider may pass the client's openai-project on", host: "project.llm", headers: { "openai-project": "proj-client" }, body: chat("gpt-4o"),
    upstream: { authority: "api.openai.com", path: "/v1/chat/completions", headers: { "openai-project": "proj-client", "openai-organization": undefined } } },
  { name: "curl -d's form content-type becomes application/json upstream", host: "openai.llm", headers: { "content-type": "application/x-www-form-urlencoded" }, body: chat("gpt-4o"),
    upstream: { authority: "api.openai.com", path: "/v1/chat/completions", headers: { "content-type": "application/json" } } },

  { name: "a model with CR LF is 400 and never reaches a header", host: "openai.llm", body: { model: "gpt-4\r\nx-evil: 1", messages: [] },
    reply: { status: 400, code: "invalid_model", message: /^model must be 1 to 256 characters/ } },
  { name: "a model with a NUL is 400", host: "openai.llm", body: { model: "gpt-4\u0000", messages: [] }, reply: { status: 400, code: "invalid_model" } },
  { name: "a model with non-ASCII is 400", host: "openai.llm", body: { model: "gpt‐4", messages: [] }, reply: { status: 400, code: "invalid_model" } },
  { name: "an escaped CR in the model is decoded, then refused", host: "mapped.llm", body: '{"model":"gpt-4\\u000d\\u000ax-evil: 1"}', reply: { status: 400, code: "invalid_model" } },
  { name: "a 300-character model is 400", host: "openai.llm", body: { model: "m".repeat(300) }, reply: { status: 400, code: "invalid_model" } },
  { name: "Envoy routes it to a pass-through: 421, no key", host: "openai.llm", properties: { "xds.cluster_name": "PassthroughCluster" }, body: chat("gpt-4o"),
    reply: { status: 421, code: "destination_not_verified", message: /cluster "PassthroughCluster", which is not the destination of an llm-mesh provider/ } },
  { name: "Envoy has no cluster for it (direct response, no route): 421, no key", host: "openai.llm", properties: { "xds.cluster_name": "" }, body: chat("gpt-4o"),
    reply: { status: 421, code: "destination_not_verified", message: /no route to a cluster/ } },
  { name: "a waypoint cluster for another host is not the provider's", host: "openai.llm", properties: { "xds.cluster_name": "inbound-vip|80|http|api.openai.com.evil" }, body: chat("gpt-4o"),
    reply: { status: 421, code: "destination_not_verified" } },
  { name: "a cluster that only names the host elsewhere is not the provider's", host: "openai.llm", properties: { "xds.cluster_name": "outbound|80||api.openai.com.attacker.example" }, body: chat("gpt-4o"),
    reply: { status: 421, code: "destination_not_verified" } },
  { name: "GET on a chat path is 405", host: "openai.llm", method: "GET", body: undefined, reply: { status: 405, code: "method_not_allowed" } },
  { name: "a query string is never echoed", host: "openai.llm", path: "/v1/files?key=sk-query-secret", body: chat("gpt-4o"), reply: { status: 404, code: "unsupported_endpoint" } },
  { name: "malformed JSON is 400 invalid_json", host: "openai.llm", body: '{"model":"gpt-4o",', reply: { status: 400, code: "invalid_json", message: /not valid JSON/ } },
  { name: "trailing garbage is 400", host: "openai.llm", body: '{"model":"gpt-4o"} x', reply: { status: 400, code: "invalid_json" } },
  { name: "a JSON array body is 400", host: "openai.llm", body: "[1,2]", reply: { status: 400, code: "invalid_json", message: /must be a JSON object/ } },
  { name: "duplicate model keys are 400", host: "openai.llm", body: '{"model":"a","model":"b"}', reply: { status: 400, code: "invalid_request", message: /duplicate top-level key "model"/ } },
  { name: "duplicate overridden keys are 400 (no bypass via last-wins)", host: "locked.llm", body: '{"temperature":1,"temperature":2}', reply: { status: 400, code: "invalid_request", message: /temperature/ } },
  { name: "a non-string model is 400", host: "openai.llm", body: { model: 4 }, reply: { status: 400, code: "invalid_request", message: /model must be a string/ } },
  { name: "no model anywhere is 400 model_required", host: "openai.llm", body: chat(), reply: { status: 400, code: "model_required" } },
  { name: "missing body is 400", host: "openai.llm", body: undefined, reply: { status: 400, code: "invalid_request", message: /body is required/ } },
  { name: "declared content-length over the limit is 413", host: "openai.llm", headers: { "content-length": "9000000" }, body: chat("gpt-4o"), reply: { status: 413, code: "request_too_large" } },
  { name: "provider without a resolvable key is 503", host: "broken.llm", body: chat("gpt-4o"), reply: { status: 503, code: "no_usable_provider" } },
  { name: "unsupported endpoint is 404", host: "openai.llm", path: "/v1/files", body: chat("gpt-4o"), reply: { status: 404, code: "unsupported_endpoint" } },
];

/** Sent with every row: none may reach a provider (a row may opt one back in through its provider). */
const CLIENT_CREDENTIALS = {
  "authorization": "Bearer client-held-secret", "x-api-key": "client-x", "api-key": "client-az", "proxy-authorization": "Basic client-proxy",
  "cookie": "session=client-cookie", "x-auth-token": "client-token", "x-goog-api-key": "client-goog", "openai-organization": "org-client-default",
  "x-goog-user-project": "client-project", "x-amz-security-token": "client-amz", "ocp-apim-subscription-key": "client-apim",
};

function requestHeaders(row: Row): Record<string, string> {
  return {
    ":method": row.method ?? "POST", ":path": row.path ?? "/v1/chat/completions", ":authority": row.host, ":scheme": "http",
    "content-type": "application/json", ...(row.headers ?? {}),
  };
}

function bodyText(body: unknown): string | undefined {
  return body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
}

/** Both request modes run every row: body mode as Envoy >= 1.35 runs it with allow_on_headers_stop_iteration. */
const MODES = ["headers", "body"] as const;
type Mode = (typeof MODES)[number];
const inMode = (mode: Mode, config: object = ALL_TYPES_CONFIG) => ({ ...config, requestMode: mode });
const hostOptions = (mode: Mode) => ({ env: ALL_TYPES_ENV, allowOnHeadersStopIteration: mode === "body" });

describe.each(MODES)("requests through the filter, %s mode", (mode) => {
  let host: HostEmulator;
  beforeAll(async () => {
    const loaded = await loadFilter(inMode(mode), hostOptions(mode));
    expect(loaded.configured, loaded.host.logText("warn").join("\n")).toBe(true);
    host = loaded.host;
  });

  it.each(rows)("$name", (row) => {
    const stream = host.createStream(row.properties);
    const body = bodyText(row.body);
    stream.sendRequest({ ...CLIENT_CREDENTIALS, ...requestHeaders(row) }, body);
    if (row.reply) {
      expect(stream.localResponse).not.toBeNull();
      const reply = stream.localResponse!;
      expect(reply.status).toBe(row.reply.status);
      expect(reply.headers).toContainEqual(["content-type", "application/json"]);
      const error = (json(reply.body) as { error: { code: string; type: string; message: string } }).error;
      expect(error.code).toBe(row.reply.code);
      expect(error.type).toMatch(/_error$/);
      if (row.reply.message) expect(error.message).toMatch(row.reply.message);
      expect(reply.body).not.toMatch(/test-[a-z]+-key|client-held-secret|sk-query-secret|x-evil/);
      expect(stream.upstreamBody.length).toBe(0);
    } else {
      const expected = row.upstream!;
      expect(stream.localResponse).toBeNull();
      expect(stream.upstreamHeaders).not.toBeNull();
      expect(stream.requestHeader(":authority")).toBe(expected.authority);
      expect(stream.requestHeader(":path")).toBe(expected.path);
      if (expected.auth) expect(stream.requestHeader(expected.auth[0])).toBe(expected.auth[1]);
      // Every client credential and billing selector is gone; only the provider's own header may carry a key.
      for (const name of Object.keys(CLIENT_CREDENTIALS)) {
        const value = stream.requestHeader(name);
        if (value !== undefined) expect(value, name).not.toMatch(/client/);
      }
      for (const [name, value] of Object.entries(expected.headers ?? {})) expect(stream.requestHeader(name), name).toBe(value);
      expect(stream.upstreamBodyText()).not.toContain("client-body-key");
      // Headers mode lets Envoy frame the rewritten body; body mode sends its exact length.
      expect(stream.requestHeader("content-length")).toBe(mode === "body" ? String(stream.upstreamBody.length) : undefined);
      const sent = json(stream.upstreamBodyText()) as { model?: string };
      if (expected.body) expect(sent).toEqual(expected.body);
      if (expected.model) expect(sent.model).toBe(expected.model);

      stream.sendResponseHeaders({ ":status": "200", "content-type": "application/json" });
      expect(stream.responseHeader("x-llm-mesh-model")).toBe(sent.model);
      expect(stream.responseHeader("x-llm-mesh-provider")).toBeTruthy();
    }
    stream.complete();
    expect(host.trap).toBeNull();
  });

  it("leaves requests that match no route untouched", () => {
    const stream = host.createStream();
    const headers = { ":method": "POST", ":path": "/v1/chat/completions", ":authority": "unrelated.example", authorization: "Bearer mine", "content-length": "20" };
    stream.sendRequest(headers, '{"model":"whatever"}');
    expect(stream.localResponse).toBeNull();
    expect(stream.upstreamHeaders).toEqual(Object.entries(headers));
    expect(stream.upstreamBodyText()).toBe('{"model":"whatever"}');
    stream.sendResponseHeaders({ ":status": "200" });
    expect(stream.responseHeader("x-llm-mesh-provider")).toBeUndefined();
  });

  it.each([
    ["another port", "openai.llm:8080"], ["a port that is not a number", "openai.llm:80x"], ["a trailing dot", "openai.llm."],
    ["userinfo", "evil@openai.llm"], ["a longer host", "openai.llm.attacker.example"],
  ])("does not match a host route on %s: the request passes untouched, with no key", (_name, authority) => {
    const stream = host.createStream();
    stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": authority, ":scheme": "http" }, '{"model":"gpt-4o"}');
    expect(stream.localResponse).toBeNull();
    expect(stream.requestHeader(":authority")).toBe(authority);
    expect(stream.requestHeader("authorization")).toBeUndefined();
  });

  it("matches :443 as the default port of https", () => {
    const stream = host.createStream({ "xds.cluster_name": "outbound|443||api.openai.com" });
    stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "openai.llm:443", ":scheme": "https" }, '{"model":"gpt-4o"}');
    expect(stream.requestHeader("authorization")).toBe("Bearer test-openai-key");
  });

  it("answers GET /v1/models with the models the route can serve, in OpenAI's list format", () => {
    const stream = host.createStream();
    stream.sendRequest({ ":method": "GET", ":path": "/v1/models?key=sk-query-secret", ":authority": "mapped.llm" });
    const reply = stream.localResponse!;
    expect(reply.status).toBe(200);
    expect(reply.headers).toContainEqual(["content-type", "application/json"]);
    const list = json(reply.body) as { object: string; data: { id: string; object: string; owned_by: string }[] };
    expect(list.object).toBe("list");
    expect(list.data.map((m) => m.id)).toEqual(["gpt-4", "gpt-4o", "gpt-4o-mini", "gpt-4.1"]);
    for (const m of list.data) expect(m).toMatchObject({ object: "model", owned_by: "openai" });
    expect(stream.upstreamHeaders).toBeNull();
    const locked = host.createStream();
    locked.sendRequest({ ":method": "GET", ":path": "/v1/models", ":authority": "locked.llm" });
    expect((json(locked.localResponse!.body) as { data: { id: string }[] }).data.map((m) => m.id)).toEqual(["gpt-4o-mini"]);
  });

  describe("provider errors are vetted before the client sees them", () => {
    const send = (responseHeaders: Record<string, string>, chunks: string[]) => {
      const stream = host.createStream();
      stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "openai.llm" }, '{"model":"gpt-4o"}');
      stream.sendResponseHeaders(responseHeaders);
      chunks.forEach((c, i) => stream.sendResponseBody(c, i === chunks.length - 1));
      return stream;
    };

    it("a 401 (the key was refused) becomes 502 with our message: the provider's may show the key", () => {
      const stream = send({ ":status": "401", "content-type": "application/json", "content-length": "99" },
        ['{"error":{"message":"Incorrect API key provided: test-openai-key. You can find your API key at https://platform.openai.com/account/api-keys.",', '"type":"invalid_request_error","code":"invalid_api_key"}}']);
      expect(stream.responseHeader(":status")).toBe("502");
      expect(stream.responseHeader("content-length")).toBeUndefined();
      const body = stream.downstreamBodyText();
      expect(json(body)).toMatchObject({ error: { code: "provider_auth_failed", type: "server_error" } });
      expect((json(body) as { error: { message: string } }).error.message).toMatch(/^provider "openai" refused the credentials llm-mesh holds for it \(HTTP 401\)/);
      expect(body).not.toContain("test-openai-key");
    });

    it("a JSON error keeps its status and text, with keys and masked keys redacted", () => {
      const stream = send({ ":status": "429", "content-type": "application/json" },
        ['{"error":{"message":"Rate limit for key test-openai-key (sk-proj-****************************abcd) reached","type":"requests","code":"rate_limit_exceeded"}}']);
      expect(stream.responseHeader(":status")).toBe("429");
      const error = (json(stream.downstreamBodyText()) as { error: { message: string; code: string } }).error;
      expect(error.message).toBe("Rate limit for key [redacted] ([redacted]) reached");
      expect(error.code).toBe("rate_limit_exceeded");
    });

    it("an HTML error page is replaced by a JSON error with the same status", () => {
      const stream = send({ ":status": "502", "content-type": "text/html" }, ["<html><body>Bad gateway. Request headers: authorization: Bearer test-openai-key</body></html>"]);
      expect(stream.responseHeader(":status")).toBe("502");
      const body = stream.downstreamBodyText();
      expect(json(body)).toMatchObject({ error: { code: "provider_error" } });
      expect(body).not.toContain("test-openai-key");
      expect(body).not.toContain("<html>");
    });

    it("an error body over 64 KiB is replaced, and its later chunks dropped", () => {
      const stream = send({ ":status": "500" }, ['{"error":{"message":"' + "x".repeat(70_000), "test-openai-key", '"}}']);
      const body = stream.downstreamBodyText();
      expect(json(body)).toMatchObject({ error: { code: "provider_error" } });
      expect(body).not.toContain("test-openai-key");
    });

    it("a success passes through untouched", () => {
      const stream = send({ ":status": "200", "content-type": "application/json", "content-length": "11" }, ['{"ok":true}']);
      expect(stream.downstreamBodyText()).toBe('{"ok":true}');
      expect(stream.responseHeader("content-length")).toBe("11");
    });
  });

  it("uses several keys in turn", () => {
    const seen = [1, 2, 3, 4].map(() => {
      const stream = host.createStream();
      stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "custom.llm" }, '{"model":"x"}');
      return stream.requestHeader("authorization");
    });
    // Strict alternation, whichever key the earlier tests left next.
    expect(new Set(seen)).toEqual(new Set(["Bearer k1", "Bearer k2"]));
    expect([seen[2], seen[3]]).toEqual([seen[0], seen[1]]);
    expect(seen[0]).not.toBe(seen[1]);
  });

  it("gives the same result however the body is chunked", () => {
    const body = JSON.stringify(chat("gpt-4", { note: "x".repeat(5000) }));
    const results = [1, 7, 100, 4096, body.length].map((chunk) => {
      const stream = host.createStream();
      stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "mapped.llm" }, body, chunk);
      return stream.upstreamBodyText();
    });
    for (const r of results) expect(json(r)).toEqual({ ...chat("gpt-4o", { note: "x".repeat(5000) }) });
  });

  it("rewrites a body that ends with trailers instead of end_of_stream", () => {
    const stream = host.createStream();
    stream.sendRequestHeaders({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "mapped.llm" });
    stream.sendRequestBody('{"model":"gpt-4",');
    stream.sendRequestBody('"messages":[]}');
    expect(stream.upstreamBody.length).toBe(0); // still buffered
    stream.sendRequestTrailers({ "x-checksum": "abc" });
    expect(json(stream.upstreamBodyText())).toEqual({ model: "gpt-4o", messages: [] });
    expect(host.trap).toBeNull();
  });

  it("answers 413 when a chunked body outgrows the limit without a content-length", async () => {
    const { host: small } = await loadFilter(inMode(mode, { ...ALL_TYPES_CONFIG, maxRequestBodyBytes: 1024 }), hostOptions(mode));
    const stream = small.createStream();
    stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "openai.llm" }, JSON.stringify(chat("gpt-4o", { pad: "y".repeat(4000) })), 512);
    expect(stream.localResponse?.status).toBe(413);
    expect(small.trap).toBeNull();
  });

  it("can leave response headers alone", async () => {
    const { host: quiet } = await loadFilter(inMode(mode, { ...ALL_TYPES_CONFIG, responseHeaders: false }), hostOptions(mode));
    const stream = quiet.createStream();
    stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "openai.llm" }, '{"model":"gpt-4o"}');
    stream.sendResponseHeaders({ ":status": "200" });
    expect(stream.responseHeader("x-llm-mesh-provider")).toBeUndefined();
    expect(stream.responseHeader("x-llm-mesh-model")).toBeUndefined();
  });
});

const ROUTER_CONFIG = {
  requestMode: "body",
  providers: [
    { name: "openai", type: "openai", apiKeys: [{ value: "test-openai-key" }] },
    { name: "mistral", type: "mistral", apiKeys: [{ value: "test-mistral-key" }] },
    { name: "deepseek", type: "deepseek", apiKeys: [{ value: "test-deepseek-key" }] },
  ],
  routes: [
    { name: "openai-models", match: { host: "router.llm", models: ["gpt-*", "o3", "o4-mini*"] }, backends: [{ provider: "openai" }] },
    { name: "mistral-models", match: { host: "router.llm", models: ["mistral-*", "codestral-latest"] }, backends: [{ provider: "mistral" }],
      modelMapping: { "mistral-fast": "mistral-small-latest" } },
    { name: "vip-any-model", match: { host: "router.llm", headers: [{ name: "x-tier", exact: "vip" }], models: ["*"] }, backends: [{ provider: "openai", model: "gpt-4.1" }] },
    { name: "cheap-default", match: { host: "router.llm" }, backends: [{ provider: "deepseek", model: "deepseek-chat" }] },
  ],
};

describe("route by the client's model (body mode)", () => {
  let host: HostEmulator;
  beforeAll(async () => {
    const loaded = await loadFilter(ROUTER_CONFIG, { allowOnHeadersStopIteration: true });
    expect(loaded.configured, loaded.host.logText().join("\n")).toBe(true);
    host = loaded.host;
  });

  it.each([
    ["gpt-4o", {}, "api.openai.com", "gpt-4o", "Bearer test-openai-key"],
    ["gpt-4.1-mini", {}, "api.openai.com", "gpt-4.1-mini", "Bearer test-openai-key"],
    ["o3", {}, "api.openai.com", "o3", "Bearer test-openai-key"],
    ["o4-mini-2025-04-16", {}, "api.openai.com", "o4-mini-2025-04-16", "Bearer test-openai-key"],
    ["o3-pro", {}, "api.deepseek.com", "deepseek-chat", "Bearer test-deepseek-key"],
    ["mistral-large-latest", {}, "api.mistral.ai", "mistral-large-latest", "Bearer test-mistral-key"],
    ["mistral-fast", {}, "api.mistral.ai", "mistral-small-latest", "Bearer test-mistral-key"],
    ["codestral-latest", {}, "api.mistral.ai", "codestral-latest", "Bearer test-mistral-key"],
    ["claude-3-5-sonnet", {}, "api.deepseek.com", "deepseek-chat", "Bearer test-deepseek-key"],
    [null, {}, "api.deepseek.com", "deepseek-chat", "Bearer test-deepseek-key"],
    ["llama-3", { "x-tier": "vip" }, "api.openai.com", "gpt-4.1", "Bearer test-openai-key"],
    ["gpt-4o", { "x-tier": "vip" }, "api.openai.com", "gpt-4o", "Bearer test-openai-key"],
    [null, { "x-tier": "vip" }, "api.deepseek.com", "deepseek-chat", "Bearer test-deepseek-key"],
  ] as const)("model %s %o goes to %s as %s", (model, headers, authority, upstreamModel, auth) => {
    const stream = host.createStream();
    const body = JSON.stringify({ ...(model ? { model } : {}), messages: [{ role: "user", content: "hi" }] });
    stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "router.llm", ...headers }, body);
    expect(stream.localResponse).toBeNull();
    expect(stream.requestHeader(":authority")).toBe(authority);
    expect(stream.requestHeader("authorization")).toBe(auth);
    expect((json(stream.upstreamBodyText()) as { model: string }).model).toBe(upstreamModel);
    expect(stream.requestHeader("content-length")).toBe(String(stream.upstreamBody.length));
  });

  it("lists, for GET /v1/models, the models of every route the host may use", () => {
    const stream = host.createStream();
    stream.sendRequest({ ":method": "GET", ":path": "/v1/models", ":authority": "router.llm" });
    const list = json(stream.localResponse!.body) as { data: { id: string; owned_by: string }[] };
    expect(list.data.map((m) => [m.id, m.owned_by])).toEqual([
      ["o3", "openai"], ["codestral-latest", "mistral"], ["mistral-fast", "mistral"], ["mistral-small-latest", "mistral"], ["deepseek-chat", "deepseek"],
    ]);
    // The vip route's header condition does not hold here, so its fixed model is not offered.
    const vip = host.createStream();
    vip.sendRequest({ ":method": "GET", ":path": "/v1/models", ":authority": "router.llm", "x-tier": "vip" });
    expect((json(vip.localResponse!.body) as { data: { id: string }[] }).data.map((m) => m.id)).toContain("gpt-4.1");
  });

  it("holds the headers until the body is read: nothing goes upstream before", () => {
    const stream = host.createStream();
    stream.sendRequestHeaders({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "router.llm" });
    stream.sendRequestBody('{"model":"gpt-4o",');
    expect(stream.upstreamHeaders).toBeNull();
    stream.sendRequestBody('"messages":[]}', true);
    expect(stream.upstreamHeaders).not.toBeNull();
    expect(stream.requestHeader(":authority")).toBe("api.openai.com");
  });

  it.each([
    ["bad JSON", '{"model":"gpt-4o",', 400],
    ["a bad model", '{"model":"gpt 4o"}', 400],
    ["no model anywhere", '{"messages":[]}', 200],
  ])("answers %s without ever sending headers upstream", (_name, body, status) => {
    const stream = host.createStream();
    stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "router.llm" }, body);
    if (status === 200) expect(stream.requestHeader(":authority")).toBe("api.deepseek.com");
    else {
      expect(stream.localResponse?.status).toBe(status);
      expect(stream.upstreamHeaders).toBeNull();
    }
  });

  it("answers 404 model_not_found when the host is llm-mesh's but no route serves the model", async () => {
    const { host: strict } = await loadFilter({ ...ROUTER_CONFIG, routes: ROUTER_CONFIG.routes.slice(0, 2) }, { allowOnHeadersStopIteration: true });
    for (const body of ['{"model":"claude-3-5-sonnet"}', '{"messages":[]}']) {
      const stream = strict.createStream();
      stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "router.llm" }, body);
      expect(stream.localResponse?.status).toBe(404);
      expect((json(stream.localResponse!.body) as { error: { code: string } }).error.code).toBe("model_not_found");
      expect(stream.upstreamHeaders).toBeNull();
    }
  });

  it("is refused in headers mode, saying how to switch", async () => {
    const { configured, host: refused } = await loadFilter({ ...ROUTER_CONFIG, requestMode: "headers" });
    expect(configured).toBe(false);
    expect(refused.logText("error").join("\n")).toContain('routes[0].match.models: needs requestMode "body"');
  });
});

describe("VM memory gauge", () => {
  it("reports linear memory on tick once the VM serves requests", async () => {
    const { host } = await loadFilter(ALL_TYPES_CONFIG, { env: ALL_TYPES_ENV, properties: { plugin_vm_id: "test-vm" } });
    // A first tick soon after configuration (tokens are asked for there), then one every 100 ms (metrics are handed to Envoy there).
    expect(host.tickPeriodMs).toBe(20);
    host.tick();
    expect(host.tickPeriodMs).toBe(100);
    const gauge = () => host.labelled("llm_mesh_vm_memory_bytes");
    expect(gauge().map((g) => g.value)).toEqual([0n]);
    const stream = host.createStream();
    stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "openai.llm" }, '{"model":"gpt-4o"}');
    host.tick();
    // Labelled by VM, so several llm-mesh VMs in one Envoy each have their own.
    expect(gauge().map((g) => [g.labels.llm_mesh_vm, g.value])).toEqual([["test-vm", BigInt(host.memoryBytes())]]);
  });

  it("garbage is collected between callbacks: linear memory stays flat over 4,000 requests", async () => {
    const { host } = await loadFilter(ALL_TYPES_CONFIG, { env: ALL_TYPES_ENV });
    const prompt = "x".repeat(4000); // about 20 KB of garbage per request: 80 MB over the run if nothing were freed
    const serve = (n: number) => {
      for (let i = 0; i < n; i++) {
        const stream = host.createStream();
        stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "openai.llm", "content-type": "application/json" }, JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: prompt }] }));
        stream.sendResponseHeaders({ ":status": "200", "content-type": "application/json" });
        stream.sendResponseBody(JSON.stringify({ choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }], usage: { prompt_tokens: 1000, completion_tokens: 1, total_tokens: 1001 } }), true);
        stream.complete();
        expect(stream.upstreamBody.length).toBeGreaterThan(4000);
      }
    };
    serve(500);
    const settled = host.memoryBytes();
    serve(3500);
    expect(host.memoryBytes()).toBe(settled);
    expect(settled).toBeLessThanOrEqual(4 << 20);
  });

  it("the example config's VM serving 1 KB requests holds at most 1 MiB of linear memory (issue 25: 1.5 MiB with 1 MiB of garbage allowed)", async () => {
    const keys = { OPENAI_API_KEY: "k-openai", DASHSCOPE_API_KEY: "k-dashscope", DEEPSEEK_API_KEY: "k-deepseek", ANTHROPIC_API_KEY: "k-anthropic" };
    const { host, configured } = await loadFilter(examplePluginConfig(), { env: keys });
    expect(configured).toBe(true);
    const request = JSON.stringify({ model: "gpt-4o", messages: [{ role: "system", content: "You are terse." }, { role: "user", content: "Say \"ok\". ".repeat(90) }] });
    expect(request.length).toBeGreaterThan(1000);
    for (let i = 0; i < 3000; i++) {
      const stream = host.createStream();
      stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "llm.local", "content-type": "application/json" }, request);
      stream.sendResponseHeaders({ ":status": "200", "content-type": "application/json" });
      stream.sendResponseBody(JSON.stringify({ choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }], usage: { prompt_tokens: 231, completion_tokens: 1, total_tokens: 232 } }), true);
      stream.complete();
      expect(stream.upstreamBody.length).toBeGreaterThan(1000);
    }
    expect(host.memoryBytes()).toBeLessThanOrEqual(1 << 20);
  });

  it("without a VM id (Istio leaves it empty), the gauge is labelled with the plugin's name", async () => {
    const { host } = await loadFilter(ALL_TYPES_CONFIG, { env: ALL_TYPES_ENV, properties: { plugin_vm_id: "", plugin_name: "llm-apps.llm-mesh" } });
    host.createStream().sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": "openai.llm" }, '{"model":"gpt-4o"}');
    host.tick();
    expect(host.labelled("llm_mesh_vm_memory_bytes").map((g) => g.labels.llm_mesh_vm)).toEqual(["llm-apps.llm-mesh"]);
  });
});

describe("first matching route wins, whatever mix of host and hostless routes (the host index keeps config order)", () => {
  const provider = (name: string) => ({ name, type: "openai-compatible", host: `${name}.example`, apiKeys: [{ value: `${name}-key` }] });
  const config = {
    providers: ["a", "b", "c", "d", "e"].map(provider),
    routes: [
      { name: "vip-any-host", match: { headers: [{ name: "x-tier", exact: "vip" }] }, backends: [{ provider: "a" }] },
      { name: "x-beta", match: { host: "x.llm", headers: [{ name: "x-beta", present: true }] }, backends: [{ provider: "b" }] },
      { name: "suffix", match: { host: "*.suffix.llm" }, backends: [{ provider: "c" }] },
      { name: "x", match: { host: "x.llm" }, backends: [{ provider: "d" }] },
      { name: "x-port", match: { host: "x.llm:8080" }, backends: [{ provider: "e" }] },
      { name: "beta-any-host", match: { headers: [{ name: "x-beta", present: true }] }, backends: [{ provider: "e" }] },
    ],
    requestMode: "body",
  };
  it.each([
    ["x.llm", {}, "d"],
    ["x.llm", { "x-tier": "vip" }, "a"],
    ["x.llm", { "x-beta": "1" }, "b"],
    ["X.LLM:80", {}, "d"],
    ["x.llm:8080", {}, "e"],
    ["e.example", { "x-beta": "1" }, "e"],
    ["a.suffix.llm", { "x-beta": "1" }, "c"],
    ["a.suffix.llm", { "x-tier": "vip" }, "a"],
  ] as const)("%s %o goes to provider %s", async (authority, headers, provider) => {
    const { host, configured } = await loadFilter(config, { allowOnHeadersStopIteration: true });
    expect(configured, host.logText().join("\n")).toBe(true);
    const stream = host.createStream();
    stream.sendRequest({ ":method": "POST", ":path": "/v1/chat/completions", ":authority": authority, ":scheme": "http", ...headers }, JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }));
    expect(stream.localResponse, stream.localResponse?.body).toBeNull();
    expect(stream.requestHeader("authorization")).toBe(`Bearer ${provider}-key`);
  });
});
