// Builds an Envoy bootstrap that runs the llm-mesh module: a loopback listener with the Wasm filter
// and the plugin config, and a route per provider authority. The filter rewrites :authority, and
// Envoy (>= 1.33, ABI 0.2.1) re-selects the route, so each provider host needs a virtual host.
import { stringify } from "yaml";
import { ProviderEndpoint, ProviderEndpointConfig } from "../providers.js";
import { PoolRoute, poolAuthority, poolCluster, poolClusterName, poolRouteAction, providerTimeouts, routeTimeouts } from "../failover/envoy.js";
import { RouteHosts, providerVirtualHosts } from "./routes.js";
import { accessLog, statsConfig } from "../telemetry/envoy.js";
import { rateLimitCluster, rateLimitFilter } from "../ratelimit/envoy.js";
import { METADATA_ADDRESS, envoySignedEndpoints, metadataHosts, signingProtocolOptions } from "./credentials.js";

export interface BootstrapOptions {
  wasmPath: string;
  pluginConfig: { providers: ProviderEndpointConfig[]; routes?: RouteHosts[]; maxRequestBodyBytes?: number; requestMode?: string } & Record<string, unknown>;
  /**
   * The filter's request mode when the plugin config does not name one (default "body"). Body mode
   * sets Envoy's allow_on_headers_stop_iteration (Envoy >= 1.35): the two always go together.
   */
  requestMode?: "body" | "headers";
  /** Also add a listener "llm_mesh_headers" running llm-mesh in headers mode (benchmarks). */
  headersModeListenPort?: number;
  /** Also add listeners running llm-mesh with these plugin config changes, each in its own VM (benchmarks). */
  variantListeners?: { name: string; port: number; pluginConfig: Record<string, unknown> }[];
  listenPort?: number;
  adminPort?: number;
  /** VM environment: literal values (tests) and names passed through from Envoy's own environment. */
  env?: { values?: Record<string, string>; fromHost?: string[] };
  /** Send providers to this loopback server (tests, demo) instead of the real hosts over TLS. */
  mockUpstream?: { address: string; port: number };
  /** With mockUpstream: only these providers (by name) go to the mock; default all. */
  mockedProviders?: string[];
  /** Providers (by name) sent to their own loopback server instead (fault-injection tests); wins over mockUpstream. */
  providerUpstreams?: Record<string, { address: string; port: number }>;
  /** Also add a listener without the filter on this port, routing to the same place (benchmarks). */
  bareListenPort?: number;
  /** Also add a listener "floor" running this module instead of llm-mesh (benchmarks). */
  floor?: { wasmPath: string; port: number };
  /** The llm_mesh listener runs this module in llm-mesh's place, or no Wasm filter at all (benchmarks: the idle footprint). */
  listenerModule?: "none" | { wasmPath: string; vmId: string };
  /** Listeners with other filters in llm-mesh's place, same routes (benchmarks: peers). */
  peerListeners?: { name: string; port: number; filters: Record<string, unknown>[] }[];
  /**
   * What Envoy does when the VM fails (a trap): FAIL_RELOAD (default) starts a fresh VM, and the
   * requests that meet the dead one get 503; FAIL_CLOSED answers 503 until Envoy restarts;
   * FAIL_OPEN lets requests through unrewritten, without a key.
   */
  failurePolicy?: "FAIL_RELOAD" | "FAIL_CLOSED" | "FAIL_OPEN";
  /** Extra listeners' own routes (benchmarks). */
  extraClusters?: Record<string, unknown>[];
  /** Write an access log line (JSON, with llm-mesh's route, models, tokens and time to first token) per request to this file ("-": Envoy's standard output). */
  accessLogPath?: string;
  /**
   * Serve the llm-mesh listener over mTLS, as a gateway receives mesh traffic: client certificates
   * are required and verified, and their URI SAN (a SPIFFE id) is the caller's identity in metrics.
   */
  downstreamMtls?: { cert: string; key: string; ca: string };
  /** How often Envoy merges histograms into what its admin endpoint shows (default Envoy's 5 s; tests use 1 s). */
  statsFlushIntervalMs?: number;
  /** Envoy's rate limit service for consumers' global quotas (its gRPC address): adds the rate limit filter, its cluster and the routes' rate limits. */
  globalRateLimit?: { address: string; port: number };
  /** How long a client may take to send its whole request, headers and body (default CLIENT_TIMEOUTS.requestMs; tests shorten it). */
  requestTimeoutMs?: number;
  /** A GCE/GKE metadata server stand-in for vertex-ai's tokenFromMetadataServer (tests): the cluster named as Istio names it. */
  metadataServer?: { address: string; port: number };
  /** Stand-ins for metadata endpoints by host (metadata.azure.internal, instance-data.ec2.internal; tests); default 169.254.169.254:80. */
  credentialEndpoints?: Record<string, { address: string; port: number }>;
}

