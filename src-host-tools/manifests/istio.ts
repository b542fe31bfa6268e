// Istio objects for llm-mesh: the WasmPlugin, mesh entries for each provider host, and the
// egress-gateway variant. Plain objects in, plain objects out; YAML is the caller's business.
import { LlmMeshConfig } from "../config/schema.js";
import { ProviderEndpoint, isClusterServiceHost, providerEndpoint } from "../providers.js";
import { UserError } from "../errors.js";
import { awsSigningEnvoyFilter, metadataEntries } from "./credentials.js";
import { keyEnvNames } from "../config/keys.js";
import { bodyModeEnvoyFilter } from "./envoyfilter.js";
import { telemetryObject } from "../telemetry/istio.js";
import { failoverEnvoyFilter } from "../failover/istio.js";
import { K8sObject, LABELS, ManifestOptions, SYSTEM_CA_BUNDLE, checkImage, namespaceFor, waypointRef } from "./options.js";
import { aliasHosts, clusterServiceEndpoints, externalEndpoints, isExternal, objectName, sidecarPorts } from "./hosts.js";

export function wasmPlugin(o: ManifestOptions): K8sObject {
  const hex = checkImage(o);
  const spec: Record<string, unknown> = {};
  const p = o.placement;
  const ports = (numbers: number[]) => numbers.map((number) => ({ number }));
  if (p.mode === "sidecar") {
    // No labels: every workload in the namespace (in the root namespace, the whole mesh).
    if (Object.keys(p.selector).length > 0) spec.selector = { matchLabels: p.selector };
    // Outbound only, and only on the ports apps reach providers on: the filter never sees the
    // pod's other traffic (a request to another port cannot be given a key).
    spec.match = [{ mode: "CLIENT", ports: ports(sidecarPorts(o.config)) }];
  } else if (p.mode === "egress") {
    spec.selector = { matchLabels: p.gatewaySelector };
    // No port selector: Istio matches it against the gateway's listener port (the Service's
    // targetPort, 8080 in Istio's charts), not the Gateway server's port 80; a wrong guess would
    // leave the gateway without the filter (found by test/integration/istio.test.ts).
    spec.match = [{ mode: "CLIENT" }];
  } else if (p.mode === "waypoint") {
    // Ambient: WasmPlugins attach to waypoints by targetRefs, never to workloads.
    spec.targetRefs = [waypointRef(p.waypoint)];
  } else {
    if (p.targetRefs) spec.targetRefs = p.targetRefs.map((t) => ({ group: t.group ?? "gateway.networking.k8s.io", kind: t.kind, name: t.name }));
    else spec.selector = { matchLabels: p.selector ?? { istio: "ingressgateway" } };
    if (p.gatewayPort) spec.match = [{ mode: "CLIENT", ports: ports([p.gatewayPort]) }];
  }
  Object.assign(spec, {
    // Pinned by digest: for oci:// URLs Istio compares sha256 with the image manifest digest.
    url: `${o.image}@${o.digest}`,
    sha256: hex,
    imagePullPolicy: o.imagePullPolicy ?? "IfNotPresent",
    ...(o.imagePullSecret ? { imagePullSecret: o.imagePullSecret } : {}),
    pluginName: o.name ?? "llm-mesh",
    phase: o.phase ?? "STATS",
    ...(o.priority !== undefined ? { priority: o.priority } : {}),
    // Never open by default: a failed VM must not let requests reach providers unrewritten.
    // FAIL_RELOAD also recovers from a trap instead of answering 503 until the proxy restarts.
    failStrategy: o.failStrategy ?? "FAIL_RELOAD",
    type: "HTTP",
    pluginConfig: { ...o.config, requestMode: "headers" },
  });
  const env = keyEnvNames(o.config);
  // HOST: the value comes from the proxy's own environment (a mounted Secret), never this object.
  if (env.length > 0) spec.vmConfig = { env: env.map((name) => ({ name, valueFrom: "HOST" })) };
  return {
    apiVersion: "extensions.istio.io/v1alpha1",
    kind: "WasmPlugin",
    metadata: { name: o.name ?? "llm-mesh", namespace: namespaceFor(o), labels: LABELS },
    spec,
  };
}

/** A provider an alias host can be sent to by a VirtualService: an external host (its ServiceEntry) or a cluster service (an in-cluster MCP server). */
const isMeshRoutable = (e: ProviderEndpoint) => isExternal(e) || isClusterServiceHost(e.host);

