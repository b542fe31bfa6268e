// The toolchain's side of platform credentials (docs/credentials.md): the clusters of the metadata
// endpoints, and Envoy's aws_request_signing filter on the Bedrock cluster only, in the Envoy
// bootstrap and in the Istio objects of every placement that can carry them.
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { buildBootstrap } from "../../src-host-tools/envoy/bootstrap.js";
import { placementFrom } from "../../src-host-tools/commands/manifests.js";
import { renderManifests } from "../../src-host-tools/manifests/render.js";
import { EXAMPLE_DIGEST } from "../../src-host-tools/manifests/example.js";
import { validateIstioObject } from "../../src-host-tools/manifests/crd-validate.js";
import type { K8sObject } from "../../src-host-tools/manifests/options.js";
import type { LlmMeshConfig } from "../../src-host-tools/config/schema.js";
import { validateConfig } from "../../src-host-tools/config/validate.js";

const CONFIG = {
  requestMode: "body",
  providers: [
    { name: "bedrock", type: "bedrock", region: "eu-west-1", awsCredentials: "envoy" },
    { name: "bedrock-role", type: "bedrock", region: "us-east-1", awsCredentials: "instanceMetadata" },
    { name: "azure", type: "azure-openai", host: "res.openai.azure.com", deployment: "gpt-4o", tokenFromMetadataServer: true },
    { name: "openai", type: "openai", apiKeys: [{ env: "OPENAI_API_KEY" }] },
  ],
  routes: [{ name: "r", match: { host: "llm.local" }, backends: [{ provider: "bedrock" }] }],
} as unknown as LlmMeshConfig;

type Cluster = { name: string; load_assignment: any; typed_extension_protocol_options?: any };

describe("platform credentials in the toolchain", () => {
  it("the bootstrap has a cluster per metadata endpoint at 169.254.169.254:80, and the signing filter on the Envoy-signed Bedrock cluster only", () => {
    const clusters = (buildBootstrap({ wasmPath: "/m.wasm", pluginConfig: CONFIG as any }) as any).static_resources.clusters as Cluster[];
    const byName = new Map(clusters.map((c) => [c.name, c]));
    for (const host of ["instance-data.ec2.internal", "metadata.azure.internal"]) {
      expect(byName.get(`outbound|80||${host}`)?.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: "169.254.169.254", port_value: 80 });
    }
    expect(byName.has("outbound|80||metadata.google.internal")).toBe(false);
    const signed = clusters.filter((c) => JSON.stringify(c.typed_extension_protocol_options ?? {}).includes("aws_request_signing"));
    expect(signed.map((c) => c.name)).toEqual(["outbound|443||bedrock-runtime.eu-west-1.amazonaws.com"]);
    const filters = signed[0].typed_extension_protocol_options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"].http_filters;
    expect(filters.map((f: any) => f.name)).toEqual(["envoy.filters.http.aws_request_signing", "envoy.filters.http.upstream_codec"]);
    expect(filters[0].typed_config).toMatchObject({ service_name: "bedrock", region: "eu-west-1", use_unsigned_payload: false });
  });

  it.each([
    ["sidecar", placementFrom({ mode: "sidecar", selector: ["app=chatbot"] }), "SIDECAR_OUTBOUND"],
    ["egress gateway", placementFrom({ mode: "egress" }), "GATEWAY"],
    ["ingress gateway", placementFrom({ mode: "gateway", selector: ["istio=ingressgateway"], gateway: "istio-system/public" }), "GATEWAY"],
  ] as const)("Istio, %s: ServiceEntries for the metadata endpoints and an EnvoyFilter merging the signing filter into the Bedrock host's clusters, all valid", (_name, placement, context) => {
    const all = parseAllDocuments(renderManifests({ config: CONFIG, image: "oci://r.example.com/llm-mesh", digest: EXAMPLE_DIGEST, requestMode: "body", placement })).map((d) => d.toJS() as K8sObject);
    for (const o of all) expect(validateIstioObject(o), `${o.kind}/${o.metadata.name}`).toEqual([]);
    const entries = all.filter((o) => o.kind === "ServiceEntry" && (o.spec as any).resolution === "STATIC");
    expect(entries.map((o) => (o.spec as any).hosts[0]).sort()).toEqual(["instance-data.ec2.internal", "metadata.azure.internal"]);
    for (const e of entries) expect((e.spec as any).endpoints).toEqual([{ address: "169.254.169.254" }]);
    const signing = all.find((o) => o.metadata.name === "llm-mesh-aws-signing")!;
    const patches = (signing.spec as any).configPatches;
    expect(patches).toHaveLength(1);
    expect(patches[0]).toMatchObject({ applyTo: "CLUSTER", match: { context, cluster: { service: "bedrock-runtime.eu-west-1.amazonaws.com" } }, patch: { operation: "MERGE" } });
  });

  it("refuses what cannot be delivered: Envoy signing on a waypoint, or on a failover route", () => {
    expect(() => renderManifests({ config: CONFIG, image: "oci://r.example.com/llm-mesh", digest: EXAMPLE_DIGEST, requestMode: "headers", placement: placementFrom({ mode: "waypoint", waypoint: "w" }) }))
      .toThrow(/awsCredentials "envoy" need an EnvoyFilter/);
    const failover = { ...CONFIG, routes: [{ name: "r", match: { host: "llm.local" }, failover: {}, backends: [{ provider: "bedrock" }, { provider: "openai", model: "gpt-4o" }] }] };
    const result = validateConfig(failover);
    expect(result.errors.map((e) => `${e.path}: ${e.message}`)).toContain('routes[0].backends[0].provider: bedrock provider "bedrock" is signed by Envoy (awsCredentials "envoy"), which a failover route cannot do');
  });
});
