// One try of a failover route, in the pool cluster's upstream filter chain: the backend is the one
// Envoy's load balancer picked (its endpoint's metadata says which); the key is the next one not
// resting after a 429. What Envoy sees of the answer decides whether it tries again and whether
// the backend is ejected, so a rate-limited backend with no key left reads as 503 to Envoy.
import { Config } from "../config/load";
import { MISDIRECTED } from "../errors";
import { HeaderSnapshot } from "../headers";
import { RESPONSE_HEADERS, getHeader, nowMillis, removeHeader, setHeader } from "../host";
import { operationApi } from "../providers/provider";
import { Operation } from "../providers/provider";
import { NOT_FOUND } from "../errors";
import { operationFor, pathOnly, takeBackend } from "../request/admit";
import { H_PATH, H_STATUS } from "../request/header-names";
import { Reply, RequestState } from "../request/state";
import { attemptTarget, chooseKey, recordTry, restKeyUntil, retryAfterMs, triedBackends } from "./pool";

export const H_RETRY_AFTER = String.UTF8.encode("retry-after");
/** The status the client gets when Envoy was shown another (a rate-limited backend shown as 503). */
export const H_CLIENT_STATUS = String.UTF8.encode("x-llm-mesh-status");
/** Names of the backends a request was tried on, in order, on every answer of a failover route. */
export const H_TRIED = String.UTF8.encode("x-llm-mesh-backends-tried");

/**
 * Request headers of a try. Returns null to go on (state.backend set, or state.settled when the
 * endpoint is not a pool's: the try passes untouched, without a key), or a local reply.
 */
export function startTry(config: Config, headers: HeaderSnapshot, state: RequestState): Reply | null {
  const target = attemptTarget(config);
  if (target === null) { state.settled = true; return null; }
  if (target.problem !== null) return Reply.error(MISDIRECTED, target.problem!);
  const rawPath = headers.get(H_PATH);
  const op = operationFor(pathOnly(rawPath !== null ? rawPath! : "/"));
  // The downstream filter admitted the request; a path it would refuse cannot reach a pool.
  if (op < 0) return Reply.error(NOT_FOUND, "llm-mesh route \"" + target.route!.name + "\" got a path it does not serve");
  state.operation = <Operation>op;
  state.clientApi = operationApi(<Operation>op);
  return takeBackend(state, target.route!, target.backend!);
}

/** Just before the try is sent: its key, and its name on the request's list of backends tried. */
export function sendTry(state: RequestState): void {
  const choice = chooseKey(state.backend!.provider, nowMillis());
  state.keyIndex = choice.index;
  state.keysAllResting = choice.allResting;
  recordTry(state.backend!);
}

/**
 * The answer's headers, before they are vetted: a 429 rests the key for its Retry-After (or the
 * policy's backoff). Returns true when the provider has no key left to try now: the status Envoy
 * sees then becomes 503 (see showToEnvoy).
 */
export function onTryAnswer(state: RequestState): bool {
  const status = getHeader(RESPONSE_HEADERS, H_STATUS);
  if (status === null || status != "429") return false;
  const now = nowMillis();
  let wait = retryAfterMs(getHeader(RESPONSE_HEADERS, H_RETRY_AFTER));
  if (wait < 0) wait = state.route!.failover!.rateLimitBackoffMs;
  return !restKeyUntil(state.backend!.provider, state.keyIndex, now + wait, now);
}

/**
 * After vetting: names the backends tried, and shows Envoy a rate-limited backend as 503, which its
 * outlier detection counts against the backend (a 429 it would not), keeping the client's status.
 */
export function showToEnvoy(rateLimitedBackend: bool): void {
  setHeader(RESPONSE_HEADERS, H_TRIED, triedBackends());
  // Only llm-mesh sets this header: a provider's own would be taken for ours downstream.
  if (!rateLimitedBackend) { removeHeader(RESPONSE_HEADERS, H_CLIENT_STATUS); return; }
  const shown = getHeader(RESPONSE_HEADERS, H_STATUS);
  setHeader(RESPONSE_HEADERS, H_CLIENT_STATUS, shown !== null ? shown! : "429");
  setHeader(RESPONSE_HEADERS, H_STATUS, "503");
}

/** Downstream: restores the status a try showed Envoy in place of its own. */
export function restoreClientStatus(): void {
  const real = getHeader(RESPONSE_HEADERS, H_CLIENT_STATUS);
  if (real === null) return;
  setHeader(RESPONSE_HEADERS, H_STATUS, real!);
  removeHeader(RESPONSE_HEADERS, H_CLIENT_STATUS);
}
