// Single-pass scanner over a UTF-8 JSON request body. It validates the whole document and records,
// for a few wanted top-level keys, where each value starts and ends, so the filter can splice new
// values in with one output copy. No tree is built: chat bodies are mostly long message strings,
// and this loop touches each byte once.

import { isCaseVariant } from "./fold";

const MAX_DEPTH: i32 = 128;
// Escaped keys are decoded into MAX_KEY_BYTES * 4 bytes at most; longer ones cannot be wanted ones
// (nor their case variants: a folding character is at most three bytes for one wanted byte).
const MAX_KEY_BYTES: i32 = 64;
const keyScratch: usize = memory.data(MAX_KEY_BYTES * 4);
const QUOTES = i8x16.splat(0x22);
const BACKSLASHES = i8x16.splat(0x5c);
const SPACES = i8x16.splat(0x20);
/** By the byte after a backslash: the escape's length (2, or 6 for \\uXXXX), 0 when no escape starts so. */
const ESCAPE_LENGTHS: usize = escapeLengths();

function escapeLengths(): usize {
  const table = memory.data(256);
  const simple = "\"\\/bfnrt";
  for (let i = 0; i < simple.length; i++) store<u8>(table + <usize>simple.charCodeAt(i), 2);
  store<u8>(table + 0x75, 6);
  return table;
}

/** Where one wanted top-level key's value lies in the body, and how often the key appeared. */
export class ValueSpan {
  start: i32 = -1;
  end: i32 = -1;
  /**
   * How many members name this key. In a request scan a case variant ("MODEL" for "model", which
   * Go's encoding/json reads as the same key) counts as two, so the one rule `count > 1` refuses
   * it like a duplicate, whether or not the key itself is there.
   */
  count: i32 = 0;
  /** True when the value is a JSON string that contains escapes. */
  escaped: bool = false;
  /** The JSON type of the value: its first byte ('"', '{', '[', 't', 'f', 'n', or a digit/'-'). */
  firstByte: u8 = 0;
  /** Bytes to delete to remove the whole member, its separating comma included. */
  removeStart: i32 = -1;
  removeEnd: i32 = -1;
}

/** The outcome of a scan: an error (with byte offset) or the spans of the wanted keys. */
export class ScanResult {
  error: string | null = null;
  /** Offset of the closing brace of the top-level object. */
  closeBrace: i32 = -1;
  memberCount: i32 = 0;
  spans: StaticArray<ValueSpan>;
  constructor(wanted: i32) {
    this.spans = new StaticArray<ValueSpan>(wanted);
    for (let i = 0; i < wanted; i++) this.spans[i] = new ValueSpan();
  }

  reset(): void {
    this.error = null;
    this.closeBrace = -1;
    this.memberCount = 0;
    for (let i = 0; i < this.spans.length; i++) {
      const s = this.spans[i];
      s.start = -1; s.end = -1; s.count = 0; s.escaped = false; s.firstByte = 0; s.removeStart = -1; s.removeEnd = -1;
    }
  }
}

class Scanner {
  base: usize;
  end: usize;
  pos: usize;
  error: string | null = null;
  lastStringEscaped: bool = false;

  constructor(base: usize, length: i32) {
    this.base = base;
    this.end = base + <usize>length;
    this.pos = base;
  }

  reset(base: usize, length: i32): void {
    this.base = base;
    this.end = base + <usize>length;
    this.pos = base;
    this.error = null;
    this.lastStringEscaped = false;
  }

  fail(message: string): bool {
    if (this.error === null) this.error = message + " at byte " + (<i32>(this.pos - this.base)).toString();
    return false;
  }

  skipWhitespace(): void {
    let p = this.pos;
    const end = this.end;
    while (p < end) {
      const c = load<u8>(p);
      if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
      p++;
    }
    this.pos = p;
  }

