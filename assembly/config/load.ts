// Parses, checks and compiles the plugin configuration into read-only runtime objects, once per
// configuration. Every problem is reported with its path; key values are never echoed.
import { JsonKind, JsonValue, parseJson } from "../json/parse";
import { Diagnostics } from "../fields/diagnostics";
import { childPath, expectObject, indexPath, optionalArray, optionalBool, optionalInteger, optionalString, rejectUnknownFields, requiredString } from "../fields/read";
import { BodyField, Provider } from "../providers/provider";
import { findProviderSpec, providerTypeNames } from "../providers/registry";
import { Backend, HeaderMatch, HeaderMatchKind, ModelMapping, Route, RouteIndex, RouteMatch, matchesEverything } from "../routing";
import { ModelPatterns, loadModelPatterns } from "../fields/model-patterns";
import { MODEL_NAME_RULE, isConfigName, isEnvName, isHeaderName, isHeaderValue, isSafeModelName, isSafePath } from "../safety/safe-text";
import { BILLING_HEADERS, isBillingHeader, isReservedHeader } from "../safety/credentials";
import { FORWARD_HEADER_RULE, isForwardablePattern } from "../request/forwarded-headers";
import { jsonString } from "../json/splice";
import { MetricsConfig, loadMetricsConfig, loadPrices } from "../metrics/config";
import { providerLabel, tag } from "../metrics/record";
import { loadFailover, loadTimeouts } from "../failover/policy";
import { loadPolicy } from "../policy/config";
import { Consumers, loadConsumers } from "../consumers/config";
import { QUOTA_FIELDS } from "../consumers/output-cap";
import { GEMINI_CONFIG_FIELDS } from "../consumers/gemini-cap";
import { loadRouteMcp } from "../mcp/access";

export const DEFAULT_MAX_REQUEST_BODY_BYTES: i64 = 8 * 1024 * 1024;

/** When the filter decides: with the request headers (any host), or after the whole body. */
export enum RequestMode { Headers, Body }

/**
 * Where this instance of the filter sits. Downstream (the HTTP connection manager's chain): every
 * request. Upstream (a failover pool cluster's chain, written by the toolchain): each try Envoy
 * makes, rewritten for the backend Envoy's load balancer picked.
 */
export enum FilterRole { Downstream, Upstream }

/** Indexes into Config.wantedKeys that are the same for every config. */
export const MODEL_KEY = 0;
export const API_KEY_KEY = 1;
export const STREAM_KEY = 2;
export const STREAM_OPTIONS_KEY = 3;
/** The first of the fields quotas read (consumers/output-cap.ts QUOTA_FIELDS), in their order. */
export const OUTPUT_CAP_KEY = 4;
/** generationConfig, then generation_config: a Gemini client's cap lies inside (consumers/gemini-cap.ts). */
export const GEMINI_CONFIG_KEY = OUTPUT_CAP_KEY + QUOTA_FIELDS.length;

/** The compiled configuration. */
export class Config {
  requestMode: RequestMode = RequestMode.Headers;
  /** Top-level body keys the scanner locates: "model", "api_key", "stream", "stream_options", the fields quotas read, then every default/override key. */
  wantedKeys: StaticArray<ArrayBuffer> = new StaticArray<ArrayBuffer>(0);
  providers: Provider[] = [];
  routes: Route[] = [];
  maxRequestBodyBytes: i64 = DEFAULT_MAX_REQUEST_BODY_BYTES;
  /** Add x-llm-mesh-provider / x-llm-mesh-model to responses. */
  responseHeaders: bool = true;
  /** Some route matches on xds.route_name, so requests must fetch it. */
  needsRouteName: bool = false;
  metrics: MetricsConfig = new MetricsConfig();
  role: FilterRole = FilterRole.Downstream;
  consumers: Consumers = new Consumers();
  /** The first provider of each name (load time). */
  providersByName: Map<string, Provider> = new Map();
  /** Which routes a request's host can match (request/admit.ts). */
  routeIndex: RouteIndex = new RouteIndex();
}

export class LoadResult {
  config: Config | null = null;
  diagnostics: Diagnostics = new Diagnostics();
}

const TOP_FIELDS = ["providers", "routes", "maxRequestBodyBytes", "responseHeaders", "requestMode", "metrics", "role", "consumers", "consumerAuth"];
const PROVIDER_FIELDS = ["name", "type", "host", "port", "basePath", "apiKeys", "defaults", "overrides", "clusters", "headers", "allowClientHeaders", "prices", "injectStreamUsage", "maxOutputTokens"];
const ROUTE_FIELDS = ["name", "match", "backends", "modelMapping", "catchAll", "failover", "timeouts", "requireConsumer", "policy", "forwardHeaders", "hostedTools", "mcp"];
const MATCH_FIELDS = ["routeName", "host", "pathPrefix", "headers", "models"];
const HEADER_FIELDS = ["name", "exact", "prefix", "present"];
/** The largest `maxOutputTokens` a backend may set (src-host-tools/config/schema.ts has the same bound). */
const MAX_OUTPUT_TOKENS_LIMIT: i64 = 10_000_000;
const MAX_OUTPUT_TOKENS_RULE = "must be an integer from 1 to 10000000";
const BACKEND_FIELDS = ["provider", "model", "weight", "modelMapping", "maxOutputTokens"];

