// Istio objects for llm-mesh: the WasmPlugin, mesh entries for each provider host, and the
// egress-gateway variant. Plain objects in, plain objects out; YAML is the caller's business.
import { LlmMeshConfig } from "../config/schema.js";
import { providerEndpoint, ProviderEndpoint } from "../providers.js";
import { UserError } from "../errors.js";
import { keyEnvNames } from "../config/keys.js";

export { keyEnvNames };

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: Record<string, unknown> } & Record<string, unknown>;

export type Placement =
  | { mode: "sidecar"; selector: Record<string, string> }
  | { mode: "gateway"; selector?: Record<string, string>; targetRefs?: { kind: string; name: string; group?: string }[]; gateway?: string }
  | { mode: "egress"; gatewaySelector: Record<string, string>; gatewayService: string; gatewayNamespace: string };

export interface ManifestOptions {
  config: LlmMeshConfig;
  /** oci://host/repo (no tag), and the image manifest digest "sha256:<hex>" from `llm-mesh push`. */
  image: string;
  digest: string;
  name?: string;
  namespace?: string;
  placement: Placement;
  /** Istio filter phase; default STATS (after authn and authz, so policies see the client's request). */
  phase?: "AUTHN" | "AUTHZ" | "STATS" | "UNSPECIFIED_PHASE";
  priority?: number;
  failStrategy?: "FAIL_CLOSE" | "FAIL_OPEN";
  imagePullPolicy?: "IfNotPresent" | "Always";
  imagePullSecret?: string;
  /** Name of the Secret holding the keys (the Deployment patch refers to it). */
  keySecret?: string;
}

const LABELS = { "app.kubernetes.io/managed-by": "llm-mesh" };

/** A DNS-1123 name from a host: api.openai.com -> api-openai-com. */
export function objectName(prefix: string, host: string): string {
  return `${prefix}-${host.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")}`.slice(0, 63).replace(/-$/, "");
}

/** Hosts served inside the cluster or on the node need no ServiceEntry. */
function isExternal(e: ProviderEndpoint): boolean {
  const h = e.host.toLowerCase();
  return h.includes(".") && h !== "localhost" && !h.endsWith(".svc") && !h.endsWith(".svc.cluster.local") && !/^\d+\.\d+\.\d+\.\d+$/.test(h);
}

/** External provider endpoints, one per host and port. */
export function externalEndpoints(config: LlmMeshConfig): ProviderEndpoint[] {
  const seen = new Map<string, ProviderEndpoint>();
  for (const p of config.providers) {
    const e = providerEndpoint(p);
    if (isExternal(e) && !seen.has(e.authority)) seen.set(e.authority, e);
  }
  return [...seen.values()];
}

export function wasmPlugin(o: ManifestOptions): K8sObject {
  if (!/^oci:\/\/[^@\s]+$/.test(o.image) || /:[^/]*$/.test(o.image.slice("oci://".length).split("/").slice(1).join("/"))) {
    throw new UserError(`--image must be oci://HOST/REPOSITORY without tag or digest (got ${o.image}); the digest comes from --digest`);
  }
  if (!/^sha256:[a-f0-9]{64}$/.test(o.digest)) throw new UserError(`--digest must be sha256:<64 hex> as printed by llm-mesh push (got ${o.digest})`);
  const hex = o.digest.slice("sha256:".length);
  const spec: Record<string, unknown> = {};
  const p = o.placement;
  if (p.mode === "sidecar") {
    // No labels: every workload in the namespace (in the root namespace, the whole mesh).
    if (Object.keys(p.selector).length > 0) spec.selector = { matchLabels: p.selector };
    // Outbound only: the app's calls to providers, not traffic into the app.
    spec.match = [{ mode: "CLIENT" }];
  } else if (p.mode === "egress") {
    spec.selector = { matchLabels: p.gatewaySelector };
  } else if (p.targetRefs) {
    spec.targetRefs = p.targetRefs.map((t) => ({ group: t.group ?? "gateway.networking.k8s.io", kind: t.kind, name: t.name }));
  } else {
    spec.selector = { matchLabels: p.selector ?? { istio: "ingressgateway" } };
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
    // A failed load must not let requests reach providers unrewritten and without the mesh's key.
    failStrategy: o.failStrategy ?? "FAIL_CLOSE",
    type: "HTTP",
    pluginConfig: o.config,
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

function namespaceFor(o: ManifestOptions): string {
  if (o.placement.mode === "egress") return o.placement.gatewayNamespace;
  return o.namespace ?? (o.placement.mode === "gateway" ? "istio-system" : "default");
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
      metadata: { name: objectName("llm", e.host), namespace, labels: LABELS },
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
          trafficPolicy: { portLevelSettings: [{ port: { number: 80 }, tls: { mode: "SIMPLE", sni: e.host } }] },
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

/** Routes that, in egress mode, match requests that never reach the egress gateway. */
export function egressUnreachableRoutes(config: LlmMeshConfig): string[] {
  const hosts = new Set(externalEndpoints(config).map((e) => e.host));
  return config.routes.filter((r) => !r.match?.host || !hosts.has(r.match.host.toLowerCase())).map((r) => r.name);
}

/**
 * Gateway mode: a gateway only routes hosts that VirtualServices bind to it, so after the filter
 * rewrites :authority each provider host needs one, bound to the user's Istio Gateway.
 */
export function gatewayRoutes(o: ManifestOptions): K8sObject[] {
  if (o.placement.mode !== "gateway" || !o.placement.gateway) return [];
  const gateway = o.placement.gateway;
  return externalEndpoints(o.config).map((e) => ({
    apiVersion: "networking.istio.io/v1",
    kind: "VirtualService",
    metadata: { name: objectName("llm-gw", e.host), namespace: namespaceFor(o), labels: LABELS },
    spec: {
      hosts: [e.host],
      gateways: [gateway],
      http: [{ name: "to-provider", route: [{ destination: { host: e.host, port: { number: e.tls ? 80 : e.port } } }] }],
    },
  }));
}

/** Every object for a placement, in apply order. */
export function allObjects(o: ManifestOptions): K8sObject[] {
  if (o.placement.mode === "egress") return [...providerEntries(o), ...egressObjects(o), wasmPlugin(o)];
  return [...providerEntries(o), ...gatewayRoutes(o), wasmPlugin(o)];
}
