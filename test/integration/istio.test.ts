// Proof through Istio's own control plane: the manifests llm-mesh emits go through Istio's
// discovery server code (built from istio.io/istio, see src-host-tools/istio/), and the Envoy
// config it generates for a sidecar, an ingress gateway and an egress gateway is loaded into real
// Envoy with the real module; chat requests must reach the mock provider rewritten, with the key.
// Both request modes: body (the EnvoyFilter pair, flag included) and headers (the WasmPlugin).
import { parseAllDocuments, stringify } from "yaml";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { placementFrom } from "../../src-host-tools/commands/manifests.js";
import { renderManifests } from "../../src-host-tools/manifests/render.js";
import { EXAMPLE_DIGEST } from "../../src-host-tools/manifests/example.js";
import { locateEnvoy } from "../../src-host-tools/envoy/locate.js";
import { RunningEnvoy, startEnvoy } from "../../src-host-tools/envoy/process.js";
import { MockProviders, startMockProviders } from "../../src-host-tools/mock/providers.js";
import { buildIstioXds, istioctl, istioXds, ProxySpec } from "../../src-host-tools/istio/xds.js";
import { bootstrapFromIstio, generatedCluster, IstioXds } from "../../src-host-tools/istio/xds-to-bootstrap.js";
import type { LlmMeshConfig } from "../../src-host-tools/config/schema.js";
import type { Placement } from "../../src-host-tools/manifests/options.js";
import { send } from "../support/envoy.js";
import { meshConfigFragment } from "../../src-host-tools/telemetry/istio.js";
import { METRIC_LABELS } from "../../src-host-tools/telemetry/envoy.js";
import { WASM_PATH } from "../support/filter.js";
import { FaultProvider } from "../support/fault-provider.js";
import { MCP_MESH_CONFIG } from "../support/fixtures.js";
import { newKey } from "../../src-host-tools/config/consumer-key.js";
import { McpUpstream } from "../support/mcp-upstream.js";

const KEYS = { OPENAI_API_KEY: "test-openai-key", MISTRAL_API_KEY: "test-mistral-key" };
const config: LlmMeshConfig = {
  providers: [
    { name: "openai", type: "openai", apiKeys: [{ env: "OPENAI_API_KEY" }] },
    { name: "mistral", type: "mistral", apiKeys: [{ env: "MISTRAL_API_KEY" }] },
  ],
  routes: [
    { name: "openai", match: { host: "api.openai.com" }, backends: [{ provider: "openai" }], modelMapping: { "gpt-4": "gpt-4o" } },
    { name: "mistral", match: { host: "api.mistral.ai" }, backends: [{ provider: "mistral" }] },
  ],
};

interface Case { name: string; placement: Placement; proxy: ProxySpec; listener: string; filterChain?: string; modes: ("body" | "headers")[] }

const GATEWAY_KUBE = (ns: string, name: string, labels: Record<string, string>) => stringify({
  apiVersion: "v1", kind: "Service", metadata: { name, namespace: ns, labels },
  spec: { selector: labels, ports: [{ name: "http2", port: 80, targetPort: 8080 }] },
});

/** The waypoint as Istio's own waypoint tests declare it: Service, instance, Gateway of the waypoint class. */
const WAYPOINT_KUBE = [
  { apiVersion: "v1", kind: "Service", metadata: { name: "waypoint", namespace: "default" }, spec: { clusterIP: "3.0.0.0", ports: [{ appProtocol: "hbone", name: "mesh", port: 15008 }], selector: { "gateway.networking.k8s.io/gateway-name": "waypoint" } } },
  { apiVersion: "networking.istio.io/v1", kind: "WorkloadEntry", metadata: { name: "waypoint-a", namespace: "default" }, spec: { address: "3.0.0.1", labels: { "gateway.networking.k8s.io/gateway-name": "waypoint" } } },
  { apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", metadata: { name: "waypoint", namespace: "default" }, spec: { gatewayClassName: "istio-waypoint", listeners: [{ name: "mesh", port: 15008, protocol: "HBONE" }] },
    status: { addresses: [{ type: "Hostname", value: "waypoint.default.svc.cluster.local" }] } },
].map((o) => stringify(o)).join("---\n");

