// MCP routes in the host emulator: JSON-RPC checked before anything goes upstream, calls the caller
// may not make refused with a JSON-RPC error, list answers filtered (JSON and SSE), the server's
// credential set and the client's removed, content rules over arguments and results, answers past
// maxMessageBytes replaced. The same behaviour through real Envoy and the official SDK:
// test/integration/mcp.test.ts.
import { describe, expect, it } from "vitest";
import { newKey } from "../../src-host-tools/config/consumer-key.js";
import { HttpStream } from "../../src-host-tools/host/emulator.js";
import { json, loadFilter } from "../support/filter.js";

const alice = newKey(), bob = newKey();
const SERVER_TOKEN = "mcp-server-token-123";
const config = (extra: Record<string, unknown> = {}) => ({
  requestMode: "body",
  providers: [{ name: "gh", type: "mcp", host: "mcp.example.com", basePath: "/mcp", apiKeys: [{ value: SERVER_TOKEN }] }],
  routes: [{
    name: "tools", match: { host: "mcp.example.com" }, backends: [{ provider: "gh" }],
    mcp: { tools: ["get_*"], maxMessageBytes: 2048 },
    policy: { deny: [{ name: "sql", contains: "DROP TABLE" }], mask: [{ builtin: "email" }] },
    ...extra,
  }],
  consumers: [
    { name: "alice", keys: [alice.stored], mcp: [{ server: "gh", tools: ["get_issue", "search_issues"] }] },
    { name: "bob", keys: [bob.stored], mcp: [{ server: "gh", tools: ["delete_repo"] }] },
  ],
});

const TOOLS = ["get_issue", "search_issues", "delete_repo", "get_user"].map((name) => ({ name, inputSchema: { type: "object" } }));
const rpc = (id: number | string, method: string, params?: unknown) => JSON.stringify({ jsonrpc: "2.0", id, method, ...(params !== undefined ? { params } : {}) });
const decoder = new TextDecoder();

async function post(body: string, key?: string, headers: Record<string, string> = {}): Promise<HttpStream> {
  const { host, configured } = await loadFilter(config(), { allowOnHeadersStopIteration: true });
  expect(configured).toBe(true);
  const stream = host.createStream();
  stream.sendRequest({
    ":method": "POST", ":path": "/mcp", ":authority": "mcp.example.com", "content-type": "application/json",
    accept: "application/json, text/event-stream", ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers,
  }, body);
  return stream;
}

const header = (list: [string, string][] | null, name: string) => list?.find(([k]) => k === name)?.[1];

