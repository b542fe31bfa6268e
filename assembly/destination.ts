// The destination guard: a provider key is added only to a request that Envoy routes to a
// provider's own cluster. Envoy picks the route before the filter runs, and the filter reads that
// choice (xds.cluster_name), so whatever way a client dresses up a request (another port, an IP
// literal with a provider Host, an absolute-form URI, :authority and host that disagree, HTTP/2),
// what counts is where Envoy will send it. A pass-through (Istio's PassthroughCluster, any
// ORIGINAL_DST cluster), a black hole, a direct response or an unknown cluster gets no key.
import { Provider } from "./providers/provider";
import { getProperty, propertyPath } from "./host";
import { jsonString } from "./json/splice";

const P_CLUSTER_NAME = propertyPath(["xds", "cluster_name"]);

/**
 * True when `cluster` is one of `provider`'s own destinations: a name listed in the provider's
 * `clusters` (exact, or `prefix*`), else Istio's name for the provider host's service (what the
 * emitted ServiceEntry gives: `outbound|PORT|SUBSET|HOST`, or in a waypoint `inbound-vip|…|HOST`).
 */
export function isDestinationOf(provider: Provider, cluster: string): bool {
  if (provider.clusterNames.length > 0 || provider.clusterPrefixes.length > 0) {
    for (let i = 0; i < provider.clusterNames.length; i++) if (cluster == provider.clusterNames[i]) return true;
    for (let i = 0; i < provider.clusterPrefixes.length; i++) if (cluster.startsWith(provider.clusterPrefixes[i])) return true;
    return false;
  }
  return isIstioClusterFor(cluster, provider.host);
}

/**
 * Istio's cluster for a service host: `outbound|<port>|<subset>|<host>` in sidecars and gateways,
 * `inbound-vip|<port>|<protocol>|<host>` in ambient waypoints.
 */
export function isIstioClusterFor(cluster: string, host: string): bool {
  const prefix = cluster.startsWith("outbound|") ? 9 : cluster.startsWith("inbound-vip|") ? 12 : 0;
  if (prefix == 0) return false;
  const portEnd = cluster.indexOf("|", prefix);
  if (portEnd <= prefix) return false;
  for (let i = prefix; i < portEnd; i++) {
    const c = cluster.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  const subsetEnd = cluster.indexOf("|", portEnd + 1);
  if (subsetEnd < 0) return false;
  return cluster.length - (subsetEnd + 1) == host.length && cluster.endsWith(host);
}

/** True when some configured provider owns `cluster`. */
export function isAnyProviderDestination(providers: Provider[], cluster: string): bool {
  for (let i = 0; i < providers.length; i++) if (isDestinationOf(providers[i], cluster)) return true;
  return false;
}

/**
 * Null when Envoy routes this request to a provider's own cluster; else why not, for the client.
 * The cluster is the one Envoy chose for the request as the client sent it.
 */
export function destinationRefusal(providers: Provider[], provider: Provider): string | null {
  const cluster = getProperty(P_CLUSTER_NAME);
  if (cluster === null || cluster.length == 0) {
    return "llm-mesh added no provider key: Envoy has no route to a cluster for this request. Call a provider host the mesh routes (for provider \"" + provider.name + "\": http://" + provider.host + ")";
  }
  if (isDestinationOf(provider, cluster) || isAnyProviderDestination(providers, cluster)) return null;
  return "llm-mesh added no provider key: Envoy would send this request to cluster " + jsonString(cluster) +
    ", which is not the destination of an llm-mesh provider (a request to another port or address, or a pass-through). Call a provider host on its mesh port (for provider \"" + provider.name + "\": http://" + provider.host + ")";
}

/**
 * Null when Envoy routes this request to `provider`'s own cluster; else why not. For a route with
 * one destination (an MCP server): another provider's cluster is not enough, since the authority
 * llm-mesh writes may have no route on that port and the request would go where the client dialled.
 */
export function ownDestinationRefusal(provider: Provider): string | null {
  const cluster = getProperty(P_CLUSTER_NAME);
  if (cluster !== null && cluster.length > 0 && isDestinationOf(provider, cluster)) return null;
  return "llm-mesh added no credential: Envoy would send this request to " + (cluster === null || cluster.length == 0 ? "no cluster" : "cluster " + jsonString(cluster)) +
    ", which is not the destination of MCP server \"" + provider.name + "\". Call the server's own host and port (" + provider.authority + ")";
}
