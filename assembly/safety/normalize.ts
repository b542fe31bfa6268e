// The view of text that content rules match, so that what looks alike to a model (and to a reader)
// matches alike: compatibility forms folded to ASCII (fullwidth letters, ligatures, mathematical,
// circled, super- and subscript letters and digits), invisible format characters removed
// (zero-width, soft hyphen, bidi controls, variation selectors), Unicode tag characters read as
// the ASCII they hide, and every whitespace run (line breaks included) made one space.
// One pass, at most three output characters per input character; each output character can say
// where it came from, so a match in the view is a span of the original text.
// Not covered (stated in docs/content-policy.md): combining marks (e + U+0301 is not é), Greek
// mathematical letters, enclosed forms in parentheses, and other scripts' compatibility forms.

/** Lower case for the scripts whose cases differ by a fixed offset (ASCII, Latin-1, Greek, Cyrillic). */
export function foldCase(c: i32): i32 {
  if (c < 0x41) return c;
  if (c <= 0x5a) return c + 32;
  if (c < 0xc0) return c;
  if (c <= 0xde) return c == 0xd7 ? c : c + 32;
  if (c >= 0x391 && c <= 0x3a9) return c == 0x3a2 ? c : c + 32;
  if (c >= 0x410 && c <= 0x42f) return c + 32;
  if (c >= 0x400 && c <= 0x40f) return c + 80;
  return c;
}

/** The upper-case ranges foldCase maps, as [lo, hi, offset] triples (for character classes). */
export const FOLDED_RANGES: i32[] = [0x41, 0x5a, 32, 0xc0, 0xd6, 32, 0xd8, 0xde, 32, 0x391, 0x3a1, 32, 0x3a3, 0x3a9, 32, 0x410, 0x42f, 32, 0x400, 0x40f, 80];

/** Invisible characters a model may be shown but a reader does not see: removed from the view. */
function isInvisible(c: i32): bool {
  return c == 0xad || c == 0x34f || c == 0x61c || c == 0x115f || c == 0x1160 || c == 0x17b4 || c == 0x17b5 ||
    c >= 0x180b && c <= 0x180f || c >= 0x200b && c <= 0x200f || c >= 0x202a && c <= 0x202e || c >= 0x2060 && c <= 0x206f ||
    c == 0x3164 || c >= 0xfe00 && c <= 0xfe0f || c == 0xfeff || c == 0xffa0 || c >= 0xfff9 && c <= 0xfffb;
}

