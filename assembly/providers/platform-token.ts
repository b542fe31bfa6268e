// Credentials a provider gets from the platform it runs on (a metadata server, through an Envoy
// cluster) instead of static keys: when to ask, when to retry, and a bearer token read from a
// JSON answer. The calls themselves are made by the root context (token-refresh.ts).
import { JsonKind, JsonValue, parseJson } from "../json/parse";
import { nowSeconds as clockSeconds } from "../host";
import { Diagnostics } from "../fields/diagnostics";
import { optionalBool, optionalString } from "../fields/read";

/** A credential is refreshed this long before it expires (or at half its life, if shorter), so requests never wait for one. */
export const REFRESH_BEFORE_SECONDS: i64 = 300;
/** After a failed fetch, the next try waits this long. */
export const RETRY_SECONDS: i64 = 5;
/** A credential is trusted for a day at most, whatever expiry its source claims (a year-9999 one would never be refreshed). */
export const MAX_LIFE_SECONDS: i64 = 86400;

/** When a credential is due: none yet, or its refresh time passed; one fetch at a time; a pause after a failure. */
export class TokenSchedule {
  /** 0: no credential. */
  expiresAt: i64 = 0;
  refreshAt: i64 = 0;
  inFlight: bool = false;
  private nextTryAt: i64 = 0;

  due(now: i64): bool { return !this.inFlight && now >= this.nextTryAt && now >= this.refreshAt; }

  /** Starts a fetch when one is due; false when not. */
  start(now: i64): bool {
    if (!this.due(now)) return false;
    this.inFlight = true;
    return true;
  }

  fail(now: i64): void {
    this.inFlight = false;
    this.nextTryAt = now + RETRY_SECONDS;
  }

  /** A new credential valid until `expiresAt`. */
  succeed(now: i64, expiresAt: i64): void {
    this.inFlight = false;
    if (expiresAt - now > MAX_LIFE_SECONDS) expiresAt = now + MAX_LIFE_SECONDS;
    this.expiresAt = expiresAt;
    const life = expiresAt - now;
    this.refreshAt = expiresAt - (life / 2 < REFRESH_BEFORE_SECONDS ? life / 2 : REFRESH_BEFORE_SECONDS);
  }

  /**
   * True when a credential taken from another worker thread expires later than ours (so it is
   * newer). One past a day from now was not written by this build (succeed caps it): adopted on
   * every tick, it would put our refresh off forever.
   */
  newer(expiresAt: i64, now: i64): bool { return expiresAt > this.expiresAt && expiresAt > now && expiresAt - now <= MAX_LIFE_SECONDS; }
}

/** An HTTP call for a token: the Envoy cluster, the :path and :authority, headers to send, and the method (AWS's IMDSv2 token is a PUT). */
export class TokenRequest {
  constructor(public cluster: string, public path: string, public authority: string, public headerNames: string[], public headerValues: string[], public method: string = "GET") {}
}

