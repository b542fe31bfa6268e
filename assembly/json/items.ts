// Counting an array's items before reading them as spans: a span costs tens of bytes, so a
// provider's `[0,0,…]` must be refused (or read another way) before it costs the VM a span a value.

const QUOTES = i8x16.splat(0x22);
const BACKSLASHES = i8x16.splat(0x5c);

/**
 * True when the array at [start, end) of `base` has at most `limit` items. A span costs tens of
 * bytes, so a provider's `[0,0,…]` of 16 MiB would cost the VM half a gigabyte as spans: callers
 * check first and read a longer array as a tree (which has its own bound) or refuse it. Counts
 * the commas between items; strings are skipped sixteen bytes a step. Validation is the scanner's.
 */
export function arrayItemsAtMost(base: usize, start: i32, end: i32, limit: i32): bool {
  // Each item takes two bytes at least (a value and a comma): a short array needs no count.
  if ((end - start) >> 1 <= limit) return true;
  let p = base + <usize>start + 1;
  const stop = base + <usize>end;
  let depth = 1;
  let items = 1;
  while (p < stop) {
    const c = load<u8>(p);
    if (c == 0x22) {
      p++;
      while (true) {
        while (p + 16 <= stop && i8x16.bitmask(v128.or(i8x16.eq(v128.load(p), QUOTES), i8x16.eq(v128.load(p), BACKSLASHES))) == 0) p += 16;
        if (p >= stop) return true;
        const s = load<u8>(p);
        if (s == 0x5c) { p += 2; continue; }
        if (s == 0x22) { p++; break; }
        p++;
      }
      continue;
    }
    if (c == 0x5b || c == 0x7b) depth++;
    else if (c == 0x5d || c == 0x7d) depth--;
    else if (c == 0x2c && depth == 1 && ++items > limit) return false;
    p++;
  }
  return true;
}

/** Arrays of an answer read as spans hold at most this many items (choices, content blocks, tool calls). */
export const MAX_SPAN_ITEMS: i32 = 4096;
