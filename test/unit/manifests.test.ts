// Every emitted object must pass Istio's CRD schemas (OpenAPI and the CEL rules that matter), and
// carry what the mesh needs: digest pinning, keys only from the proxy's environment, TLS origination.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { manifests, placementFrom } from "../../src-host-tools/commands/manifests.js";
import { renderManifests } from "../../src-host-tools/manifests/render.js";
import { EXAMPLE_DIGEST, EXAMPLE_MANIFESTS_PATH, exampleManifestsYaml } from "../../src-host-tools/manifests/example.js";
import { validateIstioObject } from "../../src-host-tools/manifests/crd-validate.js";
import { K8sObject, ManifestOptions } from "../../src-host-tools/manifests/options.js";
import type { LlmMeshConfig } from "../../src-host-tools/config/schema.js";
import { ALL_TYPES_CONFIG, MCP_MESH_CONFIG } from "../support/fixtures.js";
import { egressUnreachableRoutes } from "../../src-host-tools/manifests/istio.js";
import { buildBootstrap } from "../../src-host-tools/envoy/bootstrap.js";

const config = JSON.parse(readFileSync(new URL("../../envoy/plugin-config.json", import.meta.url), "utf8")) as LlmMeshConfig;
const image = "oci://registry.example.com/team/llm-mesh";

/** The emitted objects; headers mode (a WasmPlugin) unless the test asks for body mode. */
function objects(options: Partial<ManifestOptions> & Pick<ManifestOptions, "placement">, cfg: LlmMeshConfig = config): K8sObject[] {
  return parseAllDocuments(renderManifests({ config: cfg, image, digest: EXAMPLE_DIGEST, requestMode: "headers", ...options })).map((d) => d.toJS() as K8sObject);
}

const placements: [string, ManifestOptions["placement"]][] = [
  ["sidecar", placementFrom({ mode: "sidecar", selector: ["app=chatbot"] })],
  ["ingress gateway by selector", placementFrom({ mode: "gateway", selector: ["istio=ingressgateway"], gateway: "istio-system/public" })],
  ["gateway by Gateway API targetRefs", placementFrom({ mode: "gateway", targetRef: ["Gateway/llm-gateway"] })],
  ["egress gateway", placementFrom({ mode: "egress" })],
  ["ambient waypoint", placementFrom({ mode: "waypoint", waypoint: "llm-waypoint" })],
];

