// The one interface every provider implements. A provider knows its vendor's host, path, auth
// scheme and keys; it never converts bodies (that is assembly/translate/).
import { JsonValue } from "../json/parse";
import { Diagnostics } from "../fields/diagnostics";
import { Operation, WireApi, operationPath } from "../api";
import { HeaderSnapshot } from "../headers";
import { PriceTable } from "../metrics/config";
import { MetadataBearerToken, TokenRequest } from "./platform-token";

export const H_ANTHROPIC_VERSION = String.UTF8.encode("anthropic-version");
export const H_ANTHROPIC_BETA = String.UTF8.encode("anthropic-beta");

/** A body field to set: its key and its compact JSON value, both as UTF-8. */
export class BodyField {
  keyBytes: ArrayBuffer;
  /** Index of this key in the config's wantedKeys, so its span is found without a search. */
  spanIndex: i32 = -1;
  constructor(public key: string, public valueJson: ArrayBuffer) {
    this.keyBytes = String.UTF8.encode(key);
  }
}

/** The documented max_tokens llm-mesh sends an API that requires one when neither client nor provider gave it. */
export const DEFAULT_MAX_TOKENS: i32 = 4096;

function parsePositive(json: ArrayBuffer): i32 {
  const n = I32.parseInt(String.UTF8.decode(json));
  return n > 0 ? n : DEFAULT_MAX_TOKENS;
}

/** What a provider type is: defaults for its endpoint and how to build one. */
export class ProviderSpec {
  constructor(
    public type: string,
    /** Empty when the user must give a host (self-hosted and per-tenant endpoints). */
    public defaultHost: string,
    /** 0 leaves the port out of :authority. */
    public defaultPort: i32,
    public defaultBasePath: string,
    public keyRequired: bool,
    public create: (spec: ProviderSpec) => Provider,
  ) {}
}

/** A configured provider, compiled once per configuration and read-only per request. */
export class Provider {
  name: string = "";
  host: string = "";
  port: i32 = 0;
  basePath: string = "";
  /** host, or host:port when a port is set. */
  authority: string = "";
  keys: string[] = [];
  private keyCursor: i32 = 0;
  /** False when a key it needs could not be resolved; requests then skip it. */
  usable: bool = true;
  defaultModel: string | null = null;
  overrideModel: string | null = null;
  /** Body fields set when the client left them out. */
  defaults: BodyField[] = [];
  /** Body fields always set, replacing the client's. */
  overrides: BodyField[] = [];
  /** Envoy clusters that are this provider's destination (exact names); with clusterPrefixes, replaces Istio's naming. */
  clusterNames: string[] = [];
  clusterPrefixes: string[] = [];
  /** Headers the provider sets from config (e.g. openai-organization), encoded once. */
  extraHeaderNames: ArrayBuffer[] = [];
  extraHeaderValues: ArrayBuffer[] = [];
  /** Billing-selector headers this provider lets through from the client. */
  allowedClientHeaders: string[] = [];
  /** Prices per million tokens by model, for the cost metric (empty: no cost recorded). */
  prices: PriceTable = new PriceTable();
  /** Ask OpenAI-API streams for usage (stream_options.include_usage) when the client did not; the extra chunk is cut. */
  injectStreamUsage: bool = true;
  /** The largest output cap its models accept (`maxOutputTokens`), for backends without their own; -1: none. */
  maxOutputTokens: i64 = -1;

  constructor(public spec: ProviderSpec) {}

  /** An MCP server (providers/mcp.ts): its routes carry JSON-RPC, not LLM requests. */
  isMcpServer(): bool { return false; }

  /** The API this provider's endpoint speaks; requests in another are translated. */
  api(): WireApi { return WireApi.OpenAI; }

  /** Whether the provider serves a client operation (natively or translated). */
  supports(op: Operation): bool { return op != Operation.CountTokens && op != Operation.GeminiCountTokens; }

