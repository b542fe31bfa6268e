// Local quotas per consumer: requests per minute, tokens per minute and per day, optionally for a
// route and models only. Counted in the VM's shared data (one counter per limit, shared by every
// worker thread of this Envoy, updated with compare-and-swap). A request is admitted by reserving
// its worst case (input estimate + output cap) before anything goes upstream; when it is done the
// reservation is set right to what it used (docs/quotas.md).
import { JsonKind, JsonValue } from "../json/parse";
import { Diagnostics } from "../fields/diagnostics";
import { childPath, expectObject, indexPath, optionalArray, optionalBool, optionalInteger, optionalString, rejectUnknownFields } from "../fields/read";
import { ModelPatterns, loadModelPatterns } from "../fields/model-patterns";
import { addToWindow } from "../host";
import { Consumer } from "./config";

const LIMIT_FIELDS = ["requestsPerMinute", "tokensPerMinute", "tokensPerDay", "route", "models", "global", "defaultOutputCap"];
/** defaultOutputCap when the limit does not name one: this, or a quarter of its smallest token budget if less. */
export const DEFAULT_OUTPUT_CAP: i64 = 4096;
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
  /** Output tokens reserved for a request that names no cap of its own (max_tokens and kin). */
  defaultOutputCap: i64 = DEFAULT_OUTPUT_CAP;
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
    const cap = optionalInteger(l, "defaultOutputCap", lPath, d, 1, 1_000_000_000, 0, "must be an integer from 1 to 1000000000");
    rule.defaultOutputCap = cap > 0 ? cap : defaultCapFor(tpm, tpd);
    if (rule.limits.length == 0 && l.get("requestsPerMinute") === null && l.get("tokensPerMinute") === null && l.get("tokensPerDay") === null) {
      d.error(lPath, "must set requestsPerMinute, tokensPerMinute or tokensPerDay");
    }
    consumer.limits.push(rule);
  }
}

/** A limit's default output cap when it names none: DEFAULT_OUTPUT_CAP, or a quarter of its smallest token budget. */
function defaultCapFor(tpm: i64, tpd: i64): i64 {
  let smallest: i64 = i64.MAX_VALUE;
  if (tpm > 0) smallest = tpm;
  if (tpd > 0 && tpd < smallest) smallest = tpd;
  return smallest == i64.MAX_VALUE ? DEFAULT_OUTPUT_CAP : max<i64>(1, min<i64>(DEFAULT_OUTPUT_CAP, smallest / 4));
}

/** The largest default output cap of the consumer's global limits (the rate limit service gets one figure). */
export function globalOutputCap(consumer: Consumer): i64 {
  let cap: i64 = 0;
  for (let i = 0; i < consumer.limits.length; i++) if (consumer.limits[i].global) cap = max<i64>(cap, consumer.limits[i].defaultOutputCap);
  return cap;
}

/**
 * The output cap a request of `consumer` gets when it names none: the smallest defaultOutputCap of
 * the limits it falls under (global ones count all its requests); -1 when none applies. llm-mesh
 * sends it upstream, so the provider enforces what the quota reserved.
 */
export function defaultOutputCapFor(consumer: Consumer, route: string, model: string): i64 {
  let cap: i64 = -1;
  for (let i = 0; i < consumer.limits.length; i++) {
    const rule = consumer.limits[i];
    if (!rule.global && !rule.matches(route, model)) continue;
    let tokens = false;
    for (let j = 0; j < rule.limits.length; j++) if (rule.limits[j].kind != LimitKind.Requests) tokens = true;
    if (tokens && (cap < 0 || rule.defaultOutputCap < cap)) cap = rule.defaultOutputCap;
  }
  return cap;
}

/** Makes every local counter exist before the first request, so that no update ever goes without compare-and-swap. */
export function prepareCounters(consumers: Consumer[], nowMs: i64): void {
  for (let c = 0; c < consumers.length; c++) {
    const rules = consumers[c].limits;
    for (let r = 0; r < rules.length; r++) {
      if (rules[r].global) continue;
      for (let i = 0; i < rules[r].limits.length; i++) {
        const limit = rules[r].limits[i];
        addToWindow(limit.key, nowMs - nowMs % limit.windowMs(), 0, i64.MAX_VALUE);
      }
    }
  }
}

/** What a request took from one of its consumer's limits, to be set right when its usage is known. */
export class Reservation {
  /**
   * `tokens`: what was reserved; `input`: the input estimate in it; `cap`: the output cap the
   * request itself named (the provider enforces it), or -1 when a default cap was reserved.
   */
  constructor(public limit: Limit, public window: i64, public tokens: i64, public input: i64, public cap: i64) {}
}

/** Why a request was refused: the limit, what it allows, when its window ends, and what the request needed. */
export class Refusal {
  constructor(public limit: Limit, public remaining: i64, public resetMs: i64, public needed: i64) {}
}

/**
 * Admits a request of `consumer` on `route` for `model` whose input is estimated at `input` tokens
 * and whose output is capped at `cap` (-1: it names no cap, the limit's defaultOutputCap is taken):
 * reserves its worst case on every matching limit, each with compare-and-swap, or refuses it (and
 * takes back what it had reserved). Reservations are added to `taken` to be set right when done.
 */
export function admit(consumer: Consumer, route: string, model: string, input: i64, cap: i64, nowMs: i64, taken: Reservation[]): Refusal | null {
  for (let r = 0; r < consumer.limits.length; r++) {
    const rule = consumer.limits[r];
    if (rule.global || !rule.matches(route, model)) continue;
    for (let i = 0; i < rule.limits.length; i++) {
      const limit = rule.limits[i];
      const size = limit.windowMs();
      const window = nowMs - nowMs % size;
      const amount = limit.kind == LimitKind.Requests ? 1 : input + (cap >= 0 ? cap : rule.defaultOutputCap);
      const after = addToWindow(limit.key, window, amount, limit.max);
      if (after < 0) {
        release(taken);
        return new Refusal(limit, max<i64>(0, limit.max - (-1 - after)), window + size - nowMs, amount);
      }
      taken.push(new Reservation(limit, window, amount, input, cap));
    }
  }
  return null;
}

/** Takes back what a request had reserved (refused by a later limit, or answered locally before it went). */
export function release(taken: Reservation[]): void {
  for (let i = 0; i < taken.length; i++) addToWindow(taken[i].limit.key, taken[i].window, -taken[i].tokens, i64.MAX_VALUE);
  taken.length = 0;
}

/** The request is done: each token reservation is set right to what the request used (the unused part released). */
export function charge(taken: Reservation[], usedTokens: i64): void {
  for (let i = 0; i < taken.length; i++) {
    const t = taken[i];
    if (t.limit.kind == LimitKind.Requests) continue;
    const delta = usedTokens - t.tokens;
    if (delta != 0) addToWindow(t.limit.key, t.window, delta, i64.MAX_VALUE);
  }
  taken.length = 0;
}

