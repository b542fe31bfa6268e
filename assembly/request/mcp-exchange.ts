// An MCP route's request and answer, after admission (mcp-admit.ts): the JSON-RPC body read and
// checked before anything goes upstream (a call the caller may not make, or arguments the route's
// content rules deny, answered here as JSON-RPC errors); the server's answer, JSON or SSE, read
// message by message, list answers filtered, tool results under the content rules, every message
// the filter reads bounded by the route's maxMessageBytes; then one metric record per request.
import { Config } from "../config/load";
import { Reply } from "../errors";
import { BufferTypeValues, getBody, nowNanos, setPropertyBytes } from "../host";
import { removeResponseHeader, responseHeader, setResponseHeader, setResponseHeaderBytes } from "../headers";
import { Edit, applyEdits } from "../json/splice";
import { JsonWriter } from "../json/writer";
import { RequestPolicy } from "../policy/config";
import { MCP_KIND_WORDS, allowedBy } from "../mcp/access";
import { INTERNAL_ERROR, INVALID_PARAMS, McpBody, McpMessage, MessageKind, readBody } from "../mcp/message";
import { McpAnswerReader, McpPending, errorMessage, guardStrings } from "../mcp/answer";
import { recordMcpCall } from "../mcp/metrics";
import { ACCESS_LOG_PROPERTY } from "../metrics/access-log";
import { RawEventSink, SseSplitter, readEventFields, withData } from "../stream/sse-events";
import { NOTHING } from "../stream/sse";
import { redactResponseHeaders, secretMatcher } from "./redact";
import { describeNewBody, emit, onEnvoyAnswerHeaders, onProviderBody, stampProvider } from "./respond";
import { callerIdentity } from "./caller";
import { H_MCP_SESSION_ID, McpAdmission, McpVerb } from "./mcp-admit";
import { admitQuota } from "./identify";
import { MAX_SERVER_SESSION_BYTES, clientSessionId } from "./mcp-session";
import { RequestState, ResponseMode } from "./state";
import { H_CONTENT_ENCODING, H_CONTENT_LENGTH, H_CONTENT_TYPE, H_STATUS, V_JSON } from "./header-names";


/** How the server's answer is handled. */
export enum McpAnswerMode { Pass, Json, Stream, Other }

/** One MCP request's exchange with its server: what was asked, and how the answer is read. */
export class McpExchange {
  pending: McpPending[] = [];
  reader: McpAnswerReader | null = null;
  splitter: SseSplitter | null = null;
  mode: McpAnswerMode = McpAnswerMode.Pass;
  /** The first message's method ("GET" and "DELETE" for those), and a tools/call's tool: the access log's. */
  method: string = "";
  tool: string | null = null;
  /** The access log's fields are written. */
  logged: bool = false;
  /** The answer went over maxMessageBytes or could not be read: the rest of it is dropped. */
  dropping: bool = false;
  startNs: i64 = 0;
  constructor(public admission: McpAdmission) {
    this.method = admission.verb == McpVerb.Get ? "GET" : admission.verb == McpVerb.Delete ? "DELETE" : "";
  }
}

/** The body to send (null: unchanged), or a reply made here. */
export class McpDecision {
  reply: Reply | null = null;
  body: ArrayBuffer | null = null;
}

/** An answer made here: JSON with the HTTP status given (JSON-RPC errors ride on 200 once a message was read). */
function jsonReply(status: u32, body: string): Reply { return new Reply(null, "", status, body); }

/**
 * The POST body read whole: every message checked, the calls the caller may not make refused (the
 * whole body, so nothing of a refused batch reaches the server), arguments under the content rules.
 */
