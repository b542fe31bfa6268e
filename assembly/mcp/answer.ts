// A server's messages on their way back to the client: answers to list methods filtered to what
// the caller may use (an agent never sees a tool it cannot call), tool results under the route's
// content rules, and each answer's outcome noted for metrics. Messages are JSON-RPC objects (one
// per SSE event, or a JSON body, or a 2025-03-26 batch array of them). Only a message that must
// change is parsed into a tree; the rest is scanned and passes byte for byte.
import { ScanResult, ValueSpan, arrayItemSpans, decodeStringValue, scanInto } from "../json/scan";
import { Edit, applyEdits, jsonString } from "../json/splice";
import { stringSpans } from "../json/strings";
import { arrayItemsAtMost } from "../json/items";
import { keys } from "../json/spans";
import { isValidUtf8 } from "../json/utf8";
import { JsonWriter } from "../json/writer";
import { ModelPatterns } from "../fields/model-patterns";
import { RequestPolicy } from "../policy/config";
import { guardTexts } from "../policy/apply";
import { McpKind, allowedBy } from "./access";
import { INTERNAL_ERROR, MAX_BATCH, endsArray } from "./message";

/** A request sent to the server, waiting for its answer. */
export class McpPending {
  constructor(public idJson: string, public method: string, public target: string) {}
  /** Its outcome, for metrics: "" until known, "none", a JSON-RPC error code, "tool_error", "denied", "http_5xx", … */
  outcome: string = "";
  /** When it was sent, or refused (ns). */
  startNs: i64 = 0;
}

/** What list answers list: the result's array, the member of an item allow-lists match, and its kind. */
const LIST_ARRAYS = ["tools", "prompts", "resources", "resourceTemplates"];
const LIST_KINDS: i32[] = [McpKind.Tool, McpKind.Prompt, McpKind.Resource, McpKind.Resource];

const ANSWER_KEYS = keys(["id", "result", "error", "method"]);
const A_ID = 0, A_RESULT = 1, A_ERROR = 2, A_METHOD = 3;
const INNER_KEYS = keys(["isError", "code"]);
const IS_ERROR = 0, CODE = 1;
const TOP = new ScanResult(ANSWER_KEYS.length);
const INNER = new ScanResult(INNER_KEYS.length);

/** Reads the server's messages for one client request and rewrites those that must change. */
export class McpAnswerReader {
  /** A message could not be checked (not JSON, ambiguous): on a stream, what follows it is dropped. */
  unreadableSeen: bool = false;

  constructor(
    /** The caller's allow-lists by McpKind (null: not restricted). */
    public lists: StaticArray<ModelPatterns | null>,
    /** The route's content rules over tool results, or null. */
    public policy: RequestPolicy | null,
    public route: string,
    public pending: McpPending[],
  ) {}

  /**
   * A JSON body or one SSE event's data: a message or a batch of them. Returns the bytes to send
   * instead, or null to pass them as they are.
   */
  read(base: usize, length: i32): ArrayBuffer | null {
    let i = 0;
    while (i < length && isSpace(load<u8>(base + <usize>i))) i++;
    // Empty data carries no message: the event that primes a client for resumption (an id, empty data).
    if (i >= length) return null;
    if (load<u8>(base + <usize>i) != 0x5b) return this.message(base, length);
    let e = length;
    while (e > i && isSpace(load<u8>(base + <usize>(e - 1)))) e--;
    // A batch answer is read message by message; one llm-mesh cannot read whole does not pass.
    if (!arrayItemsAtMost(base, i, e, MAX_BATCH)) return this.unreadable();
    const items = arrayItemSpans(base, i, e);
    if (items === null || !endsArray(base, items, e)) return this.unreadable();
    let changed: Array<ArrayBuffer | null> | null = null;
    for (let k = 0; k < items.length; k++) {
      const out = this.message(base + <usize>items[k].start, items[k].end - items[k].start);
      if (out === null) continue;
      if (changed === null) changed = new Array<ArrayBuffer | null>(items.length);
      changed![k] = out;
    }
    if (changed === null) return null;
    const w = new JsonWriter(length + 64);
    w.array();
    for (let k = 0; k < items.length; k++) {
      const own = changed![k];
      if (own !== null) w.rawBytes(own!); else w.rawAt(base + <usize>items[k].start, items[k].end - items[k].start);
    }
    w.endArray();
    return w.toBuffer();
  }

