// Validates a plugin config: the schema first (every problem, with its path), then the filter's own
// loader run in the host emulator (filter-loader.ts: the one source of the rules a schema cannot
// express), then the few rules only the toolchain knows. Errors and warnings are separate.
import { Ajv, ErrorObject } from "ajv";
import { parse as parseYaml } from "yaml";
import { BILLING_HEADERS, FORWARD_HEADER_RULE, MCP_PATTERN_PATTERN, MCP_PATTERN_RULE, RETRY_STATUS_RULE, ConfigSchema, LlmMeshConfig, MODEL_NAME_PATTERN, MODEL_NAME_RULE, MODEL_PATTERN_PATTERN, ProviderConfig, RouteConfig } from "./schema.js";
import { filterLoaderProblems } from "./filter-loader.js";
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

function patternMessage(path: string, pattern: string): string {
  if (/\.forwardHeaders\[/.test(path)) return FORWARD_HEADER_RULE;
  if (path.endsWith("basePath")) return "must start with '/' (or be empty)";
  if (pattern === MCP_PATTERN_PATTERN) return MCP_PATTERN_RULE;
  if (pattern === MODEL_NAME_PATTERN) return `must be ${MODEL_NAME_RULE}`;
  if (pattern === MODEL_PATTERN_PATTERN) return `must be a model name, a prefix ending in '*', or '*' (${MODEL_NAME_RULE})`;
  if (/^consumers\[\d+\]\.keys\[\d+\]\.id$/.test(path)) return "must be 8 to 32 lower-case hex digits";
  if (/^consumers\[\d+\]\.keys\[\d+\]\.salt$/.test(path)) return "must be at least 16 bytes as lower-case hex";
  if (/^consumers\[\d+\]\.keys\[\d+\]\.sha256$/.test(path)) return "must be a SHA-256 digest as 64 lower-case hex digits";
  if (/^consumers\[\d+\]\.principals\[\d+\]$/.test(path)) return "must be a SPIFFE id (spiffe://TRUST_DOMAIN/ns/NAMESPACE/sa/ACCOUNT), or a prefix of one ending in '*'";
  if (/^consumerAuth\.claimHeader$/.test(path)) return "must be a lower-case header name (e.g. x-jwt-sub, from RequestAuthentication outputClaimToHeaders)";
  if (underKeys(path)) return "must be the name of an environment variable (letters, digits and '_'); the value is not shown: if it is a key, put it in a Secret and name the variable here";
  if (/\.policy\.extract$/.test(path)) return "must be field names of letters, digits, '_' or '-', joined by '.', with [N] for array items (e.g. choices[0].message.content)";
  if (path.endsWith(".name") || path.endsWith(".server")) return "must be 1 to 128 letters, digits, '-', '_' or '.'";
  if (/^providers\[\d+\]\.region$/.test(path)) return "must be a region: 4 to 32 lower-case letters, digits or '-' (e.g. us-east-1)";
  if (/^providers\[\d+\]\.project$/.test(path)) return "must be a Google Cloud project id: 1 to 64 letters, digits or '-'";
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

/**
 * The toolchain's own rules: what only the toolchain can know (how it will deploy the config) or
 * warn about. Every other rule is the filter's loader's (filter-loader.ts), not written here.
 */
function toolchainProblems(config: LlmMeshConfig, errors: Problem[], warnings: Problem[]): void {
  const providers = new Map<string, ProviderConfig>();
  config.providers.forEach((p, i) => {
    if (!providers.has(p.name)) providers.set(p.name, p);
    (Array.isArray(p.apiKeys) ? p.apiKeys : []).forEach((k, j) => {
      if (isObject(k) && k.value !== undefined && k.env === undefined) warnings.push({ path: `providers[${i}].apiKeys[${j}].value`, message: "key given inline", hint: 'use {"env": "VAR"}: an inline key is stored in the WasmPlugin object, readable by anyone who can read it' });
    });
  });
  let catchAll: number | undefined;
  // Earlier routes by their match without models: each one's index and model patterns (null: any request).
  const seenMatches = new Map<string, { index: number; models: string[] | null }[]>();
  config.routes.forEach((r, i) => {
    const path = `routes[${i}]`;
    r.backends.forEach((b, j) => {
      const bp = `${path}.backends[${j}]`;
      const provider = providers.get(b.provider);
      if (provider?.type === "bedrock" && provider.awsCredentials === "envoy" && r.failover !== undefined) {
        // The pool's one cluster carries every provider of the route: a signing filter there would sign requests to the others too.
        errors.push({ path: `${bp}.provider`, message: `bedrock provider "${provider.name}" is signed by Envoy (awsCredentials "envoy"), which a failover route cannot do`, hint: 'use awsCredentials "instanceMetadata" or apiKeys there, or a route without failover' });
      }
      if (b.model && b.modelMapping) warnings.push({ path: `${bp}.modelMapping`, message: "is never used: the backend's model is fixed", hint: "remove one of them" });
    });
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
    const unlisted = mcpToolsOpenToUnlisted(config, r, providers);
    if (unlisted) warnings.push({ path: `${path}.mcp.tools`, message: unlisted, hint: "set routes[].mcp.tools to the tools everyone else may use ([] for none)" });
  });
}

/**
 * An MCP route whose consumers restrict a server's tools while the route itself lists none: any
 * caller without its own tools list (another consumer, or anyone when requireConsumer is false)
 * may call every tool, which is rarely what restricting some meant. Undefined when no such caller
 * can use the route or the route has its own list.
 */
function mcpToolsOpenToUnlisted(config: LlmMeshConfig, r: RouteConfig, providers: Map<string, ProviderConfig>): string | undefined {
  const server = providers.get(r.backends[0]?.provider ?? "");
  if (server?.type !== "mcp" || (isObject(r.mcp) && r.mcp.tools !== undefined)) return undefined;
  const toolsOf = (c: NonNullable<LlmMeshConfig["consumers"]>[number]) =>
    (Array.isArray(c.mcp) ? c.mcp : []).find((e) => isObject(e) && e.server === server.name)?.tools;
  const consumers = (config.consumers ?? []).filter((c) => isObject(c) && (!Array.isArray(c.routes) || c.routes.includes(r.name)));
  const restricted = consumers.filter((c) => toolsOf(c) !== undefined);
  if (restricted.length === 0) return undefined;
  const open = consumers.filter((c) => toolsOf(c) === undefined).map((c) => `"${c.name}"`);
  if (open.length === 0 && r.requireConsumer === true) return undefined;
  const who = [...open.slice(0, 3), ...(open.length > 3 ? [`${open.length - 3} more`] : []), ...(r.requireConsumer === true ? [] : ["callers that are no consumer"])].join(", ");
  return `is not set: consumers limit the tools of MCP server "${server.name}" (${restricted.map((c) => `"${c.name}"`).slice(0, 3).join(", ")}), but callers without a tools list for it may use every tool (${who})`;
}

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

/** What to do about a filter problem, where its words leave it out (the toolchain's advice, never a rule): by path and message start. */
const HINTS: [RegExp, string, string][] = [
  [/\.policy\.(deny|mask)\[\d+\]\.(regex|contains)$/, "", "patterns run in linear time: no backreferences or lookaround, repetition counts up to 100"],
  [/^providers\[\d+\]\.apiKeys$/, "is required", "keep the key itself in a Secret, and name its variable"],
  [/^consumers\[\d+\]$/, "must be known by something", "run llm-mesh consumer add NAME to give it a key"],
];
const withHint = (p: Problem): Problem => ({ ...p, hint: HINTS.find(([path, start]) => path.test(p.path) && p.message.startsWith(start))?.[2] });
/** A backend naming no provider: the names it could have meant. */
function withKnownProviders(p: Problem, config: { providers?: unknown }): Problem {
  if (!/\.backends\[\d+\]\.provider$/.test(p.path) || !p.message.startsWith("no provider named") || !Array.isArray(config.providers)) return p;
  const names = config.providers.map((q) => (isObject(q) && typeof q.name === "string" ? q.name : "")).filter(Boolean);
  return { ...p, hint: `known: ${names.join(", ")}` };
}

/** Validates a parsed config, for the request mode the toolchain will run it in (its own requestMode wins). */
export function validateConfig(value: unknown, toolchainMode: RequestModeName = "body"): ValidationResult {
  const errors: Problem[] = [];
  const warnings: Problem[] = [];
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { errors: [{ path: "(config)", message: "must be an object" }], warnings };
  }
  if (!validateSchema(value)) errors.push(...schemaProblems(validateSchema.errors ?? []));
  // The filter's loader, for every field the schema did not already refuse (its words for the rest).
  const filter = filterLoaderProblems(value as Record<string, unknown>, effectiveRequestMode(value, toolchainMode));
  const refused = errors.map((e) => e.path);
  const named = (path: string) => refused.some((r) => path === r || path.startsWith(`${r}.`) || path.startsWith(`${r}[`));
  errors.push(...filter.errors.filter((e) => !named(e.path)).map(withHint).map((e) => withKnownProviders(e, value)));
  warnings.push(...filter.warnings);
  // The toolchain's own rules run on whatever parsed, skipping parts the schema already rejected as the wrong shape.
  const config = value as LlmMeshConfig;
  if (Array.isArray(config.providers) && Array.isArray(config.routes) &&
      config.providers.every((p) => p && typeof p === "object") && config.routes.every((r) => r && typeof r === "object" && Array.isArray(r.backends))) {
    toolchainProblems(config, errors, warnings);
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