const MiB = 1024 * 1024;

/** The llm-mesh Wasm HTTP filter entry for an HCM's http_filters. */
export function wasmFilter(options: Pick<BootstrapOptions, "wasmPath" | "pluginConfig" | "env" | "failurePolicy" | "requestMode">, wasmPath = options.wasmPath, vmId = "llm-mesh"): Record<string, unknown> {
  const requestMode = options.pluginConfig.requestMode ?? options.requestMode ?? "body";
  const pluginConfig = { ...options.pluginConfig, requestMode };
  const environmentVariables: Record<string, unknown> = {};
  if (options.env?.values && Object.keys(options.env.values).length > 0) environmentVariables.key_values = options.env.values;
  if (options.env?.fromHost && options.env.fromHost.length > 0) environmentVariables.host_env_keys = options.env.fromHost;
  return {
    name: "llm-mesh",
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm",
      config: {
        name: "llm-mesh",
        root_id: "llm-mesh",
        // Never FAIL_OPEN by default: a dead VM must not let requests reach providers unrewritten.
        // FAIL_RELOAD also recovers: without it one trap turns into 503s until Envoy restarts.
        failure_policy: options.failurePolicy ?? "FAIL_RELOAD",
        // Body mode holds the headers (StopIteration) until the body is read; without this flag
        // Envoy would turn that stop into StopAllIteration and the request would hang.
        ...(requestMode === "body" ? { allow_on_headers_stop_iteration: true } : {}),
        vm_config: {
          vm_id: vmId,
          runtime: "envoy.wasm.runtime.v8",
          code: { local: { filename: wasmPath } },
          ...(Object.keys(environmentVariables).length > 0 ? { environment_variables: environmentVariables } : {}),
        },
        configuration: {
          "@type": "type.googleapis.com/google.protobuf.StringValue",
          value: JSON.stringify(pluginConfig),
        },
      },
    },
  };
}

/** An IP literal, which a STATIC cluster takes; a name needs DNS (an in-cluster MCP server, a vLLM service, localhost). */
const isIpLiteral = (address: string) => /^\d+\.\d+\.\d+\.\d+$/.test(address) || address.includes(":");

function endpointCluster(name: string, address: string, port: number, tlsHost?: string): Record<string, unknown> {
  const dns = tlsHost !== undefined || !isIpLiteral(address);
  return {
    name,
    type: dns ? "LOGICAL_DNS" : "STATIC",
    ...(dns ? { dns_lookup_family: "V4_PREFERRED" } : {}),
    connect_timeout: "5s",
    per_connection_buffer_limit_bytes: 16 * MiB,
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address, port_value: port } } } }] }] },
    ...(tlsHost ? {
      transport_socket: {
        name: "envoy.transport_sockets.tls",
        typed_config: {
          "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
          sni: tlsHost,
          common_tls_context: {
            validation_context: {
              trusted_ca: { filename: "/etc/ssl/certs/ca-certificates.crt" },
              // The certificate must be the provider's own, not merely one a public CA signed.
              match_typed_subject_alt_names: [{ san_type: "DNS", matcher: { exact: tlsHost } }],
            },
          },
        },
      },
    } : {}),
  };
}

