// Validates a plugin config: the schema first (every problem, with its path), then the rules a
// schema cannot express. Errors and warnings are separate; each carries a hint.
import { Ajv, ErrorObject } from "ajv";
import { parse as parseYaml } from "yaml";
import { ConfigSchema, LlmMeshConfig, ProviderConfig, RouteConfig } from "./schema.js";
import { PROVIDER_TYPES } from "../providers.js";

export interface Problem { path: string; message: string; hint?: string }
export interface ValidationResult { config?: LlmMeshConfig; errors: Problem[]; warnings: Problem[] }

const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
const validateSchema = ajv.compile(ConfigSchema);

/** Ajv's JSON pointer as our dotted path: /routes/1/backends/0 -> routes[1].backends[0]. */
function pointerToPath(pointer: string): string {
  const parts = pointer.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
  let out = "";
  parts.forEach((part, i) => {
    const parent = parts[i - 1];
    if (/^\d+$/.test(part) && parent !== "modelMapping" && parent !== "defaults" && parent !== "overrides") out += `[${part}]`;
    else if (parent === "modelMapping") out += `["${part}"]`;
    else out += (out ? "." : "") + part;
  });
  return out;
}

function join(path: string, field: string): string { return path ? `${path}.${field}` : field; }

function schemaProblem(e: ErrorObject): Problem {
  const path = pointerToPath(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required": return { path: join(path, String(p.missingProperty)), message: "is required" };
    case "additionalProperties": {
      const allowed = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
      return { path: join(path, String(p.additionalProperty)), message: `unknown field (accepted: ${allowed.join(", ")})`, hint: "check the spelling; unknown fields are refused so a typo never silently does nothing" };
    }
    case "minItems": return { path, message: p.limit === 1 ? "must list at least one entry" : `must list at least ${p.limit} entries` };
    case "minLength": return { path, message: "must not be empty" };
    case "type": return { path, message: `must be ${p.type === "integer" ? "an integer" : p.type === "object" ? "an object" : p.type === "array" ? "an array" : p.type === "boolean" ? "true or false" : `a ${p.type}`}` };
    case "minimum": case "maximum": {
      const s = e.parentSchema as { minimum?: number; maximum?: number };
      const positive = s.minimum === 1;
      return { path, message: positive && path.endsWith(".weight") ? `must be a positive integer (1 to ${s.maximum})` : `must be an integer from ${s.minimum} to ${s.maximum}` };
    }
    case "pattern": return { path, message: path.endsWith("basePath") ? "must start with '/' and not end with '/' (or be empty)" : "must start with '/'" };
    case "anyOf": {
      const literals = ((e.parentSchema as { anyOf?: { const?: string }[] }).anyOf ?? []).map((s) => s.const).filter(Boolean);
      return { path, message: `unknown value (accepted: ${literals.join(", ")})` };
    }
    default: return { path, message: e.message ?? e.keyword };
  }
}

/** Ajv reports a union's mismatch once per branch; keep the anyOf summary only. */
function schemaProblems(errors: ErrorObject[]): Problem[] {
  const unionPaths = new Set(errors.filter((e) => e.keyword === "anyOf").map((e) => e.instancePath));
  return errors.filter((e) => e.keyword === "anyOf" || !unionPaths.has(e.instancePath) || e.keyword === "required").map(schemaProblem);
}

