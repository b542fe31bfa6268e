// Proxy-Wasm ABI v0.2.1 constants, as numbered by the spec and Envoy.

/** proxy_status_t */
export const Status = {
  Ok: 0,
  NotFound: 1,
  BadArgument: 2,
  SerializationFailure: 3,
  ParseFailure: 4,
  Empty: 7,
  CasMismatch: 8,
  InternalFailure: 10,
  Unimplemented: 12,
} as const;

/** proxy_log_level_t */
export const LogLevel = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, critical: 5 } as const;
export type LogLevelName = keyof typeof LogLevel;
export const logLevelNames: LogLevelName[] = ["trace", "debug", "info", "warn", "error", "critical"];

/** proxy_map_type_t */
export const MapType = {
  RequestHeaders: 0,
  RequestTrailers: 1,
  ResponseHeaders: 2,
  ResponseTrailers: 3,
  GrpcInitialMetadata: 4,
  GrpcTrailingMetadata: 5,
  HttpCallResponseHeaders: 6,
  HttpCallResponseTrailers: 7,
} as const;

/** proxy_buffer_type_t */
export const BufferType = {
  HttpRequestBody: 0,
  HttpResponseBody: 1,
  DownstreamData: 2,
  UpstreamData: 3,
  HttpCallResponseBody: 4,
  GrpcReceiveBuffer: 5,
  VmConfiguration: 6,
  PluginConfiguration: 7,
} as const;

/** Values returned by proxy_on_request_headers / proxy_on_response_headers. */
export const HeadersAction = { Continue: 0, StopIteration: 1, ContinueAndEndStream: 2, StopAllIterationAndBuffer: 3, StopAllIterationAndWatermark: 4 } as const;
/** Values returned by proxy_on_request_body / proxy_on_response_body. */
export const DataAction = { Continue: 0, StopIterationAndBuffer: 1, StopIterationAndWatermark: 2, StopIterationNoBuffer: 3 } as const;

/** proxy_metric_type_t */
export const MetricType = { Counter: 0, Gauge: 1, Histogram: 2 } as const;

/** An ordered header list, names lower-case, as Envoy keeps them. */
export type HeaderList = [string, string][];

/** Encodes header pairs in the ABI map format: count, (nameLen, valueLen)*, NUL-terminated names and values. */
export function serializeHeaders(headers: HeaderList): Uint8Array {
  const enc = new TextEncoder();
  const parts = headers.map(([k, v]) => [enc.encode(k), enc.encode(v)] as const);
  const size = 4 + parts.length * 8 + parts.reduce((n, [k, v]) => n + k.length + v.length + 2, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, parts.length, true);
  let offset = 4 + parts.length * 8;
  parts.forEach(([k, v], i) => {
    view.setUint32(4 + i * 8, k.length, true);
    view.setUint32(8 + i * 8, v.length, true);
    out.set(k, offset);
    offset += k.length + 1;
    out.set(v, offset);
    offset += v.length + 1;
  });
  return out;
}

/** Decodes the ABI map format; throws on malformed input (a module bug, reported as such). */
export function deserializeHeaders(bytes: Uint8Array): HeaderList {
  if (bytes.length === 0) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(0, true);
  const dec = new TextDecoder();
  const out: HeaderList = [];
  let offset = 4 + count * 8;
  if (offset > bytes.length) throw new Error("malformed header map: count exceeds size");
  for (let i = 0; i < count; i++) {
    const kLen = view.getUint32(4 + i * 8, true);
    const vLen = view.getUint32(8 + i * 8, true);
    if (offset + kLen + vLen + 2 > bytes.length) throw new Error("malformed header map: entry exceeds size");
    const k = dec.decode(bytes.subarray(offset, offset + kLen));
    offset += kLen + 1;
    const v = dec.decode(bytes.subarray(offset, offset + vLen));
    offset += vLen + 1;
    out.push([k, v]);
  }
  return out;
}
