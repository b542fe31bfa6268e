// The plugin configuration's schema: the one source of truth for the toolchain. TypeBox makes it
// both the TypeScript type and a JSON Schema (schema/llm-mesh-config.schema.json, for editors).
// The filter re-checks the same rules itself at load (assembly/config/load.ts); a test feeds both
// the same bad configs and compares the fields they name.
import { Static, Type } from "@sinclair/typebox";
import { PROVIDER_TYPES } from "../providers.js";

const NonEmpty = (description: string) => Type.String({ minLength: 1, description });

/** A model name safe in a header and a URL path (the filter applies the same rule to clients' models). */
/** A field path in a body (policy.extract, template placeholders): names joined by '.', [N] for array items. */
const PATH_PATTERN = "^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+|\\[[0-9]{1,6}\\])*$";
export const MODEL_NAME_PATTERN = "^[A-Za-z0-9._:/@+~-]{1,256}$";
export const MODEL_NAME_RULE = "1 to 256 characters of letters, digits and . _ - : / @ + ~";
const ModelName = (description: string) => Type.String({ pattern: MODEL_NAME_PATTERN, description });
/** A model condition's pattern: a model name, a prefix ending in '*', or '*'. */
export const MODEL_PATTERN_PATTERN = "^(\\*|[A-Za-z0-9._:/@+~-]{1,256}\\*?)$";
/** Provider and route names: sent in the x-llm-mesh-provider header and used in metrics. */
export const CONFIG_NAME_PATTERN = "^[A-Za-z0-9._-]{1,128}$";
const ConfigName = (description: string) => Type.String({ pattern: CONFIG_NAME_PATTERN, description });
/** Billing selectors a provider may let through from the client. */
export const BILLING_HEADERS = ["openai-organization", "openai-project", "x-goog-user-project"] as const;

export const ApiKeySchema = Type.Object({
  value: Type.Optional(Type.String({ minLength: 1, description: "The key itself. Prefer env: a value here ends up in the WasmPlugin object." })),
  env: Type.Optional(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]{0,127}$", description: "Name of a VM environment variable holding the key (Envoy vm_config.environment_variables, Istio vmConfig.env)." })),
}, { additionalProperties: false, description: "Exactly one of value or env." });

const BodyFields = (description: string) => Type.Record(Type.String(), Type.Unknown(), { description });

const Price = (description: string) => Type.Number({ minimum: 0, maximum: 1000000, description });
export const PriceSchema = Type.Object({
  input: Price("Input tokens, per million, in metrics.currency."),
  output: Price("Output tokens, per million."),
  cachedInput: Type.Optional(Price("Cached input tokens, per million (default: the input price).")),
  cacheWrite: Type.Optional(Price("Input tokens written to the prompt cache (Anthropic 5-minute writes, Bedrock), per million (default: the input price).")),
  cacheWrite1h: Type.Optional(Price("Input tokens written to Anthropic's 1-hour prompt cache, per million (default: the cacheWrite price).")),
}, { additionalProperties: false });

export const MetricsSchema = Type.Object({
  enabled: Type.Optional(Type.Boolean({ description: "Read usage from answers and record GenAI metrics (default true). Off: answers pass unread." })),
  models: Type.Optional(Type.Union([Type.Literal("known"), Type.Literal("any")], { description: "known (default): model labels outside the models the config names read \"other\", so labels stay bounded. any: every model name as given." })),
  currency: Type.Optional(Type.String({ pattern: "^[A-Z]{3}$", description: "Currency of the price tables (default USD); the cost counter is in millionths of it." })),
  trustDomain: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9.-]{1,253}$", description: "Trust domain for the caller's SPIFFE id on a sidecar's outbound path (default cluster.local)." })),
  accessLog: Type.Optional(Type.Boolean({ description: "Expose route, backend, models, tokens and time to first token as Envoy filter state for access logs (default true)." })),
}, { additionalProperties: false, description: "Token usage, latency and cost metrics (OpenTelemetry GenAI names)." });

