// Every string of a JSON document, keys and values alike, as byte spans: what content rules read
// when all of a document's text counts (an MCP tool's arguments or result), found without a tree.
import { ValueSpan } from "./scan";

const QUOTES = i8x16.splat(0x22);
const BACKSLASHES = i8x16.splat(0x5c);

/**
 * Appends the span of every string in [start, end) of `base` (quotes included, offsets from
 * `base`) to `into`, in document order; false when there are more than `limit`. The document must
 * be valid JSON (checked by the scanner first): then every quote outside a string opens one.
 */
export function stringSpans(base: usize, start: i32, end: i32, into: Array<ValueSpan>, limit: i32): bool {
  let p = start;
  while (p < end) {
    // The next opening quote, sixteen bytes a step.
    while (p + 16 <= end && i8x16.bitmask(i8x16.eq(v128.load(base + <usize>p), QUOTES)) == 0) p += 16;
    while (p < end && load<u8>(base + <usize>p) != 0x22) p++;
    if (p >= end) break;
    const open = p++;
    let escaped = false;
    while (p < end) {
      while (p + 16 <= end && i8x16.bitmask(v128.or(i8x16.eq(v128.load(base + <usize>p), QUOTES), i8x16.eq(v128.load(base + <usize>p), BACKSLASHES))) == 0) p += 16;
      if (p >= end) break;
      const c = load<u8>(base + <usize>p);
      if (c == 0x5c) { escaped = true; p += 2; continue; }
      if (c == 0x22) break;
      p++;
    }
    if (p >= end) return true; // not valid JSON: the scanner said so first
    if (into.length >= limit) return false;
    const span = new ValueSpan();
    span.start = open;
    span.end = p + 1;
    span.count = 1;
    span.firstByte = 0x22;
    span.escaped = escaped;
    into.push(span);
    p++;
  }
  return true;
}