export function decideMcpBody(config: Config, state: RequestState, ex: McpExchange, body: ArrayBuffer): McpDecision {
  const decision = new McpDecision();
  const read: McpBody = readBody(body, ex.admission.batchAllowed);
  if (read.error !== null) {
    decision.reply = jsonReply(400, errorMessage("null", read.code, read.error!, "llm_mesh.invalid_message"));
    return decision;
  }
  const now = nowNanos();
  ex.startNs = now;
  const route = state.route!;
  const policy = route.policy;
  const edits = new Array<Edit>();
  let refusal: string | null = null;
  let refusalReason = "llm_mesh.not_allowed";
  let refusedAt = -1;
  for (let i = 0; i < read.messages.length; i++) {
    const m = read.messages[i];
    if (i == 0) ex.method = m.method;
    if (m.kind != MessageKind.Request) continue;
    const p = new McpPending(m.idJson, m.method, m.target);
    p.startNs = now;
    ex.pending.push(p);
    if (m.method == "tools/call" && ex.tool === null) ex.tool = m.target;
    if (refusal !== null) continue;
    if (m.targetKind >= 0 && !allowedBy(ex.admission.lists[m.targetKind], m.targetKind, m.target)) {
      refusal = MCP_KIND_WORDS[m.targetKind] + " \"" + printable(m.target) + "\" is not allowed for this caller (llm-mesh)";
      refusedAt = ex.pending.length - 1;
      continue;
    }
    if (m.method == "tools/call" && policy !== null && m.arguments.count == 1) {
      const problem = guardArguments(body, m, route.name, policy!, edits);
      if (problem !== null) { refusal = problem; refusalReason = "llm_mesh.content_policy"; refusedAt = ex.pending.length - 1; }
    }
  }
  if (refusal !== null) {
    decision.reply = jsonReply(200, refusedAnswer(ex, read.batch, refusedAt, INVALID_PARAMS, refusal!, refusalReason));
    for (let i = 0; i < ex.pending.length; i++) ex.pending[i].outcome = "denied";
    return decision;
  }
  // The consumer's request quotas count MCP calls too (a POST carrying requests, once); they use no tokens.
  if (ex.pending.length > 0) {
    const limited = admitQuota(state, route, "", 0, 0);
    if (limited !== null) {
      decision.reply = limited;
      for (let i = 0; i < ex.pending.length; i++) ex.pending[i].outcome = "rate_limited";
      return decision;
    }
  }
  if (edits.length > 0) {
    edits.sort((a: Edit, b: Edit): i32 => a.start - b.start);
    decision.body = applyEdits(changetype<usize>(body), body.byteLength, edits);
  }
  readAnswers(state, ex);
  return decision;
}

/**
 * The server's messages are read on the way back: for a POST, the answers to its requests; for a
 * GET, the server's stream, which may carry answers too (a resumed stream replays them).
 */
export function readAnswers(state: RequestState, ex: McpExchange): void {
  const route = state.route!;
  const policy = route.policy;
  const guarded = policy !== null && (policy!.deny.length > 0 || policy!.mask.length > 0);
  ex.reader = new McpAnswerReader(ex.admission.lists, guarded ? policy : null, route.name, ex.pending);
}

/** Text fit to quote back (a name the caller sent): printable ASCII, at most 128 characters. */
function printable(text: string): string {
  const n = min<i32>(text.length, 128);
  for (let i = 0; i < n; i++) { const c = text.charCodeAt(i); if (c < 0x20 || c > 0x7e) return text.substring(0, i) + "…"; }
  return text.length > n ? text.substring(0, n) + "…" : text;
}

/** The answer to a refused body: the error for the refused request; in a batch, one for each request (none was sent). */
function refusedAnswer(ex: McpExchange, batch: bool, refusedAt: i32, code: i32, message: string, reason: string): string {
  if (!batch) return errorMessage(ex.pending[refusedAt].idJson, code, message, reason);
  const parts = new Array<string>();
  for (let i = 0; i < ex.pending.length; i++) {
    parts.push(i == refusedAt ? errorMessage(ex.pending[i].idJson, code, message, reason)
      : errorMessage(ex.pending[i].idJson, code, "not sent: another request of this batch was refused (" + message + ")", reason));
  }
  return "[" + parts.join(",") + "]";
}