export const ProviderSchema = Type.Object({
  name: ConfigName("Unique name that backends refer to (letters, digits, - _ .)."),
  type: Type.Union(Object.keys(PROVIDER_TYPES).map((t) => Type.Literal(t)), { description: "Provider type; mcp: an MCP server (Streamable HTTP), host required (docs/mcp.md)." }),
  host: Type.Optional(NonEmpty("Host name without scheme, port or path; overrides the type's default (mcp: required).")),
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: "Port; written into :authority. 443 or none means TLS upstream." })),
  // A trailing '/' is the filter's to refuse (only an mcp endpoint's path may end in one).
  basePath: Type.Optional(Type.String({ pattern: "^(/.*)?$", description: "Path prefix before /chat/completions, e.g. /v1 (not ending in '/'); empty for none. mcp (required): the MCP endpoint's path itself, e.g. /mcp (may end in '/'); every request of the route goes to it." })),
  apiKeys: Type.Optional(Type.Array(ApiKeySchema, { description: "Keys, used in turn. mcp: optional, sent as Authorization: Bearer KEY to that server only." })),
  defaults: Type.Optional(BodyFields("Body fields set when the client left them out; model is the default model.")),
  overrides: Type.Optional(BodyFields("Body fields always set, replacing the client's; model is forced.")),
  clusters: Type.Optional(Type.Array(Type.String({ minLength: 1, not: { const: "*" } }), { minItems: 1, description: "Envoy clusters that are this provider's destination (exact names, or prefix*). A key is added only to requests Envoy routes to one. Default: Istio's outbound|PORT|SUBSET|HOST for the provider host." })),
  headers: Type.Optional(Type.Record(Type.String({ pattern: "^[a-z0-9._-]{1,128}$" }), Type.String({ pattern: "^[\\x20-\\x7e\\t]*$", maxLength: 8192 }), { description: "Headers set on every request to this provider, from config (e.g. openai-organization). Credential and routing headers cannot be set." })),
  allowClientHeaders: Type.Optional(Type.Array(Type.Union(BILLING_HEADERS.map((h) => Type.Literal(h))), { description: "Billing selectors passed on from the client (removed by default). Client credentials are never passed on." })),
  deployment: Type.Optional(NonEmpty("azure-openai: the deployment in the path; default: the backend's model.")),
  apiVersion: Type.Optional(NonEmpty("azure-openai: api-version query value, or \"v1\" for the versionless API.")),
  region: Type.Optional(Type.String({ pattern: "^[a-z0-9-]{4,32}$", description: "bedrock: the AWS region (host bedrock-runtime.REGION.amazonaws.com); vertex-ai: the location (host REGION-aiplatform.googleapis.com, or aiplatform.googleapis.com for global). Required for both." })),
  tokenFromMetadataServer: Type.Optional(Type.Boolean({ description: "vertex-ai and mcp: fetch the OAuth token from the GKE metadata server (Workload Identity); azure-openai: fetch a Microsoft Entra token from the managed identity endpoint (IMDS). Instead of apiKeys; refreshed before expiry (docs/credentials.md)." })),
  managedIdentityClientId: Type.Optional(Type.String({ pattern: "^[0-9A-Fa-f-]{36}$", description: "azure-openai with tokenFromMetadataServer: the client id of a user-assigned managed identity (default: the system-assigned one)." })),
  awsCredentials: Type.Optional(Type.Union([Type.Literal("environment"), Type.Literal("instanceMetadata"), Type.Literal("envoy")], { description: "bedrock: environment (default: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN in the VM), instanceMetadata (the instance role's keys from IMDSv2, refreshed before expiry) or envoy (Envoy's aws_request_signing filter on the provider's cluster signs: IRSA, EKS Pod Identity). Not with apiKeys, which are Bedrock API keys sent as bearer tokens (docs/credentials.md)." })),
  metadataCluster: Type.Optional(NonEmpty("vertex-ai, mcp, azure-openai (tokenFromMetadataServer) and bedrock (awsCredentials instanceMetadata): the Envoy cluster of the metadata server (defaults outbound|80||metadata.google.internal, outbound|80||metadata.azure.internal, outbound|80||instance-data.ec2.internal, which llm-mesh emits).")),
  project: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9-]{1,64}$", description: "vertex-ai: the Google Cloud project id (required)." })),
  version: Type.Optional(Type.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$", description: "anthropic: the anthropic-version header sent when the client gives none (default 2023-06-01)." })),
  prices: Type.Optional(Type.Record(Type.String({ pattern: "^(\\*|[^*]+\\*?)$" }), PriceSchema, { additionalProperties: false, description: "Prices per million tokens by model (exact, prefix* or *), for the llm_mesh_cost_micros_total metric." })),
  maxOutputTokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000, description: "The largest output cap the models of this provider accept, for backends that set no maxOutputTokens of their own (docs/translation.md)." })),
  injectStreamUsage: Type.Optional(Type.Boolean({ description: "OpenAI-API streams: ask for usage (stream_options.include_usage) when the client did not, and cut the extra chunk from its stream (default true; false for mistral)." })),
}, { additionalProperties: false });