describe("MCP requests", () => {
  it("a call of a tool the caller may not use is answered here, never sent", async () => {
    const s = await post(rpc(7, "tools/call", { name: "delete_repo", arguments: {} }), alice.key);
    expect(s.upstreamHeaders).toBeNull();
    expect(s.localResponse!.status).toBe(200);
    expect(json(s.localResponse!.body)).toEqual({ jsonrpc: "2.0", id: 7, error: { code: -32602, message: "tool \"delete_repo\" is not allowed for this caller (llm-mesh)", data: { reason: "llm_mesh.not_allowed" } } });
  });

  it("an allowed call goes with the server's token, the client's key removed", async () => {
    const s = await post(rpc(1, "tools/call", { name: "get_issue", arguments: { n: 1 } }), alice.key);
    expect(s.localResponse).toBeNull();
    expect(header(s.upstreamHeaders, "authorization")).toBe(`Bearer ${SERVER_TOKEN}`);
    expect(header(s.upstreamHeaders, ":path")).toBe("/mcp");
    expect(JSON.stringify(s.upstreamHeaders)).not.toContain(alice.key);
  });

  it.each([
    ["not JSON", "{nope", -32700],
    ["jsonrpc missing", JSON.stringify({ id: 1, method: "ping" }), -32600],
    ["method twice", '{"jsonrpc":"2.0","id":1,"method":"ping","method":"tools/list"}', -32600],
    ["a case variant of method", '{"jsonrpc":"2.0","id":1,"method":"ping","Method":"tools/call"}', -32600],
    ["an unknown member", '{"jsonrpc":"2.0","id":1,"method":"ping","extra":1}', -32600],
    ["id null", '{"jsonrpc":"2.0","id":null,"method":"ping"}', -32600],
    ["tools/call without a name", rpc(1, "tools/call", { arguments: {} }), -32602],
    ["name twice", '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_issue","name":"delete_repo"}}', -32602],
  ])("%s: HTTP 400, a JSON-RPC error, nothing sent", async (_name, body, code) => {
    const s = await post(body, alice.key);
    expect(s.upstreamHeaders).toBeNull();
    expect(s.localResponse!.status).toBe(400);
    expect((json(s.localResponse!.body) as any).error.code).toBe(code);
  });

  it("a batch under protocol version 2025-06-18 is refused; under 2025-03-26 each call is checked", async () => {
    const batch = `[${rpc(1, "tools/call", { name: "get_issue" })},${rpc(2, "tools/call", { name: "delete_repo" })}]`;
    const later = await post(batch, alice.key, { "mcp-protocol-version": "2025-06-18" });
    expect(later.localResponse!.status).toBe(400);
    const old = await post(batch, alice.key, { "mcp-protocol-version": "2025-03-26" });
    expect(old.upstreamHeaders).toBeNull();
    const answers = json(old.localResponse!.body) as any[];
    expect(answers.map((a) => a.id)).toEqual([1, 2]);
    expect(answers[1].error.message).toContain("delete_repo");
  });

  it("the escaped name is the name checked (get_issue spelled with \\u escapes is still get_issue)", async () => {
    const s = await post('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"delete\\u005frepo"}}', alice.key);
    expect(s.localResponse!.status).toBe(200);
    expect(s.localResponse!.body).toContain("not allowed");
  });

  it("deny rules over arguments refuse; masks rewrite them", async () => {
    const denied = await post(rpc(3, "tools/call", { name: "get_issue", arguments: { q: "x; DROP TABLE users" } }), alice.key);
    expect(denied.upstreamHeaders).toBeNull();
    expect((json(denied.localResponse!.body) as any).error.message).toContain("rule sql");
    const masked = await post(rpc(4, "tools/call", { name: "get_issue", arguments: { who: "mail bob@example.com now" } }), alice.key);
    const sent = JSON.parse(decoder.decode(masked.upstreamBody));
    expect(sent.params.arguments.who).not.toContain("bob@example.com");
    expect(header(masked.upstreamHeaders, "content-length")).toBe(String(masked.upstreamBody.length));
  });

  it("requireConsumer without a key: 401 as a JSON-RPC error", async () => {
    const { host } = await loadFilter(config({ requireConsumer: true }), { allowOnHeadersStopIteration: true });
    const s = host.createStream();
    s.sendRequest({ ":method": "POST", ":path": "/mcp", ":authority": "mcp.example.com", "content-type": "application/json" }, rpc(1, "tools/list"));
    expect(s.localResponse!.status).toBe(401);
    expect((json(s.localResponse!.body) as any).jsonrpc).toBe("2.0");
  });
});

