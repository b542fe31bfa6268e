// Body time, for a consumer's token quotas: the output cap that goes upstream (the client's, the
// provider's configured one), and the cap llm-mesh adds to a request that names none, so that the
// provider enforces what the quota reserves (docs/quotas.md).
import { OUTPUT_CAP_KEY } from "../config/load";
import { OUTPUT_CAP_FIELDS, QUOTA_FIELDS, defaultCapOf, outputCapField } from "../consumers/output-cap";
import { defaultOutputCapFor } from "../consumers/quota";
import { GeminiCapRead, geminiCapEdit } from "../consumers/gemini-cap";
import { ScanResult, ValueSpan } from "../json/scan";
import { Edit, jsonString } from "../json/splice";
import { BodyField, Provider } from "../providers/provider";
import { Route } from "../routing";
import { RequestState } from "./state";

/** The spans of the fields quotas read (QUOTA_FIELDS), in their order. */
export function capSpans(spans: StaticArray<ValueSpan>): ValueSpan[] {
  return capSpansInto(new Array<ValueSpan>(QUOTA_FIELDS.length), spans);
}

/** capSpans into an array of QUOTA_FIELDS.length the caller keeps. */
export function capSpansInto(out: ValueSpan[], spans: StaticArray<ValueSpan>): ValueSpan[] {
  for (let i = 0; i < QUOTA_FIELDS.length; i++) out[i] = spans[OUTPUT_CAP_KEY + i];
  return out;
}

function configured(fields: BodyField[], key: string): string | null {
  for (let i = 0; i < fields.length; i++) if (fields[i].key == key) return String.UTF8.decode(fields[i].valueJson);
  return null;
}

/** The output cap that goes upstream: the provider's override of a cap field, else the client's, else the provider's default. */
export function providerOutputCap(provider: Provider, scan: ScanResult, clientCap: i64): i64 {
  let cap = clientCap;
  for (let i = 0; i < OUTPUT_CAP_FIELDS.length; i++) {
    const key = OUTPUT_CAP_FIELDS[i];
    const forced = configured(provider.overrides, key);
    const fallback = scan.spans[OUTPUT_CAP_KEY + i].count == 0 ? configured(provider.defaults, key) : null;
    const value = forced !== null ? forced : fallback;
    if (value === null) continue;
    // The larger one: the client's other cap fields still go upstream beside an override.
    cap = max<i64>(cap, I64.parseInt(value!));
  }
  return cap;
}

/** The chat cap field every backend of a failover route takes, else max_tokens (the one most servers read). */
export function poolMaxTokensField(route: Route): string {
  const backends = route.backends;
  const first = backends.length > 0 ? backends[0].provider.maxTokensField() : "max_tokens";
  for (let i = 1; i < backends.length; i++) if (backends[i].provider.maxTokensField() != first) return "max_tokens";
  return first;
}

/** The edit that adds a cap to a body, and the cap. */
export class CapEdit {
  constructor(public edit: Edit, public cap: i64) {}
}

/**
 * A request that names no output cap (`clientCap` -1), from a consumer with token quotas: the edit
 * that adds the limits' default cap in the client's API (`chatField` for chat; Gemini's
 * generationConfig.maxOutputTokens when `gemini` is read), never above the backend model's `limit`
 * (-1: none known). Null when nothing is to be added.
 */
export function quotaCapEdit(state: RequestState, scan: ScanResult, gemini: GeminiCapRead | null, clientCap: i64, model: string, chatField: string, limit: i64): CapEdit | null {
  const consumer = state.consumer;
  if (consumer === null || clientCap >= 0) return null;
  const field = outputCapField(state.operation, chatField);
  if (field.length == 0 && gemini === null) return null;
  let cap = defaultCapOf(state.operation, defaultOutputCapFor(consumer, state.route!.name, model));
  if (cap < 0) return null;
  if (limit >= 0 && cap > limit) cap = limit;
  if (gemini !== null) return new CapEdit(geminiCapEdit(gemini, scan.closeBrace, scan.memberCount, cap), cap);
  // A field the client sent as null is given the value (a second member of that name would be a duplicate).
  const present = scan.spans[OUTPUT_CAP_KEY + OUTPUT_CAP_FIELDS.indexOf(field)];
  const text = String.UTF8.encode(present.count == 1 ? cap.toString() : (scan.memberCount > 0 ? "," : "") + jsonString(field) + ":" + cap.toString());
  return new CapEdit(present.count == 1 ? new Edit(present.start, present.end, text) : new Edit(scan.closeBrace, scan.closeBrace, text), cap);
}