/** Parses and compiles `text`; `env` resolves `{ "env": NAME }` keys. */
export function loadConfig(text: string, env: Map<string, string>): LoadResult {
  const result = new LoadResult();
  const d = result.diagnostics;
  if (text.trim().length == 0) {
    d.error("(config)", "is empty; give at least one provider and one route");
    return result;
  }
  const parsed = parseJson(text);
  if (parsed.value === null) {
    d.error("(config)", "is not valid JSON: " + parsed.error);
    return result;
  }
  const root = parsed.value!;
  if (!expectObject(root, "(config)", d)) return result;
  rejectUnknownFields(root, "", TOP_FIELDS, d);

  const config = new Config();
  config.maxRequestBodyBytes = optionalInteger(root, "maxRequestBodyBytes", "", d, 1, 1 << 30, DEFAULT_MAX_REQUEST_BODY_BYTES,
    "must be an integer from 1 to 1073741824");
  config.responseHeaders = optionalBool(root, "responseHeaders", "", d, true);
  config.metrics = loadMetricsConfig(root, d);

  const providers = optionalArray(root, "providers", "", d);
  // Names of every provider entry, valid or not, so a refused provider is reported once, not again
  // by each backend that names it.
  const declared = new Set<string>();
  if (providers !== null) {
    for (let i = 0; i < providers.length; i++) {
      const n = providers[i].get("name");
      if (n !== null && n.kind == JsonKind.String) declared.add(n.text);
    }
  }
  if (providers === null || providers.length == 0) {
    if (root.get("providers") === null || (providers !== null && providers.length == 0)) d.error("providers", "must list at least one provider");
  } else {
    for (let i = 0; i < providers.length; i++) {
      const p = loadProvider(providers[i], indexPath("providers", i), env, d);
      if (p === null) continue;
      // Sets and maps, not nested loops: a config of a thousand routes loads in milliseconds.
      if (config.providersByName.has(p.name)) d.error(indexPath("providers", i) + ".name", "duplicate provider name \"" + p.name + "\"");
      else config.providersByName.set(p.name, p);
      config.providers.push(p);
    }
  }

  const routes = optionalArray(root, "routes", "", d);
  if (routes === null || routes.length == 0) {
    if (root.get("routes") === null || (routes !== null && routes.length == 0)) d.error("routes", "must list at least one route");
  } else {
    const routeNames = new Set<string>();
    for (let i = 0; i < routes.length; i++) {
      const r = loadRoute(routes[i], indexPath("routes", i), config, declared, d);
      if (r === null) continue;
      if (routeNames.has(r.name)) d.error(indexPath("routes", i) + ".name", "duplicate route name \"" + r.name + "\"");
      routeNames.add(r.name);
      if (r.match.routeName !== null) config.needsRouteName = true;
      config.routes.push(r);
    }
  }
  config.consumers = loadConsumers(root, d);
  config.metrics.consumerLabel = !config.consumers.isEmpty();
  checkConsumerRoutes(config, d);
  nameConsumerTools(config, d);
  warnShadowedMcpRoutes(config, d);
  config.requestMode = loadRequestMode(root, d);
  config.role = loadRole(root, d);
  if (config.requestMode == RequestMode.Headers) refuseBodyOnlyFeatures(config, d);
  indexWantedKeys(config);
  collectKnownModels(config);
  config.routeIndex = RouteIndex.of(config.routes);
  if (d.ok()) result.config = config;
  return result;
}

/** `requestMode`: "headers" (default, any host) or "body" (Envoy's allow_on_headers_stop_iteration). */
function loadRequestMode(root: JsonValue, d: Diagnostics): RequestMode {
  const mode = optionalString(root, "requestMode", "", d);
  if (mode === null || mode == "headers") return RequestMode.Headers;
  if (mode == "body") return RequestMode.Body;
  d.error("requestMode", "must be \"body\" or \"headers\"");
  return RequestMode.Headers;
}

/** Consumers' route allow-lists name routes that exist; a route requiring a consumer has some to admit. */
function checkConsumerRoutes(config: Config, d: Diagnostics): void {
  const names = new Set<string>();
  for (let i = 0; i < config.routes.length; i++) names.add(config.routes[i].name);
  for (let i = 0; i < config.consumers.list.length; i++) {
    const rules = config.consumers.list[i].limits;
    for (let j = 0; j < rules.length; j++) {
      const route = rules[j].route;
      if (route !== null && !names.has(route!)) d.error("consumers[" + i.toString() + "].limits[" + j.toString() + "].route", "no route named \"" + route! + "\"");
    }
    const allowed = config.consumers.list[i].routes;
    if (allowed === null) continue;
    const list = allowed!.values();
    for (let j = 0; j < list.length; j++) if (!names.has(list[j])) d.error("consumers[" + i.toString() + "].routes", "no route named \"" + list[j] + "\"");
  }
  for (let i = 0; i < config.routes.length; i++) {
    if (config.routes[i].requireConsumer && config.consumers.isEmpty()) d.error(indexPath("routes", i) + ".requireConsumer", "needs consumers (none are configured, so every request would be refused)");
  }
}

