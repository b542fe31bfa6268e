// Who called: the caller's mesh identity, for metrics, the access log and consumers known by their
// principal.
import { Config } from "../config/load";
import { getProperty, propertyPath } from "../host";

const PEER_PRINCIPAL = propertyPath(["connection", "uri_san_peer_certificate"]);

/** In a sidecar, the SPIFFE id of the workload it serves, from Istio's node metadata; "" elsewhere. Read once per configuration. */
let localIdentity: string | null = null;

/** A new configuration may name another trust domain. */
export function forgetLocalIdentity(): void { localIdentity = null; }

/**
 * The caller's mesh identity: the peer certificate's URI SAN when the call came over mTLS (a
 * gateway, or a sidecar's inbound side), else, in a sidecar, the workload the sidecar serves (a
 * plaintext call in a sidecar is its own workload's outbound call: inbound mesh traffic is mTLS).
 */
export function callerIdentity(config: Config): string {
  const peer = getProperty(PEER_PRINCIPAL);
  if (peer !== null && peer.length > 0) return peer;
  if (localIdentity === null) {
    // Istio names sidecars "sidecar~IP~POD.NS~NS.svc.cluster.local" (gateways: "router~…").
    const id = nodeProperty(["id"]);
    const ns = nodeProperty(["metadata", "NAMESPACE"]);
    const sa = nodeProperty(["metadata", "SERVICE_ACCOUNT"]);
    const sidecar = id !== null && id.startsWith("sidecar~");
    localIdentity = sidecar && ns !== null && sa !== null && ns.length > 0 && sa.length > 0 ? "spiffe://" + config.metrics.trustDomain + "/ns/" + ns + "/sa/" + sa : "";
  }
  return localIdentity!.length > 0 ? localIdentity! : "unknown";
}

/**
 * A field of Envoy's node (its bootstrap `node`): the attribute `xds.node` (Envoy 1.40 answers only
 * this one), else the older Wasm property `node`.
 */
function nodeProperty(path: string[]): string | null {
  const value = getProperty(propertyPath(["xds", "node"].concat(path)));
  if (value !== null && value.length > 0) return value;
  return getProperty(propertyPath(["node"].concat(path)));
}
