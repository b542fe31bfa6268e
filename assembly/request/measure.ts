// The measuring steps of a request, when metrics are on: the clock at start, first chunk and end;
// who called (caller.ts); what was sent; and, when the stream is done, one record (metrics/record.ts) and the
// access-log fields (Envoy filter state).
import { Config, FilterRole } from "../config/load";
import { consumerOfTry } from "./identify";
import { callerIdentity } from "./caller";
import { nowNanos, setPropertyBytes } from "../host";
import { ACCESS_LOG_PROPERTY, accessLogFields } from "../metrics/access-log";
import { Measurement } from "../metrics/measurement";
import { operationLabel, recordRequest, tag } from "../metrics/record";
import { RequestState } from "./state";
import { OPERATION_COUNT } from "../api";

/** Starts measuring a request llm-mesh may serve. */
export function startMeasure(config: Config, state: RequestState): void {
  if (!config.metrics.enabled) return;
  const m = new Measurement();
  m.startNs = nowNanos();
  state.measure = m;
}

const OPERATION_TAGS: string[] = [];

/** The request goes upstream: what was asked of whom, and by whom. */
export function measureForwarded(config: Config, state: RequestState, requestBytes: i64): void {
  const m = state.measure;
  if (m === null) return;
  m.operation = state.operation;
  if (OPERATION_TAGS.length == 0) for (let op = 0; op < OPERATION_COUNT; op++) OPERATION_TAGS.push(tag("gen_ai_operation_name", operationLabel(op)));
  m.operationTag = OPERATION_TAGS[<i32>state.operation];
  m.requestModel = state.model;
  m.requestBytes = requestBytes;
  m.principal = state.principal !== null ? state.principal! : callerIdentity(config);
  if (state.consumer !== null) m.consumer = state.consumer!.name;
  else if (config.role == FilterRole.Upstream && !config.consumers.isEmpty()) m.consumer = consumerOfTry();
}

/** A chunk of the answer passed: the first one's time, and the last one's. */
export function measureChunk(config: Config, state: RequestState, bodySize: i32, endOfStream: bool): void {
  const m = state.measure;
  if (m === null) return;
  // Time to first chunk is a stream's figure only: a JSON answer's first chunk is not timed.
  if (m.firstChunkNs == 0 && bodySize > 0 && m.stream) m.firstChunkNs = nowNanos();
  if (endOfStream && m.endNs == 0) {
    m.endNs = nowNanos();
    if (config.metrics.accessLog) writeAccessLog(state, m);
  }
}

/** The stream is done (completed, reset or cancelled): record it once, if it was sent upstream. */
export function finishMeasure(config: Config, state: RequestState): void {
  const m = state.measure;
  if (m === null || !state.forwarded || state.backend === null) return;
  state.measure = null;
  if (m.endNs == 0) m.doneNs = nowNanos();
  recordRequest(config.metrics, m, state.backend!.metrics, state.backend!.provider.prices);
}

/** The access log's fields, one filter-state value (metrics/access-log.ts). */
function writeAccessLog(state: RequestState, m: Measurement): void {
  if (!state.forwarded || state.backend === null) return;
  const fields = accessLogFields(state.route !== null ? state.route!.nameBytes : null, m);
  setPropertyBytes(ACCESS_LOG_PROPERTY, fields.dataPtr, fields.length);
}
