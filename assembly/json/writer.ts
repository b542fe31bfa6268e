// Builds JSON (and SSE frames around it) straight into UTF-8 bytes: one growing buffer, no
// intermediate strings, so translating a response costs one pass over what is written.
import { JsonKind, JsonValue } from "./parse";

const HEX = "0123456789abcdef";

export class JsonWriter {
  private data: ArrayBuffer;
  length: i32 = 0;
  /** Per nesting level: whether the next member or item needs a comma before it. */
  private needsComma: StaticArray<bool> = new StaticArray<bool>(128);
  private depth: i32 = 0;

  constructor(capacity: i32 = 256) {
    this.data = new ArrayBuffer(capacity);
  }

  private reserve(extra: i32): void {
    const needed = this.length + extra;
    if (needed <= this.data.byteLength) return;
    let size = this.data.byteLength << 1;
    while (size < needed) size <<= 1;
    const grown = new ArrayBuffer(size);
    memory.copy(changetype<usize>(grown), changetype<usize>(this.data), <usize>this.length);
    this.data = grown;
  }

  /** Appends one byte. */
  byte(c: i32): JsonWriter {
    this.reserve(1);
    store<u8>(changetype<usize>(this.data) + <usize>this.length, <u8>c);
    this.length++;
    return this;
  }

  /** Appends text as UTF-8, unescaped (for JSON syntax and SSE framing). */
  raw(text: string): JsonWriter {
    const n = String.UTF8.byteLength(text);
    this.reserve(n);
    String.UTF8.encodeUnsafe(changetype<usize>(text), text.length, changetype<usize>(this.data) + <usize>this.length, false);
    this.length += n;
    return this;
  }

  /** Appends an integer's decimal digits, without a string in between. */
  digits(value: i64): JsonWriter {
    if (value < 0) this.byte(0x2d);
    // i64's minimum negates to itself; as u64 it is the right magnitude.
    let v = value < 0 ? <u64>(-value) : <u64>value;
    let n = 1;
    for (let t = v; t >= 10; t /= 10) n++;
    this.reserve(n);
    let at = changetype<usize>(this.data) + <usize>(this.length + n);
    do { at--; store<u8>(at, <u8>(0x30 + v % 10)); v /= 10; } while (v > 0);
    this.length += n;
    return this;
  }

  /** Appends bytes as they are (JSON text that is already valid). */
  bytes(source: usize, count: i32): JsonWriter {
    this.reserve(count);
    memory.copy(changetype<usize>(this.data) + <usize>this.length, source, <usize>count);
    this.length += count;
    return this;
  }

  /** Called before every value: a comma between items, none right after a key. */
  private beforeValue(): void {
    if (this.afterKey) { this.afterKey = false; return; }
    this.separate();
  }

  private separate(): void {
    if (this.depth == 0) return;
    if (this.needsComma[this.depth]) this.byte(0x2c);
    else this.needsComma[this.depth] = true;
  }

  private afterKey: bool = false;

  /** Starts an object or array wherever a value may go (after a key, as an item, at the top). */
  object(): JsonWriter { this.beforeValue(); return this.open(0x7b); }
  array(): JsonWriter { this.beforeValue(); return this.open(0x5b); }
  endObject(): JsonWriter { return this.close(0x7d); }
  endArray(): JsonWriter { return this.close(0x5d); }

  private open(c: i32): JsonWriter {
    this.byte(c);
    this.depth++;
    this.needsComma[this.depth] = false;
    return this;
  }

  private close(c: i32): JsonWriter {
    this.byte(c);
    this.depth--;
    return this;
  }

  /** Writes `"key":`; the value written next belongs to it. */
  key(name: string): JsonWriter {
    this.separate();
    this.quoted(name);
    this.byte(0x3a);
    this.afterKey = true;
    return this;
  }

