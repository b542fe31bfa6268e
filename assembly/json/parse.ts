// A small, strict JSON parser: plugin configuration, and the provider answers and events a
// translator reads whole. It reports malformed input as an error value instead of aborting the VM
// (the AssemblyScript JSON libraries throw, and a throw here means proc_exit of the whole VM), and
// it is linear in time and bounded in memory: nesting is limited (MAX_DEPTH), so is the number of
// values (a tree costs tens of bytes a value, so `[0,0,…]` would cost 40 times its text), and
// duplicate keys are found with a hash set once an object is large.
import { jsonString } from "./splice";

export enum JsonKind { Null, Bool, Number, String, Array, Object }

/** A parsed JSON value. Objects keep key order; numbers keep their source text. */
export class JsonValue {
  kind: JsonKind = JsonKind.Null;
  boolValue: bool = false;
  numberValue: f64 = 0;
  /** String content, or the source text of a number. */
  text: string = "";
  /** Members or items: arrays of their own only for objects and arrays (scalars share empty ones they never change). */
  items: Array<JsonValue> = NO_ITEMS;
  keys: Array<string> = NO_KEYS;

  static of(kind: JsonKind): JsonValue {
    const v = new JsonValue();
    v.kind = kind;
    if (kind == JsonKind.Array || kind == JsonKind.Object) v.items = [];
    if (kind == JsonKind.Object) v.keys = [];
    return v;
  }

  /** The member named `key`, or null when absent or when this is not an object. */
  get(key: string): JsonValue | null {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] == key) return this.items[i];
    return null;
  }

  isInteger(): bool {
    return this.kind == JsonKind.Number && Math.floor(this.numberValue) == this.numberValue && Math.abs(this.numberValue) < 9007199254740992;
  }

  /** Compact JSON text for this value. */
  toJson(): string {
    switch (this.kind) {
      case JsonKind.Null: return "null";
      case JsonKind.Bool: return this.boolValue ? "true" : "false";
      case JsonKind.Number: return this.text;
      case JsonKind.String: return jsonString(this.text);
      case JsonKind.Array: {
        const parts = new Array<string>(this.items.length);
        for (let i = 0; i < this.items.length; i++) parts[i] = this.items[i].toJson();
        return "[" + parts.join(",") + "]";
      }
      default: {
        const parts = new Array<string>(this.items.length);
        for (let i = 0; i < this.items.length; i++) parts[i] = jsonString(this.keys[i]) + ":" + this.items[i].toJson();
        return "{" + parts.join(",") + "}";
      }
    }
  }
}

const NO_ITEMS: Array<JsonValue> = [];
const NO_KEYS: Array<string> = [];

/** Either a value or an error message with line and column. */
export class JsonParseResult {
  value: JsonValue | null = null;
  error: string = "";
}

/** Containers nested deeper than this are refused (the parser recurses once a level). */
export const MAX_DEPTH = 64;
/** The default bound on values in one document: config and requests. */
export const MAX_VALUES: i32 = 1 << 22;
/**
 * The bound on values in one provider answer or stream event read whole: about 90 MiB of tree at
 * most (a scalar costs about 170 bytes with its text; a container is charged three values).
 */
export const MAX_ANSWER_VALUES: i32 = 1 << 19;
/** An object with more keys than this checks duplicates with a hash set (below it, a scan is cheaper). */
const KEYS_SCANNED = 16;

class Parser {
  pos: i32 = 0;
  error: string = "";
  /** Values still allowed. */
  budget: i32;
  constructor(public text: string, maxValues: i32) { this.budget = maxValues; }

  fail(message: string): JsonValue | null {
    if (this.error.length == 0) {
      let line = 1;
      let column = 1;
      for (let i = 0; i < this.pos && i < this.text.length; i++) {
        if (this.text.charCodeAt(i) == 0x0a) { line++; column = 1; } else column++;
      }
      this.error = message + " at line " + line.toString() + ", column " + column.toString();
    }
    return null;
  }