const CASES: Case[] = [
  { name: "sidecar", placement: placementFrom({ mode: "sidecar", selector: ["app=chatbot"] }), proxy: { type: "sidecar", namespace: "default", labels: { app: "chatbot" } }, listener: "0.0.0.0_80", modes: ["body", "headers"] },
  {
    name: "ingress gateway", placement: { ...placementFrom({ mode: "gateway", selector: ["istio=ingressgateway"], gateway: "istio-system/llm" }) },
    proxy: { type: "router", namespace: "istio-system", labels: { istio: "ingressgateway" }, kube: GATEWAY_KUBE("istio-system", "istio-ingressgateway", { istio: "ingressgateway" }) },
    listener: "0.0.0.0_8080", modes: ["body", "headers"],
  },
  {
    name: "egress gateway", placement: placementFrom({ mode: "egress" }),
    proxy: { type: "router", namespace: "istio-system", labels: { istio: "egressgateway" }, kube: GATEWAY_KUBE("istio-system", "istio-egressgateway", { istio: "egressgateway" }) },
    listener: "0.0.0.0_8080", modes: ["body", "headers"],
  },
  {
    // Ambient: the waypoint's internal listener, chain of the provider's service. Headers mode only:
    // Istio applies no EnvoyFilter listener patches to waypoints (manifests refuses body mode there).
    name: "ambient waypoint", placement: placementFrom({ mode: "waypoint", waypoint: "waypoint" }),
    proxy: { type: "waypoint", namespace: "default", labels: { "gateway.networking.k8s.io/gateway-name": "waypoint", "gateway.istio.io/managed": "istio.io-mesh-controller" }, ip: "3.0.0.1", kube: WAYPOINT_KUBE },
    listener: "main_internal", filterChain: "inbound-vip|80|http|api.openai.com", modes: ["headers"],
  },
];

const chat = (model: string) => JSON.stringify({ model, messages: [{ role: "user", content: "hello" }] });

describe.each(CASES.flatMap((c) => c.modes.map((mode) => ({ ...c, mode }))))("through istiod's own config: $name, $mode mode", (c) => {
  let xds: IstioXds;
  let mock: MockProviders;
  let envoy: RunningEnvoy;
  beforeAll(async () => {
    buildIstioXds();
    const yaml = renderManifests({ config, image: "oci://registry.example.com/llm-mesh", digest: EXAMPLE_DIGEST, placement: c.placement, requestMode: c.mode, emitGateway: c.name === "ingress gateway" });
    xds = istioXds(yaml, c.proxy);
    mock = await startMockProviders(config.providers.map((p) => ({ ...p, acceptedKeys: [KEYS[p.apiKeys![0].env as keyof typeof KEYS]] })));
    const bootstrap = bootstrapFromIstio(xds, { listener: c.listener, filterChain: c.filterChain, wasmPath: WASM_PATH, mock: { address: "127.0.0.1", port: mock.port }, env: KEYS });
    envoy = await startEnvoy({ envoyPath: locateEnvoy().path, config: stringify(bootstrap, { lineWidth: 0 }) });
  }, 1_800_000);
  afterAll(async () => { await envoy?.stop(); await mock?.close(); });

  it("istiod delivers the filter as configured: request mode, flag, failure policy", () => {
    const wasm = c.mode === "body"
      ? xds.extensionConfigs.map((e) => e.typed_config ?? e.typedConfig).find((t) => t?.config)?.config
      : xds.extensionConfigs.map((e) => e.typed_config ?? e.typedConfig).find((t) => t?.config)?.config;
    expect(wasm, JSON.stringify(xds.extensionConfigs).slice(0, 400)).toBeDefined();
    expect(JSON.parse(wasm.configuration.value).requestMode).toBe(c.mode);
    expect(Boolean(wasm.allow_on_headers_stop_iteration ?? wasm.allowOnHeadersStopIteration)).toBe(c.mode === "body");
    expect(wasm.failure_policy ?? wasm.failurePolicy).toBe("FAIL_RELOAD");
  });

  it("a chat request reaches the provider rewritten, with the key", async () => {
    const reply = await send(envoy.url, { host: "api.openai.com", body: chat("gpt-4") });
    expect(reply.status, reply.body).toBe(200);
    const got = mock.received.at(-1)!;
    expect(got.headers.authorization).toBe("Bearer test-openai-key");
    expect(got.body?.model).toBe("gpt-4o");
    expect(reply.headers["x-llm-mesh-provider"]).toBe("openai");
  });

  // The waypoint chain under test is the one for api.openai.com's service.
  if (c.name !== "ambient waypoint") it("each provider host goes to its own provider", async () => {
    const reply = await send(envoy.url, { host: "api.mistral.ai", body: chat("mistral-small-latest") });
    expect(reply.status, reply.body).toBe(200);
    expect(mock.received.at(-1)!.headers.authorization).toBe("Bearer test-mistral-key");
  });

  it("the provider cluster originates TLS to port 443 with SNI and verifies the certificate", () => {
    const cluster = generatedCluster(xds, c.name === "ambient waypoint" ? "inbound-vip|80|http|api.openai.com" : "outbound|80||api.openai.com");
    expect(cluster, xds.clusters.map((x) => x.name).join(", ")).toBeDefined();
    const tls = JSON.stringify(cluster.transport_socket ?? cluster.transportSocket ?? cluster.transport_socket_matches ?? cluster.transportSocketMatches);
    expect(tls).toContain("api.openai.com");
    expect(tls).toContain("/etc/ssl/certs/ca-certificates.crt");
  });
});