  /**
   * One message: an answer to a request of this client's is noted, and rewritten when it must be.
   * A message that is not one clear JSON object (not JSON, a repeated member, or one in another
   * letter case, which some readers take for the member) cannot be checked: it is replaced by an
   * error for the request still waiting, and passes only when none is.
   */
  private message(base: usize, length: i32): ArrayBuffer | null {
    const scan = scanInto(TOP, base, length, ANSWER_KEYS, true);
    const id = scan.spans[A_ID];
    const result = scan.spans[A_RESULT], error = scan.spans[A_ERROR], method = scan.spans[A_METHOD];
    if (scan.error !== null || id.count > 1 || result.count > 1 || error.count > 1 || method.count > 1 || !isValidUtf8(base, length)) return this.unreadable();
    if (result.count + error.count == 0) {
      // A request or notification of the server's passes; a message that is neither that nor an answer does not.
      return method.count == 1 && method.firstByte == 0x22 ? null : this.unreadable();
    }
    const pending = id.count == 1 ? this.find(base, id) : null;
    // Both: readers differ on which wins (a lenient one takes the result, unfiltered).
    if (result.count + error.count > 1) return pending !== null ? this.withheld(pending!, "it holds both a result and an error") : this.unreadable();
    if (error.count == 1) {
      if (pending !== null) pending.outcome = errorCode(base, error);
      return null;
    }
    if (pending !== null) pending.outcome = isToolError(base, result) ? "tool_error" : "none";
    // By its shape, not only by the request it answers: a resumed stream (GET with Last-Event-ID)
    // carries answers to requests of an earlier connection.
    const shape = resultShape(base, result);
    if (shape < 0) return pending !== null ? this.withheld(pending!, "it is not one well-formed JSON-RPC message") : this.unreadable();
    let out: ArrayBuffer | null = null;
    if ((shape & LISTS) != 0 && this.restrictsLists()) {
      out = filterLists(base, length, result, this.lists);
      if (out === null) return this.withheld(pending, "its list could not be read whole (a repeated member, or too many values)");
      if (out === UNCHANGED) out = null;
    }
    // A tool's result is checked whatever its members (readers keep unknown ones); elsewhere, by shape.
    if (this.policy !== null && ((shape & CONTENT) != 0 || pending !== null && pending.method == "tools/call")) {
      let guarded: ArrayBuffer | null;
      if (out === null) guarded = this.guardResult(base, length, result.start, result.end, pending);
      else {
        // The lists' edits moved the result: found again in the new message.
        const moved = scanInto(TOP, changetype<usize>(out!), out!.byteLength, ANSWER_KEYS, true);
        const at = moved.spans[A_RESULT];
        guarded = moved.error !== null || at.count != 1 ? this.withheld(pending, "the tool's result could not be read for this route's content policy")
          : this.guardResult(changetype<usize>(out!), out!.byteLength, at.start, at.end, pending);
      }
      if (guarded !== null) out = guarded;
    }
    return out;
  }

  private restrictsLists(): bool {
    for (let k = 0; k < this.lists.length; k++) if (this.lists[k] !== null) return true;
    return false;
  }

  /**
   * A message llm-mesh cannot check never passes: the first request still waiting gets an error in
   * its place (an error with id null when none waits, as on the server's own stream).
   */
  private unreadable(): ArrayBuffer {
    this.unreadableSeen = true;
    for (let i = 0; i < this.pending.length; i++) {
      const p = this.pending[i];
      if (p.outcome.length == 0) return this.withheld(p, "it is not one well-formed JSON-RPC message");
    }
    return this.withheld(null, "it is not one well-formed JSON-RPC message");
  }

  private withheld(pending: McpPending | null, why: string): ArrayBuffer {
    if (pending !== null) pending.outcome = "bad_answer";
    return String.UTF8.encode(errorMessage(pending !== null ? pending.idJson : "null", INTERNAL_ERROR, "the MCP server's answer was withheld by llm-mesh: " + why, "llm_mesh.bad_answer"));
  }

  /** The pending request this answer's id names (ids compared as JSON text). */
  private find(base: usize, id: ValueSpan): McpPending | null {
    const n = id.end - id.start;
    for (let i = 0; i < this.pending.length; i++) {
      const p = this.pending[i];
      if (p.idJson.length != n) continue;
      let same = true;
      for (let k = 0; k < n && same; k++) same = <i32>load<u8>(base + <usize>(id.start + k)) == p.idJson.charCodeAt(k);
      if (same) return p;
    }
    return null;
  }