export const HeaderMatchSchema = Type.Object({
  name: NonEmpty("Header name (case-insensitive)."),
  exact: Type.Optional(Type.String()),
  prefix: Type.Optional(Type.String()),
  present: Type.Optional(Type.Boolean({ description: "true: the header must be present; false: absent." })),
}, { additionalProperties: false, description: "Exactly one of exact, prefix or present." });

export const MatchSchema = Type.Object({
  routeName: Type.Optional(Type.String({ description: "Envoy's route name (xds.route_name)." })),
  host: Type.Optional(Type.String({ description: "Request host, exact or *.suffix, optionally :PORT. Without a port it matches requests to the default port only (none given, :80 for http, :443 for https)." })),
  pathPrefix: Type.Optional(Type.String({ pattern: "^/", description: "Request path prefix." })),
  headers: Type.Optional(Type.Array(HeaderMatchSchema)),
  models: Type.Optional(Type.Array(Type.String({ pattern: MODEL_PATTERN_PATTERN }), { minItems: 1, description: "The client's model: exact names, prefix* or * (any model given). Needs requestMode body." })),
}, { additionalProperties: false, description: "All given conditions must hold." });

const ModelMappingSchema = Type.Record(Type.String(), ModelName("Upstream model."), {
  description: "Client model -> upstream model. Keys: exact names, prefix* or *; exact wins, then the longest prefix, then *.",
});

export const BackendSchema = Type.Object({
  provider: NonEmpty("Name of a provider."),
  model: Type.Optional(ModelName("Model for this backend; wins over any mapping.")),
  weight: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000000, description: "Relative weight (default 1)." })),
  modelMapping: Type.Optional(ModelMappingSchema),
  maxOutputTokens: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000, description: "The largest output cap this backend's model accepts: a request asking for more is sent this (x-llm-mesh-clamped-max-tokens). Default: the provider's maxOutputTokens, else built-in limits of well-known models (docs/translation.md), else no clamp." })),
}, { additionalProperties: false });

const Millis = (max: number, description: string, min = 1) => Type.Integer({ minimum: min, maximum: max, description });
const HOUR_MS = 3_600_000;
/** Statuses a failover route may retry on another backend: other 4xx are the client's own mistakes. */
export const RETRY_STATUS_RULE = "must be 408, 409, 429 or a status from 500 to 599 (other 4xx are the client's own mistakes, the same on every backend)";
const RetryStatus = Type.Union([Type.Literal(408), Type.Literal(409), Type.Literal(429), Type.Integer({ minimum: 500, maximum: 599 })]);

export const EjectionSchema = Type.Object({
  consecutiveFailures: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: "Failed tries in a row (5xx, a rate-limited backend with no key left, refused or reset connections) that eject a backend (default 3)." })),
  baseMs: Type.Optional(Millis(HOUR_MS, "First ejection's length; each further ejection of the same backend lasts this times the number of ejections (default 10000).")),
  maxMs: Type.Optional(Millis(24 * HOUR_MS, "Longest ejection (default 300000).")),
  intervalMs: Type.Optional(Millis(HOUR_MS, "How often ejections are reviewed and ended (default 5000).")),
}, { additionalProperties: false, description: "Passive health checking: Envoy's outlier detection on the route's backend pool." });

export const FailoverSchema = Type.Object({
  attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 10, description: "Tries in all, the first included, each on a backend not tried yet while there is one (default 3)." })),
  retryOn: Type.Optional(Type.Array(RetryStatus, { minItems: 1, description: "Statuses tried again on another backend (default 429, 500, 502, 503, 504). Refused connections, resets before an answer and per-try timeouts always are." })),
  perTryTimeoutMs: Type.Optional(Millis(HOUR_MS, "A try's whole time, its answer included: past it, the next backend is tried if nothing reached the client yet, else the answer is cut. It limits streams too; 0: none (default).", 0)),
  perTryIdleTimeoutMs: Type.Optional(Millis(HOUR_MS, "The longest a try may go without a byte from the provider (a slow first byte, a stalled answer): the next backend is tried while nothing reached the client; 0: none (default).", 0)),
  rateLimitBackoffMs: Type.Optional(Millis(HOUR_MS, "How long a key that answered 429 without Retry-After rests (default 30000).")),
  ejection: Type.Optional(EjectionSchema),
}, { additionalProperties: false, description: "Try the route's other backends when one fails: Envoy re-sends, llm-mesh rewrites each try for the backend it reaches. Needs the toolchain's Envoy config (llm-mesh envoy, llm-mesh manifests)." });

