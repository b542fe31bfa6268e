// A local stand-in for an MCP server (Streamable HTTP, JSON answers), for `llm-mesh envoy` and
// tests: POST takes one JSON-RPC message (initialize, tools/list, tools/call, ping; notifications
// get 202), checks the bearer token when the provider has keys, and answers as a server would,
// with a session id from initialize on. Its tools are the same for every mock server, so that
// allow-lists have something to filter: a read, a search and a destructive one.
import { IncomingMessage, ServerResponse } from "node:http";
import type { MockProviderConfig } from "./provider-config.js";

/** The tools every mock MCP server has. */
export const MOCK_MCP_TOOLS = ["get_issue", "search_code", "delete_repo"];

const SESSION = "mock-session-1";

function answer(res: ServerResponse, status: number, message: unknown, headers: Record<string, string> = {}): number {
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(message));
  return status;
}

const rpcError = (id: unknown, code: number, message: string) => ({ jsonrpc: "2.0", id: id ?? null, error: { code, message } });

/** Serves one request for MCP provider `p`; returns the HTTP status sent. */
export function serveMcp(p: MockProviderConfig & { apiKeys?: unknown[] }, req: IncomingMessage, res: ServerResponse, body: Record<string, unknown> | undefined): number {
  if (req.method === "DELETE") { res.writeHead(200).end(); return 200; }
  if (req.method !== "POST") return answer(res, 405, rpcError(null, -32000, `Method ${req.method} not allowed (this mock has no server stream)`));
  const keyed = (p.apiKeys?.length ?? 0) > 0 || p.acceptedKeys !== undefined;
  if (keyed) {
    const auth = String(req.headers.authorization ?? "");
    const key = auth.startsWith("Bearer ") ? auth.slice(7) : "";
    if (key === "" || (p.acceptedKeys !== undefined && !p.acceptedKeys.includes(key))) return answer(res, 401, rpcError(null, -32001, "missing or wrong bearer token"));
  }
  if (body === undefined || Array.isArray(body)) return answer(res, 400, rpcError(null, -32700, "Parse error"));
  const { id, method, params } = body as { id?: unknown; method?: string; params?: { name?: string } };
  if (id === undefined) { res.writeHead(202).end(); return 202; }
  const session = { "mcp-session-id": SESSION };
  switch (method) {
    case "initialize":
      return answer(res, 200, { jsonrpc: "2.0", id, result: { protocolVersion: "2025-06-18", capabilities: { tools: {} }, serverInfo: { name: `mock ${p.name}`, version: "1.0.0" } } }, session);
    case "ping":
      return answer(res, 200, { jsonrpc: "2.0", id, result: {} }, session);
    case "tools/list":
      return answer(res, 200, { jsonrpc: "2.0", id, result: { tools: MOCK_MCP_TOOLS.map((name) => ({ name, description: `${name} (mock ${p.name})`, inputSchema: { type: "object" } })) } }, session);
    case "tools/call": {
      const name = String(params?.name ?? "");
      if (!MOCK_MCP_TOOLS.includes(name)) return answer(res, 200, rpcError(id, -32602, `Unknown tool: ${name}`), session);
      return answer(res, 200, { jsonrpc: "2.0", id, result: { content: [{ type: "text", text: `${name} ran on mock ${p.name}` }], isError: false } }, session);
    }
    default:
      return answer(res, 200, rpcError(id, -32601, `Method not found: ${method}`), session);
  }
}
