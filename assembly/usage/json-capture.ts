// Finds a few top-level members of a JSON document that arrives in pieces (a provider's answer as
// Envoy passes it on), without holding the document: only the wanted values are copied. Answers put
// `usage` last, after the content, so the scan must see every byte; it jumps with SIMD to the next
// byte that matters (a quote or backslash inside strings; a quote or bracket outside them).

const QUOTE: u8 = 0x22;
const BACKSLASH: u8 = 0x5c;
const QUOTES = i8x16.splat(0x22);
const BACKSLASHES = i8x16.splat(0x5c);
const OPEN_BRACES = i8x16.splat(0x7b);
const CLOSE_BRACES = i8x16.splat(0x7d);
const OPEN_BRACKETS = i8x16.splat(0x5b);
const CLOSE_BRACKETS = i8x16.splat(0x5d);
const COMMAS = i8x16.splat(0x2c);
/** A wanted value larger than this is not kept (usage objects are a few hundred bytes). */
const MAX_CAPTURE_BYTES: i32 = 8192;
const MAX_KEY_BYTES: i32 = 32;
const AWAIT_KEY: i32 = -2;

function isSpace(c: u8): bool { return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09; }

/** The first byte in [p, end) that is a quote or a backslash, or end. */
function nextInString(p: usize, end: usize): usize {
  while (p + 16 <= end) {
    const v = v128.load(p);
    const mask = i8x16.bitmask(v128.or(i8x16.eq(v, QUOTES), i8x16.eq(v, BACKSLASHES)));
    if (mask != 0) return p + <usize>ctz(mask);
    p += 16;
  }
  while (p < end) {
    const c = load<u8>(p);
    if (c == QUOTE || c == BACKSLASH) return p;
    p++;
  }
  return end;
}

/**
 * The first byte in [p, end) that opens a string or opens/closes a container (and, with `commas`,
 * a comma: at depth 1 a comma ends a scalar member), or end.
 */
function nextStop(p: usize, end: usize, commas: bool): usize {
  // Without commas, the fifth comparison repeats the quote's: a stop only where one is meant.
  const fifth = commas ? COMMAS : QUOTES;
  const comma: u8 = commas ? 0x2c : QUOTE;
  while (p + 16 <= end) {
    const v = v128.load(p);
    const hit = v128.or(v128.or(v128.or(i8x16.eq(v, QUOTES), i8x16.eq(v, fifth)), v128.or(i8x16.eq(v, OPEN_BRACES), i8x16.eq(v, CLOSE_BRACES))),
      v128.or(i8x16.eq(v, OPEN_BRACKETS), i8x16.eq(v, CLOSE_BRACKETS)));
    const mask = i8x16.bitmask(hit);
    if (mask != 0) return p + <usize>ctz(mask);
    p += 16;
  }
  while (p < end) {
    const c = load<u8>(p);
    if (c == QUOTE || c == comma || c == 0x7b || c == 0x7d || c == 0x5b || c == 0x5d) return p;
    p++;
  }
  return end;
}

export class TopLevelCapture {
  /** The raw JSON text of each wanted member's value, or null when absent (or too large). */
  values: Array<ArrayBuffer | null>;
  /** Bytes seen so far. */
  bytesSeen: i64 = 0;
  private depth: i32 = 0;
  private inString: bool = false;
  private escaped: bool = false;
  /** The string being read is a top-level key. */
  private inKey: bool = false;
  private key: usize = memory.data(MAX_KEY_BYTES);
  private keyLength: i32 = 0;
  /** Index of the wanted member whose value is being copied, or -1. */
  private capturing: i32 = -1;
  /** At depth 1: AWAIT_KEY between members; else a key was read and its value comes next (the wanted index, or -1). */
  private awaiting: i32 = AWAIT_KEY;
  private captured: ArrayBuffer = new ArrayBuffer(256);
  private capturedLength: i32 = 0;

  constructor(private wanted: string[]) {
    this.values = new Array<ArrayBuffer | null>(wanted.length);
    for (let i = 0; i < wanted.length; i++) this.values[i] = null;
  }