/** A failover route between two providers (the first failing), as each placement gets it from istiod. */
const failoverConfig: LlmMeshConfig = {
  providers: config.providers,
  routes: [{
    name: "chat", match: { host: "api.openai.com" },
    backends: [{ provider: "openai", model: "gpt-4o" }, { provider: "mistral", model: "mistral-small-latest" }],
    failover: { attempts: 3, perTryIdleTimeoutMs: 2000, ejection: { consecutiveFailures: 3, baseMs: 10_000 } },
    timeouts: { requestMs: 120_000, streamIdleMs: 60_000 },
  }, {
    // A plain route's timeouts go into its provider's own route.
    name: "mistral", match: { host: "api.mistral.ai" }, backends: [{ provider: "mistral" }], timeouts: { requestMs: 45_000, streamIdleMs: 30_000 },
  }],
};

const PLACEMENTS: [string, Placement, Record<string, unknown>][] = [
  ["sidecar", placementFrom({ mode: "sidecar", selector: ["app=chatbot"] }), { registryOnly: true, accessLog: true }],
  ["ingress gateway", placementFrom({ mode: "gateway", selector: ["istio=ingressgateway"], gateway: "istio-system/llm" }), { emitGateway: true }],
  ["egress gateway", placementFrom({ mode: "egress" }), {}],
  ["ambient waypoint", placementFrom({ mode: "waypoint", waypoint: "llm-waypoint" }), {}],
];

/** Istio's notice on any EnvoyFilter: the one warning `istioctl validate` gives manifests with one. */
const ENVOYFILTER_NOTICE = "EnvoyFilter exposes internal implementation details";

/** `istioctl validate` on `yaml`: no errors, and only the `expected` warnings; `istioctl analyze` (offline): none. */
function itPassesIstioctl(yaml: string, expected: string[]): void {
  it("istioctl validate: no errors; the only warning is Istio's notice on any EnvoyFilter", () => {
    const { status, output } = istioctl(["validate", "-f"], yaml);
    expect(status, output).toBe(0);
    const warnings = output.split("\n").filter((l) => l.trim().startsWith("*"));
    expect([...new Set(warnings.map((w) => expected.find((e) => w.includes(e)) ?? w))]).toEqual(expected);
  }, 600_000);

  it("istioctl analyze (offline): no errors, no warnings", () => {
    const { status, output } = istioctl(["analyze", "--use-kube=false"], yaml);
    expect(output, output).toContain("No validation issues found");
    expect(status).toBe(0);
  }, 600_000);
}

describe.each(PLACEMENTS.flatMap(([name, placement, extra]) => (name === "ambient waypoint" ? ["headers"] as const : ["body", "headers"] as const).map((mode) => ({ name, placement, extra, mode }))))(
  "istioctl on the emitted manifests: $name, $mode mode", ({ placement, extra, mode }) => {
    // Failover routes too, where the placement can have them (an EnvoyFilter more).
    const withFailover = placement.mode !== "waypoint";
    const yaml = renderManifests({ config: withFailover ? { ...config, routes: [...config.routes.slice(1), { ...failoverConfig.routes[0], name: "chat-failover", match: { host: "api.openai.com", headers: [{ name: "x-failover", exact: "1" }] } }] } : config,
      image: "oci://registry.example.com/llm-mesh", digest: EXAMPLE_DIGEST, placement, requestMode: mode, ...extra });

    itPassesIstioctl(yaml, mode === "body" || withFailover ? [ENVOYFILTER_NOTICE] : []);
  });

