// What a provider feeds to the model, per client API: the strings of a request body that deny and
// mask rules read, grouped so that the text parts of one message are matched as one text.
// docs/content-policy.md has the table, field by field. Content the filter cannot read (token ids,
// a file or document given as data, an id or a URL, a content type it does not know) is reported,
// and refused on routes with deny rules: a rule the model's input could slip past is no rule.
// Read with the scanner: each object of the conversation is scanned once for its members, and
// free-form JSON (tool arguments, schemas, metadata) by one linear walk over its strings.
import { ScanResult, ValueSpan, arrayItemSpans, decodeStringValue, scanRequestInto } from "../json/scan";
import { SAME_KEY } from "../json/fold";
import { Operation } from "../api";

/** Which rules read a group: deny rules, masks, or both. */
export const DENY: u8 = 1;
export const MASK: u8 = 2;
export const BOTH: u8 = 3;

/** Texts matched as one (joined by a space): one message's text parts, or one top-level field. */
export class TextGroup {
  spans: ValueSpan[] = [];
  /** Listed in ModelText.groups (on its first text: empty groups are never listed). */
  listed: bool = false;
  constructor(public reads: u8) {}
}

/** The model-readable text of a body, or why it could not be read. */
export class ModelText {
  groups: TextGroup[] = [];
  /** What the model would read that the filter cannot check (first found), or null. */
  unreadable: string | null = null;
  /** A request error (invalid JSON, a repeated member), or null. */
  error: string | null = null;
  invalidJson: bool = false;
}

function keys(names: string[]): StaticArray<ArrayBuffer> {
  return StaticArray.fromArray<ArrayBuffer>(names.map<ArrayBuffer>((k) => String.UTF8.encode(k)));
}

const TOP_NAMES = ["messages", "input", "prompt", "system", "instructions", "tools", "user", "metadata", "suffix", "response_format", "text", "safety_identifier"];
const TOP = keys(TOP_NAMES);
const T_MESSAGES = 0, T_INPUT = 1, T_PROMPT = 2, T_SYSTEM = 3, T_INSTRUCTIONS = 4, T_TOOLS = 5, T_USER = 6, T_METADATA = 7, T_SUFFIX = 8, T_FORMAT = 9, T_TEXT = 10, T_SAFETY_ID = 11;

// Members of a message, part, block or item. The first ones hold text the model reads.
const PART_NAMES = ["content", "text", "name", "refusal", "arguments", "output", "title", "context", "filename", "input", "source",
  "type", "thinking", "summary", "tool_calls", "function_call", "function", "file", "file_data", "file_id", "file_url"];
const PART = keys(PART_NAMES);
/** PART_NAMES[0, TEXT_MEMBERS): text (or content holding text). */
const TEXT_MEMBERS = 11;
const P_INPUT = 9, P_SOURCE = 10, P_TYPE = 11, P_THINKING = 12, P_SUMMARY = 13, P_TOOL_CALLS = 14, P_FUNCTION_CALL = 15, P_FUNCTION = 16, P_FILE = 17, P_FILE_DATA = 18, P_FILE_ID = 19, P_FILE_URL = 20;

const SOURCE = keys(["type", "data", "content"]);

/** Types read member by member (the members above). */
const READ_TYPES = ["message", "text", "input_text", "output_text", "refusal", "summary_text", "reasoning_text", "function", "function_call",
  "function_call_output", "custom_tool_call", "custom_tool_call_output", "local_shell_call_output", "tool_use", "server_tool_use", "mcp_tool_use",
  "tool_result", "document", "search_result", "thinking", "reasoning", "file", "input_file"];
/** Types without text: images and audio (their pixels and sound are not checked), opaque or encrypted state the provider made. */
const PASS_TYPES = ["image_url", "input_image", "image", "input_audio", "audio", "computer_screenshot", "redacted_thinking", "item_reference"];
/** Built-in tools' calls and results: every string in them is read (deny rules). */
const DEEP_TYPES = ["custom", "web_search_call", "file_search_call", "computer_call", "computer_call_output", "code_interpreter_call", "image_generation_call",
  "local_shell_call", "shell_call", "shell_call_output", "apply_patch_call", "apply_patch_call_output", "mcp_call", "mcp_list_tools",
  "mcp_approval_request", "mcp_approval_response", "web_search_tool_result", "web_fetch_tool_result", "code_execution_tool_result",
  "bash_code_execution_tool_result", "text_editor_code_execution_tool_result", "mcp_tool_result", "tool_search_tool_result", "container_upload"];

