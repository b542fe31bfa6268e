// What Envoy needs for provider credentials from the platform (docs/credentials.md): a cluster for
// each metadata endpoint the filter calls (the GKE metadata server, Azure's managed identity
// endpoint, EC2's instance metadata service: all at 169.254.169.254:80), and, for Bedrock with
// awsCredentials "envoy", Envoy's own aws_request_signing filter in the upstream chain of the
// provider's cluster, so it signs only what goes to Bedrock, after llm-mesh wrote the final body.
import { ProviderEndpointConfig, providerEndpoint } from "../providers.js";

/** The link-local address every one of these clouds serves its metadata on. */
export const METADATA_ADDRESS = "169.254.169.254";

type CredentialFields = ProviderEndpointConfig & { tokenFromMetadataServer?: boolean; awsCredentials?: string; metadataCluster?: string; region?: string };

/** A metadata endpoint's host as Istio names its ServiceEntry (the cluster is outbound|80||HOST). */
export function metadataHost(p: CredentialFields): string | undefined {
  // An mcp server's token comes from the GKE metadata server as vertex-ai's does.
  if ((p.type === "vertex-ai" || p.type === "mcp") && p.tokenFromMetadataServer === true) return "metadata.google.internal";
  if (p.type === "azure-openai" && p.tokenFromMetadataServer === true) return "metadata.azure.internal";
  if (p.type === "bedrock" && p.awsCredentials === "instanceMetadata") return "instance-data.ec2.internal";
  return undefined;
}

/** The metadata hosts the providers call through llm-mesh's default clusters (not their own metadataCluster). */
export function metadataHosts(providers: ProviderEndpointConfig[]): string[] {
  const hosts = new Set<string>();
  for (const p of providers as CredentialFields[]) {
    const host = metadataHost(p);
    if (host && p.metadataCluster === undefined) hosts.add(host);
  }
  return [...hosts];
}

/** True for a Bedrock provider that Envoy signs for (IRSA, EKS Pod Identity, any of Envoy's AWS credential sources). */
export function signedByEnvoy(p: ProviderEndpointConfig): boolean {
  return p.type === "bedrock" && (p as CredentialFields).awsCredentials === "envoy";
}

/** Provider hosts (authority) whose cluster gets the signing filter, with their region. */
export function envoySignedEndpoints(providers: ProviderEndpointConfig[]): Map<string, { host: string; port: number; region: string }> {
  const out = new Map<string, { host: string; port: number; region: string }>();
  for (const p of providers) {
    if (!signedByEnvoy(p)) continue;
    const e = providerEndpoint(p);
    out.set(e.authority, { host: e.host, port: e.port, region: (p as CredentialFields).region ?? "" });
  }
  return out;
}

/**
 * Envoy's AWS request signing filter for Bedrock. Its default credential chain reads, in order, the
 * environment, the credentials file, IRSA's web identity (AWS_WEB_IDENTITY_TOKEN_FILE and
 * AWS_ROLE_ARN, exchanged with STS), container credentials (EKS Pod Identity:
 * AWS_CONTAINER_CREDENTIALS_FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) and the instance
 * profile, refreshing them itself. The payload is signed (Bedrock needs it): the filter buffers the
 * body, which llm-mesh has already sent whole.
 */
export function awsSigningFilter(region: string): Record<string, unknown> {
  return {
    name: "envoy.filters.http.aws_request_signing",
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.filters.http.aws_request_signing.v3.AwsRequestSigning",
      service_name: "bedrock",
      region,
      use_unsigned_payload: false,
      // Headers a retry or Envoy itself may change after signing.
      match_excluded_headers: [{ prefix: "x-envoy" }, { exact: "x-request-id" }, { exact: "x-forwarded-for" }, { exact: "x-forwarded-proto" }],
    },
  };
}

const UPSTREAM_CODEC = { name: "envoy.filters.http.upstream_codec", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec" } };

/** A cluster's protocol options carrying the signing filter in its upstream chain (then the codec, which must come last). */
export function signingProtocolOptions(region: string): Record<string, unknown> {
  return {
    typed_extension_protocol_options: {
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
        "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
        explicit_http_config: { http_protocol_options: {} },
        http_filters: [awsSigningFilter(region), UPSTREAM_CODEC],
      },
    },
  };
}
