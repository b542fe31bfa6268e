// Header time: who is calling. A gateway key (llmm_<id>_<secret>) in a key header is checked
// against its stored salted hash; else a verified JWT claim in the claim header; else the caller's
// mesh identity. A key that is presented but wrong is refused even if the caller is otherwise
// known: a client should learn its key is bad. The key headers are credentials: they never leave.
import { Config } from "../config/load";
import { ErrorKind, Reply } from "../errors";
import { HeaderSnapshot } from "../headers";
import { sha256 } from "../crypto/sha256";
import { getProperty, nowMillis, setPropertyBytes, setPropertyNumber } from "../host";
import { Reservation, admit as admitToQuota, charge as chargeReservations, globalOutputCap, release } from "../consumers/quota";
import { LimitKind } from "../consumers/limits";
import { estimateTokens } from "../usage/usage";
import { ACCESS_LOG_PROPERTY, loggedTokens } from "../metrics/access-log";
import { callerIdentity } from "./caller";
import { H_CONTENT_LENGTH, H_PATH } from "./header-names";
import { NO_RESERVATIONS, RequestState } from "./state";
import { Route } from "../routing";
import { Consumer, Consumers, KEY_PREFIX } from "../consumers/config";

/** No valid credential where one is required, or a gateway key that is not valid (401, with www-authenticate). */
export const INVALID_API_KEY = new ErrorKind(401, "invalid_request_error", "invalid_api_key");
/** A known consumer calling a route or model it is not allowed (403). */
export const NOT_ALLOWED = new ErrorKind(403, "invalid_request_error", "consumer_not_allowed");
/** Sent with every 401: what credential llm-mesh expects. */
export const WWW_AUTHENTICATE = "Bearer realm=\"llm-mesh\"";

const BEARER = "bearer ";
const GOOG_KEY_HEADER = "x-goog-api-key";

/** The value of a `key=` query parameter, as sent (gateway keys need no decoding), or null. */
function queryKey(path: string): string | null {
  const q = path.indexOf("?");
  if (q < 0) return null;
  const params = path.substring(q + 1).split("&");
  for (let i = 0; i < params.length; i++) if (params[i].startsWith("key=")) return params[i].substring(4);
  return null;
}

/** The gateway key in a header value (after "Bearer " for authorization-style headers), or null. */
function presentedKey(value: string): string | null {
  let v = value.trim();
  if (v.length > BEARER.length && v.substring(0, BEARER.length).toLowerCase() == BEARER) v = v.substring(BEARER.length).trim();
  return v.startsWith(KEY_PREFIX) ? v : null;
}

/** The consumer a gateway key belongs to, or null when it is not valid. Constant time in the secret. */
function consumerForKey(c: Consumers, key: string): Consumer | null {
  const rest = key.substring(KEY_PREFIX.length);
  const sep = rest.indexOf("_");
  if (sep <= 0) return null;
  const id = rest.substring(0, sep);
  if (!c.keys.has(id)) return null;
  const stored = c.keys.get(id);
  const secret = String.UTF8.encode(rest.substring(sep + 1));
  const salt = stored.salt;
  const input = new ArrayBuffer(salt.byteLength + secret.byteLength);
  memory.copy(changetype<usize>(input), changetype<usize>(salt), <usize>salt.byteLength);
  memory.copy(changetype<usize>(input) + <usize>salt.byteLength, changetype<usize>(secret), <usize>secret.byteLength);
  const digest = sha256(changetype<usize>(input), input.byteLength);
  let diff: u32 = 0;
  for (let i = 0; i < 32; i++) diff |= <u32>(load<u8>(changetype<usize>(digest) + <usize>i) ^ load<u8>(changetype<usize>(stored.hash) + <usize>i));
  return diff == 0 ? stored.consumer : null;
}

/** Who calls: sets state.consumer (and state.principal when read). Returns a reply for a bad gateway key. */
export function identify(config: Config, headers: HeaderSnapshot, state: RequestState): Reply | null {
  const c = config.consumers;
  if (c.isEmpty()) return null;
  // The claim says who the user is: the provider has no need to know.
  const claim = c.claimHeader !== null ? headers.get(c.claimHeader!) : null;
  if (c.claimHeader !== null) headers.remove(c.claimHeader!);
  for (let i = 0; i < c.keyHeaders.length; i++) {
    const value = headers.get(c.keyHeaders[i]);
    if (value === null) continue;
    const key = presentedKey(value);
    if (key === null) continue;
    const consumer = consumerForKey(c, key!);
    // Never the key in the message: the header's name says enough.
    if (consumer === null) return unauthorized("the llm-mesh API key in " + c.keyHeaderNames[i] + " is not valid");
    return known(state, consumer!);
  }
  // Gemini clients may send their key as ?key= instead of x-goog-api-key (the path is rebuilt upstream, so it never leaves).
  if (c.keyHeaderNames.includes(GOOG_KEY_HEADER)) {
    const path = headers.get(H_PATH);
    const key = path !== null ? queryKey(path) : null;
    if (key !== null && key.startsWith(KEY_PREFIX)) {
      const consumer = consumerForKey(c, key);
      if (consumer === null) return unauthorized("the llm-mesh API key in the key query parameter is not valid");
      return known(state, consumer!);
    }
  }
  if (claim !== null) {
    if (claim.length > 0) {
      for (let i = 0; i < c.list.length; i++) if (c.list[i].claims.includes(claim)) return known(state, c.list[i]);
    }
  }
  if (c.byPrincipal) {
    const principal = callerIdentity(config);
    state.principal = principal;
    for (let i = 0; i < c.list.length; i++) if (c.list[i].hasPrincipal(principal)) return known(state, c.list[i]);
  }
  return null;
}