/** ServiceEntry labels: in ambient, `istio.io/use-waypoint` sends the host's traffic through the waypoint. */
function seLabels(o: ManifestOptions): Record<string, string> {
  return o.placement.mode === "waypoint" ? { ...LABELS, "istio.io/use-waypoint": o.placement.waypoint } : LABELS;
}

/** ServiceEntry + DestinationRule per external provider: apps speak HTTP on 80, the proxy originates TLS to 443. */
export function providerEntries(o: ManifestOptions, exportTo?: string[]): K8sObject[] {
  const namespace = namespaceFor(o);
  return externalEndpoints(o.config).flatMap((e) => {
    const ports = e.tls
      ? [{ number: 80, name: "http", protocol: "HTTP", targetPort: 443 }, { number: 443, name: "https", protocol: "HTTPS" }]
      : [{ number: e.port, name: `http-${e.port}`, protocol: "HTTP" }];
    const objects: K8sObject[] = [{
      apiVersion: "networking.istio.io/v1",
      kind: "ServiceEntry",
      metadata: { name: objectName("llm", e.host), namespace, labels: seLabels(o) },
      spec: { hosts: [e.host], location: "MESH_EXTERNAL", resolution: "DNS", ports, ...(exportTo ? { exportTo } : {}) },
    }];
    if (e.tls) {
      objects.push({
        apiVersion: "networking.istio.io/v1",
        kind: "DestinationRule",
        metadata: { name: objectName("llm", e.host), namespace, labels: LABELS },
        spec: {
          host: e.host,
          ...(exportTo ? { exportTo } : {}),
          // caCertificates: verify the provider's certificate against the system CAs (Istio's
          // analyzer flags SIMPLE TLS without it, IST0129).
          trafficPolicy: { portLevelSettings: [{ port: { number: 80 }, tls: { mode: "SIMPLE", sni: e.host, caCertificates: SYSTEM_CA_BUNDLE } }] },
        },
      });
    }
    return objects;
  });
}

/** Egress mode: sidecars send provider hosts to the egress gateway (mTLS); only it holds keys and runs llm-mesh. */
export function egressObjects(o: ManifestOptions): K8sObject[] {
  if (o.placement.mode !== "egress") return [];
  const { gatewaySelector, gatewayService, gatewayNamespace } = o.placement;
  const gatewayName = `${o.name ?? "llm-mesh"}-egress`;
  const hosts = externalEndpoints(o.config).filter((e) => e.tls).map((e) => e.host);
  if (hosts.length === 0) throw new UserError("egress mode needs at least one external provider host (port 443); check providers[].host");
  const subset = (host: string) => objectName("llm", host).slice(0, 63);
  const objects: K8sObject[] = [{
    apiVersion: "networking.istio.io/v1",
    kind: "Gateway",
    metadata: { name: gatewayName, namespace: gatewayNamespace, labels: LABELS },
    spec: { selector: gatewaySelector, servers: [{ hosts, port: { number: 80, name: "https-llm", protocol: "HTTPS" }, tls: { mode: "ISTIO_MUTUAL" } }] },
  }, {
    // Sidecar -> egress gateway over Istio mTLS. The gateway's HTTPS server matches on SNI, so each
    // provider host gets a subset that sends it as SNI (Istio's documented egress pattern).
    apiVersion: "networking.istio.io/v1",
    kind: "DestinationRule",
    metadata: { name: `${gatewayName}-mtls`, namespace: gatewayNamespace, labels: LABELS },
    spec: {
      host: gatewayService,
      subsets: hosts.map((host) => ({ name: subset(host), trafficPolicy: { portLevelSettings: [{ port: { number: 80 }, tls: { mode: "ISTIO_MUTUAL", sni: host } }] } })),
    },
  }];
  for (const host of hosts) {
    objects.push({
      apiVersion: "networking.istio.io/v1",
      kind: "VirtualService",
      metadata: { name: objectName("llm-egress", host), namespace: gatewayNamespace, labels: LABELS },
      spec: {
        hosts: [host],
        gateways: ["mesh", `${gatewayNamespace}/${gatewayName}`],
        http: [
          { name: "mesh-to-egress", match: [{ gateways: ["mesh"], port: 80 }], route: [{ destination: { host: gatewayService, subset: subset(host), port: { number: 80 } } }] },
          { name: "egress-to-provider", match: [{ gateways: [`${gatewayNamespace}/${gatewayName}`], port: 80 }], route: [{ destination: { host, port: { number: 80 } } }] },
        ],
      },
    });
  }
  return objects;
}

