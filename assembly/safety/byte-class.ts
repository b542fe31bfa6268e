// Sets of byte values, tested sixteen bytes at a time: for loops that read every byte but act on
// only a few values (the secret scanner, between matches), so the bytes in between are passed over
// by SIMD instead of one by one. Any set works, whatever its size: membership is two table lookups
// by the low nibble (one table for bytes below 0x80, one above) and a bit for the high nibble.

const LOW_NIBBLE = i8x16.splat(0x0f);
const SEVEN = i8x16.splat(7);
const ZERO = i8x16.splat(0);
/** 1 << n for n in 0..7: the bit of a high nibble (its low three bits) in a table row. */
const BIT_OF = i8x16(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);

// @ts-ignore: decorator
@inline function rowOf(b: i32): i32 { return (b & 0x0f) + (b & 0x80 ? 16 : 0); }
// @ts-ignore: decorator
@inline function bitOf(b: i32): u8 { const shift = (b >> 4) & 7; return <u8>(<i32>1 << shift); }

export class ByteClass {
  // [0, 16): bytes below 0x80, by low nibble, bit (high nibble); [16, 32): bytes from 0x80, bit (high nibble - 8).
  tables: StaticArray<u8> = new StaticArray<u8>(32);

  add(b: i32): void {
    const row = rowOf(b);
    this.tables[row] = this.tables[row] | bitOf(b);
  }

  /** Whether byte `b` (0..255) is in the set. */
  @inline has(b: i32): bool {
    return (unchecked(this.tables[rowOf(b & 0xff)]) & bitOf(b)) != 0;
  }
}

/** All ones in each lane of `v` whose byte is in the set whose tables are `below` and `above`. */
// @ts-ignore: decorator
@inline function lanesIn(v: v128, below: v128, above: v128): v128 {
  const nibble = v128.and(v, LOW_NIBBLE);
  const row = v128.bitselect(i8x16.swizzle(above, nibble), i8x16.swizzle(below, nibble), i8x16.lt_s(v, ZERO));
  const bit = i8x16.swizzle(BIT_OF, v128.and(i8x16.shr_u(v, 4), SEVEN));
  return i8x16.eq(v128.and(row, bit), bit);
}

/**
 * The index of the first byte in [from, end) of the text at `base` that is in `always`, or that
 * is in `first` with the byte after it in `second`; or of the first of the last 16 bytes, which are
 * left to the caller (read one by one: a byte there may have no byte after it yet).
 */
export function skipToPair(first: ByteClass, second: ByteClass, always: ByteClass, base: usize, from: i32, end: i32): i32 {
  const f = changetype<usize>(first.tables), s = changetype<usize>(second.tables), a = changetype<usize>(always.tables);
  const firstBelow = v128.load(f), firstAbove = v128.load(f, 16);
  const secondBelow = v128.load(s), secondAbove = v128.load(s, 16);
  const alwaysBelow = v128.load(a), alwaysAbove = v128.load(a, 16);
  let p = base + <usize>from;
  const last = base + <usize>end;
  while (p + 17 <= last) {
    const v = v128.load(p);
    const next = v128.load(p, 1);
    const hit = v128.or(lanesIn(v, alwaysBelow, alwaysAbove), v128.and(lanesIn(v, firstBelow, firstAbove), lanesIn(next, secondBelow, secondAbove)));
    const hits = i8x16.bitmask(hit);
    if (hits != 0) return <i32>(p - base) + <i32>ctz(hits);
    p += 16;
  }
  return max(from, end - 16);
}