describe("llm-mesh manifests", () => {
  it.each(placements.flatMap(([name, placement]) => (placement.mode === "waypoint" ? ["headers"] as const : ["body", "headers"] as const).map((mode) => [`${name}, ${mode} mode`, placement, mode] as const)))(
    "%s: every object passes the Istio CRD schemas and CEL rules", (_name, placement, requestMode) => {
      const all = objects({ placement, requestMode });
      expect(all.length).toBeGreaterThan(3);
      expect(all.at(-1)!.kind).toBe(requestMode === "body" ? "EnvoyFilter" : "WasmPlugin");
      for (const o of all) expect(validateIstioObject(o), `${o.kind}/${o.metadata.name}`).toEqual([]);
    });

  it("body mode: an EnvoyFilter adds the whole Wasm config as an extension config (flag, pinned module, env keys) and references it before the router", () => {
    const filter = objects({ placement: placements[0][1], requestMode: "body", failStrategy: "FAIL_CLOSE" }).at(-1)!;
    const patches = (filter.spec as any).configPatches;
    expect(patches[0]).toMatchObject({ applyTo: "EXTENSION_CONFIG", patch: { operation: "ADD" } });
    const ext = patches[0].patch.value;
    expect(ext.name).toBe("default.llm-mesh");
    const wasm = ext.typed_config.config;
    expect(wasm).toMatchObject({ allow_on_headers_stop_iteration: true, failure_policy: "FAIL_CLOSED", root_id: "llm-mesh" });
    expect(wasm.vm_config.code.remote).toEqual({ http_uri: { uri: `${image}@${EXAMPLE_DIGEST}`, cluster: "_", timeout: "30s" }, sha256: EXAMPLE_DIGEST.slice(7) });
    expect(wasm.vm_config.environment_variables).toEqual({ host_env_keys: ["OPENAI_API_KEY", "DASHSCOPE_API_KEY", "DEEPSEEK_API_KEY", "ANTHROPIC_API_KEY"] });
    expect(JSON.parse(wasm.configuration.value).requestMode).toBe("body");
    expect(patches.slice(1)).toEqual([{
      applyTo: "HTTP_FILTER",
      match: { context: "SIDECAR_OUTBOUND", listener: { portNumber: 80, filterChain: { filter: { name: "envoy.filters.network.http_connection_manager", subFilter: { name: "envoy.filters.http.router" } } } } },
      patch: { operation: "INSERT_BEFORE", value: { name: "default.llm-mesh", config_discovery: { config_source: { ads: {}, initial_fetch_timeout: "0s" }, type_urls: ["type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm"] } } },
    }, {
      // The same listener's slow uploads are bounded (body mode holds a body until it is whole).
      applyTo: "NETWORK_FILTER",
      match: { context: "SIDECAR_OUTBOUND", listener: { portNumber: 80, filterChain: { filter: { name: "envoy.filters.network.http_connection_manager" } } } },
      patch: { operation: "MERGE", value: { name: "envoy.filters.network.http_connection_manager", typed_config: {
        "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager", request_headers_timeout: "10s", request_timeout: "60s",
        http_protocol_options: { override_stream_error_on_invalid_http_message: true } } } },
    }]);
    expect((filter.spec as any).workloadSelector).toEqual({ labels: { app: "chatbot" } });
  });

  it("ambient: the WasmPlugin attaches to the waypoint by targetRefs, and the ServiceEntries send provider traffic through it", () => {
    const all = objects({ placement: placements[4][1], requestMode: "headers" });
    const filter = all.at(-1)!;
    expect((filter.spec as any).targetRefs).toEqual([{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "llm-waypoint" }]);
    expect((filter.spec as any).selector).toBeUndefined();
    for (const se of all.filter((o) => o.kind === "ServiceEntry")) expect(se.metadata.labels?.["istio.io/use-waypoint"]).toBe("llm-waypoint");
  });

  it("ambient: body mode is refused, because Istio applies no EnvoyFilter listener patch to waypoints", () => {
    expect(() => objects({ placement: placements[4][1], requestMode: "body" })).toThrow(/--mode waypoint needs --request-mode headers: Istio applies no EnvoyFilter listener patches to waypoint proxies/);
  });

  it("also for every provider type at once", () => {
    const { maxRequestBodyBytes: _m, ...rest } = ALL_TYPES_CONFIG as unknown as LlmMeshConfig & { maxRequestBodyBytes?: number };
    for (const o of objects({ placement: placements[0][1] }, rest as LlmMeshConfig)) expect(validateIstioObject(o)).toEqual([]);
  });

  it("vertex-ai with tokenFromMetadataServer: a ServiceEntry gives proxies the metadata server's cluster, and it passes the CRD schemas", () => {
    const vertex = { requestMode: "body", providers: [{ name: "vertex", type: "vertex-ai", project: "p", region: "us-east5", tokenFromMetadataServer: true }],
      routes: [{ name: "v", match: { host: "vertex.llm" }, backends: [{ provider: "vertex" }] }] } as unknown as LlmMeshConfig;
    const all = objects({ placement: placements[0][1], requestMode: "body" }, vertex);
    const entry = all.find((o) => o.kind === "ServiceEntry" && (o.spec as { hosts: string[] }).hosts[0] === "metadata.google.internal");
    expect(entry?.spec).toMatchObject({ resolution: "STATIC", endpoints: [{ address: "169.254.169.254" }], ports: [{ number: 80, protocol: "HTTP" }] });
    for (const o of all) expect(validateIstioObject(o), `${o.kind}/${o.metadata.name}`).toEqual([]);
    expect(all.some((o) => (o.spec as { hosts?: string[] }).hosts?.[0] === "us-east5-aiplatform.googleapis.com")).toBe(true);
  });

  it("the validator does fail on bad objects (unknown field, bad enum, CEL rule)", () => {
    const plugin = objects({ placement: placements[0][1] }).find((o) => o.kind === "WasmPlugin")!;
    const typo = { ...plugin, spec: { ...plugin.spec, failStrategie: "FAIL_CLOSE" } };
    expect(validateIstioObject(typo).join()).toMatch(/must NOT have additional properties \(failStrategie\)/);
    const badEnum = { ...plugin, spec: { ...plugin.spec, phase: "LATE" } };
    expect(validateIstioObject(badEnum).join()).toMatch(/must be equal to one of the allowed values/);
    const both = { ...plugin, spec: { ...plugin.spec, targetRefs: [{ kind: "Gateway", name: "g" }] } };
    expect(validateIstioObject(both)).toContain("WasmPlugin/llm-mesh: only one of targetRefs or selector can be set");
    const hostValue = { ...plugin, spec: { ...plugin.spec, vmConfig: { env: [{ name: "K", valueFrom: "HOST", value: "x" }] } } };
    expect(validateIstioObject(hostValue)).toContain("WasmPlugin/llm-mesh: value may only be set when valueFrom is INLINE");
    const se = objects({ placement: placements[0][1] }).find((o) => o.kind === "ServiceEntry")!;
    const wildcard = { ...se, spec: { ...se.spec, hosts: ["*"] } };
    expect(validateIstioObject(wildcard)).toContain(`ServiceEntry/${se.metadata.name}: hostname cannot be wildcard`);
  });

  it("pins the WasmPlugin by digest, reloads a failed VM, runs after authz, only on provider ports, reads keys from the proxy environment", () => {
    const plugin = objects({ placement: placements[0][1] }).find((o) => o.kind === "WasmPlugin")!;
    const spec = plugin.spec as Record<string, any>;
    expect(spec.url).toBe(`${image}@${EXAMPLE_DIGEST}`);
    expect(spec.sha256).toBe(EXAMPLE_DIGEST.slice(7));
    expect(spec.failStrategy).toBe("FAIL_RELOAD");
    expect(spec.phase).toBe("STATS");
    expect(spec.match).toEqual([{ mode: "CLIENT", ports: [{ number: 80 }] }]);
    expect(spec.selector).toEqual({ matchLabels: { app: "chatbot" } });
    expect(spec.vmConfig.env).toEqual(["OPENAI_API_KEY", "DASHSCOPE_API_KEY", "DEEPSEEK_API_KEY", "ANTHROPIC_API_KEY"].map((name) => ({ name, valueFrom: "HOST" })));
    expect(JSON.stringify(spec.pluginConfig)).not.toMatch(/"value"/);
    // Nothing may depend on the Envoy-side plugin name, which Istio 1.30 changed.
    expect(objects({ placement: placements[0][1] }).map((o) => o.kind)).not.toContain("EnvoyFilter");
  });

  it("gives each provider host a ServiceEntry (HTTP 80 -> 443) and a DestinationRule originating TLS with SNI", () => {
    const all = objects({ placement: placements[0][1] });
    const se = all.find((o) => o.kind === "ServiceEntry" && (o.spec as any).hosts[0] === "api.openai.com")!.spec as any;
    expect(se).toMatchObject({ location: "MESH_EXTERNAL", resolution: "DNS" });
    expect(se.ports).toEqual([{ number: 80, name: "http", protocol: "HTTP", targetPort: 443 }, { number: 443, name: "https", protocol: "HTTPS" }]);
    const dr = all.find((o) => o.kind === "DestinationRule" && (o.spec as any).host === "api.openai.com")!.spec as any;
    expect(dr.trafficPolicy.portLevelSettings).toEqual([{ port: { number: 80 }, tls: { mode: "SIMPLE", sni: "api.openai.com", caCertificates: "/etc/ssl/certs/ca-certificates.crt" } }]);
  });

  it("skips ServiceEntries for in-cluster and local providers", () => {
    const hosts = objects({ placement: placements[0][1] }, ALL_TYPES_CONFIG as unknown as LlmMeshConfig)
      .filter((o) => o.kind === "ServiceEntry").flatMap((o) => (o.spec as any).hosts as string[]);
    expect(hosts).toContain("acme.openai.azure.com");
    expect(hosts).toContain("llm.example.com");
    expect(hosts).not.toContain("localhost");
    expect(hosts).not.toContain("vllm.models.svc.cluster.local");
  });

  it("egress mode: sidecars send provider hosts to the egress gateway over mTLS; only the gateway runs llm-mesh", () => {
    const all = objects({ placement: placements[3][1] });
    const plugin = all.find((o) => o.kind === "WasmPlugin")!;
    expect(plugin.metadata.namespace).toBe("istio-system");
    expect((plugin.spec as any).selector).toEqual({ matchLabels: { istio: "egressgateway" } });
    const gateway = all.find((o) => o.kind === "Gateway")!.spec as any;
    expect(gateway.servers[0].tls).toEqual({ mode: "ISTIO_MUTUAL" });
    expect(gateway.servers[0].hosts).toEqual(["api.openai.com", "dashscope.aliyuncs.com", "api.deepseek.com", "api.anthropic.com"]);
    const vs = all.find((o) => o.kind === "VirtualService" && (o.spec as any).hosts[0] === "dashscope.aliyuncs.com")!.spec as any;
    expect(vs.gateways).toEqual(["mesh", "istio-system/llm-mesh-egress"]);
    expect(vs.http[0].route[0].destination).toEqual({ host: "istio-egressgateway.istio-system.svc.cluster.local", subset: "llm-dashscope-aliyuncs-com", port: { number: 80 } });
    expect(vs.http[1].route[0].destination).toEqual({ host: "dashscope.aliyuncs.com", port: { number: 80 } });
    const mtls = all.find((o) => o.kind === "DestinationRule" && (o.spec as any).host.startsWith("istio-egressgateway"))!.spec as any;
    expect(mtls.subsets.find((s: any) => s.name === "llm-dashscope-aliyuncs-com").trafficPolicy.portLevelSettings[0].tls).toEqual({ mode: "ISTIO_MUTUAL", sni: "dashscope.aliyuncs.com" });
  });

  it("gateway mode binds each provider host to the given Istio Gateway", () => {
    const vs = objects({ placement: placements[1][1] }).filter((o) => o.kind === "VirtualService");
    expect(vs.map((v) => (v.spec as any).hosts[0])).toEqual(["api.openai.com", "dashscope.aliyuncs.com", "api.deepseek.com", "api.anthropic.com", "llm.local", "claude.local"]);
    expect((vs[4].spec as any).http[0].route[0].destination).toEqual({ host: "api.openai.com", port: { number: 80 } });
    expect(vs.every((v) => (v.spec as any).gateways[0] === "istio-system/public")).toBe(true);
  });

  it.each(placements)("%s: plain YAML, no anchors or aliases", (_name, placement) => {
    const yaml = renderManifests({ config: ALL_TYPES_CONFIG as unknown as LlmMeshConfig, image, digest: EXAMPLE_DIGEST, placement, registryOnly: placement.mode === "sidecar", requestMode: placement.mode === "waypoint" ? "headers" : "body" });
    for (const doc of parseAllDocuments(yaml)) {
      expect(doc.errors).toEqual([]);
      expect(doc.toString()).not.toMatch(/(^|\s)[&*][a-z0-9]+(\s|$)/m);
    }
  });

  it("scopes the WasmPlugin to the ports apps reach providers on, and the egress gateway to its llm-mesh server", () => {
    const sidecar = objects({ placement: placements[0][1] }, ALL_TYPES_CONFIG as unknown as LlmMeshConfig).find((o) => o.kind === "WasmPlugin")!;
    // 8000: vllm.models.svc.cluster.local, a cluster service (no ServiceEntry, but the caller's sidecar runs the filter on its port).
    expect((sidecar.spec as any).match).toEqual([{ mode: "CLIENT", ports: [{ number: 80 }, { number: 8000 }, { number: 8080 }, { number: 8443 }] }]);
    const egress = objects({ placement: placements[3][1] }).find((o) => o.kind === "WasmPlugin")!;
    expect((egress.spec as any).match).toEqual([{ mode: "CLIENT" }]);
  });

  it("--registry-only emits a Sidecar with outboundTrafficPolicy REGISTRY_ONLY for the selected workloads", () => {
    const sidecar = objects({ placement: placements[0][1], registryOnly: true }).find((o) => o.kind === "Sidecar")!;
    expect(sidecar.spec).toEqual({ workloadSelector: { labels: { app: "chatbot" } }, egress: [{ hosts: ["*/*"] }], outboundTrafficPolicy: { mode: "REGISTRY_ONLY" } });
    expect(validateIstioObject(sidecar)).toEqual([]);
    expect(() => objects({ placement: placements[3][1], registryOnly: true })).toThrow(/--registry-only applies to --mode sidecar/);
  });

  it("alias hosts get a ServiceEntry and a VirtualService to their first provider, so Envoy routes them to a provider cluster", () => {
    const all = objects({ placement: placements[0][1] }, ALL_TYPES_CONFIG as unknown as LlmMeshConfig);
    const vs = all.find((o) => o.kind === "VirtualService" && (o.spec as any).hosts[0] === "mapped.llm")!.spec as any;
    expect(vs.http[0].route[0].destination).toEqual({ host: "api.openai.com", port: { number: 80 } });
    const se = all.find((o) => o.kind === "ServiceEntry" && (o.spec as any).hosts[0] === "mapped.llm")!.spec as any;
    expect(se).toMatchObject({ location: "MESH_EXTERNAL", resolution: "NONE", ports: [{ number: 80, name: "http-80", protocol: "HTTP" }] });
    const port = all.find((o) => o.kind === "ServiceEntry" && (o.spec as any).hosts[0] === "port.llm")!.spec as any;
    expect(port.ports).toEqual([{ number: 8080, name: "http-8080", protocol: "HTTP" }]);
  });

  it("gateway mode with --emit-gateway writes the Gateway, listing every host llm-mesh serves", () => {
    const placement = placementFrom({ mode: "gateway", selector: ["istio=ingressgateway"], gateway: "istio-system/llm" });
    const gateway = objects({ placement, emitGateway: true }).find((o) => o.kind === "Gateway")!;
    expect(gateway.metadata).toMatchObject({ name: "llm", namespace: "istio-system" });
    expect((gateway.spec as any).servers[0].hosts).toEqual(["api.openai.com", "dashscope.aliyuncs.com", "api.deepseek.com", "api.anthropic.com", "llm.local", "claude.local"]);
    expect(validateIstioObject(gateway)).toEqual([]);
  });

  it("wasmplugin.yaml is what the generator emits (run npm run manifests:example to refresh it)", () => {
    expect(readFileSync(EXAMPLE_MANIFESTS_PATH, "utf8")).toBe(exampleManifestsYaml());
    for (const doc of parseAllDocuments(exampleManifestsYaml())) expect(validateIstioObject(doc.toJS())).toEqual([]);
  });

  it.each([["headers", "WasmPlugin"], ["body", "EnvoyFilter"]] as const)("the command emits the request mode the config names (%s), which is what it validated, whatever --request-mode says", async (mode, kind) => {
    const dir = mkdtempSync(join(tmpdir(), "llm-mesh-manifests-"));
    try {
      writeFileSync(join(dir, "config.json"), JSON.stringify({ ...config, requestMode: mode }));
      const yaml = await manifests({ cwd: dir, config: "config.json", image, digest: EXAMPLE_DIGEST, mode: "sidecar", selector: ["app=a"], requestMode: mode === "body" ? "headers" : "body", log: () => {} });
      expect(parseAllDocuments(yaml).map((d) => d.toJS() as K8sObject).at(-1)!.kind).toBe(kind);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("MCP servers (docs/mcp.md): an external SaaS server and an in-cluster one", () => {
    const mcp = MCP_MESH_CONFIG as unknown as LlmMeshConfig;
    const hostsOf = (all: K8sObject[], kind: string) => all.filter((o) => o.kind === kind).flatMap((o) => ((o.spec as any).hosts ?? [(o.spec as any).host]) as string[]);
    /** The listener ports the filter is put on: the WasmPlugin's match, or the EnvoyFilter's inserts. */
    const filterPorts = (all: K8sObject[]) => {
      const filter = all.at(-1)!;
      if (filter.kind === "WasmPlugin") return ((filter.spec as any).match[0].ports ?? []).map((p: { number: number }) => p.number);
      return (filter.spec as any).configPatches.filter((p: any) => p.applyTo === "HTTP_FILTER").map((p: any) => p.match.listener?.portNumber ?? p.match.context);
    };
    // name, placement, request mode, ServiceEntry hosts, where the filter runs
    const rows: [string, ManifestOptions["placement"], "body" | "headers", string[], (number | string)[]][] = [
      // The agent's sidecar runs the filter on 80 (the external server, TLS originated) and 8080 (the in-cluster service's port).
      ["sidecar, body mode", placements[0][1], "body", ["api.githubcopilot.com"], [80, 8080]],
      // The egress gateway sees only traffic leaving the mesh: the external server's.
      ["egress gateway, body mode", placements[3][1], "body", ["api.githubcopilot.com"], ["GATEWAY"]],
      ["ingress gateway, body mode", placements[1][1], "body", ["api.githubcopilot.com"], ["GATEWAY"]],
    ];
    it.each(rows)("%s: a ServiceEntry only for the external server, the filter where its callers are, every object valid", (_name, placement, requestMode, entries, ports) => {
      const all = objects({ placement, requestMode }, mcp);
      for (const o of all) expect(validateIstioObject(o), `${o.kind}/${o.metadata.name}`).toEqual([]);
      expect(hostsOf(all, "ServiceEntry")).toEqual(entries);
      if (ports.length > 0) expect(filterPorts(all)).toEqual(ports);
      const tls = all.find((o) => o.kind === "DestinationRule" && (o.spec as any).host === "api.githubcopilot.com")!.spec as any;
      expect(tls.trafficPolicy.portLevelSettings).toEqual([{ port: { number: 80 }, tls: { mode: "SIMPLE", sni: "api.githubcopilot.com", caCertificates: "/etc/ssl/certs/ca-certificates.crt" } }]);
      // The server's token comes from the proxy's environment, never from the object.
      expect(JSON.stringify(all)).toContain("GITHUB_MCP_TOKEN");
    });

    it("ambient waypoints are refused: MCP routes need body mode, which Istio cannot deliver there", () => {
      expect(() => objects({ placement: placements[4][1], requestMode: "body" }, mcp)).toThrow(/MCP routes need request mode body, which Istio cannot deliver to waypoint proxies/);
    });

    it("egress mode names the in-cluster server's route as one the egress gateway never sees", () => {
      expect(egressUnreachableRoutes(mcp)).toEqual([{ name: "inventory-tools", inCluster: true }]);
      const gateway = objects({ placement: placements[3][1], requestMode: "body" }, mcp).find((o) => o.kind === "Gateway")!;
      expect((gateway.spec as any).servers[0].hosts).toEqual(["api.githubcopilot.com"]);
    });

    // provider, ServiceEntry ports (none: no ServiceEntry), sidecar filter ports
    const endpoints: [string, Record<string, unknown>, unknown[] | null, number[]][] = [
      ["an external server without a port: HTTP 80 for apps, TLS originated to 443", { host: "mcp.example.com" }, [{ number: 80, name: "http", protocol: "HTTP", targetPort: 443 }, { number: 443, name: "https", protocol: "HTTPS" }], [80]],
      ["an external server on 443: the same", { host: "mcp.example.com", port: 443 }, [{ number: 80, name: "http", protocol: "HTTP", targetPort: 443 }, { number: 443, name: "https", protocol: "HTTPS" }], [80]],
      // The existing rule for every provider: only 443 or no port means TLS; another port is plain HTTP on it.
      ["an external server on another port: plain HTTP on that port, no TLS origination", { host: "mcp.example.com", port: 8443 }, [{ number: 8443, name: "http-8443", protocol: "HTTP" }], [8443]],
      ["a cluster service without a port: no ServiceEntry, the filter on 80", { host: "tools.agents.svc.cluster.local" }, null, [80]],
      ["a cluster service (short .svc form) on its port", { host: "tools.agents.svc", port: 9000 }, null, [9000]],
    ];
    it.each(endpoints)("%s", (_name, fields, sePorts, sidecarFilterPorts) => {
      // The route matches the server's own authority (an alias host would add its own port, 80).
      const authority = fields.port ? `${fields.host}:${fields.port}` : String(fields.host);
      const cfg = { providers: [{ name: "s", type: "mcp", ...fields }], routes: [{ name: "r", match: { host: authority }, backends: [{ provider: "s" }] }] } as unknown as LlmMeshConfig;
      const all = objects({ placement: placements[0][1], requestMode: "body" }, cfg);
      const se = all.find((o) => o.kind === "ServiceEntry" && (o.spec as any).hosts[0] === fields.host);
      expect(se ? (se.spec as any).ports : null).toEqual(sePorts);
      expect(all.some((o) => o.kind === "DestinationRule" && (o.spec as any).host === fields.host)).toBe(sePorts !== null && sePorts.length === 2);
      expect(filterPorts(all)).toEqual(sidecarFilterPorts);
    });

    it("llm-mesh envoy's bootstrap: the external server over TLS (SNI, its certificate's name), the in-cluster one plain HTTP by DNS on its port", () => {
      const bootstrap = buildBootstrap({ wasmPath: "/tmp/llm-mesh.wasm", pluginConfig: MCP_MESH_CONFIG as any }) as any;
      const clusters = Object.fromEntries(bootstrap.static_resources.clusters.map((c: any) => [c.name, c]));
      const github = clusters["outbound|443||api.githubcopilot.com"];
      expect(github).toMatchObject({ type: "LOGICAL_DNS", transport_socket: { typed_config: { sni: "api.githubcopilot.com" } } });
      expect(JSON.stringify(github.transport_socket)).toContain('"exact":"api.githubcopilot.com"');
      const inventory = clusters["outbound|8080||inventory.tools.svc.cluster.local"];
      expect(inventory).toMatchObject({ type: "LOGICAL_DNS", load_assignment: { endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "inventory.tools.svc.cluster.local", port_value: 8080 } } } }] }] } });
      expect(inventory.transport_socket).toBeUndefined();
      const vhosts = bootstrap.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts;
      expect(vhosts.find((v: any) => v.name === "outbound|8080||inventory.tools.svc.cluster.local").domains).toContain("inventory.tools.svc.cluster.local:8080");
      expect(vhosts.find((v: any) => v.name === "outbound|443||api.githubcopilot.com").domains).toEqual(expect.arrayContaining(["api.githubcopilot.com", "api.githubcopilot.com:80"]));
      // The stats rules extract the MCP labels.
      expect(bootstrap.stats_config.stats_tags.map((t: any) => t.tag_name)).toEqual(expect.arrayContaining(["mcp_method_name", "gen_ai_tool_name", "error_type", "llm_mesh_mcp_server"]));
      expect(bootstrap.stats_config.histogram_bucket_settings).toContainEqual({ match: { suffix: "mcp.client.operation.duration.ms" }, buckets: [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000, 120000, 300000] });
    });

    it("an alias host for an in-cluster server: sidecars resolve it (ServiceEntry) and send it to the service's port, the filter on both; a gateway binds it", () => {
      const cfg = { providers: [MCP_MESH_CONFIG.providers[1]], routes: [{ name: "tools", match: { host: "tools.local" }, backends: [{ provider: "inventory" }] }] } as unknown as LlmMeshConfig;
      const sidecar = objects({ placement: placements[0][1], requestMode: "body" }, cfg);
      for (const o of sidecar) expect(validateIstioObject(o), `${o.kind}/${o.metadata.name}`).toEqual([]);
      expect(sidecar.find((o) => o.kind === "ServiceEntry")!.spec).toMatchObject({ hosts: ["tools.local"], resolution: "NONE", ports: [{ number: 80 }] });
      const to = { host: "inventory.tools.svc.cluster.local", port: { number: 8080 } };
      expect((sidecar.find((o) => o.kind === "VirtualService")!.spec as any).http[0].route[0].destination).toEqual(to);
      expect(filterPorts(sidecar)).toEqual([80, 8080]);
      const gateway = objects({ placement: placements[1][1], requestMode: "body" }, cfg).filter((o) => o.kind === "VirtualService");
      expect(gateway.map((v) => [(v.spec as any).hosts[0], (v.spec as any).http[0].route[0].destination])).toEqual([["tools.local", to]]);
    });

    it("tokenFromMetadataServer: the GKE metadata server's ServiceEntry, as for vertex-ai", () => {
      const cfg = { providers: [{ name: "s", type: "mcp", host: "mcp.example.com", tokenFromMetadataServer: true }], routes: [{ name: "r", match: { host: "mcp.example.com" }, backends: [{ provider: "s" }] }] } as unknown as LlmMeshConfig;
      const entry = objects({ placement: placements[0][1], requestMode: "body" }, cfg).find((o) => o.kind === "ServiceEntry" && (o.spec as any).hosts[0] === "metadata.google.internal");
      expect(entry?.spec).toMatchObject({ resolution: "STATIC", endpoints: [{ address: "169.254.169.254" }] });
    });
  });
});