function routeConfig(options: BootstrapOptions, bufferLimit: number): { routes: Record<string, unknown>; clusters: Record<string, unknown>[] } {
  const mocked = (name: string) => options.mockUpstream !== undefined && (options.mockedProviders ?? [name]).includes(name);
  /** Where a provider's requests really go: its own test server, the shared mock, or its host. */
  const addressFor = (e: ProviderEndpoint) => {
    const own = options.providerUpstreams?.[e.name];
    if (own) return { ...own, tls: false };
    if (mocked(e.name)) return { ...options.mockUpstream!, tls: false };
    return { address: e.host, port: e.port, tls: e.tls };
  };
  const virtualHosts: Record<string, unknown>[] = [];
  const clusters: Record<string, unknown>[] = [];
  const routes = (options.pluginConfig.routes ?? []) as PoolRoute[];
  // Global quotas: the rate limit filter carries the limits itself (ratelimit/envoy.ts).
  const rateLimits = {};
  // Each provider host has its own cluster, named as Istio would (outbound|PORT||HOST): the
  // filter's destination guard adds a key only when Envoy routes a request to such a cluster.
  for (const v of providerVirtualHosts(options.pluginConfig)) {
    const timeouts = routeTimeouts(providerTimeouts(routes, options.pluginConfig.providers, v.endpoint.authority));
    virtualHosts.push({ name: v.cluster, domains: v.domains, routes: [{ match: { prefix: "/" }, route: { cluster: v.cluster, ...timeouts, ...rateLimits } }] });
    const target = addressFor(v.endpoint);
    const signed = envoySignedEndpoints(options.pluginConfig.providers).get(v.endpoint.authority);
    clusters.push({ ...endpointCluster(v.cluster, target.address, target.port, target.tls ? v.endpoint.host : undefined), ...(signed ? signingProtocolOptions(signed.region) : {}) });
  }
  // Failover routes: a pool cluster each, whose upstream chain runs llm-mesh in its upstream role.
  const upstreamFilter = wasmFilter({ ...options, pluginConfig: { ...options.pluginConfig, role: "upstream", requestMode: "body" } });
  for (const r of routes.filter((r) => r.failover !== undefined)) {
    virtualHosts.push({ name: poolClusterName(r.name), domains: [poolAuthority(r.name)], routes: [{ match: { prefix: "/" }, route: { ...poolRouteAction(r), ...rateLimits } }] });
    clusters.push(poolCluster(r, options.pluginConfig.providers, { upstreamFilters: [upstreamFilter], addressFor, bufferLimitBytes: bufferLimit }));
  }
  // Requests for any other host land here: no cluster, so the filter adds no key, and a missed
  // rewrite is visible.
  virtualHosts.push({
    name: "not_rewritten",
    domains: ["*"],
    routes: [{ match: { prefix: "/" }, direct_response: { status: 404, body: { inline_string: "llm-mesh: no llm-mesh route matched this request\n" } } }],
  });
  return { routes: { name: "llm_routes", virtual_hosts: virtualHosts }, clusters };
}

/**
 * Limits on slow clients, for every listener llm-mesh runs in. Envoy sets none for a request's
 * upload by default, so a client that stalls mid-body holds its buffered body (body mode: up to
 * maxRequestBodyBytes) until the stream idles out; these bound how long. The request timeout ends
 * when the request has been sent upstream or the answer starts, so it never cuts a long answer.
 */
export const CLIENT_TIMEOUTS = {
  /** All request headers. */
  headersMs: 10_000,
  /** The whole request, body included (408 after it). */
  requestMs: 60_000,
  /** A stream with no bytes either way (Envoy's default; routes set their own for answers). */
  streamIdleMs: 300_000,
  /** A client connection with no request. */
  connectionIdleMs: 300_000,
};

/**
 * Envoy closes an HTTP/1 connection after any local 400 (it takes it for a broken message) unless
 * this is set; the filter's 400s are about JSON, so the connection stays usable. Framing errors
 * still close it: the codec cannot recover (docs/translation.md, "Local answers and the connection").
 */
export const KEEP_CONNECTION_AFTER_400 = { http_protocol_options: { override_stream_error_on_invalid_http_message: true } };

/** The HTTP connection manager's client timeouts (CLIENT_TIMEOUTS), as Envoy reads them. */
export function clientTimeouts(requestMs = CLIENT_TIMEOUTS.requestMs): Record<string, unknown> {
  const s = (ms: number) => `${ms / 1000}s`;
  return {
    request_headers_timeout: s(CLIENT_TIMEOUTS.headersMs),
    request_timeout: s(requestMs),
    stream_idle_timeout: s(CLIENT_TIMEOUTS.streamIdleMs),
    common_http_protocol_options: { idle_timeout: s(CLIENT_TIMEOUTS.connectionIdleMs) },
  };
}

