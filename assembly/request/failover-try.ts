// One try of a failover route, in the pool cluster's upstream filter chain: the backend is the one
// Envoy's load balancer picked (its endpoint's metadata says which); the key is the next one not
// resting after a 429. What Envoy sees of the answer decides whether it tries again and whether
// the backend is ejected, so a rate-limited backend with no key left reads as 503 to Envoy.
import { Config } from "../config/load";
import { MISDIRECTED, Reply } from "../errors";
import { HeaderSnapshot, removeResponseHeader, responseHeader, setResponseHeader, setResponseHeaderBytes } from "../headers";
import { BufferTypeValues, getBody, getProperty, nowMillis, propertyPath, replaceBody } from "../host";
import { BAD_PROVIDER_RESPONSE, errorBody } from "../errors";
import { scanTopLevel } from "../json/scan";
import { operationApi, Operation } from "../api";
import { NOT_FOUND } from "../errors";
import { operationFor, pathOnly, takeBackend } from "./admit";
import { readGeminiPath } from "./gemini-path";
import { H_CONTENT_ENCODING, H_CONTENT_LENGTH, H_CONTENT_TYPE, H_PATH, H_STATUS, V_JSON } from "./header-names";
import { RequestState, ResponseMode } from "./state";
import { P_POOL, chooseKey, poolClusterName, recordTry, restKeyUntil, retryAfterMs, triedBackends } from "../failover/pool";
import { Backend, Route } from "../routing";

export const H_RETRY_AFTER = String.UTF8.encode("retry-after");
/** The status the client gets when Envoy was shown another (a rate-limited backend shown as 503). */
export const H_CLIENT_STATUS = String.UTF8.encode("x-llm-mesh-status");
/** Names of the backends a request was tried on, in order, on every answer of a failover route. */
export const H_TRIED = String.UTF8.encode("x-llm-mesh-backends-tried");

const P_HOST_BACKEND = propertyPath(["xds", "upstream_host_metadata", "filter_metadata", "llm-mesh", "backend"]);
const P_CLUSTER_NAME = propertyPath(["xds", "cluster_name"]);

/** What the endpoint Envoy picked for this try says it is: a route's backend, or why it cannot be used. */
export class AttemptTarget {
  route: Route | null = null;
  backend: Backend | null = null;
  problem: string | null = null;
}

/**
 * The route and backend of the pool endpoint this try goes to, from the endpoint's metadata; null
 * when the endpoint has none (not a pool: the try passes untouched, without a key). A target with
 * a problem must not be sent: its metadata names no backend of this config, or the cluster is not
 * that route's pool (a key only ever goes to its provider's own endpoint).
 */
export function attemptTarget(config: Config): AttemptTarget | null {
  const tag = getProperty(P_HOST_BACKEND);
  if (tag === null || tag.length == 0) return null;
  const slash = tag.lastIndexOf("/");
  const routeName = slash > 0 ? tag.substring(0, slash) : "";
  const index = slash > 0 ? I32.parseInt(tag.substring(slash + 1)) : -1;
  for (let i = 0; i < config.routes.length; i++) {
    const route = config.routes[i];
    if (route.name != routeName) continue;
    if (index < 0 || index >= route.backends.length || route.failover === null) break;
    const target = new AttemptTarget();
    target.route = route;
    target.backend = route.backends[index];
    const cluster = getProperty(P_CLUSTER_NAME);
    if (cluster === null || cluster != poolClusterName(route.name)) {
      target.problem = "llm-mesh added no provider key: the endpoint names route \"" + routeName + "\" but its cluster is not that route's pool (" + poolClusterName(route.name) + ")";
      return target;
    }
    // A request sent to the pool's authority by a client, not by llm-mesh's route (whose conditions
    // it would skip), gets no key.
    const pooled = getProperty(P_POOL);
    if (pooled === null || pooled != routeName) {
      target.problem = "llm-mesh added no provider key: this request reached route \"" + routeName + "\"'s pool without passing its match; call the route's own host";
    }
    return target;
  }
  const unknown = new AttemptTarget();
  unknown.problem = "llm-mesh added no provider key: the pool endpoint names backend \"" + tag + "\", which this configuration does not have (the Envoy config and the plugin config disagree; generate them together)";
  return unknown;
}

/**
 * Request headers of a try. Returns null to go on (state.backend set; left null when the endpoint
 * is not a pool's: the try passes untouched, without a key), or a local reply.
 */
export function startTry(config: Config, headers: HeaderSnapshot, state: RequestState): Reply | null {
  const target = attemptTarget(config);
  if (target === null) return null;
  if (target.problem !== null) return Reply.error(MISDIRECTED, target.problem!);
  const rawPath = headers.get(H_PATH);
  const path = pathOnly(rawPath !== null ? rawPath! : "/");
  // A Gemini client's try: the operation and model from the path, as the downstream filter read them.
  const gemini = readGeminiPath(path);
  if (gemini !== null && gemini.error === null) state.pathModel = gemini.model;
  const op = gemini !== null ? (gemini.error === null ? <i32>gemini.op : -1) : operationFor(path);
  // The downstream filter admitted the request; a path it would refuse cannot reach a pool.
  if (op < 0) return Reply.error(NOT_FOUND, "llm-mesh route \"" + target.route!.name + "\" got a path it does not serve");
  state.operation = <Operation>op;
  state.clientApi = operationApi(<Operation>op);
  return takeBackend(state, target.route!, target.backend!);
}

