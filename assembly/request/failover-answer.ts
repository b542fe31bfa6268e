// Downstream, the answer to a failover route's request. A try's answer was already rewritten for
// the client upstream; what is left is Envoy's own answer when no try produced one (every backend
// ejected, a timeout, a reset or refused connection), which becomes an error in the client's API
// naming the backends tried, and a status a try showed Envoy in place of its own.
import { Config } from "../config/load";
import { ErrorKind, errorBody, replyWithError } from "../errors";
import { BufferTypeValues, getProperty, propertyPath, replaceBody } from "../host";
import { removeResponseHeader, responseHeader, setResponseHeader, setResponseHeaderBytes } from "../headers";
import { H_CONTENT_LENGTH, H_CONTENT_TYPE, H_STATUS, V_JSON } from "./header-names";
import { RequestState, backendWord } from "./state";
import { H_TRIED, restoreClientStatus } from "./failover-try";
import { poolClusterName, triedBackends } from "../failover/pool";

/** Every backend of the route is ejected (or none could be reached) and no try was made or answered. */
export const ALL_BACKENDS_FAILED = new ErrorKind(503, "server_error", "all_backends_failed");
/** The route's or a try's time ran out before an answer started. */
export const UPSTREAM_TIMEOUT = new ErrorKind(504, "server_error", "upstream_timeout");
/** The last try's connection was refused or reset before an answer started. */
export const UPSTREAM_UNREACHABLE = new ErrorKind(502, "server_error", "upstream_unreachable");
/** Envoy's rate limit filter refused the request: a consumer's global quota (ratelimit service) is reached. */
export const GLOBAL_LIMITED = new ErrorKind(429, "requests", "rate_limit_exceeded");
/** A pool cluster without llm-mesh's upstream filter: the tries went out unrewritten, keyless. */
export const POOL_MISCONFIGURED = new ErrorKind(500, "server_error", "llm_mesh.pool_without_filter");

const P_CODE_DETAILS = propertyPath(["response", "code_details"]);

/** Response headers of a pooled request. */
export function onPoolAnswer(config: Config, state: RequestState): void {
  const details = responseDetails();
  const status = responseHeader(H_STATUS);
  if (status !== null) state.responseStatus = status!;
  const route = state.route!;
  if (details !== null && details == "via_upstream") {
    // Every try records itself upstream; none recorded means no llm-mesh filter rewrote it.
    if (triedBackends().length > 0) { restoreClientStatus(); return; }
    replaceAnswer(state, POOL_MISCONFIGURED, "llm-mesh route \"" + route.name + "\" sent this request to cluster " + poolClusterName(route.name) +
      ", which has no llm-mesh upstream filter, so no backend rewrite or key was applied; generate the Envoy config with llm-mesh envoy or llm-mesh manifests");
    return;
  }
  // llm-mesh's own answers (a try refused upstream) are in the client's shape already.
  if (!isEnvoyAnswer(details)) return;
  const why = details!;
  const tried = triedBackends();
  const triedText = tried.length > 0 ? " (backends tried: " + tried.split(",").join(", ") + ")" : " (no backend could be tried)";
  const failed = "llm-mesh route \"" + route.name + "\": ";
  const kind = envoyAnswerKind(why);
  if (kind === GLOBAL_LIMITED) replaceAnswer(state, kind, globalLimitMessage(state));
  else if (why == "no_healthy_upstream") replaceAnswer(state, kind, failed + "every backend is ejected after recent failures, and is tried again when its backoff ends" + triedText);
  else if (kind === UPSTREAM_TIMEOUT) replaceAnswer(state, kind, failed + "no backend answered in time (" + why + ")" + triedText);
  else if (kind === UPSTREAM_UNREACHABLE) replaceAnswer(state, kind, failed + "the last try failed before an answer started (" + safeDetails(why) + ")" + triedText);
  else replaceAnswer(state, kind, failed + "no backend answered (" + safeDetails(why) + ")" + triedText);
  if (tried.length > 0) setResponseHeader(H_TRIED, tried);
}

