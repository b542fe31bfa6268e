// Consumers: who calls. A consumer is known by a gateway-issued key (stored here only as a salted
// SHA-256), by the calling workload's mesh identity (SPIFFE principal), or by a claim of a JWT Istio
// already verified (passed on in a header). Each may be limited to some routes and models.
import { JsonKind, JsonValue } from "../json/parse";
import { Diagnostics } from "../fields/diagnostics";
import { childPath, expectObject, indexPath, optionalArray, optionalString, rejectUnknownFields, requiredString } from "../fields/read";
import { ModelPatterns, loadModelPatterns } from "../fields/model-patterns";
import { MODEL_NAME_RULE, isConfigName, isHeaderName, isSafeModelName } from "../safety/safe-text";
import { CREDENTIAL_HEADERS } from "../safety/credentials";
import { LimitRule, loadLimits } from "./limits";
import { McpAccess, loadConsumerMcp } from "../mcp/access";

const CONSUMER_FIELDS = ["name", "keys", "principals", "claims", "routes", "models", "limits", "mcp"];
const KEY_FIELDS = ["id", "salt", "sha256"];
const AUTH_FIELDS = ["keyHeaders", "claimHeader"];
/**
 * Where a gateway key may come: the headers OpenAI's, Anthropic's, Azure's and Google's Gemini SDKs
 * send theirs in (Gemini's `?key=` query counts as x-goog-api-key).
 */
export const DEFAULT_KEY_HEADERS = ["authorization", "x-api-key", "api-key", "x-goog-api-key"];
/** Gateway keys: llmm_<id>_<secret>; the id finds the stored hash, the secret is what is hashed. */
export const KEY_PREFIX = "llmm_";

/** One stored key: its id, salt and SHA-256(salt ‖ secret), as bytes. */
export class StoredKey {
  constructor(public id: string, public salt: ArrayBuffer, public hash: ArrayBuffer, public consumer: Consumer) {}
}

export class Consumer {
  nameBytes: ArrayBuffer;
  principals: string[] = [];
  principalPrefixes: string[] = [];
  claims: string[] = [];
  /** Route names allowed; null: every route. */
  routes: Set<string> | null = null;
  /** Models allowed; null: every model. */
  models: ModelPatterns | null = null;
  /** Quotas (limits.ts, counted by quota.ts). */
  limits: LimitRule[] = [];
  /** MCP allow-lists by server (provider) name; null: none of its own (the route's lists apply). */
  mcp: Map<string, McpAccess> | null = null;

  /** Its MCP lists for a server, or null. */
  mcpAccess(server: string): McpAccess | null {
    const mcp = this.mcp;
    return mcp !== null && mcp.has(server) ? mcp.get(server) : null;
  }

  /** Some quota of this consumer is kept by Envoy's rate limit service: its answers' tokens are written for it. */
  hasGlobalLimits(): bool {
    for (let i = 0; i < this.limits.length; i++) if (this.limits[i].global) return true;
    return false;
  }
  constructor(public name: string) { this.nameBytes = String.UTF8.encode(name); }

  allowsRoute(route: string): bool { return this.routes === null || this.routes!.has(route); }
  allowsModel(model: string | null): bool { return this.models === null || this.models!.matches(model); }
  hasPrincipal(principal: string): bool {
    if (this.principals.includes(principal)) return true;
    for (let i = 0; i < this.principalPrefixes.length; i++) if (principal.startsWith(this.principalPrefixes[i])) return true;
    return false;
  }
}

/** Compiled consumers: keys by id, and the headers keys and claims arrive in. */
export class Consumers {
  list: Consumer[] = [];
  keys: Map<string, StoredKey> = new Map<string, StoredKey>();
  keyHeaders: ArrayBuffer[] = [];
  keyHeaderNames: string[] = [];
  claimHeader: ArrayBuffer | null = null;
  claimHeaderName: string = "";
  /** Some consumer is known by its mesh identity (the principal is then read per request). */
  byPrincipal: bool = false;

  isEmpty(): bool { return this.list.length == 0; }
}

