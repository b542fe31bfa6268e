// Prompt templates: a route's request body written as JSON, whose strings may hold placeholders
// filled from the client's request. The language is small on purpose (no code, no loops):
//   {{ body.PATH }}            a field of the client's JSON body (PATH as in path.ts)
//   {{ header.NAME }}          a request header (credentials cannot be read)
//   {{ body.PATH ?? JSON }}    with a default when the field is missing
// A string that is one placeholder takes the value as it is (a number stays a number, an array an
// array); placeholders inside text insert text, numbers or booleans. Values are always written as
// JSON values, so no client text can change the request's structure.
import { JsonKind, JsonValue, parseJson } from "../json/parse";
import { Diagnostics } from "../fields/diagnostics";
import { childPath, indexPath } from "../fields/read";
import { HeaderSnapshot } from "../headers";
import { CREDENTIAL_BODY_FIELDS, CREDENTIAL_HEADERS } from "../safety/credentials";
import { isHeaderName } from "../safety/safe-text";
import { JsonPath, PATH_RULE, parsePath } from "./path";
import { JsonWriter } from "../json/writer";
import { decodeStringValue } from "../json/scan";

class Placeholder {
  /** A body field, or null for a header. */
  path: JsonPath | null = null;
  header: ArrayBuffer = new ArrayBuffer(0);
  fallback: JsonValue | null = null;
  /** Why the last fill failed here (set with the failure; a VM serves one request at a time). */
  problem: string = "";
  constructor(public source: string) {}
}

/** One node of a compiled template: a literal, a container, or a string with placeholders. */
export class TemplateNode {
  /** A literal part, as the JSON it is written as. */
  literalJson: ArrayBuffer | null = null;
  kind: JsonKind = JsonKind.Null;
  keys: string[] = [];
  kids: TemplateNode[] = [];
  /** A templated string: texts[0] hole[0] texts[1] … (one more text than holes). */
  texts: string[] = [];
  holes: Placeholder[] = [];
}

/** Compiles a route's template (a JSON object: the request body to send); problems go to `d` with their paths. */
export function compileTemplate(v: JsonValue, path: string, d: Diagnostics): TemplateNode {
  if (v.kind != JsonKind.Object) d.error(path, "must be an object (the request body to send, with {{ body.FIELD }} and {{ header.NAME }} placeholders in its strings)");
  return compileNode(v, path, d);
}

function compileNode(v: JsonValue, path: string, d: Diagnostics): TemplateNode {
  const node = new TemplateNode();
  node.kind = v.kind;
  if (v.kind == JsonKind.Object || v.kind == JsonKind.Array) {
    for (let i = 0; i < v.items.length; i++) {
      node.keys.push(v.kind == JsonKind.Object ? v.keys[i] : "");
      node.kids.push(compileNode(v.items[i], v.kind == JsonKind.Object ? childPath(path, v.keys[i]) : indexPath(path, i), d));
    }
    return node;
  }
  if (v.kind != JsonKind.String || !v.text.includes("{{")) { node.literalJson = String.UTF8.encode(v.toJson()); return node; }
  const text = v.text;
  let at = 0;
  while (true) {
    const open = text.indexOf("{{", at);
    if (open < 0) break;
    const close = text.indexOf("}}", open + 2);
    if (close < 0) { d.error(path, "has a '{{' without its '}}'"); break; }
    node.texts.push(text.substring(at, open));
    const hole = compilePlaceholder(text.substring(open + 2, close).trim(), path, d);
    node.holes.push(hole);
    at = close + 2;
  }
  node.texts.push(text.substring(at));
  if (node.holes.length == 0) node.literalJson = String.UTF8.encode(v.toJson());
  return node;
}

