// What one run of llm-mesh manifests is given (the config, the image, where the filter goes) and
// the names every emitted object shares. Each manifest builder (istio.ts, envoyfilter.ts,
// credentials.ts, failover/istio.ts, telemetry/istio.ts) starts from these.
import type { LlmMeshConfig } from "../config/schema.js";
import { UserError } from "../errors.js";

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: Record<string, unknown> } & Record<string, unknown>;

export type Placement =
  | { mode: "sidecar"; selector: Record<string, string> }
  | { mode: "gateway"; selector?: Record<string, string>; targetRefs?: { kind: string; name: string; group?: string }[]; gateway?: string; gatewayPort?: number; extraGateways?: string[] }
  | { mode: "egress"; gatewaySelector: Record<string, string>; gatewayService: string; gatewayNamespace: string }
  /** Ambient mode: the namespace's waypoint proxy (a Gateway of class istio-waypoint) runs llm-mesh. */
  | { mode: "waypoint"; waypoint: string };

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
  /**
   * What the proxy does when the VM fails. FAIL_RELOAD (default; WasmPlugin CRD of Istio >= 1.27)
   * starts a fresh VM; FAIL_CLOSE answers 503 until the proxy restarts; FAIL_OPEN lets requests
   * through unrewritten and without a key.
   */
  failStrategy?: FailStrategy;
  imagePullPolicy?: "IfNotPresent" | "Always";
  imagePullSecret?: string;
  /** Name of the Secret holding the keys (the Deployment patch refers to it). */
  keySecret?: string;
  /** Sidecar mode: also emit a Sidecar with outboundTrafficPolicy REGISTRY_ONLY for the selected workloads. */
  registryOnly?: boolean;
  /** Gateway mode: also emit the Istio Gateway (named by --gateway) listing every host llm-mesh serves. */
  emitGateway?: boolean;
  /**
   * body (default): an EnvoyFilter pair that delivers the module with Envoy's
   * allow_on_headers_stop_iteration (Istio >= 1.27, whose proxies are Envoy >= 1.35); headers: a
   * WasmPlugin (any Istio with WasmPlugin), deciding on the headers.
   */
  requestMode?: "body" | "headers";
  /** Also emit a Telemetry object turning on llm-mesh's access log (its provider is in the mesh config fragment). */
  accessLog?: boolean;
  /** Envoy's rate limit service for global quotas, as HOST:PORT of its gRPC port (an Istio service, e.g. ratelimit.ratelimit.svc.cluster.local:8081). */
  rateLimitService?: string;
}

export const FAIL_STRATEGIES = ["FAIL_RELOAD", "FAIL_CLOSE", "FAIL_OPEN"] as const;
export type FailStrategy = (typeof FAIL_STRATEGIES)[number];

/** Where the proxy verifies provider certificates: the CA bundle in Istio's proxy image. */
export const SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

export const LABELS = { "app.kubernetes.io/managed-by": "llm-mesh" };

/** Checks --image and --digest; returns the digest's hex. */
export function checkImage(o: Pick<ManifestOptions, "image" | "digest">): string {
  if (!/^oci:\/\/[^@\s]+$/.test(o.image) || /:[^/]*$/.test(o.image.slice("oci://".length).split("/").slice(1).join("/"))) {
    throw new UserError(`--image must be oci://HOST/REPOSITORY without tag or digest (got ${o.image}); the digest comes from --digest`);
  }
  if (!/^sha256:[a-f0-9]{64}$/.test(o.digest)) throw new UserError(`--digest must be sha256:<64 hex> as printed by llm-mesh push (got ${o.digest})`);
  return o.digest.slice("sha256:".length);
}

/** The waypoint Gateway a waypoint placement attaches to. */
export const waypointRef = (name: string) => ({ group: "gateway.networking.k8s.io", kind: "Gateway", name });

/** Which proxies an EnvoyFilter applies to, by placement: a workloadSelector, or targetRefs (a Gateway API gateway, a waypoint). */
export function envoyFilterTarget(p: Placement): Record<string, unknown> {
  if (p.mode === "sidecar") return Object.keys(p.selector).length > 0 ? { workloadSelector: { labels: p.selector } } : {};
  if (p.mode === "egress") return { workloadSelector: { labels: p.gatewaySelector } };
  if (p.mode === "waypoint") return { targetRefs: [waypointRef(p.waypoint)] };
  if (p.targetRefs) return { targetRefs: p.targetRefs.map((t) => ({ group: t.group ?? "gateway.networking.k8s.io", kind: t.kind, name: t.name })) };
  return { workloadSelector: { labels: p.selector ?? { istio: "ingressgateway" } } };
}

/** The namespace the objects go to: the egress gateway's, else --namespace, else by mode. */
export function namespaceFor(o: ManifestOptions): string {
  if (o.placement.mode === "egress") return o.placement.gatewayNamespace;
  return o.namespace ?? (o.placement.mode === "gateway" ? "istio-system" : "default");
}


/** Egress placement for a gateway Service FQDN; its namespace is read from the name. */
export function egressPlacement(selector?: Record<string, string>, service = "istio-egressgateway.istio-system.svc.cluster.local"): Placement {
  const namespace = /^[^.]+\.([^.]+)\.svc/.exec(service)?.[1] ?? "istio-system";
  return { mode: "egress", gatewaySelector: selector ?? { istio: "egressgateway" }, gatewayService: service, gatewayNamespace: namespace };
}
