// JSON-RPC 2.0 messages as MCP clients and servers send them (https://www.jsonrpc.org/specification,
// MCP's Streamable HTTP transport): read with the scanner, no tree, and checked the way a strict
// server reads them, so what llm-mesh allowed is what the server acts on: exactly the members the
// specification names (a case variant such as "Method", or a repeat, is refused: Go's and Python's
// readers differ on which of two wins), `jsonrpc` "2.0", a string method, an id that is a string or
// an integer, params an object. The name a call targets (a tool's, a prompt's, a resource's URI) is
// decoded as the server decodes it.
import { ScanResult, ValueSpan, arrayItemSpans, decodeStringValue, scanRequestInto } from "../json/scan";
import { arrayItemsAtMost } from "../json/items";
import { keys, spanIsString } from "../json/spans";
import { isValidUtf8 } from "../json/utf8";
import { McpKind } from "./access";

export enum MessageKind { Request, Notification, Response }

/** Members of a message, in the order of MESSAGE_KEYS. */
const JSONRPC = 0, ID = 1, METHOD = 2, PARAMS = 3, RESULT = 4, ERROR = 5;
const MESSAGE_KEYS = keys(["jsonrpc", "id", "method", "params", "result", "error"]);
const NAME = 0, URI = 1, ARGUMENTS = 2;
const PARAM_KEYS = keys(["name", "uri", "arguments"]);

/** JSON-RPC's error codes (the specification's). */
export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;

/** A batch holds at most this many messages (each costs a few spans); MCP clients send one at a time. */
export const MAX_BATCH = 128;
/** The longest method name read (the specification's are under 40 bytes). */
const MAX_METHOD_BYTES = 256;

/** One message of the body. Spans are offsets into the body. */
export class McpMessage {
  kind: MessageKind = MessageKind.Request;
  method: string = "";
  /** The id as its JSON text (echoed in an answer made here); "null" for a notification. */
  idJson: string = "null";
  /** The kind of thing the method targets (tools/call: a tool), or -1. */
  targetKind: i32 = -1;
  /** The tool's or prompt's name, or the resource's URI, as the server decodes it. */
  target: string = "";
  /** tools/call's arguments object, as a span of the body (count 0: none). */
  arguments: ValueSpan = new ValueSpan();
}

/** The body read: its messages, or what is wrong (with the JSON-RPC code to answer it with). */
export class McpBody {
  messages: McpMessage[] = [];
  batch: bool = false;
  error: string | null = null;
  code: i32 = 0;

  fail(code: i32, message: string): McpBody { this.code = code; this.error = message; return this; }
}

/** What a method targets: tools/call and prompts/get a name, resources/read and resources/subscribe a URI. */
function targetOf(method: string): i32 {
  if (method == "tools/call") return McpKind.Tool;
  if (method == "prompts/get") return McpKind.Prompt;
  if (method == "resources/read" || method == "resources/subscribe" || method == "resources/unsubscribe") return McpKind.Resource;
  return -1;
}

/** The id's JSON text when it is a string or an integer (JSON-RPC ids; MCP forbids null), else null. */
function idText(base: usize, span: ValueSpan): string | null {
  const first = span.firstByte;
  const n = span.end - span.start;
  if (first == 0x22) return String.UTF8.decodeUnsafe(base + <usize>span.start, <usize>n);
  if (first != 0x2d && (first < 0x30 || first > 0x39) || n > 20) return null;
  for (let i = first == 0x2d ? 1 : 0; i < n; i++) {
    const c = load<u8>(base + <usize>(span.start + i));
    if (c < 0x30 || c > 0x39) return null;
  }
  return String.UTF8.decodeUnsafe(base + <usize>span.start, <usize>n);
}

// One scan result per member list, reused by every message of a VM (one request at a time).
const TOP = new ScanResult(MESSAGE_KEYS.length);
const PARAMS_SCAN = new ScanResult(PARAM_KEYS.length);