/** A loopback listener: one HCM with these HTTP filters (then the router) and this route table. */
export function listener(name: string, port: number, routes: Record<string, unknown>, filters: Record<string, unknown>[], bufferLimit: number, accessLogPath?: string, mtls?: BootstrapOptions["downstreamMtls"], requestTimeoutMs?: number): Record<string, unknown> {
  return {
    name,
    address: { socket_address: { address: "127.0.0.1", port_value: port } },
    // Without this a second Envoy on the same port binds it too (SO_REUSEPORT) and silently
    // shares the traffic; with it, the second one fails to start.
    enable_reuse_port: false,
    per_connection_buffer_limit_bytes: bufferLimit,
    filter_chains: [{
      ...(mtls ? {
        transport_socket: {
          name: "envoy.transport_sockets.tls",
          typed_config: {
            "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
            require_client_certificate: true,
            common_tls_context: {
              tls_certificates: [{ certificate_chain: { filename: mtls.cert }, private_key: { filename: mtls.key } }],
              validation_context: { trusted_ca: { filename: mtls.ca } },
            },
          },
        },
      } : {}),
      filters: [{
        name: "envoy.filters.network.http_connection_manager",
        typed_config: {
          "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
          stat_prefix: name,
          ...clientTimeouts(requestTimeoutMs),
          ...KEEP_CONNECTION_AFTER_400,
          ...(accessLogPath !== undefined ? { access_log: [accessLog(accessLogPath)] } : {}),
          route_config: routes,
          http_filters: [...filters, { name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } }],
        },
      }],
    }],
  };
}

/** The bootstrap as an object. Port 0 lets Envoy pick; read the real ports from its admin API. */
export function buildBootstrap(options: BootstrapOptions): Record<string, unknown> {
  // Envoy answers 413 itself once a buffering filter holds more than the connection limit: keep it
  // above the filter's own limit so clients get the filter's JSON error instead.
  const bufferLimit = (options.pluginConfig.maxRequestBodyBytes ?? 8 * MiB) + MiB;
  const { routes, clusters } = routeConfig(options, bufferLimit);
  const module = options.listenerModule === "none" ? [] : [options.listenerModule ? wasmFilter(options, options.listenerModule.wasmPath, options.listenerModule.vmId) : wasmFilter(options)];
  const filters = [...module, ...(options.globalRateLimit ? [rateLimitFilter()] : [])];
  const listeners = [listener("llm_mesh", options.listenPort ?? 0, routes, filters, bufferLimit, options.accessLogPath, options.downstreamMtls, options.requestTimeoutMs)];
  if (options.bareListenPort !== undefined) listeners.push(listener("bare", options.bareListenPort, routes, [], bufferLimit));
  if (options.floor) listeners.push(listener("floor", options.floor.port, routes, [wasmFilter(options, options.floor.wasmPath, "floor")], bufferLimit));
  for (const peer of options.peerListeners ?? []) listeners.push(listener(peer.name, peer.port, routes, peer.filters, bufferLimit));
  if (options.headersModeListenPort !== undefined) {
    const headersMode = { ...options, pluginConfig: { ...options.pluginConfig, requestMode: "headers" } };
    listeners.push(listener("llm_mesh_headers", options.headersModeListenPort, routes, [wasmFilter(headersMode, options.wasmPath, "llm-mesh-headers")], bufferLimit));
  }
  for (const v of options.variantListeners ?? []) {
    const variant = { ...options, pluginConfig: { ...options.pluginConfig, ...v.pluginConfig } };
    listeners.push(listener(v.name, v.port, routes, [wasmFilter(variant, options.wasmPath, v.name)], bufferLimit));
  }
  return {
    admin: { address: { socket_address: { address: "127.0.0.1", port_value: options.adminPort ?? 0 } } },
    // The filter's metric labels become Prometheus labels (Istio: ProxyConfig extraStatTags).
    stats_config: statsConfig(),
    ...(options.statsFlushIntervalMs !== undefined ? { stats_flush_interval: `${options.statsFlushIntervalMs / 1000}s` } : {}),
    static_resources: { listeners, clusters: [...clusters, ...(options.extraClusters ?? []),
      ...metadataClusters(options),
      ...(options.globalRateLimit ? [rateLimitCluster(options.globalRateLimit.address, options.globalRateLimit.port)] : [])] },
  };
}

/** A cluster for each metadata endpoint the filter fetches credentials from, named as Istio names a ServiceEntry's. */
function metadataClusters(options: BootstrapOptions): Record<string, unknown>[] {
  const endpoints: Record<string, { address: string; port: number }> = { ...(options.credentialEndpoints ?? {}) };
  if (options.metadataServer) endpoints["metadata.google.internal"] = options.metadataServer;
  const hosts = new Set([...metadataHosts(options.pluginConfig.providers), ...Object.keys(endpoints)]);
  return [...hosts].map((host) => {
    const at = endpoints[host] ?? { address: METADATA_ADDRESS, port: 80 };
    return endpointCluster(`outbound|80||${host}`, at.address, at.port);
  });
}

/** The bootstrap as YAML, with a header saying how it was made. */
export function bootstrapYaml(options: BootstrapOptions, header = ""): string {
  return header + stringify(buildBootstrap(options), { lineWidth: 0 });
}