/**
 * A strategic-merge patch that puts the provider keys from a Secret into the proxy's environment:
 * the gateway Deployment's container, or for sidecars the injected `istio-proxy` container (Istio
 * merges a pod-declared istio-proxy container into the injected one).
 */
export function keyEnvPatch(o: ManifestOptions): Record<string, unknown> | undefined {
  const names = keyEnvNames(o.config);
  if (names.length === 0) return undefined;
  const container = o.placement.mode === "sidecar" ? { name: "istio-proxy", image: "auto" } : { name: "istio-proxy" };
  return {
    spec: { template: { spec: { containers: [{ ...container, env: names.map((name) => ({ name, valueFrom: { secretKeyRef: { name: o.keySecret ?? "llm-mesh-provider-keys", key: name } } })) }] } } },
  };
}

/**
 * Routes that, in egress mode, match requests that never reach the egress gateway; `inCluster`
 * when the route's provider is a cluster service (an in-cluster MCP server): its traffic never
 * leaves the mesh, so only the callers' sidecars can run llm-mesh for it.
 */
export function egressUnreachableRoutes(config: LlmMeshConfig): { name: string; inCluster: boolean }[] {
  const hosts = new Set(externalEndpoints(config).map((e) => e.host));
  const services = new Set(clusterServiceEndpoints(config).map((e) => e.host));
  const hostOf = (h: string) => h.toLowerCase().replace(/:\d+$/, "");
  return config.routes.filter((r) => !r.match?.host || !hosts.has(hostOf(r.match.host))).map((r) => {
    const provider = config.providers.find((p) => p.name === r.backends[0]?.provider);
    return { name: r.name, inCluster: provider !== undefined && services.has(providerEndpoint(provider).host) };
  });
}

/**
 * Gateway mode: a gateway only routes hosts that VirtualServices bind to it, so after the filter
 * rewrites :authority each provider host needs one, bound to the user's Istio Gateway; and each
 * alias host (a route's own host) one that starts it at its first backend's provider, so that
 * Envoy routes the client's request to a provider cluster (the filter adds a key only then).
 */
export function gatewayRoutes(o: ManifestOptions): K8sObject[] {
  if (o.placement.mode !== "gateway" || !o.placement.gateway) return [];
  const gateways = [o.placement.gateway, ...(o.placement.extraGateways ?? [])];
  const route = (name: string, host: string, to: ProviderEndpoint): K8sObject => ({
    apiVersion: "networking.istio.io/v1",
    kind: "VirtualService",
    metadata: { name: objectName("llm-gw", name), namespace: namespaceFor(o), labels: LABELS },
    spec: { hosts: [host], gateways, http: [{ name: "to-provider", route: [{ destination: { host: to.host, port: { number: to.tls ? 80 : to.port } } }] }] },
  });
  return [
    ...externalEndpoints(o.config).map((e) => route(e.host, e.host, e)),
    ...aliasHosts(o.config).filter((a) => isMeshRoutable(a.provider)).map((a) => route(a.host, a.host, a.provider)),
  ];
}

/**
 * Sidecar mode: an alias host (a route's own host, such as llm.local) needs a ServiceEntry so that
 * apps can resolve and reach it, and a VirtualService sending it to its first backend's provider:
 * Envoy must route the client's request to a provider cluster before the filter adds a key.
 */
export function aliasObjects(o: ManifestOptions): K8sObject[] {
  if (o.placement.mode !== "sidecar" && o.placement.mode !== "waypoint") return [];
  const namespace = namespaceFor(o);
  return aliasHosts(o.config).filter((a) => isMeshRoutable(a.provider)).flatMap((a) => {
    const port = a.port ?? 80;
    return [{
      apiVersion: "networking.istio.io/v1",
      kind: "ServiceEntry",
      metadata: { name: objectName("llm-alias", a.host), namespace, labels: seLabels(o) },
      // NONE: the VirtualService below decides where it goes; Istio allocates an address for DNS.
      spec: { hosts: [a.host], location: "MESH_EXTERNAL", resolution: "NONE", ports: [{ number: port, name: `http-${port}`, protocol: "HTTP" }] },
    }, {
      apiVersion: "networking.istio.io/v1",
      kind: "VirtualService",
      metadata: { name: objectName("llm-alias", a.host), namespace, labels: LABELS },
      spec: { hosts: [a.host], http: [{ name: "to-provider", route: [{ destination: { host: a.provider.host, port: { number: a.provider.tls ? 80 : a.provider.port } } }] }] },
    }] as K8sObject[];
  });
}