function loadRole(root: JsonValue, d: Diagnostics): FilterRole {
  const role = optionalString(root, "role", "", d);
  if (role === null || role == "downstream") return FilterRole.Downstream;
  if (role == "upstream") return FilterRole.Upstream;
  d.error("role", "must be \"downstream\" or \"upstream\" (the toolchain writes upstream into a failover pool cluster's filter; leave it out otherwise)");
  return FilterRole.Downstream;
}

/** In headers mode the route and path are decided before the body: refuse what needs the body. */
function refuseBodyOnlyFeatures(config: Config, d: Diagnostics): void {
  for (let i = 0; i < config.providers.length; i++) {
    const p = config.providers[i];
    if (p.pathFromBody()) {
      d.error(indexPath("providers", i) + ".type", "\"" + p.spec.type + "\" needs requestMode \"body\" (its path names the model and whether the answer streams, both in the body); run it with llm-mesh envoy or llm-mesh manifests --request-mode body, which also set Envoy's allow_on_headers_stop_iteration");
    }
  }
  for (let i = 0; i < config.routes.length; i++) {
    const policy = config.routes[i].policy;
    if (policy !== null && policy.extract !== null) {
      d.error(indexPath("routes", i) + ".policy.extract", "needs requestMode \"body\" (the answer's status and content type are decided after its body is read); run it with llm-mesh envoy or llm-mesh manifests --request-mode body, which also set Envoy's allow_on_headers_stop_iteration");
    }
    if (config.routes[i].mcp !== null) {
      d.error(indexPath("routes", i), "is an MCP route, which needs requestMode \"body\" (nothing goes to the server before the JSON-RPC message is read and allowed); run it with llm-mesh envoy or llm-mesh manifests --request-mode body, which also set Envoy's allow_on_headers_stop_iteration");
    }
    if (config.routes[i].match.models !== null) {
      d.error(indexPath("routes", i) + ".match.models", "needs requestMode \"body\" (the model is in the body, read after the route is chosen in headers mode); run it with llm-mesh envoy or llm-mesh manifests --request-mode body, which also set Envoy's allow_on_headers_stop_iteration");
    }
  }
}

/** Model names the config mentions: metric labels name these, and "other" for the rest. */
function collectKnownModels(config: Config): void {
  const known = config.metrics.knownModels;
  for (let i = 0; i < config.routes.length; i++) {
    const ids = config.routes[i].modelIds;
    for (let j = 0; j < ids.length; j++) known.add(ids[j]);
  }
  for (let i = 0; i < config.providers.length; i++) {
    const priced = config.providers[i].prices.exact.keys();
    for (let j = 0; j < priced.length; j++) known.add(priced[j]);
  }
}

/** Every top-level body key the scanner must locate, once for all providers: model, api_key, stream, the quotas' fields, then defaults and overrides. */
function indexWantedKeys(config: Config): void {
  const wanted: string[] = ["model", "api_key", "stream", "stream_options"].concat(QUOTA_FIELDS).concat(GEMINI_CONFIG_FIELDS);
  for (let i = 0; i < config.providers.length; i++) {
    const p = config.providers[i];
    for (let j = 0; j < p.defaults.length; j++) if (!wanted.includes(p.defaults[j].key)) wanted.push(p.defaults[j].key);
    for (let j = 0; j < p.overrides.length; j++) if (!wanted.includes(p.overrides[j].key)) wanted.push(p.overrides[j].key);
  }
  config.wantedKeys = new StaticArray<ArrayBuffer>(wanted.length);
  for (let i = 0; i < wanted.length; i++) config.wantedKeys[i] = String.UTF8.encode(wanted[i]);
  for (let i = 0; i < config.providers.length; i++) {
    const p = config.providers[i];
    for (let j = 0; j < p.defaults.length; j++) p.defaults[j].spanIndex = wanted.indexOf(p.defaults[j].key);
    for (let j = 0; j < p.overrides.length; j++) p.overrides[j].spanIndex = wanted.indexOf(p.overrides[j].key);
  }
}