describe("MCP answers", () => {
  it.each(["json", "sse"])("tools/list is filtered to the caller's tools (%s)", async (mode) => {
    for (const [who, want] of [[alice.key, ["get_issue", "search_issues"]], [bob.key, ["delete_repo"]], [undefined, ["get_issue", "get_user"]]] as const) {
      const s = await post(rpc(5, "tools/list"), who);
      const message = JSON.stringify({ jsonrpc: "2.0", id: 5, result: { tools: TOOLS } });
      if (mode === "json") {
        s.sendResponseHeaders({ ":status": "200", "content-type": "application/json", "content-length": String(message.length) });
        s.sendResponseBody(message.slice(0, 40));
        s.sendResponseBody(message.slice(40), true);
        expect((json(decoder.decode(s.downstreamBody)) as any).result.tools.map((t: any) => t.name)).toEqual(want);
      } else {
        s.sendResponseHeaders({ ":status": "200", "content-type": "text/event-stream" });
        const events = `event: message\nid: ev-1\ndata: ${message}\n\n`;
        s.sendResponseBody(events.slice(0, 17));
        s.sendResponseBody(events.slice(17), true);
        const text = decoder.decode(s.downstreamBody);
        expect(text).toContain("id: ev-1\n");
        const data = text.split("\n").find((l) => l.startsWith("data: "))!.slice(6);
        expect((JSON.parse(data) as any).result.tools.map((t: any) => t.name)).toEqual(want);
      }
    }
  });

  it("a list answer with a repeated member is withheld, not passed unchecked", async () => {
    const s = await post(rpc(5, "tools/list"), alice.key);
    const message = `{"jsonrpc":"2.0","id":5,"result":{"tools":[],"tools":${JSON.stringify(TOOLS)}}}`;
    s.sendResponseHeaders({ ":status": "200", "content-type": "application/json" });
    s.sendResponseBody(message, true);
    const answer = json(decoder.decode(s.downstreamBody)) as any;
    expect(answer.error.data.reason).toBe("llm_mesh.bad_answer");
    expect(decoder.decode(s.downstreamBody)).not.toContain("delete_repo");
  });

  it("an answer over maxMessageBytes becomes a -32603 error naming the limit", async () => {
    const s = await post(rpc(9, "tools/call", { name: "get_issue" }), alice.key);
    s.sendResponseHeaders({ ":status": "200", "content-type": "application/json" });
    s.sendResponseBody(JSON.stringify({ jsonrpc: "2.0", id: 9, result: { content: [{ type: "text", text: "x".repeat(1500) }] } }));
    s.sendResponseBody("x".repeat(1000), true);
    const answer = json(decoder.decode(s.downstreamBody)) as any;
    expect(answer).toMatchObject({ id: 9, error: { code: -32603 } });
    expect(answer.error.message).toContain("maxMessageBytes");
  });

  it.each([["whole in one chunk", 1 << 20], ["in 1000-byte chunks", 1000], ["cut at the limit", 2048]])("an SSE event over maxMessageBytes becomes a -32603 event naming the limit (%s)", async (_name, piece) => {
    const s = await post(rpc(9, "tools/call", { name: "get_issue" }), alice.key);
    s.sendResponseHeaders({ ":status": "200", "content-type": "text/event-stream" });
    const events = `event: message\nid: 1\ndata: ${JSON.stringify({ jsonrpc: "2.0", id: 9, result: { content: [{ type: "text", text: "x".repeat(3000) }] } })}\n\n`;
    for (let i = 0; i < events.length; i += piece) s.sendResponseBody(events.slice(i, i + piece), i + piece >= events.length);
    const text = decoder.decode(s.downstreamBody);
    expect(text).not.toContain("xxxx");
    const data = text.split("\n").find((l) => l.startsWith("data: "))!.slice(6);
    expect(JSON.parse(data)).toMatchObject({ id: 9, error: { code: -32603 } });
    expect(data).toContain("maxMessageBytes");
  });

  it.each(["json", "sse"])("the access log's fields are written by the answer's end (Envoy logs before the stream is done) (%s)", async (mode) => {
    const s = await post(rpc(3, "tools/call", { name: "get_issue", arguments: {} }), alice.key);
    s.sendResponseHeaders({ ":status": "200", "content-type": mode === "json" ? "application/json" : "text/event-stream" });
    const message = JSON.stringify({ jsonrpc: "2.0", id: 3, result: { content: [{ type: "text", text: "ok" }], isError: true } });
    s.sendResponseBody(mode === "json" ? message : `event: message\ndata: ${message}\n\n`, true);
    expect(json(s.properties["llm_mesh.log"])).toEqual({ route: "tools", mcp_method: "tools/call", tool: "get_issue", mcp_error: "tool_error" });
  });

  it("tool results are masked; the server's token echoed back is redacted", async () => {
    const s = await post(rpc(2, "tools/call", { name: "get_issue" }), alice.key);
    s.sendResponseHeaders({ ":status": "200", "content-type": "application/json" });
    s.sendResponseBody(JSON.stringify({ jsonrpc: "2.0", id: 2, result: { content: [{ type: "text", text: `owner carol@example.com token ${SERVER_TOKEN}` }] } }), true);
    const text = decoder.decode(s.downstreamBody);
    expect(text).not.toContain("carol@example.com");
    expect(text).not.toContain(SERVER_TOKEN);
  });

  it("a resumed GET stream's replayed list answer is filtered too (by its shape, not by a request of this connection)", async () => {
    const { host } = await loadFilter(config(), { allowOnHeadersStopIteration: true });
    const s = host.createStream();
    // A session id the client was not given by llm-mesh (never tagged for it) is refused, as a server refuses an unknown session.
    const untagged = host.createStream();
    untagged.sendRequestHeaders({ ":method": "GET", ":path": "/mcp", ":authority": "mcp.example.com", accept: "text/event-stream", authorization: `Bearer ${alice.key}`, "mcp-session-id": "s-1" }, true);
    expect(untagged.localResponse!.status).toBe(404);
    s.sendRequestHeaders({ ":method": "GET", ":path": "/mcp", ":authority": "mcp.example.com", accept: "text/event-stream", authorization: `Bearer ${alice.key}`, "last-event-id": "ev-1" }, true);
    expect(header(s.upstreamHeaders, "authorization")).toBe(`Bearer ${SERVER_TOKEN}`);
    s.sendResponseHeaders({ ":status": "200", "content-type": "text/event-stream" });
    const note = JSON.stringify({ jsonrpc: "2.0", method: "notifications/tools/list_changed" });
    s.sendResponseBody(`id: ev-0\ndata: \n\ndata: ${note}\n\nid: ev-2\ndata: ${JSON.stringify({ jsonrpc: "2.0", id: 5, result: { tools: TOOLS } })}\n\n`, true);
    const text = decoder.decode(s.downstreamBody);
    expect(text.startsWith(`id: ev-0\ndata: \n\ndata: ${note}\n\n`)).toBe(true);
    expect(text).toContain("get_issue");
    expect(text).not.toContain("delete_repo");
  });

  it("a session id or protocol version that could split a header is refused", async () => {
    const bad = await post(rpc(1, "ping"), alice.key, { "mcp-session-id": "a b" });
    expect(bad.localResponse!.status).toBe(400);
    const version = await post(rpc(1, "ping"), alice.key, { "mcp-protocol-version": "latest" });
    expect(version.localResponse!.status).toBe(400);
  });

  it("each JSON-RPC request is one call in the metrics, refused ones too, by method, tool, error type, route, server and consumer", async () => {
    const { host } = await loadFilter(config(), { allowOnHeadersStopIteration: true });
    const send = (body: string) => {
      const s = host.createStream();
      s.sendRequest({ ":method": "POST", ":path": "/mcp", ":authority": "mcp.example.com", authorization: `Bearer ${alice.key}` }, body);
      return s;
    };
    const ok = send(rpc(1, "tools/call", { name: "get_issue" }));
    ok.sendResponseHeaders({ ":status": "200", "content-type": "application/json" });
    ok.sendResponseBody(JSON.stringify({ jsonrpc: "2.0", id: 1, result: { content: [], isError: true } }), true);
    const logged = ok.properties["llm_mesh.log"];
    ok.complete();
    send(rpc(2, "tools/call", { name: "delete_repo" })).complete();
    send(rpc(3, "tools/call", { name: "random_name_9f2" })).complete();
    host.tick();
    const labels = (tool: string, error: string) => `llm_mesh_route=.=tools;.;llm_mesh_mcp_server=.=gh;.;mcp_method_name=.=tools/call;.;gen_ai_tool_name=.=${tool};.;error_type=.=${error};.;llm_mesh_consumer=.=alice;.;`;
    const calls = [...host.metrics.values()].filter((m) => m.name.endsWith("llm_mesh.mcp.calls.total"));
    const named = (tool: string, error: string) => calls.find((m) => m.name.startsWith(labels(tool, error)))?.value;
    // The access log's fields are written when the answer ends (Envoy logs before the stream's last callback).
    expect(json(logged)).toEqual({ route: "tools", mcp_method: "tools/call", tool: "get_issue", mcp_error: "tool_error" });
    expect(named("get_issue", "tool_error")).toBe(1n);
    expect(named("delete_repo", "denied")).toBe(1n);
    // A name no list names exactly and the server never answered for: not a label of its own.
    expect(named("other", "denied")).toBe(1n);
    expect(calls.some((m) => m.name.includes("random_name_9f2"))).toBe(false);
  });

  it("an MCP server's token from the GKE metadata server is fetched by callout and sent only to it; none yet: 503 as a JSON-RPC error", async () => {
    const cfg = { requestMode: "body", providers: [{ name: "run", type: "mcp", host: "tools.example.run.app", basePath: "/mcp", tokenFromMetadataServer: true }],
      routes: [{ name: "run", match: { host: "tools.example.run.app" }, backends: [{ provider: "run" }] }] };
    const { host, configured } = await loadFilter(cfg, { allowOnHeadersStopIteration: true });
    expect(configured, host.logText("warn").join("\n")).toBe(true);
    const send = () => {
      const s = host.createStream();
      s.sendRequest({ ":method": "POST", ":path": "/mcp", ":authority": "tools.example.run.app", authorization: "Bearer client-own-token" }, rpc(1, "tools/list"));
      return s;
    };
    const early = send();
    expect(early.localResponse!.status).toBe(503);
    expect((json(early.localResponse!.body) as any).error.message).toMatch(/no access token from the metadata server yet/);
    host.tick();
    host.deliverHttpCallResponse(host.httpCalls[0].token, [[":status", "200"]], JSON.stringify({ access_token: "ya29.mcp-token", expires_in: 3599 }));
    const ok = send();
    expect(ok.requestHeader("authorization")).toBe("Bearer ya29.mcp-token");
    expect(JSON.stringify(ok.upstreamHeaders)).not.toContain("client-own-token");
  });

  it.each([
    [{ providers: [{ name: "m", type: "mcp", host: "h", defaults: { model: "x" } }] }, "providers[0].defaults: is not for type mcp"],
    [{ routes: [{ name: "r", match: { host: "h" }, backends: [{ provider: "m" }], failover: {} }] }, "routes[0].failover: is not for MCP routes"],
    [{ routes: [{ name: "r", match: { host: "h" }, backends: [{ provider: "m", model: "x" }] }] }, "routes[0].backends[0]: an MCP server's backend takes only provider"],
    [{ routes: [{ name: "r", match: { host: "h" }, backends: [{ provider: "m" }, { provider: "m" }] }] }, "routes[0].backends: an MCP route has exactly one backend"],
    [{ routes: [{ name: "r", match: { host: "h" }, backends: [{ provider: "m" }], mcp: { tools: [""] } }] }, "routes[0].mcp.tools[0]: must be a name"],
    [{ consumers: [{ name: "c", principals: ["spiffe://x"], mcp: [{ server: "nope", tools: ["a"] }] }] }, "consumers[0].mcp: no MCP server (provider of type mcp) named \"nope\""],
    [{ requestMode: "headers" }, "routes[0]: is an MCP route, which needs requestMode \"body\""],
  ])("bad MCP config is refused naming the field (%#)", async (patch, message) => {
    const base = { requestMode: "body", providers: [{ name: "m", type: "mcp", host: "h" }], routes: [{ name: "r", match: { host: "h" }, backends: [{ provider: "m" }] }] };
    const { host, configured } = await loadFilter({ ...base, ...patch });
    expect(configured).toBe(false);
    expect(host.logText("error").join("\n")).toContain(message);
  });

  it("a consumer's requests-per-minute quota counts its MCP calls: past it, 429 as a JSON-RPC error with retry-after, nothing sent", async () => {
    const quota = config();
    (quota.consumers as any[])[0].limits = [{ requestsPerMinute: 2, route: "tools" }];
    const { host } = await loadFilter(quota, { allowOnHeadersStopIteration: true, clock: () => 1_800_000_000_000_000_000n });
    const send = (id: number) => {
      const s = host.createStream();
      s.sendRequest({ ":method": "POST", ":path": "/mcp", ":authority": "mcp.example.com", authorization: `Bearer ${alice.key}` }, rpc(id, "tools/call", { name: "get_issue" }));
      return s;
    };
    for (const id of [1, 2]) {
      const ok = send(id);
      expect(ok.localResponse).toBeNull();
      ok.sendResponseHeaders({ ":status": "200", "content-type": "application/json" });
      ok.sendResponseBody(JSON.stringify({ jsonrpc: "2.0", id, result: { content: [] } }), true);
      ok.complete();
    }
    const limited = send(3);
    expect(limited.upstreamHeaders).toBeNull();
    expect(limited.localResponse!.status).toBe(429);
    expect((json(limited.localResponse!.body) as any)).toMatchObject({ jsonrpc: "2.0", error: { code: -32600, message: expect.stringContaining("limit of 2 requests per minute") } });
    expect(limited.localResponse!.headers.find(([k]: [string, string]) => k === "retry-after")).toBeDefined();
  });
});
