// Invalid plugin configs and the fields each must be refused for. The filter (test/unit/config.test.ts)
// and the toolchain validator (test/unit/validate.test.ts) are both held to this table.
export const provider = { name: "oa", type: "openai", apiKeys: [{ value: "secret-value-1" }] };
export const route = { name: "r", match: { host: "llm.local" }, backends: [{ provider: "oa" }] };
export const valid = { providers: [provider], routes: [route] };

export interface BadConfigRow { name: string; config: unknown; fields: string[] }

export const BAD_CONFIGS: BadConfigRow[] = [
  { name: "empty config", config: "", fields: ["(config): is empty"] },
  { name: "not JSON", config: "{providers: []}", fields: ["(config): is not valid JSON: expected a key in double quotes at line 1, column 2"] },
  { name: "not an object", config: "[]", fields: ["(config): must be an object"] },
  { name: "unknown top-level field", config: { ...valid, routs: [] }, fields: ["routs: unknown field (accepted: providers, routes, maxRequestBodyBytes, responseHeaders, requestMode, metrics, role)"] },
  { name: "metrics: unknown field, bad model policy, currency and trust domain",
    config: { ...valid, metrics: { enable: true, models: "all", currency: "usd", trustDomain: "cluster local" } },
    fields: ["metrics.enable: unknown field (accepted: enabled, models, currency, trustDomain, accessLog)", 'metrics.models: must be "known"', "metrics.currency: must be a currency code of 3 upper-case letters", "metrics.trustDomain: must be a trust domain"] },
  { name: "prices: missing output, negative, misplaced wildcard, unknown field",
    config: { providers: [{ ...provider, prices: { "gpt-4o": { input: 2.5 }, "gpt-4o-mini": { input: -1, output: 0.6 }, "g*t": { input: 1, output: 2 }, "o3": { input: 2, output: 8, cached: 0.5 } } }], routes: [route] },
    fields: ['providers[0].prices["gpt-4o"].output: is required', 'providers[0].prices["gpt-4o-mini"].input: must be a number from 0 to 1000000', 'providers[0].prices["g*t"]: must be a model name, a prefix ending in \'*\', or \'*\'', 'providers[0].prices["o3"].cached: unknown field (accepted: input, output, cachedInput)'] },
  { name: "injectStreamUsage not a boolean", config: { providers: [{ ...provider, injectStreamUsage: "yes" }], routes: [route] }, fields: ["providers[0].injectStreamUsage: must be true or false"] },
  { name: "no providers, no routes", config: {}, fields: ["providers: must list at least one provider", "routes: must list at least one route"] },
  { name: "unknown provider type", config: { providers: [{ ...provider, type: "opneai" }], routes: [route] },
    fields: ['providers[0].type: unknown provider type "opneai" (accepted: openai, azure-openai, anthropic, gemini, bedrock, vertex-ai, dashscope'] },
  { name: "missing key for a type that needs one", config: { providers: [{ name: "oa", type: "openai" }], routes: [route] }, fields: ["providers[0].apiKeys: is required for type openai"] },
  { name: "key with both value and env", config: { providers: [{ ...provider, apiKeys: [{ value: "secret-value-2", env: "X" }] }], routes: [route] },
    fields: ["providers[0].apiKeys[0]: must have exactly one of value or env"] },
  { name: "host required for self-hosted types", config: { providers: [{ name: "v", type: "vllm" }], routes: [{ name: "r", backends: [{ provider: "v" }] }] },
    fields: ["providers[0].host: is required for type vllm"] },
  { name: "host with a scheme", config: { providers: [{ ...provider, host: "https://api.openai.com" }], routes: [route] }, fields: ["providers[0].host: must be a bare host name"] },
  { name: "bad port and base path", config: { providers: [{ ...provider, port: 70000, basePath: "v1/" }], routes: [route] },
    fields: ["providers[0].port: must be an integer from 1 to 65535", "providers[0].basePath: must start with '/'"] },
  { name: "duplicate provider and route names", config: { providers: [provider, provider], routes: [route, route] },
    fields: ['providers[1].name: duplicate provider name "oa"', 'routes[1].name: duplicate route name "r"'] },
  { name: "zero weight, as in the issue", config: { providers: [provider], routes: [route, { name: "s", backends: [{ provider: "oa", weight: 0 }] }] },
    fields: ["routes[1].backends[0].weight: must be a positive integer"] },
  { name: "fractional weight", config: { providers: [provider], routes: [{ name: "r", backends: [{ provider: "oa", weight: 1.5 }] }] }, fields: ["routes[0].backends[0].weight: must be a positive integer"] },
  { name: "backend names an unknown provider", config: { providers: [provider], routes: [{ name: "r", backends: [{ provider: "nope" }] }] },
    fields: ['routes[0].backends[0].provider: no provider named "nope"'] },
  { name: "route without backends", config: { providers: [provider], routes: [{ name: "r", backends: [] }] }, fields: ["routes[0].backends: must list at least one backend"] },
  { name: "header match with two conditions", config: { providers: [provider], routes: [{ ...route, match: { headers: [{ name: "x", exact: "a", prefix: "b" }] } }] },
    fields: ["routes[0].match.headers[0]: must have exactly one of exact, prefix or present"] },
  { name: "misplaced wildcards", config: { providers: [provider], routes: [{ ...route, match: { host: "api.*.com" }, modelMapping: { "g*pt": "x" } }] },
    fields: ["routes[0].match.host: a wildcard is only allowed as a leading '*.'", 'routes[0].modelMapping["g*pt"]: \'*\' is only allowed at the end'] },
  { name: "azure without a deployment", config: { providers: [{ name: "az", type: "azure-openai", host: "a.openai.azure.com", apiKeys: [{ value: "secret-value-3" }] }],
    routes: [{ name: "r", backends: [{ provider: "az" }] }] }, fields: ['routes[0].backends[0].model: is required for azure-openai provider "az"'] },
  { name: "field of another type", config: { providers: [{ ...provider, deployment: "x" }], routes: [route] }, fields: ["providers[0].deployment: unknown field"] },
  { name: "non-string default model", config: { providers: [{ ...provider, defaults: { model: 5 } }], routes: [route] }, fields: ["providers[0].defaults.model: must be a non-empty string"] },
  { name: "limit out of range", config: { ...valid, maxRequestBodyBytes: 0 }, fields: ["maxRequestBodyBytes: must be an integer from 1 to 1073741824"] },
  { name: "failover: a client mistake retried, tries out of range, unknown field", config: { providers: [provider], routes: [{ ...route, failover: { retryOn: [503, 404], attempts: 0, retries: 2 } }] },
    fields: ["routes[0].failover.retryOn[1]: must be 408, 409, 429 or a status from 500 to 599", "routes[0].failover.attempts: must be an integer from 1 to 10", "routes[0].failover.retries: unknown field"] },
  { name: "failover: ejection shorter at most than at first, negative timeout", config: { providers: [provider], routes: [{ ...route, failover: { perTryIdleTimeoutMs: -1, ejection: { baseMs: 60000, maxMs: 1000 } } }] },
    fields: ["routes[0].failover.ejection.maxMs: must be at least baseMs", "routes[0].failover.perTryIdleTimeoutMs: must be an integer from 0"] },
  { name: "timeouts: no idle limit, unknown field", config: { providers: [provider], routes: [{ ...route, timeouts: { streamIdleMs: 0, connectMs: 5 } }] },
    fields: ["routes[0].timeouts.streamIdleMs: must be an integer from 1 to 86400000", "routes[0].timeouts.connectMs: unknown field"] },
  { name: "role other than downstream or upstream", config: { ...valid, role: "sidecar" }, fields: ["role:"] },
];