/** Reads one message, the object at [start, end) of the body at `base`. */
function readMessage(base: usize, start: i32, end: i32, into: McpBody): McpMessage | null {
  const scan = scanRequestInto(TOP, base + <usize>start, end - start, MESSAGE_KEYS);
  if (scan.error !== null) { into.fail(INVALID_REQUEST, "a JSON-RPC message must be a JSON object"); return null; }
  const spans = scan.spans;
  let known = 0;
  for (let i = 0; i < spans.length; i++) {
    if (spans[i].count > 1) { into.fail(INVALID_REQUEST, "a JSON-RPC message names a member twice (or in another letter case)"); return null; }
    known += spans[i].count;
  }
  if (known != scan.memberCount) { into.fail(INVALID_REQUEST, "a JSON-RPC message has only jsonrpc, id, method, params, result and error"); return null; }
  const at = base + <usize>start;
  if (!spanIsString(at, spans[JSONRPC], "2.0")) { into.fail(INVALID_REQUEST, "jsonrpc must be \"2.0\""); return null; }
  const m = new McpMessage();
  const id = spans[ID];
  if (id.count == 1) {
    const text = idText(at, id);
    // A response to a request that could not be read carries id null; nothing else does.
    if (text === null && !(id.firstByte == 0x6e && spans[ERROR].count == 1)) { into.fail(INVALID_REQUEST, "id must be a string or an integer"); return null; }
    m.idJson = text !== null ? text! : "null";
  }
  const method = spans[METHOD];
  if (method.count == 0) {
    // A response (to a request the server made: sampling, elicitation, roots).
    if (spans[RESULT].count + spans[ERROR].count != 1 || id.count == 0 || spans[PARAMS].count > 0) { into.fail(INVALID_REQUEST, "a JSON-RPC response has an id and exactly one of result or error"); return null; }
    if ((spans[RESULT].count == 1 ? spans[RESULT] : spans[ERROR]).firstByte != 0x7b) { into.fail(INVALID_REQUEST, "a response's result or error must be an object"); return null; }
    m.kind = MessageKind.Response;
    return m;
  }
  if (spans[RESULT].count + spans[ERROR].count > 0) { into.fail(INVALID_REQUEST, "a JSON-RPC request has no result or error"); return null; }
  if (method.firstByte != 0x22 || method.end - method.start > MAX_METHOD_BYTES + 2) { into.fail(INVALID_REQUEST, "method must be a string of at most 256 bytes"); return null; }
  m.method = decodeStringValue(at, method.start, method.end, method.escaped);
  if (m.method.length == 0) { into.fail(INVALID_REQUEST, "method must not be empty"); return null; }
  m.kind = id.count == 1 ? MessageKind.Request : MessageKind.Notification;
  const params = spans[PARAMS];
  if (params.count == 1 && params.firstByte != 0x7b) { into.fail(INVALID_REQUEST, "params must be an object"); return null; }
  m.targetKind = targetOf(m.method);
  if (m.method == "completion/complete") return completionTarget(at, params, m, into);
  if (m.targetKind < 0) return m;
  // A call sent as a notification is still run by a plain JSON-RPC server (it only goes unanswered).
  if (m.kind == MessageKind.Notification) { into.fail(INVALID_REQUEST, m.method + " must be a request (with an id), not a notification"); return null; }
  // A call names what it uses: a tool's or prompt's name, or a resource's URI.
  const wantedKey = m.targetKind == McpKind.Resource ? URI : NAME;
  const word = m.targetKind == McpKind.Resource ? "params.uri" : "params.name";
  if (params.count == 0) { into.fail(INVALID_PARAMS, m.method + " needs params with " + word); return null; }
  const inner = scanRequestInto(PARAMS_SCAN, at + <usize>params.start, params.end - params.start, PARAM_KEYS);
  if (inner.error !== null) { into.fail(INVALID_PARAMS, "params must be a JSON object"); return null; }
  const named = inner.spans[wantedKey];
  if (named.count != 1 || named.firstByte != 0x22) { into.fail(INVALID_PARAMS, m.method + " needs " + word + " as one string (not repeated, in lower case)"); return null; }
  if (inner.spans[ARGUMENTS].count > 1) { into.fail(INVALID_PARAMS, "params.arguments is given twice"); return null; }
  const pAt = at + <usize>params.start;
  m.target = decodeStringValue(pAt, named.start, named.end, named.escaped);
  const args = inner.spans[ARGUMENTS];
  if (args.count == 1) {
    // As offsets into the whole body.
    m.arguments.count = 1;
    m.arguments.firstByte = args.firstByte;
    m.arguments.start = start + params.start + args.start;
    m.arguments.end = start + params.start + args.end;
  }
  return m;
}

/**
 * Reads a POST body: one message, or (`batchAllowed`: protocol version 2025-03-26) an array of them.
 * Linear in the body; at most MAX_BATCH messages.
 */