  /** Whether the provider speaks the client's API itself for this operation (no translation), beyond its main API. */
  servesNatively(op: Operation): bool { return false; }

  /** max_tokens for a request that gives none, when the API requires one: the provider's default, else 4096. */
  defaultMaxTokens(): i32 {
    for (let i = 0; i < this.overrides.length; i++) if (this.overrides[i].key == "max_tokens") return parsePositive(this.overrides[i].valueJson);
    for (let i = 0; i < this.defaults.length; i++) if (this.defaults[i].key == "max_tokens") return parsePositive(this.defaults[i].valueJson);
    return DEFAULT_MAX_TOKENS;
  }

  /**
   * True when the upstream path depends on the body (the model, or whether the answer streams),
   * so it is written at body time: such providers need requestMode "body".
   */
  pathFromBody(): bool { return false; }

  /**
   * A bearer token from a metadata server that takes the place of the keys (Vertex AI's and Azure
   * OpenAI's tokenFromMetadataServer), or null. The credential methods below serve it; a type with
   * another credential (Bedrock's instance role) overrides them.
   */
  protected token: MetadataBearerToken | null = null;

  /** True when this provider's platform credential is missing or due for refresh and no fetch is under way. */
  needsToken(nowSeconds: i64): bool { return this.token !== null && this.token!.schedule.due(nowSeconds); }

  /**
   * The next call of a credential fetch (a short-lived token from a metadata server; some take
   * several calls), or null when the fetch is over. The root context makes it and hands the answer
   * to acceptToken, then asks again.
   */
  tokenRequest(nowSeconds: i64): TokenRequest | null { return this.token !== null ? this.token!.next(nowSeconds) : null; }

  /** The shared-data key under which worker threads share this provider's platform credential, or null (none). */
  sharedCredentialKey(): string | null { return null; }

  /** The credential as text for other worker threads (never logged); "" when none. */
  credentialSnapshot(): string { return this.token !== null ? this.token!.snapshot() : ""; }

  /** Takes another worker thread's credential when it is newer than this one's. */
  adoptCredential(snapshot: string, nowSeconds: i64): void {
    if (this.token !== null && this.token!.adopt(snapshot, nowSeconds)) this.useToken();
  }

  /** The answer to a tokenRequest: the token taken, or a problem to log (never the body: it may hold a token). */
  acceptToken(status: string, body: ArrayBuffer | null, nowSeconds: i64): string | null {
    if (this.token === null) return null;
    const problem = this.token!.accept(status, body, nowSeconds, this.name);
    if (problem === null) this.useToken();
    return problem;
  }

  /** The token becomes the one key (a key list is replaced, never edited: request/redact.ts compares references). */
  private useToken(): void {
    this.keys = [this.token!.token];
    this.prepare();
  }

  /**
   * Why a request cannot be sent with this provider's credentials right now (no token yet, or
   * expired), or null. Asked on every request: a provider with fixed keys answers without the clock
   * (each host call costs about a microsecond in Envoy).
   */
  credentialProblem(): string | null { return this.token !== null ? this.token!.problem(this.name) : null; }

  /** The API this provider speaks for a model (a provider hosting several vendors' models, as Vertex AI does, differs per model). */
  apiFor(model: string): WireApi { return this.api(); }

  /**
   * The last edit of the body sent upstream (after translation, defaults and overrides), or null
   * to leave it: e.g. Anthropic on Vertex AI takes the model in the path and a version in the body.
   */
  finishBody(body: ArrayBuffer, model: string): ArrayBuffer | null { return null; }

  /** Why a (valid) model name cannot be sent to this provider, or null (e.g. it would change the path). */
  refuseModel(model: string): string | null { return null; }

  /** The upstream :path once the body is known (pathFromBody providers). */
  bodyTimePath(op: Operation, model: string, stream: bool): string { return this.upstreamPath(op, model); }

  /** The field an OpenAI-shaped backend takes the output limit in, for requests translated to it. */
  maxTokensField(): string { return "max_tokens"; }