  /** A tool's result ([start, end) of the message at `base`) under the route's deny and mask rules: every string in it, keys too. */
  private guardResult(base: usize, length: i32, start: i32, end: i32, pending: McpPending | null): ArrayBuffer | null {
    const edits = new Array<Edit>();
    const refusal = guardStrings(this.policy!, this.route, base, start, end, edits);
    if (refusal !== null) {
      if (pending !== null) pending.outcome = "denied";
      return String.UTF8.encode(errorMessage(pending !== null ? pending.idJson : "null", INTERNAL_ERROR, "the tool's result was withheld: " + refusal!, "llm_mesh.content_policy"));
    }
    return edits.length > 0 ? applyEdits(base, length, edits) : null;
  }
}

/** A document checked for content rules holds at most this many strings (each costs a span and its text). */
const MAX_GUARDED_STRINGS: i32 = 1 << 18;

/**
 * The route's deny and mask rules over every string (keys and values) of the JSON at [start, end)
 * of `base`, read as one text, as a message's parts are. Masked strings become edits (offsets from
 * `base`). The refusal's words, or null.
 */
export function guardStrings(policy: RequestPolicy, route: string, base: usize, start: i32, end: i32, edits: Array<Edit>): string | null {
  if (policy.deny.length == 0 && policy.mask.length == 0) return null;
  const spans = new Array<ValueSpan>();
  if (!stringSpans(base, start, end, spans, MAX_GUARDED_STRINGS)) return "it holds more strings than this route's content policy reads (" + MAX_GUARDED_STRINGS.toString() + ")";
  const texts = new Array<string>(spans.length);
  for (let i = 0; i < spans.length; i++) {
    // Rules read decoded text: bad UTF-8 would decode otherwise for the reader (json/utf8.ts).
    if (!isValidUtf8(base + <usize>spans[i].start, spans[i].end - spans[i].start)) return "it is not valid UTF-8";
    texts[i] = decodeStringValue(base, spans[i].start, spans[i].end, spans[i].escaped);
  }
  const verdict = guardTexts(policy, route, texts);
  if (verdict.denied !== null) return "refused by this route's content policy (rule " + verdict.denied!.name + ")";
  if (!verdict.masked) return null;
  for (let i = 0; i < spans.length; i++) if (verdict.dirty[i]) edits.push(new Edit(spans[i].start, spans[i].end, String.UTF8.encode(jsonString(texts[i]))));
  return null;
}

/** A JSON-RPC error message answering `idJson`. */
export function errorMessage(idJson: string, code: i32, message: string, reason: string): string {
  const w = new JsonWriter(96 + message.length);
  w.object().key("jsonrpc").string("2.0").key("id").rawValue(idJson);
  w.key("error").object().key("code").number(code).key("message").string(message);
  w.key("data").object().key("reason").string(reason).endObject().endObject().endObject();
  return String.UTF8.decodeUnsafe(changetype<usize>(w.toBuffer()), <usize>w.length);
}

/** The error codes JSON-RPC and MCP define, the only ones kept as metric labels (a server may invent any number). */
const KNOWN_CODES = ["-32700", "-32600", "-32601", "-32602", "-32603", "-32002", "-32001", "-32000"];

/** The error's code as a metric label: one of KNOWN_CODES, else "error". */
function errorCode(base: usize, error: ValueSpan): string {
  if (error.firstByte != 0x7b) return "error";
  const inner = scanInto(INNER, base + <usize>error.start, error.end - error.start, INNER_KEYS);
  if (inner.error !== null) return "error";
  const code = inner.spans[CODE];
  const n = code.end - code.start;
  if (code.count != 1 || n < 1 || n > 11) return "error";
  const at = base + <usize>error.start + <usize>code.start;
  for (let i = 0; i < n; i++) {
    const c = load<u8>(at + <usize>i);
    if (!(c >= 0x30 && c <= 0x39 || i == 0 && c == 0x2d)) return "error";
  }
  const text = String.UTF8.decodeUnsafe(at, <usize>n);
  return KNOWN_CODES.includes(text) ? text : "error";
}

/** A tools/call result that reports the tool failed (`isError: true`). */
function isToolError(base: usize, result: ValueSpan): bool {
  if (result.firstByte != 0x7b) return false;
  const inner = scanInto(INNER, base + <usize>result.start, result.end - result.start, INNER_KEYS);
  return inner.error === null && inner.spans[IS_ERROR].count == 1 && inner.spans[IS_ERROR].firstByte == 0x74;
}

/** The message as it was: nothing to leave out (filterLists). */
const UNCHANGED = new ArrayBuffer(0);

