// The `metrics` config section and provider price tables, compiled once per configuration.
import { JsonKind, JsonValue } from "../json/parse";
import { Diagnostics } from "../fields/diagnostics";
import { childPath, expectObject, optionalBool, optionalString, rejectUnknownFields } from "../fields/read";
import { jsonString } from "../json/splice";

const METRICS_FIELDS = ["enabled", "models", "currency", "trustDomain", "accessLog"];
const PRICE_FIELDS = ["input", "output", "cachedInput", "cacheWrite", "cacheWrite1h"];

export class MetricsConfig {
  /** Read usage from answers and record metrics; off, answers pass as before (no body reads). */
  enabled: bool = true;
  /** Record any model name as a label; by default a model the config does not name is "other". */
  anyModel: bool = false;
  currency: string = "USD";
  /** For the calling workload's SPIFFE id when only node metadata names it (sidecar outbound). */
  trustDomain: string = "cluster.local";
  /** Write route, backend, models, tokens and time to first token as filter state for access logs. */
  accessLog: bool = true;
  /** Every model name the config mentions: labels outside this set read "other". */
  knownModels: Set<string> = new Set<string>();
  /** The config has consumers: metrics carry llm_mesh_consumer ("none" for requests of nobody known). */
  consumerLabel: bool = false;
}

/** Prices per million tokens, in the configured currency: so a token costs `price` micro-units. */
export class Price {
  /** cacheWrite: tokens written to the prompt cache (Anthropic's 5-minute writes, Bedrock's); cacheWrite1h: Anthropic's 1-hour writes. */
  constructor(public input: f64, public output: f64, public cachedInput: f64, public cacheWrite: f64 = input, public cacheWrite1h: f64 = cacheWrite) {}
}

/** A provider's price table: exact model names, `prefix*`, and `*` for the rest. */
export class PriceTable {
  exact: Map<string, Price> = new Map();
  prefixes: string[] = [];
  prefixPrices: Price[] = [];
  fallback: Price | null = null;

  isEmpty(): bool { return this.exact.size == 0 && this.prefixes.length == 0 && this.fallback === null; }

  /** The price of `model` (exact, then the longest prefix, then `*`), or null when unpriced. */
  find(model: string): Price | null {
    if (this.exact.has(model)) return this.exact.get(model);
    let best = -1;
    for (let i = 0; i < this.prefixes.length; i++) {
      if (model.startsWith(this.prefixes[i]) && (best < 0 || this.prefixes[i].length > this.prefixes[best].length)) best = i;
    }
    return best >= 0 ? this.prefixPrices[best] : this.fallback;
  }
}

export function loadMetricsConfig(root: JsonValue, d: Diagnostics): MetricsConfig {
  const config = new MetricsConfig();
  const v = root.get("metrics");
  if (v === null || !expectObject(v, "metrics", d)) return config;
  rejectUnknownFields(v, "metrics", METRICS_FIELDS, d);
  config.enabled = optionalBool(v, "enabled", "metrics", d, true);
  config.accessLog = optionalBool(v, "accessLog", "metrics", d, true);
  const models = optionalString(v, "models", "metrics", d);
  if (models !== null) {
    if (models == "any") config.anyModel = true;
    else if (models != "known") d.error("metrics.models", "must be \"known\" (models the config does not name are recorded as \"other\") or \"any\" (every model name the client or provider gives; unbounded labels)");
  }
  const currency = optionalString(v, "currency", "metrics", d);
  if (currency !== null) {
    if (!isCurrency(currency)) d.error("metrics.currency", "must be a currency code of 3 upper-case letters, such as USD");
    else config.currency = currency;
  }
  const trustDomain = optionalString(v, "trustDomain", "metrics", d);
  if (trustDomain !== null) {
    if (!isDnsName(trustDomain)) d.error("metrics.trustDomain", "must be a trust domain such as cluster.local (letters, digits, '-' and '.')");
    else config.trustDomain = trustDomain;
  }
  return config;
}

/**
 * `prices`: {"model" | "prefix*" | "*": {"input": n, "output": n, "cachedInput"?: n, "cacheWrite"?: n, "cacheWrite1h"?: n}}
 * per million tokens. cachedInput and cacheWrite default to input (no discount, no surcharge), cacheWrite1h to cacheWrite.
 */
export function loadPrices(v: JsonValue | null, path: string, d: Diagnostics): PriceTable {
  const table = new PriceTable();
  if (v === null || !expectObject(v, path, d)) return table;
  for (let i = 0; i < v.keys.length; i++) {
    const model = v.keys[i];
    const entryPath = path + "[" + jsonString(model) + "]";
    const p = v.items[i];
    if (model.length == 0 || model.indexOf("*") >= 0 && model.indexOf("*") != model.length - 1) { d.error(entryPath, "must be a model name, a prefix ending in '*', or '*'"); continue; }
    if (!expectObject(p, entryPath, d)) continue;
    rejectUnknownFields(p, entryPath, PRICE_FIELDS, d);
    const input = priceField(p, "input", entryPath, d, -1);
    const output = priceField(p, "output", entryPath, d, -1);
    if (p.get("input") === null) d.error(childPath(entryPath, "input"), "is required (price per million tokens)");
    if (p.get("output") === null) d.error(childPath(entryPath, "output"), "is required (price per million tokens)");
    if (input < 0 || output < 0) continue;
    const cacheWrite = priceField(p, "cacheWrite", entryPath, d, input);
    const price = new Price(input, output, priceField(p, "cachedInput", entryPath, d, input), cacheWrite, priceField(p, "cacheWrite1h", entryPath, d, cacheWrite));
    if (model == "*") table.fallback = price;
    else if (model.endsWith("*")) { table.prefixes.push(model.substring(0, model.length - 1)); table.prefixPrices.push(price); }
    else table.exact.set(model, price);
  }
  return table;
}

function priceField(obj: JsonValue, key: string, path: string, d: Diagnostics, fallback: f64): f64 {
  const v = obj.get(key);
  if (v === null) return fallback;
  if (v.kind != JsonKind.Number || v.numberValue < 0 || v.numberValue > 1e6) {
    d.error(childPath(path, key), "must be a number from 0 to 1000000 (price per million tokens)");
    return -1;
  }
  return v.numberValue;
}

function isCurrency(s: string): bool {
  if (s.length != 3) return false;
  for (let i = 0; i < 3; i++) { const c = s.charCodeAt(i); if (c < 0x41 || c > 0x5a) return false; }
  return true;
}

function isDnsName(s: string): bool {
  if (s.length == 0 || s.length > 253) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x2e;
    if (!ok) return false;
  }
  return true;
}