/** An answer Envoy made itself (a timeout, a refused connection, no healthy host), not a provider's or llm-mesh's. */
export function isEnvoyAnswer(details: string | null): bool {
  return details !== null && details.length > 0 && details != "via_upstream" && !details.startsWith("llm_mesh");
}

export function envoyAnswerKind(details: string): ErrorKind {
  if (details == "request_rate_limited") return GLOBAL_LIMITED;
  if (details.includes("timeout")) return UPSTREAM_TIMEOUT;
  if (details.startsWith("upstream_reset") || details.includes("connect") || details.includes("overflow")) return UPSTREAM_UNREACHABLE;
  return ALL_BACKENDS_FAILED;
}

/** Reads Envoy's response code details (one host call; only error answers need it). */
export function responseDetails(): string | null {
  return getProperty(P_CODE_DETAILS);
}

/**
 * A plain route's error that Envoy made itself (its provider timed out, refused or reset the
 * connection): an error in the client's API naming the provider, instead of Envoy's text.
 */
export function replaceEnvoyAnswer(state: RequestState, details: string): void {
  const provider = backendWord(state) + " \"" + state.backend!.provider.name + "\"";
  const kind = envoyAnswerKind(details);
  if (kind === GLOBAL_LIMITED) { replaceAnswer(state, kind, globalLimitMessage(state)); return; }
  const what = kind === UPSTREAM_TIMEOUT ? provider + " did not answer in time"
    : kind === UPSTREAM_UNREACHABLE ? "the connection to " + provider + " failed before an answer started"
    : "Envoy got no answer from " + provider;
  replaceAnswer(state, kind, what + " (" + safeDetails(details) + ")");
}

function globalLimitMessage(state: RequestState): string {
  const who = state.consumer !== null ? "consumer \"" + state.consumer!.name + "\"" : "this consumer";
  return who + " reached a global limit (kept across all proxies); x-ratelimit-reset says when it resets";
}

/** Envoy's details hold a transport failure reason; it names no secret, but keep it short and printable. */
function safeDetails(details: string): string {
  let out = details.length > 200 ? details.substring(0, 200) : details;
  for (let i = 0; i < out.length; i++) {
    const c = out.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return out.substring(0, i);
  }
  return out;
}

/** Headers of Envoy's own answer a client can use (when to try again), kept in ours. */
const KEPT_HEADERS = ["retry-after", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"];

function replaceAnswer(state: RequestState, kind: ErrorKind, message: string): void {
  if (state.responseHeadersEnd) {
    // Envoy's answer has no body (the rate limit filter's 429): ours is sent in its place, whole.
    const names = new Array<string>();
    const values = new Array<string>();
    for (let i = 0; i < KEPT_HEADERS.length; i++) {
      const value = responseHeader(String.UTF8.encode(KEPT_HEADERS[i]));
      if (value !== null) { names.push(KEPT_HEADERS[i]); values.push(value!); }
    }
    replyWithError(kind, message, state.clientApi, names, values);
    return;
  }
  state.envoyAnswer = errorBody(kind, message, state.clientApi);
  setResponseHeader(H_STATUS, kind.status.toString());
  setResponseHeaderBytes(H_CONTENT_TYPE, V_JSON);
  removeResponseHeader(H_CONTENT_LENGTH);
}

/** A chunk of Envoy's own answer: replaced by ours (first chunk) or dropped. True to continue. */
export function onEnvoyAnswerBody(state: RequestState): bool {
  const reply = state.envoyAnswer;
  if (reply === null) return true;
  replaceBody(BufferTypeValues.HttpResponseBody, reply.length > 0 ? String.UTF8.encode(reply) : new ArrayBuffer(0));
  state.envoyAnswer = "";
  return true;
}