function hexBytes(text: string): ArrayBuffer | null {
  if (text.length == 0 || text.length % 2 != 0) return null;
  const out = new ArrayBuffer(text.length / 2);
  for (let i = 0; i < text.length; i += 2) {
    const hi = hexDigit(text.charCodeAt(i));
    const lo = hexDigit(text.charCodeAt(i + 1));
    if (hi < 0 || lo < 0) return null;
    store<u8>(changetype<usize>(out) + <usize>(i / 2), <u8>((hi << 4) | lo));
  }
  return out;
}

function hexDigit(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

/** A key id: 8 to 32 lower-case hex digits (what `llm-mesh consumer add` makes). */
function isKeyId(id: string): bool {
  if (id.length < 8 || id.length > 32) return false;
  for (let i = 0; i < id.length; i++) if (hexDigit(id.charCodeAt(i)) < 0) return false;
  return true;
}

/** `consumers` and `consumerAuth`; route and model allow-lists are checked against `routeNames` by the caller. */
export function loadConsumers(root: JsonValue, d: Diagnostics): Consumers {
  const c = new Consumers();
  loadAuth(root.get("consumerAuth"), c, d);
  const list = optionalArray(root, "consumers", "", d);
  if (list === null) return c;
  for (let i = 0; i < list.length; i++) {
    const path = indexPath("consumers", i);
    const v = list[i];
    if (!expectObject(v, path, d)) continue;
    rejectUnknownFields(v, path, CONSUMER_FIELDS, d);
    const name = requiredString(v, "name", path, d);
    if (name.length > 0 && !isConfigName(name)) d.error(childPath(path, "name"), "must be 1 to 128 letters, digits, '-', '_' or '.'");
    for (let j = 0; j < c.list.length; j++) if (c.list[j].name == name) d.error(childPath(path, "name"), "duplicate consumer name \"" + name + "\"");
    const consumer = new Consumer(name);
    loadKeys(v, path, consumer, c, d);
    const principals = optionalArray(v, "principals", path, d);
    if (principals !== null) {
      for (let j = 0; j < principals.length; j++) {
        const p = principals[j];
        const text = p.kind == JsonKind.String ? p.text : "";
        if (!text.startsWith("spiffe://") || text.length < 11) { d.error(indexPath(childPath(path, "principals"), j), "must be a SPIFFE id (spiffe://TRUST_DOMAIN/ns/NAMESPACE/sa/ACCOUNT), or a prefix of one ending in '*'"); continue; }
        if (text.endsWith("*")) consumer.principalPrefixes.push(text.substring(0, text.length - 1));
        else consumer.principals.push(text);
        c.byPrincipal = true;
      }
    }
    const claims = optionalArray(v, "claims", path, d);
    if (claims !== null) {
      if (c.claimHeader === null) d.error(childPath(path, "claims"), "needs consumerAuth.claimHeader (the header Istio's RequestAuthentication writes the claim to)");
      for (let j = 0; j < claims.length; j++) {
        const cl = claims[j];
        if (cl.kind != JsonKind.String || cl.text.length == 0) { d.error(indexPath(childPath(path, "claims"), j), "must be a non-empty string"); continue; }
        consumer.claims.push(cl.text);
      }
    }
    loadLimits(v, path, consumer.name, consumer.limits, d);
    const routes = optionalArray(v, "routes", path, d);
    if (routes !== null) {
      const set = new Set<string>();
      for (let j = 0; j < routes.length; j++) {
        if (routes[j].kind != JsonKind.String) { d.error(indexPath(childPath(path, "routes"), j), "must be a route name"); continue; }
        set.add(routes[j].text);
      }
      consumer.routes = set;
    }
    consumer.models = loadModelPatterns(v, "models", path, d);
    consumer.mcp = loadConsumerMcp(v, path, d);
    // Keys given but refused above count as given: they are reported already.
    const declaredKeys = v.get("keys") !== null && v.get("keys")!.kind == JsonKind.Array && v.get("keys")!.items.length > 0;
    if (consumer.claims.length == 0 && consumer.principals.length == 0 && consumer.principalPrefixes.length == 0 && !declaredKeys && (claims === null || claims.length == 0)) {
      d.error(path, "must be known by something: keys, principals or claims");
    }
    c.list.push(consumer);
  }
  return c;
}

function loadKeys(v: JsonValue, path: string, consumer: Consumer, c: Consumers, d: Diagnostics): void {
  const keys = optionalArray(v, "keys", path, d);
  if (keys === null) return;
  for (let j = 0; j < keys.length; j++) {
    // The path only: a key entry is a hash, but a user may paste a key here by mistake; it is never echoed.
    const kPath = indexPath(childPath(path, "keys"), j);
    const k = keys[j];
    if (k.kind != JsonKind.Object) { d.error(kPath, "must be an object { id, salt, sha256 } from `llm-mesh consumer add` (never the key itself)"); continue; }
    let unknown = false;
    for (let f = 0; f < k.keys.length; f++) if (!KEY_FIELDS.includes(k.keys[f])) unknown = true;
    if (unknown) { d.error(kPath, "has an unknown field (accepted: id, salt, sha256; names are not shown, one may be a key)"); continue; }
    const id = k.get("id");
    const salt = k.get("salt");
    const hash = k.get("sha256");
    const saltBytes = salt !== null && salt.kind == JsonKind.String ? hexBytes(salt.text) : null;
    const hashBytes = hash !== null && hash.kind == JsonKind.String ? hexBytes(hash.text) : null;
    const idOk = id !== null && id.kind == JsonKind.String && isKeyId(id.text);
    if (!idOk) d.error(childPath(kPath, "id"), "must be 8 to 32 lower-case hex digits");
    if (saltBytes === null || saltBytes.byteLength < 16) d.error(childPath(kPath, "salt"), "must be at least 16 bytes as lower-case hex");
    if (hashBytes === null || hashBytes.byteLength != 32) d.error(childPath(kPath, "sha256"), "must be a SHA-256 digest as 64 lower-case hex digits");
    if (!idOk || saltBytes === null || saltBytes.byteLength < 16 || hashBytes === null || hashBytes.byteLength != 32) continue;
    if (c.keys.has(id!.text)) { d.error(childPath(kPath, "id"), "duplicate key id (ids are unique across consumers)"); continue; }
    c.keys.set(id!.text, new StoredKey(id!.text, saltBytes!, hashBytes!, consumer));
  }
}

function loadAuth(v: JsonValue | null, c: Consumers, d: Diagnostics): void {
  const path = "consumerAuth";
  let headers: string[] = DEFAULT_KEY_HEADERS;
  if (v !== null && expectObject(v, path, d)) {
    rejectUnknownFields(v, path, AUTH_FIELDS, d);
    const list = optionalArray(v, "keyHeaders", path, d);
    if (list !== null) {
      headers = [];
      for (let i = 0; i < list.length; i++) {
        const name = list[i].kind == JsonKind.String ? list[i].text.toLowerCase() : "";
        // Only credential headers: they are removed before anything goes upstream, so a key never reaches a provider.
        if (!CREDENTIAL_HEADERS.includes(name)) { d.error(indexPath(childPath(path, "keyHeaders"), i), "must be one of " + CREDENTIAL_HEADERS.join(", ") + " (headers llm-mesh removes before a request leaves)"); continue; }
        headers.push(name);
      }
    }
    const claim = optionalString(v, "claimHeader", path, d);
    if (claim !== null) {
      const name = claim.toLowerCase();
      if (!isHeaderName(name) || name.startsWith(":") || name.startsWith("x-llm-mesh-")) d.error(childPath(path, "claimHeader"), "must be a lower-case header name (e.g. x-jwt-sub, from RequestAuthentication outputClaimToHeaders)");
      else { c.claimHeader = String.UTF8.encode(name); c.claimHeaderName = name; }
    }
  }
  for (let i = 0; i < headers.length; i++) { c.keyHeaders.push(String.UTF8.encode(headers[i])); c.keyHeaderNames.push(headers[i]); }
}
