// Turns what istiod generates for a proxy (src-host-tools/istio/harness: Istio's own control-plane
// code) into a bootstrap real Envoy can load, changing only what a test machine must:
// - the listener for the port under test binds 127.0.0.1:0 (in a sidecar it is reached through
//   iptables and the virtual outbound listener; in a gateway it binds the pod's port);
// - RDS and ECDS references are inlined from the generated routes and extension configs, and the
//   Wasm module's oci:// code becomes the local build (what istio-agent does after pulling it);
// - HTTP filters that exist only in Istio's proxy build (istio.*) are dropped;
// - provider clusters point at the local mock provider over plain HTTP (their generated TLS
//   origination is checked by the tests separately, not exercised).
// Everything else (route tables, virtual hosts, filter order, the Wasm filter config istiod made,
// the flag included) is loaded as istiod wrote it.

export interface IstioXds {
  listeners: any[]; routes: any[]; clusters: any[]; endpoints: any[]; extensionConfigs: any[];
  /** pilot-agent's bootstrap for the proxy, when asked for (its stats_config carries extraStatTags). */
  bootstrap?: any;
}

export interface ConvertOptions {
  /** The listener to load, by name (e.g. "0.0.0.0_80" in a sidecar). */
  listener: string;
  /** Keep only the filter chain of this name (a waypoint has one per service). */
  filterChain?: string;
  wasmPath: string;
  /** Where every cluster of an external provider host is sent instead. */
  mock: { address: string; port: number };
  /** Environment for the Wasm VM (Istio: the proxy's own env, from a Secret). */
  env?: Record<string, string>;
  /** Failover pools: where each provider host's endpoint is sent instead (default: the mock). */
  poolUpstreams?: Record<string, { address: string; port: number }>;
}

const HCM = "envoy.filters.network.http_connection_manager";
const UPSTREAM_HTTP_FILTERS = new Set(["envoy.filters.http.router", "envoy.filters.http.cors", "envoy.filters.http.fault", "envoy.filters.http.grpc_stats", "envoy.filters.http.wasm"]);

const get = (o: any, snake: string) => o?.[snake] ?? o?.[snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())];

/** The Wasm config with its oci:// code replaced by the local module, and env values given. */
function localWasm(typedConfig: any, options: ConvertOptions): any {
  const config = JSON.parse(JSON.stringify(typedConfig));
  const plugin = config.config;
  const vm = get(plugin, "vm_config");
  vm.code = { local: { filename: options.wasmPath } };
  const env = get(vm, "environment_variables");
  const fromHost: string[] = get(env, "host_env_keys") ?? [];
  delete vm.environmentVariables;
  if (fromHost.length > 0) {
    // The test's Envoy does not have the pod's environment: give the same names literal values.
    vm.environment_variables = { key_values: Object.fromEntries(fromHost.map((n) => [n, options.env?.[n] ?? ""])) };
  }
  return config;
}

function httpFilters(filters: any[], xds: IstioXds, options: ConvertOptions): any[] {
  const out: any[] = [];
  for (const f of filters) {
    const discovery = get(f, "config_discovery");
    if (discovery) {
      const ext = xds.extensionConfigs.find((e) => e.name === f.name);
      if (!ext) throw new Error(`istiod sent no extension config named ${f.name} (ECDS)`);
      const typed = get(ext, "typed_config");
      if (!typed) throw new Error(`extension config ${f.name} has no typed config`);
      if (!String(typed["@type"]).endsWith("envoy.extensions.filters.http.wasm.v3.Wasm")) throw new Error(`extension config ${f.name} is not a Wasm filter`);
      out.push({ name: f.name, typed_config: localWasm(typed, options) });
      continue;
    }
    const typed = get(f, "typed_config");
    if (typed && String(typed["@type"]).endsWith("envoy.extensions.filters.http.wasm.v3.Wasm")) {
      out.push({ ...f, typed_config: localWasm(typed, options) });
      continue;
    }
    if (UPSTREAM_HTTP_FILTERS.has(f.name)) out.push(f);
  }
  return out;
}

