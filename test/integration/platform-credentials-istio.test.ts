// Platform credentials through Istio's own control plane (docs/credentials.md): the objects
// `llm-mesh manifests` emits go through istiod's code (src-host-tools/istio/), and what it generates
// for a sidecar and an egress gateway runs in real Envoy with the module. The Bedrock host's
// clusters must carry Envoy's aws_request_signing filter (IRSA / EKS Pod Identity) and keep their
// TLS; the metadata endpoints' ServiceEntries must give the clusters the filter calls.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { placementFrom } from "../../src-host-tools/commands/manifests.js";
import { renderManifests } from "../../src-host-tools/manifests/render.js";
import { EXAMPLE_DIGEST } from "../../src-host-tools/manifests/example.js";
import { locateEnvoy } from "../../src-host-tools/envoy/locate.js";
import { RunningEnvoy, startEnvoy } from "../../src-host-tools/envoy/process.js";
import { MockProviders, startMockProviders } from "../../src-host-tools/mock/providers.js";
import { MockCredentialServer, TemporaryCredentials, startMockAzureIdentity, startMockImds, startMockPodIdentityAgent } from "../../src-host-tools/mock/platform-credentials.js";
import { istioXds, ProxySpec } from "../../src-host-tools/istio/xds.js";
import { bootstrapFromIstio, IstioXds } from "../../src-host-tools/istio/xds-to-bootstrap.js";
import type { LlmMeshConfig } from "../../src-host-tools/config/schema.js";
import type { Placement } from "../../src-host-tools/manifests/options.js";
import { send } from "../support/envoy.js";
import { WASM_PATH } from "../support/filter.js";

const POD = "bedrock-runtime.eu-west-1.amazonaws.com";
const ROLE = "bedrock-runtime.us-east-1.amazonaws.com";
const AZURE = "res.openai.azure.com";
const POD_TOKEN = "eyJhbGciOiJSUzI1NiJ9.istio-pod-identity.sig";
const config = {
  requestMode: "body",
  providers: [
    { name: "bedrock-pod", type: "bedrock", region: "eu-west-1", awsCredentials: "envoy" },
    { name: "bedrock-role", type: "bedrock", region: "us-east-1", awsCredentials: "instanceMetadata" },
    { name: "azure", type: "azure-openai", host: AZURE, deployment: "gpt-4o", tokenFromMetadataServer: true },
  ],
  routes: [
    { name: "pod", match: { host: POD }, backends: [{ provider: "bedrock-pod", model: "amazon.nova-pro-v1:0" }] },
    { name: "role", match: { host: ROLE }, backends: [{ provider: "bedrock-role", model: "amazon.nova-pro-v1:0" }] },
    { name: "azure", match: { host: AZURE }, backends: [{ provider: "azure", model: "gpt-4o" }] },
  ],
} as unknown as LlmMeshConfig;

const GATEWAY_KUBE = stringify({
  apiVersion: "v1", kind: "Service", metadata: { name: "istio-egressgateway", namespace: "istio-system", labels: { istio: "egressgateway" } },
  spec: { selector: { istio: "egressgateway" }, ports: [{ name: "http2", port: 80, targetPort: 8080 }] },
});
const CASES: { name: string; placement: Placement; proxy: ProxySpec; listener: string }[] = [
  { name: "sidecar", placement: placementFrom({ mode: "sidecar", selector: ["app=chatbot"] }), proxy: { type: "sidecar", namespace: "default", labels: { app: "chatbot" } }, listener: "0.0.0.0_80" },
  { name: "egress gateway", placement: placementFrom({ mode: "egress" }), proxy: { type: "router", namespace: "istio-system", labels: { istio: "egressgateway" }, kube: GATEWAY_KUBE }, listener: "0.0.0.0_8080" },
];

const credentials = (prefix: string, n: number): TemporaryCredentials => ({ accessKeyId: `ASIA${prefix}${n}`, secretAccessKey: `${prefix}/secret/${n}`, sessionToken: `${prefix}-session-${n}`, expiration: new Date(Date.now() + 3600_000) });
const protocolOptions = (c: any) => c.typed_extension_protocol_options ?? c.typedExtensionProtocolOptions;
const chat = JSON.stringify({ messages: [{ role: "user", content: "Hi" }] });

