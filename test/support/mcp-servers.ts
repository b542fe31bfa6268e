// MCP servers for the tests of MCP routes, built with the official SDK (McpServer and its Streamable
// HTTP transport on node:http, 127.0.0.1, a port the OS picks), answering as JSON or as SSE streams,
// with stateful sessions (Mcp-Session-Id). Each records every message that reached it (HTTP method,
// JSON-RPC method, tool name, session, the credentials it was sent), so a test can say a refused
// call never got there and the server's token arrived instead of the client's. Also a broken
// server (raw node:http: garbage, 500, a stream cut mid-event) for the error paths.
import { randomUUID } from "node:crypto";
import { IncomingMessage, ServerResponse } from "node:http";
import { McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { LoopbackServer } from "./loopback-server.js";

/** How the server answers POSTs: one JSON body, or an SSE stream per request. */
export type AnswerMode = "json" | "sse";

/** One HTTP request that reached the server, and each JSON-RPC message in its body. */
export interface Received {
  httpMethod: string;
  path: string;
  /** JSON-RPC method (undefined for a response, or a body that was not JSON-RPC). */
  rpcMethod?: string;
  /** params.name of tools/call and prompts/get; params.uri of resources/read. */
  name?: string;
  /** params.arguments of tools/call, as received. */
  arguments?: Record<string, unknown>;
  sessionId?: string;
  authorization?: string;
  apiKey?: string;
  headers: IncomingMessage["headers"];
}

/** Bytes of the huge_result tool's text (larger than the tests' maxMessageBytes). */
export const HUGE_RESULT_BYTES = 200_000;
/** The address contact_owner's result holds, for the mask rule over results. */
export const OWNER_EMAIL = "alice.owner@example.org";

/** A server's tools, resources and prompts, registered on each session's McpServer. */
export type Catalog = (server: McpServer) => void;

const text = (t: string) => ({ content: [{ type: "text" as const, text: t }] });

/**
 * Server A: three issue tools, plus one with a huge result, one whose result holds an e-mail address,
 * one echoing its arguments, one whose result a deny rule refuses, one that reports a tool error.
 */
export const SERVER_A: Catalog = (s) => {
  s.registerTool("get_issue", { description: "Get an issue", inputSchema: { number: z.number() } }, async ({ number }) => text(`issue #${number}: it is broken`));
  s.registerTool("search_issues", { description: "Search issues", inputSchema: { query: z.string() } }, async ({ query }) => ({
    ...text(`2 issues match ${query}`), structuredContent: { count: 2, query },
  }));
  s.registerTool("delete_repo", { description: "Delete the repository", inputSchema: { repo: z.string() } }, async ({ repo }) => text(`deleted ${repo}`));
  s.registerTool("huge_result", { description: "A result larger than the route's limit" }, async () => text("x".repeat(HUGE_RESULT_BYTES)));
  s.registerTool("contact_owner", { description: "Who owns the repository" }, async () => text(`write to ${OWNER_EMAIL} for access`));
  s.registerTool("echo", { description: "Echo the arguments", inputSchema: { text: z.string() } }, async (args) => text(JSON.stringify(args)));
  s.registerTool("show_query", { description: "A result the route's deny rule refuses" }, async () => text("the last query was: DROP TABLE users"));
  s.registerTool("failing_tool", { description: "Always a tool error" }, async () => ({ ...text("it failed"), isError: true }));
  s.registerResource("readme", "repo://readme", { mimeType: "text/plain" }, async (uri) => ({ contents: [{ uri: uri.href, text: "the readme" }] }));
  s.registerResource("keys", "secret://keys", { mimeType: "text/plain" }, async (uri) => ({ contents: [{ uri: uri.href, text: "the keys" }] }));
  s.registerResource("file", new ResourceTemplate("repo://files/{path}", { list: undefined }), { mimeType: "text/plain" }, async (uri) => ({ contents: [{ uri: uri.href, text: "a file" }] }));
  s.registerResource("vault", new ResourceTemplate("secret://vault/{name}", { list: undefined }), { mimeType: "text/plain" }, async (uri) => ({ contents: [{ uri: uri.href, text: "a secret" }] }));
  s.registerPrompt("summarize", { description: "Summarize an issue", argsSchema: { number: z.string() } }, ({ number }) => ({
    messages: [{ role: "user", content: { type: "text", text: `summarize issue ${number}` } }],
  }));
  s.registerPrompt("admin_prompt", { description: "For admins" }, () => ({ messages: [{ role: "user", content: { type: "text", text: "admin" } }] }));
};

/** Server B: another server, other tools. */
export const SERVER_B: Catalog = (s) => {
  s.registerTool("list_items", { description: "List inventory items" }, async () => text("3 items"));
  s.registerTool("get_item", { description: "Get an item", inputSchema: { id: z.string() } }, async ({ id }) => text(`item ${id}`));
  s.registerTool("drop_items", { description: "Drop every item" }, async () => text("dropped"));
};

/** Reads a request's body whole. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
}

/** What a recording keeps of a request, before its messages. */
function seen(req: IncomingMessage): Omit<Received, "rpcMethod" | "name" | "arguments"> {
  return { httpMethod: req.method ?? "", path: req.url ?? "", sessionId: header(req, "mcp-session-id"), authorization: header(req, "authorization"), apiKey: header(req, "x-api-key"), headers: req.headers };
}

/** One record per JSON-RPC message of a parsed body (a batch gives several). */
function messages(parsed: unknown): Pick<Received, "rpcMethod" | "name" | "arguments">[] {
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.map((m) => {
    const msg = (m ?? {}) as { method?: unknown; params?: { name?: unknown; uri?: unknown; arguments?: Record<string, unknown> } };
    const name = msg.params?.name ?? msg.params?.uri;
    return {
      rpcMethod: typeof msg.method === "string" ? msg.method : undefined,
      name: typeof name === "string" ? name : undefined,
      arguments: msg.method === "tools/call" ? msg.params?.arguments : undefined,
    };
  });
}

/**
 * An MCP server from the SDK: one McpServer and transport per session (stateful, as most remote
 * servers are), answering as `mode` says.
 */
export class SdkMcpServer extends LoopbackServer {
  readonly received: Received[] = [];
  private readonly sessions = new Map<string, StreamableHTTPServerTransport>();

  constructor(private readonly catalog: Catalog, readonly mode: AnswerMode, readonly name = "mcp-test-server") { super(); }

  /** The tools/call (or other method's) records, by name: what reached the server. */
  calls(rpcMethod = "tools/call", name?: string): Received[] {
    return this.received.filter((r) => r.rpcMethod === rpcMethod && (name === undefined || r.name === name));
  }

  /** Session ids the server has handed out and not closed. */
  get openSessions(): string[] { return [...this.sessions.keys()]; }

  protected handle(req: IncomingMessage, res: ServerResponse): void {
    this.serve(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`test server error: ${(error as Error).message}`);
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const base = seen(req);
    let parsed: unknown;
    if (req.method === "POST") {
      const body = await readBody(req);
      try { parsed = JSON.parse(body.toString("utf8")); } catch { parsed = undefined; }
      for (const m of messages(parsed)) this.received.push({ ...base, ...m });
    } else {
      this.received.push(base);
    }
    const sessionId = base.sessionId;
    let transport = sessionId ? this.sessions.get(sessionId) : undefined;
    if (!transport && !sessionId && req.method === "POST" && isInitializeRequest(parsed)) {
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: this.mode === "json",
        onsessioninitialized: (id) => { this.sessions.set(id, created); },
        onsessionclosed: (id) => { this.sessions.delete(id); },
      });
      const server = new McpServer({ name: this.name, version: "1.0.0" });
      this.catalog(server);
      await server.connect(created);
      transport = created;
    }
    if (!transport) {
      res.writeHead(sessionId ? 404 : 400, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32000, message: sessionId ? "unknown session" : "no session" } }));
      return;
    }
    await transport.handleRequest(req, res, parsed);
  }

  override async close(): Promise<void> {
    for (const t of this.sessions.values()) await t.close().catch(() => undefined);
    this.sessions.clear();
    await super.close();
  }
}

