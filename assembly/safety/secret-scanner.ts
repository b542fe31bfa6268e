// Finds configured secrets in a response as it streams by and overwrites them in place, in one pass
// over each byte (linear time, memory bounded by MAX_HOLD_BYTES):
// - JSON escapes (\uXXXX, \/, \\, \") and percent-escapes (%2F) are decoded before matching, so a
//   secret written with any mix of escaped and plain characters is found; the bytes overwritten are
//   the escaped ones as sent.
// - Text is matched in channels: what lies outside JSON strings, object keys, and the string values
//   under each key name. The values under one name form one text across strings and events, so a
//   secret a model streams in two deltas ("sk-ab", "cd…") is found too.
// - A match in progress (once HOLD_MIN_SYMBOLS long) holds back the bytes from where it began (at
//   most the longest secret, plus whatever other output lies between its pieces); a channel's
//   match is given up when a whole top-level JSON value (a stream event) passes without that
//   channel, or when holding it would pass MAX_HOLD_BYTES.
// The replacement has the length of what it replaces ("[redacted]" then '*'), so content-length
// stays right and JSON stays valid.
import { skipToPair } from "./byte-class";
import { SecretMatcher } from "./secret-matcher";

/** The most output held back for a match in progress; a longer hold gives the match up. */
export const MAX_HOLD_BYTES: i32 = 64 * 1024;
/**
 * A match in progress holds bytes back only once it is this long: shorter ones go on (most events
 * end with a character some secret form starts with; holding them would delay every other event).
 * The match goes on, so when it completes everything not yet sent is overwritten: at most the
 * first HOLD_MIN_SYMBOLS - 1 characters of a secret leave, and only when a provider cuts it there.
 */
export const HOLD_MIN_SYMBOLS: i32 = 4;
/** A response is scanned up to this many bytes; the rest passes (offsets are 32-bit). */
export const MAX_SCANNED_BYTES: i64 = 1 << 30;

/** What a secret becomes: "[redacted]", then '*' to the length of what it replaces. */
const MARKER_LENGTH: i32 = 10;
const MARKER_BYTES: usize = memory.data<u8>([0x5b, 0x72, 0x65, 0x64, 0x61, 0x63, 0x74, 0x65, 0x64, 0x5d]);

/** Channels: 0 outside strings, 1 object keys, then the values under up to VALUE_CHANNELS key names (the last shared). */
const OUTSIDE: i32 = 0;
const KEYS: i32 = 1;
const VALUE_CHANNELS: i32 = 14;
const CHANNELS: i32 = 2 + VALUE_CHANNELS;

// Escape decoder states.
const PLAIN: i32 = 0;
const BACKSLASH: i32 = 1;
const UNICODE: i32 = 2; // collecting 4 hex digits
const PERCENT: i32 = 3; // collecting 2 hex digits