function compilePlaceholder(inner: string, path: string, d: Diagnostics): Placeholder {
  let name = inner;
  const fallbackAt = inner.indexOf("??");
  const hole = new Placeholder(inner);
  if (fallbackAt >= 0) {
    name = inner.substring(0, fallbackAt).trim();
    const parsed = parseJson(inner.substring(fallbackAt + 2).trim());
    if (parsed.value === null) d.error(path, "the default after '??' in {{ " + inner + " }} must be JSON (a number, true, false, null or a \"quoted string\")");
    else hole.fallback = parsed.value;
    hole.source = name;
  }
  if (name.startsWith("body.")) {
    hole.path = parsePath(name.substring(5));
    if (hole.path === null) d.error(path, "{{ " + name + " }}: the field path must be " + PATH_RULE);
    else if (CREDENTIAL_BODY_FIELDS.includes(hole.path!.keys[0])) d.error(path, "{{ " + name + " }}: a credential field cannot be read (a client's credentials never reach a provider)");
  } else if (name.startsWith("header.")) {
    const header = name.substring(7);
    if (!isHeaderName(header)) d.error(path, "{{ " + name + " }}: must name a lower-case header");
    else if (CREDENTIAL_HEADERS.includes(header)) d.error(path, "{{ " + name + " }}: a credential header cannot be read (a client's credentials never reach a provider)");
    hole.header = String.UTF8.encode(header);
  } else {
    d.error(path, "unknown variable \"" + name + "\" in {{ " + inner + " }} (accepted: body.FIELD_PATH, header.NAME, each optionally followed by ?? DEFAULT)");
  }
  return hole;
}

/**
 * Writes the template filled from the client's body (`base`, `length`: JSON, read by the scanner,
 * no tree) and headers. Returns why it could not be filled (the request's 400), or null.
 */
export function fillTemplate(node: TemplateNode, base: usize, length: i32, headers: HeaderSnapshot, w: JsonWriter): string | null {
  if (node.literalJson !== null) { w.rawBytes(node.literalJson!); return null; }
  if (node.kind == JsonKind.Object || node.kind == JsonKind.Array) {
    if (node.kind == JsonKind.Object) w.object(); else w.array();
    for (let i = 0; i < node.kids.length; i++) {
      if (node.kind == JsonKind.Object) w.key(node.keys[i]);
      const problem = fillTemplate(node.kids[i], base, length, headers, w);
      if (problem !== null) return problem;
    }
    if (node.kind == JsonKind.Object) w.endObject(); else w.endArray();
    return null;
  }
  // A string that is one placeholder and nothing else: the value as it is (the client's JSON, copied).
  if (node.holes.length == 1 && node.texts[0].length == 0 && node.texts[1].length == 0) {
    const hole = node.holes[0];
    if (hole.path !== null) {
      const span = hole.path!.findSpan(base, length);
      if (span !== null) { w.rawAt(base + <usize>span.start, span.end - span.start); return null; }
    } else {
      const header = headers.get(hole.header);
      if (header !== null) { w.string(header); return null; }
    }
    if (hole.fallback === null) return missing(hole);
    w.value(hole.fallback!);
    return null;
  }
  let text = node.texts[0];
  for (let i = 0; i < node.holes.length; i++) {
    const value = textOf(node.holes[i], base, length, headers);
    if (value === null) return node.holes[i].problem;
    text += value! + node.texts[i + 1];
  }
  w.string(text);
  return null;
}

/** A placeholder's value as text (strings, numbers, booleans); null with hole.problem set otherwise. */
function textOf(hole: Placeholder, base: usize, length: i32, headers: HeaderSnapshot): string | null {
  if (hole.path !== null) {
    const span = hole.path!.findSpan(base, length);
    if (span !== null) {
      const first = span.firstByte;
      if (first == 0x22) return decodeStringValue(base, span.start, span.end, span.escaped);
      // Numbers and booleans as written; null, objects and arrays have no text.
      if (first != 0x7b && first != 0x5b && first != 0x6e) return String.UTF8.decodeUnsafe(base + <usize>span.start, <usize>(span.end - span.start));
      hole.problem = "the request's " + hole.source + " must be text, a number or true/false (this route's template places it inside text)";
      return null;
    }
  } else {
    const header = headers.get(hole.header);
    if (header !== null) return header;
  }
  const fallback = hole.fallback;
  if (fallback === null) { hole.problem = missing(hole); return null; }
  if (fallback.kind == JsonKind.String || fallback.kind == JsonKind.Number) return fallback.text;
  if (fallback.kind == JsonKind.Bool) return fallback.boolValue ? "true" : "false";
  return "";
}

function missing(hole: Placeholder): string {
  if (hole.path !== null) return ("the request body has no field " + hole.path!.text + " (required by this route's prompt template, as {{ " + hole.source + " }})");
  return ("the request has no header " + hole.source.substring(7) + " (required by this route's prompt template, as {{ " + hole.source + " }})");
}
