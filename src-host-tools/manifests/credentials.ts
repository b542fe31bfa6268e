// Istio objects for provider credentials from the platform (docs/credentials.md): a ServiceEntry per
// metadata endpoint the filter calls (the cluster outbound|80||HOST, at 169.254.169.254), and for
// Bedrock providers Envoy signs (awsCredentials "envoy": IRSA, EKS Pod Identity) an EnvoyFilter that
// puts Envoy's aws_request_signing filter in the upstream chain of the Bedrock host's clusters, so
// only requests to Bedrock are signed, after llm-mesh wrote their final body.
import { UserError } from "../errors.js";
import { K8sObject, LABELS, ManifestOptions, envoyFilterTarget, namespaceFor } from "./options.js";
import { METADATA_ADDRESS, envoySignedEndpoints, metadataHosts, signingProtocolOptions } from "../envoy/credentials.js";

const ENTRY_NAMES: Record<string, string> = {
  "metadata.google.internal": "llm-mesh-gke-metadata",
  "metadata.azure.internal": "llm-mesh-azure-metadata",
  "instance-data.ec2.internal": "llm-mesh-aws-imds",
};

/** A ServiceEntry for each metadata endpoint the config's providers fetch credentials from through llm-mesh's default cluster names. */
export function metadataEntries(o: ManifestOptions): K8sObject[] {
  return metadataHosts(o.config.providers).map((host) => ({
    apiVersion: "networking.istio.io/v1",
    kind: "ServiceEntry",
    metadata: { name: ENTRY_NAMES[host], namespace: namespaceFor(o), labels: LABELS },
    spec: {
      hosts: [host], location: "MESH_EXTERNAL", resolution: "STATIC",
      ports: [{ number: 80, name: "http", protocol: "HTTP" }], endpoints: [{ address: METADATA_ADDRESS }],
    },
  }));
}

/** The EnvoyFilter that signs requests to Bedrock providers with awsCredentials "envoy", or none. */
export function awsSigningEnvoyFilter(o: ManifestOptions): K8sObject[] {
  const signed = [...envoySignedEndpoints(o.config.providers).values()];
  if (signed.length === 0) return [];
  const p = o.placement;
  if (p.mode === "waypoint") throw new UserError('bedrock providers with awsCredentials "envoy" need an EnvoyFilter on the proxy that sends to Bedrock, which Istio does not apply to waypoints; use a sidecar, gateway or egress gateway, or awsCredentials "instanceMetadata"');
  const context = p.mode === "sidecar" ? "SIDECAR_OUTBOUND" : "GATEWAY";
  const spec: Record<string, unknown> = {
    // Every cluster of the Bedrock host (port 80 with TLS origination, 443, an egress subset).
    configPatches: signed.map((e) => ({ applyTo: "CLUSTER", match: { context, cluster: { service: e.host } }, patch: { operation: "MERGE", value: signingProtocolOptions(e.region) } })),
  };
  Object.assign(spec, envoyFilterTarget(p));
  return [{
    apiVersion: "networking.istio.io/v1alpha3",
    kind: "EnvoyFilter",
    metadata: { name: `${o.name ?? "llm-mesh"}-aws-signing`, namespace: namespaceFor(o), labels: LABELS, annotations: { "galley.istio.io/analyze-suppress": "IST0133" } },
    spec,
  }];
}