  /** Scans a string whose opening quote is at pos; leaves pos after the closing quote. */
  scanString(): bool {
    let p = this.pos + 1;
    const end = this.end;
    let escaped = false;
    // The hot loop: message text. Only three byte classes matter here: '"', '\\' and controls.
    // Thirty-two bytes a step with SIMD; the escapes found in a step are checked from its mask, so
    // text with an escape every few dozen bytes stays in this loop.
    while (p + 32 <= end) {
      const v0 = v128.load(p);
      const v1 = v128.load(p, 16);
      let mask = i8x16.bitmask(v128.or(v128.or(i8x16.eq(v0, QUOTES), i8x16.eq(v0, BACKSLASHES)), i8x16.lt_u(v0, SPACES)))
        | (i8x16.bitmask(v128.or(v128.or(i8x16.eq(v1, QUOTES), i8x16.eq(v1, BACKSLASHES)), i8x16.lt_u(v1, SPACES))) << 16);
      let next = p + 32;
      while (mask != 0) {
        const q = p + <usize>ctz(mask);
        const c = load<u8>(q);
        if (c == 0x22) {
          this.pos = q + 1;
          this.lastStringEscaped = escaped;
          return true;
        }
        if (c < 0x20) { this.pos = q; return this.fail("control character in string"); }
        const n = this.escapeLength(q);
        if (n == 0) return false;
        escaped = true;
        const after = <i32>(q + n - p);
        // An escape that runs past this step: go on from its end.
        if (after >= 32) { next = q + n; break; }
        mask &= -1 << after;
      }
      p = next;
    }
    while (p < end) {
      const c = load<u8>(p);
      if (c == 0x22) {
        this.pos = p + 1;
        this.lastStringEscaped = escaped;
        return true;
      }
      if (c < 0x20) { this.pos = p; return this.fail("control character in string"); }
      if (c == 0x5c) {
        const n = this.escapeLength(p);
        if (n == 0) return false;
        escaped = true;
        p += n;
      } else {
        p++;
      }
    }
    this.pos = p;
    return this.fail("unterminated string");
  }

  /** The length of the escape whose backslash is at p (2, or 6 for \\uXXXX); 0 when it is bad (failed). */
  @inline private escapeLength(p: usize): usize {
    const end = this.end;
    if (p + 1 >= end) { this.pos = p; this.fail("unterminated escape"); return 0; }
    const n = <usize>load<u8>(ESCAPE_LENGTHS + <usize>load<u8>(p + 1));
    if (n == 2) return 2;
    if (n == 0) { this.pos = p; this.fail("bad escape"); return 0; }
    if (p + 6 > end) { this.pos = p; this.fail("truncated \\u escape"); return 0; }
    for (let i: usize = 2; i < 6; i++) {
      if (hexValue(load<u8>(p + i)) < 0) { this.pos = p; this.fail("bad \\u escape"); return 0; }
    }
    return 6;
  }

  scanNumber(): bool {
    let p = this.pos;
    const end = this.end;
    if (p < end && load<u8>(p) == 0x2d) p++;
    if (p >= end) { this.pos = p; return this.fail("bad number"); }
    let c = load<u8>(p);
    if (c == 0x30) {
      p++;
    } else if (c >= 0x31 && c <= 0x39) {
      while (p < end && isDigit(load<u8>(p))) p++;
    } else { this.pos = p; return this.fail("bad number"); }
    if (p < end && load<u8>(p) == 0x2e) {
      p++;
      const digits = p;
      while (p < end && isDigit(load<u8>(p))) p++;
      if (p == digits) { this.pos = p; return this.fail("bad number"); }
    }
    if (p < end && (load<u8>(p) | 0x20) == 0x65) {
      p++;
      if (p < end && (load<u8>(p) == 0x2b || load<u8>(p) == 0x2d)) p++;
      const digits = p;
      while (p < end && isDigit(load<u8>(p))) p++;
      if (p == digits) { this.pos = p; return this.fail("bad number"); }
    }
    this.pos = p;
    return true;
  }

  scanLiteral(text: string): bool {
    const n = <usize>text.length;
    if (this.pos + n > this.end) return this.fail("bad literal");
    for (let i: usize = 0; i < n; i++) {
      if (<u16>load<u8>(this.pos + i) != text.charCodeAt(<i32>i)) return this.fail("bad literal");
    }
    this.pos += n;
    return true;
  }

