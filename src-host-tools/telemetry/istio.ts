// llm-mesh's metrics and access log in an Istio mesh: the Telemetry object that turns on the access
// log for the proxies running the filter, and the mesh config it needs (an access-log provider
// printing the filter's fields, and extraStatTags so Istio's bootstrap extracts the metric labels).
// The mesh config is install-time configuration (Helm values / IstioOperator meshConfig), so it is
// written as a values fragment, not applied as an object.
import type { K8sObject, ManifestOptions } from "../manifests/options.js";
import { ACCESS_LOG_FIELDS, METRIC_LABELS } from "./envoy.js";

export const ACCESS_LOG_PROVIDER = "llm-mesh-access-log";

/** The meshConfig fragment: merge it into istiod's install values (helm --values, or IstioOperator spec.meshConfig). */
export function meshConfigFragment(): { meshConfig: Record<string, unknown> } {
  return {
    meshConfig: {
      defaultConfig: { extraStatTags: [...METRIC_LABELS] },
      extensionProviders: [{
        name: ACCESS_LOG_PROVIDER,
        envoyFileAccessLog: { path: "/dev/stdout", logFormat: { labels: ACCESS_LOG_FIELDS } },
      }],
    },
  };
}

/** Per-workload alternative to the mesh-wide extraStatTags: the pod annotation Istio reads at proxy start. */
export const EXTRA_STAT_TAGS_ANNOTATION = { "sidecar.istio.io/extraStatTags": METRIC_LABELS.join(",") };

/** A Telemetry object enabling llm-mesh's access log on the proxies the filter runs in. */
export function telemetryObject(o: ManifestOptions, namespace: string, labels: Record<string, string>): K8sObject {
  const p = o.placement;
  const target = p.mode === "waypoint"
    ? { targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: p.waypoint }] }
    : p.mode === "egress" ? { selector: { matchLabels: p.gatewaySelector } }
    : p.mode === "sidecar" ? { selector: { matchLabels: p.selector } }
    : p.selector ? { selector: { matchLabels: p.selector } } : p.targetRefs ? { targetRefs: p.targetRefs.map((t) => ({ group: t.group ?? "gateway.networking.k8s.io", kind: t.kind, name: t.name })) } : {};
  return {
    apiVersion: "telemetry.istio.io/v1",
    kind: "Telemetry",
    metadata: { name: `${o.name ?? "llm-mesh"}-access-log`, namespace, labels },
    spec: { ...target, accessLogging: [{ providers: [{ name: ACCESS_LOG_PROVIDER }] }] },
  };
}