  push(ptr: usize, length: i32): void {
    this.bytesSeen += length;
    let p = ptr;
    const end = ptr + <usize>length;
    while (p < end) {
      if (this.inString) {
        const from = p;
        if (this.escaped) { this.escaped = false; p++; }
        else {
          p = nextInString(p, end);
          if (p < end) {
            if (load<u8>(p) == BACKSLASH) this.escaped = true;
            else this.inString = false;
            p++;
          }
        }
        this.copy(from, p);
        if (!this.inString) this.stringEnded();
        continue;
      }
      const from = p;
      if (this.depth > 1) p = nextStop(p, end, false);
      else if (this.capturing >= 0) p = nextStop(p, end, true);
      this.copy(from, p);
      if (p >= end) break;
      p = this.structural(p, load<u8>(p));
    }
  }

  /** One byte outside a string that may change state; returns where to go on. */
  private structural(p: usize, c: u8): usize {
    const top = this.depth == 1;
    if (top && this.capturing >= 0 && (c == 0x2c || c == 0x7d)) this.finishCapture(); // a scalar value ends here
    if (top && this.awaiting == AWAIT_KEY && c == QUOTE) {
      this.inString = true;
      this.inKey = true;
      this.keyLength = 0;
      return p + 1;
    }
    // The first byte of a member's value (past the colon and any space).
    if (top && this.awaiting != AWAIT_KEY && c != 0x3a && !isSpace(c)) {
      this.capturing = this.awaiting;
      this.capturedLength = 0;
      this.awaiting = AWAIT_KEY;
    }
    this.copy(p, p + 1);
    if (c == QUOTE) this.inString = true;
    else if (c == 0x7b || c == 0x5b) this.depth++;
    else if (c == 0x7d || c == 0x5d) {
      this.depth--;
      if (this.depth == 1 && this.capturing >= 0) this.finishCapture();
    }
    return p + 1;
  }

  private stringEnded(): void {
    if (this.inKey) {
      this.inKey = false;
      this.awaiting = this.wantedIndex();
      return;
    }
    if (this.depth == 1 && this.capturing >= 0) this.finishCapture();
  }

  private wantedIndex(): i32 {
    const n = this.keyLength;
    for (let i = 0; i < this.wanted.length; i++) {
      const w = this.wanted[i];
      if (w.length != n) continue;
      let same = true;
      for (let j = 0; j < n && same; j++) same = <i32>load<u8>(this.key + <usize>j) == w.charCodeAt(j);
      if (same) return i;
    }
    return -1;
  }

  private finishCapture(): void {
    const i = this.capturing;
    this.capturing = -1;
    if (i < 0 || this.capturedLength > MAX_CAPTURE_BYTES) return;
    this.values[i] = this.captured.slice(0, this.capturedLength);
  }


  /** Keeps bytes of the key being read, or of the value being captured. */
  @inline private copy(from: usize, to: usize): void {
    if (this.inKey || this.capturing >= 0) this.keep(from, to);
  }

  private keep(from: usize, to: usize): void {
    const n = <i32>(to - from);
    if (n <= 0) return;
    if (this.inKey) {
      // The key's bytes without its closing quote (the string has just ended when it is included).
      const last = this.inString ? to : to - 1;
      for (let q = from; q < last; q++) {
        if (this.keyLength < MAX_KEY_BYTES) store<u8>(this.key + <usize>this.keyLength, load<u8>(q));
        this.keyLength++;
      }
      return;
    }
    if (this.capturing < 0 || this.capturedLength > MAX_CAPTURE_BYTES) return;
    const need = this.capturedLength + n;
    if (need > MAX_CAPTURE_BYTES) { this.capturedLength = need; return; }
    if (need > this.captured.byteLength) {
      const grown = new ArrayBuffer(max<i32>(need, this.captured.byteLength * 2));
      memory.copy(changetype<usize>(grown), changetype<usize>(this.captured), <usize>this.capturedLength);
      this.captured = grown;
    }
    memory.copy(changetype<usize>(this.captured) + <usize>this.capturedLength, from, <usize>n);
    this.capturedLength = need;
  }
}