/** Gateway mode with emitGateway: the Istio Gateway, listing every host llm-mesh serves on port 80. */
export function gatewayObject(o: ManifestOptions): K8sObject[] {
  const p = o.placement;
  if (p.mode !== "gateway" || !o.emitGateway) return [];
  if (!p.gateway) throw new UserError("--emit-gateway needs --gateway NAMESPACE/NAME (the Gateway to create)");
  const [namespace, name] = p.gateway.split("/");
  const hosts = [...externalEndpoints(o.config).map((e) => e.host), ...aliasHosts(o.config).map((a) => a.host)];
  return [{
    apiVersion: "networking.istio.io/v1",
    kind: "Gateway",
    metadata: { name, namespace, labels: LABELS },
    spec: { selector: p.selector ?? { istio: "ingressgateway" }, servers: [{ hosts: [...new Set(hosts)], port: { number: p.gatewayPort ?? 80, name: "http-llm", protocol: "HTTP" } }] },
  }];
}

/**
 * Sidecar mode with registryOnly: the selected workloads may reach only hosts in the mesh registry
 * (outboundTrafficPolicy REGISTRY_ONLY), so no request, with or without a key, leaves through
 * Istio's pass-through to an address the app chose.
 */
export function registryOnlySidecar(o: ManifestOptions): K8sObject[] {
  const p = o.placement;
  if (!o.registryOnly) return [];
  if (p.mode !== "sidecar") throw new UserError("--registry-only applies to --mode sidecar (for the whole mesh set meshConfig.outboundTrafficPolicy.mode: REGISTRY_ONLY)");
  return [{
    apiVersion: "networking.istio.io/v1",
    kind: "Sidecar",
    metadata: { name: `${o.name ?? "llm-mesh"}-registry-only`, namespace: namespaceFor(o), labels: LABELS },
    spec: {
      ...(Object.keys(p.selector).length > 0 ? { workloadSelector: { labels: p.selector } } : {}),
      egress: [{ hosts: ["*/*"] }],
      outboundTrafficPolicy: { mode: "REGISTRY_ONLY" },
    },
  }];
}

/** Every object for a placement, in apply order; the filter last (body mode: the EnvoyFilter pair). */
export function allObjects(o: ManifestOptions): K8sObject[] {
  const body = (o.requestMode ?? "body") === "body";
  if (body && o.placement.mode === "waypoint") {
    // Found in Istio's source (pilot/pkg/networking/core/listener_builder.go, patchListeners):
    // EnvoyFilter listener patches are applied to sidecars and gateways only, never to waypoints,
    // so body mode's EnvoyFilter would silently do nothing there.
    if (o.config.providers.some((p) => p.type === "mcp")) {
      throw new UserError("MCP routes need request mode body, which Istio cannot deliver to waypoint proxies (it applies no EnvoyFilter listener patches to them); put llm-mesh in the agents' sidecars (--mode sidecar) or an egress gateway (--mode egress) for MCP servers");
    }
    throw new UserError("--mode waypoint needs --request-mode headers: Istio applies no EnvoyFilter listener patches to waypoint proxies, so body mode cannot be delivered to them (a WasmPlugin can)");
  }
  const filter = body ? bodyModeEnvoyFilter(o) : wasmPlugin(o);
  const failover = failoverEnvoyFilter(o);
  const telemetry = o.accessLog ? [telemetryObject(o, namespaceFor(o), LABELS)] : [];
  const credentials = [...metadataEntries(o), ...awsSigningEnvoyFilter(o)];
  if (o.placement.mode === "egress") return [...providerEntries(o), ...credentials, ...egressObjects(o), ...registryOnlySidecar(o), ...telemetry, filter, ...failover];
  return [...providerEntries(o), ...credentials, ...aliasObjects(o), ...gatewayObject(o), ...gatewayRoutes(o), ...registryOnlySidecar(o), ...telemetry, filter, ...failover];
}