const P_CONSUMER = String.UTF8.encode("llm_mesh.consumer");

/** The caller is `consumer`: in the access log (filter state), and for the failover tries upstream. */
function known(state: RequestState, consumer: Consumer): Reply | null {
  state.consumer = consumer;
  setPropertyBytes(P_CONSUMER, changetype<usize>(consumer.nameBytes), consumer.nameBytes.byteLength);
  return null;
}

/** Upstream role: the consumer the downstream filter identified (its name), or "". */
export function consumerOfTry(): string {
  const name = getProperty(P_CONSUMER);
  return name !== null ? name! : "";
}

export function unauthorized(message: string): Reply {
  const reply = Reply.error(INVALID_API_KEY, message);
  reply.headerNames = ["www-authenticate"];
  reply.headerValues = [WWW_AUTHENTICATE];
  return reply;
}

/** Route time: the route may require a consumer, and the consumer may be limited to some routes. */
export function admitConsumer(state: RequestState, route: Route): Reply | null {
  const consumer = state.consumer;
  if (consumer === null) {
    if (!route.requireConsumer) return null;
    return unauthorized("llm-mesh route \"" + route.name + "\" requires a consumer: send your llm-mesh API key (Authorization: Bearer llmm_…), or call from a workload the config names");
  }
  if (!consumer.allowsRoute(route.name)) return Reply.error(NOT_ALLOWED, "consumer \"" + consumer.name + "\" may not use llm-mesh route \"" + route.name + "\"");
  return null;
}

/** A quota refused the request (429): OpenAI's type says which kind of limit. */
export const REQUESTS_LIMITED = new ErrorKind(429, "requests", "rate_limit_exceeded");
export const TOKENS_LIMITED = new ErrorKind(429, "tokens", "rate_limit_exceeded");

/**
 * Body time, before anything goes upstream: the consumer's quotas for this route and model reserve
 * the request's worst case, its input estimate (4 bytes a token) plus its output cap (`outputCap`,
 * what the client's API names, e.g. max_tokens; -1: none, the limit's defaultOutputCap). Refused:
 * 429 with Retry-After and OpenAI's x-ratelimit-* headers. For global limits the worst case goes
 * to filter state, which Envoy's rate limit filter adds to the consumer's count before it lets the
 * request go.
 */
export function admitQuota(state: RequestState, route: Route, model: string, bodyBytes: i32, outputCap: i64): Reply | null {
  const consumer = state.consumer;
  if (consumer === null || consumer.limits.length == 0) return null;
  const input = estimateTokens(<i64>bodyBytes);
  state.inputEstimate = input;
  // Headers mode reserved at header time (reserveGlobalAtHeaders): the rate limit filter has read it.
  if (consumer.hasGlobalLimits() && state.globalReserved < 0) reserveGlobal(state, input + (outputCap >= 0 ? outputCap : globalOutputCap(consumer)));
  if (state.reservations === NO_RESERVATIONS) state.reservations = new Array<Reservation>();
  const refusal = admitToQuota(consumer, route.name, model, input, outputCap, nowMillis(), state.reservations);
  if (refusal === null) return null;
  const limit = refusal.limit;
  const requests = limit.kind == LimitKind.Requests;
  const what = requests ? "requests per minute" : limit.kind == LimitKind.TokensPerMinute ? "tokens per minute" : "tokens per day";
  const seconds = (refusal.resetMs + 999) / 1000;
  const worst = " (this request may use up to " + refusal.needed.toString() + ": its input estimate and output cap";
  const detail = requests ? "" : refusal.needed > limit.max ? worst + ", more than the limit; lower max_tokens)" : worst + "; " + refusal.remaining.toString() + " remain)";
  const reply = Reply.error(requests ? REQUESTS_LIMITED : TOKENS_LIMITED, "consumer \"" + consumer.name + "\" reached its limit of " + limit.max.toString() + " " + what +
    detail + "; try again in " + seconds.toString() + " s");
  const suffix = requests ? "requests" : "tokens";
  reply.headerNames = ["retry-after", "x-ratelimit-limit-" + suffix, "x-ratelimit-remaining-" + suffix, "x-ratelimit-reset-" + suffix];
  reply.headerValues = [seconds.toString(), limit.max.toString(), refusal.remaining.toString(), seconds.toString() + "s"];
  return reply;
}

