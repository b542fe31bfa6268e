// The MCP route the attack rows share: one server with a token, tools `get_*` for callers without
// a list of their own, a deny rule and an e-mail mask, and the consumers each file names.
import { newKey } from "../../src-host-tools/config/consumer-key.js";

export const MCP_SERVER_TOKEN = "mcp-server-token-7f3a9c";

type Key = ReturnType<typeof newKey>;

/** The config: `consumers` as [name, key, tools] (their list on the server), then overrides of the route and of the config. */
export function guardedMcpConfig(consumers: [string, Key, string[]][], route: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return {
    requestMode: "body",
    providers: [{ name: "gh", type: "mcp", host: "mcp.example.com", basePath: "/mcp", apiKeys: [{ value: MCP_SERVER_TOKEN }] }],
    routes: [{
      name: "tools", match: { host: "mcp.example.com" }, backends: [{ provider: "gh" }],
      mcp: { tools: ["get_*"], maxMessageBytes: 1 << 20 },
      policy: { deny: [{ name: "sql", contains: "DROP TABLE" }], mask: [{ builtin: "email" }] },
      ...route,
    }],
    consumers: consumers.map(([name, key, tools]) => ({ name, keys: [key.stored], mcp: [{ server: "gh", tools }] })),
    ...extra,
  } as Record<string, any>;
}
