// Keys that differ only in case. llm-mesh reads JSON keys byte for byte; Go's encoding/json matches
// them to struct fields case-insensitively (bytes.EqualFold: Unicode simple case folding) and the
// last match wins, so {"model":"a","MODEL":"b"} is model "a" to llm-mesh and "b" to a Go server.
// Request readers therefore count a case variant of a key they read as a repeat of it (refused like
// a duplicate). The keys llm-mesh reads are ASCII names; the only other characters that fold onto
// ASCII letters are the long s (U+017F, Go folds it to 's'), the Kelvin sign (U+212A, to 'k'), and,
// for readers that upper-case instead (.NET's OrdinalIgnoreCase), the dotless and dotted i
// (U+0131, U+0130, to 'i'). docs/json-parsers.md has the table of readers.

/** Said after a duplicate-key refusal, since a case variant does not look like a duplicate. */
export const SAME_KEY = " (keys that differ only in case count as the same key: some providers' JSON readers ignore case)";

// @ts-ignore: decorator
@inline function lowerAscii(c: u32): u32 { return c >= 0x41 && c <= 0x5a ? c | 0x20 : c; }

// @ts-ignore: decorator
@inline function isContinuation(p: usize): bool { return (load<u8>(p) & 0xc0) == 0x80; }

/** The ASCII letter a non-ASCII code point folds onto for some case-insensitive reader, or 0. */
export function foldsOntoAscii(code: u32): u32 {
  if (code == 0x17f) return 0x73; // ſ
  if (code == 0x212a) return 0x6b; // Kelvin sign
  if (code == 0x131 || code == 0x130) return 0x69; // ı, İ
  return 0;
}

/**
 * True when the UTF-8 key at [ptr, ptr + length) is not `wanted` byte for byte but is the same key
 * to a case-insensitive reader. `wanted` is the name llm-mesh reads (ASCII; any other byte of it
 * compares exactly). Linear in the key; most keys fail on their first byte.
 */
export function isCaseVariant(ptr: usize, length: i32, wanted: ArrayBuffer): bool {
  const w = changetype<usize>(wanted);
  const wantedLength = wanted.byteLength;
  // Each wanted byte is matched by one to three key bytes (U+212A is three).
  if (length < wantedLength || length > wantedLength * 3) return false;
  let i = 0, j = 0;
  let differs = false;
  while (i < length && j < wantedLength) {
    const k = <u32>load<u8>(ptr + <usize>i);
    const c = <u32>load<u8>(w + <usize>j);
    if (k < 0x80) {
      if (k != c) {
        if (lowerAscii(k) != lowerAscii(c)) return false;
        differs = true;
      }
      i++; j++;
      continue;
    }
    // A two- or three-byte character that may fold onto the ASCII letter c.
    let code: u32 = 0, size = 0;
    if ((k & 0xe0) == 0xc0 && i + 1 < length && isContinuation(ptr + <usize>i + 1)) {
      code = ((k & 0x1f) << 6) | (<u32>load<u8>(ptr + <usize>i + 1) & 0x3f);
      size = 2;
    } else if ((k & 0xf0) == 0xe0 && i + 2 < length && isContinuation(ptr + <usize>i + 1) && isContinuation(ptr + <usize>i + 2)) {
      code = ((k & 0x0f) << 12) | ((<u32>load<u8>(ptr + <usize>i + 1) & 0x3f) << 6) | (<u32>load<u8>(ptr + <usize>i + 2) & 0x3f);
      size = 3;
    }
    const onto = foldsOntoAscii(code);
    if (onto != 0 && onto == lowerAscii(c)) {
      differs = true;
      i += size; j++;
      continue;
    }
    if (k != c) return false;
    i++; j++;
  }
  return differs && i == length && j == wantedLength;
}

/** isCaseVariant for decoded text (a parsed tree's keys): true when `key` is `wanted` to a case-insensitive reader but not equal to it. */
export function isCaseVariantText(key: string, wanted: string): bool {
  // Every folding character is one UTF-16 unit, like the ASCII letter it folds onto.
  if (key.length != wanted.length) return false;
  let differs = false;
  for (let i = 0; i < key.length; i++) {
    const k = <u32>key.charCodeAt(i);
    const c = <u32>wanted.charCodeAt(i);
    if (k == c) continue;
    differs = true;
    if (k < 0x80 ? lowerAscii(k) != lowerAscii(c) : c >= 0x80 || foldsOntoAscii(k) == 0 || foldsOntoAscii(k) != lowerAscii(c)) return false;
  }
  return differs;
}
