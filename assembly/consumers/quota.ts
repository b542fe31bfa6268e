// Local quotas per consumer: requests per minute, tokens per minute and per day, optionally for a
// route and models only. Counted in the VM's shared data (one counter per limit, shared by every
// worker thread of this Envoy, updated with compare-and-swap); a request is admitted on an estimate
// of its tokens (its body's bytes / 4) and, when its answer is done, charged what it really used.
import { JsonKind, JsonValue } from "../json/parse";
import { Diagnostics } from "../config/diagnostics";
import { childPath, expectObject, indexPath, loadModelPatterns, optionalArray, optionalBool, optionalInteger, optionalString, rejectUnknownFields } from "../config/fields";
import { ModelPatterns } from "../routing";
import { addToWindow } from "../host";
import { Consumer } from "./config";

const LIMIT_FIELDS = ["requestsPerMinute", "tokensPerMinute", "tokensPerDay", "route", "models", "global"];
const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;

export enum LimitKind { Requests, TokensPerMinute, TokensPerDay }

/** One limit of one consumer's rule, with its shared-data counter. */
export class Limit {
  key: ArrayBuffer;
  constructor(public kind: LimitKind, public max: i64, name: string) { this.key = String.UTF8.encode(name); }
  windowMs(): i64 { return this.kind == LimitKind.TokensPerDay ? DAY_MS : MINUTE_MS; }
}

/** A consumer's limit rule: all its limits apply to the requests it matches. */
export class LimitRule {
  /** Kept by Envoy's rate limit service across Envoys (ratelimit/ in the toolchain), not counted here. */
  global: bool = false;
  route: string | null = null;
  models: ModelPatterns | null = null;
  limits: Limit[] = [];
  matches(route: string, model: string): bool {
    return (this.route === null || this.route! == route) && (this.models === null || this.models!.matches(model));
  }
}

/** `consumers[i].limits`. */
export function loadLimits(v: JsonValue, path: string, consumer: Consumer, d: Diagnostics): void {
  const list = optionalArray(v, "limits", path, d);
  if (list === null) return;
  for (let i = 0; i < list.length; i++) {
    const lPath = indexPath(childPath(path, "limits"), i);
    const l = list[i];
    if (!expectObject(l, lPath, d)) continue;
    rejectUnknownFields(l, lPath, LIMIT_FIELDS, d);
    const rule = new LimitRule();
    rule.global = optionalBool(l, "global", lPath, d, false);
    rule.route = optionalString(l, "route", lPath, d);
    if (rule.global && (l.get("route") !== null || l.get("models") !== null)) d.error(lPath, "a global limit counts all the consumer's requests: route and models cannot narrow it");
    rule.models = loadModelPatterns(l, "models", lPath, d);
    const base = "llm-mesh/quota/" + consumer.name + "/" + i.toString() + "/";
    const rpm = optionalInteger(l, "requestsPerMinute", lPath, d, 1, 1_000_000_000, 0, "must be an integer from 1 to 1000000000");
    const tpm = optionalInteger(l, "tokensPerMinute", lPath, d, 1, 1_000_000_000_000, 0, "must be an integer from 1 to 1000000000000");
    const tpd = optionalInteger(l, "tokensPerDay", lPath, d, 1, 1_000_000_000_000, 0, "must be an integer from 1 to 1000000000000");
    if (rpm > 0) rule.limits.push(new Limit(LimitKind.Requests, rpm, base + "requests"));
    if (tpm > 0) rule.limits.push(new Limit(LimitKind.TokensPerMinute, tpm, base + "tokens-minute"));
    if (tpd > 0) rule.limits.push(new Limit(LimitKind.TokensPerDay, tpd, base + "tokens-day"));
    if (rule.limits.length == 0 && l.get("requestsPerMinute") === null && l.get("tokensPerMinute") === null && l.get("tokensPerDay") === null) {
      d.error(lPath, "must set requestsPerMinute, tokensPerMinute or tokensPerDay");
    }
    consumer.limits.push(rule);
  }
}

/** What a request took from its consumer's token limits, to be set right when its usage is known. */
export class Reservation {
  constructor(public limit: Limit, public window: i64, public tokens: i64) {}
}

/** Why a request was refused: the limit, what it allows and when its window ends. */
export class Refusal {
  constructor(public limit: Limit, public remaining: i64, public resetMs: i64) {}
}

/**
 * Admits a request of `consumer` on `route` for `model`, estimated at `tokens`: counts it against
 * every matching limit, or refuses it (and takes back what it had counted). Reservations are added
 * to `taken` so the real usage can be charged later.
 */
export function admit(consumer: Consumer, route: string, model: string, tokens: i64, nowMs: i64, taken: Reservation[]): Refusal | null {
  for (let r = 0; r < consumer.limits.length; r++) {
    const rule = consumer.limits[r];
    if (rule.global || !rule.matches(route, model)) continue;
    for (let i = 0; i < rule.limits.length; i++) {
      const limit = rule.limits[i];
      const size = limit.windowMs();
      const window = nowMs - nowMs % size;
      const amount = limit.kind == LimitKind.Requests ? 1 : tokens;
      const after = addToWindow(limit.key, window, amount, limit.max);
      if (after < 0) {
        release(taken);
        return new Refusal(limit, max<i64>(0, limit.max - (-1 - after)), window + size - nowMs);
      }
      taken.push(new Reservation(limit, window, amount));
    }
  }
  return null;
}

/** Takes back what a refused request had counted. */
function release(taken: Reservation[]): void {
  for (let i = 0; i < taken.length; i++) addToWindow(taken[i].limit.key, taken[i].window, -taken[i].tokens, i64.MAX_VALUE);
  taken.length = 0;
}

/** The answer is done: token limits are charged what the request really used (its estimate set right). */
export function charge(taken: Reservation[], usedTokens: i64): void {
  for (let i = 0; i < taken.length; i++) {
    const t = taken[i];
    if (t.limit.kind == LimitKind.Requests) continue;
    const delta = usedTokens - t.tokens;
    if (delta != 0) addToWindow(t.limit.key, t.window, delta, i64.MAX_VALUE);
  }
  taken.length = 0;
}