/** Just before the try is sent: its key, and its name on the request's list of backends tried. */
export function sendTry(state: RequestState): void {
  chooseRestedKey(state);
  recordTry(state.backend!.provider);
}

/**
 * On any route whose provider has several keys (and on every try): the next key in turn that is not
 * resting after a 429. A provider with one key, or none, keeps its plain rotation (no host call).
 */
export function chooseRestedKey(state: RequestState): void {
  const provider = state.backend!.provider;
  if (provider.keyCount() < 2 && state.route!.failover === null) return;
  const choice = chooseKey(provider, nowMillis());
  state.keyIndex = choice.index;
}

/** How long a key rests when its 429 gives no Retry-After and the route sets no rateLimitBackoffMs. */
const DEFAULT_REST_MS: i64 = 30000;

/**
 * The answer's headers, before they are vetted: a 429 rests the key that got it for its
 * Retry-After (or the backoff). Returns true when the provider has no key left to try now; on a
 * failover try the status Envoy sees then becomes 503 (see showToEnvoy).
 */
export function onTryAnswer(state: RequestState): bool {
  if (state.keyIndex == -2) return false;
  const status = responseHeader(H_STATUS);
  if (status === null || status != "429") return false;
  const now = nowMillis();
  let wait = retryAfterMs(responseHeader(H_RETRY_AFTER));
  if (wait < 0) wait = state.route!.failover !== null ? state.route!.failover!.rateLimitBackoffMs : DEFAULT_REST_MS;
  return !restKeyUntil(state.backend!.provider, state.keyIndex, now + wait, now);
}

/**
 * After vetting: names the backends tried, and shows Envoy a rate-limited backend as 503, which its
 * outlier detection counts against the backend (a 429 it would not), keeping the client's status.
 */
export function showToEnvoy(rateLimitedBackend: bool): void {
  setResponseHeader(H_TRIED, triedBackends());
  // Only llm-mesh sets this header: a provider's own would be taken for ours downstream.
  if (!rateLimitedBackend) { removeResponseHeader(H_CLIENT_STATUS); return; }
  const shown = responseHeader(H_STATUS);
  setResponseHeader(H_CLIENT_STATUS, shown !== null ? shown! : "429");
  setResponseHeader(H_STATUS, "503");
}

/** How much of the answer a try holds back from Envoy's router (holdFor). */
export enum Hold { None, FirstChunk, Whole }

/**
 * How much of a successful answer the try holds back from Envoy's router: a JSON answer whole, a
 * stream to its first chunk. Until the router sees the headers, a reset or idle timeout is a
 * failure before the answer started, which Envoy tries again elsewhere; after, it is the client's.
 */
export function holdFor(state: RequestState, endOfStream: bool): Hold {
  if (endOfStream || state.responseMode == ResponseMode.Vet || state.responseMode == ResponseMode.ReplaceAuth) return Hold.None;
  const status = responseHeader(H_STATUS);
  if (status === null || status.charCodeAt(0) != 0x32) return Hold.None;
  const stream = state.responseMode == ResponseMode.TranslateStream || state.meter !== null && state.meter!.stream;
  return stream ? Hold.FirstChunk : Hold.Whole;
}

const NO_KEYS = new StaticArray<ArrayBuffer>(0);

/**
 * The end of a held JSON answer, before it goes on: one the provider ended before it was whole (not
 * a JSON document) is replaced by an error and shown to Envoy as 502, which it tries again
 * elsewhere when 502 is retried. A translated answer is checked by its translator (answerBroken).
 */
export function vetHeldAnswer(state: RequestState, bodySize: i32): void {
  if (state.translator === null) {
    const body = bodySize > 0 ? getBody(BufferTypeValues.HttpResponseBody, 0, <u32>bodySize) : null;
    const whole = body !== null && scanTopLevel(changetype<usize>(body), body.byteLength, NO_KEYS).error === null;
    if (!whole) {
      const text = errorBody(BAD_PROVIDER_RESPONSE, "provider \"" + state.backend!.provider.name + "\" ended its answer before it was complete", state.clientApi);
      replaceBody(BufferTypeValues.HttpResponseBody, String.UTF8.encode(text));
      // Nothing more to do with it: the error goes on as it is.
      state.responseMode = ResponseMode.Pass;
      state.answerBroken = true;
      if (state.meter !== null) state.meter = null;
    }
  }
}

/** After the held answer's body step: a broken one is shown as 502, with its new length. */
export function showHeldAnswer(state: RequestState): void {
  if (!state.answerBroken) return;
  setResponseHeader(H_STATUS, BAD_PROVIDER_RESPONSE.status.toString());
  // The new body is our JSON error: its headers say so (a compressed or text answer said otherwise).
  setResponseHeaderBytes(H_CONTENT_TYPE, V_JSON);
  removeResponseHeader(H_CONTENT_ENCODING);
  removeResponseHeader(H_CONTENT_LENGTH);
}

/** Downstream: restores the status a try showed Envoy in place of its own. */
export function restoreClientStatus(): void {
  const real = responseHeader(H_CLIENT_STATUS);
  if (real === null) return;
  setResponseHeader(H_STATUS, real!);
  removeResponseHeader(H_CLIENT_STATUS);
}