  /** Scans any value at pos, nested containers included. */
  scanValue(depth: i32): bool {
    if (this.pos >= this.end) return this.fail("unexpected end of body");
    const c = load<u8>(this.pos);
    if (c == 0x22) return this.scanString();
    if (c == 0x7b) return this.scanObject(depth + 1);
    if (c == 0x5b) return this.scanArray(depth + 1);
    if (c == 0x74) return this.scanLiteral("true");
    if (c == 0x66) return this.scanLiteral("false");
    if (c == 0x6e) return this.scanLiteral("null");
    if (c == 0x2d || isDigit(c)) return this.scanNumber();
    return this.fail("unexpected character");
  }

  scanArray(depth: i32): bool {
    if (depth > MAX_DEPTH) return this.fail("nesting too deep");
    this.pos++;
    this.skipWhitespace();
    if (this.pos < this.end && load<u8>(this.pos) == 0x5d) { this.pos++; return true; }
    while (true) {
      this.skipWhitespace();
      if (!this.scanValue(depth)) return false;
      this.skipWhitespace();
      if (this.pos >= this.end) return this.fail("unterminated array");
      const c = load<u8>(this.pos);
      this.pos++;
      if (c == 0x5d) return true;
      if (c != 0x2c) { this.pos--; return this.fail("expected ',' or ']'"); }
    }
  }

  scanObject(depth: i32): bool {
    if (depth > MAX_DEPTH) return this.fail("nesting too deep");
    this.pos++;
    this.skipWhitespace();
    if (this.pos < this.end && load<u8>(this.pos) == 0x7d) { this.pos++; return true; }
    while (true) {
      this.skipWhitespace();
      if (this.pos >= this.end || load<u8>(this.pos) != 0x22) return this.fail("expected a key");
      if (!this.scanString()) return false;
      this.skipWhitespace();
      if (this.pos >= this.end || load<u8>(this.pos) != 0x3a) return this.fail("expected ':'");
      this.pos++;
      this.skipWhitespace();
      if (!this.scanValue(depth)) return false;
      this.skipWhitespace();
      if (this.pos >= this.end) return this.fail("unterminated object");
      const c = load<u8>(this.pos);
      this.pos++;
      if (c == 0x7d) return true;
      if (c != 0x2c) { this.pos--; return this.fail("expected ',' or '}'"); }
    }
  }
}

// @ts-ignore: decorator
@inline function isDigit(c: u8): bool { return c >= 0x30 && c <= 0x39; }

/** The value of one hex digit, or -1. */
export function hexValue(c: u8): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** The one scanner: the VM is single-threaded and scans never nest. */
const SCANNER = new Scanner(0, 0);

/**
 * Scans a whole body that must be one JSON object. For each key in `wanted` (UTF-8 bytes), the
 * result holds the span of its value, counted so callers can refuse duplicates.
 */
export function scanTopLevel(base: usize, length: i32, wanted: StaticArray<ArrayBuffer>): ScanResult {
  return scanInto(new ScanResult(wanted.length), base, length, wanted);
}

/**
 * scanInto for a client's request (or a part of it), which a provider reads next: a key that a
 * case-insensitive reader takes for a wanted key (json/fold.ts) counts as a repeat of it.
 * docs/json-parsers.md says why.
 */
export function scanRequestInto(result: ScanResult, base: usize, length: i32, wanted: StaticArray<ArrayBuffer>): ScanResult {
  return scanInto(result, base, length, wanted, true);
}

/**
 * scanTopLevel into a result the caller keeps (stream translators scan every event; reusing the
 * result and the scanner spares the allocations).
 */