/** Printable ASCII without spaces, at most 8 KiB: safe to send as a header value (and to keep on one line of a snapshot). */
export function isHeaderSafe(v: string): bool {
  if (v.length == 0 || v.length > 8192) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

/** A JSON object's string member, or null (never echoed: it may hold a secret). */
export function stringMember(obj: JsonValue | null, key: string): string | null {
  if (obj === null) return null;
  const v = obj.get(key);
  return v !== null && v.kind == JsonKind.String && v.text.length > 0 ? v.text : null;
}

/** A whole number given as a JSON number or a string of digits (Azure sends "expires_on": "1700000000"); -1 when neither. */
export function integerMember(obj: JsonValue | null, key: string): i64 {
  if (obj === null) return -1;
  const v = obj.get(key);
  if (v === null) return -1;
  if (v.isInteger()) return <i64>v.numberValue;
  if (v.kind != JsonKind.String || v.text.length == 0 || v.text.length > 15) return -1;
  let n: i64 = 0;
  for (let i = 0; i < v.text.length; i++) {
    const c = v.text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    n = n * 10 + <i64>(c - 0x30);
  }
  return n;
}

/** Parses a metadata server's answer as a JSON object, or null. */
export function parseAnswer(body: ArrayBuffer | null): JsonValue | null {
  if (body === null) return null;
  const parsed = parseJson(String.UTF8.decode(body!));
  return parsed.value !== null && parsed.value!.kind == JsonKind.Object ? parsed.value : null;
}

/** How a metadata server's problem reads in the log: the status, never the body (it may hold a token). */
export function answerProblem(source: string, status: string, what: string, providerName: string): string {
  return source + " answered HTTP " + (status.length > 0 ? status : "(no answer)") + " for provider \"" + providerName + "\"'s " + what + "; retrying in " + RETRY_SECONDS.toString() + " s";
}

/** A bearer token with its expiry, as a snapshot other worker threads can adopt ("expiresAt\ntoken"). */
export function tokenSnapshot(expiresAt: i64, token: string): string { return expiresAt.toString() + "\n" + token; }

/**
 * Splits a snapshot into its lines; null when malformed. Another VM (an older build, a corrupt
 * write) may have left it, so the credential lines are checked as a fetched answer's are.
 */
export function snapshotParts(snapshot: string, count: i32): string[] | null {
  const parts = snapshot.split("\n");
  if (parts.length != count) return null;
  for (let i = 0; i < count; i++) if (parts[i].length == 0 || i > 0 && !isHeaderSafe(parts[i])) return null;
  return parts;
}

/** The expiry line of a snapshot; 0 when malformed. */
export function snapshotExpiry(line: string): i64 {
  const n = I64.parseInt(line);
  return n > 0 ? n : 0;
}

/**
 * An OAuth bearer token from a metadata server's JSON answer: "access_token" with "expires_in"
 * (seconds, GCE) or "expires_on" (epoch seconds as a string, Azure's managed identity endpoint).
 */
export class MetadataBearerToken {
  schedule: TokenSchedule = new TokenSchedule();
  token: string = "";

  /** `source` names the server in messages ("the metadata server"). */
  constructor(public cluster: string, public request: TokenRequest, public source: string) {}

  /** The call to make now, or null. */
  next(now: i64): TokenRequest | null {
    if (!this.schedule.inFlight && !this.schedule.start(now)) return null;
    return this.request;
  }

  /** Takes an answer; a problem to log, or null when a token was taken. */
  accept(status: string, body: ArrayBuffer | null, now: i64, providerName: string): string | null {
    if (status != "200") { this.schedule.fail(now); return answerProblem(this.source, status, "access token", providerName); }
    const answer = parseAnswer(body);
    const token = stringMember(answer, "access_token");
    const on = integerMember(answer, "expires_on");
    const within = integerMember(answer, "expires_in");
    const expiresAt = on > 0 ? on : within > 0 ? now + within : -1;
    if (token === null || !isHeaderSafe(token!) || expiresAt <= now) {
      this.schedule.fail(now);
      return this.source + "'s answer for provider \"" + providerName + "\" holds no access_token with a future expiry; retrying in " + RETRY_SECONDS.toString() + " s";
    }
    this.token = token!;
    this.schedule.succeed(now, expiresAt);
    return null;
  }

  /** Why a request cannot use the token now, or null. */
  problem(providerName: string): string | null {
    if (this.token.length == 0) return "provider \"" + providerName + "\" has no access token from " + this.source + " yet (cluster " + this.cluster + ")";
    if (clockSeconds() >= this.schedule.expiresAt) return "provider \"" + providerName + "\"'s access token expired and " + this.source + " gave no new one";
    return null;
  }

  snapshot(): string { return this.token.length > 0 ? tokenSnapshot(this.schedule.expiresAt, this.token) : ""; }

  /** True when the snapshot was newer and was taken. */
  adopt(snapshot: string, now: i64): bool {
    const parts = snapshotParts(snapshot, 2);
    if (parts === null || this.schedule.inFlight) return false;
    const expiresAt = snapshotExpiry(parts![0]);
    if (!this.schedule.newer(expiresAt, now)) return false;
    this.token = parts![1];
    this.schedule.succeed(now, expiresAt);
    return true;
  }
}

/** Istio's name for the cluster of a ServiceEntry for the GKE metadata server (llm-mesh manifests emit it). */
export const DEFAULT_METADATA_CLUSTER = "outbound|80||metadata.google.internal";
const GKE_TOKEN_PATH = "/computeMetadata/v1/instance/service-accounts/default/token";

/**
 * `tokenFromMetadataServer` and `metadataCluster` of a provider whose token comes from the GKE
 * metadata server (Workload Identity): the server's Envoy cluster, or null when it takes no token there.
 */
export function gkeMetadataCluster(obj: JsonValue, path: string, d: Diagnostics): string | null {
  if (optionalBool(obj, "tokenFromMetadataServer", path, d, false)) {
    const cluster = optionalString(obj, "metadataCluster", path, d);
    return cluster !== null ? cluster! : DEFAULT_METADATA_CLUSTER;
  }
  if (obj.get("metadataCluster") !== null) d.error(path + ".metadataCluster", "needs tokenFromMetadataServer: true");
  return null;
}

/** The service account's OAuth access token from the GKE metadata server, fetched by callout and refreshed. */
export function gkeAccessToken(cluster: string): MetadataBearerToken {
  return new MetadataBearerToken(cluster, new TokenRequest(cluster, GKE_TOKEN_PATH, "metadata.google.internal", ["metadata-flavor"], ["Google"]), "the metadata server");
}
