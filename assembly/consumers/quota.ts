// Local quotas per consumer: requests per minute, tokens per minute and per day, optionally for a
// route and models only. Counted in the VM's shared data (one counter per limit, shared by every
// worker thread of this Envoy, updated with compare-and-swap). A request is admitted by reserving
// its worst case (input estimate + output cap) before anything goes upstream; when it is done the
// reservation is set right to what it used (docs/quotas.md).
import { addToWindow } from "../host";
import { Consumer } from "./config";
import { Limit, LimitKind } from "./limits";

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