/** Objects and lists inside one message deeper than this are refused (each level rescans its bytes once). */
const MAX_NESTING = 12;

class Reader {
  out: ModelText = new ModelText();
  /** The top-level field and item (-1: none) being read, for messages. */
  where: string = "";
  whereIndex: i32 = -1;
  private results: ScanResult[] = [];
  constructor(public base: usize) {}

  unreadable(what: string): void {
    if (this.out.unreadable === null) this.out.unreadable = what + " in " + this.where + (this.whereIndex >= 0 ? "[" + this.whereIndex.toString() + "]" : "");
  }

  fail(message: string): void { if (this.out.error === null) this.out.error = message; }

  /** A fresh group, listed when it gets text. */
  group(reads: u8): TextGroup { return new TextGroup(reads); }

  add(group: TextGroup, span: ValueSpan): void {
    if (!group.listed) { group.listed = true; this.out.groups.push(group); }
    group.spans.push(span);
  }

  /** A top-level field that is text, text parts, or a list of messages (one group per message). */
  conversation(span: ValueSpan, field: string): void {
    this.where = field;
    this.whereIndex = -1;
    if (span.firstByte != 0x5b) { this.value(span, this.group(BOTH), this.group(DENY), 0); return; }
    const items = arrayItemSpans(this.base, span.start, span.end);
    if (items === null) return;
    for (let i = 0; i < items.length; i++) {
      this.whereIndex = i;
      this.value(items[i], this.group(BOTH), this.group(DENY), 0);
    }
  }

  /** Text, a list, or an object; `text` gets its text, `thoughts` what is read by deny rules only. */
  value(span: ValueSpan, text: TextGroup, thoughts: TextGroup, depth: i32): void {
    const first = span.firstByte;
    // A copy: members' spans belong to a scan result that is reused.
    if (first == 0x22) { this.add(text, copy(span)); return; }
    if (first == 0x7b) { this.object(span, text, thoughts, depth + 1); return; }
    if (first != 0x5b) return; // numbers, booleans and null carry no text
    if (depth + 1 > MAX_NESTING) { this.unreadable("content nested more than " + MAX_NESTING.toString() + " objects or lists deep"); return; }
    const items = arrayItemSpans(this.base, span.start, span.end);
    if (items === null) return;
    for (let i = 0; i < items.length; i++) this.value(items[i], text, thoughts, depth + 1);
  }

  private object(span: ValueSpan, text: TextGroup, thoughts: TextGroup, depth: i32): void {
    if (depth > MAX_NESTING) { this.unreadable("content nested more than " + MAX_NESTING.toString() + " objects or lists deep"); return; }
    const scan = this.scan(span, PART, depth);
    if (scan === null) return;
    const m = scan.spans;
    let type = "";
    if (m[P_TYPE].count == 1) {
      if (m[P_TYPE].firstByte != 0x22) { this.unreadable("content whose type is not text"); return; }
      type = decodeStringValue(this.base, m[P_TYPE].start, m[P_TYPE].end, m[P_TYPE].escaped);
    }
    if (type.length > 0 && !READ_TYPES.includes(type)) {
      if (PASS_TYPES.includes(type)) return;
      if (DEEP_TYPES.includes(type)) { this.strings(span, thoughts); return; }
      this.unreadable("content of type \"" + printable(type) + "\"");
      return;
    }
    // A model's reasoning is read by deny rules only: masking it would break its signature.
    if (type == "thinking" || type == "reasoning") text = thoughts;
    for (let k = 0; k < TEXT_MEMBERS; k++) {
      const member = m[k];
      if (member.count == 0) continue;
      if (k == P_INPUT && member.firstByte != 0x22) { this.strings(member, text); continue; } // a tool call's arguments as JSON
      if (k == P_SOURCE && member.firstByte == 0x7b) { this.source(member, text, thoughts, depth); continue; }
      this.value(member, text, thoughts, depth);
    }
    if (m[P_THINKING].count == 1) this.value(m[P_THINKING], thoughts, thoughts, depth);
    if (m[P_SUMMARY].count == 1) this.value(m[P_SUMMARY], thoughts, thoughts, depth);
    if (m[P_TOOL_CALLS].count == 1) this.value(m[P_TOOL_CALLS], text, thoughts, depth);
    if (m[P_FUNCTION_CALL].count == 1) this.value(m[P_FUNCTION_CALL], text, thoughts, depth);
    if (m[P_FUNCTION].count == 1) this.value(m[P_FUNCTION], text, thoughts, depth);
    if (m[P_FILE].count == 1) this.value(m[P_FILE], text, thoughts, depth);
    if (m[P_FILE_DATA].count + m[P_FILE_ID].count + m[P_FILE_URL].count > 0) this.unreadable("a file given as data, an id or a URL");
  }

