// Failover routes and route timeouts in Istio. Istio has no object for a pool of different external
// hosts behind one route, each with its own TLS, nor for an upstream HTTP filter, nor for a
// route's stream idle timeout, so one EnvoyFilter carries them:
// the filter's upstream role as an ECDS resource (istio-agent fetches the module, as for the
// downstream filter), each route's pool cluster (ADD) with that filter in its upstream chain, and
// the virtual host that sends the pool authority there with the retry policy and timeouts (ADD to
// the route tables of the ports llm-mesh serves); and, for plain routes that set `timeouts`, the
// timeouts merged into their providers' Envoy routes (Istio's own default has none, so long
// streams are never cut unless the config says so).
import { UserError } from "../errors.js";
import { K8sObject, LABELS, ManifestOptions, SYSTEM_CA_BUNDLE, envoyFilterTarget, namespaceFor } from "../manifests/options.js";
import { externalEndpoints, sidecarPorts } from "../manifests/hosts.js";
import { extensionConfigName, extensionConfigReference, wasmExtensionConfig } from "../manifests/envoyfilter.js";
import { PoolRoute, poolAuthority, poolCluster, poolClusterName, poolRouteAction, providerTimeouts, routeTimeouts } from "./envoy.js";
import { globalLimits, rateLimitFilter } from "../ratelimit/envoy.js";

const MiB = 1024 * 1024;

/** The failover routes of a config. */
export function failoverRoutes(o: ManifestOptions): PoolRoute[] {
  return o.config.routes.filter((r) => r.failover !== undefined) as PoolRoute[];
}

/** Timeouts merged into the providers' own Envoy routes, for plain routes that set them. */
function timeoutPatches(o: ManifestOptions, context: string): Record<string, unknown>[] {
  const routes = o.config.routes as PoolRoute[];
  if (!routes.some((r) => r.failover === undefined && r.timeouts !== undefined)) return [];
  return externalEndpoints(o.config).map((e) => ({
    applyTo: "HTTP_ROUTE",
    // Istio names a service's virtual host HOST:PORT; apps reach TLS providers on port 80.
    match: { context, routeConfiguration: { vhost: { name: `${e.host}:${e.tls ? 80 : e.port}` } } },
    patch: { operation: "MERGE", value: { route: routeTimeouts(providerTimeouts(routes, o.config.providers, e.authority)) } },
  }));
}

/**
 * Global quotas: Envoy's rate limit filter (the limits inside it, see ratelimit/envoy.ts) before the
 * router, after llm-mesh, on the listeners llm-mesh runs on, talking to the rate limit service
 * through Istio's own cluster for it.
 */
function globalRateLimitPatches(o: ManifestOptions, context: string): Record<string, unknown>[] {
  if (globalLimits(o.config).length === 0) return [];
  const p = o.placement;
  if (p.mode === "waypoint") throw new UserError("consumers have global limits, which --mode waypoint cannot deliver (Istio applies no EnvoyFilter patches to waypoints); use local limits there, or another placement");
  if (!o.rateLimitService) throw new UserError("consumers have global limits: give --ratelimit-service HOST:PORT (the gRPC port of Envoy's rate limit service in the mesh, e.g. ratelimit.ratelimit.svc.cluster.local:8081); its config comes from llm-mesh ratelimit-config");
  const m = /^([a-z0-9.-]+):(\d+)$/.exec(o.rateLimitService);
  if (!m) throw new UserError(`--ratelimit-service must be HOST:PORT, not "${o.rateLimitService}"`);
  const filter = rateLimitFilter(`outbound|${m[2]}||${m[1]}`);
  const listeners = p.mode === "sidecar" ? sidecarPorts(o.config).map((port) => ({ portNumber: port })) : [p.mode === "gateway" && p.gatewayPort ? { portNumber: p.gatewayPort } : undefined];
  return listeners.map((listener) => ({
    applyTo: "HTTP_FILTER",
    match: { context, listener: { ...(listener ?? {}), filterChain: { filter: { name: "envoy.filters.network.http_connection_manager", subFilter: { name: "envoy.filters.http.router" } } } } },
    patch: { operation: "INSERT_BEFORE", value: filter },
  }));
}

/** The EnvoyFilter for the config's failover routes, route timeouts and global quotas, or none when it has none. */
export function failoverEnvoyFilter(o: ManifestOptions): K8sObject[] {
  const routes = failoverRoutes(o);
  const p = o.placement;
  const context = p.mode === "sidecar" ? "SIDECAR_OUTBOUND" : "GATEWAY";
  const timeouts = p.mode === "waypoint" ? [] : timeoutPatches(o, context);
  const rateLimit = globalRateLimitPatches(o, context);
  if (routes.length === 0 && timeouts.length === 0 && rateLimit.length === 0) return [];
  if (p.mode === "waypoint" && routes.length > 0) {
    throw new UserError(`routes ${routes.map((r) => `"${r.name}"`).join(", ")} have failover, which --mode waypoint cannot deliver: Istio applies no EnvoyFilter patches to waypoint proxies, and failover needs a cluster with llm-mesh in its upstream filter chain; use a sidecar, gateway or egress gateway`);
  }
  if (p.mode === "waypoint") return [];
  const upstreamName = `${extensionConfigName(o)}-upstream`;
  // The route tables the downstream filter's rewrite is routed in: the ports it runs on.
  const ports = p.mode === "sidecar" ? sidecarPorts(o.config) : [p.mode === "gateway" && p.gatewayPort ? p.gatewayPort : 80];
  const bufferLimitBytes = (o.config.maxRequestBodyBytes ?? 8 * MiB) + MiB;
  const patches: Record<string, unknown>[] = [...timeouts, ...rateLimit];
  if (routes.length > 0) {
    patches.push({ applyTo: "EXTENSION_CONFIG", patch: { operation: "ADD", value: wasmExtensionConfig(o, upstreamName, { ...o.config, role: "upstream", requestMode: "body" }) } });
  }
  for (const route of routes) {
    patches.push({
      applyTo: "CLUSTER", match: { context },
      patch: { operation: "ADD", value: poolCluster(route, o.config.providers, { upstreamFilters: [extensionConfigReference(upstreamName)], caFile: SYSTEM_CA_BUNDLE, bufferLimitBytes }) },
    });
    for (const port of ports) {
      patches.push({
        applyTo: "VIRTUAL_HOST", match: { context, routeConfiguration: { portNumber: port } },
        patch: { operation: "ADD", value: { name: poolClusterName(route.name), domains: [poolAuthority(route.name), `${poolAuthority(route.name)}:${port}`], routes: [{ name: "llm-mesh-failover", match: { prefix: "/" }, route: poolRouteAction(route) }] } },
      });
    }
  }
  // Priority 20: applied after llm-mesh's own filter (10), so the rate limit filter lands after it.
  const spec: Record<string, unknown> = { configPatches: patches, priority: 20 };
  Object.assign(spec, envoyFilterTarget(p));
  return [{
    apiVersion: "networking.istio.io/v1alpha3",
    kind: "EnvoyFilter",
    metadata: {
      name: `${o.name ?? "llm-mesh"}-routes`, namespace: namespaceFor(o), labels: LABELS,
      // IST0133: Istio's notice on any EnvoyFilter; these have no other way in (see above).
      annotations: { "galley.istio.io/analyze-suppress": "IST0133" },
    },
    spec,
  }];
}