describe.each(CASES.filter((c) => c.name !== "ambient waypoint").flatMap((c) => c.modes.map((mode) => ({ ...c, mode }))))("failover through istiod's own config: $name, $mode mode", (c) => {
  let xds: IstioXds;
  let envoy: RunningEnvoy;
  const openai = new FaultProvider("openai", [KEYS.OPENAI_API_KEY]);
  const mistral = new FaultProvider("mistral", [KEYS.MISTRAL_API_KEY]);
  let mock: MockProviders;
  beforeAll(async () => {
    buildIstioXds();
    const yaml = renderManifests({ config: failoverConfig, image: "oci://registry.example.com/llm-mesh", digest: EXAMPLE_DIGEST, placement: c.placement, requestMode: c.mode, emitGateway: c.name === "ingress gateway" });
    xds = istioXds(yaml, c.proxy);
    openai.fault = { kind: "status", status: 503 };
    const [openaiPort, mistralPort] = [await openai.start(), await mistral.start()];
    mock = await startMockProviders(config.providers.map((p) => ({ ...p, acceptedKeys: [KEYS[p.apiKeys![0].env as keyof typeof KEYS]] })));
    const bootstrap = bootstrapFromIstio(xds, {
      listener: c.listener, wasmPath: WASM_PATH, mock: { address: "127.0.0.1", port: mock.port }, env: KEYS,
      poolUpstreams: { "api.openai.com": { address: "127.0.0.1", port: openaiPort }, "api.mistral.ai": { address: "127.0.0.1", port: mistralPort } },
    });
    envoy = await startEnvoy({ envoyPath: locateEnvoy().path, config: stringify(bootstrap, { lineWidth: 0 }) });
  }, 1_800_000);
  afterAll(async () => { await envoy?.stop(); await openai.close(); await mistral.close(); await mock?.close(); });

  it("the provider failing costs the clients nothing: each try rewritten for its backend, the failing one ejected", async () => {
    for (let i = 0; i < 8; i++) {
      const reply = await send(envoy.url, { host: "api.openai.com", body: chat("any") });
      expect(reply.status, reply.body).toBe(200);
      expect(reply.json().choices[0].message.content).toBe("answered by mistral");
      expect(reply.headers["x-llm-mesh-model"]).toBe("mistral-small-latest");
    }
    expect(openai.count()).toBeGreaterThanOrEqual(1);
    // Ejected at its third failure; one more try may start while the ejection reaches the worker.
    expect(openai.count()).toBeLessThanOrEqual(4);
    expect(openai.received.every((r) => r.key === KEYS.OPENAI_API_KEY && r.body.model === "gpt-4o")).toBe(true);
    expect(mistral.received.every((r) => r.key === KEYS.MISTRAL_API_KEY && r.body.model === "mistral-small-latest")).toBe(true);
  });

  it("istiod's pool: each provider's own TLS (SNI, certificate name, CA), weights, outlier detection, the upstream filter", () => {
    const pool = generatedCluster(xds, "llm-mesh-failover|chat");
    expect(pool, xds.clusters.map((x) => x.name).join(", ")).toBeDefined();
    const text = JSON.stringify(pool);
    for (const host of ["api.openai.com", "api.mistral.ai"]) {
      expect(text).toContain(`"sni":"${host}"`);
      expect(text).toContain(`"exact":"${host}"`);
    }
    expect(text).toContain("/etc/ssl/certs/ca-certificates.crt");
    expect(text).toMatch(/"consecutive_?5xx"|"consecutive5xx"/i);
    const upstream = xds.extensionConfigs.find((e) => e.name.endsWith("-upstream"));
    const plugin = JSON.parse((upstream.typed_config ?? upstream.typedConfig).config.configuration.value);
    expect(plugin.role).toBe("upstream");
  });

  it("istiod's route for a plain route's provider carries that route's timeouts", () => {
    const vhosts = xds.routes.flatMap((r) => r.virtual_hosts ?? r.virtualHosts ?? []);
    const vhost = vhosts.find((v) => v.name === "api.mistral.ai:80");
    expect(vhost, vhosts.map((v) => v.name).join(", ")).toBeDefined();
    const action = vhost.routes[0].route;
    expect(action.timeout).toBe("45s");
    expect(action.idle_timeout ?? action.idleTimeout).toBe("30s");
  });

  it("istiod's route for the pool: retries on another backend, the route's timeouts", () => {
    const vhosts = xds.routes.flatMap((r) => r.virtual_hosts ?? r.virtualHosts ?? []);
    const vhost = vhosts.find((v) => v.name === "llm-mesh-failover|chat");
    expect(vhost, vhosts.map((v) => v.name).join(", ")).toBeDefined();
    const action = vhost.routes[0].route;
    expect(action.timeout).toBe("120s");
    expect(action.idle_timeout ?? action.idleTimeout).toBe("60s");
    const retry = action.retry_policy ?? action.retryPolicy;
    expect(retry.num_retries ?? retry.numRetries).toBe(2);
    expect(JSON.stringify(retry)).toContain("previous_hosts");
  });
});

