// Feature combinations a user can write, for the config matrix test (test/integration/config-matrix.test.ts).
import { newKey } from "../../src-host-tools/config/consumer-key.js";

export const FEATURES = ["failover", "consumers", "localQuota", "globalQuota", "metrics", "policy", "tokenCallout", "headersMode"] as const;
export type Feature = typeof FEATURES[number];
export type Combination = Record<Feature, boolean>;

/**
 * Pairwise: every two features are seen in all four on/off pairs. Column j is the j-th 6-bit
 * vector of weight 3 with a 0 first (two such vectors always share a 1, a 0, and differ both ways).
 */
export function pairwise(): Combination[] {
  const columns: number[][] = [];
  for (let v = 0; v < 64 && columns.length < FEATURES.length; v++) {
    const bits = Array.from({ length: 6 }, (_, i) => (v >> (5 - i)) & 1);
    if (bits[0] === 0 && bits.reduce((a, b) => a + b, 0) === 3) columns.push(bits);
  }
  const rows = Array.from({ length: 6 }, (_, r) => Object.fromEntries(FEATURES.map((f, j) => [f, columns[j][r] === 1])) as Combination);
  const all = (on: boolean, headers: boolean) => ({ ...Object.fromEntries(FEATURES.map((f) => [f, on])), headersMode: headers }) as Combination;
  return [all(true, false), all(true, true), ...rows, all(false, false)];
}

export const alice = newKey();

/** Every provider type, each on its own host; the features switched on as `c` says. */
export function pluginConfig(c: Combination) {
  const vertexCredential = c.tokenCallout ? { tokenFromMetadataServer: true } : { apiKeys: [{ value: "vertex-token" }] };
  const all = [
    { name: "openai", type: "openai", apiKeys: [{ value: "openai-key" }] },
    { name: "azure", type: "azure-openai", host: "acme.openai.azure.com", apiKeys: [{ value: "azure-key" }] },
    { name: "deepseek", type: "deepseek", apiKeys: [{ value: "deepseek-key" }] },
    { name: "anthropic", type: "anthropic", apiKeys: [{ value: "anthropic-key" }] },
    { name: "gemini", type: "gemini", apiKeys: [{ value: "gemini-key" }] },
    { name: "bedrock", type: "bedrock", region: "us-east-1" },
    { name: "vertex", type: "vertex-ai", project: "my-proj", region: "us-east5", ...vertexCredential },
  ];
  // Gemini, Bedrock and Vertex put the model in the path: headers mode refuses them (validate and the filter).
  const bodyOnly = new Set(["gemini", "bedrock", "vertex"]);
  const providers = all.filter((p) => !(c.headersMode && bodyOnly.has(p.name)));
  const models: Record<string, string> = { azure: "gpt-4o", gemini: "gemini-2.5-flash", bedrock: "anthropic.claude-3-5-sonnet-20240620-v1:0", vertex: "gemini-2.5-flash" };
  const routes: ({ name: string; match: { host: string }; backends: { provider: string; model?: string }[] } & Record<string, unknown>)[] = providers.map((p) => ({
    name: p.name, match: { host: `${p.name}.llm` }, backends: [{ provider: p.name, ...(models[p.name] ? { model: models[p.name] } : {}) }],
    ...(c.consumers && p.name === "openai" ? { requireConsumer: true } : {}),
    ...(c.policy ? { policy: { deny: [{ contains: "forbidden phrase" }], mask: [{ regex: "\\d{3}-\\d{4}", replacement: "[phone]" }], prepend: [{ role: "system", content: "Be brief." }] } } : {}),
  }));
  if (c.failover) {
    // A pool of every API the pool can reach, the token-fetching provider among them (the crash).
    const members = c.headersMode ? ["openai", "anthropic"] : ["openai", "anthropic", "vertex", "bedrock"];
    routes.push({ name: "pool", match: { host: "pool.llm" }, backends: members.map((p) => ({ provider: p, ...(models[p] ? { model: models[p] } : {}) })), failover: { attempts: 2 } });
  }
  const limits = [...(c.localQuota ? [{ tokensPerMinute: 1_000_000 }, { requestsPerMinute: 10_000 }] : []), ...(c.globalQuota ? [{ global: true, requestsPerMinute: 10_000 }] : [])];
  return {
    requestMode: c.headersMode ? "headers" : "body",
    providers,
    routes,
    ...(c.metrics ? {} : { metrics: { enabled: false } }),
    ...(c.consumers || limits.length > 0 ? { consumers: [{ name: "alice", keys: [alice.stored], ...(limits.length > 0 ? { limits } : {}) }] } : {}),
  };
}

export const label = (c: Combination) => FEATURES.filter((f) => c[f]).join("+") || "none";

