// Body mode in Istio: WasmPlugin cannot set Envoy's allow_on_headers_stop_iteration, and an
// EnvoyFilter cannot MERGE into the extension config a WasmPlugin makes. What istiod does accept is
// an EnvoyFilter that ADDs an EXTENSION_CONFIG holding the whole Wasm filter config (the flag
// included, the module as remote oci:// code that istio-agent fetches and checks against sha256, as
// it does for WasmPlugins) and an HTTP_FILTER patch that inserts a config_discovery reference to it
// before the router. Needs Istio >= 1.27 (its proxies are Envoy >= 1.35, which has the flag).
import { keyEnvNames } from "../config/keys.js";
import { KEEP_CONNECTION_AFTER_400, clientTimeouts } from "../envoy/bootstrap.js";
import { FailStrategy, K8sObject, LABELS, ManifestOptions, checkImage, envoyFilterTarget, namespaceFor } from "./options.js";
import { sidecarPorts } from "./hosts.js";

const WASM_TYPE = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm";
const HCM_TYPE = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";

/** The client timeouts that bound a request's upload (the rest of CLIENT_TIMEOUTS is Istio's to set). */
function uploadTimeouts(): Record<string, unknown> {
  const t = clientTimeouts();
  return { request_headers_timeout: t.request_headers_timeout, request_timeout: t.request_timeout };
}

/** WasmPlugin failStrategy -> Envoy failure_policy. */
const FAILURE_POLICY: Record<FailStrategy, string> = { FAIL_RELOAD: "FAIL_RELOAD", FAIL_CLOSE: "FAIL_CLOSED", FAIL_OPEN: "FAIL_OPEN" };

/** The ECDS resource name: namespaced, so two llm-mesh installs never share one. */
export function extensionConfigName(o: ManifestOptions): string {
  return `${namespaceFor(o)}.${o.name ?? "llm-mesh"}`;
}

/**
 * An ECDS resource holding the whole Wasm filter config: the module as remote oci:// code that
 * istio-agent fetches and checks against sha256 (as for WasmPlugins), the flag, the plugin config.
 */
export function wasmExtensionConfig(o: ManifestOptions, name: string, pluginConfig: Record<string, unknown>): Record<string, unknown> {
  const hex = checkImage(o);
  const env = keyEnvNames(o.config);
  return {
    name,
    typed_config: {
      "@type": WASM_TYPE,
      config: {
        name,
        root_id: o.name ?? "llm-mesh",
        failure_policy: FAILURE_POLICY[o.failStrategy ?? "FAIL_RELOAD"],
        allow_on_headers_stop_iteration: true,
        vm_config: {
          // One VM for every llm-mesh filter of the install (downstream and failover tries share key rests).
          vm_id: extensionConfigName(o),
          runtime: "envoy.wasm.runtime.v8",
          // istio-agent pulls oci:// code into its cache and rewrites this to a local file.
          code: { remote: { http_uri: { uri: `${o.image}@${o.digest}`, cluster: "_", timeout: "30s" }, sha256: hex } },
          // The values come from the proxy's own environment (a mounted Secret), never this object.
          ...(env.length > 0 ? { environment_variables: { host_env_keys: env } } : {}),
        },
        configuration: { "@type": "type.googleapis.com/google.protobuf.StringValue", value: JSON.stringify(pluginConfig) },
      },
    },
  };
}

/** An HTTP filter taken from the ECDS resource `name` (downstream or upstream chain). */
export function extensionConfigReference(name: string): Record<string, unknown> {
  return { name, config_discovery: { config_source: { ads: {}, initial_fetch_timeout: "0s" }, type_urls: [WASM_TYPE] } };
}

export function bodyModeEnvoyFilter(o: ManifestOptions): K8sObject {
  const name = extensionConfigName(o);
  const wasm = wasmExtensionConfig(o, name, { ...o.config, requestMode: "body" });
  const reference = extensionConfigReference(name);
  const insert = (match: Record<string, unknown>) => ({
    applyTo: "HTTP_FILTER",
    match: { ...match, listener: { ...(match.listener as object | undefined), filterChain: { filter: { name: "envoy.filters.network.http_connection_manager", subFilter: { name: "envoy.filters.http.router" } } } } },
    patch: { operation: "INSERT_BEFORE", value: reference },
  });
  const p = o.placement;
  const spec: Record<string, unknown> = envoyFilterTarget(p);
  let inserts: Record<string, unknown>[];
  if (p.mode === "sidecar") {
    // Outbound only, and only the ports apps reach providers on (as the WasmPlugin's match).
    inserts = sidecarPorts(o.config).map((port) => insert({ context: "SIDECAR_OUTBOUND", listener: { portNumber: port } }));
  } else if (p.mode === "egress") {
    inserts = [insert({ context: "GATEWAY" })];
  } else if (p.mode === "waypoint") {
    inserts = [insert({ context: "WAYPOINT" })];
  } else {
    inserts = [insert({ context: "GATEWAY", ...(p.gatewayPort ? { listener: { portNumber: p.gatewayPort } } : {}) })];
  }
  // A relative patch (INSERT_BEFORE) wants an explicit priority, or its order against other
  // EnvoyFilters is unspecified (istioctl analyze IST0151). 10: after default-priority filters.
  spec.priority = 10;
  // The same listeners get a bound on slow uploads (body mode holds a request's body until it is
  // whole): Istio, like Envoy, sets none. Only the request's own receipt: answers are never cut.
  // And a local 400 leaves the client's connection open (KEEP_CONNECTION_AFTER_400).
  const timeouts = inserts.map((i) => {
    const listener = ((i as { match: { listener: Record<string, unknown> } }).match.listener);
    return {
      applyTo: "NETWORK_FILTER",
      match: { ...(i as { match: object }).match, listener: { ...listener, filterChain: { filter: { name: "envoy.filters.network.http_connection_manager" } } } },
      patch: { operation: "MERGE", value: { name: "envoy.filters.network.http_connection_manager", typed_config: { "@type": HCM_TYPE, ...uploadTimeouts(), ...KEEP_CONNECTION_AFTER_400 } } },
    };
  });
  spec.configPatches = [{ applyTo: "EXTENSION_CONFIG", patch: { operation: "ADD", value: wasm } }, ...inserts, ...timeouts];
  return {
    apiVersion: "networking.istio.io/v1alpha3",
    kind: "EnvoyFilter",
    metadata: {
      name: o.name ?? "llm-mesh", namespace: namespaceFor(o), labels: LABELS,
      // IST0133 is Istio's notice that any EnvoyFilter depends on Envoy internals; body mode has no
      // other way to set the flag (see above), so it is acknowledged here rather than left to alarm.
      annotations: { "galley.istio.io/analyze-suppress": "IST0133" },
    },
    spec,
  };
}
