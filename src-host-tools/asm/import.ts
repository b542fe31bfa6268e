// Turns Alibaba ASM LLMProvider and LLMRoute objects into an llm-mesh config and a placement.
// ASM semantics kept: openAIConfig's model and stream are forced on requests (overrides);
// routeSpecificConfigs apply to the LLMRoute rule of that name; rules match in order, a rule's
// `matches` entries are alternatives, and weighted backendRefs pick providers by host.
// `${VAR}` keys become env references, never values.
import { parseAllDocuments } from "yaml";
import { UserError } from "../errors.js";
import { PROVIDER_TYPES } from "../providers.js";
import type { BackendConfig, LlmMeshConfig, ProviderConfig, RouteConfig } from "../config/schema.js";

interface OpenAIConfig { model?: string; stream?: boolean; apiKey?: string; [k: string]: unknown }
interface LLMProvider {
  metadata: { name: string; namespace?: string };
  spec: {
    host: string; path?: string; workloadSelector?: { labels?: Record<string, string> };
    configs?: { defaultConfig?: { openAIConfig?: OpenAIConfig }; routeSpecificConfigs?: Record<string, { openAIConfig?: OpenAIConfig }> };
  };
}
interface HeaderCondition { exact?: string; prefix?: string; regex?: string }
interface LLMRoute {
  metadata: { name: string; namespace?: string };
  spec: {
    host: string; gateways?: string[];
    rules: { name?: string; matches?: { headers?: Record<string, HeaderCondition>; gateways?: string[] }[]; backendRefs: { providerHost: string; weight?: number }[] }[];
  };
}

export interface ImportResult {
  config: LlmMeshConfig;
  /** Where the WasmPlugin goes, as inferred from workloadSelector and gateways. */
  placement: { mode: "sidecar"; selector?: Record<string, string> } | { mode: "gateway"; selector: Record<string, string>; gateways: string[] } | { mode: "egress"; selector: Record<string, string>; gatewayService: string };
  notes: string[];
}

/** The variable a literal key of this provider is expected in: LLM_MESH_KEY_<NAME>. */
export function literalKeyEnvName(provider: string): string {
  return `LLM_MESH_KEY_${provider.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}`;
}

/**
 * A key reference: ${NAME} (or $NAME) becomes { env: NAME }. A literal key is never copied into
 * the output (which is printed, and would end up in a WasmPlugin): it becomes a reference to
 * LLM_MESH_KEY_<PROVIDER>, and a note says to put the key in a Secret under that name.
 */
function keyRef(apiKey: string | undefined, where: string, provider: string, notes: string[]): ProviderConfig["apiKeys"] {
  if (apiKey === undefined || apiKey === "") return undefined;
  const m = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$|^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(apiKey.trim());
  if (m) return [{ env: m[1] ?? m[2] }];
  const env = literalKeyEnvName(provider);
  notes.push(`${where}: the API key is given inline; it was not copied. Put it in a Secret under ${env} (the config reads {"env": "${env}"})`);
  return [{ env }];
}

/** Provider type and base path from ASM's host and full chat path. */
function typeFor(host: string, path: string | undefined, where: string): { type: string; basePath?: string; host?: string } {
  const full = path ?? "/v1/chat/completions";
  if (!full.endsWith("/chat/completions")) throw new UserError(`${where}.spec.path: ${full} is not a chat completions path (it must end with /chat/completions)`);
  const basePath = full.slice(0, -"/chat/completions".length);
  const known = Object.entries(PROVIDER_TYPES).find(([, info]) => info.host !== "" && info.host === host.toLowerCase());
  if (known) return { type: known[0], ...(basePath !== known[1].basePath ? { basePath } : {}) };
  return { type: "openai-compatible", host, basePath };
}

function bodyFields(c: OpenAIConfig | undefined): Record<string, unknown> | undefined {
  if (!c) return undefined;
  const { apiKey: _key, ...rest } = c;
  return Object.keys(rest).length ? rest : undefined;
}