/** What a result holds that the reader acts on: lists, a tool's content; -1 when it is not one clear object. */
const LISTS = 1, CONTENT = 2;
const SHAPE_KEYS = keys(["tools", "prompts", "resources", "resourceTemplates", "content", "structuredContent"]);
const SHAPE = new ScanResult(SHAPE_KEYS.length);

function resultShape(base: usize, result: ValueSpan): i32 {
  if (result.firstByte != 0x7b) return 0;
  const scan = scanInto(SHAPE, base + <usize>result.start, result.end - result.start, SHAPE_KEYS, true);
  if (scan.error !== null) return -1;
  let shape = 0;
  for (let i = 0; i < SHAPE_KEYS.length; i++) {
    const n = scan.spans[i].count;
    if (n > 1) return -1; // repeated, or a case variant another reader may take for it
    if (n == 1) shape |= i < 4 ? LISTS : CONTENT;
  }
  return shape;
}

const LIST_KEYS = keys(LIST_ARRAYS);
const LISTS_SCAN = new ScanResult(LIST_ARRAYS.length);
const ITEM_SCAN = new ScanResult(1);
const ITEM_KEYS: StaticArray<StaticArray<ArrayBuffer>> = [keys(["name"]), keys(["uri"]), keys(["uriTemplate"])];
/** A list answer holds at most this many items per list (pages are far shorter); a longer one is withheld. */
const MAX_LIST_ITEMS: i32 = 16384;

/**
 * A list answer with only the items the caller may use (tools, prompts, resources, templates, by
 * the caller's list of each kind), cut out by their byte positions: the items kept pass byte for
 * byte and no tree is built. An item whose name (or URI) is not one string (absent, repeated, in
 * another letter case) is left out too, since the caller could not be allowed it. UNCHANGED when
 * nothing was left out; null when the lists cannot be read (the caller then gets an error, never
 * the unchecked list). `result` is the message's result span.
 */
function filterLists(base: usize, length: i32, result: ValueSpan, lists: StaticArray<ModelPatterns | null>): ArrayBuffer | null {
  const at = base + <usize>result.start;
  const scan = scanInto(LISTS_SCAN, at, result.end - result.start, LIST_KEYS, true);
  if (scan.error !== null) return null;
  const edits = new Array<Edit>();
  for (let index = 0; index < LIST_ARRAYS.length; index++) {
    const list = lists[LIST_KINDS[index]];
    const span = scan.spans[index];
    if (list === null || span.count == 0) continue;
    if (span.count > 1 || span.firstByte != 0x5b || !arrayItemsAtMost(at, span.start, span.end, MAX_LIST_ITEMS)) return null;
    const items = arrayItemSpans(at, span.start, span.end);
    if (items === null) return null;
    const wanted = ITEM_KEYS[index == 0 || index == 1 ? 0 : index - 1];
    let kept: JsonWriter | null = null;
    let keptCount = 0;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const allowed = item.firstByte == 0x7b && itemAllowed(at + <usize>item.start, item.end - item.start, wanted, LIST_KINDS[index], list!);
      if (allowed) {
        if (kept !== null) { if (keptCount > 0) kept!.byte(0x2c); kept!.bytes(at + <usize>item.start, item.end - item.start); }
        keptCount++;
        continue;
      }
      if (kept === null) {
        // The first item left out: the ones before it are copied, and every kept one after.
        kept = new JsonWriter(span.end - span.start);
        kept!.byte(0x5b);
        let written = 0;
        for (let j = 0; j < i; j++) { if (written > 0) kept!.byte(0x2c); kept!.bytes(at + <usize>items[j].start, items[j].end - items[j].start); written++; }
      }
    }
    if (kept === null) continue;
    kept!.byte(0x5d);
    edits.push(new Edit(result.start + span.start, result.start + span.end, kept!.toBuffer()));
  }
  return edits.length == 0 ? UNCHANGED : applyEdits(base, length, edits);
}

/** The item (an object) names exactly one string at its key, and `list` allows it. */
function itemAllowed(ptr: usize, length: i32, wanted: StaticArray<ArrayBuffer>, kind: i32, list: ModelPatterns): bool {
  const scan = scanInto(ITEM_SCAN, ptr, length, wanted, true);
  const name = scan.spans[0];
  if (scan.error !== null || name.count != 1 || name.firstByte != 0x22) return false;
  return allowedBy(list, kind, decodeStringValue(ptr, name.start, name.end, name.escaped));
}

function isSpace(c: u8): bool { return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09; }
