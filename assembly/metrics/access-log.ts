// The access log's llm-mesh fields: one JSON object in one Envoy filter-state value,
// %FILTER_STATE(wasm.llm_mesh.log:PLAIN)% (one host call per request where a value per field took
// five; docs/metrics.md). A failover try writes it upstream, and the request's own filter reads
// the tokens back from it (quotas charged what the tries used).
import { scanTopLevel } from "../json/scan";
import { JsonWriter } from "../json/writer";
import { Measurement, UsageSource } from "./measurement";

/** The filter-state name (Envoy: wasm.llm_mesh.log). */
export const ACCESS_LOG_PROPERTY = String.UTF8.encode("llm_mesh.log");

/** The fields' keys and the usage sources, as the bytes written (a key's comma is written before it). */
const ROUTE_KEY = String.UTF8.encode("\"route\":");
const RESPONSE_MODEL_KEY = String.UTF8.encode("\"response_model\":");
const INPUT_TOKENS_KEY = String.UTF8.encode("\"input_tokens\":");
const OUTPUT_TOKENS_KEY = String.UTF8.encode(",\"output_tokens\":");
const TTFT_KEY = String.UTF8.encode("\"ttft_ms\":");
const USAGE_ENDS: ArrayBuffer[] = [
  String.UTF8.encode("\"usage\":\"reported\"}"), String.UTF8.encode("\"usage\":\"estimated\"}"),
  String.UTF8.encode("\"usage\":\"incomplete\"}"), String.UTF8.encode("\"usage\":\"none\"}"),
];

/** Where the fields are written: one per VM, filled and handed to the host within one callback. */
let fields = new JsonWriter(256);
/** A writer grown past this (a provider naming a huge model) is let go, not kept for the VM's life. */
const FIELDS_KEPT: i32 = 4096;

/**
 * The fields: the llm-mesh route, the model the answer names, the tokens, the time to the first
 * chunk (streams) and where the figures came from. The backend and the model sent are already in
 * the response (x-llm-mesh-provider, x-llm-mesh-model). The answer's model is the provider's
 * text: written as a JSON string, escaped. Written into a buffer the next call reuses: valid
 * until then (`dataPtr`, `length` of the writer returned). `route`: the route's name in UTF-8.
 */
export function accessLogFields(route: ArrayBuffer | null, m: Measurement): JsonWriter {
  // One flat object of known keys: written as bytes, values escaped (quotedBytes, string).
  if (fields.capacity > FIELDS_KEPT) fields = new JsonWriter(256);
  const w = fields;
  w.reset();
  w.byte(0x7b);
  if (route !== null) w.bytes(changetype<usize>(ROUTE_KEY), ROUTE_KEY.byteLength).quotedBytes(changetype<usize>(route), route.byteLength).byte(0x2c);
  const source = m.source();
  if (source != UsageSource.None) {
    if (m.usage!.responseModel.length > 0) w.bytes(changetype<usize>(RESPONSE_MODEL_KEY), RESPONSE_MODEL_KEY.byteLength).string(m.usage!.responseModel).byte(0x2c);
    w.bytes(changetype<usize>(INPUT_TOKENS_KEY), INPUT_TOKENS_KEY.byteLength).digits(m.inputTokens());
    w.bytes(changetype<usize>(OUTPUT_TOKENS_KEY), OUTPUT_TOKENS_KEY.byteLength).digits(m.outputTokens()).byte(0x2c);
  }
  if (m.stream && m.firstChunkNs > 0) w.bytes(changetype<usize>(TTFT_KEY), TTFT_KEY.byteLength).digits((m.firstChunkNs - m.startNs) / 1_000_000).byte(0x2c);
  const end = USAGE_ENDS[<i32>source];
  return w.bytes(changetype<usize>(end), end.byteLength);
}

const TOKEN_KEYS: ArrayBuffer[] = [String.UTF8.encode("input_tokens"), String.UTF8.encode("output_tokens")];

/** Input plus output tokens as the fields say; -1 when they do not say (no usage, or not ours). */
export function loggedTokens(fields: string): i64 {
  const bytes = String.UTF8.encode(fields);
  const scan = scanTopLevel(changetype<usize>(bytes), bytes.byteLength, StaticArray.fromArray<ArrayBuffer>(TOKEN_KEYS));
  if (scan.error !== null) return -1;
  let sum: i64 = 0;
  for (let i = 0; i < 2; i++) {
    const span = scan.spans[i];
    if (span.count != 1) return -1;
    const c = span.firstByte;
    if (c < 0x30 || c > 0x39) return -1;
    sum += I64.parseInt(String.UTF8.decodeUnsafe(changetype<usize>(bytes) + <usize>span.start, <usize>(span.end - span.start)));
  }
  return sum;
}
