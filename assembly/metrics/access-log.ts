// The access log's llm-mesh fields: one JSON object in one Envoy filter-state value,
// %FILTER_STATE(wasm.llm_mesh.log:PLAIN)% (one host call per request where a value per field took
// five; docs/metrics.md). A failover try writes it upstream, and the request's own filter reads
// the tokens back from it (quotas charged what the tries used).
import { scanTopLevel } from "../json/scan";
import { JsonWriter } from "../json/writer";
import { Measurement, UsageSource } from "./measurement";

/** The filter-state name (Envoy: wasm.llm_mesh.log). */
export const ACCESS_LOG_PROPERTY = String.UTF8.encode("llm_mesh.log");

const SOURCE_NAMES: string[] = ["reported", "estimated", "incomplete", "none"];

/** Where the fields are written: one per VM, filled and handed to the host within one callback. */
const FIELDS = new JsonWriter(256);

/**
 * The fields: the llm-mesh route, the model the answer names, the tokens, the time to the first
 * chunk (streams) and where the figures came from. The backend and the model sent are already in
 * the response (x-llm-mesh-provider, x-llm-mesh-model). The answer's model is the provider's
 * text: written as a JSON string, escaped. Written into a buffer the next call reuses: valid
 * until then (`FIELDS.dataPtr`, `FIELDS.length`).
 */
export function accessLogFields(route: string | null, m: Measurement): JsonWriter {
  const w = FIELDS;
  w.reset();
  w.object();
  if (route !== null) w.key("route").string(route!);
  const source = m.source();
  if (source != UsageSource.None) {
    if (m.usage!.responseModel.length > 0) w.key("response_model").string(m.usage!.responseModel);
    w.key("input_tokens").number(m.inputTokens());
    w.key("output_tokens").number(m.outputTokens());
  }
  if (m.stream && m.firstChunkNs > 0) w.key("ttft_ms").number((m.firstChunkNs - m.startNs) / 1_000_000);
  return w.key("usage").string(SOURCE_NAMES[<i32>source]).endObject();
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
