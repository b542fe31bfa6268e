// The Envoy objects a failover route needs, for `envoy -c` (bootstrap.ts) and, wrapped in
// EnvoyFilter patches, for Istio: one pool cluster per route (an endpoint per backend, weighted,
// tagged with "<route>/<index>" for the filter in its upstream chain, its own TLS per provider
// host, outlier detection that ejects failing backends with a growing backoff), and a route that
// re-sends failed tries to a backend not tried yet.
import { ProviderEndpoint, ProviderEndpointConfig, providerEndpoint } from "../providers.js";
import type { FailoverConfig, TimeoutsConfig } from "../config/schema.js";

/** A route as the pool generator reads it. */
export interface PoolRoute {
  name: string;
  backends: { provider: string; weight?: number }[];
  failover?: FailoverConfig;
  timeouts?: TimeoutsConfig;
}

export const DEFAULT_RETRY_ON = [429, 500, 502, 503, 504];
const DEFAULT_TIMEOUTS = { requestMs: 600_000, streamIdleMs: 300_000 };

/** Envoy's cluster for a route's pool (the filter checks the name: assembly/failover/pool.ts). */
export function poolClusterName(route: string): string { return `llm-mesh-failover|${route}`; }
/** The authority the downstream filter gives a failover route's requests. */
export function poolAuthority(route: string): string { return `${route}.failover.llm-mesh.internal`; }

const seconds = (ms: number) => `${ms / 1000}s`;

/** A route's timeouts as Envoy route fields (0: none). */
export function routeTimeouts(t: TimeoutsConfig | undefined): Record<string, string> {
  const requestMs = t?.requestMs ?? DEFAULT_TIMEOUTS.requestMs;
  const idleMs = t?.streamIdleMs ?? DEFAULT_TIMEOUTS.streamIdleMs;
  return { timeout: seconds(requestMs), idle_timeout: seconds(idleMs) };
}

/** The longest of several routes' timeouts (a provider's Envoy route serves every llm-mesh route that uses it). */
export function longestTimeouts(all: (TimeoutsConfig | undefined)[]): TimeoutsConfig {
  const filled = (all.length > 0 ? all : [undefined]).map((t) => ({ ...DEFAULT_TIMEOUTS, ...(t ?? {}) }));
  const requests = filled.map((t) => t.requestMs);
  // 0 is "no limit", the longest of all.
  return { requestMs: requests.includes(0) ? 0 : Math.max(...requests), streamIdleMs: Math.max(...filled.map((t) => t.streamIdleMs)) };
}

/**
 * The timeouts of a provider's own Envoy route (its authority): it serves every plain (not
 * failover) llm-mesh route with a backend on that authority, so the longest of theirs.
 */
export function providerTimeouts(routes: PoolRoute[], providers: ProviderEndpointConfig[], authority: string): TimeoutsConfig {
  const onAuthority = new Set(providers.filter((p) => providerEndpoint(p).authority === authority).map((p) => p.name));
  const mcpServers = new Set(providers.filter((p) => p.type === "mcp").map((p) => p.name));
  return longestTimeouts(routes.filter((r) => r.failover === undefined && r.backends.some((b) => onAuthority.has(b.provider)))
    // An MCP server's GET stream lives as long as the session: no overall limit unless the route sets one (the idle limit holds).
    .map((r) => (r.backends.some((b) => mcpServers.has(b.provider)) ? { requestMs: 0, ...(r.timeouts ?? {}) } : r.timeouts)));
}

/**
 * Statuses Envoy re-sends on. A backend whose keys all rest after a 429 is shown to Envoy as 503
 * (so outlier detection counts it), so 503 is retried whenever 429 is.
 */
export function retriableStatuses(f: FailoverConfig): number[] {
  const list = [...(f.retryOn ?? DEFAULT_RETRY_ON)];
  if (list.includes(429) && !list.includes(503)) list.push(503);
  return list.sort((a, b) => a - b);
}

/** The Envoy route action for a failover route: to its pool, tried again on a backend not tried yet. */
export function poolRouteAction(route: PoolRoute): Record<string, unknown> {
  const f = route.failover ?? {};
  const attempts = f.attempts ?? 3;
  return {
    cluster: poolClusterName(route.name),
    ...routeTimeouts(route.timeouts),
    retry_policy: {
      // Refused and reset connections and per-try timeouts count as "reset"; statuses as listed.
      retry_on: "connect-failure,refused-stream,reset,retriable-status-codes",
      retriable_status_codes: retriableStatuses(f),
      num_retries: attempts - 1,
      ...(f.perTryTimeoutMs ? { per_try_timeout: seconds(f.perTryTimeoutMs) } : {}),
      ...(f.perTryIdleTimeoutMs ? { per_try_idle_timeout: seconds(f.perTryIdleTimeoutMs) } : {}),
      // Each retry on a backend not tried yet, while there is one.
      retry_host_predicate: [{ name: "envoy.retry_host_predicates.previous_hosts", typed_config: { "@type": "type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate" } }],
      host_selection_retry_max_attempts: 10,
      // Fail over at once: the next try goes to another backend, not the one that just failed.
      retry_back_off: { base_interval: "0.005s", max_interval: "0.05s" },
    },
  };
}

