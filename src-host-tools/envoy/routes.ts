// The route table an Envoy in front of llm-mesh needs: one virtual host per provider authority,
// sent to that provider's own cluster, named as Istio names a ServiceEntry's cluster
// (outbound|PORT||HOST), which is what the filter's destination guard accepts by default; and each
// route's own host (an alias such as llm.local) sent to its first backend's provider. Used by the
// bootstrap generator and, to answer xds.cluster_name, by the host emulator.
import { ProviderEndpoint, ProviderEndpointConfig, providerEndpoint } from "../providers.js";

export interface RouteHosts { match?: { host?: string }; backends: { provider: string }[] }
export interface ProviderVirtualHost { endpoint: ProviderEndpoint; cluster: string; domains: string[] }

/** Istio's cluster name for a provider's service: outbound|PORT||HOST. */
export function providerClusterName(e: ProviderEndpoint): string {
  return `outbound|${e.port}||${e.host}`;
}

/** Domains Envoy should route a route's `match.host` on: `h` and `h:80`, or `h:PORT` when a port is given. */
export function routeHostDomains(host: string): string[] {
  const m = /^(.*):(\d+)$/.exec(host.toLowerCase());
  return m ? [`${m[1]}:${m[2]}`] : [host.toLowerCase(), `${host.toLowerCase()}:80`];
}

/** One virtual host per provider authority; route hosts join their first backend's provider. */
export function providerVirtualHosts(config: { providers: ProviderEndpointConfig[]; routes?: RouteHosts[] }): ProviderVirtualHost[] {
  const byAuthority = new Map<string, ProviderVirtualHost>();
  const byProvider = new Map<string, ProviderVirtualHost>();
  const taken = new Set<string>();
  for (const p of config.providers) {
    const e = providerEndpoint(p);
    let vhost = byAuthority.get(e.authority);
    if (!vhost) {
      const domains = [...new Set([e.authority, e.host, `${e.host}:${e.port}`, ...(e.tls ? [`${e.host}:80`] : [])])].filter((d) => !taken.has(d));
      domains.forEach((d) => taken.add(d));
      vhost = { endpoint: e, cluster: providerClusterName(e), domains };
      byAuthority.set(e.authority, vhost);
    }
    byProvider.set(p.name, vhost);
  }
  for (const r of config.routes ?? []) {
    const vhost = byProvider.get(r.backends[0]?.provider ?? "");
    if (!r.match?.host || !vhost) continue;
    for (const d of routeHostDomains(r.match.host)) if (!taken.has(d)) { taken.add(d); vhost.domains.push(d); }
  }
  return [...byAuthority.values()];
}

/** The cluster Envoy would pick for an authority in this table (exact domain, then `*.suffix`), or undefined. */
export function clusterForAuthority(vhosts: ProviderVirtualHost[], authority: string): string | undefined {
  const a = authority.toLowerCase();
  for (const v of vhosts) if (v.domains.includes(a)) return v.cluster;
  let best: { cluster: string; length: number } | undefined;
  for (const v of vhosts) {
    for (const d of v.domains) {
      if (d.startsWith("*.") && a.endsWith(d.slice(1)) && a.length > d.length - 1 && (!best || d.length > best.length)) best = { cluster: v.cluster, length: d.length };
    }
  }
  return best?.cluster;
}
