// A route's failover policy and timeouts, compiled once. Envoy does the re-sending (the router's
// retry policy, outlier detection on the route's backend pool); the toolchain emits that config
// from these same fields. The filter itself needs only what happens per attempt: which statuses
// count, and how long a key that answered 429 without a Retry-After is rested.
import { JsonValue } from "../json/parse";
import { Diagnostics } from "../fields/diagnostics";
import { childPath, expectObject, indexPath, optionalArray, optionalInteger, rejectUnknownFields } from "../fields/read";

const FAILOVER_FIELDS = ["attempts", "retryOn", "perTryTimeoutMs", "perTryIdleTimeoutMs", "rateLimitBackoffMs", "ejection"];
const EJECTION_FIELDS = ["consecutiveFailures", "baseMs", "maxMs", "intervalMs"];
const TIMEOUT_FIELDS = ["requestMs", "streamIdleMs"];

/** Statuses retried on another backend when the config names none (connect failures, resets and timeouts always are). */
export const DEFAULT_RETRY_ON: i32[] = [429, 500, 502, 503, 504];

export class Ejection {
  consecutiveFailures: i32 = 3;
  baseMs: i64 = 10000;
  maxMs: i64 = 300000;
  intervalMs: i64 = 5000;
}

export class FailoverPolicy {
  /** Tries in all, the first included. */
  attempts: i32 = 3;
  retryOn: i32[] = DEFAULT_RETRY_ON;
  /** A try's whole time, its answer included (so it also limits streams); 0: none. */
  perTryTimeoutMs: i64 = 0;
  /** The longest a try may go without a byte from the provider; 0: none. */
  perTryIdleTimeoutMs: i64 = 0;
  /** How long a key that answered 429 rests when the answer gives no Retry-After. */
  rateLimitBackoffMs: i64 = 30000;
  ejection: Ejection = new Ejection();

  retries(status: i32): bool { return this.retryOn.includes(status); }
}

export class RouteTimeouts {
  /** Whole request, response included (Envoy's route timeout); 0: none. Envoy's own default, 15 s, would cut long streams. */
  requestMs: i64 = 600000;
  /** Longest silence in either direction once the request is under way (Envoy's route idle_timeout). */
  streamIdleMs: i64 = 300000;
}

const HOUR_MS: i64 = 3600 * 1000;

/** `routes[i].failover`, or null when absent. */
export function loadFailover(v: JsonValue | null, path: string, d: Diagnostics): FailoverPolicy | null {
  if (v === null || !expectObject(v, path, d)) return null;
  rejectUnknownFields(v, path, FAILOVER_FIELDS, d);
  const p = new FailoverPolicy();
  p.attempts = <i32>optionalInteger(v, "attempts", path, d, 1, 10, 3, "must be an integer from 1 to 10 (tries in all, the first included)");
  p.perTryTimeoutMs = optionalInteger(v, "perTryTimeoutMs", path, d, 0, HOUR_MS, 0, "must be an integer from 0 (none) to 3600000 ms");
  p.perTryIdleTimeoutMs = optionalInteger(v, "perTryIdleTimeoutMs", path, d, 0, HOUR_MS, 0, "must be an integer from 0 (none) to 3600000 ms");
  p.rateLimitBackoffMs = optionalInteger(v, "rateLimitBackoffMs", path, d, 1, HOUR_MS, 30000, "must be an integer from 1 to 3600000 ms");
  const statuses = optionalArray(v, "retryOn", path, d);
  if (statuses !== null) {
    const rPath = childPath(path, "retryOn");
    if (statuses.length == 0) d.error(rPath, "must list at least one status (leave it out for 429, 500, 502, 503, 504)");
    const list = new Array<i32>();
    for (let i = 0; i < statuses.length; i++) {
      const s = statuses[i];
      const n = s.isInteger() ? <i32>s.numberValue : 0;
      if (!(n == 408 || n == 409 || n == 429 || n >= 500 && n <= 599)) {
        d.error(indexPath(rPath, i), "must be 408, 409, 429 or a status from 500 to 599 (other 4xx are the client's own mistakes, the same on every backend)");
        continue;
      }
      list.push(<i32>s.numberValue);
    }
    p.retryOn = list;
  }
  const ejection = v.get("ejection");
  if (ejection !== null) {
    const ePath = childPath(path, "ejection");
    if (expectObject(ejection, ePath, d)) {
      rejectUnknownFields(ejection, ePath, EJECTION_FIELDS, d);
      const e = p.ejection;
      e.consecutiveFailures = <i32>optionalInteger(ejection, "consecutiveFailures", ePath, d, 1, 1000, 3, "must be an integer from 1 to 1000");
      e.baseMs = optionalInteger(ejection, "baseMs", ePath, d, 1, HOUR_MS, 10000, "must be an integer from 1 to 3600000 ms");
      e.maxMs = optionalInteger(ejection, "maxMs", ePath, d, 1, 24 * HOUR_MS, 300000, "must be an integer from 1 to 86400000 ms");
      e.intervalMs = optionalInteger(ejection, "intervalMs", ePath, d, 1, HOUR_MS, 5000, "must be an integer from 1 to 3600000 ms");
      if (e.maxMs < e.baseMs) d.error(childPath(ePath, "maxMs"), "must be at least baseMs");
    }
  }
  return p;
}

/** `routes[i].timeouts`; the defaults when absent. */
export function loadTimeouts(v: JsonValue | null, path: string, d: Diagnostics): RouteTimeouts {
  const t = new RouteTimeouts();
  if (v === null || !expectObject(v, path, d)) return t;
  rejectUnknownFields(v, path, TIMEOUT_FIELDS, d);
  t.requestMs = optionalInteger(v, "requestMs", path, d, 0, 24 * HOUR_MS, 600000, "must be an integer from 0 (none) to 86400000 ms");
  t.streamIdleMs = optionalInteger(v, "streamIdleMs", path, d, 1, 24 * HOUR_MS, 300000, "must be an integer from 1 to 86400000 ms");
  return t;
}
