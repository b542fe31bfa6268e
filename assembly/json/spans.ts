// Reading stream events without building a tree: the scanner (scan.ts) finds a few keys'
// values as byte spans, and a string value's span (quotes included) is valid JSON text that can be
// copied into the translated event as it is, never decoded or re-escaped. The translators use
// this for the events that make up nearly all of a stream (text and argument deltas) and parse
// every other event whole.
import { ScanResult, ValueSpan, scanInto } from "./scan";

/** Encodes key names once, for scanTopLevel. */
export function keys(names: string[]): StaticArray<ArrayBuffer> {
  const out = new StaticArray<ArrayBuffer>(names.length);
  for (let i = 0; i < names.length; i++) out[i] = String.UTF8.encode(names[i]);
  return out;
}

/** Scans the object that is the value `span` of a body at `base` into `into`; false when it is not one. */
export function scanInner(into: ScanResult, base: usize, span: ValueSpan, wanted: StaticArray<ArrayBuffer>): bool {
  if (span.count != 1 || span.firstByte != 0x7b) return false;
  return scanInto(into, base + <usize>span.start, span.end - span.start, wanted).error === null;
}

/** Scans the only element of an array value, when it is an object, into `into`; false otherwise. */
export function scanOnlyElement(into: ScanResult, base: usize, span: ValueSpan, wanted: StaticArray<ArrayBuffer>): bool {
  if (span.count != 1 || span.firstByte != 0x5b) return false;
  // Trimming [ and ] leaves the elements; the scan fails (trailing data) if there is more than one.
  return scanInto(into, base + <usize>span.start + 1, span.end - span.start - 2, wanted).error === null;
}

/** True when the span holds the JSON string `"literal"` exactly (no escapes). */
export function spanIsString(base: usize, span: ValueSpan, literal: string): bool {
  if (span.count != 1 || span.firstByte != 0x22 || span.escaped || span.end - span.start != literal.length + 2) return false;
  const at = base + <usize>span.start + 1;
  for (let i = 0; i < literal.length; i++) if (<i32>load<u8>(at + <usize>i) != literal.charCodeAt(i)) return false;
  return true;
}

/** True when the span is absent or JSON null. */
export function spanIsNull(span: ValueSpan): bool {
  return span.count == 0 || span.firstByte == 0x6e;
}

/** A small non-negative integer value, or -1. */
export function spanInteger(base: usize, span: ValueSpan): i32 {
  if (span.count != 1) return -1;
  const n = span.end - span.start;
  if (n < 1 || n > 6) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = <i32>load<u8>(base + <usize>span.start + <usize>i);
    if (c < 0x30 || c > 0x39) return -1;
    v = v * 10 + (c - 0x30);
  }
  return v;
}

/** A non-negative integer value (up to 15 digits), or -1. */
export function spanI64(base: usize, span: ValueSpan): i64 {
  if (span.count != 1) return -1;
  const n = span.end - span.start;
  if (n < 1 || n > 15) return -1;
  let v: i64 = 0;
  for (let i = 0; i < n; i++) {
    const c = <i32>load<u8>(base + <usize>span.start + <usize>i);
    if (c < 0x30 || c > 0x39) return -1;
    v = v * 10 + <i64>(c - 0x30);
  }
  return v;
}

/** True when the span is a JSON string. */
export function isString(span: ValueSpan): bool {
  return span.count == 1 && span.firstByte == 0x22;
}

