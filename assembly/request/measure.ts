// The measuring steps of a request, when metrics are on: the clock at start, first chunk and end;
// who called; what was sent; and, when the stream is done, one record (metrics/record.ts) and the
// access-log fields (Envoy filter state).
import { Config } from "../config/load";
import { getProperty, nowNanos, propertyPath, setProperty } from "../host";
import { Measurement, UsageSource } from "../metrics/measurement";
import { operationLabel, recordRequest, tag } from "../metrics/record";
import { RequestState } from "./state";

/** Starts measuring a request llm-mesh may serve. */
export function startMeasure(config: Config, state: RequestState): void {
  if (!config.metrics.enabled) return;
  const m = new Measurement();
  m.startNs = nowNanos();
  state.measure = m;
}

const PEER_PRINCIPAL = propertyPath(["connection", "uri_san_peer_certificate"]);
const LISTENER_DIRECTION = propertyPath(["listener_direction"]);
const OUTBOUND: u8 = 2;
const OPERATION_TAGS: string[] = [];

/** The request goes upstream: what was asked of whom, and by whom. */
export function measureForwarded(config: Config, state: RequestState, requestBytes: i64): void {
  const m = state.measure;
  if (m === null) return;
  m.operation = state.operation;
  if (OPERATION_TAGS.length == 0) for (let op = 0; op < 6; op++) OPERATION_TAGS.push(tag("gen_ai_operation_name", operationLabel(op)));
  m.operationTag = OPERATION_TAGS[<i32>state.operation];
  m.requestModel = state.model;
  m.requestBytes = requestBytes;
  m.principal = callerIdentity(config);
}

/** Local workload's SPIFFE id from Istio's node metadata, read once per VM ("" when not in Istio). */
let localIdentity: string | null = null;

/**
 * The caller's mesh identity: the peer certificate's URI SAN when it came over mTLS (gateways,
 * inbound), else, on a sidecar's outbound listener, the workload the sidecar serves.
 */
function callerIdentity(config: Config): string {
  const peer = getProperty(PEER_PRINCIPAL);
  if (peer !== null && peer.length > 0) return peer;
  const direction = getProperty(LISTENER_DIRECTION);
  if (direction === null || direction.length == 0 || <u8>direction.charCodeAt(0) != OUTBOUND) return "unknown";
  if (localIdentity === null) {
    const ns = getProperty(propertyPath(["node", "metadata", "NAMESPACE"]));
    const sa = getProperty(propertyPath(["node", "metadata", "SERVICE_ACCOUNT"]));
    localIdentity = ns !== null && sa !== null && ns.length > 0 && sa.length > 0 ? "spiffe://" + config.metrics.trustDomain + "/ns/" + ns + "/sa/" + sa : "";
  }
  return localIdentity!.length > 0 ? localIdentity! : "unknown";
}

/** A chunk of the answer passed: the first one's time, and the last one's. */
export function measureChunk(config: Config, state: RequestState, bodySize: i32, endOfStream: bool): void {
  const m = state.measure;
  if (m === null) return;
  if (m.firstChunkNs == 0 && bodySize > 0) m.firstChunkNs = nowNanos();
  if (endOfStream && m.endNs == 0) {
    m.endNs = nowNanos();
    if (config.metrics.accessLog) writeAccessLog(config, state, m);
  }
}

/** The stream is done (completed, reset or cancelled): record it once, if it was sent upstream. */
export function finishMeasure(config: Config, state: RequestState): void {
  const m = state.measure;
  if (m === null || !state.forwarded || state.backend === null) return;
  state.measure = null;
  m.doneNs = nowNanos();
  recordRequest(config.metrics, m, state.backend!);
}

const LOG_ROUTE = String.UTF8.encode("llm_mesh.route");
const LOG_BACKEND = String.UTF8.encode("llm_mesh.backend");
const LOG_REQUEST_MODEL = String.UTF8.encode("llm_mesh.request_model");
const LOG_RESPONSE_MODEL = String.UTF8.encode("llm_mesh.response_model");
const LOG_INPUT = String.UTF8.encode("llm_mesh.input_tokens");
const LOG_OUTPUT = String.UTF8.encode("llm_mesh.output_tokens");
const LOG_FIRST_CHUNK = String.UTF8.encode("llm_mesh.ttft_ms");
const LOG_USAGE = String.UTF8.encode("llm_mesh.usage");
const SOURCE_NAMES = ["reported", "estimated", "incomplete", "none"];

/** Filter state for Envoy's access log: %FILTER_STATE(wasm.llm_mesh.route:PLAIN)% and so on. */
function writeAccessLog(config: Config, state: RequestState, m: Measurement): void {
  if (!state.forwarded || state.backend === null) return;
  setProperty(LOG_ROUTE, state.route !== null ? state.route!.name : "");
  setProperty(LOG_BACKEND, state.backend!.provider.name);
  setProperty(LOG_REQUEST_MODEL, m.requestModel);
  const source = m.source();
  if (source != UsageSource.None) {
    setProperty(LOG_RESPONSE_MODEL, m.usage!.responseModel);
    setProperty(LOG_INPUT, m.inputTokens().toString());
    setProperty(LOG_OUTPUT, m.outputTokens().toString());
  }
  if (m.stream && m.firstChunkNs > 0) setProperty(LOG_FIRST_CHUNK, ((m.firstChunkNs - m.startNs) / 1_000_000).toString());
  setProperty(LOG_USAGE, SOURCE_NAMES[<i32>source]);
}