export const TimeoutsSchema = Type.Object({
  requestMs: Type.Optional(Millis(24 * HOUR_MS, "Whole request, the answer's end included (default 600000; 0: none). Envoy's own default, 15 s, would cut long streams.", 0)),
  streamIdleMs: Type.Optional(Millis(24 * HOUR_MS, "Longest silence once the request is under way, e.g. a stalled stream (default 300000).")),
}, { additionalProperties: false });

/** An MCP allow-list entry: an exact tool or prompt name (a resource's URI), a prefix ending in '*', or '*'. */
export const MCP_PATTERN_PATTERN = "^(\\*|[^*]+\\*?)$";
export const MCP_PATTERN_RULE = "must be a name (a resource's URI), a prefix ending in '*', or '*'";
const McpPatterns = (what: string, omitted: string) => Type.Array(Type.String({ pattern: MCP_PATTERN_PATTERN }), { description: `${what}: exact names, prefix* or * ([]: none; omitted: ${omitted}).` });

export const McpRouteSchema = Type.Object({
  tools: Type.Optional(McpPatterns("Tools a caller without its own list may call and see in tools/list", "all")),
  resources: Type.Optional(McpPatterns("Resources (by URI) a caller without its own list may read and see listed", "all")),
  prompts: Type.Optional(McpPatterns("Prompts a caller without its own list may get and see listed", "all")),
  maxMessageBytes: Type.Optional(Type.Integer({ minimum: 1024, maximum: 16777216, description: "The largest answer (per SSE event) llm-mesh reads from the server; a larger one becomes a JSON-RPC error -32603 (default 1048576)." })),
}, { additionalProperties: false, description: "MCP routes only (a backend of type mcp): the lists for callers whose consumer has no consumers[].mcp entry for the server (unknown callers too, when requireConsumer is false), and the answer size limit." });

export const ConsumerMcpSchema = Type.Object({
  server: ConfigName("The name of an mcp provider."),
  tools: Type.Optional(McpPatterns("Tools this consumer may call and see", "the route's list")),
  resources: Type.Optional(McpPatterns("Resources (by URI) this consumer may read and see", "the route's list")),
  prompts: Type.Optional(McpPatterns("Prompts this consumer may get and see", "the route's list")),
}, { additionalProperties: false });

/** The credential headers a gateway key may arrive in (all removed before a request leaves). */
export const CREDENTIAL_HEADERS = ["authorization", "proxy-authorization", "api-key", "x-api-key", "x-goog-api-key", "x-auth-token", "cookie", "x-amz-security-token", "ocp-apim-subscription-key"] as const;

export const StoredKeySchema = Type.Object({
  id: Type.String({ pattern: "^[0-9a-f]{8,32}$", description: "The key's id (the part after llmm_)." }),
  salt: Type.String({ pattern: "^([0-9a-f]{2}){16,}$", description: "Random salt, hex." }),
  sha256: Type.String({ pattern: "^[0-9a-f]{64}$", description: "SHA-256(salt ‖ secret), hex." }),
}, { additionalProperties: false, description: "A gateway key as `llm-mesh consumer add` stores it: never the key itself." });

export const LimitSchema = Type.Object({
  requestsPerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000, description: "Requests per minute (fixed one-minute windows)." })),
  tokensPerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000_000, description: "Tokens (input + output, as the answers report) per minute." })),
  tokensPerDay: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000_000, description: "Tokens per day (UTC days)." })),
  route: Type.Optional(NonEmpty("Only requests on this route.")),
  models: Type.Optional(Type.Array(Type.String({ pattern: MODEL_PATTERN_PATTERN }), { description: "Only requests for these models." })),
  global: Type.Optional(Type.Boolean({ description: "Kept by Envoy's rate limit service (Redis), shared by every Envoy, instead of per Envoy; route and models cannot narrow it." })),
  defaultOutputCap: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000, description: "Output tokens reserved for a request that names no cap (max_tokens, max_completion_tokens, max_output_tokens); default 4096, or a quarter of the smallest token budget if less (docs/quotas.md)." })),
}, { additionalProperties: false, description: "A quota; every matching one applies. Counted per Envoy (all its worker threads), or across Envoys with global." });