  /** An Anthropic document's source: text, content blocks, or data the filter cannot read. */
  private source(span: ValueSpan, text: TextGroup, thoughts: TextGroup, depth: i32): void {
    const scan = this.scan(span, SOURCE, depth);
    if (scan === null) return;
    const type = scan.spans[0];
    const kind = type.count == 1 && type.firstByte == 0x22 ? decodeStringValue(this.base, type.start, type.end, type.escaped) : "";
    if (kind == "text" && scan.spans[1].count == 1) this.value(scan.spans[1], text, thoughts, depth);
    else if (kind == "content" && scan.spans[2].count == 1) this.value(scan.spans[2], text, thoughts, depth);
    else this.unreadable("a document given as base64 data, a URL or a file id");
  }

  /** The object at `span` scanned for `wanted`, or null (a member repeated: refused, as providers disagree on which counts). */
  private scan(span: ValueSpan, wanted: StaticArray<ArrayBuffer>, depth: i32): ScanResult | null {
    // One result per depth: an object's spans stay valid while the objects inside it are read.
    while (this.results.length <= depth * 2 + 1) this.results.push(new ScanResult(PART.length));
    const result = this.results[depth * 2 + (wanted == SOURCE ? 1 : 0)];
    scanRequestInto(result, this.base + <usize>span.start, span.end - span.start, wanted);
    if (result.error !== null) { this.fail(result.error!); return null; }
    for (let i = 0; i < wanted.length; i++) {
      const s = result.spans[i];
      if (s.count > 1) { this.fail("a message or content part in the request body repeats its member \"" + String.UTF8.decode(wanted[i]) + "\"" + SAME_KEY); return null; }
      if (s.count == 1) { s.start += span.start; s.end += span.start; }
    }
    return result;
  }

  /** Every string value (not member names) inside the JSON at `span`, in one pass. */
  strings(span: ValueSpan, into: TextGroup): void {
    const base = this.base;
    let p = span.start;
    const end = span.end;
    while (p < end) {
      if (load<u8>(base + <usize>p) != 0x22) { p++; continue; }
      let q = p + 1, escaped = false;
      while (q < end) {
        const b = load<u8>(base + <usize>q);
        if (b == 0x5c) { escaped = true; q += 2; continue; }
        if (b == 0x22) break;
        q++;
      }
      let r = q + 1;
      while (r < end && isSpace(load<u8>(base + <usize>r))) r++;
      if (r >= end || load<u8>(base + <usize>r) != 0x3a) {
        const s = new ValueSpan();
        s.start = p; s.end = q + 1; s.count = 1; s.firstByte = 0x22; s.escaped = escaped;
        this.add(into, s);
      }
      p = q + 1;
    }
  }

