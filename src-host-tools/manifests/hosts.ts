// The provider hosts a config reaches and the ports apps reach them on, as the mesh objects name
// them: external endpoints (a ServiceEntry each), alias hosts, and the ports the filter runs on.
import type { LlmMeshConfig } from "../config/schema.js";
import { isClusterServiceHost, providerEndpoint, ProviderEndpoint } from "../providers.js";

/** A DNS-1123 name from a host: api.openai.com -> api-openai-com. */
export function objectName(prefix: string, host: string): string {
  return `${prefix}-${host.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")}`.slice(0, 63).replace(/-$/, "");
}

/** Hosts served inside the cluster or on the node need no ServiceEntry. */
export function isExternal(e: ProviderEndpoint): boolean {
  const h = e.host.toLowerCase();
  return h.includes(".") && h !== "localhost" && !isClusterServiceHost(h) && !/^\d+\.\d+\.\d+\.\d+$/.test(h);
}

/** Provider endpoints that are services of the cluster (an in-cluster MCP server, a vLLM service), one per host and port. */
export function clusterServiceEndpoints(config: LlmMeshConfig): ProviderEndpoint[] {
  const seen = new Map<string, ProviderEndpoint>();
  for (const p of config.providers) {
    const e = providerEndpoint(p);
    if (isClusterServiceHost(e.host) && !seen.has(e.authority)) seen.set(e.authority, e);
  }
  return [...seen.values()];
}

/** The ports apps reach the external provider hosts on (the ServiceEntries' HTTP ports). */
export function meshPorts(config: LlmMeshConfig): number[] {
  return [...new Set(externalEndpoints(config).map((e) => (e.tls ? 80 : e.port)))].sort((a, b) => a - b);
}

/** Route hosts that are not provider hosts (aliases like llm.local), with the provider host they start at. */
export function aliasHosts(config: LlmMeshConfig): { host: string; port?: number; provider: ProviderEndpoint }[] {
  const providerHosts = new Set(config.providers.map((p) => providerEndpoint(p).host));
  const seen = new Set<string>();
  const out: { host: string; port?: number; provider: ProviderEndpoint }[] = [];
  for (const r of config.routes) {
    const raw = r.match?.host?.toLowerCase();
    if (!raw || raw.includes("*")) continue;
    const m = /^(.*):(\d+)$/.exec(raw);
    const host = m ? m[1] : raw;
    const provider = config.providers.find((p) => p.name === r.backends[0]?.provider);
    if (providerHosts.has(host) || seen.has(host) || !provider) continue;
    seen.add(host);
    out.push({ host, ...(m ? { port: Number(m[2]) } : {}), provider: providerEndpoint(provider) });
  }
  return out;
}

/** External provider endpoints, one per host and port. */
export function externalEndpoints(config: LlmMeshConfig): ProviderEndpoint[] {
  const seen = new Map<string, ProviderEndpoint>();
  for (const p of config.providers) {
    const e = providerEndpoint(p);
    if (isExternal(e) && !seen.has(e.authority)) seen.set(e.authority, e);
  }
  return [...seen.values()];
}

/**
 * The ports the sidecar filter runs on: the ServiceEntries' HTTP ports, alias ports, and
 * the ports of provider hosts that are cluster services (they need no ServiceEntry, but the
 * calling pod's sidecar must still run the filter on their port).
 */
export function sidecarPorts(config: LlmMeshConfig): number[] {
  // An alias without a port is reached on 80 (its ServiceEntry's port), whatever its provider's.
  const aliasPorts = aliasHosts(config).map((a) => a.port ?? 80);
  const servicePorts = clusterServiceEndpoints(config).map((e) => e.port);
  return [...new Set([...meshPorts(config), ...aliasPorts, ...servicePorts])].sort((a, b) => a - b);
}
