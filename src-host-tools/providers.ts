// What the toolchain knows of each provider type. The types and their endpoint defaults are the
// filter's own table, assembly/providers/catalog.ts, imported here as it is compiled there; below is
// what each family's class does that the toolchain's mocks and manifests need (the API it speaks,
// where its key goes, its chat path, its regional host), one entry per family. Adding a vendor that
// speaks OpenAI's API is one row in that table and nothing here.
import { PROVIDER_ROWS } from "../assembly/providers/catalog.js";

export interface ProviderTypeInfo {
  /** Empty when the user must give a host (or, for regional types, a region). */
  host: string;
  /** 0: no port in :authority, TLS on 443 upstream. */
  port: number;
  basePath: string;
  /** The filter refuses the type without apiKeys (Azure and Vertex AI ask for a key or a platform token in their own loaders). */
  keyRequired: boolean;
  /** Header that carries the key: authorization takes "Bearer KEY", the others the key alone. */
  authHeader: "authorization" | "api-key" | "x-api-key" | "x-goog-api-key";
  /** How the key is sent: as the header's value (Bearer for authorization), or an AWS SigV4 signature of the request. */
  auth?: "sigv4";
  /** The API the endpoint speaks; clients of another API are translated by the filter. mcp: an MCP server (JSON-RPC, never translated). */
  api: "openai" | "anthropic" | "gemini" | "bedrock" | "mcp";
  /** Path after basePath for a chat request ({model}: the model sent; non-streaming); empty for mcp, whose basePath is the endpoint. */
  chatPath: string;
  /** The path depends on the body (model, streaming): the provider needs requestMode "body". */
  pathFromBody?: boolean;
  /** The host for a region (Bedrock, Vertex AI), as the family's defaultHost() in the filter. */
  regionalHost?: (region: string) => string;
}

type FamilyInfo = Omit<ProviderTypeInfo, "host" | "port" | "basePath" | "keyRequired">;

const OPENAI_FAMILY: FamilyInfo = { api: "openai", authHeader: "authorization", chatPath: "/chat/completions" };

/** By the `family` column of the filter's table: the class that serves the row (assembly/providers/registry.ts). */
const FAMILIES: Record<string, FamilyInfo> = {
  "openai": OPENAI_FAMILY,
  "compatible": OPENAI_FAMILY,
  "azure-openai": { ...OPENAI_FAMILY, authHeader: "api-key" },
  "anthropic": { api: "anthropic", authHeader: "x-api-key", chatPath: "/messages" },
  "gemini": { api: "gemini", authHeader: "x-goog-api-key", chatPath: "/models/{model}:generateContent", pathFromBody: true },
  "bedrock": { api: "bedrock", authHeader: "authorization", auth: "sigv4", chatPath: "/model/{model}/converse", pathFromBody: true,
    regionalHost: (region) => `bedrock-runtime.${region}.amazonaws.com` },
  "vertex-ai": { api: "gemini", authHeader: "authorization", chatPath: "/v1/projects/p/locations/us-central1/publishers/google/models/{model}:generateContent", pathFromBody: true,
    regionalHost: (region) => (region === "global" ? "aiplatform.googleapis.com" : `${region}-aiplatform.googleapis.com`) },
  // An MCP server: JSON-RPC at its own endpoint path (basePath, required), a bearer token when it takes one.
  "mcp": { api: "mcp", authHeader: "authorization", chatPath: "" },
};

export const PROVIDER_TYPES: Record<string, ProviderTypeInfo> = Object.fromEntries(PROVIDER_ROWS.map((row) => {
  const family = FAMILIES[row.family];
  if (!family) throw new Error(`assembly/providers/catalog.ts: type ${row.type} has family ${row.family}, which src-host-tools/providers.ts does not know`);
  return [row.type, { host: row.host, port: row.port, basePath: row.basePath, keyRequired: row.keyRequired, ...family }];
}));

/** The parts of a provider entry in the plugin config that decide where it sends requests. */
export interface ProviderEndpointConfig { name: string; type: string; host?: string; port?: number; basePath?: string; region?: string; project?: string }

/** Where a configured provider's requests go: authority as the filter writes it, and TLS or not. */
export interface ProviderEndpoint { name: string; host: string; port: number; authority: string; tls: boolean }

/** Bedrock's and Vertex AI's hosts are per region. */
export function regionalHost(p: ProviderEndpointConfig): string | undefined {
  return p.region ? PROVIDER_TYPES[p.type]?.regionalHost?.(p.region) : undefined;
}

/** A Kubernetes service name (NAME.NAMESPACE.svc[.cluster.local]): inside the mesh, whose mTLS protects it. */
export function isClusterServiceHost(host: string): boolean {
  const h = host.toLowerCase();
  return h.endsWith(".svc") || h.endsWith(".svc.cluster.local");
}

/**
 * Resolves a provider's endpoint as the filter does; port 0 or 443 means TLS on 443. A cluster
 * service is the exception: apps speak plain HTTP to it (the mesh adds mTLS), on port 80 when
 * none is given, so the toolchain never originates TLS to it.
 */
export function providerEndpoint(p: ProviderEndpointConfig): ProviderEndpoint {
  const info = PROVIDER_TYPES[p.type];
  if (!info) throw new Error(`unknown provider type ${p.type}`);
  const host = p.host ?? regionalHost(p) ?? info.host;
  const port = p.port ?? info.port;
  const authority = port > 0 ? `${host}:${port}` : host;
  if (isClusterServiceHost(host)) return { name: p.name, host, port: port > 0 ? port : 80, authority, tls: false };
  const tls = port === 0 || port === 443;
  return { name: p.name, host, port: port > 0 ? port : 443, authority, tls };
}