@inline function hexValue(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

const NO_STARTS = new StaticArray<i32>(0);
const NO_LENGTHS = new StaticArray<u8>(0);
const NOTHING = new ArrayBuffer(0);

/** One channel's match in progress, and where its last symbols came from. */
class Channel {
  node: i32 = 0;
  /** Symbols fed so far (the ring's write position). */
  count: i32 = 0;
  /** Top-level values ended when this channel last got a symbol. */
  serial: i32 = 0;
  /** Ring size less one (a power of two less one): slot = index & mask. */
  mask: i32 = -1;
  // Sized to the longest match in progress so far (most are a few symbols; a secret's whole length
  // only when one is being written out), not to the longest secret up front.
  starts: StaticArray<i32> = NO_STARTS;
  lengths: StaticArray<u8> = NO_LENGTHS;

  /** Room for a match in progress of `depth` symbols. */
  @inline fit(depth: i32): void { if (depth > this.mask) this.grow(depth); }

  private grow(depth: i32): void {
    let size = 16;
    while (size <= depth) size <<= 1;
    const starts = new StaticArray<i32>(size);
    const lengths = new StaticArray<u8>(size);
    const old = this.mask + 1;
    // Keep the last `old` symbols in their new slots.
    for (let k = this.count - old; k < this.count; k++) {
      if (k < 0) continue;
      starts[k & (size - 1)] = this.starts[k & this.mask];
      lengths[k & (size - 1)] = this.lengths[k & this.mask];
    }
    this.starts = starts;
    this.lengths = lengths;
    this.mask = size - 1;
  }
}

/** A response's scan: `push` each piece of the body in order; what it returns goes to the client. */
export class SecretScanner {
  private channels: StaticArray<Channel | null> = new StaticArray<Channel | null>(CHANNELS);
  /** Bytes of the stream seen so far (absolute offsets count from the response's first byte). */
  private total: i64 = 0;
  private carry: ArrayBuffer = NOTHING;
  // Lexer: inside a string; whether that string is an object key; containers as bits (1 = object).
  private inString: bool = false;
  private stringIsKey: bool = false;
  private expectKey: bool = false;
  private level: i32 = 0;
  private containers: u64 = 0;
  private keyHash: u32 = 0;
  private valueChannel: i32 = 2;
  private keyHashes: StaticArray<u32> = new StaticArray<u32>(VALUE_CHANNELS);
  private keyNames: i32 = 0;
  private valuesEnded: i32 = 0;
  // Escape decoder.
  private escape: i32 = PLAIN;
  private escapeStart: i64 = 0;
  private escapeValue: i32 = 0;
  private escapeDigits: i32 = 0;
  /** Secrets overwritten in this response. */
  redactions: i32 = 0;
  /** The response passed MAX_SCANNED_BYTES: the rest passes unread. */
  gaveUp: bool = false;
  /** The last push returned other bytes than the piece it was given (held, released or overwritten). */
  changed: bool = false;
  // The piece being scanned: its buffer and the absolute offset of its first byte.
  private work: usize = 0;
  private workStart: i64 = 0;

  constructor(private matcher: SecretMatcher) {}

  /** Whether this scanner looks for this matcher's secrets. */
  uses(matcher: SecretMatcher): bool { return this.matcher === matcher; }

  /** Starts over, for an unrelated text (one header value after another). */
  reset(): void {
    for (let c = 0; c < CHANNELS; c++) { const ch = unchecked(this.channels[c]); if (ch !== null) { ch.node = 0; ch.count = 0; ch.serial = 0; } }
    this.total = 0; this.carry = NOTHING;
    this.inString = false; this.stringIsKey = false; this.expectKey = false; this.level = 0; this.containers = 0;
    this.keyNames = 0; this.valueChannel = 2; this.valuesEnded = 0; this.escape = PLAIN;
    this.redactions = 0; this.gaveUp = false;
  }

  /** Bytes held back from earlier pieces, waiting to see whether a secret continues. */
  get held(): i32 { return this.carry.byteLength; }

  /**
   * Scans the next piece (the stream's last when `end`) and returns what may go to the client now:
   * the held bytes and this piece, secrets overwritten, less a tail that may begin a secret. The
   * same buffer comes back when nothing was held, changed or kept back.
   */
  push(piece: ArrayBuffer, end: bool): ArrayBuffer {
    this.changed = this.carry.byteLength > 0;
    if (this.gaveUp) return this.joinCarry(piece);
    const carried = this.carry.byteLength;
    const work = carried == 0 ? piece : this.joinCarry(piece);
    this.carry = NOTHING;
    this.work = changetype<usize>(work);
    this.workStart = this.total - <i64>carried;
    const redactionsBefore = this.redactions;
    // Bytes being decoded as an escape were not fed yet: they are scanned again from the escape on.
    let i: i32 = this.escape != PLAIN ? <i32>(this.escapeStart - this.workStart) : carried;
    if (this.escape != PLAIN) this.escape = PLAIN;
    this.total += <i64>piece.byteLength;
    if (this.total > MAX_SCANNED_BYTES) { this.gaveUp = true; return work; }
    const length = work.byteLength;
    while (i < length) i = this.escape == PLAIN ? this.plainRun(i, length) : this.feed(i, length);
    let keep = end ? length : this.holdFrom(length);
    if (keep < length) {
      this.changed = true;
      this.carry = work.slice(keep, length);
      return keep == 0 ? NOTHING : work.slice(0, keep);
    }
    if (this.redactions != redactionsBefore) this.changed = true;
    return work;
  }

  /**
   * Scans `length` bytes at `ptr` as one whole text, from the start (after reset), overwriting
   * secrets in place: push(piece, true) without a buffer of its own. True when one was found.
   */
  scanWhole(ptr: usize, length: i32): bool {
    this.reset();
    this.work = ptr;
    this.workStart = 0;
    this.total = <i64>length;
    let i = 0;
    while (i < length) i = this.escape == PLAIN ? this.plainRun(i, length) : this.feed(i, length);
    return this.redactions > 0;
  }

  private joinCarry(piece: ArrayBuffer): ArrayBuffer {
    const carried = this.carry.byteLength;
    if (carried == 0) return piece;
    const joined = new ArrayBuffer(carried + piece.byteLength);
    memory.copy(changetype<usize>(joined), changetype<usize>(this.carry), <usize>carried);
    memory.copy(changetype<usize>(joined) + <usize>carried, changetype<usize>(piece), <usize>piece.byteLength);
    this.carry = NOTHING;
    return joined;
  }

  /** Reads the byte at index i of the piece (and any escape it starts); returns the next index. */
  private feed(i: i32, length: i32): i32 {
    const c = <i32>load<u8>(this.work + <usize>i);
    const at = this.workStart + <i64>i;
    if (this.escape == PLAIN) {
      if (c == 0x5c || c == 0x25) {
        this.escape = c == 0x5c ? BACKSLASH : PERCENT;
        this.escapeStart = at; this.escapeValue = 0; this.escapeDigits = 0;
        return i + 1;
      }
      if (this.inString) {
        if (c == 0x22) { this.closeString(); return i + 1; }
        this.symbol(c, at, 1);
        return i + 1;
      }
      this.structure(c);
      if (c != 0x22) this.symbol(c, at, 1);
      return i + 1;
    }
    const spanLength = <i32>(at + 1 - this.escapeStart);
    if (this.escape == BACKSLASH) {
      let decoded = -1;
      if (c == 0x75) { this.escape = UNICODE; return i + 1; }
      if (c == 0x22 || c == 0x5c || c == 0x2f) decoded = c;
      else if (c == 0x6e) decoded = 0x0a; else if (c == 0x74) decoded = 0x09; else if (c == 0x72) decoded = 0x0d;
      else if (c == 0x62) decoded = 0x08; else if (c == 0x66) decoded = 0x0c;
      this.escape = PLAIN;
      if (decoded >= 0) { this.symbol(decoded, this.escapeStart, spanLength); return i + 1; }
      return this.literalEscapeStart();
    }
    const digit = hexValue(c);
    if (digit < 0) { this.escape = PLAIN; return this.literalEscapeStart(); }
    this.escapeValue = (this.escapeValue << 4) | digit;
    this.escapeDigits++;
    if (this.escape == PERCENT && this.escapeDigits == 2 || this.escape == UNICODE && this.escapeDigits == 4) {
      this.escape = PLAIN;
      this.codePoint(this.escapeValue, this.escapeStart, spanLength);
    }
    return i + 1;
  }

  /**
   * The hot loop: plain bytes (most of an answer), fed to their channel without a call per byte;
   * stops at a quote, a backslash or a percent sign, and outside strings at JSON punctuation, for
   * feed() to read.
   */
  private plainRun(i: i32, length: i32): i32 {
    const matcher = this.matcher;
    const work = this.work;
    const from = i;
    let ch = this.currentChannel();
    let node = ch.node;
    let hash = this.keyHash;
    let inString = this.inString;
    let isKey = this.stringIsKey;
    // Symbols of this run are plain bytes [run, i): not put in the ring one by one; a match is
    // overwritten from the run itself, and the ring gets the run's tail when the run ends.
    let run = i;
    // In a string value with no match in progress, only a byte the matcher names can change
    // anything: the rest is passed over sixteen at a time, wherever the state falls back to the
    // root (keys are hashed byte by byte, and outside strings punctuation counts).
    if (node == 0 && inString && !isKey) i = this.skipQuiet(i, length);
    while (i < length) {
      const b = <i32>load<u8>(work + <usize>i);
      if (b == 0x5c || b == 0x25) break; // an escape: feed() decodes it
      if (b == 0x22) {
        // A quote: a string opens or closes, and the channel changes.
        this.endRun(ch, node, run, i);
        ch.serial = this.valuesEnded;
        this.keyHash = hash;
        if (inString) this.closeString(); else this.structure(b);
        inString = this.inString;
        isKey = this.stringIsKey;
        hash = this.keyHash;
        ch = this.currentChannel();
        node = ch.node;
        run = ++i;
        continue;
      }
      if (!inString && (b == 0x7b || b == 0x7d || b == 0x5b || b == 0x5d || b == 0x2c || b == 0x3a)) {
        // JSON punctuation: containers and keys change (the channel stays OUTSIDE, and the byte is its text).
        ch.node = node;
        ch.serial = this.valuesEnded;
        this.structure(b);
        if (ch.node != node) { node = ch.node; run = i; } // given up at the end of a top-level value
      } else if (isKey) hash = (hash ^ <u32>b) * 16777619;
      node = matcher.step(node, b);
      i++;
      if (node != 0) {
        const found = matcher.matchLength(node);
        if (found > 0) { ch.node = node; this.overwrite(ch, found, run, i); }
      } else if (inString && !isKey && i < length) i = this.skipQuiet(i, length);
    }
    this.endRun(ch, node, run, i);
    ch.serial = this.valuesEnded;
    this.keyHash = hash;
    return i == from ? this.feed(i, length) : i;
  }

  /**
   * Where the text from i on next holds a byte that matters to a scanner at the root (the
   * matcher's `decoded`, `firstBytes` and `secondBytes`); bytes before it leave the state there.
   */
  @inline private skipQuiet(i: i32, length: i32): i32 {
    const m = this.matcher;
    // The first byte is tested alone first: in text dense with bytes that stop the skip (a key's
    // first letters over and over) the skip would stop at its first lane nearly every time.
    const at = this.work + <usize>i;
    const b = <i32>load<u8>(at);
    if (m.decoded.has(b) || m.firstBytes.has(b) && (i + 1 >= length || m.secondBytes.has(<i32>load<u8>(at, 1)))) return i;
    return skipToPair(m.firstBytes, m.secondBytes, m.decoded, this.work, i, length);
  }

  /** A run of plain bytes [run, end) ends: the ring keeps those of its tail a match in progress holds. */
  private endRun(ch: Channel, node: i32, run: i32, end: i32): void {
    ch.node = node;
    if (node == 0) return;
    const depth = this.matcher.depthOf(node);
    const n = min(depth, end - run);
    if (n <= 0) return;
    ch.fit(depth);
    for (let j = end - n; j < end; j++) {
      const slot = ch.count & ch.mask;
      unchecked(ch.starts[slot] = <i32>(this.workStart + <i64>j));
      unchecked(ch.lengths[slot] = 1);
      ch.count++;
    }
  }

  /** The channel the next plain byte goes to. */
  private currentChannel(): Channel {
    const c = !this.inString ? OUTSIDE : this.stringIsKey ? KEYS : this.valueChannel;
    let ch = unchecked(this.channels[c]);
    if (ch === null) { ch = new Channel(); this.channels[c] = ch; }
    return ch!;
  }

  /** An escape that was not one: its first byte is itself, and what followed is read again. */
  private literalEscapeStart(): i32 {
    const start = this.escapeStart;
    const c = <i32>load<u8>(this.work + <usize>(start - this.workStart));
    if (!this.inString) this.structure(c);
    this.symbol(c, start, 1);
    return <i32>(start - this.workStart) + 1;
  }

  /** A decoded character as the UTF-8 bytes it stands for; the first carries the escape's span. */
  private codePoint(v: i32, start: i64, spanLength: i32): void {
    if (v < 0x80) { this.symbol(v, start, spanLength); return; }
    if (v < 0x800) {
      this.symbol(0xc0 | (v >> 6), start, spanLength);
      this.symbol(0x80 | (v & 0x3f), start + spanLength, 0);
      return;
    }
    this.symbol(0xe0 | (v >> 12), start, spanLength);
    this.symbol(0x80 | ((v >> 6) & 0x3f), start + spanLength, 0);
    this.symbol(0x80 | (v & 0x3f), start + spanLength, 0);
  }

  /** Outside strings: containers, keys and values, and the strings that open. */
  private structure(c: i32): void {
    if (c == 0x22) {
      this.inString = true;
      this.stringIsKey = this.expectKey && this.topIsObject();
      this.keyHash = 2166136261;
    } else if (c == 0x7b || c == 0x5b) {
      if (this.level < 64) this.containers = c == 0x7b ? this.containers | (<u64>1 << <u64>this.level) : this.containers & ~(<u64>1 << <u64>this.level);
      this.level++;
      this.expectKey = c == 0x7b;
    } else if (c == 0x7d || c == 0x5d) {
      if (this.level > 0) this.level--;
      this.expectKey = false;
      if (this.level == 0) this.valueEnded();
    } else if (c == 0x2c) {
      this.expectKey = this.topIsObject();
    } else if (c == 0x3a) {
      this.expectKey = false;
      this.valueChannel = this.channelForKey(this.keyHash);
    }
  }

  @inline private topIsObject(): bool {
    const top = this.level - 1;
    return top >= 0 && (top >= 64 || (this.containers >> <u64>top & 1) != 0);
  }

  private closeString(): void {
    this.inString = false;
    this.stringIsKey = false;
  }

  /** The channel for the values under a key name: one per name, first come, the last shared. */
  private channelForKey(hash: u32): i32 {
    for (let k = 0; k < this.keyNames; k++) if (unchecked(this.keyHashes[k]) == hash) return 2 + k;
    if (this.keyNames < VALUE_CHANNELS) { this.keyHashes[this.keyNames] = hash; this.keyNames++; return 1 + this.keyNames; }
    return CHANNELS - 1;
  }

  /** A top-level value (a stream event's JSON) ended: matches idle for a whole value are given up. */
  private valueEnded(): void {
    this.valuesEnded++;
    for (let c = 0; c < CHANNELS; c++) {
      const ch = unchecked(this.channels[c]);
      if (ch !== null && ch.node != 0 && ch.serial < this.valuesEnded - 1) ch.node = 0;
    }
  }

  /** One decoded byte of text, from source bytes [start, start + spanLength). */
  private symbol(b: i32, start: i64, spanLength: i32): void {
    let c: i32;
    if (!this.inString) c = OUTSIDE;
    else if (this.stringIsKey) { c = KEYS; this.keyHash = (this.keyHash ^ <u32>b) * 16777619; }
    else c = this.valueChannel;
    let ch = unchecked(this.channels[c]);
    if (ch === null) { ch = new Channel(); this.channels[c] = ch; }
    const matcher = this.matcher;
    const node = matcher.step(ch.node, b);
    ch.node = node;
    // A symbol after which nothing is in progress is part of no later match: not recorded.
    if (node == 0) return;
    ch.serial = this.valuesEnded;
    ch.fit(this.matcher.depthOf(node));
    const slot = ch.count & ch.mask;
    unchecked(ch.starts[slot] = <i32>start);
    unchecked(ch.lengths[slot] = <u8>spanLength);
    ch.count++;
    const found = matcher.matchLength(node);
    if (found > 0) this.overwrite(ch, found);
  }

  /** Overwrites the source bytes of the last `symbols` symbols of a channel with the marker. */
  private overwrite(ch: Channel, symbols: i32, run: i32 = 0, runEnd: i32 = 0): void {
    // The match's last symbols may be plain bytes [run, runEnd) of the piece; the rest are the
    // ring's last entries.
    const inRun = min(symbols, runEnd - run);
    const fromRing = symbols - inRun;
    let total = inRun;
    for (let k = ch.count - fromRing; k < ch.count; k++) {
      const slot = k & ch.mask;
      if (<i64>unchecked(ch.starts[slot]) >= this.workStart) total += <i32>unchecked(ch.lengths[slot]);
    }
    let written = 0;
    for (let k = ch.count - fromRing; k < ch.count; k++) {
      const slot = k & ch.mask;
      const start = <i64>unchecked(ch.starts[slot]);
      // Never outside the piece: a match's bytes are held until it is decided (holdFrom).
      if (start < this.workStart) continue;
      written = this.mark(this.work + <usize>(start - this.workStart), <i32>unchecked(ch.lengths[slot]), total, written);
    }
    if (inRun > 0) this.mark(this.work + <usize>(runEnd - inRun), inRun, total, written);
    this.redactions++;
  }

  /** Writes n bytes of the marker for a match of `total` bytes, from its byte `written`; returns the new count. */
  private mark(at: usize, n: i32, total: i32, written: i32): i32 {
    for (let j = 0; j < n; j++) {
      // "[redacted]" then '*' when the span is at least as long; all '*' when shorter.
      const b = total >= MARKER_LENGTH && written < MARKER_LENGTH ? load<u8>(MARKER_BYTES + <usize>written) : <u8>0x2a;
      store<u8>(at + <usize>j, b);
      written++;
    }
    return written;
  }

  /** The index in the piece from which bytes must wait: the start of the oldest match in progress. */
  private holdFrom(length: i32): i32 {
    const end = this.workStart + <i64>length;
    while (true) {
      let from = end;
      let oldest = -1;
      for (let c = 0; c < CHANNELS; c++) {
        const ch = unchecked(this.channels[c]);
        if (ch === null || ch.node == 0) continue;
        const d = this.matcher.depthOf(ch.node);
        if (d < HOLD_MIN_SYMBOLS) continue;
        const start = <i64>unchecked(ch.starts[(ch.count - d) & ch.mask]);
        if (start < from) { from = start; oldest = c; }
      }
      if (this.escape != PLAIN && this.escapeStart < from) from = this.escapeStart;
      // Holding more than the bound: the oldest match is given up (an escape is at most 6 bytes).
      if (end - from > <i64>MAX_HOLD_BYTES && oldest >= 0) { this.channels[oldest]!.node = 0; continue; }
      // A match that began in bytes already sent (it was too short to hold then) holds from here.
      return from < this.workStart ? 0 : <i32>(from - this.workStart);
    }
  }
}