  peek(): i32 { return this.pos < this.text.length ? this.text.charCodeAt(this.pos) : -1; }

  skipWhitespace(): void {
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
      this.pos++;
    }
  }

  parseValue(depth: i32): JsonValue | null {
    if (depth > MAX_DEPTH) return this.fail("nesting too deep");
    if (--this.budget < 0) return this.fail("too many values");
    this.skipWhitespace();
    const c = this.peek();
    if (c == 0x7b) return this.parseObject(depth);
    if (c == 0x5b) return this.parseArray(depth);
    if (c == 0x22) {
      const s = this.parseString();
      if (s === null) return null;
      const v = JsonValue.of(JsonKind.String);
      v.text = s;
      return v;
    }
    if (c == 0x74 || c == 0x66 || c == 0x6e) return this.parseLiteral();
    if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return this.parseNumber();
    if (c < 0) return this.fail("unexpected end of input");
    return this.fail("unexpected character");
  }

  parseLiteral(): JsonValue | null {
    const rest = this.text.substring(this.pos, this.pos + 5);
    if (rest.startsWith("true")) { this.pos += 4; const v = JsonValue.of(JsonKind.Bool); v.boolValue = true; return v; }
    if (rest.startsWith("false")) { this.pos += 5; return JsonValue.of(JsonKind.Bool); }
    if (rest.startsWith("null")) { this.pos += 4; return JsonValue.of(JsonKind.Null); }
    return this.fail("unexpected word");
  }

  parseNumber(): JsonValue | null {
    const start = this.pos;
    if (this.peek() == 0x2d) this.pos++;
    const intStart = this.pos;
    while (this.peek() >= 0x30 && this.peek() <= 0x39) this.pos++;
    if (this.pos == intStart || (this.text.charCodeAt(intStart) == 0x30 && this.pos - intStart > 1)) return this.fail("bad number");
    if (this.peek() == 0x2e) {
      this.pos++;
      const f = this.pos;
      while (this.peek() >= 0x30 && this.peek() <= 0x39) this.pos++;
      if (this.pos == f) return this.fail("bad number");
    }
    if ((this.peek() | 0x20) == 0x65) {
      this.pos++;
      if (this.peek() == 0x2b || this.peek() == 0x2d) this.pos++;
      const e = this.pos;
      while (this.peek() >= 0x30 && this.peek() <= 0x39) this.pos++;
      if (this.pos == e) return this.fail("bad number");
    }
    const v = JsonValue.of(JsonKind.Number);
    v.text = this.text.substring(start, this.pos);
    v.numberValue = parseFloat(v.text);
    return v;
  }

  /** A string literal: one substring when it has no escapes, else one pass into a buffer (never quadratic). */
  parseString(): string | null {
    this.pos++; // opening quote
    const start = this.pos;
    const text = this.text;
    const n = text.length;
    let escaped = false;
    let end = start;
    while (true) {
      if (end >= n) { this.pos = end; this.fail("unterminated string"); return null; }
      const c = text.charCodeAt(end);
      if (c == 0x22) break;
      if (c < 0x20) { this.pos = end; this.fail("control character in string"); return null; }
      if (c == 0x5c) { escaped = true; end += 2; continue; }
      end++;
    }
    if (!escaped) {
      this.pos = end + 1;
      return text.substring(start, end);
    }
    // Decoded text is never longer than its escaped form.
    const buffer = new ArrayBuffer((end - start) << 1);
    const out = changetype<usize>(buffer);
    let written = 0;
    let i = start;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c != 0x5c) { store<u16>(out + (<usize>written << 1), <u16>c); written++; i++; continue; }
      const e = i + 1 < n ? text.charCodeAt(i + 1) : -1;
      let decoded = -1;
      if (e == 0x75) {
        let code = 0;
        for (let k = 2; k < 6; k++) {
          const ch = i + k < n ? text.charCodeAt(i + k) : -1;
          const d = ch >= 0x30 && ch <= 0x39 ? ch - 0x30 : ((ch | 0x20) >= 0x61 && (ch | 0x20) <= 0x66 ? (ch | 0x20) - 0x61 + 10 : -1);
          if (d < 0) { this.pos = i; this.fail("bad \\u escape"); return null; }
          code = (code << 4) | d;
        }
        store<u16>(out + (<usize>written << 1), <u16>code);
        written++;
        i += 6;
        continue;
      }
      if (e == 0x22) decoded = 0x22;
      else if (e == 0x5c) decoded = 0x5c;
      else if (e == 0x2f) decoded = 0x2f;
      else if (e == 0x62) decoded = 0x08;
      else if (e == 0x66) decoded = 0x0c;
      else if (e == 0x6e) decoded = 0x0a;
      else if (e == 0x72) decoded = 0x0d;
      else if (e == 0x74) decoded = 0x09;
      if (decoded < 0) { this.pos = i; this.fail("bad escape"); return null; }
      store<u16>(out + (<usize>written << 1), <u16>decoded);
      written++;
      i += 2;
    }
    if (i != end) { this.pos = end; this.fail("bad \\u escape"); return null; }
    this.pos = end + 1;
    return String.UTF16.decodeUnsafe(out, <usize>written << 1);
  }

  parseArray(depth: i32): JsonValue | null {
    this.pos++;
    // A container costs about three scalars (its arrays).
    if ((this.budget -= 2) < 0) return this.fail("too many values");
    const v = JsonValue.of(JsonKind.Array);
    this.skipWhitespace();
    if (this.peek() == 0x5d) { this.pos++; return v; }
    while (true) {
      const item = this.parseValue(depth + 1);
      if (item === null) return null;
      v.items.push(item);
      this.skipWhitespace();
      const c = this.peek();
      this.pos++;
      if (c == 0x5d) return v;
      if (c != 0x2c) { this.pos--; return this.fail("expected ',' or ']'"); }
    }
  }

  parseObject(depth: i32): JsonValue | null {
    this.pos++;
    if ((this.budget -= 2) < 0) return this.fail("too many values");
    const v = JsonValue.of(JsonKind.Object);
    this.skipWhitespace();
    if (this.peek() == 0x7d) { this.pos++; return v; }
    let seen: Set<string> | null = null;
    while (true) {
      this.skipWhitespace();
      if (this.peek() != 0x22) return this.fail("expected a key in double quotes");
      const keyPos = this.pos;
      const key = this.parseString();
      if (key === null) return null;
      // A scan while the object is small; past that a set, so a huge object is not quadratic.
      let duplicate = false;
      if (seen !== null) duplicate = seen.has(key);
      else if (v.keys.length < KEYS_SCANNED) duplicate = v.get(key) !== null;
      else {
        seen = new Set<string>();
        for (let i = 0; i < v.keys.length; i++) seen.add(v.keys[i]);
        duplicate = seen.has(key);
      }
      if (duplicate) { this.pos = keyPos; return this.fail("duplicate key \"" + key + "\""); }
      if (seen !== null) seen.add(key);
      this.skipWhitespace();
      if (this.peek() != 0x3a) return this.fail("expected ':'");
      this.pos++;
      const item = this.parseValue(depth + 1);
      if (item === null) return null;
      v.keys.push(key);
      v.items.push(item);
      this.skipWhitespace();
      const c = this.peek();
      this.pos++;
      if (c == 0x7d) return v;
      if (c != 0x2c) { this.pos--; return this.fail("expected ',' or '}'"); }
    }
  }
}

/** Parses a whole JSON document of at most `maxValues` values. */
export function parseJson(text: string, maxValues: i32 = MAX_VALUES): JsonParseResult {
  const result = new JsonParseResult();
  const p = new Parser(text, maxValues);
  const value = p.parseValue(0);
  if (value !== null) {
    p.skipWhitespace();
    if (p.pos < text.length) p.fail("unexpected data after the JSON value");
  }
  if (p.error.length > 0) result.error = p.error;
  else result.value = value;
  return result;
}