/** The rules beyond the schema. The filter checks the first group too; the rest are toolchain-only. */
function ruleProblems(config: LlmMeshConfig, errors: Problem[], warnings: Problem[]): void {
  const providers = new Map<string, ProviderConfig>();
  config.providers.forEach((p, i) => {
    const path = `providers[${i}]`;
    if (providers.has(p.name)) errors.push({ path: `${path}.name`, message: `duplicate provider name "${p.name}"` });
    providers.set(p.name, p);
    const info = PROVIDER_TYPES[p.type];
    if (!info) return;
    const host = p.host ?? info.host;
    if (!host) errors.push({ path: `${path}.host`, message: `is required for type ${p.type} (it has no default host)` });
    else if (host.includes("/") || (host.includes(":") && !host.startsWith("["))) {
      errors.push({ path: `${path}.host`, message: "must be a bare host name, without scheme, port or path (use port and basePath)" });
    }
    if (p.type !== "azure-openai") {
      for (const f of ["deployment", "apiVersion"] as const) {
        if (p[f] !== undefined) errors.push({ path: `${path}.${f}`, message: `unknown field for type ${p.type} (only azure-openai takes it)` });
      }
    }
    if (info.keyRequired && p.apiKeys === undefined) errors.push({ path: `${path}.apiKeys`, message: `is required for type ${p.type}`, hint: 'give [{"env": "VAR"}] and put the key in a Secret' });
    if (info.keyRequired && p.apiKeys?.length === 0) errors.push({ path: `${path}.apiKeys`, message: "must list at least one key" });
    (p.apiKeys ?? []).forEach((k, j) => {
      const kp = `${path}.apiKeys[${j}]`;
      if ((k.value === undefined) === (k.env === undefined)) errors.push({ path: kp, message: "must have exactly one of value or env" });
      else if (k.value !== undefined) warnings.push({ path: `${kp}.value`, message: "key given inline", hint: 'use {"env": "VAR"}: an inline key is stored in the WasmPlugin object, readable by anyone who can read it' });
      else if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k.env!)) warnings.push({ path: `${kp}.env`, message: `"${k.env}" is not a portable environment variable name` });
    });
    for (const f of ["defaults", "overrides"] as const) {
      const model = p[f]?.model;
      if (model !== undefined && (typeof model !== "string" || model === "")) errors.push({ path: `${path}.${f}.model`, message: "must be a non-empty string" });
    }
  });

  const routeNames = new Set<string>();
  let catchAll: number | undefined;
  const seenMatches = new Map<string, number>();
  config.routes.forEach((r, i) => {
    const path = `routes[${i}]`;
    if (routeNames.has(r.name)) errors.push({ path: `${path}.name`, message: `duplicate route name "${r.name}"` });
    routeNames.add(r.name);
    checkMatch(r, path, errors);
    checkMapping(r.modelMapping, `${path}.modelMapping`, errors);
    r.backends.forEach((b, j) => {
      const bp = `${path}.backends[${j}]`;
      const provider = providers.get(b.provider);
      if (!provider) {
        errors.push({ path: `${bp}.provider`, message: `no provider named "${b.provider}"`, hint: `define it under providers (known: ${[...providers.keys()].join(", ")})` });
      } else if (provider.type === "azure-openai" && provider.apiVersion !== "v1" && !provider.deployment && !b.model) {
        errors.push({ path: `${bp}.model`, message: `is required for azure-openai provider "${provider.name}" unless it sets deployment or apiVersion "v1" (the deployment goes in the path)` });
      }
      checkMapping(b.modelMapping, `${bp}.modelMapping`, errors);
      if (b.model && b.modelMapping) warnings.push({ path: `${bp}.modelMapping`, message: "is never used: the backend's model is fixed", hint: "remove one of them" });
    });
    if (r.modelMapping && r.backends.every((b) => b.model || b.modelMapping)) {
      warnings.push({ path: `${path}.modelMapping`, message: "is never used: every backend fixes its model or has its own mapping" });
    }
    // Reachability: first match wins.
    const key = JSON.stringify(normalizedMatch(r));
    if (catchAll !== undefined) {
      errors.push({ path, message: `is unreachable: routes[${catchAll}] ("${config.routes[catchAll].name}") matches every request`, hint: "move the catch-all route last" });
    } else if (seenMatches.has(key)) {
      errors.push({ path, message: `is unreachable: routes[${seenMatches.get(key)}] has the same match`, hint: "merge the routes or make the match more specific" });
    }
    if (!seenMatches.has(key)) seenMatches.set(key, i);
    if (catchAll === undefined && key === "{}") catchAll = i;
  });
}

function normalizedMatch(r: RouteConfig): Record<string, unknown> {
  const m = r.match ?? {};
  const out: Record<string, unknown> = {};
  if (m.routeName !== undefined) out.routeName = m.routeName;
  if (m.host !== undefined) out.host = m.host.toLowerCase();
  if (m.pathPrefix !== undefined && m.pathPrefix !== "/") out.pathPrefix = m.pathPrefix;
  if (m.headers && m.headers.length > 0) out.headers = m.headers.map((h) => ({ ...h, name: h.name.toLowerCase() })).sort((a, b) => a.name.localeCompare(b.name));
  return out;
}

function checkMatch(r: RouteConfig, path: string, errors: Problem[]): void {
  const m = r.match;
  if (!m) return;
  if (m.host !== undefined && m.host.includes("*") && !(m.host.startsWith("*.") && !m.host.slice(1).includes("*"))) {
    errors.push({ path: `${path}.match.host`, message: "a wildcard is only allowed as a leading '*.'" });
  }
  (m.headers ?? []).forEach((h, k) => {
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
      return { error: `is not valid JSON: ${(error as Error).message}` };
    }
  }
  try {
    return { value: parseYaml(text, { uniqueKeys: true, prettyErrors: true }) };
  } catch (error) {
    return { error: `is not valid JSON or YAML: ${(error as Error).message.split("\n")[0]}` };
  }
}

/** Validates a parsed config. */
export function validateConfig(value: unknown): ValidationResult {
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
    ruleProblems(config, errors, warnings);
  }
  return { config: errors.length === 0 ? config : undefined, errors, warnings };
}

/** Parses and validates config text. */
export function validateConfigText(text: string): ValidationResult {
  const parsed = parseConfigText(text);
  if (parsed.error) return { errors: [{ path: "(config)", message: parsed.error }], warnings: [] };
  return validateConfig(parsed.value);
}

/** One problem as a line: `routes[2].backends[0].weight: must be … (hint)`. */
export function formatProblem(p: Problem): string {
  return `${p.path}: ${p.message}${p.hint ? ` (${p.hint})` : ""}`;
}