  /** /v1/completions prompts and embeddings inputs: text, a list of texts, or token ids (unreadable). */
  prompts(span: ValueSpan, field: string): void {
    this.where = field;
    this.whereIndex = -1;
    if (span.firstByte == 0x22) { this.add(this.group(BOTH), span); return; }
    if (span.firstByte != 0x5b) { if (span.firstByte != 0x6e) this.unreadable("a prompt that is not text"); return; }
    const items = arrayItemSpans(this.base, span.start, span.end);
    if (items === null) return;
    for (let i = 0; i < items.length; i++) {
      const first = items[i].firstByte;
      if (first == 0x22) { this.add(this.group(BOTH), items[i]); continue; }
      this.unreadable(first == 0x5b || first == 0x2d || first >= 0x30 && first <= 0x39 ? "a prompt given as token ids" : "a prompt that is not text");
      return;
    }
  }
}

function copy(span: ValueSpan): ValueSpan {
  const s = new ValueSpan();
  s.start = span.start; s.end = span.end; s.count = 1; s.firstByte = span.firstByte; s.escaped = span.escaped;
  return s;
}

function isSpace(c: u8): bool { return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09; }

/** A client's type name, safe to quote in an error. */
function printable(type: string): string {
  let out = "";
  for (let i = 0; i < min(type.length, 40); i++) {
    const c = type.charCodeAt(i);
    out += c >= 0x30 && c <= 0x39 || c >= 0x41 && c <= 0x5a || c >= 0x61 && c <= 0x7a || c == 0x5f || c == 0x2d || c == 0x2e ? String.fromCharCode(c) : "?";
  }
  return out;
}

/** The model-readable text of a request body in the client's API `op`. */
export function readModelText(base: usize, length: i32, op: Operation): ModelText {
  const r = new Reader(base);
  const top = scanRequestInto(new ScanResult(TOP.length), base, length, TOP);
  if (top.error !== null) { r.out.error = top.error; r.out.invalidJson = true; return r.out; }
  for (let i = 0; i < TOP.length; i++) if (top.spans[i].count > 1) { r.out.error = "duplicate top-level key \"" + TOP_NAMES[i] + "\" in request body" + SAME_KEY; return r.out; }
  const s = top.spans;
  if (op == Operation.Completions || op == Operation.Embeddings) {
    const field = op == Operation.Completions ? T_PROMPT : T_INPUT;
    if (s[field].count == 1) r.prompts(s[field], TOP_NAMES[field]);
    if (op == Operation.Completions && s[T_SUFFIX].count == 1) r.conversation(s[T_SUFFIX], "suffix");
  } else if (op == Operation.Responses) {
    if (s[T_INPUT].count == 1) r.conversation(s[T_INPUT], "input");
    if (s[T_INSTRUCTIONS].count == 1) r.conversation(s[T_INSTRUCTIONS], "instructions");
    // A stored prompt's variables are the client's text.
    if (s[T_PROMPT].count == 1) r.strings(s[T_PROMPT], r.group(BOTH));
    if (s[T_TEXT].count == 1) r.strings(s[T_TEXT], r.group(DENY));
  } else {
    if (s[T_MESSAGES].count == 1) r.conversation(s[T_MESSAGES], "messages");
    if (op != Operation.ChatCompletions && s[T_SYSTEM].count == 1) {
      // Anthropic's system blocks are one text, like one message's parts.
      r.where = "system";
      r.whereIndex = -1;
      r.value(s[T_SYSTEM], r.group(BOTH), r.group(DENY), 0);
    }
    if (op == Operation.ChatCompletions && s[T_FORMAT].count == 1) r.strings(s[T_FORMAT], r.group(DENY));
  }
  // Tool definitions: names, descriptions and schemas the model reads (deny rules; one group per tool).
  if (s[T_TOOLS].count == 1 && op != Operation.Completions && op != Operation.Embeddings) {
    const tools = s[T_TOOLS];
    const items = tools.firstByte == 0x5b ? arrayItemSpans(base, tools.start, tools.end) : null;
    if (items !== null) for (let i = 0; i < items.length; i++) r.strings(items[i], r.group(DENY));
  }
  // Sent to the provider, not the model: personal data there is masked, deny rules do not read it.
  if (s[T_USER].count == 1) r.strings(s[T_USER], r.group(MASK));
  if (s[T_SAFETY_ID].count == 1) r.strings(s[T_SAFETY_ID], r.group(MASK));
  if (s[T_METADATA].count == 1) r.strings(s[T_METADATA], r.group(MASK));
  return r.out;
}