/** Envoy's outlier detection for a pool: consecutive failures eject a backend for baseMs × ejections, up to maxMs. */
export function outlierDetection(f: FailoverConfig): Record<string, unknown> {
  const e = f.ejection ?? {};
  const failures = e.consecutiveFailures ?? 3;
  return {
    consecutive_5xx: failures,
    consecutive_gateway_failure: failures,
    interval: seconds(e.intervalMs ?? 5000),
    base_ejection_time: seconds(e.baseMs ?? 10_000),
    max_ejection_time: seconds(e.maxMs ?? 300_000),
    // Every backend may be ejected (Envoy's panic mode then still tries them all).
    max_ejection_percent: 100,
    enforcing_consecutive_5xx: 100,
    enforcing_consecutive_gateway_failure: 100,
    enforcing_success_rate: 0,
    enforcing_failure_percentage: 0,
  };
}

const TLS_MATCH_KEY = "llm-mesh-tls";
/** Retries a pool may have in flight at once (Envoy's default, 3, is far too few for a failover under load). */
export const MAX_RETRIES_IN_FLIGHT = 1024;

function tlsSocket(host: string, caFile: string): Record<string, unknown> {
  return {
    name: "envoy.transport_sockets.tls",
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
      sni: host,
      common_tls_context: {
        validation_context: {
          trusted_ca: { filename: caFile },
          // The certificate must be the provider's own, not merely one a public CA signed.
          match_typed_subject_alt_names: [{ san_type: "DNS", matcher: { exact: host } }],
        },
      },
    },
  };
}

export interface PoolClusterOptions {
  /** The filters of the pool's upstream chain: llm-mesh in its upstream role (the codec filter is added last). */
  upstreamFilters: Record<string, unknown>[];
  /** Where a provider's endpoint really is (tests: a loopback mock); default its host over TLS. */
  addressFor?: (e: ProviderEndpoint) => { address: string; port: number; tls: boolean };
  caFile?: string;
  bufferLimitBytes: number;
}

/** The pool cluster of a failover route. */
export function poolCluster(route: PoolRoute, providers: ProviderEndpointConfig[], options: PoolClusterOptions): Record<string, unknown> {
  const byName = new Map(providers.map((p) => [p.name, providerEndpoint(p)]));
  const tlsHosts = new Set<string>();
  const endpoints = route.backends.map((b, index) => {
    const e = byName.get(b.provider);
    if (!e) throw new Error(`route "${route.name}": no provider named "${b.provider}"`);
    const target = options.addressFor?.(e) ?? { address: e.host, port: e.port, tls: e.tls };
    if (target.tls) tlsHosts.add(e.host);
    return {
      endpoint: { address: { socket_address: { address: target.address, port_value: target.port } }, hostname: e.host },
      load_balancing_weight: b.weight ?? 1,
      metadata: {
        filter_metadata: {
          "llm-mesh": { backend: `${route.name}/${index}` },
          ...(target.tls ? { "envoy.transport_socket_match": { [TLS_MATCH_KEY]: e.host } } : {}),
        },
      },
    };
  });
  const caFile = options.caFile ?? "/etc/ssl/certs/ca-certificates.crt";
  const name = poolClusterName(route.name);
  return {
    name,
    type: tlsHosts.size > 0 ? "STRICT_DNS" : "STATIC",
    ...(tlsHosts.size > 0 ? { dns_lookup_family: "V4_PREFERRED" } : {}),
    connect_timeout: "5s",
    per_connection_buffer_limit_bytes: options.bufferLimitBytes,
    // Envoy's own panic mode is kept: with every backend ejected, tries go to all of them rather than
    // none. Failing fast instead (fail_traffic_on_panic) turned a healthy backend that was ejected for
    // a moment of slowness under load into an outage for its whole ejection (measured: 5,440 of
    // 126,896 requests in one load run); the client of an all-down route still gets a clean error.
    outlier_detection: outlierDetection(route.failover ?? {}),
    // Envoy allows 3 retries in flight per cluster by default: under load, the 4th failing try would
    // reach its client instead of the next backend.
    circuit_breakers: { thresholds: [{ priority: "DEFAULT", max_retries: MAX_RETRIES_IN_FLIGHT }] },
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: endpoints }] },
    ...(tlsHosts.size > 0 ? { transport_socket_matches: [...tlsHosts].map((host) => ({ name: `tls|${host}`, match: { [TLS_MATCH_KEY]: host }, transport_socket: tlsSocket(host, caFile) })) } : {}),
    typed_extension_protocol_options: {
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
        "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
        explicit_http_config: { http_protocol_options: {} },
        http_filters: [...options.upstreamFilters, { name: "envoy.filters.http.upstream_codec", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec" } }],
      },
    },
  };
}