export function scanInto(result: ScanResult, base: usize, length: i32, wanted: StaticArray<ArrayBuffer>, caseVariants: bool = false): ScanResult {
  result.reset();
  const s = SCANNER;
  s.reset(base, length);
  s.skipWhitespace();
  if (s.pos >= s.end || load<u8>(s.pos) != 0x7b) {
    result.error = "request body must be a JSON object";
    return result;
  }
  s.pos++;
  s.skipWhitespace();
  let closed = false;
  if (s.pos < s.end && load<u8>(s.pos) == 0x7d) {
    result.closeBrace = <i32>(s.pos - base);
    s.pos++;
    closed = true;
  }
  let previousValueEnd: i32 = -1;
  while (!closed) {
    s.skipWhitespace();
    if (s.pos >= s.end || load<u8>(s.pos) != 0x22) { s.fail("expected a key"); break; }
    const memberStart = <i32>(s.pos - base);
    const keyStart = s.pos + 1;
    if (!s.scanString()) break;
    const keyEnd = s.pos - 1;
    const keyEscaped = s.lastStringEscaped;
    s.skipWhitespace();
    if (s.pos >= s.end || load<u8>(s.pos) != 0x3a) { s.fail("expected ':'"); break; }
    s.pos++;
    s.skipWhitespace();
    const valueStart = s.pos;
    if (!s.scanValue(1)) break;
    result.memberCount++;
    const valueEnd = <i32>(s.pos - base);
    const which = matchWantedKey(keyStart, keyEnd, keyEscaped, wanted, caseVariants);
    let span: ValueSpan | null = null;
    if (which <= VARIANT_OF) result.spans[VARIANT_OF - which].count += 2;
    else if (which >= 0) {
      span = result.spans[which];
      span.count++;
      if (span.count == 1) {
        span.start = <i32>(valueStart - base);
        span.end = valueEnd;
        span.firstByte = load<u8>(valueStart);
        span.escaped = span.firstByte == 0x22 && s.lastStringEscaped;
      } else {
        span = null;
      }
    }
    s.skipWhitespace();
    if (s.pos >= s.end) { s.fail("unterminated object"); break; }
    const c = load<u8>(s.pos);
    if (span !== null) {
      // Followed by a comma: delete up to it. Last of several: delete from the previous value's end.
      span.removeStart = c == 0x2c || previousValueEnd < 0 ? memberStart : previousValueEnd;
      span.removeEnd = c == 0x2c ? <i32>(s.pos - base) + 1 : valueEnd;
    }
    previousValueEnd = valueEnd;
    if (c == 0x7d) {
      result.closeBrace = <i32>(s.pos - base);
      s.pos++;
      closed = true;
    } else if (c == 0x2c) {
      s.pos++;
    } else { s.fail("expected ',' or '}'"); break; }
  }
  if (s.error === null) {
    s.skipWhitespace();
    if (s.pos != s.end) s.fail("unexpected data after the JSON object");
  }
  if (s.error !== null) result.error = "request body is not valid JSON: " + s.error!;
  return result;
}

/**
 * The items of the array that is the value [start, end) of the body at `base`, as spans relative
 * to `base`; null when it is not a valid array.
 */
export function arrayItemSpans(base: usize, start: i32, end: i32): Array<ValueSpan> | null {
  const s = SCANNER;
  s.reset(base + <usize>start, end - start);
  if (s.pos >= s.end || load<u8>(s.pos) != 0x5b) return null;
  s.pos++;
  const items = new Array<ValueSpan>();
  s.skipWhitespace();
  if (s.pos < s.end && load<u8>(s.pos) == 0x5d) return items;
  while (true) {
    s.skipWhitespace();
    const itemStart = s.pos;
    if (itemStart >= s.end || !s.scanValue(1)) return null;
    const span = new ValueSpan();
    span.count = 1;
    span.start = <i32>(itemStart - base);
    span.end = <i32>(s.pos - base);
    span.firstByte = load<u8>(itemStart);
    span.escaped = span.firstByte == 0x22 && s.lastStringEscaped;
    items.push(span);
    s.skipWhitespace();
    if (s.pos >= s.end) return null;
    const c = load<u8>(s.pos);
    s.pos++;
    if (c == 0x5d) return items;
    if (c != 0x2c) return null;
  }
}

/** matchWantedKey's answer for a case variant of wanted[i]: VARIANT_OF - i. */
const VARIANT_OF: i32 = -2;

/**
 * Index of the wanted key equal to the key at [start, end), compared decoded ("\u006dodel" is
 * "model" to every reader); with `caseVariants`, VARIANT_OF - i for a case variant of wanted[i];
 * else -1.
 */