/** What the broken server does with a POST. */
export type BrokenMode = "garbage" | "status500" | "cut-sse" | "close";

/**
 * A server that is not one: answers initialize properly (so an SDK client connects), then every
 * other POST as `mode` says: a 200 "application/json" that is not JSON, a 500 in text, an SSE
 * stream cut mid-event, or a connection closed before any answer.
 */
export class BrokenMcpServer extends LoopbackServer {
  mode: BrokenMode = "garbage";
  readonly received: Received[] = [];

  calls(rpcMethod = "tools/call"): Received[] { return this.received.filter((r) => r.rpcMethod === rpcMethod); }

  protected handle(req: IncomingMessage, res: ServerResponse): void {
    void readBody(req).then((body) => {
      let parsed: unknown;
      try { parsed = JSON.parse(body.toString("utf8")); } catch { parsed = undefined; }
      for (const m of messages(parsed)) this.received.push({ ...seen(req), ...m });
      const msg = parsed as { id?: unknown; method?: string } | undefined;
      if (req.method !== "POST") { res.writeHead(405).end(); return; }
      if (msg?.method === "initialize") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ jsonrpc: "2.0", id: msg.id, result: { protocolVersion: "2025-06-18", capabilities: { tools: {} }, serverInfo: { name: "broken", version: "0" } } }));
        return;
      }
      if (msg?.id === undefined) { res.writeHead(202).end(); return; } // notifications
      switch (this.mode) {
        case "garbage":
          res.writeHead(200, { "content-type": "application/json" });
          res.end("<html>this is not JSON-RPC{");
          return;
        case "status500":
          res.writeHead(500, { "content-type": "text/plain" });
          res.end("internal error");
          return;
        case "cut-sse":
          res.writeHead(200, { "content-type": "text/event-stream" });
          res.write(`event: message\ndata: {"jsonrpc":"2.0","id":${JSON.stringify(msg.id)},"result":{"content":[{"type":"te`);
          setTimeout(() => res.socket?.destroy(), 20);
          return;
        case "close":
          res.socket?.destroy();
          return;
      }
    });
  }
}