  string(text: string): JsonWriter { this.beforeValue(); this.quoted(text); return this; }
  number(value: i64): JsonWriter { this.beforeValue(); this.digits(value); return this; }
  boolean(value: bool): JsonWriter { this.beforeValue(); this.raw(value ? "true" : "false"); return this; }
  nil(): JsonWriter { this.beforeValue(); this.raw("null"); return this; }
  /** A value that is already JSON text. */
  rawValue(json: string): JsonWriter { this.beforeValue(); this.raw(json); return this; }
  /** A value that is already JSON text, as UTF-8 bytes. */
  rawBytes(json: ArrayBuffer): JsonWriter { this.beforeValue(); this.bytes(changetype<usize>(json), json.byteLength); return this; }
  /** A value that is already JSON text, `count` bytes at `source` (a span of another body). */
  rawAt(source: usize, count: i32): JsonWriter { this.beforeValue(); this.bytes(source, count); return this; }
  /** A parsed value, written back compactly. */
  value(v: JsonValue): JsonWriter {
    switch (v.kind) {
      case JsonKind.Object: {
        this.object();
        for (let i = 0; i < v.keys.length; i++) { this.key(v.keys[i]); this.value(v.items[i]); }
        return this.endObject();
      }
      case JsonKind.Array: {
        this.array();
        for (let i = 0; i < v.items.length; i++) this.value(v.items[i]);
        return this.endArray();
      }
      case JsonKind.String: return this.string(v.text);
      case JsonKind.Number: return this.rawValue(v.text);
      case JsonKind.Bool: return this.boolean(v.boolValue);
      default: return this.nil();
    }
  }

  /** A JSON string literal holding `count` UTF-8 bytes at `source` as text (e.g. JSON text as a string). */
  quotedBytes(source: usize, count: i32): JsonWriter {
    this.beforeValue();
    this.byte(0x22);
    let runStart = 0;
    for (let i = 0; i < count; i++) {
      const c = <i32>load<u8>(source + <usize>i);
      if (c >= 0x20 && c != 0x22 && c != 0x5c) continue;
      if (i > runStart) this.bytes(source + <usize>runStart, i - runStart);
      this.byte(0x5c);
      if (c == 0x22 || c == 0x5c) this.byte(c);
      else if (c == 0x0a) this.byte(0x6e);
      else if (c == 0x0d) this.byte(0x72);
      else if (c == 0x09) this.byte(0x74);
      else { this.raw("u00"); this.byte(HEX.charCodeAt(c >> 4)); this.byte(HEX.charCodeAt(c & 15)); }
      runStart = i + 1;
    }
    if (count > runStart) this.bytes(source + <usize>runStart, count - runStart);
    this.byte(0x22);
    return this;
  }

  /** Writes a JSON string literal, escaping what JSON requires. */
  quoted(text: string): void {
    this.byte(0x22);
    let runStart = 0;
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x20 && c != 0x22 && c != 0x5c) continue;
      if (i > runStart) this.raw(text.substring(runStart, i));
      this.byte(0x5c);
      if (c == 0x22 || c == 0x5c) this.byte(c);
      else if (c == 0x0a) this.byte(0x6e);
      else if (c == 0x0d) this.byte(0x72);
      else if (c == 0x09) this.byte(0x74);
      else {
        this.raw("u00");
        this.byte(HEX.charCodeAt(c >> 4));
        this.byte(HEX.charCodeAt(c & 15));
      }
      runStart = i + 1;
    }
    if (runStart == 0) this.raw(text);
    else if (runStart < n) this.raw(text.substring(runStart));
    this.byte(0x22);
  }

  /** Forgets what was written (keeps the buffer). */
  reset(): void { this.length = 0; this.depth = 0; this.afterKey = false; }

  /** Bytes it can hold before it grows. */
  get capacity(): i32 { return this.data.byteLength; }

  /** Where what was written starts; valid until the next write. */
  get dataPtr(): usize { return changetype<usize>(this.data); }

  /** A copy of what was written. */
  toBuffer(): ArrayBuffer {
    const out = new ArrayBuffer(this.length);
    memory.copy(changetype<usize>(out), changetype<usize>(this.data), <usize>this.length);
    return out;
  }
}
