// A minimal MCP server (Streamable HTTP, JSON answers) for tests that prove the mesh plumbing:
// which host, path and credentials a request arrived with, and that an allowed call is answered.
// One process stands in for several servers: the tools it has depend on the request's host.
// (The MCP behaviour itself is tested with the official SDK's server; this one only answers.)
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";

export interface McpReceived { host: string; path: string; authorization?: string; headers: Record<string, string | string[] | undefined>; body: { method?: string; params?: Record<string, unknown> } }

export class McpUpstream {
  readonly received: McpReceived[] = [];
  private server?: Server;

  /** @param toolsByHost the tools each server host has (the request's host without its port). */
  constructor(private readonly toolsByHost: Record<string, string[]>) {}

  async start(): Promise<number> {
    this.server = createServer((req, res) => this.answer(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const host = String(req.headers.host ?? "").replace(/:\d+$/, "");
      const body = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {};
      this.received.push({ host: String(req.headers.host ?? ""), path: req.url ?? "", authorization: req.headers.authorization, headers: req.headers, body });
      if (body.id === undefined) { res.writeHead(202).end(); return; }
      const tools = this.toolsByHost[host] ?? [];
      const result = body.method === "initialize"
        ? { protocolVersion: "2025-06-18", capabilities: { tools: {} }, serverInfo: { name: host, version: "1.0.0" } }
        : body.method === "tools/list"
          ? { tools: tools.map((name) => ({ name, description: `${name} on ${host}`, inputSchema: { type: "object" } })) }
          : body.method === "tools/call"
            ? { content: [{ type: "text", text: `${String(body.params?.name)} ran on ${host}` }], isError: !tools.includes(String(body.params?.name)) }
            : undefined;
      const message = result !== undefined ? { jsonrpc: "2.0", id: body.id, result } : { jsonrpc: "2.0", id: body.id, error: { code: -32601, message: "Method not found" } };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(message));
    });
  }
}
