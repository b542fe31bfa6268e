// Real Envoy with llm-mesh in front of MCP servers on loopback, and the SDK's client pointed at it.
// Each mcp provider gets a virtual host and a cluster named as Istio names a ServiceEntry's
// (outbound|PORT||HOST), what the filter's destination guard accepts, sent to the provider's test
// server; the route's own host (match.host) joins its provider's virtual host. Built here rather
// than by the toolchain's bootstrap so these tests read only the filter's behaviour. No route
// timeout: the GET stream lives as long as its session.
import { readFileSync } from "node:fs";
import { ClientRequest, IncomingMessage, request } from "node:http";
import { request as tlsRequest } from "node:https";
import { Readable } from "node:stream";
import { stringify } from "yaml";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { listener, wasmFilter } from "../../src-host-tools/envoy/bootstrap.js";
import { locateEnvoy } from "../../src-host-tools/envoy/locate.js";
import { RunningEnvoy, startEnvoy } from "../../src-host-tools/envoy/process.js";
import { statsConfig, statsTags } from "../../src-host-tools/telemetry/envoy.js";
import { WASM_PATH } from "./filter.js";

export interface McpProvider { name: string; type: "mcp"; host: string; port: number; basePath?: string; apiKeys?: { value: string }[] }
export interface McpPluginConfig { providers: McpProvider[]; routes: { name: string; match: { host: string }; backends: { provider: string }[] }[] & Record<string, unknown>[]; [k: string]: unknown }

/** The MCP metrics' labels (docs: the MCP spec), as Prometheus labels beside the toolchain's own tag rules. */
export const MCP_LABELS = ["mcp_method_name", "gen_ai_tool_name", "error_type", "llm_mesh_mcp_server"];

function mcpStatsTags(): { tag_name: string; regex: string }[] {
  const tags = statsTags();
  for (const name of MCP_LABELS) if (!tags.some((t) => t.tag_name === name)) tags.push({ tag_name: name, regex: `(${name}=\\.=(.*?);\\.;)` });
  return tags;
}

/** Envoy with llm-mesh; each provider's cluster sends to `upstreams[provider name]` on 127.0.0.1. */
export async function startMcpEnvoy(pluginConfig: McpPluginConfig, upstreams: Record<string, number>, options: { accessLogPath?: string; withoutFilter?: boolean; downstreamMtls?: { cert: string; key: string; ca: string } } = {}): Promise<RunningEnvoy> {
  const cluster = (p: McpProvider) => `outbound|${p.port}||${p.host}`;
  const virtualHosts = pluginConfig.providers.map((p) => {
    const aliases = pluginConfig.routes.filter((r) => r.backends[0]?.provider === p.name).map((r) => r.match.host);
    const domains = [...new Set([`${p.host}:${p.port}`, p.host, ...aliases, ...aliases.map((a) => `${a}:80`)])];
    return { name: cluster(p), domains, routes: [{ match: { prefix: "/" }, route: { cluster: cluster(p), timeout: "0s" } }] };
  });
  virtualHosts.push({ name: "not_rewritten", domains: ["*"], routes: [{ match: { prefix: "/" }, direct_response: { status: 404, body: { inline_string: "no route\n" } } } as never] });
  const clusters = pluginConfig.providers.map((p) => ({
    name: cluster(p), type: "STATIC", connect_timeout: "2s",
    load_assignment: { cluster_name: cluster(p), endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: upstreams[p.name] } } } }] }] },
  }));
  const filter = wasmFilter({ wasmPath: WASM_PATH, pluginConfig: { ...pluginConfig, requestMode: "body" } as never });
  const bootstrap = {
    admin: { address: { socket_address: { address: "127.0.0.1", port_value: 0 } } },
    stats_config: { ...statsConfig(), stats_tags: mcpStatsTags() },
    stats_flush_interval: "1s",
    static_resources: { listeners: [listener("llm_mesh", 0, { name: "mcp_routes", virtual_hosts: virtualHosts }, options.withoutFilter ? [] : [filter], 17 << 20, options.accessLogPath, options.downstreamMtls)], clusters },
  };
  return await startEnvoy({ envoyPath: locateEnvoy().path, config: stringify(bootstrap, { lineWidth: 0 }), ...(options.accessLogPath ? { fileFlushIntervalMs: 200 } : {}) });
}

/**
 * A fetch that sends a chosen Host (fetch itself always sends the URL's) and honours the abort
 * signal (the SDK aborts its GET stream on close), so the SDK's transport can aim at Envoy's port.
 */
export function hostFetch(host: string, answers?: { method: string; status: number; contentType: string }[], tls?: ClientTls): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const req = new Request(input, init);
    const url = new URL(req.url);
    const body = req.body ? Buffer.from(await req.arrayBuffer()) : undefined;
    const headers: Record<string, string> = { ...Object.fromEntries(req.headers), host };
    return await new Promise<Response>((resolve, reject) => {
      const options = { host: url.hostname, port: url.port, path: url.pathname + url.search, method: req.method, headers, signal: init?.signal ?? undefined };
      const send = (cb: (res: IncomingMessage) => void): ClientRequest => (tls
        ? tlsRequest({ ...options, servername: "localhost", ca: readFileSync(tls.ca), cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, cb)
        : request(options, cb));
      const r = send((res) => {
        answers?.push({ method: req.method, status: res.statusCode ?? 0, contentType: String(res.headers["content-type"] ?? "") });
        const responseHeaders = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) responseHeaders.set(k, Array.isArray(v) ? v.join(", ") : v);
        const nullBody = res.statusCode === 202 || res.statusCode === 204 || res.statusCode === 304;
        if (nullBody) res.resume();
        resolve(new Response(nullBody ? null : (Readable.toWeb(res) as ReadableStream), { status: res.statusCode, headers: responseHeaders }));
      });
      r.on("error", reject);
      r.end(body);
    });
  }) as typeof fetch;
}

/** A workload's mesh identity: its client certificate (URI SAN a SPIFFE id) and the mesh CA. */
export interface ClientTls { ca: string; cert: string; key: string }

/** An SDK client connected through Envoy to the route for `host`, sending `headers` (a gateway key, a credential), over mTLS with `tls`. */
export interface ConnectedClient {
  client: Client;
  transport: StreamableHTTPClientTransport;
  /** Every HTTP answer the client got: method, status, content type. */
  answers: { method: string; status: number; contentType: string }[];
}

export async function connectClient(envoyUrl: string, host: string, headers: Record<string, string> = {}, tls?: ClientTls): Promise<ConnectedClient> {
  const answers: ConnectedClient["answers"] = [];
  const url = new URL("/mcp", tls ? envoyUrl.replace(/^http:/, "https:") : envoyUrl);
  const transport = new StreamableHTTPClientTransport(url, {
    fetch: hostFetch(host, answers, tls), requestInit: { headers },
    reconnectionOptions: { maxRetries: 0, initialReconnectionDelay: 100, maxReconnectionDelay: 100, reconnectionDelayGrowFactor: 1 },
  });
  const client = new Client({ name: "llm-mesh-test-agent", version: "1.0.0" });
  await client.connect(transport);
  return { client, transport, answers };
}
