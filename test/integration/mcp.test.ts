// MCP routes in real Envoy, driven by the official MCP TypeScript SDK on both sides (issue 26 item 7):
// servers answering as JSON and as SSE streams, stateful sessions (each bound to the agent that
// opened it), agents known by their gateway keys with per-server tool allow-lists. A refused call
// is answered by llm-mesh in the protocol's own shape and never reaches the server; lists are
// filtered; the server's token replaces the client's credentials; a broken server, a bad JSON-RPC
// message and a huge result each get a clear error; deny and mask rules over arguments and results;
// the calls counted in Envoy's stats.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent } from "node:http";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newKey } from "../../src-host-tools/config/consumer-key.js";
import { RunningEnvoy } from "../../src-host-tools/envoy/process.js";
import { MeshCerts, makeMeshCerts } from "../../src-host-tools/telemetry/mesh-certs.js";
import { send } from "../support/envoy.js";
import { AnswerMode, BrokenMcpServer, BrokenMode, OWNER_EMAIL, SdkMcpServer, SERVER_A, SERVER_B } from "../support/mcp-servers.js";
import { ConnectedClient, McpPluginConfig, connectClient, hostFetch, startMcpEnvoy } from "../support/mcp-stack.js";

/** The server's session id in the one a client got through llm-mesh (tagged for its caller: SERVERID.TAG). */
function serverId(clientId: string | undefined): string {
  expect(clientId).toMatch(/^[0-9a-f-]{36}\.[0-9a-f]{32}$/);
  return clientId!.slice(0, -33);
}

const ALPHA_TOKEN = "alpha-server-token-7f3e";
const CLIENT_SECRET = "client-own-secret-9c1d";
const MAX_MESSAGE_BYTES = 65536;
const triage = newKey();
/** The triage agent's second key (a rotation): the same consumer. */
const triageSecond = newKey();
const release = newKey();
const inventory = newKey();
const metered = newKey();
const crowded = newKey();

const config: McpPluginConfig = {
  requestMode: "body",
  providers: [
    { name: "alpha", type: "mcp", host: "alpha.mcp.test", port: 8080, basePath: "/mcp", apiKeys: [{ value: ALPHA_TOKEN }] },
    { name: "beta", type: "mcp", host: "beta.mcp.test", port: 8080, basePath: "/mcp" },
    { name: "broken", type: "mcp", host: "broken.mcp.test", port: 8080, basePath: "/mcp" },
  ],
  routes: [
    {
      name: "alpha-tools", match: { host: "alpha.mcp.test" }, backends: [{ provider: "alpha" }], requireConsumer: true,
      mcp: { tools: ["get_issue"], maxMessageBytes: MAX_MESSAGE_BYTES },
      policy: { deny: [{ name: "sql", contains: "DROP TABLE" }], mask: [{ builtin: "email" }] },
    },
    // No requireConsumer: callers without a consumer get the route's own lists.
    { name: "beta-tools", match: { host: "beta.mcp.test" }, backends: [{ provider: "beta" }], mcp: { tools: ["list_items", "get_item"] } },
    { name: "broken-tools", match: { host: "broken.mcp.test" }, backends: [{ provider: "broken" }] },
  ],
  consumers: [
    { name: "triage-agent", keys: [triage.stored, triageSecond.stored], mcp: [{ server: "alpha", tools: ["get_issue", "search_*"], resources: ["repo://*"], prompts: ["summarize"] }] },
    { name: "release-agent", keys: [release.stored], mcp: [{ server: "alpha", tools: ["delete_repo", "echo", "huge_result", "contact_owner", "show_query", "failing_tool"] }] },
    { name: "inventory-agent", keys: [inventory.stored], routes: ["beta-tools", "broken-tools"], mcp: [{ server: "beta", tools: ["*"] }] },
    // Its MCP calls count against its request quota.
    { name: "metered-agent", keys: [metered.stored], routes: ["beta-tools"], mcp: [{ server: "beta", tools: ["*"] }], limits: [{ requestsPerMinute: 3, route: "beta-tools" }] },
    { name: "crowded-agent", keys: [crowded.stored], routes: ["beta-tools"], mcp: [{ server: "beta", tools: ["*"] }], limits: [{ requestsPerMinute: 10, route: "beta-tools" }] },
  ],
};

const bearer = (k: { key: string }) => ({ authorization: `Bearer ${k.key}` });
const names = (list: { name: string }[]) => list.map((t) => t.name).sort();

/** The McpError a call rejected with (fails the test when it resolved or threw something else). */
async function mcpError(p: Promise<unknown>): Promise<McpError> {
  const error = await p.then(() => undefined, (e: unknown) => e);
  expect(error, "expected the call to be refused").toBeInstanceOf(McpError);
  return error as McpError;
}