function loadProvider(v: JsonValue, path: string, env: Map<string, string>, d: Diagnostics): Provider | null {
  if (!expectObject(v, path, d)) return null;
  const name = requiredString(v, "name", path, d);
  const type = requiredString(v, "type", path, d);
  if (type.length == 0) return null;
  const spec = findProviderSpec(type);
  if (spec === null) {
    d.error(childPath(path, "type"), "unknown provider type \"" + type + "\" (accepted: " + providerTypeNames().join(", ") + ")");
    return null;
  }
  const p = spec.create(spec);
  p.name = name;
  if (name.length > 0 && !isConfigName(name)) d.error(childPath(path, "name"), "must be 1 to 128 letters, digits, '-', '_' or '.' (it is sent in the x-llm-mesh-provider header)");
  rejectUnknownFields(v, path, PROVIDER_FIELDS.concat(p.extraFields()), d);
  p.configureExtra(v, path, d);

  const host = optionalString(v, "host", path, d);
  p.host = host !== null ? host : p.defaultHost();
  if (p.host.length == 0) d.error(childPath(path, "host"), "is required for type " + type + " (it has no default host)");
  else if (p.host.includes("/") || p.host.includes(":") && !p.host.startsWith("[")) d.error(childPath(path, "host"), "must be a bare host name, without scheme, port or path (use port and basePath)");
  p.port = <i32>optionalInteger(v, "port", path, d, 1, 65535, spec.defaultPort, "must be an integer from 1 to 65535");
  p.authority = p.port > 0 ? p.host + ":" + p.port.toString() : p.host;
  const basePath = optionalString(v, "basePath", path, d);
  p.basePath = basePath !== null ? basePath : spec.defaultBasePath;
  // An MCP server's basePath is its endpoint itself, which may end in '/' (GitHub's is /mcp/).
  if (basePath !== null && (p.basePath.length > 0 && !p.basePath.startsWith("/") || p.basePath.endsWith("/") && !p.isMcpServer())) {
    d.error(childPath(path, "basePath"), p.isMcpServer() ? "must start with '/' (or be empty: the client's path is kept)" : "must start with '/' and not end with '/' (or be empty)");
  } else if (p.isMcpServer() && !isSafePath(p.basePath)) d.error(childPath(path, "basePath"), "must be a path of printable ASCII without spaces, '?' or '#'");
  // The server's credential goes to its MCP endpoint only, never to whatever path a client asks of its host.
  if (p.isMcpServer() && basePath === null) d.error(childPath(path, "basePath"), "is required for type mcp: the server's MCP endpoint path, e.g. /mcp (its credential is sent to that path only)");

  loadKeys(v, path, p, spec.keyRequired, env, d);
  p.loadCredentials(env, path, d);
  loadBodyFields(v.get("defaults"), childPath(path, "defaults"), p, false, d);
  loadBodyFields(v.get("overrides"), childPath(path, "overrides"), p, true, d);
  loadClusters(v, path, p, d);
  loadProviderHeaders(v, path, p, d);
  p.prices = loadPrices(v.get("prices"), childPath(path, "prices"), d);
  // Mistral's API puts usage in a stream's last chunk unasked, and does not document stream_options.
  p.injectStreamUsage = optionalBool(v, "injectStreamUsage", path, d, p.spec.type != "mistral");
  p.maxOutputTokens = optionalInteger(v, "maxOutputTokens", path, d, 1, MAX_OUTPUT_TOKENS_LIMIT, -1, MAX_OUTPUT_TOKENS_RULE);

  p.prepare();
  return p;
}

function loadKeys(v: JsonValue, path: string, p: Provider, required: bool, env: Map<string, string>, d: Diagnostics): void {
  const keysPath = childPath(path, "apiKeys");
  const keys = optionalArray(v, "apiKeys", path, d);
  if (keys === null) {
    if (required && v.get("apiKeys") === null) d.error(keysPath, "is required for type " + p.spec.type + " (give [{\"env\": \"VAR\"}])");
    return;
  }
  if (keys.length == 0 && required) d.error(keysPath, "must list at least one key");
  for (let i = 0; i < keys.length; i++) {
    const keyPath = indexPath(keysPath, i);
    const k = keys[i];
    if (!expectObject(k, keyPath, d)) continue;
    // Field names under apiKeys are not echoed either: a key pasted as a name would leak.
    for (let f = 0; f < k.keys.length; f++) {
      if (k.keys[f] != "value" && k.keys[f] != "env") d.error(keyPath, "has an unknown field (accepted: value, env; the name is not shown, it may be a key)");
    }
    const value = k.get("value");
    const envName = k.get("env");
    if ((value === null) == (envName === null)) { d.error(keyPath, "must have exactly one of value or env"); continue; }
    if (value !== null) {
      if (value.kind != JsonKind.String || value.text.length == 0) { d.error(childPath(keyPath, "value"), "must be a non-empty string"); continue; }
      p.keys.push(value.text);
      continue;
    }
    if (envName!.kind != JsonKind.String || envName!.text.length == 0) { d.error(childPath(keyPath, "env"), "must be a non-empty string"); continue; }
    const name = envName!.text;
    if (!isEnvName(name)) {
      d.error(childPath(keyPath, "env"), "must be the name of an environment variable (letters, digits and '_'); the value is not shown: if it is a key, put it in a Secret and name the variable here");
      continue;
    }
    if (!env.has(name) || env.get(name).length == 0) {
      // Not fatal: the rest of the mesh keeps working; requests that would need it get 503.
      const shown = isEnvName(name, true) ? "environment variable " + name : "the environment variable it names (not shown: not an upper-case name)";
      d.warn(childPath(keyPath, "env"), shown + " is not set in the VM (vm_config.environment_variables / vmConfig.env); this key is skipped");
      continue;
    }
    p.keys.push(env.get(name));
  }
  if (keys.length > 0 && p.keys.length == 0) {
    p.usable = false;
    d.warn(keysPath, "no key could be resolved; provider \"" + p.name + "\" is unusable and its routes answer 503");
  }
}