function convertListener(listener: any, xds: IstioXds, options: ConvertOptions): any {
  const l = JSON.parse(JSON.stringify(listener));
  l.address = { socket_address: { address: "127.0.0.1", port_value: 0 } };
  delete l.bind_to_port; delete l.bindToPort;
  delete l.listener_filters; delete l.listenerFilters;
  delete l.access_log; delete l.accessLog;
  delete l.traffic_direction; delete l.trafficDirection;
  // A waypoint's main_internal is an internal listener whose chains are chosen by a matcher on the
  // service address; here it is a plain listener with the one chain under test.
  delete l.internal_listener; delete l.internalListener;
  delete l.filter_chain_matcher; delete l.filterChainMatcher;
  l.filter_chains = (get(l, "filter_chains") ?? []).filter((fc: any) => (fc.filters ?? []).some((f: any) => f.name === HCM))
    .filter((fc: any) => options.filterChain === undefined || fc.name === options.filterChain);
  delete l.filterChains;
  for (const fc of l.filter_chains) {
    delete fc.filter_chain_match; delete fc.filterChainMatch;
    delete fc.transport_socket; delete fc.transportSocket;
    for (const f of fc.filters) {
      if (f.name !== HCM) continue;
      const hcm = get(f, "typed_config");
      const rds = get(hcm, "rds");
      if (rds) {
        const name = get(rds, "route_config_name");
        const route = xds.routes.find((r) => r.name === name);
        if (!route) throw new Error(`istiod sent no route configuration ${name} (RDS)`);
        hcm.route_config = route;
        delete hcm.rds;
      }
      hcm.http_filters = httpFilters(get(hcm, "http_filters") ?? [], xds, options);
      delete hcm.httpFilters;
      // File access logs are kept (the Telemetry API's, e.g. llm-mesh's); tracing and others need Istio's agent.
      const fileLogs = (get(hcm, "access_log") ?? []).filter((a: any) => a.name === "envoy.access_loggers.file");
      for (const k of ["tracing", "access_log", "accessLog"]) delete hcm[k];
      if (fileLogs.length > 0) hcm.access_log = fileLogs;
    }
    fc.filters = fc.filters.filter((f: any) => f.name === HCM);
  }
  return l;
}

/** Every cluster the kept routes send to, pointing at the mock (plain HTTP), or Envoy's own kinds. */
function convertClusters(xds: IstioXds, options: ConvertOptions): any[] {
  return xds.clusters.filter((c) => c.name.startsWith("outbound|") || c.name.startsWith("inbound-vip|")).map((c) => ({
    name: c.name,
    type: "STATIC",
    connect_timeout: "5s",
    load_assignment: { cluster_name: c.name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: options.mock.address, port_value: options.mock.port } } } }] }] },
    metadata: c.metadata,
  }));
}

/**
 * A failover pool cluster (an EnvoyFilter ADDs it whole): kept as istiod wrote it (retry budget,
 * outlier detection, endpoint weights and metadata), with its upstream filter taken from ECDS and
 * each endpoint sent to its test upstream over plain HTTP (its TLS is checked separately).
 */
function convertPool(cluster: any, xds: IstioXds, options: ConvertOptions): any {
  const c = JSON.parse(JSON.stringify(cluster));
  for (const k of ["transport_socket_matches", "transportSocketMatches", "dns_lookup_family", "dnsLookupFamily"]) delete c[k];
  c.type = "STATIC";
  const assignment = get(c, "load_assignment");
  for (const group of assignment.endpoints) {
    for (const e of get(group, "lb_endpoints")) {
      const target = options.poolUpstreams?.[e.endpoint.hostname] ?? options.mock;
      e.endpoint.address = { socket_address: { address: target.address, port_value: target.port } };
    }
  }
  const protocol = get(c, "typed_extension_protocol_options")["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"];
  const filters = get(protocol, "http_filters");
  delete protocol.httpFilters;
  protocol.http_filters = filters.map((f: any) => (get(f, "config_discovery") ? httpFilters([f], xds, options)[0] : f));
  return c;
}

/** A bootstrap for real Envoy from istiod's output; see the file comment for what is changed. */
export function bootstrapFromIstio(xds: IstioXds, options: ConvertOptions): Record<string, unknown> {
  const listener = xds.listeners.find((l) => l.name === options.listener);
  if (!listener) throw new Error(`istiod generated no listener ${options.listener} (it has: ${xds.listeners.map((l) => l.name).join(", ")})`);
  return {
    admin: { address: { socket_address: { address: "127.0.0.1", port_value: 0 } } },
    // Istio's own stats rules (tag extraction incl. extraStatTags, and its stats inclusion list).
    ...(xds.bootstrap?.stats_config ? { stats_config: xds.bootstrap.stats_config } : {}),
    static_resources: {
      listeners: [{ ...convertListener(listener, xds, options), name: "llm_mesh" }],
      clusters: [
        ...convertClusters(xds, options),
        ...xds.clusters.filter((c) => c.name.startsWith("llm-mesh-failover|")).map((c) => convertPool(c, xds, options)),
        { name: "PassthroughCluster", type: "ORIGINAL_DST", lb_policy: "CLUSTER_PROVIDED", connect_timeout: "2s" },
        { name: "BlackHoleCluster", type: "STATIC", connect_timeout: "2s" },
      ],
    },
  };
}

/** The cluster istiod generated for a name (to check what the test does not exercise, such as TLS). */
export function generatedCluster(xds: IstioXds, name: string): any {
  return xds.clusters.find((c) => c.name === name);
}