/** A tools/call's arguments under the route's deny and mask rules (every string, keys too); masks become `edits`. The refusal, or null. */
function guardArguments(body: ArrayBuffer, m: McpMessage, route: string, policy: RequestPolicy, edits: Array<Edit>): string | null {
  const refusal = guardStrings(policy, route, changetype<usize>(body), m.arguments.start, m.arguments.end, edits);
  return refusal !== null ? "the tool call was " + (refusal!.startsWith("refused") ? refusal! : "refused: " + refusal!) : null;
}

/** The server's answer headers: how its body will be read; errors and Envoy's own answers as the LLM routes vet them. */
export function mcpAnswerHeaders(config: Config, state: RequestState, ex: McpExchange, status: string | null, endOfStream: bool): void {
  state.responseHeadersEnd = endOfStream;
  state.responseBytes = 0;
  if (onEnvoyAnswerHeaders(config, state, status)) { markAll(ex, "no_answer"); ex.mode = McpAnswerMode.Other; return; }
  const matcher = secretMatcher(config.providers);
  if (matcher !== null) redactResponseHeaders();
  const failed = status === null || status.length != 3 || status.charCodeAt(0) >= 0x34;
  if (failed) {
    markAll(ex, status !== null && status.length == 3 ? "http_" + status.charAt(0) + "xx" : "no_answer");
    ex.mode = McpAnswerMode.Other;
    state.responseStatus = status !== null ? status : "502";
    // The server refused the credential the mesh holds for it: the platform team's problem, said so (502).
    state.responseMode = status == "401" || status == "407" ? ResponseMode.ReplaceAuth : ResponseMode.Vet;
    if (state.responseMode == ResponseMode.ReplaceAuth) setResponseHeader(H_STATUS, "502");
    if (!endOfStream) describeNewBody(V_JSON);
  } else if (ex.reader !== null && !endOfStream) {
    // An MCP answer with a body is SSE or JSON: anything else is read as JSON, and withheld if it is
    // not (a media type in capitals is the same type to the client's reader).
    const type = responseHeader(H_CONTENT_TYPE);
    const sse = type !== null && type.toLowerCase().startsWith("text/event-stream");
    ex.mode = sse ? McpAnswerMode.Stream : McpAnswerMode.Json;
    if (sse) ex.splitter = new SseSplitter(state.route!.mcp!.maxMessageBytes);
    else setResponseHeaderBytes(H_CONTENT_TYPE, V_JSON);
    removeResponseHeader(H_CONTENT_LENGTH);
    // llm-mesh asked for no compression; an answer compressed anyway cannot be checked, so it does not pass.
    const encoding = responseHeader(H_CONTENT_ENCODING);
    if (encoding !== null && encoding != "identity") { ex.dropping = true; removeResponseHeader(H_CONTENT_ENCODING); }
  } else if (endOfStream) markAll(ex, ""); // 202 Accepted, no body: nothing answered a request in it
  tagSession(state, ex);
  if (ex.mode != McpAnswerMode.Other && matcher !== null && !endOfStream) state.secrets = matcher;
  stampProvider(config, state);
}

/**
 * A session id in the server's answer (its answer to initialize opens one; some servers repeat it)
 * goes to the client tagged for its caller (mcp-session.ts); one too long to tag is refused.
 */
function tagSession(state: RequestState, ex: McpExchange): void {
  const session = responseHeader(H_MCP_SESSION_ID);
  if (session === null) return;
  const server = state.backend!.provider;
  if (session.length == 0 || session.length > MAX_SERVER_SESSION_BYTES) { removeResponseHeader(H_MCP_SESSION_ID); return; }
  setResponseHeader(H_MCP_SESSION_ID, clientSessionId(server, session, ex.admission.caller));
}