export const ConsumerSchema = Type.Object({
  name: ConfigName("Unique name: in metrics (llm_mesh_consumer) and access logs."),
  keys: Type.Optional(Type.Array(StoredKeySchema, { description: "Gateway keys (llmm_…), stored hashed; add one with `llm-mesh consumer add`." })),
  principals: Type.Optional(Type.Array(Type.String({ pattern: "^spiffe://.+$" }), { description: "Mesh identities (SPIFFE ids, or prefix*) of calling workloads." })),
  claims: Type.Optional(Type.Array(NonEmpty("A claim value."), { description: "Values of consumerAuth.claimHeader (a JWT claim Istio's RequestAuthentication verified and wrote)." })),
  routes: Type.Optional(Type.Array(NonEmpty("A route name."), { description: "Routes this consumer may use (default: all)." })),
  models: Type.Optional(Type.Array(Type.String({ pattern: MODEL_PATTERN_PATTERN }), { description: "Models this consumer may use: exact, prefix* or * (default: all)." })),
  limits: Type.Optional(Type.Array(LimitSchema, { description: "Quotas: 429 with Retry-After and x-ratelimit-* headers once reached." })),
  mcp: Type.Optional(Type.Array(ConsumerMcpSchema, { description: "Per MCP server: the tools, resources and prompts this consumer may use (docs/mcp.md)." })),
}, { additionalProperties: false });

export const ConsumerAuthSchema = Type.Object({
  keyHeaders: Type.Optional(Type.Array(Type.Union(CREDENTIAL_HEADERS.map((h) => Type.Literal(h))), { description: "Headers a gateway key may arrive in (default authorization, x-api-key, api-key, x-goog-api-key; Gemini clients' ?key= counts as x-goog-api-key); credential headers only, which never leave." })),
  claimHeader: Type.Optional(Type.String({ pattern: "^[a-z0-9._-]{1,128}$", description: "Header holding a verified JWT claim (RequestAuthentication outputClaimToHeaders), e.g. x-jwt-sub." })),
}, { additionalProperties: false });

const PolicyMessageSchema = Type.Object({
  role: Type.Union(["system", "developer", "user", "assistant"].map((r) => Type.Literal(r))),
  content: NonEmpty("The message's text."),
}, { additionalProperties: false });

const TextRuleSchema = Type.Object({
  name: Type.Optional(ConfigName("In the decision counter (llm_mesh_rule) and, for deny rules, the client's error.")),
  contains: Type.Optional(NonEmpty("Literal text.")),
  regex: Type.Optional(NonEmpty("A pattern of the safe language: literals, ., [classes], \\d \\w \\s, groups, |, * + ? {n,m} (n, m <= 100), ^ $ \\b, a leading (?i); no backreferences or lookaround. Matching time is linear in the text.")),
  builtin: Type.Optional(Type.Union([Type.Literal("email"), Type.Literal("card")], { description: "Mask rules: e-mail addresses, or card numbers (13-19 digits passing the Luhn check)." })),
  ignoreCase: Type.Optional(Type.Boolean({ description: "Match ASCII letters in either case." })),
  replacement: Type.Optional(Type.String({ description: "Mask rules: the text put in place of each match (default [MASKED], [EMAIL], [CARD])." })),
}, { additionalProperties: false });

export const PolicySchema = Type.Object({
  prepend: Type.Optional(Type.Array(PolicyMessageSchema, { description: "Messages put before the client's (system and developer messages go to Anthropic's system field)." })),
  append: Type.Optional(Type.Array(PolicyMessageSchema, { description: "Messages put after the client's." })),
  template: Type.Optional(Type.Object({}, { additionalProperties: true, description: "The request body to send, as JSON, filled from the client's: {{ body.FIELD }}, {{ header.NAME }}, optionally with ?? DEFAULT." })),
  deny: Type.Optional(Type.Array(TextRuleSchema, { description: "Refuse requests whose prompt text matches (400 content_policy_violation)." })),
  mask: Type.Optional(Type.Array(TextRuleSchema, { description: "Replace matches in the prompt text before the request leaves." })),
  extract: Type.Optional(Type.String({ pattern: PATH_PATTERN, description: "Non-streaming answers: return only this field, e.g. choices[0].message.content (requestMode body)." })),
  extractAs: Type.Optional(Type.Union([Type.Literal("text"), Type.Literal("json")], { description: "text (default): a string field as text/plain; json: the field as JSON." })),
}, { additionalProperties: false, description: "Request policy: prompt template, added messages, content rules, answer extraction." });

