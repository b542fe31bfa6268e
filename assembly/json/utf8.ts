// UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF). AssemblyScript's
// decoder is lenient: a lead byte without its continuation bytes takes the next bytes whatever they
// are, so `"é` cut short before a quote eats the quote, and a provider's body that a byte scanner
// read as one JSON shape decodes to another. Text passed on after decoding is checked first.

const HIGH_BITS = i8x16.splat(<i8>0x80);

/** True when the `length` bytes at `ptr` are well-formed UTF-8. Sixteen ASCII bytes a step. */
export function isValidUtf8(ptr: usize, length: i32): bool {
  let i = 0;
  while (i < length) {
    if (i + 16 <= length && !v128.any_true(v128.and(v128.load(ptr + <usize>i), HIGH_BITS))) { i += 16; continue; }
    const c = <i32>load<u8>(ptr + <usize>i);
    if (c < 0x80) { i++; continue; }
    let need = 0;
    let min = 0;
    if (c >= 0xc2 && c <= 0xdf) { need = 1; min = 0x80; }
    else if (c >= 0xe0 && c <= 0xef) { need = 2; min = 0x800; }
    else if (c >= 0xf0 && c <= 0xf4) { need = 3; min = 0x10000; }
    else return false;
    if (i + need >= length) return false;
    let code = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const d = <i32>load<u8>(ptr + <usize>(i + k));
      if ((d & 0xc0) != 0x80) return false;
      code = (code << 6) | (d & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return false;
    i += need + 1;
  }
  return true;
}