describe.each(["body", "headers"] as const)("global quotas through istiod's own config: sidecar, %s mode", (mode) => {
  const quotaConfig: LlmMeshConfig = {
    ...config,
    consumers: [{ name: "batch", principals: ["spiffe://cluster.local/ns/default/sa/batch"], limits: [{ tokensPerMinute: 100000, global: true }] }],
  };
  const options = { config: quotaConfig, image: "oci://registry.example.com/llm-mesh", digest: EXAMPLE_DIGEST, placement: CASES[0].placement, requestMode: mode, rateLimitService: "ratelimit.ratelimit.svc.cluster.local:8081" };

  it("istiod puts Envoy's rate limit filter after llm-mesh and before the router, with the limits and the service's cluster", () => {
    buildIstioXds();
    const xds = istioXds(renderManifests(options), CASES[0].proxy);
    const listener = xds.listeners.find((l) => l.name === "0.0.0.0_80");
    const hcm = (listener.filter_chains ?? listener.filterChains).flatMap((fc: any) => fc.filters).find((f: any) => f.name === "envoy.filters.network.http_connection_manager");
    const names: string[] = ((hcm.typed_config ?? hcm.typedConfig).http_filters ?? (hcm.typed_config ?? hcm.typedConfig).httpFilters).map((f: any) => f.name);
    const wasm = names.findIndex((n) => n.includes("llm-mesh"));
    const limit = names.indexOf("envoy.filters.http.ratelimit");
    expect(wasm, names.join(", ")).toBeGreaterThanOrEqual(0);
    expect(limit, names.join(", ")).toBeGreaterThan(wasm);
    expect(names.indexOf("envoy.filters.http.router")).toBeGreaterThan(limit);
    const text = JSON.stringify(hcm);
    expect(text).toContain("outbound|8081||ratelimit.ratelimit.svc.cluster.local");
    expect(text).toContain("wasm.llm_mesh.reserved_tokens");
  }, 600_000);

  it("istioctl validate and analyze accept it", () => {
    const yaml = renderManifests(options);
    const validate = istioctl(["validate", "-f"], yaml);
    expect(validate.status, validate.output).toBe(0);
    const analyze = istioctl(["analyze", "--use-kube=false"], yaml);
    expect(analyze.output).toContain("No validation issues found");
  }, 600_000);
});