describe.each<AnswerMode>(["json", "sse"])("MCP routes through real Envoy, the SDK's server answering as %s", (mode) => {
  const alpha = new SdkMcpServer(SERVER_A, mode, "alpha");
  const beta = new SdkMcpServer(SERVER_B, mode, "beta");
  const broken = new BrokenMcpServer();
  let envoy: RunningEnvoy;
  const logDir = mkdtempSync(join(tmpdir(), "llm-mesh-mcp-"));
  const accessLog = join(logDir, "access.log");
  const clients: ConnectedClient[] = [];
  const connect = async (host: string, headers: Record<string, string> = {}) => {
    const c = await connectClient(envoy.url, host, headers);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    const upstreams = { alpha: await alpha.start(), beta: await beta.start(), broken: await broken.start() };
    envoy = await startMcpEnvoy(config, upstreams, { accessLogPath: accessLog });
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) await c.client.close().catch(() => undefined);
    await envoy?.stop();
    await Promise.all([alpha.close(), beta.close(), broken.close()]);
    rmSync(logDir, { recursive: true, force: true });
  });

  describe("tool allow-lists by identity", () => {
    it("an agent allowed two of three issue tools lists exactly those two and calls both", async () => {
      const { client } = await connect("alpha.mcp.test", bearer(triage));
      expect(names((await client.listTools()).tools)).toEqual(["get_issue", "search_issues"]);
      expect(await client.callTool({ name: "get_issue", arguments: { number: 26 } })).toMatchObject({ content: [{ type: "text", text: "issue #26: it is broken" }] });
      expect(await client.callTool({ name: "search_issues", arguments: { query: "mcp" } })).toMatchObject({ structuredContent: { count: 2, query: "mcp" } });
      expect(alpha.calls("tools/call").map((r) => r.name)).toEqual(expect.arrayContaining(["get_issue", "search_issues"]));
    });

    it("the third tool is refused by llm-mesh with -32602 in JSON-RPC's shape, and never reaches the server", async () => {
      const { client } = await connect("alpha.mcp.test", bearer(triage));
      const error = await mcpError(client.callTool({ name: "delete_repo", arguments: { repo: "llm-mesh" } }));
      expect(error.code).toBe(-32602);
      expect(error.message).toContain('tool "delete_repo" is not allowed for this caller (llm-mesh)');
      expect(error.data).toEqual({ reason: "llm_mesh.not_allowed" });
      expect(alpha.calls("tools/call", "delete_repo")).toEqual([]);
      // The session goes on: the next allowed call is answered.
      expect(await client.callTool({ name: "get_issue", arguments: { number: 1 } })).toMatchObject({ content: [{ text: "issue #1: it is broken" }] });
    });

    it("another identity on the same server sees and calls another set", async () => {
      const { client } = await connect("alpha.mcp.test", bearer(release));
      expect(names((await client.listTools()).tools)).toEqual(["contact_owner", "delete_repo", "echo", "failing_tool", "huge_result", "show_query"]);
      expect(await client.callTool({ name: "delete_repo", arguments: { repo: "old" } })).toMatchObject({ content: [{ text: "deleted old" }] });
      const before = alpha.calls("tools/call", "get_issue").length;
      expect((await mcpError(client.callTool({ name: "get_issue", arguments: { number: 1 } }))).code).toBe(-32602);
      expect(alpha.calls("tools/call", "get_issue")).toHaveLength(before);
    });

    it("resources, resource templates and prompts are filtered and refused the same way", async () => {
      const { client } = await connect("alpha.mcp.test", bearer(triage));
      expect((await client.listResources()).resources.map((r) => r.uri)).toEqual(["repo://readme"]);
      expect((await client.listResourceTemplates()).resourceTemplates.map((r) => r.uriTemplate)).toEqual(["repo://files/{path}"]);
      expect(names((await client.listPrompts()).prompts)).toEqual(["summarize"]);
      expect(await client.readResource({ uri: "repo://readme" })).toMatchObject({ contents: [{ text: "the readme" }] });
      expect(await client.getPrompt({ name: "summarize", arguments: { number: "26" } })).toMatchObject({ messages: [{ content: { text: "summarize issue 26" } }] });
      const reads = alpha.calls("resources/read").length;
      const prompts = alpha.calls("prompts/get").length;
      expect((await mcpError(client.readResource({ uri: "secret://keys" }))).code).toBe(-32602);
      expect((await mcpError(client.readResource({ uri: "secret://vault/db" }))).code).toBe(-32602);
      expect((await mcpError(client.getPrompt({ name: "admin_prompt" }))).code).toBe(-32602);
      expect(alpha.calls("resources/read")).toHaveLength(reads);
      expect(alpha.calls("prompts/get")).toHaveLength(prompts);
    });

    it("on a route without requireConsumer, callers without an mcp entry get the route's list; a consumer's entry widens it", async () => {
      const anonymous = await connect("beta.mcp.test");
      expect(names((await anonymous.client.listTools()).tools)).toEqual(["get_item", "list_items"]);
      expect((await mcpError(anonymous.client.callTool({ name: "drop_items", arguments: {} }))).code).toBe(-32602);
      const triageOnBeta = await connect("beta.mcp.test", bearer(triage));
      expect(names((await triageOnBeta.client.listTools()).tools)).toEqual(["get_item", "list_items"]);
      const agent = await connect("beta.mcp.test", bearer(inventory));
      expect(names((await agent.client.listTools()).tools)).toEqual(["drop_items", "get_item", "list_items"]);
      expect(await agent.client.callTool({ name: "drop_items", arguments: {} })).toMatchObject({ content: [{ text: "dropped" }] });
      expect(beta.calls("tools/call", "drop_items")).toHaveLength(1);
    });
  });

  describe("identity refusals", () => {
    it("a caller without a consumer on a requireConsumer route gets 401, as a JSON-RPC error, and the server sees nothing", async () => {
      const before = alpha.received.length;
      const error = await connectClient(envoy.url, "alpha.mcp.test").then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(StreamableHTTPError);
      expect((error as StreamableHTTPError).code).toBe(401);
      const wrongKey = await connectClient(envoy.url, "alpha.mcp.test", { authorization: "Bearer llmm_000000000000_nope" }).then(() => undefined, (e: unknown) => e);
      expect((wrongKey as StreamableHTTPError).code).toBe(401);
      const raw = await send(envoy.url, { host: "alpha.mcp.test", path: "/mcp", headers: { accept: "application/json, text/event-stream" }, body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/list" }) });
      expect(raw.status).toBe(401);
      expect(raw.json()).toMatchObject({ jsonrpc: "2.0", error: { code: expect.any(Number), message: expect.any(String) } });
      expect(alpha.received.length).toBe(before);
    });

    it("a consumer whose routes leave this one out gets 403", async () => {
      const before = alpha.received.length;
      const raw = await send(envoy.url, { host: "alpha.mcp.test", path: "/mcp", headers: { accept: "application/json, text/event-stream", ...bearer(inventory) }, body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/list" }) });
      expect(raw.status).toBe(403);
      expect(raw.json()).toMatchObject({ jsonrpc: "2.0", error: { code: expect.any(Number) } });
      expect(alpha.received.length).toBe(before);
    });
  });

  describe("sessions, streams and credentials", () => {
    it("the session survives several calls: one Mcp-Session-Id on the server for all of them", async () => {
      const { client, transport } = await connect("alpha.mcp.test", bearer(triage));
      const session = serverId(transport.sessionId);
      const from = alpha.received.length;
      for (let i = 0; i < 5; i++) await client.callTool({ name: "get_issue", arguments: { number: i } });
      await client.listTools();
      const posts = alpha.received.slice(from).filter((r) => r.httpMethod === "POST");
      expect(posts).toHaveLength(6);
      expect(new Set(posts.map((r) => r.sessionId))).toEqual(new Set([session]));
      expect(alpha.openSessions).toContain(session);
    });

    it(`answers arrive as the server sent them (${mode === "sse" ? "text/event-stream" : "application/json"}), filtered lists included`, async () => {
      const c = await connect("alpha.mcp.test", bearer(triage));
      const from = c.answers.length;
      expect(names((await c.client.listTools()).tools)).toEqual(["get_issue", "search_issues"]);
      await c.client.callTool({ name: "get_issue", arguments: { number: 3 } });
      const posts = c.answers.slice(from).filter((a) => a.method === "POST");
      expect(posts.map((a) => [a.status, a.contentType.split(";")[0]])).toEqual([[200, mode === "sse" ? "text/event-stream" : "application/json"], [200, mode === "sse" ? "text/event-stream" : "application/json"]]);
    });

    it("the server gets its own bearer token; the client's Authorization and x-api-key never reach it", async () => {
      const { client } = await connect("alpha.mcp.test", { ...bearer(triage), "x-api-key": CLIENT_SECRET });
      await client.callTool({ name: "get_issue", arguments: { number: 9 } });
      // Every request that reached the server, from every client so far, GET and DELETE included.
      expect(new Set(alpha.received.map((r) => r.authorization))).toEqual(new Set([`Bearer ${ALPHA_TOKEN}`]));
      expect(alpha.received.filter((r) => r.apiKey !== undefined)).toEqual([]);
      const everything = JSON.stringify([...alpha.received, ...beta.received, ...broken.received].map((r) => r.headers));
      expect(everything).not.toContain("llmm_");
      expect(everything).not.toContain(CLIENT_SECRET);
      // A server without apiKeys gets no Authorization at all, not the client's.
      const b = await connect("beta.mcp.test", { ...bearer(inventory), "x-api-key": CLIENT_SECRET });
      await b.client.callTool({ name: "list_items", arguments: {} });
      expect(beta.received.every((r) => r.authorization === undefined && r.apiKey === undefined)).toBe(true);
    });

    it("the GET stream and DELETE pass: the server sees both, and the session ends", async () => {
      const { client, transport } = await connect("alpha.mcp.test", bearer(triage));
      await client.listTools();
      const session = serverId(transport.sessionId);
      expect(alpha.received.some((r) => r.httpMethod === "GET" && r.sessionId === session)).toBe(true);
      await transport.terminateSession();
      expect(alpha.received.some((r) => r.httpMethod === "DELETE" && r.sessionId === session)).toBe(true);
      expect(alpha.openSessions).not.toContain(session);
    });
  });

  // The server sees every caller with its one token, so it cannot tell whose session an id is:
  // llm-mesh gives each caller the server's id tagged for it, and takes back only ids tagged for the
  // caller that sends them (assembly/request/mcp-session.ts).
  describe("sessions bound to the caller that opened them", () => {
    const asB = (method: string, session: string, key = release) => send(envoy.url, {
      host: "alpha.mcp.test", path: "/mcp", method,
      headers: { accept: "application/json, text/event-stream", "mcp-session-id": session, "mcp-protocol-version": "2025-06-18", ...bearer(key) },
      ...(method === "POST" ? { body: JSON.stringify({ jsonrpc: "2.0", id: 41, method: "tools/list" }) } : {}),
    });
    const onSession = (session: string) => alpha.received.filter((r) => r.sessionId === session).length;

    it("another consumer sending A's Mcp-Session-Id (POST, GET, DELETE) gets 404 with a JSON-RPC error; the server sees none of it; A goes on", async () => {
      const a = await connect("alpha.mcp.test", bearer(triage));
      await a.client.listTools();
      const tagged = a.transport.sessionId!;
      const session = serverId(tagged);
      const before = onSession(session);
      // A's id as A got it, and the server's own id bare: neither is B's.
      for (const id of [tagged, session]) {
        for (const method of ["POST", "GET", "DELETE"]) {
          const reply = await asB(method, id);
          expect(reply.status, `${method}: ${reply.body}`).toBe(404);
          expect(reply.json(), method).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32001, message: expect.stringContaining("not one llm-mesh gave this caller"), data: { reason: "llm_mesh.session_not_yours" } } });
        }
      }
      expect(onSession(session)).toBe(before);
      expect(alpha.openSessions).toContain(session);
      // A's session is untouched: listed, called, still one session id on the server.
      expect(names((await a.client.listTools()).tools)).toEqual(["get_issue", "search_issues"]);
      expect(await a.client.callTool({ name: "get_issue", arguments: { number: 41 } })).toMatchObject({ content: [{ text: "issue #41: it is broken" }] });
      expect(a.transport.sessionId).toBe(tagged);
      expect(onSession(session)).toBe(before + 2);
    });

    it("the binding is to the consumer, not the key: A's other key uses the session", async () => {
      const a = await connect("alpha.mcp.test", bearer(triage));
      await a.client.listTools();
      const session = serverId(a.transport.sessionId);
      const before = onSession(session);
      const reply = await asB("POST", a.transport.sessionId!, triageSecond);
      expect(reply.status, reply.body).toBe(200);
      expect(reply.body).toContain("search_issues");
      expect(reply.body).not.toContain("delete_repo");
      expect(onSession(session)).toBe(before + 1);
    });

    it("after A's DELETE, A's id reaches the server, which answers it does not know the session; B's use of it is still refused by llm-mesh", async () => {
      const a = await connect("alpha.mcp.test", bearer(triage));
      await a.client.listTools();
      const tagged = a.transport.sessionId!;
      const session = serverId(tagged);
      await a.transport.terminateSession();
      expect(alpha.openSessions).not.toContain(session);
      const before = onSession(session);
      const own = await asB("POST", tagged, triage);
      expect(onSession(session)).toBe(before + 1);
      expect(own.status, own.body).toBe(404);
      expect(own.body).not.toContain("llm_mesh.session_not_yours");
      expect(own.json()).toMatchObject({ jsonrpc: "2.0", error: { code: -32000, message: "unknown session" } });
      expect((await asB("POST", tagged)).json()).toMatchObject({ error: { data: { reason: "llm_mesh.session_not_yours" } } });
      expect(onSession(session)).toBe(before + 1);
    });
  });

  describe("quotas", () => {
    it("a consumer's requests per minute count its MCP calls: the fourth gets 429 as a JSON-RPC error with retry-after, and never reaches the server", async () => {
      const post = (id: number) => send(envoy.url, {
        host: "beta.mcp.test", path: "/mcp", method: "POST",
        headers: { accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-06-18", ...bearer(metered) },
        body: JSON.stringify({ jsonrpc: "2.0", id, method: "tools/list" }),
      });
      const before = beta.received.length;
      for (const id of [1, 2, 3]) expect((await post(id)).status, `call ${id}`).not.toBe(429);
      expect(beta.received.length).toBe(before + 3);
      const limited = await post(4);
      expect(limited.status, limited.body).toBe(429);
      expect(limited.json()).toMatchObject({ jsonrpc: "2.0", error: { code: -32600, message: expect.stringContaining("limit of 3 requests per minute"), data: { reason: "llm_mesh.rate_limit_exceeded" } } });
      expect(limited.headers["retry-after"]).toBeDefined();
      expect(beta.received.length).toBe(before + 3);
    });

    it("64 clients at once against a limit of 10 per minute: exactly 10 calls reach the server, 54 get 429", async () => {
      const before = beta.received.length;
      const replies = await Promise.all(Array.from({ length: 64 }, (_, id) => send(envoy.url, {
        host: "beta.mcp.test", path: "/mcp", method: "POST",
        headers: { accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-06-18", ...bearer(crowded) },
        body: JSON.stringify({ jsonrpc: "2.0", id, method: "tools/list" }),
        agent: new Agent({ keepAlive: false }),
      })));
      expect(replies.filter((r) => r.status === 429)).toHaveLength(54);
      expect(beta.received.length - before).toBe(10);
    });
  });

  describe("clear errors", () => {
    // A stream cut mid-event cannot be answered by anyone once its headers are out: the client sees
    // the stream end with an error at once (the SDK then waits for its own request timeout).
    it.each<BrokenMode>(["garbage", "status500", "cut-sse", "close"])("a broken server (%s): the client gets an error at once, no hang, and the next request on the same Envoy is answered", async (brokenMode) => {
      broken.mode = brokenMode;
      const { client } = await connect("broken.mcp.test");
      const streamErrors: string[] = [];
      client.onerror = (e) => { streamErrors.push(e.message); };
      // The SDK opens its GET stream on its own time: count the calls only.
      const before = broken.calls("tools/call").length;
      const call = client.callTool({ name: "anything", arguments: {} }, undefined, { timeout: 20_000 }).then(() => "answered", (e: unknown) => e as Error);
      const outcome = await Promise.race([call, new Promise<"pending">((r) => setTimeout(() => r("pending"), 5000))]);
      if (brokenMode === "cut-sse" && outcome === "pending") expect(streamErrors.join("\n")).toMatch(/disconnected|aborted|terminated|closed/i);
      else {
        expect(outcome, "the call must fail, not be answered nor hang").toBeInstanceOf(Error);
        expect((outcome as Error).message).not.toMatch(/timed out/i);
      }
      expect(broken.calls("tools/call")).toHaveLength(before + 1);
      const next = await connect("alpha.mcp.test", bearer(triage));
      expect(names((await next.client.listTools()).tools)).toEqual(["get_issue", "search_issues"]);
    }, 40_000);

    const headers = { accept: "application/json, text/event-stream", ...bearer(triage) };
    it.each([
      ["not JSON", "{not json", {}, -32700],
      ["jsonrpc missing", '{"id":1,"method":"tools/list"}', {}, -32600],
      ["jsonrpc not 2.0", '{"jsonrpc":"1.0","id":1,"method":"tools/list"}', {}, -32600],
      ["a duplicate method key", '{"jsonrpc":"2.0","id":1,"method":"tools/list","method":"tools/call"}', {}, -32600],
      ["a method that is not a string", '{"jsonrpc":"2.0","id":1,"method":7}', {}, -32600],
      ["a null id", '{"jsonrpc":"2.0","id":null,"method":"tools/list"}', {}, -32600],
      ["an unknown top-level member", '{"jsonrpc":"2.0","id":1,"method":"tools/list","extra":true}', {}, -32600],
      ["params that are not an object", '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":"delete_repo"}', {}, -32600],
      ["a batch under protocol version 2025-06-18", '[{"jsonrpc":"2.0","id":1,"method":"tools/list"}]', { "mcp-protocol-version": "2025-06-18" }, -32600],
      ["a batch under protocol version 2025-11-25", '[{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","id":2,"method":"tools/list"}]', { "mcp-protocol-version": "2025-11-25" }, -32600],
      ["a protocol version that is not a date", '{"jsonrpc":"2.0","id":1,"method":"tools/list"}', { "mcp-protocol-version": "latest" }, undefined],
      ["a session id over 256 bytes", '{"jsonrpc":"2.0","id":1,"method":"tools/list"}', { "mcp-session-id": "s".repeat(300) }, undefined],
    ] as const)("%s: HTTP 400 with a JSON-RPC error, nothing sent to the server", async (_name, body, extra, code) => {
      const before = alpha.received.length;
      const reply = await send(envoy.url, { host: "alpha.mcp.test", path: "/mcp", headers: { ...headers, ...extra }, body });
      expect(reply.status, reply.body).toBe(400);
      const answer = reply.json();
      expect(answer).toMatchObject({ jsonrpc: "2.0", error: { code: code ?? expect.any(Number), message: expect.any(String) } });
      if (code === -32700) expect(answer.id).toBeNull();
      expect(alpha.received.length).toBe(before);
    });

    it("a batch without a protocol version (2025-03-26 rules) is let through to the server", async () => {
      const before = alpha.received.length;
      const body = '[{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","id":2,"method":"ping"}]';
      await send(envoy.url, { host: "alpha.mcp.test", path: "/mcp", headers, body });
      expect(alpha.received.slice(before).map((r) => r.rpcMethod)).toEqual(["tools/list", "ping"]);
    });

    it("another HTTP method is 405 with a JSON-RPC error", async () => {
      const reply = await send(envoy.url, { host: "alpha.mcp.test", path: "/mcp", method: "PUT", headers, body: "{}" });
      expect(reply.status).toBe(405);
      expect(reply.json()).toMatchObject({ jsonrpc: "2.0", error: { code: expect.any(Number) } });
    });

    it(`a result larger than maxMessageBytes is replaced by -32603 naming the limit`, async () => {
      const { client } = await connect("alpha.mcp.test", bearer(release));
      const error = await mcpError(client.callTool({ name: "huge_result", arguments: {} }));
      expect(error.code).toBe(-32603);
      expect(error.message).toContain(`limit of ${MAX_MESSAGE_BYTES} bytes (routes[].mcp.maxMessageBytes)`);
      expect(alpha.calls("tools/call", "huge_result").length).toBeGreaterThan(0);
      // The session goes on.
      expect(await client.callTool({ name: "echo", arguments: { text: "x" } })).toMatchObject({ content: [{ text: '{"text":"x"}' }] });
    });
  });

  describe("deny and mask rules over arguments and results", () => {
    it("a call whose arguments a deny rule matches is refused (-32602, naming the rule) and never reaches the server", async () => {
      const { client } = await connect("alpha.mcp.test", bearer(release));
      const error = await mcpError(client.callTool({ name: "echo", arguments: { text: "please DROP TABLE users" } }));
      expect(error.code).toBe(-32602);
      expect(error.message).toContain("refused by this route's content policy (rule sql)");
      expect(error.message).not.toContain("users");
      expect(alpha.calls("tools/call", "echo").some((r) => JSON.stringify(r.arguments).includes("DROP"))).toBe(false);
    });

    it("a result a deny rule matches is replaced by a JSON-RPC error; the call reached the server", async () => {
      const { client } = await connect("alpha.mcp.test", bearer(release));
      const error = await mcpError(client.callTool({ name: "show_query", arguments: {} }));
      expect(error.message).toContain("content policy");
      expect(error.message).not.toContain("DROP TABLE users");
      expect(alpha.calls("tools/call", "show_query").length).toBeGreaterThan(0);
    });

    it("an e-mail address in the arguments is masked before the server sees it, and in a result before the client does", async () => {
      const { client } = await connect("alpha.mcp.test", bearer(release));
      const echoed = await client.callTool({ name: "echo", arguments: { text: "mail bob@example.com now" } }) as { content: { text: string }[] };
      expect(alpha.calls("tools/call", "echo").at(-1)?.arguments).toEqual({ text: "mail [EMAIL] now" });
      expect(echoed.content[0].text).not.toContain("bob@example.com");
      const owner = await client.callTool({ name: "contact_owner", arguments: {} }) as { content: { text: string }[] };
      expect(owner.content[0].text).toBe("write to [EMAIL] for access");
      expect(JSON.stringify(owner)).not.toContain(OWNER_EMAIL);
    });

    it("a tool's own error (isError) passes to the client as a result", async () => {
      const { client } = await connect("alpha.mcp.test", bearer(release));
      expect(await client.callTool({ name: "failing_tool", arguments: {} })).toMatchObject({ isError: true, content: [{ text: "it failed" }] });
    });
  });

  describe("metrics", () => {
    /** llm_mesh_mcp_calls_total series as label maps with their values. */
    const series = async (metric: string) => {
      await new Promise((r) => setTimeout(r, 1200)); // the VM's tick hands its counts to Envoy
      const text = await (await fetch(`${envoy.adminUrl}/stats/prometheus`)).text();
      return text.split("\n").filter((l) => l.startsWith(`${metric}{`)).map((l) => {
        const labels = Object.fromEntries([...l.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
        return { labels, value: Number(l.slice(l.lastIndexOf(" ") + 1)) };
      });
    };
    const count = (all: { labels: Record<string, string>; value: number }[], want: Record<string, string>) =>
      all.filter((s) => Object.entries(want).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0);

    it("llm_mesh_mcp_calls_total counts calls by method, tool, error type, route, server and consumer", async () => {
      const all = await series("llm_mesh_mcp_calls_total");
      expect(all.length, "no llm_mesh_mcp_calls_total series in Envoy's stats").toBeGreaterThan(0);
      const alphaCall = (tool: string, error: string, consumer: string) => ({ mcp_method_name: "tools/call", gen_ai_tool_name: tool, error_type: error, llm_mesh_route: "alpha-tools", llm_mesh_mcp_server: "alpha", llm_mesh_consumer: consumer });
      expect(count(all, alphaCall("delete_repo", "denied", "triage-agent"))).toBe(1);
      expect(count(all, alphaCall("delete_repo", "none", "release-agent"))).toBe(1);
      expect(count(all, alphaCall("failing_tool", "tool_error", "release-agent"))).toBe(1);
      expect(count(all, alphaCall("search_issues", "none", "triage-agent"))).toBe(1);
      expect(count(all, { mcp_method_name: "tools/call", gen_ai_tool_name: "huge_result", llm_mesh_consumer: "release-agent" })).toBe(1);
      expect(count(all, alphaCall("huge_result", "none", "release-agent"))).toBe(0);
      expect(count(all, { mcp_method_name: "tools/list", llm_mesh_route: "alpha-tools", llm_mesh_consumer: "triage-agent", error_type: "none" })).toBeGreaterThanOrEqual(4);
      // A refused tool that no allow-list names exactly is labelled "other" (labels stay bounded).
      expect(count(all, { mcp_method_name: "tools/call", llm_mesh_route: "beta-tools", llm_mesh_mcp_server: "beta", gen_ai_tool_name: "other", error_type: "denied" })).toBe(1);
      // Every series carries the spec's labels.
      for (const s of all) expect(Object.keys(s.labels)).toEqual(expect.arrayContaining(["mcp_method_name", "error_type", "llm_mesh_route", "llm_mesh_mcp_server", "llm_mesh_consumer"]));
      // tools/list has no tool name.
      expect(all.filter((s) => s.labels.mcp_method_name === "tools/list" && (s.labels.gen_ai_tool_name ?? "") !== "")).toEqual([]);
    });

    it("a broken server's answers are counted as transport errors", async () => {
      const all = await series("llm_mesh_mcp_calls_total");
      expect(count(all, { llm_mesh_route: "broken-tools", llm_mesh_mcp_server: "broken", mcp_method_name: "tools/call", error_type: "http_5xx" })).toBeGreaterThanOrEqual(1);
      expect(count(all, { llm_mesh_route: "broken-tools", mcp_method_name: "tools/call", error_type: "none" })).toBe(0);
    });

    it("mcp_client_operation_duration_ms has a sample per call", async () => {
      const all = await series("mcp_client_operation_duration_ms_count");
      expect(count(all, { mcp_method_name: "tools/call", gen_ai_tool_name: "search_issues", llm_mesh_route: "alpha-tools" })).toBe(1);
    });

    it("the access log names the route, MCP method, tool and error; no credential in it", async () => {
      type Line = { consumer?: string; llm_mesh?: string; status?: number };
      let lines: Line[] = [];
      const fields = (l: Line) => (l.llm_mesh ? JSON.parse(l.llm_mesh) : {}) as Record<string, unknown>;
      const denied = (l: Line) => fields(l).tool === "delete_repo" && l.consumer === "triage-agent";
      for (let i = 0; i < 30 && !lines.some(denied); i++) {
        await new Promise((r) => setTimeout(r, 200));
        lines = existsSync(accessLog) ? readFileSync(accessLog, "utf8").split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Line) : [];
      }
      const refused = lines.find(denied);
      expect(refused && fields(refused), JSON.stringify(lines.at(-1))).toMatchObject({ route: "alpha-tools", mcp_method: "tools/call", tool: "delete_repo", mcp_error: expect.anything() });
      expect(fields(refused!).mcp_error).not.toBe("none");
      const answered = lines.find((l) => fields(l).tool === "search_issues");
      expect(answered && fields(answered)).toMatchObject({ route: "alpha-tools", mcp_method: "tools/call", tool: "search_issues" });
      const text = readFileSync(accessLog, "utf8");
      for (const secret of [ALPHA_TOKEN, CLIENT_SECRET, triage.key, release.key, "llmm_"]) expect(text).not.toContain(secret);
    });
  });
});

describe("two workloads known by their mesh identity (mTLS, SPIFFE ids) calling the same server", () => {
  const TRIAGE = "spiffe://cluster.local/ns/agents/sa/triage";
  const RELEASE = "spiffe://cluster.local/ns/agents/sa/release";
  const STRANGER = "spiffe://cluster.local/ns/shop/sa/frontend";
  const server = new SdkMcpServer(SERVER_A, "sse", "alpha");
  let certs: MeshCerts;
  let envoy: RunningEnvoy;
  const clients: ConnectedClient[] = [];
  const connectAs = async (id: string) => {
    const c = await connectClient(envoy.url, "alpha.mcp.test", {}, { ca: certs.ca, ...certs.clients[id] });
    clients.push(c);
    return c;
  };
  const as = async (id: string) => (await connectAs(id)).client;

  beforeAll(async () => {
    certs = makeMeshCerts([TRIAGE, RELEASE, STRANGER]);
    const byPrincipal: McpPluginConfig = {
      requestMode: "body",
      providers: [config.providers[0]],
      routes: [{ name: "alpha-tools", match: { host: "alpha.mcp.test" }, backends: [{ provider: "alpha" }], requireConsumer: true }],
      consumers: [
        { name: "triage-agent", principals: [TRIAGE], mcp: [{ server: "alpha", tools: ["get_issue", "search_*"] }] },
        { name: "release-agent", principals: [RELEASE], mcp: [{ server: "alpha", tools: ["delete_repo", "get_issue"] }] },
      ],
    };
    envoy = await startMcpEnvoy(byPrincipal, { alpha: await server.start() }, { downstreamMtls: { cert: certs.server.cert, key: certs.server.key, ca: certs.ca } });
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) await c.client.close().catch(() => undefined);
    await envoy?.stop();
    await server.close();
    certs?.remove();
  });

  it("each sees and calls its own tools; the other's is refused and never reaches the server", async () => {
    const triageAgent = await as(TRIAGE);
    const releaseAgent = await as(RELEASE);
    expect(names((await triageAgent.listTools()).tools)).toEqual(["get_issue", "search_issues"]);
    expect(names((await releaseAgent.listTools()).tools)).toEqual(["delete_repo", "get_issue"]);
    expect(await releaseAgent.callTool({ name: "delete_repo", arguments: { repo: "old" } })).toMatchObject({ content: [{ text: "deleted old" }] });
    expect((await mcpError(triageAgent.callTool({ name: "delete_repo", arguments: { repo: "prod" } }))).code).toBe(-32602);
    expect((await mcpError(releaseAgent.callTool({ name: "search_issues", arguments: { query: "x" } }))).code).toBe(-32602);
    expect(server.calls("tools/call").map((r) => r.name)).toEqual(["delete_repo"]);
  });

  it("a session is bound to the workload that opened it: another workload's certificate with its Mcp-Session-Id gets 404, the server sees none of it", async () => {
    const triage = await connectAs(TRIAGE);
    await triage.client.listTools();
    const session = triage.transport.sessionId!;
    const before = server.received.filter((r) => r.sessionId === session).length;
    const post = hostFetch("alpha.mcp.test", undefined, { ca: certs.ca, ...certs.clients[RELEASE] });
    const reply = await post(new URL("/mcp", envoy.url.replace(/^http:/, "https:")), {
      method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 5, method: "tools/list" }),
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-session-id": session, "mcp-protocol-version": "2025-06-18" },
    });
    expect(reply.status).toBe(404);
    expect(await reply.json()).toMatchObject({ jsonrpc: "2.0", error: { code: -32001, data: { reason: "llm_mesh.session_not_yours" } } });
    expect(server.received.filter((r) => r.sessionId === session)).toHaveLength(before);
    expect(names((await triage.client.listTools()).tools)).toEqual(["get_issue", "search_issues"]);
  });

  it("a workload without a consumer gets 401", async () => {
    const error = await as(STRANGER).then(() => undefined, (e: unknown) => e);
    expect((error as StreamableHTTPError).code).toBe(401);
  });

  it("the calls are counted by source principal and consumer", async () => {
    await new Promise((r) => setTimeout(r, 1200));
    const text = await (await fetch(`${envoy.adminUrl}/stats/prometheus`)).text();
    const line = text.split("\n").find((l) => l.startsWith("llm_mesh_mcp_calls_total{") && l.includes('gen_ai_tool_name="delete_repo"') && l.includes('error_type="denied"'));
    expect(line, "no denied delete_repo series").toBeDefined();
    expect(line).toContain(`source_principal="${TRIAGE}"`);
    expect(line).toContain('llm_mesh_consumer="triage-agent"');
  });
});