function matchWantedKey(start: usize, end: usize, escaped: bool, wanted: StaticArray<ArrayBuffer>, caseVariants: bool): i32 {
  let keyPtr = start;
  let keyLength = <i32>(end - start);
  if (escaped) {
    keyLength = unescapeInto(start, end, keyScratch, MAX_KEY_BYTES * 4);
    if (keyLength < 0) return -1;
    keyPtr = keyScratch;
  }
  for (let i = 0; i < wanted.length; i++) {
    const w = wanted[i];
    if (w.byteLength == keyLength && memory.compare(changetype<usize>(w), keyPtr, keyLength) == 0) return i;
  }
  if (caseVariants) {
    for (let i = 0; i < wanted.length; i++) if (isCaseVariant(keyPtr, keyLength, wanted[i])) return VARIANT_OF - i;
  }
  return -1;
}

/**
 * Decodes the JSON string content at [start, end) (escapes included) into UTF-8 at `out`.
 * Returns the decoded length, or -1 if it would not fit in `capacity`.
 */
export function unescapeInto(start: usize, end: usize, out: usize, capacity: i32): i32 {
  let p = start;
  let n = 0;
  while (p < end) {
    let c = load<u8>(p);
    if (c != 0x5c) {
      if (n >= capacity) return -1;
      store<u8>(out + n, c);
      n++; p++;
      continue;
    }
    const e = load<u8>(p + 1);
    let code: u32 = 0;
    if (e == 0x75) {
      code = readHex4(p + 2);
      p += 6;
      // A surrogate pair is two \u escapes; join them into one code point.
      if (code >= 0xd800 && code < 0xdc00 && p + 6 <= end && load<u8>(p) == 0x5c && load<u8>(p + 1) == 0x75) {
        const low = readHex4(p + 2);
        if (low >= 0xdc00 && low < 0xe000) {
          code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
          p += 6;
        }
      }
    } else {
      p += 2;
      code = e == 0x62 ? 0x08 : e == 0x66 ? 0x0c : e == 0x6e ? 0x0a : e == 0x72 ? 0x0d : e == 0x74 ? 0x09 : <u32>e;
    }
    if (n + 4 > capacity) return -1;
    n += writeUtf8(out + n, code);
  }
  return n;
}

function readHex4(p: usize): u32 {
  let v: u32 = 0;
  for (let i: usize = 0; i < 4; i++) v = (v << 4) | <u32>hexValue(load<u8>(p + i));
  return v;
}

function writeUtf8(out: usize, code: u32): i32 {
  if (code < 0x80) { store<u8>(out, code); return 1; }
  if (code < 0x800) {
    store<u8>(out, 0xc0 | (code >> 6)); store<u8>(out + 1, 0x80 | (code & 0x3f));
    return 2;
  }
  if (code < 0x10000) {
    store<u8>(out, 0xe0 | (code >> 12)); store<u8>(out + 1, 0x80 | ((code >> 6) & 0x3f));
    store<u8>(out + 2, 0x80 | (code & 0x3f));
    return 3;
  }
  store<u8>(out, 0xf0 | (code >> 18)); store<u8>(out + 1, 0x80 | ((code >> 12) & 0x3f));
  store<u8>(out + 2, 0x80 | ((code >> 6) & 0x3f)); store<u8>(out + 3, 0x80 | (code & 0x3f));
  return 4;
}

/** Decodes the JSON string value whose quotes are at `start` and `end - 1`. */
export function decodeStringValue(base: usize, start: i32, end: i32, escaped: bool): string {
  const from = base + <usize>start + 1;
  const to = base + <usize>end - 1;
  if (!escaped) return String.UTF8.decodeUnsafe(from, to - from);
  const capacity = <i32>(to - from) * 2 + 4;
  const scratch = new ArrayBuffer(capacity);
  const n = unescapeInto(from, to, changetype<usize>(scratch), capacity);
  return String.UTF8.decodeUnsafe(changetype<usize>(scratch), n < 0 ? 0 : n);
}