const isEgressService = (host: string) => /egressgateway/.test(host) && /\.svc(\.cluster\.local)?$/.test(host);

/** Imports every LLMProvider and LLMRoute in the given YAML texts. */
export function importAsm(texts: { name: string; text: string }[]): ImportResult {
  const providers: LLMProvider[] = [];
  const routes: LLMRoute[] = [];
  const notes: string[] = [];
  for (const { name, text } of texts) {
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) throw new UserError(`${name}: not valid YAML: ${doc.errors[0].message.split("\n")[0]}`);
      const obj = doc.toJS() as { apiVersion?: string; kind?: string } | null;
      if (!obj) continue;
      if (!obj.apiVersion?.startsWith("istio.alibabacloud.com/")) { notes.push(`${name}: skipped ${obj.kind ?? "a document"} (${obj.apiVersion ?? "no apiVersion"}): not an ASM LLM object`); continue; }
      if (obj.kind === "LLMProvider") providers.push(obj as unknown as LLMProvider);
      else if (obj.kind === "LLMRoute") routes.push(obj as unknown as LLMRoute);
      else notes.push(`${name}: skipped ${obj.kind}: only LLMProvider and LLMRoute are imported`);
    }
  }
  if (providers.length === 0) throw new UserError("no LLMProvider found; give the files that define your providers");

  const out: ProviderConfig[] = [];
  const byHost = new Map<string, LLMProvider>();
  for (const p of providers) {
    const where = `LLMProvider/${p.metadata.name}`;
    if (!p.spec?.host) throw new UserError(`${where}.spec.host is required`);
    if (byHost.has(p.spec.host)) throw new UserError(`${where}: host ${p.spec.host} is already served by LLMProvider/${byHost.get(p.spec.host)!.metadata.name}; ASM routes by providerHost, so each host needs one provider`);
    byHost.set(p.spec.host, p);
    const { type, basePath, host } = typeFor(p.spec.host, p.spec.path, where);
    const defaults = p.spec.configs?.defaultConfig?.openAIConfig;
    out.push({
      name: p.metadata.name, type: type as ProviderConfig["type"],
      ...(host ? { host } : {}), ...(basePath !== undefined ? { basePath } : {}),
      ...(keyRef(defaults?.apiKey, where, p.metadata.name, notes) ? { apiKeys: keyRef(defaults?.apiKey, where, p.metadata.name, []) } : {}),
      ...(bodyFields(defaults) ? { overrides: bodyFields(defaults) } : {}),
    });
  }

  // Placement: a workloadSelector scopes the plugin; an LLMRoute rule that sends mesh traffic to an
  // egress gateway service means the egress pattern (the sidecar part becomes a VirtualService).
  const selectors = [...new Set(providers.map((p) => JSON.stringify(p.spec.workloadSelector?.labels ?? null)))];
  if (selectors.length > 1) throw new UserError(`the LLMProviders have different workloadSelectors (${selectors.join(" vs ")}); import each placement separately`);
  const selector = JSON.parse(selectors[0]) as Record<string, string> | null;
  const egressService = routes.flatMap((r) => r.spec.rules.flatMap((rule) => rule.backendRefs.map((b) => b.providerHost))).find(isEgressService);

  const outRoutes: RouteConfig[] = [];
  const derived = new Map<string, ProviderConfig>();
  for (const r of routes) {
    r.spec.rules.forEach((rule, i) => {
      const ruleName = rule.name ?? `${r.metadata.name}-rule-${i}`;
      const where = `LLMRoute/${r.metadata.name}.spec.rules[${i}]`;
      if (rule.backendRefs.every((b) => isEgressService(b.providerHost))) {
        notes.push(`${where} (${ruleName}): sends mesh traffic to the egress gateway; emitted as a VirtualService by llm-mesh manifests --mode egress`);
        return;
      }
      const backends: BackendConfig[] = rule.backendRefs.map((b, j) => {
        const provider = byHost.get(b.providerHost);
        if (!provider) throw new UserError(`${where}.backendRefs[${j}].providerHost: no LLMProvider has host ${b.providerHost}`);
        let providerName = provider.metadata.name;
        const specific = provider.spec.configs?.routeSpecificConfigs?.[ruleName]?.openAIConfig;
        const backend: BackendConfig = { provider: providerName, ...(b.weight !== undefined ? { weight: b.weight } : {}) };
        if (specific) {
          const base = provider.spec.configs?.defaultConfig?.openAIConfig ?? {};
          const { model, ...rest } = specific;
          const sameOtherwise = JSON.stringify({ ...rest, apiKey: rest.apiKey ?? base.apiKey, stream: rest.stream ?? base.stream }) ===
            JSON.stringify({ ...Object.fromEntries(Object.entries(base).filter(([k]) => k !== "model")), apiKey: base.apiKey, stream: base.stream });
          if (!sameOtherwise) {
            // A different key or fields for this rule: a provider of its own.
            providerName = `${provider.metadata.name}-${ruleName}`;
            if (!derived.has(providerName)) {
              const parent = out.find((p) => p.name === provider.metadata.name)!;
              const fields = bodyFields({ ...base, ...specific });
              derived.set(providerName, { ...parent, name: providerName, ...(keyRef(specific.apiKey ?? base.apiKey, where, providerName, notes) ? { apiKeys: keyRef(specific.apiKey ?? base.apiKey, where, providerName, []) } : {}), ...(fields ? { overrides: fields } : {}) });
            }
            backend.provider = providerName;
          }
          if (model) backend.model = model;
        }
        return backend;
      });
      const hostMatch = r.spec.host && r.spec.host !== "*" && !isEgressService(r.spec.host) ? r.spec.host : undefined;
      const alternatives = rule.matches && rule.matches.length > 0 ? rule.matches : [{}];
      alternatives.forEach((m, k) => {
        const headers: NonNullable<NonNullable<RouteConfig["match"]>["headers"]> = [];
        let host = hostMatch;
        for (const [name, cond] of Object.entries(m.headers ?? {})) {
          if (cond.regex !== undefined) throw new UserError(`${where}.matches[${k}].headers.${name}: regex matches are not supported; use exact or prefix`);
          if (name.toLowerCase() === "host" || name.toLowerCase() === ":authority") {
            if (cond.exact === undefined) throw new UserError(`${where}.matches[${k}].headers.${name}: only exact host matches are supported`);
            host = cond.exact;
            continue;
          }
          headers.push({ name, ...(cond.exact !== undefined ? { exact: cond.exact } : { prefix: cond.prefix ?? "" }) });
        }
        const match = { ...(host ? { host } : {}), ...(headers.length ? { headers } : {}) };
        outRoutes.push({
          name: alternatives.length > 1 ? `${ruleName}-${k}` : ruleName,
          ...(Object.keys(match).length ? { match } : {}),
          backends,
        });
      });
    });
  }
  if (outRoutes.length === 0) {
    // An LLMProvider alone serves requests to its own host (ASM's step 2).
    for (const p of providers) outRoutes.push({ name: p.metadata.name, match: { host: p.spec.host }, backends: [{ provider: p.metadata.name }] });
    notes.push("no LLMRoute given: each provider serves requests to its own host");
  }

  const placement: ImportResult["placement"] = egressService
    ? { mode: "egress", selector: selector ?? { istio: "egressgateway" }, gatewayService: egressService }
    : selector && Object.values(selector).some((v) => /gateway/.test(v))
      ? { mode: "gateway", selector, gateways: [...new Set(routes.flatMap((r) => (r.spec.gateways ?? []).map((g) => (g.includes("/") ? g : `${r.metadata.namespace ?? "default"}/${g}`))))] }
      : { mode: "sidecar", ...(selector ? { selector } : {}) };
  return { config: { providers: [...out, ...derived.values()], routes: outRoutes }, placement, notes };
}