function loadBodyFields(v: JsonValue | null, path: string, p: Provider, forced: bool, d: Diagnostics): void {
  if (v === null) return;
  if (!expectObject(v, path, d)) return;
  for (let i = 0; i < v.keys.length; i++) {
    const key = v.keys[i];
    const value = v.items[i];
    if (key == "model") {
      if (value.kind != JsonKind.String || value.text.length == 0) { d.error(childPath(path, "model"), "must be a non-empty string"); continue; }
      if (!isSafeModelName(value.text)) { d.error(childPath(path, "model"), "must be " + MODEL_NAME_RULE); continue; }
      if (forced) p.overrideModel = value.text; else p.defaultModel = value.text;
      continue;
    }
    const field = new BodyField(key, String.UTF8.encode(value.toJson()));
    if (forced) p.overrides.push(field); else p.defaults.push(field);
  }
}

function findProvider(config: Config, name: string): Provider | null {
  return config.providersByName.has(name) ? config.providersByName.get(name) : null;
}

function loadRoute(v: JsonValue, path: string, config: Config, declared: Set<string>, d: Diagnostics): Route | null {
  if (!expectObject(v, path, d)) return null;
  rejectUnknownFields(v, path, ROUTE_FIELDS, d);
  const route = new Route(requiredString(v, "name", path, d));
  const match = v.get("match");
  const errorsBefore = d.errors.length;
  if (match !== null) loadMatch(match, childPath(path, "match"), route, d);
  route.catchAll = optionalBool(v, "catchAll", path, d, false);
  // A condition that failed to load is already reported; only a match that loaded whole can be "everything".
  if (d.errors.length == errorsBefore && matchesEverything(route.match) && !route.catchAll) {
    d.error(childPath(path, "match"), "matches every request through the proxy (no host, routeName or header condition); in a sidecar that is every outbound call of the pod, each given a provider key. Add a condition, or set \"catchAll\": true on the route if you mean it (for gateways)");
  }
  const routeMapping = loadMapping(v.get("modelMapping"), childPath(path, "modelMapping"), d);
  route.failover = loadFailover(v.get("failover"), childPath(path, "failover"), d);
  route.requireConsumer = optionalBool(v, "requireConsumer", path, d, false);
  const hosted = optionalString(v, "hostedTools", path, d);
  if (hosted !== null && hosted != "drop" && hosted != "refuse") d.error(childPath(path, "hostedTools"), "unknown value (accepted: drop, refuse)");
  route.refuseHostedTools = hosted !== null && hosted == "refuse";
  route.timeouts = loadTimeouts(v.get("timeouts"), childPath(path, "timeouts"), d);
  route.policy = loadPolicy(v.get("policy"), childPath(path, "policy"), d);
  loadForwardHeaders(v, path, route, d);

  const backends = optionalArray(v, "backends", path, d);
  if (backends === null || backends.length == 0) {
    if (backends !== null || v.get("backends") === null) d.error(childPath(path, "backends"), "must list at least one backend");
    return route;
  }
  for (let i = 0; i < backends.length; i++) {
    const bPath = indexPath(childPath(path, "backends"), i);
    const b = backends[i];
    if (!expectObject(b, bPath, d)) continue;
    rejectUnknownFields(b, bPath, BACKEND_FIELDS, d);
    const providerName = requiredString(b, "provider", bPath, d);
    const weight = <i32>optionalInteger(b, "weight", bPath, d, 1, 1000000, 1, "must be a positive integer (1 to 1000000)");
    const maxOutput = optionalInteger(b, "maxOutputTokens", bPath, d, 1, MAX_OUTPUT_TOKENS_LIMIT, -1, MAX_OUTPUT_TOKENS_RULE);
    const model = optionalString(b, "model", bPath, d);
    if (model !== null && !isSafeModelName(model)) d.error(childPath(bPath, "model"), "must be " + MODEL_NAME_RULE);
    const mapping = loadMapping(b.get("modelMapping"), childPath(bPath, "modelMapping"), d);
    if (providerName.length == 0) continue;
    const provider = findProvider(config, providerName);
    if (provider === null) {
      if (!declared.has(providerName)) d.error(childPath(bPath, "provider"), "no provider named \"" + providerName + "\" (define it under providers)");
      continue;
    }
    provider.checkBackend(model, bPath, d);
    const backend = new Backend(provider, weight);
    backend.model = model;
    backend.maxOutputTokens = maxOutput;
    backend.mapping = mapping.isEmpty() ? routeMapping : mapping;
    backend.metrics.tags = tag("llm_mesh_route", route.name) + tag("llm_mesh_backend", provider.name) + tag("gen_ai_provider_name", providerLabel(provider.spec.type));
    backend.prepare();
    route.backends.push(backend);
  }
  route.finish();
  checkMcpRoute(v, path, route, d);
  listModels(route);
  return route;
}