describe.each(CASES)("platform credentials through istiod's own config: $name", (c) => {
  let xds: IstioXds;
  let mock: MockProviders;
  let envoy: RunningEnvoy;
  let imds: MockCredentialServer;
  let agent: MockCredentialServer;
  let azure: MockCredentialServer;
  const role: TemporaryCredentials[] = [];
  const pod: TemporaryCredentials[] = [];
  const entra: string[] = [];

  beforeAll(async () => {
    xds = istioXds(renderManifests({ config, image: "oci://registry.example.com/llm-mesh", digest: EXAMPLE_DIGEST, placement: c.placement, requestMode: "body" }), c.proxy);
    imds = await startMockImds("gateway-role", () => { const x = credentials("ROLE", role.length); role.push(x); return x; });
    agent = await startMockPodIdentityAgent(POD_TOKEN, () => { const x = credentials("POD", pod.length); pod.push(x); return x; });
    azure = await startMockAzureIdentity(() => { const t = `eyJ0eXAiOiJKV1QifQ.istio-entra-${entra.length}.sig`; entra.push(t); return { token: t, expiresInSeconds: 3600 }; });
    mock = await startMockProviders([
      { ...(config.providers[0] as any), acceptedAwsCredentials: pod },
      { ...(config.providers[1] as any), acceptedAwsCredentials: role },
      { ...(config.providers[2] as any), acceptedKeys: entra },
    ]);
    const bootstrap = bootstrapFromIstio(xds, { listener: c.listener, wasmPath: WASM_PATH, mock: { address: "127.0.0.1", port: mock.port } }) as any;
    // As the test harness sends every cluster to the mock over plain HTTP, istiod's upstream chain of
    // the Bedrock clusters (the signing filter) is carried over as istiod generated it, and the
    // metadata clusters go to their stand-ins.
    for (const cluster of bootstrap.static_resources.clusters) {
      const generated = xds.clusters.find((g) => g.name === cluster.name);
      if (cluster.name.endsWith(`|${POD}`)) cluster.typed_extension_protocol_options = protocolOptions(generated);
      const stand = cluster.name.endsWith("|instance-data.ec2.internal") ? imds : cluster.name.endsWith("|metadata.azure.internal") ? azure : undefined;
      if (stand) cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value = stand.port;
    }
    const dir = mkdtempSync(join(tmpdir(), "llm-mesh-istio-pod-"));
    writeFileSync(join(dir, "token"), POD_TOKEN);
    envoy = await startEnvoy({
      envoyPath: locateEnvoy().path, config: stringify(bootstrap, { lineWidth: 0 }),
      env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.1:${agent.port}/v1/credentials`, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: join(dir, "token"), AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "" },
    });
    for (let i = 0; i < 100 && (role.length === 0 || entra.length === 0); i++) await new Promise((r) => setTimeout(r, 50));
  }, 600_000);
  afterAll(async () => {
    await envoy?.stop();
    await Promise.all([mock?.close(), imds?.close(), agent?.close(), azure?.close()]);
  });

  it("istiod gives every Bedrock cluster of the Envoy-signed host the signing filter before the codec, keeps its TLS, and signs no other host's", () => {
    const bedrock = xds.clusters.filter((x) => x.name.endsWith(`|${POD}`));
    expect(bedrock.length, xds.clusters.map((x) => x.name).join(", ")).toBeGreaterThan(0);
    for (const cluster of bedrock) {
      const options = protocolOptions(cluster)["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"];
      const filters = (options.http_filters ?? options.httpFilters).map((f: any) => f.name);
      expect(filters).toEqual(["envoy.filters.http.aws_request_signing", "envoy.filters.http.upstream_codec"]);
    }
    const tls = bedrock.map((x) => JSON.stringify(x.transport_socket ?? x.transportSocket ?? x.transport_socket_matches ?? x.transportSocketMatches ?? ""));
    expect(tls.some((t) => t.includes(POD) && t.includes("/etc/ssl/certs/ca-certificates.crt"))).toBe(true);
    for (const other of xds.clusters.filter((x) => !x.name.endsWith(`|${POD}`))) expect(JSON.stringify(other)).not.toContain("aws_request_signing");
  });

  it("the metadata endpoints' clusters are at 169.254.169.254:80", () => {
    for (const host of ["instance-data.ec2.internal", "metadata.azure.internal"]) {
      const name = `outbound|80||${host}`;
      expect(xds.clusters.find((x) => x.name === name), host).toBeDefined();
      // A STATIC ServiceEntry's endpoints come by EDS.
      const assignment = xds.endpoints.find((e) => (e.cluster_name ?? e.clusterName) === name);
      expect(JSON.stringify(assignment), name).toContain("169.254.169.254");
    }
  });

  it("requests reach Bedrock signed by Envoy with Pod Identity's credentials, Bedrock signed with the instance role's, Azure with the Entra token", async () => {
    const viaPod = await send(envoy.url, { host: POD, body: chat });
    expect(viaPod.status, viaPod.body).toBe(200);
    expect(mock.received.at(-1)!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=ASIAPOD0\//);
    const viaRole = await send(envoy.url, { host: ROLE, body: chat });
    expect(viaRole.status, viaRole.body).toBe(200);
    expect(mock.received.at(-1)!.headers["x-amz-security-token"]).toBe(role[0].sessionToken);
    const viaAzure = await send(envoy.url, { host: AZURE, body: chat });
    expect(viaAzure.status, viaAzure.body).toBe(200);
    expect(mock.received.at(-1)!.headers.authorization).toBe(`Bearer ${entra[0]}`);
  });
});
