// An MCP server (https://modelcontextprotocol.io/specification/2025-06-18/basic/transports#streamable-http)
// as a provider: its host, its endpoint path (basePath) and its credential, a bearer token from
// apiKeys or from the GKE metadata server. It speaks JSON-RPC, never an LLM API: its routes are MCP
// routes (pipelines/mcp-request.ts), and no LLM operation is sent to it.
import { JsonValue } from "../json/parse";
import { Diagnostics } from "../fields/diagnostics";
import { Operation, WireApi } from "../api";
import { gkeAccessToken, gkeMetadataCluster } from "./platform-token";
import { Provider, ProviderSpec } from "./provider";

/** Provider fields that shape LLM request bodies or answers: an MCP server has none of them. */
export const LLM_ONLY_FIELDS = ["defaults", "overrides", "prices", "injectStreamUsage", "maxOutputTokens", "allowClientHeaders"];

export class McpServer extends Provider {
  /** The Envoy cluster of the metadata server, when the token comes from it. */
  metadataCluster: string | null = null;

  api(): WireApi { return WireApi.Mcp; }
  supports(_op: Operation): bool { return false; }
  isMcpServer(): bool { return true; }

  extraFields(): string[] { return ["tokenFromMetadataServer", "metadataCluster"]; }

  configureExtra(obj: JsonValue, path: string, d: Diagnostics): void {
    for (let i = 0; i < LLM_ONLY_FIELDS.length; i++) {
      if (obj.get(LLM_ONLY_FIELDS[i]) !== null) d.error(path + "." + LLM_ONLY_FIELDS[i], "is not for type mcp (an MCP server's requests and answers are JSON-RPC, not an LLM API)");
    }
    this.metadataCluster = gkeMetadataCluster(obj, path, d);
    if (this.metadataCluster !== null) this.token = gkeAccessToken(this.metadataCluster!);
  }

  loadCredentials(_env: Map<string, string>, path: string, d: Diagnostics): void {
    if (this.metadataCluster !== null && this.keys.length > 0) d.error(path + ".apiKeys", "cannot be given with tokenFromMetadataServer: true (the token comes from the metadata server)");
  }

  sharedCredentialKey(): string | null { return this.token !== null ? "llm-mesh.credential.mcp." + this.name + "." + this.metadataCluster! : null; }

  /** The endpoint path itself (basePath); empty: the client's own path is kept (request/mcp-admit.ts). */
  upstreamPath(_op: Operation, _fixedModel: string | null): string { return this.basePath; }
}

export function createMcp(spec: ProviderSpec): Provider { return new McpServer(spec); }