/** Every request still waiting gets this outcome. */
function markAll(ex: McpExchange, outcome: string): void {
  for (let i = 0; i < ex.pending.length; i++) if (ex.pending[i].outcome.length == 0) ex.pending[i].outcome = outcome;
}

/** One chunk of the server's answer. True to let it go (possibly rewritten), false to buffer (JSON waits for its end). */
export function mcpAnswerChunk(state: RequestState, ex: McpExchange, bodySize: i32, endOfStream: bool): bool {
  state.responseBytes += <i64>bodySize;
  if (ex.mode == McpAnswerMode.Other) {
    if (state.envoyAnswer !== null) return true; // replaced at the headers' callback's body (pipeline)
    return onProviderBody(state, bodySize, endOfStream);
  }
  if (ex.mode == McpAnswerMode.Pass) return state.secrets === null || onProviderBody(state, bodySize, endOfStream);
  const limit = state.route!.mcp!.maxMessageBytes;
  if (ex.dropping) {
    // The answer is replaced by an error (an event, on a stream: the client's SSE reader sees nothing else); what follows is dropped.
    const error = answerError(ex, "it came compressed, which llm-mesh cannot read (it asked for none)");
    emit(state, ex.mode == McpAnswerMode.Stream ? asEvent(error) : error, true, true);
    ex.mode = McpAnswerMode.Other;
    state.responseMode = ResponseMode.Drop;
    return true;
  }
  if (ex.mode == McpAnswerMode.Json) {
    if (!endOfStream && bodySize <= limit) return false;
    if (bodySize > limit) {
      emit(state, answerError(ex, "it is larger than the route's limit of " + limit.toString() + " bytes (routes[].mcp.maxMessageBytes)"), true, true);
      ex.mode = McpAnswerMode.Other;
      state.responseMode = endOfStream ? ResponseMode.Pass : ResponseMode.Drop;
      return true;
    }
    const body = bodySize > 0 ? getBody(BufferTypeValues.HttpResponseBody, 0, <u32>bodySize) : null;
    const whole = body !== null ? body! : NOTHING;
    const out = ex.reader!.read(changetype<usize>(whole), whole.byteLength);
    emit(state, out !== null ? out! : whole, out !== null, true);
    return true;
  }
  // SSE: each whole event read, and passed as it came or rebuilt.
  const chunk = bodySize > 0 ? getBody(BufferTypeValues.HttpResponseBody, 0, <u32>bodySize) : null;
  const sink = EVENTS;
  sink.start(ex);
  const from = chunk !== null ? chunk! : NOTHING;
  ex.splitter!.push(changetype<usize>(from), from.byteLength, endOfStream, sink);
  let out = sink.take();
  if (ex.reader!.unreadableSeen) {
    ex.mode = McpAnswerMode.Other;
    state.responseMode = ResponseMode.Drop;
    emit(state, out, true, true);
    return true;
  }
  if (ex.splitter!.broken) {
    out = join(out, asEvent(answerError(ex, "one of its events is larger than the route's limit of " + limit.toString() + " bytes (routes[].mcp.maxMessageBytes)")));
    ex.mode = McpAnswerMode.Other;
    state.responseMode = ResponseMode.Drop;
    emit(state, out, true, true);
    return true;
  }
  emit(state, out, true, endOfStream);
  return true;
}

/** A message as one SSE event (the transport's default event, "message"). */
function asEvent(message: ArrayBuffer): ArrayBuffer {
  return join(join(EVENT_START, message), EVENT_END);
}
const EVENT_START = String.UTF8.encode("event: message\ndata: ");
const EVENT_END = String.UTF8.encode("\n\n");

function join(a: ArrayBuffer, b: ArrayBuffer): ArrayBuffer {
  const out = new ArrayBuffer(a.byteLength + b.byteLength);
  memory.copy(changetype<usize>(out), changetype<usize>(a), <usize>a.byteLength);
  memory.copy(changetype<usize>(out) + <usize>a.byteLength, changetype<usize>(b), <usize>b.byteLength);
  return out;
}