/**
 * A route whose backend is an MCP server carries JSON-RPC to that one server: no weights across
 * servers (a session lives on one), no failover, nothing that reads or writes an LLM body.
 */
function checkMcpRoute(v: JsonValue, path: string, route: Route, d: Diagnostics): void {
  let servers = 0;
  for (let i = 0; i < route.backends.length; i++) if (route.backends[i].provider.isMcpServer()) servers++;
  const mcpField = v.get("mcp");
  if (servers == 0) {
    if (mcpField !== null) d.error(childPath(path, "mcp"), "is only for routes whose backend is an MCP server (a provider of type mcp)");
    return;
  }
  if (servers != route.backends.length) { d.error(childPath(path, "backends"), "mixes MCP servers and LLM providers; an MCP route has one backend, an MCP server"); return; }
  if (route.backends.length > 1) d.error(childPath(path, "backends"), "an MCP route has exactly one backend (an MCP session lives on one server)");
  const llmOnly = ["failover", "modelMapping", "hostedTools"];
  for (let i = 0; i < llmOnly.length; i++) if (v.get(llmOnly[i]) !== null) d.error(childPath(path, llmOnly[i]), "is not for MCP routes");
  if (route.match.models !== null) d.error(childPath(childPath(path, "match"), "models"), "is not for MCP routes (their requests name no model)");
  const b = route.backends[0];
  if (b.model !== null || !b.mapping.isEmpty() || b.maxOutputTokens >= 0) d.error(indexPath(childPath(path, "backends"), 0), "an MCP server's backend takes only provider (no model, modelMapping or maxOutputTokens)");
  const policy = route.policy;
  if (policy !== null && (policy.template !== null || policy.prepend.length > 0 || policy.append.length > 0 || policy.extract !== null)) {
    d.error(childPath(path, "policy"), "an MCP route's policy takes only deny and mask (over tool arguments and results)");
  }
  const mcp = loadRouteMcp(mcpField, childPath(path, "mcp"), d);
  mcp.tags = tag("llm_mesh_route", route.name) + tag("llm_mesh_mcp_server", b.provider.name);
  mcp.nameToolsOf(mcp.access);
  route.mcp = mcp;
}

/** True when every request `later` matches, `earlier` matches too (same host and port, a path prefix no narrower, no other condition). */
function shadows(earlier: RouteMatch, later: RouteMatch): bool {
  if (earlier.routeName !== null || earlier.headers.length > 0 || earlier.models !== null) return false;
  if (earlier.host != later.host || earlier.hostSuffix != later.hostSuffix || earlier.port != later.port) return false;
  if (earlier.pathPrefix === null) return true;
  return later.pathPrefix !== null && later.pathPrefix!.startsWith(earlier.pathPrefix!);
}

/** An MCP route an earlier route shadows (or one that shadows a later route) is named: its lists, or the other route, would do nothing. */
function warnShadowedMcpRoutes(config: Config, d: Diagnostics): void {
  const routes = config.routes;
  for (let m = 0; m < routes.length; m++) {
    if (routes[m].mcp === null) continue;
    for (let j = 0; j < routes.length; j++) {
      if (j == m) continue;
      const earlier = j < m ? j : m, later = j < m ? m : j;
      if (!shadows(routes[earlier].match, routes[later].match)) continue;
      d.warn(indexPath("routes", later), "is never used: routes[" + earlier.toString() + "] (\"" + routes[earlier].name + "\") matches every request it would");
    }
  }
}

/**
 * Consumers' MCP lists name MCP servers (an unknown one is an error, one no route serves a warning);
 * the tool names they name exactly are metric labels on their servers' routes.
 */