/** Whitespace beyond ASCII. */
function isWideSpace(c: i32): bool {
  return c == 0x85 || c == 0xa0 || c == 0x1680 || c >= 0x2000 && c <= 0x200a || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

/** Letterlike symbols U+2100-2139 that are compatibility forms of one ASCII letter (0: none). */
function letterlike(c: i32): i32 {
  switch (c) {
    case 0x2102: case 0x212d: return 0x43; // C
    case 0x210a: return 0x67; case 0x210b: case 0x210c: case 0x210d: return 0x48;
    case 0x210e: return 0x68; case 0x2110: case 0x2111: return 0x49;
    case 0x2112: return 0x4c; case 0x2113: return 0x6c; case 0x2115: return 0x4e;
    case 0x2119: return 0x50; case 0x211a: return 0x51; case 0x211b: case 0x211c: case 0x211d: return 0x52;
    case 0x2124: case 0x2128: return 0x5a; case 0x212c: return 0x42; case 0x212f: return 0x65;
    case 0x2130: return 0x45; case 0x2131: return 0x46; case 0x2133: return 0x4d; case 0x2134: return 0x6f; case 0x2139: return 0x69;
  }
  return 0;
}

/** A reusable normalized view of one text or of several joined (reuse spares the allocations). */
export class NormalView {
  /** The normalized text. */
  text: string = "";
  /**
   * Where each part starts in source positions: the parts as if joined with one separator
   * character between each two (the separator is no part's text).
   */
  partStart: i32[] = [];
  /** The source position just past the last part. */
  total: i32 = 0;
  private out: ArrayBuffer = new ArrayBuffer(512);
  private from: ArrayBuffer = new ArrayBuffer(1024);
  private n: i32 = 0;
  private mapped: bool = false;
  private runFrom: i32 = -1;

  /** Normalizes `parts` joined by a space (no two parts glue into one word); `mapped` keeps source positions. */
  build(parts: string[], mapped: bool): string {
    this.n = 0;
    this.mapped = mapped;
    this.runFrom = -1;
    this.partStart.length = parts.length;
    let at = 0;
    for (let p = 0; p < parts.length; p++) {
      this.partStart[p] = at;
      at += parts[p].length + 1;
    }
    this.total = parts.length > 0 ? at - 1 : 0;
    for (let p = 0; p < parts.length; p++) {
      const part = parts[p];
      const start = this.partStart[p];
      if (p > 0) this.space(start - 1);
      this.reserve(this.n + part.length * 3 + 4);
      const chars = changetype<usize>(part);
      const length = part.length;
      let i = 0;
      while (i < length) {
        const c = <i32>load<u16>(chars + (<usize>i << 1));
        if (c < 0x80) {
          if (c == 0x20 || c >= 0x09 && c <= 0x0d) this.space(start + i);
          else this.emit(c, start + i);
          i++;
        } else i += this.wide(chars, i, length, start + i);
      }
    }
    this.flush();
    this.text = String.UTF16.decodeUnsafe(changetype<usize>(this.out), <usize>this.n << 1);
    return this.text;
  }

  /** Lets go of buffers a large text grew (so one 10 MB request does not keep 50 MB for the VM's life). */
  release(): void {
    if (this.out.byteLength <= 1 << 16 && this.from.byteLength <= 1 << 17) return;
    this.out = new ArrayBuffer(512);
    this.from = new ArrayBuffer(1024);
    this.text = "";
  }

  /** The source position of normalized character `i` (text.length: the end of the last part). */
  sourceAt(i: i32): i32 {
    return i >= this.n ? this.total : load<i32>(changetype<usize>(this.from) + (<usize>i << 2));
  }

  /** A character at or above U+0080 at `i`; returns how many UTF-16 units it took. */
  private wide(chars: usize, i: i32, length: i32, at: i32): i32 {
    const c = <i32>load<u16>(chars + (<usize>i << 1));
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < length) {
      const low = <i32>load<u16>(chars + (<usize>(i + 1) << 1));
      if (low >= 0xdc00 && low < 0xe000) {
        this.astral(0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00), c, low, at);
        return 2;
      }
    }
    if (c >= 0xff01 && c <= 0xff5e) { this.emit(c - 0xfee0, at); return 1; }
    if (isInvisible(c)) return 1;
    if (isWideSpace(c)) { this.space(at); return 1; }
    if (c >= 0xfb00 && c <= 0xfb06) {
      // ff fi fl ffi ffl ſt st
      const first = c >= 0xfb05 ? 0x73 : 0x66;
      const second = c == 0xfb01 ? 0x69 : c == 0xfb02 ? 0x6c : c >= 0xfb05 ? 0x74 : 0x66;
      this.emit(first, at); this.emitAfter(second, at + 1);
      if (c == 0xfb03) this.emitAfter(0x69, at + 1);
      if (c == 0xfb04) this.emitAfter(0x6c, at + 1);
      return 1;
    }
    if (c >= 0x24b6 && c <= 0x24cf) { this.emit(c - 0x24b6 + 0x41, at); return 1; }
    if (c >= 0x24d0 && c <= 0x24e9) { this.emit(c - 0x24d0 + 0x61, at); return 1; }
    if (c >= 0x2460 && c <= 0x2473) {
      // Circled numbers 1 to 20.
      const v = c - 0x2460 + 1;
      if (v >= 10) { this.emit(0x30 + v / 10, at); this.emitAfter(0x30 + v % 10, at + 1); } else this.emit(0x30 + v, at);
      return 1;
    }
    if (c == 0x24ea) { this.emit(0x30, at); return 1; }
    if (c >= 0x2080 && c <= 0x2089) { this.emit(c - 0x2080 + 0x30, at); return 1; }
    if (c == 0x2070 || c >= 0x2074 && c <= 0x2079) { this.emit(c - 0x2070 + 0x30, at); return 1; }
    if (c == 0xb9) { this.emit(0x31, at); return 1; }
    if (c == 0xb2 || c == 0xb3) { this.emit(c - 0xb0 + 0x30, at); return 1; }
    if (c == 0x2071) { this.emit(0x69, at); return 1; }
    if (c == 0x207f) { this.emit(0x6e, at); return 1; }
    if (c == 0x17f) { this.emit(0x73, at); return 1; }
    const letter = c >= 0x2102 && c <= 0x2139 ? letterlike(c) : 0;
    this.emit(letter != 0 ? letter : c, at);
    return 1;
  }

  /** A code point above U+FFFF (given also as its two units). */
  private astral(cp: i32, high: i32, low: i32, at: i32): void {
    // Mathematical alphanumerics: 13 alphabets of A-Z a-z, then 5 sets of digits.
    if (cp >= 0x1d400 && cp <= 0x1d6a3) { const k = (cp - 0x1d400) % 52; this.emit(k < 26 ? 0x41 + k : 0x61 + k - 26, at); return; }
    if (cp >= 0x1d7ce && cp <= 0x1d7ff) { this.emit(0x30 + (cp - 0x1d7ce) % 10, at); return; }
    // Squared Latin capitals.
    if (cp >= 0x1f130 && cp <= 0x1f149) { this.emit(0x41 + cp - 0x1f130, at); return; }
    // Tag characters spell ASCII invisibly ("ASCII smuggling"): some models read them, so the view does too.
    if (cp >= 0xe0020 && cp <= 0xe007e) { this.emit(cp - 0xe0000, at); return; }
    if (cp >= 0xe0000 && cp <= 0xe0fff || cp >= 0x1bca0 && cp <= 0x1bca3) return;
    this.emit(high, at);
    this.emitAfter(low, at + 2);
  }

  private space(at: i32): void {
    if (this.runFrom < 0) this.runFrom = at;
  }

  private flush(): void {
    if (this.runFrom < 0) return;
    this.push(0x20, this.runFrom);
    this.runFrom = -1;
  }

  private emit(c: i32, at: i32): void {
    if (this.runFrom >= 0) this.flush();
    this.push(c, at);
  }

  /**
   * A second or third character of one source character: it maps to the position after it, so a
   * match that ends inside the source character covers it and one that starts inside it does not.
   */
  private emitAfter(c: i32, after: i32): void { this.push(c, after); }

  private push(c: i32, at: i32): void {
    const n = this.n;
    store<u16>(changetype<usize>(this.out) + (<usize>n << 1), <u16>c);
    if (this.mapped) store<i32>(changetype<usize>(this.from) + (<usize>n << 2), at);
    this.n = n + 1;
  }

  private reserve(units: i32): void {
    if (<i32>this.out.byteLength >= units * 2 + 8 && (!this.mapped || <i32>this.from.byteLength >= units * 4 + 16)) return;
    const size = max(units + 8, this.out.byteLength);
    const out = new ArrayBuffer(size * 2);
    memory.copy(changetype<usize>(out), changetype<usize>(this.out), <usize>this.n << 1);
    this.out = out;
    if (this.mapped) {
      const from = new ArrayBuffer(size * 4);
      memory.copy(changetype<usize>(from), changetype<usize>(this.from), min(<usize>this.n << 2, <usize>this.from.byteLength));
      this.from = from;
    }
  }
}

const SHARED = new NormalView();

/** The normalized view of one text (no source positions). */
export function normalizeText(text: string): string {
  const normal = SHARED.build([text], false);
  SHARED.release();
  return normal;
}