/** The error that replaces an answer llm-mesh cannot pass: for the first request still waiting (a JSON-RPC error on 200). */
function answerError(ex: McpExchange, why: string): ArrayBuffer {
  let id = "null";
  for (let i = 0; i < ex.pending.length; i++) {
    if (ex.pending[i].outcome.length > 0) continue;
    id = ex.pending[i].idJson;
    ex.pending[i].outcome = "bad_answer";
    break;
  }
  return String.UTF8.encode(errorMessage(id, INTERNAL_ERROR, "the MCP server's answer was withheld by llm-mesh: " + why, "llm_mesh.bad_answer"));
}

/** Writes each event of a chunk, as it came or rebuilt with the message the reader wrote. */
class EventWriter extends RawEventSink {
  out: JsonWriter = new JsonWriter(4096);
  ex: McpExchange | null = null;

  start(ex: McpExchange): void { this.ex = ex; this.out.reset(); }

  event(ptr: usize, length: i32): void {
    const reader = this.ex!.reader!;
    // After a message llm-mesh could not check, the rest of the stream is dropped (its error went in its place).
    if (reader.unreadableSeen) return;
    const fields = readEventFields(ptr, length);
    // MCP's messages are the default event ("message"); others pass.
    if (fields.hasData && fields.defaultEvent) {
      const changed = reader.read(fields.data.dataPtr, fields.data.length);
      if (changed !== null) { withData(ptr, length, changed!, this.out); return; }
    }
    this.out.bytes(ptr, length);
  }

  /** The chunk's events; a writer grown past 64 KiB by a big event is let go, not kept for the VM's life. */
  take(): ArrayBuffer {
    const bytes = this.out.toBuffer();
    if (bytes.byteLength > 64 * 1024) this.out = new JsonWriter(4096);
    return bytes;
  }
}

const EVENTS = new EventWriter();

/** The request is done: one record per JSON-RPC request (refused ones too). */
export function finishMcp(config: Config, state: RequestState, ex: McpExchange): void {
  if (!config.metrics.enabled || state.route === null) return;
  const mcp = state.route!.mcp!;
  const end = nowNanos();
  const principal = state.principal !== null ? state.principal! : callerIdentity(config);
  const consumer = config.metrics.consumerLabel ? (state.consumer !== null ? state.consumer!.name : "none") : null;
  for (let i = 0; i < ex.pending.length; i++) {
    const p = ex.pending[i];
    let tool: string | null = null;
    // Bounded whatever metrics.models says: tool names come from clients, refused ones too.
    if (p.method == "tools/call") tool = mcp.toolLabel(p.target, p.outcome == "none");
    recordMcpCall(mcp.tags, p.method, tool, p.outcome, consumer, principal, (end - p.startNs) / 1_000_000);
  }
}

/**
 * The access log's fields for an MCP request (one filter-state value, as for model calls), written
 * when its answer ends or is made here: Envoy writes access logs before the stream's last callback.
 */
export function logMcp(config: Config, state: RequestState, ex: McpExchange): void {
  if (!config.metrics.enabled || !config.metrics.accessLog || state.route === null || ex.method.length == 0 || ex.logged) return;
  ex.logged = true;
  const w = new JsonWriter(128);
  w.object().key("route").string(state.route!.name).key("mcp_method").string(printable(ex.method));
  if (ex.tool !== null) w.key("tool").string(printable(ex.tool!));
  if (ex.pending.length > 0 && ex.pending[0].outcome != "none" && ex.pending[0].outcome.length > 0) w.key("mcp_error").string(ex.pending[0].outcome);
  w.endObject();
  setPropertyBytes(ACCESS_LOG_PROPERTY, w.dataPtr, w.length);
}
