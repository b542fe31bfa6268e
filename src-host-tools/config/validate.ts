// Validates a plugin config: the schema first (every problem, with its path), then the rules a
// schema cannot express. Errors and warnings are separate; each carries a hint.
import { Ajv, ErrorObject } from "ajv";
import { parse as parseYaml } from "yaml";
import { BILLING_HEADERS, FORWARD_HEADER_PATTERN, FORWARD_HEADER_RULE, RETRY_STATUS_RULE, ConfigSchema, LlmMeshConfig, MODEL_NAME_PATTERN, MODEL_NAME_RULE, MODEL_PATTERN_PATTERN, PolicyConfig, ProviderConfig, RouteConfig } from "./schema.js";
import { PROVIDER_TYPES, regionalHost } from "../providers.js";
import { patternMatches, patternProblem, templateProblems } from "./policy.js";
import type { Problem } from "./problem.js";

export interface ValidationResult { config?: LlmMeshConfig; errors: Problem[]; warnings: Problem[] }

const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
const validateSchema = ajv.compile(ConfigSchema);

/** Ajv's JSON pointer as our dotted path: /routes/1/backends/0 -> routes[1].backends[0]. */
function pointerToPath(pointer: string): string {
  const parts = pointer.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  let out = "";
  parts.forEach((part, i) => {
    const parent = parts[i - 1];
    const keyed = parent === "modelMapping" || parent === "headers" || parent === "prices";
    if (/^\d+$/.test(part) && !keyed && parent !== "defaults" && parent !== "overrides") out += `[${part}]`;
    else if (keyed) out += `[${JSON.stringify(part)}]`;
    else out += (out ? "." : "") + part;
  });
  return out;
}

function join(path: string, field: string): string { return path ? `${path}.${field}` : field; }

