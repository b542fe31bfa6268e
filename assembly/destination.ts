// The destination guard: a provider key is added only to a request that Envoy routes to a
// provider's own cluster. Envoy picks the route before the filter runs, and the filter reads that
// choice (xds.cluster_name), so whatever way a client dresses up a request (another port, an IP
// literal with a provider Host, an absolute-form URI, :authority and host that disagree, HTTP/2),
// what counts is where Envoy will send it. A pass-through (Istio's PassthroughCluster, any
// ORIGINAL_DST cluster), a black hole, a direct response or an unknown cluster gets no key.
import { Provider } from "./providers/provider";

/**
 * True when `cluster` is one of `provider`'s own destinations: a name listed in the provider's
 * `clusters` (exact, or `prefix*`), else Istio's name for the provider host's service,
 * `outbound|PORT|SUBSET|HOST` (what the emitted ServiceEntry gives; the subset may be empty).
 */
export function isDestinationOf(provider: Provider, cluster: string): bool {
  if (provider.clusterNames.length > 0 || provider.clusterPrefixes.length > 0) {
    for (let i = 0; i < provider.clusterNames.length; i++) if (cluster == provider.clusterNames[i]) return true;
    for (let i = 0; i < provider.clusterPrefixes.length; i++) if (cluster.startsWith(provider.clusterPrefixes[i])) return true;
    return false;
  }
  return isIstioClusterFor(cluster, provider.host);
}

/** `outbound|<port>|<subset>|<host>`, Istio's outbound cluster for a service host. */
export function isIstioClusterFor(cluster: string, host: string): bool {
  if (!cluster.startsWith("outbound|")) return false;
  const portEnd = cluster.indexOf("|", 9);
  if (portEnd <= 9) return false;
  for (let i = 9; i < portEnd; i++) {
    const c = cluster.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  const subsetEnd = cluster.indexOf("|", portEnd + 1);
  if (subsetEnd < 0) return false;
  return cluster.substring(subsetEnd + 1) == host;
}

/** True when some configured provider owns `cluster`. */
export function isAnyProviderDestination(providers: Provider[], cluster: string): bool {
  for (let i = 0; i < providers.length; i++) if (isDestinationOf(providers[i], cluster)) return true;
  return false;
}