function nameConsumerTools(config: Config, d: Diagnostics): void {
  const served = new Set<string>();
  for (let i = 0; i < config.routes.length; i++) if (config.routes[i].mcp !== null && config.routes[i].backends.length > 0) served.add(config.routes[i].backends[0].provider.name);
  for (let j = 0; j < config.consumers.list.length; j++) {
    const mcp = config.consumers.list[j].mcp;
    if (mcp === null) continue;
    const servers = mcp!.keys();
    for (let k = 0; k < servers.length; k++) {
      const p = findProvider(config, servers[k]);
      const at = "consumers[" + j.toString() + "].mcp";
      if (p === null || !p.isMcpServer()) d.error(at, "no MCP server (provider of type mcp) named \"" + servers[k] + "\"");
      else if (!served.has(servers[k])) d.warn(at, "server \"" + servers[k] + "\" has no MCP route, so this list applies to nothing");
    }
  }
  for (let i = 0; i < config.routes.length; i++) {
    const mcp = config.routes[i].mcp;
    if (mcp === null || config.routes[i].backends.length == 0) continue;
    const server = config.routes[i].backends[0].provider.name;
    for (let j = 0; j < config.consumers.list.length; j++) {
      const access = config.consumers.list[j].mcpAccess(server);
      if (access !== null) mcp!.nameToolsOf(access!);
    }
  }
}

/** `forwardHeaders`: client headers the route passes to its providers (request/forwarded-headers.ts). */
function loadForwardHeaders(v: JsonValue, path: string, route: Route, d: Diagnostics): void {
  const list = optionalArray(v, "forwardHeaders", path, d);
  if (list === null) return;
  const fPath = childPath(path, "forwardHeaders");
  for (let i = 0; i < list.length; i++) {
    const e = list[i];
    const text = e.kind == JsonKind.String ? e.text : "";
    const name = text.endsWith("*") ? text.substring(0, text.length - 1) : text;
    if (!isForwardablePattern(text, isHeaderName(name))) { d.error(indexPath(fPath, i), FORWARD_HEADER_RULE); continue; }
    route.forwardHeaders.add(text);
  }
}

/** For GET …/models: every model name the route's config knows, once, as OpenAI list items. */
function listModels(route: Route): void {
  const ids = new Array<string>();
  const owners = new Array<string>();
  const models = route.match.models;
  if (models !== null && route.backends.length > 0) {
    for (let i = 0; i < models.exact.length; i++) { ids.push(models.exact[i]); owners.push(route.backends[0].provider.name); }
  }
  const add = (id: string | null, owner: string, ids: string[], owners: string[]): void => {
    if (id !== null && id.length > 0 && !ids.includes(id)) { ids.push(id); owners.push(owner); }
  };
  for (let i = 0; i < route.backends.length; i++) {
    const b = route.backends[i];
    const owner = b.provider.name;
    add(b.model, owner, ids, owners);
    const exact = b.mapping.exact.keys();
    for (let j = 0; j < exact.length; j++) { add(exact[j], owner, ids, owners); add(b.mapping.exact.get(exact[j]), owner, ids, owners); }
    for (let j = 0; j < b.mapping.prefixTargets.length; j++) add(b.mapping.prefixTargets[j], owner, ids, owners);
    add(b.mapping.wildcard, owner, ids, owners);
    add(b.provider.overrideModel, owner, ids, owners);
    add(b.provider.defaultModel, owner, ids, owners);
  }
  for (let i = 0; i < ids.length; i++) {
    route.modelIds.push(ids[i]);
    route.modelItems.push("{\"id\":" + jsonString(ids[i]) + ",\"object\":\"model\",\"created\":0,\"owned_by\":" + jsonString(owners[i]) + "}");
  }
}

/** `clusters`: the Envoy clusters that are this provider's destination (exact or `prefix*`). */
function loadClusters(v: JsonValue, path: string, p: Provider, d: Diagnostics): void {
  const clusters = optionalArray(v, "clusters", path, d);
  if (clusters === null) return;
  const cPath = childPath(path, "clusters");
  if (clusters.length == 0) d.error(cPath, "must list at least one cluster name (leave it out to use Istio's outbound|PORT||HOST)");
  for (let i = 0; i < clusters.length; i++) {
    const c = clusters[i];
    if (c.kind != JsonKind.String || c.text.length == 0 || c.text == "*") { d.error(indexPath(cPath, i), "must be a cluster name, or a prefix ending in '*'"); continue; }
    if (c.text.endsWith("*")) p.clusterPrefixes.push(c.text.substring(0, c.text.length - 1));
    else p.clusterNames.push(c.text);
  }
}