function reserveGlobal(state: RequestState, tokens: i64): void {
  state.globalReserved = tokens;
  setPropertyNumber(P_RESERVED_TOKENS, tokens);
}

/**
 * Headers mode: Envoy's rate limit filter asks the service when the headers pass, before the body
 * is read, so the global worst case is taken from content-length / 4 plus the default output cap.
 * A request naming a larger cap is charged the rest when it is done (docs/quotas.md).
 */
export function reserveGlobalAtHeaders(state: RequestState, headers: HeaderSnapshot): void {
  const consumer = state.consumer;
  if (consumer === null || !consumer.hasGlobalLimits()) return;
  const length = headers.get(H_CONTENT_LENGTH);
  const bytes = length !== null && length.length > 0 && length.length < 16 ? I64.parseInt(length) : 0;
  reserveGlobal(state, estimateTokens(bytes) + globalOutputCap(consumer));
}

const P_RESERVED_TOKENS = String.UTF8.encode("llm_mesh.reserved_tokens");
const P_UNRESERVED_TOKENS = String.UTF8.encode("llm_mesh.unreserved_tokens");

/**
 * The request is done: the consumer's reservations are set right to what it used (usedTokens). A
 * request answered here, never sent, releases them whole.
 */
export function chargeQuota(state: RequestState, fromTries: bool): void {
  if (state.reservations.length == 0) return;
  if (!state.forwarded) { release(state.reservations); return; }
  const first = state.reservations[0];
  const used = usedTokens(state, fromTries, first.input, first.cap);
  if (used >= 0) chargeReservations(state.reservations, used);
  else state.reservations.length = 0;
}

const P_TOTAL_TOKENS = String.UTF8.encode("llm_mesh.total_tokens");

/**
 * The answer has ended: for a consumer with global quotas, the tokens it used go to filter state
 * (total_tokens), and what it used beyond its reservation (unreserved_tokens), which Envoy's rate
 * limit filter adds to the consumer's count when the stream is done. The rate limit service cannot
 * give back the unused part of a reservation (docs/quotas.md).
 */
export function writeUsedTokens(state: RequestState, fromTries: bool): void {
  const consumer = state.consumer;
  if (consumer === null || !consumer.hasGlobalLimits()) return;
  let used = usedTokens(state, fromTries, state.inputEstimate, -1);
  if (used < 0) used = max<i64>(0, state.globalReserved);
  setPropertyNumber(P_TOTAL_TOKENS, used);
  setPropertyNumber(P_UNRESERVED_TOKENS, max<i64>(0, used - max<i64>(0, state.globalReserved)));
}

/**
 * Tokens a forwarded request used, -1 when it cannot be told (its reservation then stands): the
 * provider's figures when it reported them; an error answer used none; else (no usage in the
 * answer, or the client went away before it) the input estimate plus the bytes of answer received
 * / 4, at most the worst case when the request named its own cap (the provider enforces that one).
 */
function usedTokens(state: RequestState, fromTries: bool, inputEstimate: i64, cap: i64): i64 {
  const status = state.responseStatus;
  if (status.length == 3 && status.charCodeAt(0) >= 0x34) return 0;
  // A failover route's tries each wrote what they used (the access log's fields, upstream).
  if (fromTries) {
    const fields = getProperty(ACCESS_LOG_PROPERTY);
    return fields !== null ? loggedTokens(fields!) : -1;
  }
  const usage = state.translator !== null ? state.translator!.usage : state.meter !== null ? state.meter!.usage : null;
  // A 2xx llm-mesh does not read (compressed): the worst case stands.
  if (usage === null && state.responseBytes >= 0) return -1;
  const input = usage !== null && usage.inputReported ? usage.input : inputEstimate;
  if (usage !== null && usage.outputReported) return input + usage.output;
  const received = input + estimateTokens(max<i64>(0, state.responseBytes));
  return cap >= 0 ? min<i64>(received, input + cap) : received;
}

/** Body time: the consumer may be limited to some models (the client's, else the one resolved for it). */
export function admitModel(state: RequestState, model: string): Reply | null {
  const consumer = state.consumer;
  if (consumer === null || consumer.allowsModel(model)) return null;
  return Reply.error(NOT_ALLOWED, "consumer \"" + consumer.name + "\" may not use model \"" + model + "\"");
}