/** A route's forwardHeaders entry: a header name or a prefix ending in '*' (assembly/request/forwarded-headers.ts has the same rule). */
export const FORWARD_HEADER_PATTERN = "^[a-z0-9._-]{1,128}\\*?$";
export const FORWARD_HEADER_RULE = "must be a lower-case header name, or a prefix of one ending in '*'; credential, billing, framing and Envoy headers cannot be listed";

export const RouteSchema = Type.Object({
  name: ConfigName("Unique name."),
  match: Type.Optional(MatchSchema),
  catchAll: Type.Optional(Type.Boolean({ description: "Accept a route whose match holds for every request. Refused in sidecar manifests: every outbound call of the pod would get a provider key." })),
  backends: Type.Array(BackendSchema, { minItems: 1 }),
  modelMapping: Type.Optional(ModelMappingSchema),
  failover: Type.Optional(FailoverSchema),
  requireConsumer: Type.Optional(Type.Boolean({ description: "Refuse requests from no known consumer (401 with www-authenticate)." })),
  timeouts: Type.Optional(TimeoutsSchema),
  policy: Type.Optional(PolicySchema),
  forwardHeaders: Type.Optional(Type.Array(Type.String({ pattern: FORWARD_HEADER_PATTERN }), { description: "Client headers passed to this route's providers beyond the default: names, or prefixes ending in '*' (e.g. x-stainless-*). By default a translated route passes only content negotiation, tracing and Envoy's headers, and a same-API route every client header but agent and session identifiers (docs/translation.md)." })),
  mcp: Type.Optional(McpRouteSchema),
  hostedTools: Type.Optional(Type.Union([Type.Literal("drop"), Type.Literal("refuse")], { description: "Translated routes, a client's hosted tools the backend has no equivalent for (file_search, mcp, ...; web_search only where the backend cannot search: it is mapped to Anthropic's and Gemini's own search). drop (default): left out, named in x-llm-mesh-dropped-tools and counted. refuse: a 400." })),
}, { additionalProperties: false, description: "First matching route wins." });

export const ConfigSchema = Type.Object({
  providers: Type.Array(ProviderSchema, { minItems: 1 }),
  routes: Type.Array(RouteSchema, { minItems: 1 }),
  maxRequestBodyBytes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1073741824, description: "Larger bodies get 413 (default 8 MiB)." })),
  responseHeaders: Type.Optional(Type.Boolean({ description: "Add x-llm-mesh-provider / x-llm-mesh-model to responses (default true)." })),
  metrics: Type.Optional(MetricsSchema),
  consumers: Type.Optional(Type.Array(ConsumerSchema, { description: "Who calls: by gateway key, mesh identity or verified JWT claim." })),
  consumerAuth: Type.Optional(ConsumerAuthSchema),
  role: Type.Optional(Type.Union([Type.Literal("downstream"), Type.Literal("upstream")], { description: "Written by the toolchain: upstream for the filter in a failover pool cluster's upstream chain. Leave it out." })),
  requestMode: Type.Optional(Type.Union([Type.Literal("body"), Type.Literal("headers")], { description: "body: decide after the whole body (route by model; needs Envoy >= 1.35 with allow_on_headers_stop_iteration, which llm-mesh envoy and manifests set). headers: decide on the headers (any Envoy). The filter's default is headers; the toolchain writes body unless told --request-mode headers." })),
}, {
  $id: "https://llm-mesh.dev/schema/llm-mesh-config.schema.json",
  title: "llm-mesh plugin configuration",
  additionalProperties: false,
});

export type LlmMeshConfig = Static<typeof ConfigSchema>;
export type ProviderConfig = Static<typeof ProviderSchema>;
export type RouteConfig = Static<typeof RouteSchema>;
export type BackendConfig = Static<typeof BackendSchema>;
export type FailoverConfig = Static<typeof FailoverSchema>;
export type ConsumerConfig = Static<typeof ConsumerSchema>;
export type TimeoutsConfig = Static<typeof TimeoutsSchema>;
export type PolicyConfig = Static<typeof PolicySchema>;
export type McpRouteConfig = Static<typeof McpRouteSchema>;

/** The JSON Schema file users point their editor at. */
export function jsonSchemaText(): string {
  return JSON.stringify({ $schema: "http://json-schema.org/draft-07/schema#", ...ConfigSchema }, null, 2) + "\n";
}