/** `headers` set from config, and `allowClientHeaders` passed from the client (billing selectors only). */
function loadProviderHeaders(v: JsonValue, path: string, p: Provider, d: Diagnostics): void {
  const headers = v.get("headers");
  const hPath = childPath(path, "headers");
  if (headers !== null && expectObject(headers, hPath, d)) {
    for (let i = 0; i < headers.keys.length; i++) {
      const name = headers.keys[i];
      const value = headers.items[i];
      const entry = hPath + "[" + jsonString(name) + "]";
      if (!isHeaderName(name)) { d.error(entry, "must be a lower-case header name"); continue; }
      if (isReservedHeader(name) || name == p.authHeaderName() || name.startsWith("x-llm-mesh-")) { d.error(entry, "cannot be set by config (credential, framing or routing header)"); continue; }
      if (value.kind != JsonKind.String || !isHeaderValue(value.text)) { d.error(entry, "must be a string of printable ASCII (no control characters)"); continue; }
      p.extraHeaderNames.push(String.UTF8.encode(name));
      p.extraHeaderValues.push(String.UTF8.encode(value.text));
    }
  }
  const allowed = optionalArray(v, "allowClientHeaders", path, d);
  if (allowed === null) return;
  const aPath = childPath(path, "allowClientHeaders");
  for (let i = 0; i < allowed.length; i++) {
    const a = allowed[i];
    if (a.kind != JsonKind.String || !isBillingHeader(a.text.toLowerCase())) {
      d.error(indexPath(aPath, i), "only these client headers can be passed on: " + BILLING_HEADERS.join(", ") + " (client credentials never are)");
      continue;
    }
    p.allowedClientHeaders.push(a.text.toLowerCase());
  }
}

function loadMatch(v: JsonValue, path: string, route: Route, d: Diagnostics): void {
  if (!expectObject(v, path, d)) return;
  rejectUnknownFields(v, path, MATCH_FIELDS, d);
  const m = route.match;
  m.routeName = optionalString(v, "routeName", path, d);
  const host = optionalString(v, "host", path, d);
  if (host !== null) {
    let h = host.toLowerCase();
    // An explicit :port; without one, the scheme's default port (see RouteMatch.port).
    const colon = h.lastIndexOf(":");
    if (colon >= 0 && h.lastIndexOf("]") < colon) {
      const port = I32.parseInt(h.substring(colon + 1));
      if (port < 1 || port > 65535 || port.toString() != h.substring(colon + 1)) d.error(childPath(path, "host"), "port must be a number from 1 to 65535");
      else m.port = port;
      h = h.substring(0, colon);
    }
    if (h.length == 0) d.error(childPath(path, "host"), "must not be empty");
    else if (h.startsWith("*.")) m.hostSuffix = h.substring(1);
    else if (h.includes("*")) d.error(childPath(path, "host"), "a wildcard is only allowed as a leading '*.'");
    else m.host = h;
  }
  m.pathPrefix = optionalString(v, "pathPrefix", path, d);
  m.models = loadModelPatterns(v, "models", path, d);
  const models = v.get("models");
  if (models !== null && models.kind == JsonKind.Array && models.items.length == 0) d.error(childPath(path, "models"), "must list at least one model pattern (leave it out to match any model)");
  if (m.pathPrefix !== null && !m.pathPrefix!.startsWith("/")) d.error(childPath(path, "pathPrefix"), "must start with '/'");
  const headers = optionalArray(v, "headers", path, d);
  if (headers === null) return;
  for (let i = 0; i < headers.length; i++) {
    const hPath = indexPath(childPath(path, "headers"), i);
    const h = headers[i];
    if (!expectObject(h, hPath, d)) continue;
    rejectUnknownFields(h, hPath, HEADER_FIELDS, d);
    const name = requiredString(h, "name", hPath, d).toLowerCase();
    const exact = optionalString(h, "exact", hPath, d);
    const prefix = optionalString(h, "prefix", hPath, d);
    const present = h.get("present");
    const given = (exact !== null ? 1 : 0) + (prefix !== null ? 1 : 0) + (present !== null ? 1 : 0);
    if (given != 1) { d.error(hPath, "must have exactly one of exact, prefix or present"); continue; }
    if (present !== null && present.kind != JsonKind.Bool) { d.error(childPath(hPath, "present"), "must be true or false"); continue; }
    if (exact !== null) m.headers.push(new HeaderMatch(name, HeaderMatchKind.Exact, exact));
    else if (prefix !== null) m.headers.push(new HeaderMatch(name, HeaderMatchKind.Prefix, prefix));
    else m.headers.push(new HeaderMatch(name, present!.boolValue ? HeaderMatchKind.Present : HeaderMatchKind.Absent, ""));
  }
}

function loadMapping(v: JsonValue | null, path: string, d: Diagnostics): ModelMapping {
  const mapping = new ModelMapping();
  if (v === null) return mapping;
  if (!expectObject(v, path, d)) return mapping;
  for (let i = 0; i < v.keys.length; i++) {
    const from = v.keys[i];
    const to = v.items[i];
    const entryPath = path + "[\"" + from + "\"]";
    if (from.length == 0) { d.error(entryPath, "model name must not be empty"); continue; }
    if (from.indexOf("*") >= 0 && from.indexOf("*") != from.length - 1) { d.error(entryPath, "'*' is only allowed at the end (prefix*) or alone"); continue; }
    if (to.kind != JsonKind.String || to.text.length == 0) { d.error(entryPath, "must map to a non-empty model name"); continue; }
    if (!isSafeModelName(to.text)) { d.error(entryPath, "must map to a model name of " + MODEL_NAME_RULE); continue; }
    mapping.add(from, to.text);
  }
  return mapping;
}
