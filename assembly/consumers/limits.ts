// A consumer's limit rules as config gives them: requests per minute, tokens per minute and per
// day, optionally for a route and models only, each with its shared-data counter's key (quota.ts
// counts them).
import { JsonValue } from "../json/parse";
import { Diagnostics } from "../fields/diagnostics";
import { childPath, expectObject, indexPath, optionalArray, optionalBool, optionalInteger, optionalString, rejectUnknownFields } from "../fields/read";
import { ModelPatterns, loadModelPatterns } from "../fields/model-patterns";

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
export function loadLimits(v: JsonValue, path: string, consumerName: string, limits: LimitRule[], d: Diagnostics): void {
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
    const base = "llm-mesh/quota/" + consumerName + "/" + i.toString() + "/";
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
    limits.push(rule);
  }
}

/** A limit's default output cap when it names none: DEFAULT_OUTPUT_CAP, or a quarter of its smallest token budget. */
function defaultCapFor(tpm: i64, tpd: i64): i64 {
  let smallest: i64 = i64.MAX_VALUE;
  if (tpm > 0) smallest = tpm;
  if (tpd > 0 && tpd < smallest) smallest = tpd;
  return smallest == i64.MAX_VALUE ? DEFAULT_OUTPUT_CAP : max<i64>(1, min<i64>(DEFAULT_OUTPUT_CAP, smallest / 4));
}