/** True for a path under apiKeys, where nothing the user wrote may be echoed: it may be a key. */
const underKeys = (path: string) => /\.apiKeys(\[|$)/.test(path) || /^consumers\[\d+\]\.keys(\[|$)/.test(path);

function schemaProblem(e: ErrorObject): Problem {
  const path = pointerToPath(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required": return { path: join(path, String(p.missingProperty)), message: "is required" };
    case "additionalProperties": {
      if (underKeys(path)) return { path, message: path.startsWith("consumers") ? "has an unknown field (accepted: id, salt, sha256; names are not shown, one may be a key)" : "has an unknown field (accepted: value, env; the name is not shown, it may be a key)" };
      if (path.endsWith(".headers")) return { path, message: "header names must be lower-case letters, digits, '-', '_' or '.'" };
      if (path.endsWith(".prices")) return { path: `${path}[${JSON.stringify(String(p.additionalProperty))}]`, message: "must be a model name, a prefix ending in '*', or '*'" };
      const allowed = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
      return { path: join(path, String(p.additionalProperty)), message: `unknown field (accepted: ${allowed.join(", ")})`, hint: "check the spelling; unknown fields are refused so a typo never silently does nothing" };
    }
    case "minItems": return { path, message: p.limit === 1 ? "must list at least one entry" : `must list at least ${p.limit} entries` };
    case "minLength": return { path, message: "must not be empty" };
    case "type": return { path, message: `must be ${p.type === "integer" ? "an integer" : p.type === "object" ? "an object" : p.type === "array" ? "an array" : p.type === "boolean" ? "true or false" : `a ${p.type}`}` };
    case "minimum": case "maximum": {
      const s = e.parentSchema as { minimum?: number; maximum?: number };
      const positive = s.minimum === 1;
      if (/\.prices\[/.test(path)) return { path, message: `must be a number from ${s.minimum} to ${s.maximum} (price per million tokens)` };
      return { path, message: positive && path.endsWith(".weight") ? `must be a positive integer (1 to ${s.maximum})` : `must be an integer from ${s.minimum} to ${s.maximum}` };
    }
    case "pattern": return { path, message: patternMessage(path, String(p.pattern)) };
    case "not": return { path, message: "must be a cluster name, or a prefix ending in '*'" };
    case "anyOf": {
      const literals = ((e.parentSchema as { anyOf?: { const?: string }[] }).anyOf ?? []).map((s) => s.const).filter(Boolean);
      if (/\.retryOn\[/.test(path)) return { path, message: RETRY_STATUS_RULE };
      if (/\.allowClientHeaders\[/.test(path)) return { path, message: `only these client headers can be passed on: ${BILLING_HEADERS.join(", ")} (client credentials never are)` };
      return { path, message: `unknown value (accepted: ${literals.join(", ")})` };
    }
    default: return { path, message: e.message ?? e.keyword };
  }
}

/** forwardHeaders entries the schema's pattern lets through but the filter refuses: credential, billing, framing, Envoy and llm-mesh headers. */
function forwardHeaderProblems(list: unknown, path: string, errors: Problem[]): void {
  if (!Array.isArray(list)) return;
  list.forEach((entry, i) => {
    if (typeof entry !== "string" || !new RegExp(FORWARD_HEADER_PATTERN).test(entry)) return; // the schema reported it
    const name = entry.endsWith("*") ? entry.slice(0, -1) : entry;
    const refused = RESERVED_HEADERS.includes(name) || (BILLING_HEADERS as readonly string[]).includes(name) || name.startsWith("x-envoy-") || name.startsWith("x-llm-mesh-");
    if (refused) errors.push({ path: `${path}[${i}]`, message: FORWARD_HEADER_RULE });
  });
}

function patternMessage(path: string, pattern: string): string {
  if (/\.forwardHeaders\[/.test(path)) return FORWARD_HEADER_RULE;
  if (path.endsWith("basePath")) return "must start with '/' and not end with '/' (or be empty)";
  if (pattern === MODEL_NAME_PATTERN) return `must be ${MODEL_NAME_RULE}`;
  if (pattern === MODEL_PATTERN_PATTERN) return `must be a model name, a prefix ending in '*', or '*' (${MODEL_NAME_RULE})`;
  if (/^consumers\[\d+\]\.keys\[\d+\]\.id$/.test(path)) return "must be 8 to 32 lower-case hex digits";
  if (/^consumers\[\d+\]\.keys\[\d+\]\.salt$/.test(path)) return "must be at least 16 bytes as lower-case hex";
  if (/^consumers\[\d+\]\.keys\[\d+\]\.sha256$/.test(path)) return "must be a SHA-256 digest as 64 lower-case hex digits";
  if (/^consumers\[\d+\]\.principals\[\d+\]$/.test(path)) return "must be a SPIFFE id (spiffe://TRUST_DOMAIN/ns/NAMESPACE/sa/ACCOUNT), or a prefix of one ending in '*'";
  if (/^consumerAuth\.claimHeader$/.test(path)) return "must be a lower-case header name (e.g. x-jwt-sub, from RequestAuthentication outputClaimToHeaders)";
  if (underKeys(path)) return "must be the name of an environment variable (letters, digits and '_'); the value is not shown: if it is a key, put it in a Secret and name the variable here";
  if (/\.policy\.extract$/.test(path)) return "must be field names of letters, digits, '_' or '-', joined by '.', with [N] for array items (e.g. choices[0].message.content)";
  if (path.endsWith(".name")) return "must be 1 to 128 letters, digits, '-', '_' or '.'";
  if (/\.headers\[/.test(path)) return "must be a string of printable ASCII (no control characters)";
  return "must start with '/'";
}

/** Ajv reports a union's mismatch once per branch; keep the anyOf summary only. */
function schemaProblems(errors: ErrorObject[]): Problem[] {
  const unionPaths = new Set(errors.filter((e) => e.keyword === "anyOf").map((e) => e.instancePath));
  return errors.filter((e) => e.keyword === "anyOf" || !unionPaths.has(e.instancePath) || e.keyword === "required").map(schemaProblem);
}

/** The request mode a config will run in: its own requestMode, else the toolchain's choice (default body). */
export function effectiveRequestMode(config: { requestMode?: string }, toolchainMode: RequestModeName = "body"): RequestModeName {
  return config.requestMode === "headers" || config.requestMode === "body" ? config.requestMode : toolchainMode;
}
export type RequestModeName = "body" | "headers";

/** Credentials from the platform (docs/credentials.md): which types take which fields, and never both those and apiKeys. */
function platformCredentialProblems(p: ProviderConfig, path: string, errors: Problem[]): void {
  const tokenTypes = ["vertex-ai", "azure-openai"];
  const token = p.tokenFromMetadataServer === true;
  if (tokenTypes.includes(p.type)) {
    const source = p.type === "vertex-ai" ? "the metadata server" : "the managed identity endpoint";
    if (token && p.apiKeys !== undefined) errors.push({ path: `${path}.apiKeys`, message: `cannot be given with tokenFromMetadataServer: true (the token comes from ${source})` });
    if (p.type === "vertex-ai" && !token && p.apiKeys === undefined) errors.push({ path: `${path}.apiKeys`, message: "is required for type vertex-ai unless tokenFromMetadataServer is true", hint: 'give [{"env": "VERTEX_ACCESS_TOKEN"}], or tokenFromMetadataServer: true on GKE with Workload Identity' });
  } else if (p.tokenFromMetadataServer !== undefined) errors.push({ path: `${path}.tokenFromMetadataServer`, message: `unknown field for type ${p.type} (only vertex-ai and azure-openai take it)` });
  if (p.type !== "azure-openai" && p.managedIdentityClientId !== undefined) errors.push({ path: `${path}.managedIdentityClientId`, message: `unknown field for type ${p.type} (only azure-openai takes it)` });
  else if (p.managedIdentityClientId !== undefined && !token) errors.push({ path: `${path}.managedIdentityClientId`, message: "needs tokenFromMetadataServer: true" });
  if (p.type !== "bedrock" && p.awsCredentials !== undefined) errors.push({ path: `${path}.awsCredentials`, message: `unknown field for type ${p.type} (only bedrock takes it)` });
  if (p.type === "bedrock" && p.awsCredentials !== undefined && p.apiKeys !== undefined) errors.push({ path: `${path}.apiKeys`, message: "cannot be given with awsCredentials (a Bedrock API key replaces the signature)" });
  const fetches = (tokenTypes.includes(p.type) && token) || (p.type === "bedrock" && p.awsCredentials === "instanceMetadata");
  if (p.metadataCluster !== undefined && !fetches) {
    const needs = p.type === "bedrock" ? 'needs awsCredentials: "instanceMetadata"' : tokenTypes.includes(p.type) ? "needs tokenFromMetadataServer: true" : `unknown field for type ${p.type} (only vertex-ai, azure-openai and bedrock take it)`;
    errors.push({ path: `${path}.metadataCluster`, message: needs });
  }
}

/** The rules beyond the schema. The filter checks the first group too; the rest are toolchain-only. */
function ruleProblems(config: LlmMeshConfig, errors: Problem[], warnings: Problem[], mode: RequestModeName): void {
  const providers = new Map<string, ProviderConfig>();
  config.providers.forEach((p, i) => {
    const path = `providers[${i}]`;
    if (providers.has(p.name)) errors.push({ path: `${path}.name`, message: `duplicate provider name "${p.name}"` });
    providers.set(p.name, p);
    const info = PROVIDER_TYPES[p.type];
    if (!info) return;
    const host = p.host ?? regionalHost(p) ?? info.host;
    if (!host) errors.push({ path: `${path}.host`, message: `is required for type ${p.type} (it has no default host)` });
    else if (host.includes("/") || (host.includes(":") && !host.startsWith("["))) {
      errors.push({ path: `${path}.host`, message: "must be a bare host name, without scheme, port or path (use port and basePath)" });
    }
    if (p.type !== "azure-openai") {
      for (const f of ["deployment", "apiVersion"] as const) {
        if (p[f] !== undefined) errors.push({ path: `${path}.${f}`, message: `unknown field for type ${p.type} (only azure-openai takes it)` });
      }
    }
    if (p.type !== "anthropic" && p.version !== undefined) errors.push({ path: `${path}.version`, message: `unknown field for type ${p.type} (only anthropic takes it)` });
    const regional = p.type === "bedrock" || p.type === "vertex-ai";
    if (regional && p.region === undefined) errors.push({ path: `${path}.region`, message: `is required for type ${p.type} (e.g. ${p.type === "bedrock" ? "us-east-1" : "us-central1"})` });
    if (!regional && p.region !== undefined) errors.push({ path: `${path}.region`, message: `unknown field for type ${p.type} (only bedrock and vertex-ai take it)` });
    platformCredentialProblems(p, path, errors);
    if (p.type === "vertex-ai" && p.project === undefined) errors.push({ path: `${path}.project`, message: "is required for type vertex-ai (the Google Cloud project id)" });
    if (p.type !== "vertex-ai" && p.project !== undefined) errors.push({ path: `${path}.project`, message: `unknown field for type ${p.type} (only vertex-ai takes it)` });
    if (info.pathFromBody && mode === "headers") {
      errors.push({ path: `${path}.type`, message: `"${p.type}" needs requestMode "body" (its path names the model and whether the answer streams, both in the body)`, hint: "use --request-mode body (the default)" });
    }
    if (info.keyRequired && p.apiKeys === undefined && p.tokenFromMetadataServer !== true) errors.push({ path: `${path}.apiKeys`, message: `is required for type ${p.type}`, hint: 'give [{"env": "VAR"}] and put the key in a Secret' });
    if (info.keyRequired && p.apiKeys?.length === 0) errors.push({ path: `${path}.apiKeys`, message: "must list at least one key" });
    (Array.isArray(p.apiKeys) ? p.apiKeys : []).forEach((k, j) => {
      const kp = `${path}.apiKeys[${j}]`;
      if (!isObject(k)) return; // the schema reported it
      if ((k.value === undefined) === (k.env === undefined)) errors.push({ path: kp, message: "must have exactly one of value or env" });
      else if (k.value !== undefined) warnings.push({ path: `${kp}.value`, message: "key given inline", hint: 'use {"env": "VAR"}: an inline key is stored in the WasmPlugin object, readable by anyone who can read it' });
    });
    for (const f of ["defaults", "overrides"] as const) {
      const model = p[f]?.model;
      if (model !== undefined && (typeof model !== "string" || model === "")) errors.push({ path: `${path}.${f}.model`, message: "must be a non-empty string" });
      else if (typeof model === "string" && !new RegExp(MODEL_NAME_PATTERN).test(model)) errors.push({ path: `${path}.${f}.model`, message: `must be ${MODEL_NAME_RULE}` });
    }
    for (const name of Object.keys(isObject(p.headers) ? p.headers : {})) {
      if (RESERVED_HEADERS.includes(name) || name.startsWith("x-envoy-") || name.startsWith("x-llm-mesh-") || name === (info.authHeader)) {
        errors.push({ path: `${path}.headers[${JSON.stringify(name)}]`, message: "cannot be set by config (credential, framing or routing header)" });
      }
    }
  });

  consumerProblems(config, errors);
  const routeNames = new Set<string>();
  let catchAll: number | undefined;
  // Earlier routes by their match without models: each one's index and model patterns (null: any request).
  const seenMatches = new Map<string, { index: number; models: string[] | null }[]>();
  config.routes.forEach((r, i) => {
    const path = `routes[${i}]`;
    if (routeNames.has(r.name)) errors.push({ path: `${path}.name`, message: `duplicate route name "${r.name}"` });
    routeNames.add(r.name);
    checkMatch(r, path, errors);
    if (isObject(r.match) && r.match.models !== undefined && mode === "headers") {
      errors.push({ path: `${path}.match.models`, message: 'needs requestMode "body" (the model is in the body, read after the route is chosen in headers mode)', hint: "drop --request-mode headers (llm-mesh envoy and manifests set Envoy's allow_on_headers_stop_iteration for body mode), or route on headers only" });
    }
    if (Object.keys(normalizedMatch(r, true)).length === 0 && r.catchAll !== true) {
      errors.push({ path: `${path}.match`, message: CATCH_ALL_MESSAGE });
    }
    checkMapping(r.modelMapping, `${path}.modelMapping`, errors);
    forwardHeaderProblems(r.forwardHeaders, `${path}.forwardHeaders`, errors);
    if (isObject(r.policy)) policyProblems(r.policy, `${path}.policy`, errors, mode);
    r.backends.forEach((b, j) => {
      const bp = `${path}.backends[${j}]`;
      const provider = providers.get(b.provider);
      if (!provider) {
        errors.push({ path: `${bp}.provider`, message: `no provider named "${b.provider}"`, hint: `define it under providers (known: ${[...providers.keys()].join(", ")})` });
      } else if (provider.type === "azure-openai" && provider.apiVersion !== "v1" && !provider.deployment && !b.model) {
        errors.push({ path: `${bp}.model`, message: `is required for azure-openai provider "${provider.name}" unless it sets deployment or apiVersion "v1" (the deployment goes in the path)` });
      }
      if (provider?.type === "bedrock" && provider.awsCredentials === "envoy" && r.failover !== undefined) {
        // The pool's one cluster carries every provider of the route: a signing filter there would sign requests to the others too.
        errors.push({ path: `${bp}.provider`, message: `bedrock provider "${provider.name}" is signed by Envoy (awsCredentials "envoy"), which a failover route cannot do`, hint: 'use awsCredentials "instanceMetadata" or apiKeys there, or a route without failover' });
      }
      checkMapping(b.modelMapping, `${bp}.modelMapping`, errors);
      if (b.model && b.modelMapping) warnings.push({ path: `${bp}.modelMapping`, message: "is never used: the backend's model is fixed", hint: "remove one of them" });
    });
    const ejection = isObject(r.failover) && isObject(r.failover.ejection) ? r.failover.ejection : undefined;
    if (ejection && (ejection.maxMs ?? 300_000) < (ejection.baseMs ?? 10_000)) errors.push({ path: `${path}.failover.ejection.maxMs`, message: "must be at least baseMs" });
    if (isObject(r.failover) && (r.failover.attempts ?? 3) > 1 && r.backends.length === 1) {
      warnings.push({ path: `${path}.failover`, message: "has one backend: its tries all go to the same provider (with its next key)", hint: "add a backend on another provider to fail over to" });
    }
    if (r.modelMapping && r.backends.every((b) => b.model || b.modelMapping)) {
      warnings.push({ path: `${path}.modelMapping`, message: "is never used: every backend fixes its model or has its own mapping" });
    }
    // Reachability: first match wins.
    // Model conditions distinguish routes (claude-* to one provider, gpt-* to another, one host).
    const key = JSON.stringify(normalizedMatch(r));
    const models = isObject(r.match) && Array.isArray(r.match.models) ? r.match.models.map(String) : null;
    const shadow = (seenMatches.get(key) ?? []).find((earlier) => modelsCover(earlier.models, models));
    if (catchAll !== undefined) {
      errors.push({ path, message: `is unreachable: routes[${catchAll}] ("${config.routes[catchAll].name}") matches every request`, hint: "move the catch-all route last" });
    } else if (shadow !== undefined) {
      errors.push({ path, message: `is unreachable: routes[${shadow.index}] has the same match${shadow.models !== null ? " and covers its models" : ""}`, hint: "merge the routes or make the match more specific" });
    }
    seenMatches.set(key, [...(seenMatches.get(key) ?? []), { index: i, models }]);
    if (catchAll === undefined && key === "{}" && models === null) catchAll = i;
  });
}

/** A route's policy: rules that compile in the safe pattern language, a template whose placeholders are known, its own messages passing its deny rules. */
function policyProblems(policy: PolicyConfig, path: string, errors: Problem[], mode: RequestModeName): void {
  const rules = (field: "deny" | "mask") => (Array.isArray(policy[field]) ? policy[field]! : []).map((rule, i) => ({ rule, path: `${path}.${field}[${i}]` })).filter(({ rule }) => isObject(rule));
  for (const field of ["deny", "mask"] as const) {
    for (const { rule, path: rp } of rules(field)) {
      const given = (["contains", "regex", "builtin"] as const).filter((f) => rule[f] !== undefined);
      if (given.length !== 1) { errors.push({ path: rp, message: field === "mask" ? "must have one of contains, regex or builtin" : "must have one of contains or regex" }); continue; }
      if (field === "deny" && rule.builtin !== undefined) errors.push({ path: `${rp}.builtin`, message: "is for mask rules (email, card)" });
      if (field === "deny" && rule.replacement !== undefined) errors.push({ path: `${rp}.replacement`, message: "is for mask rules" });
      const source = rule.contains ?? rule.regex;
      if (typeof source !== "string" || source === "") continue;
      const problem = patternProblem(source, rule.contains !== undefined);
      if (problem) errors.push({ path: `${rp}.${given[0]}`, message: problem, hint: "patterns run in linear time: no backreferences or lookaround, repetition counts up to 100" });
    }
  }
  if (isObject(policy.template)) templateProblems(policy.template, `${path}.template`, errors);
  if (policy.extractAs !== undefined && policy.extract === undefined) errors.push({ path: `${path}.extractAs`, message: "needs extract" });
  if (policy.extract !== undefined && mode === "headers") errors.push({ path: `${path}.extract`, message: 'needs requestMode "body" (the answer\'s status and content type are decided after its body is read)', hint: "drop --request-mode headers" });
  for (const { rule, path: rp } of rules("deny")) {
    if ((rule.contains ?? rule.regex) === undefined || patternProblem(rule.contains ?? rule.regex!, rule.contains !== undefined)) continue;
    const name = rule.name ?? `deny[${rp.slice(rp.lastIndexOf("[") + 1, -1)}]`;
    for (const field of ["prepend", "append"] as const) {
      (Array.isArray(policy[field]) ? policy[field]! : []).forEach((m, i) => {
        if (isObject(m) && typeof m.content === "string" && patternMatches(rule, m.content)) errors.push({ path: `${path}.${field}[${i}].content`, message: `matches the route's own deny rule ${name}, so every request would be refused` });
      });
    }
  }
}

/** Consumers: every one known by something, unique names and key ids, allow-lists naming real routes. */
function consumerProblems(config: LlmMeshConfig, errors: Problem[]): void {
  const consumers = Array.isArray(config.consumers) ? config.consumers : [];
  const routes = new Set(config.routes.map((r) => r.name));
  const names = new Set<string>();
  const ids = new Set<string>();
  consumers.forEach((c, i) => {
    const path = `consumers[${i}]`;
    if (!isObject(c)) return;
    if (names.has(c.name)) errors.push({ path: `${path}.name`, message: `duplicate consumer name "${c.name}"` });
    names.add(c.name);
    (c.keys ?? []).forEach((k, j) => {
      if (!isObject(k) || typeof k.id !== "string") return;
      if (ids.has(k.id)) errors.push({ path: `${path}.keys[${j}].id`, message: "duplicate key id (ids are unique across consumers)" });
      ids.add(k.id);
    });
    if ((c.keys ?? []).length === 0 && (c.principals ?? []).length === 0 && (c.claims ?? []).length === 0) {
      errors.push({ path, message: "must be known by something: keys, principals or claims", hint: "run llm-mesh consumer add NAME to give it a key" });
    }
    if (c.claims !== undefined && !config.consumerAuth?.claimHeader) errors.push({ path: `${path}.claims`, message: "needs consumerAuth.claimHeader (the header Istio's RequestAuthentication writes the claim to)" });
    for (const r of c.routes ?? []) if (!routes.has(r)) errors.push({ path: `${path}.routes`, message: `no route named "${r}"` });
    (c.limits ?? []).forEach((l, j) => {
      if (!isObject(l)) return;
      if (l.requestsPerMinute === undefined && l.tokensPerMinute === undefined && l.tokensPerDay === undefined) errors.push({ path: `${path}.limits[${j}]`, message: "must set requestsPerMinute, tokensPerMinute or tokensPerDay" });
      if (l.route !== undefined && !routes.has(l.route)) errors.push({ path: `${path}.limits[${j}].route`, message: `no route named "${l.route}"` });
      if (l.global === true && (l.route !== undefined || l.models !== undefined)) errors.push({ path: `${path}.limits[${j}]`, message: "a global limit counts all the consumer's requests: route and models cannot narrow it" });
    });
  });
  config.routes.forEach((r, i) => {
    if (r.requireConsumer === true && consumers.length === 0) errors.push({ path: `routes[${i}].requireConsumer`, message: "needs consumers (none are configured, so every request would be refused)" });
  });
}

/** The message the filter logs too (assembly/config/load.ts). */
const CATCH_ALL_MESSAGE = "matches every request through the proxy (no host, routeName or header condition); in a sidecar that is every outbound call of the pod, each given a provider key. Add a condition, or set \"catchAll\": true on the route if you mean it (for gateways)";

/** Headers no config may set: credentials, framing and routing (as the filter's safety/credentials.ts). */
const RESERVED_HEADERS = ["authorization", "proxy-authorization", "api-key", "x-api-key", "x-goog-api-key", "x-auth-token", "cookie",
  "x-amz-security-token", "ocp-apim-subscription-key", "host", "content-length", "transfer-encoding", "content-type"];

/**
 * A route's conditions, normalised. With `scoping`, only conditions that narrow what matches count
 * (a header that must be absent does not): an empty result means the route matches every request.
 */
export function normalizedMatch(r: RouteConfig, scoping = false): Record<string, unknown> {
  const m: NonNullable<RouteConfig["match"]> = isObject(r.match) ? r.match : {};
  const out: Record<string, unknown> = {};
  if (m.routeName !== undefined) out.routeName = m.routeName;
  if (m.host !== undefined) out.host = String(m.host).toLowerCase();
  if (m.pathPrefix !== undefined && m.pathPrefix !== "/" && !scoping) out.pathPrefix = m.pathPrefix;
  const headers = (Array.isArray(m.headers) ? m.headers : []).filter((h) => isObject(h) && (!scoping || h.present !== false));
  if (headers.length > 0) out.headers = headers.map((h) => ({ ...h, name: String(h.name).toLowerCase() })).sort((a, b) => a.name.localeCompare(b.name));
  return out;
}

/**
 * True when every model `later` accepts is accepted by `earlier` (null: no model condition, any
 * request). Patterns are exact names, `prefix*` or `*` (the filter's model pattern language).
 */
export function modelsCover(earlier: string[] | null, later: string[] | null): boolean {
  if (earlier === null) return true;
  if (later === null) return false;
  const accepts = (pattern: string, model: string) => pattern.endsWith("*") ? model.startsWith(pattern.slice(0, -1)) : pattern === model;
  // A later prefix pattern is covered only by an earlier pattern that accepts every name with that prefix.
  return later.every((m) => earlier.some((e) => m.endsWith("*") ? e.endsWith("*") && m.slice(0, -1).startsWith(e.slice(0, -1)) : accepts(e, m)));
}

/** True when a route matches every request (it must say catchAll: true). */
export function isCatchAll(r: RouteConfig): boolean {
  return Object.keys(normalizedMatch(r, true)).length === 0;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

function checkMatch(r: RouteConfig, path: string, errors: Problem[]): void {
  const m = r.match;
  if (!isObject(m)) return;
  if (typeof m.host === "string" && m.host.includes("*") && !(m.host.startsWith("*.") && !m.host.slice(1).includes("*"))) {
    errors.push({ path: `${path}.match.host`, message: "a wildcard is only allowed as a leading '*.'" });
  }
  (Array.isArray(m.headers) ? m.headers : []).forEach((h, k) => {
    if (!isObject(h)) return;
    const given = [h.exact, h.prefix, h.present].filter((v) => v !== undefined).length;
    if (given !== 1) errors.push({ path: `${path}.match.headers[${k}]`, message: "must have exactly one of exact, prefix or present" });
  });
}

function checkMapping(mapping: Record<string, string> | undefined, path: string, errors: Problem[]): void {
  for (const from of Object.keys(mapping ?? {})) {
    const star = from.indexOf("*");
    if (from === "") errors.push({ path: `${path}[""]`, message: "model name must not be empty" });
    else if (star >= 0 && star !== from.length - 1) errors.push({ path: `${path}["${from}"]`, message: "'*' is only allowed at the end (prefix*) or alone" });
  }
}

/**
 * Parses JSON or YAML text. Text that looks like JSON is parsed as strict JSON, as the filter will:
 * YAML would quietly accept `{providers: []}`, which Envoy then refuses.
 */
export function parseConfigText(text: string): { value?: unknown; error?: string } {
  const trimmed = text.trim();
  if (trimmed === "") return { error: "is empty; give at least one provider and one route" };
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return { value: JSON.parse(trimmed) };
    } catch (error) {
      // V8's message quotes the text around the fault, which may be a key: give only the place.
      return { error: `is not valid JSON: ${jsonErrorPlace(trimmed, (error as Error).message)}` };
    }
  }
  try {
    return { value: parseYaml(text, { uniqueKeys: true, prettyErrors: true }) };
  } catch (error) {
    return { error: `is not valid JSON or YAML: ${(error as Error).message.split("\n")[0]}` };
  }
}

/** Where JSON.parse failed, as "line L, column C", without quoting the text. */
function jsonErrorPlace(text: string, message: string): string {
  const position = /position (\d+)/.exec(message);
  if (!position) return /Unexpected end of JSON input/.test(message) ? "it ends too early" : "unexpected token (the text around it is not shown: it may hold a key)";
  const before = text.slice(0, Number(position[1]));
  const line = before.split("\n").length;
  return `syntax error at line ${line}, column ${before.length - before.lastIndexOf("\n")}`;
}

/** Validates a parsed config, for the request mode the toolchain will run it in (its own requestMode wins). */
export function validateConfig(value: unknown, toolchainMode: RequestModeName = "body"): ValidationResult {
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { errors: [{ path: "(config)", message: "must be an object" }], warnings };
  }
  if (!validateSchema(value)) errors.push(...schemaProblems(validateSchema.errors ?? []));
  // Rules run on whatever parsed, skipping parts the schema already rejected as the wrong shape.
  const config = value as LlmMeshConfig;
  if (Array.isArray(config.providers) && Array.isArray(config.routes) &&
      config.providers.every((p) => p && typeof p === "object") && config.routes.every((r) => r && typeof r === "object" && Array.isArray(r.backends))) {
    ruleProblems(config, errors, warnings, effectiveRequestMode(config, toolchainMode));
  }
  return { config: errors.length === 0 ? config : undefined, errors, warnings };
}

/** Parses and validates config text. */
export function validateConfigText(text: string, toolchainMode: RequestModeName = "body"): ValidationResult {
  const parsed = parseConfigText(text);
  if (parsed.error) return { errors: [{ path: "(config)", message: parsed.error }], warnings: [] };
  return validateConfig(parsed.value, toolchainMode);
}

/** One problem as a line: `routes[2].backends[0].weight: must be … (hint)`. */
export function formatProblem(p: Problem): string {
  return `${p.path}: ${p.message}${p.hint ? ` (${p.hint})` : ""}`;
}