export function readBody(body: ArrayBuffer, batchAllowed: bool): McpBody {
  const out = new McpBody();
  const base = changetype<usize>(body);
  const n = body.byteLength;
  if (!isValidUtf8(base, n)) return out.fail(PARSE_ERROR, "the body is not valid UTF-8");
  let i = 0;
  while (i < n && isSpace(load<u8>(base + <usize>i))) i++;
  if (i < n && load<u8>(base + <usize>i) == 0x5b) {
    let e = n;
    while (e > i && isSpace(load<u8>(base + <usize>(e - 1)))) e--;
    if (!batchAllowed) return out.fail(INVALID_REQUEST, "a JSON-RPC batch is not part of this MCP protocol version (batches were only in 2025-03-26); send one message per request");
    if (!arrayItemsAtMost(base, i, e, MAX_BATCH)) return out.fail(INVALID_REQUEST, "a batch holds at most " + MAX_BATCH.toString() + " messages");
    const items = arrayItemSpans(base, i, e);
    if (items === null || !endsArray(base, items, e)) return out.fail(PARSE_ERROR, "the body is not valid JSON (one array, nothing after it)");
    if (items.length == 0) return out.fail(INVALID_REQUEST, "a batch must not be empty");
    out.batch = true;
    for (let k = 0; k < items.length; k++) {
      if (items[k].firstByte != 0x7b) return out.fail(INVALID_REQUEST, "each message of a batch must be a JSON object");
      const m = readMessage(base, items[k].start, items[k].end, out);
      if (m === null) return out;
      out.messages.push(m!);
    }
    return out;
  }
  // One message: the scanner says whether it is JSON at all.
  const m = readMessage(base, 0, n, out);
  if (m === null) {
    if (TOP.error !== null) out.fail(TOP.error!.startsWith("request body must be") ? INVALID_REQUEST : PARSE_ERROR, TOP.error!.startsWith("request body must be") ? "a JSON-RPC message must be a JSON object" : "the body is not valid JSON");
    return out;
  }
  out.messages.push(m!);
  return out;
}

function isSpace(c: u8): bool { return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09; }

/**
 * True when the array whose items are `items` closes at `end - 1`, the end of the body: the item
 * reader stops at the array's own ']', and what follows it (another message) must not pass unread.
 */
export function endsArray(base: usize, items: Array<ValueSpan>, end: i32): bool {
  if (items.length == 0) return true; // "[]" (or "[ ]"): nothing to read past
  let p = items[items.length - 1].end;
  while (p < end && isSpace(load<u8>(base + <usize>p))) p++;
  return p == end - 1 && load<u8>(base + <usize>p) == 0x5d;
}

const REF = 0, REF_TYPE = 0, REF_NAME = 1, REF_URI = 2;
const COMPLETION_KEYS = keys(["ref"]);
const REF_KEYS = keys(["type", "name", "uri"]);
const COMPLETION_SCAN = new ScanResult(COMPLETION_KEYS.length);
const REF_SCAN = new ScanResult(REF_KEYS.length);

/**
 * completion/complete names the prompt (`ref/prompt`, by name) or resource (`ref/resource`, by URI)
 * it completes an argument of: the caller must be allowed that prompt or resource.
 */
function completionTarget(at: usize, params: ValueSpan, m: McpMessage, into: McpBody): McpMessage | null {
  const bad = "completion/complete needs params.ref: {type: \"ref/prompt\", name} or {type: \"ref/resource\", uri}";
  if (params.count == 0) { into.fail(INVALID_PARAMS, bad); return null; }
  const p = scanRequestInto(COMPLETION_SCAN, at + <usize>params.start, params.end - params.start, COMPLETION_KEYS);
  const ref = p.spans[REF];
  if (p.error !== null || ref.count != 1 || ref.firstByte != 0x7b) { into.fail(INVALID_PARAMS, bad); return null; }
  const refAt = at + <usize>params.start;
  const r = scanRequestInto(REF_SCAN, refAt + <usize>ref.start, ref.end - ref.start, REF_KEYS);
  if (r.error !== null) { into.fail(INVALID_PARAMS, bad); return null; }
  const inner = refAt + <usize>ref.start;
  const prompt = spanIsString(inner, r.spans[REF_TYPE], "ref/prompt");
  if (!prompt && !spanIsString(inner, r.spans[REF_TYPE], "ref/resource")) { into.fail(INVALID_PARAMS, bad); return null; }
  const named = r.spans[prompt ? REF_NAME : REF_URI];
  if (named.count != 1 || named.firstByte != 0x22) { into.fail(INVALID_PARAMS, bad); return null; }
  m.targetKind = prompt ? McpKind.Prompt : McpKind.Resource;
  m.target = decodeStringValue(inner, named.start, named.end, named.escaped);
  if (m.kind == MessageKind.Notification) { into.fail(INVALID_REQUEST, "completion/complete must be a request (with an id), not a notification"); return null; }
  return m;
}
