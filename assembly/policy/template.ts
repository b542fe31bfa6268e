// Prompt templates: a route's request body written as JSON, whose strings may hold placeholders
// filled from the client's request. The language is small on purpose (no code, no loops):
//   {{ body.PATH }}            a field of the client's JSON body (PATH as in path.ts)
//   {{ header.NAME }}          a request header (credentials cannot be read)
//   {{ body.PATH ?? JSON }}    with a default when the field is missing
// A string that is one placeholder takes the value as it is (a number stays a number, an array an
// array); placeholders inside text insert text, numbers or booleans. Values are always written as
// JSON values, so no client text can change the request's structure.
import { JsonKind, JsonValue, parseJson } from "../json/parse";
import { Diagnostics } from "../config/diagnostics";
import { childPath, indexPath } from "../config/fields";
import { HeaderSnapshot } from "../headers";
import { CREDENTIAL_HEADERS } from "../request/credentials";
import { isHeaderName } from "../request/safe-text";
import { JsonPath, PATH_RULE, parsePath } from "./path";

class Placeholder {
  /** A body field, or null for a header. */
  path: JsonPath | null = null;
  header: ArrayBuffer = new ArrayBuffer(0);
  fallback: JsonValue | null = null;
  constructor(public source: string) {}
}

/** One node of a compiled template: a literal, a container, or a string with placeholders. */
export class TemplateNode {
  literal: JsonValue | null = null;
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
  if (v.kind != JsonKind.String || !v.text.includes("{{")) { node.literal = v; return node; }
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
  if (node.holes.length == 0) node.literal = v;
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

/** A filled template: the request body as a tree, or why it could not be filled (the request's 400). */
export class TemplateFill {
  value: JsonValue | null = null;
  error: string = "";
}

/** Fills the template from the client's body and headers. Literal parts are copied: the result may be edited (masks). */
export function fillTemplate(node: TemplateNode, body: JsonValue, headers: HeaderSnapshot, out: TemplateFill): JsonValue | null {
  if (node.literal !== null) return copyOf(node.literal!);
  if (node.kind == JsonKind.Object || node.kind == JsonKind.Array) {
    const v = JsonValue.of(node.kind);
    for (let i = 0; i < node.kids.length; i++) {
      const kid = fillTemplate(node.kids[i], body, headers, out);
      if (kid === null) return null;
      v.items.push(kid!);
      if (node.kind == JsonKind.Object) v.keys.push(node.keys[i]);
    }
    return v;
  }
  // A string that is one placeholder and nothing else: the value as it is.
  if (node.holes.length == 1 && node.texts[0].length == 0 && node.texts[1].length == 0) {
    const value = lookUp(node.holes[0], body, headers);
    if (value === null) { out.error = missing(node.holes[0]); return null; }
    // The client's own value is used as it is (parsed for this request); a default is the config's.
    return value === node.holes[0].fallback ? copyOf(value!) : value;
  }
  let text = node.texts[0];
  for (let i = 0; i < node.holes.length; i++) {
    const value = lookUp(node.holes[i], body, headers);
    if (value === null) { out.error = missing(node.holes[i]); return null; }
    const kind = value!.kind;
    if (kind == JsonKind.String || kind == JsonKind.Number) text += value!.text;
    else if (kind == JsonKind.Bool) text += value!.boolValue ? "true" : "false";
    else { out.error = "the request's " + node.holes[i].source + " must be text, a number or true/false (this route's template places it inside text)"; return null; }
    text += node.texts[i + 1];
  }
  const v = JsonValue.of(JsonKind.String);
  v.text = text;
  return v;
}

/** A copy of a value's containers and strings (masks edit strings in place). */
function copyOf(v: JsonValue): JsonValue {
  const c = JsonValue.of(v.kind);
  c.text = v.text;
  c.boolValue = v.boolValue;
  c.numberValue = v.numberValue;
  for (let i = 0; i < v.items.length; i++) c.items.push(copyOf(v.items[i]));
  for (let i = 0; i < v.keys.length; i++) c.keys.push(v.keys[i]);
  return c;
}

function lookUp(hole: Placeholder, body: JsonValue, headers: HeaderSnapshot): JsonValue | null {
  let value: JsonValue | null = null;
  if (hole.path !== null) value = hole.path!.find(body);
  else {
    const header = headers.get(hole.header);
    if (header !== null) { value = JsonValue.of(JsonKind.String); value.text = header; }
  }
  return value !== null ? value : hole.fallback;
}

function missing(hole: Placeholder): string {
  if (hole.path !== null) return ("the request body has no field " + hole.path!.text + " (required by this route's prompt template, as {{ " + hole.source + " }})");
  return ("the request has no header " + hole.source.substring(7) + " (required by this route's prompt template, as {{ " + hole.source + " }})");
}