describe("metrics labels and access log through Istio's own code: sidecar, body mode", () => {
  let logDir: string;
  let xds: IstioXds;
  let mock: MockProviders;
  let envoy: RunningEnvoy;
  beforeAll(async () => {
    buildIstioXds();
    const placement = placementFrom({ mode: "sidecar", selector: ["app=chatbot"] });
    const yaml = renderManifests({ config, image: "oci://registry.example.com/llm-mesh", digest: EXAMPLE_DIGEST, placement, requestMode: "body", accessLog: true });
    // istiod runs with llm-mesh's mesh config fragment; pilot-agent's code renders the bootstrap with it.
    xds = istioXds(yaml, { type: "sidecar", namespace: "default", labels: { app: "chatbot" }, meshConfig: stringify(meshConfigFragment().meshConfig), bootstrap: true });
    mock = await startMockProviders(config.providers.map((p) => ({ ...p, acceptedKeys: [KEYS[p.apiKeys![0].env as keyof typeof KEYS]] })));
    const bootstrap = bootstrapFromIstio(xds, { listener: "0.0.0.0_80", wasmPath: WASM_PATH, mock: { address: "127.0.0.1", port: mock.port }, env: KEYS });
    // The provider's /dev/stdout cannot be opened when stdout is a pipe: the test reads a file instead.
    logDir = mkdtempSync(join(tmpdir(), "llm-mesh-istio-log-"));
    const text = JSON.stringify(bootstrap).replaceAll('"/dev/stdout"', JSON.stringify(join(logDir, "access.log")));
    envoy = await startEnvoy({ envoyPath: locateEnvoy().path, config: text, fileFlushIntervalMs: 100 });
  }, 1_800_000);
  afterAll(async () => { await envoy?.stop(); await mock?.close(); if (logDir) rmSync(logDir, { recursive: true, force: true }); });

  it("pilot-agent's bootstrap extracts every llm-mesh label (extraStatTags)", () => {
    const tags = (xds.bootstrap.stats_config.stats_tags as { tag_name: string; regex: string }[]).map((t) => t.tag_name);
    for (const label of METRIC_LABELS) expect(tags, label).toContain(label);
  });

  it("istiod puts the Telemetry's access log, with llm-mesh's fields, on the outbound listener", () => {
    const listener = xds.listeners.find((l) => l.name === "0.0.0.0_80");
    const text = JSON.stringify(listener);
    expect(text).toContain("wasm.llm_mesh.log");
  });

  it("a request's tokens reach Prometheus's format as labels, and its access-log line carries them", async () => {
    const reply = await send(envoy.url, { host: "api.openai.com", body: chat("gpt-4") });
    expect(reply.status, reply.body).toBe(200);
    const usage = JSON.parse(reply.body).usage as { prompt_tokens: number };
    let metrics = "";
    for (let i = 0; i < 50 && !/^llm_mesh_requests_total\{/m.test(metrics); i++) {
      await new Promise((r) => setTimeout(r, 100));
      metrics = await (await fetch(`${envoy.adminUrl}/stats/prometheus`)).text();
    }
    const line = metrics.split("\n").find((l) => l.startsWith("llm_mesh_tokens_total{") && l.includes('gen_ai_token_type="input"'));
    expect(line, metrics.split("\n").filter((l) => l.includes("llm_mesh")).join("\n")).toBeDefined();
    expect(line).toContain('llm_mesh_route="openai"');
    expect(line).toContain('gen_ai_request_model="gpt-4o"');
    expect(Number(line!.split(" ").pop())).toBe(usage.prompt_tokens);
    let logged: Record<string, string> | undefined;
    for (let i = 0; i < 50 && !logged; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const file = join(logDir, "access.log");
      const lines = existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((l) => l.startsWith("{")) : [];
      // llm-mesh's own fields are one JSON object in the line's llm_mesh field.
      logged = lines.map((l) => JSON.parse(l) as Record<string, string>).find((l) => typeof l.llm_mesh === "string" && JSON.parse(l.llm_mesh).route === "openai");
    }
    expect(logged).toMatchObject({ backend: "openai", request_model: "gpt-4o" });
    expect(JSON.parse(logged!.llm_mesh)).toMatchObject({ route: "openai", input_tokens: usage.prompt_tokens });
  });
});

// MCP servers (docs/mcp.md): an external SaaS server (a ServiceEntry, TLS originated) and an
// in-cluster one (istiod knows it from its Service; no ServiceEntry), called from an agent's pod.
// The agent's sidecar runs llm-mesh on both ports; each Envoy here is one agent pod's sidecar, with
// the node metadata Istio gives it. The two agents are told apart by gateway keys (x-api-key) as
// well as by their SPIFFE ids: the filter does not read the identity from the node metadata in real
// Envoy yet (the last test below holds that, until it does).
const MCP_AGENT_KEYS = { triage: newKey(), release: newKey() };
const mcpConfig = {
  ...MCP_MESH_CONFIG,
  consumers: MCP_MESH_CONFIG.consumers.map((c) => ({ ...c, keys: [MCP_AGENT_KEYS[c.name === "triage-agent" ? "triage" : "release"].stored] })),
} as unknown as LlmMeshConfig;
const MCP_KEYS = { GITHUB_MCP_TOKEN: "test-github-token" };
const MCP_TOOLS = { "api.githubcopilot.com": ["get_issue", "search_code", "create_release"], "inventory.tools.svc.cluster.local": ["list_items", "get_item", "delete_item"] };
const INVENTORY_KUBE = stringify({
  apiVersion: "v1", kind: "Service", metadata: { name: "inventory", namespace: "tools" },
  spec: { clusterIP: "10.96.0.50", selector: { app: "inventory" }, ports: [{ name: "http", port: 8080, targetPort: 8080 }] },
});
const MCP_PROXY: ProxySpec = { type: "sidecar", namespace: "agents", labels: { app: "agent" }, kube: INVENTORY_KUBE, meshConfig: stringify(meshConfigFragment().meshConfig), bootstrap: true };
/** The agents' namespace for sidecars (an EnvoyFilter's workloadSelector applies in its own namespace); a gateway's otherwise. */
const mcpManifests = (placement: Placement) => renderManifests({ config: mcpConfig, image: "oci://registry.example.com/llm-mesh", digest: EXAMPLE_DIGEST, placement, requestMode: "body", ...(placement.mode === "sidecar" ? { namespace: "agents" } : {}) });

describe("MCP servers through istiod's own config: the agents' sidecars, body mode", () => {
  let xds: IstioXds;
  let upstream: McpUpstream;
  const agents: Record<string, RunningEnvoy> = {};
  beforeAll(async () => {
    buildIstioXds();
    xds = istioXds(mcpManifests(placementFrom({ mode: "sidecar", selector: ["app=agent"] })), MCP_PROXY);
    upstream = new McpUpstream(MCP_TOOLS);
    const port = await upstream.start();
    // The external server's port (80) and the in-cluster server's (8080), as istiod made them; clusters are the same for both.
    const [external, inCluster] = ["0.0.0.0_80", "0.0.0.0_8080"].map((listener) => bootstrapFromIstio(xds, { listener, wasmPath: WASM_PATH, mock: { address: "127.0.0.1", port }, env: MCP_KEYS }) as any);
    for (const account of ["triage", "release"]) {
      const bootstrap = {
        ...external,
        // What the agent pod's istio-agent writes: the filter reads the caller's identity from it (sidecar outbound, plaintext).
        node: { id: `sidecar~10.1.0.7~${account}-0.agents~agents.svc.cluster.local`, cluster: `${account}.agents`, metadata: { NAMESPACE: "agents", SERVICE_ACCOUNT: account } },
        static_resources: { ...external.static_resources, listeners: [{ ...external.static_resources.listeners[0], name: "external" }, { ...inCluster.static_resources.listeners[0], name: "in_cluster" }] },
      };
      agents[account] = await startEnvoy({ envoyPath: locateEnvoy().path, config: stringify(bootstrap, { lineWidth: 0 }) });
    }
  }, 1_800_000);
  afterAll(async () => { for (const envoy of Object.values(agents)) await envoy.stop(); await upstream?.close(); });

  let nextId = 1;
  /** One JSON-RPC request from an agent to a server, as an MCP client sends it. */
  const rpc = (account: string, server: "github" | "inventory", method: string, params?: Record<string, unknown>, headers: Record<string, string> = {}) => send(agents[account].listeners[server === "github" ? "external" : "in_cluster"], {
    host: server === "github" ? "api.githubcopilot.com" : "inventory.tools.svc.cluster.local:8080", path: server === "github" ? "/mcp/" : "/mcp",
    // An empty value leaves the header out.
    headers: Object.fromEntries(Object.entries({ accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-06-18", "x-api-key": MCP_AGENT_KEYS[account as "triage" | "release"].key, ...headers }).filter(([, v]) => v !== "")),
    body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, ...(params ? { params } : {}) }),
  });
  const toolNames = (reply: { status: number; body: string; json(): any }) => {
    expect(reply.status, reply.body).toBe(200);
    return (reply.json().result.tools as { name: string }[]).map((t) => t.name);
  };

  it("istiod puts llm-mesh on both ports of the agent's sidecar: 80 (the external server) and 8080 (the in-cluster service)", () => {
    for (const name of ["0.0.0.0_80", "0.0.0.0_8080"]) {
      const listener = xds.listeners.find((l) => l.name === name);
      expect(listener, xds.listeners.map((l) => l.name).join(", ")).toBeDefined();
      expect(JSON.stringify(listener), name).toContain("agents.llm-mesh");
    }
    expect(xds.extensionConfigs.some((e) => e.name === "agents.llm-mesh")).toBe(true);
  });

  it("the external server's cluster originates TLS (SNI, CA); the in-cluster one is the Service's own cluster, from no ServiceEntry", () => {
    const tls = JSON.stringify(generatedCluster(xds, "outbound|80||api.githubcopilot.com")?.transport_socket ?? generatedCluster(xds, "outbound|80||api.githubcopilot.com")?.transportSocket);
    expect(tls).toContain("api.githubcopilot.com");
    expect(tls).toContain("/etc/ssl/certs/ca-certificates.crt");
    expect(generatedCluster(xds, "outbound|8080||inventory.tools.svc.cluster.local"), xds.clusters.map((c) => c.name).join(", ")).toBeDefined();
    expect(parseAllDocuments(mcpManifests(placementFrom({ mode: "sidecar", selector: ["app=agent"] }))).map((d) => d.toJS()).filter((o) => o.kind === "ServiceEntry").map((o) => o.spec.hosts[0])).toEqual(["api.githubcopilot.com"]);
  });

  it("two identities see two tool sets of the same servers", async () => {
    expect(toolNames(await rpc("triage", "github", "tools/list"))).toEqual(["get_issue", "search_code"]);
    expect(toolNames(await rpc("release", "github", "tools/list"))).toEqual(["get_issue", "create_release"]);
    expect(toolNames(await rpc("triage", "inventory", "tools/list"))).toEqual(["list_items", "get_item"]);
    // release-agent has no entry for inventory: the route's own list (list_*).
    expect(toolNames(await rpc("release", "inventory", "tools/list"))).toEqual(["list_items"]);
  });

  it("the external server gets its own token, never the agent's credentials; the in-cluster one gets none", async () => {
    const from = upstream.received.length;
    // The agent's own credentials (not llm-mesh keys): removed before the request leaves.
    const own = { authorization: "Bearer the-agents-own-token", "x-auth-token": "the-agents-own-token", cookie: "session=the-agents-own-cookie" };
    expect((await rpc("triage", "github", "tools/call", { name: "get_issue", arguments: { number: 26 } }, own)).json().result.content[0].text).toBe("get_issue ran on api.githubcopilot.com");
    expect((await rpc("triage", "inventory", "tools/call", { name: "get_item", arguments: { id: "a1" } }, own)).json().result.content[0].text).toBe("get_item ran on inventory.tools.svc.cluster.local");
    const [github, inventory] = upstream.received.slice(from);
    expect(github).toMatchObject({ host: "api.githubcopilot.com", path: "/mcp/", authorization: "Bearer test-github-token" });
    expect(inventory).toMatchObject({ host: "inventory.tools.svc.cluster.local:8080", path: "/mcp" });
    expect(inventory.authorization).toBeUndefined();
    for (const r of [github, inventory]) expect(JSON.stringify(r.headers)).not.toContain("the-agents-own");
  });

  it("a tool the caller may not use is answered by llm-mesh in JSON-RPC's shape and never reaches the server", async () => {
    const from = upstream.received.length;
    for (const [account, server, tool] of [["triage", "github", "create_release"], ["release", "inventory", "delete_item"]] as const) {
      const reply = await rpc(account, server, "tools/call", { name: tool, arguments: {} });
      expect(reply.status, reply.body).toBe(200);
      expect(reply.json()).toMatchObject({ jsonrpc: "2.0", error: { code: -32602, data: { reason: "llm_mesh.not_allowed" } } });
      expect(reply.json().error.message).toContain(`"${tool}"`);
    }
    expect(upstream.received.slice(from)).toEqual([]);
  });

  it("the MCP metrics reach Prometheus's format with their labels, through pilot-agent's tag rules (extraStatTags)", async () => {
    await rpc("triage", "github", "tools/call", { name: "create_release", arguments: {} });
    let line: string | undefined;
    for (let i = 0; i < 50 && !line; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const metrics = await (await fetch(`${agents.triage.adminUrl}/stats/prometheus`)).text();
      line = metrics.split("\n").find((l) => l.startsWith("llm_mesh_mcp_calls_total{") && l.includes('gen_ai_tool_name="create_release"'));
    }
    expect(line).toBeDefined();
    for (const label of ['mcp_method_name="tools/call"', 'error_type="denied"', 'llm_mesh_mcp_server="github"', 'llm_mesh_route="github-tools"', 'llm_mesh_consumer="triage-agent"', "source_principal="]) {
      expect(line, label).toContain(label);
    }
  });

  // Envoy 1.40 answers the node only as the attribute xds.node (the Wasm property node is gone): the
  // filter reads xds.node first (request/caller.ts). Before that fix, source_principal read "unknown"
  // in real sidecars and a workload was never its consumer by principal.
  it("a sidecar's own workload is its consumer by the SPIFFE id from Istio's node metadata, without a key", async () => {
    const reply = await rpc("triage", "inventory", "tools/list", undefined, { "x-api-key": "" });
    // triage-agent's own list for the inventory; a caller not recognised gets the route's (list_*).
    expect(toolNames(reply)).toEqual(["list_items", "get_item"]);
  });
});

describe.each([
  ["the agents' sidecars", placementFrom({ mode: "sidecar", selector: ["app=agent"] })],
  ["an egress gateway", placementFrom({ mode: "egress" })],
  ["an ingress gateway", placementFrom({ mode: "gateway", selector: ["istio=ingressgateway"], gateway: "istio-system/llm" })],
] as const)("istioctl on the manifests for MCP servers: %s, body mode", (_name, placement) => {
  itPassesIstioctl(mcpManifests(placement), [ENVOYFILTER_NOTICE]);
});
