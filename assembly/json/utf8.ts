// UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF), the one check
// for both sides. AssemblyScript's decoder is lenient: a lead byte without its continuation bytes
// takes the next bytes whatever they are, so `"é` cut short before a quote eats the quote, and a
// body that a byte scanner read as one JSON shape decodes to another. Text is checked before it
// is decoded and passed on (a provider's error body; a client's text a rule or translator reads).

const HIGH_BITS = i8x16.splat(<i8>0x80);

/**
 * True when the bytes at [ptr, ptr + length) are valid UTF-8: checked before llm-mesh decodes a
 * request's text. Readers decode bad bytes differently (Go and JavaScript put U+FFFD, Python
 * refuses, AssemblyScript's decoder swallows the bytes after a bad one), so a rule could read
 * other text than the provider. Sixteen ASCII bytes a step.
 */
export function isValidUtf8(ptr: usize, length: i32): bool {
  let p = ptr;
  const end = ptr + <usize>length;
  while (p < end) {
    while (p + 16 <= end && !v128.any_true(v128.and(v128.load(p), HIGH_BITS))) p += 16;
    if (p >= end) break;
    if (load<u8>(p) < 0x80) { p++; continue; }
    const n = utf8SequenceLength(p, end);
    if (n == 0) return false;
    p += <usize>n;
  }
  return true;
}

/** The length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0 (RFC 3629: no overlongs, surrogates, or past U+10FFFF). */
function utf8SequenceLength(p: usize, end: usize): i32 {
  const c = <u32>load<u8>(p);
  let n = 0;
  let low: u32 = 0x80, high: u32 = 0xbf; // the range of the second byte
  if (c >= 0xc2 && c <= 0xdf) n = 2;
  else if (c >= 0xe0 && c <= 0xef) { n = 3; if (c == 0xe0) low = 0xa0; else if (c == 0xed) high = 0x9f; }
  else if (c >= 0xf0 && c <= 0xf4) { n = 4; if (c == 0xf0) low = 0x90; else if (c == 0xf4) high = 0x8f; }
  else return 0;
  if (p + <usize>n > end) return 0;
  const second = <u32>load<u8>(p + 1);
  if (second < low || second > high) return 0;
  for (let i = 2; i < n; i++) if ((load<u8>(p + <usize>i) & 0xc0) != 0x80) return 0;
  return n;
}