  /** The backend documents OpenAI's prompt_cache_key (set on requests translated to it that asked for caching). */
  takesPromptCacheKey(): bool { return false; }

  /**
   * Sets the request headers this provider's API needs besides the key (Anthropic:
   * anthropic-version), and drops another API's that mean nothing to it.
   */
  writeApiHeaders(headers: HeaderSnapshot, clientApi: WireApi): void {
    if (clientApi == WireApi.Anthropic) { headers.remove(H_ANTHROPIC_VERSION); headers.remove(H_ANTHROPIC_BETA); }
  }

  /** The host when the config gives none (a type may derive it from its own fields, e.g. a region). */
  defaultHost(): string { return this.spec.defaultHost; }

  /** Reads credentials a type takes from the VM environment besides apiKeys (AWS's); default none. */
  loadCredentials(env: Map<string, string>, path: string, d: Diagnostics): void {}

  /**
   * Signs the finished upstream request (body mode), for providers whose auth covers the request
   * itself (AWS SigV4); `path` is the upstream :path (UTF-8), `body` the exact bytes sent. Default:
   * nothing, and nothing decoded or asked of the host (this runs on every request).
   */
  sign(headers: HeaderSnapshot, path: ArrayBuffer, body: ArrayBuffer): void {}

  /** Config fields this type accepts beyond the common ones. */
  extraFields(): string[] { return []; }

  /** Reads the type-specific fields named by extraFields(). */
  configureExtra(obj: JsonValue, path: string, d: Diagnostics): void {}

  /** Checks a backend that uses this provider; `fixedModel` is the backend's model, if any. */
  checkBackend(fixedModel: string | null, path: string, d: Diagnostics): void {}

  /**
   * The upstream :path for an operation. It is decided with the request headers, before the body
   * is read, so only a model fixed by configuration (the backend's) is known here.
   */
  upstreamPath(op: Operation, fixedModel: string | null): string {
    return this.basePath + operationPath(op);
  }

  /** Lower-case name of the header that carries the key. */
  authHeaderName(): string { return "authorization"; }

  /** The auth header's value for a key. */
  authHeaderValue(key: string): string { return "Bearer " + key; }

  /** Encoded once by prepare(): the auth header's name, one value per key, and :authority. */
  authHeaderNameBytes: ArrayBuffer = new ArrayBuffer(0);
  authHeaderValueBytes: ArrayBuffer[] = [];
  authorityBytes: ArrayBuffer = new ArrayBuffer(0);
  nameBytes: ArrayBuffer = new ArrayBuffer(0);

  /** Encodes what every request sends, once per configuration. */
  prepare(): void {
    this.authHeaderNameBytes = String.UTF8.encode(this.authHeaderName());
    this.authHeaderValueBytes = [];
    for (let i = 0; i < this.keys.length; i++) this.authHeaderValueBytes.push(String.UTF8.encode(this.authHeaderValue(this.keys[i])));
    this.authorityBytes = String.UTF8.encode(this.authority);
    this.nameBytes = String.UTF8.encode(this.name);
  }

  /** How many keys take turns in the auth header (0: none, or the provider authenticates otherwise). */
  keyCount(): i32 { return this.authHeaderValueBytes.length; }

  /** The index of the next key in turn (-1: the provider has no keys). */
  nextKeyIndex(): i32 {
    const n = this.keyCount();
    if (n == 0) return -1;
    const index = this.keyCursor;
    this.keyCursor = (this.keyCursor + 1) % n;
    return index;
  }

  /** The auth header value for the next key in turn, or null when the provider needs none. */
  nextAuthValue(): ArrayBuffer | null {
    const n = this.authHeaderValueBytes.length;
    if (n == 0) return null;
    const value = this.authHeaderValueBytes[this.keyCursor];
    this.keyCursor = (this.keyCursor + 1) % n;
    return value;
  }
}
