// Server-sent events (https://html.spec.whatwg.org/multipage/server-sent-events.html) as LLM
// providers send them: events split at any byte across body callbacks are reassembled here, so a
// translator sees whole events only, each as soon as its blank line arrives.
import { JsonWriter } from "../json/writer";
import { ByteWindow } from "./byte-window";

/**
 * One event: its `event:` name (empty when none) and its `data:` lines joined by \n, as UTF-8
 * bytes: `length` bytes at `ptr`, inside `holder` (the chunk itself, or the decoder's held bytes,
 * when the data was one line, so the usual event is not copied). Read it before the decoder's next
 * push: the held bytes move then.
 */
export class SseEvent {
  constructor(public name: string, private holder: ArrayBuffer, private offset: i32, public length: i32) {}
  /** Where the data starts; valid until the decoder's next push. */
  get ptr(): usize { return changetype<usize>(this.holder) + <usize>this.offset; }
  /** The data as text (translators that parse it whole). */
  text(): string { return String.UTF8.decodeUnsafe(this.ptr, <usize>this.length); }
  /** True when the data is exactly `literal` (e.g. OpenAI's [DONE]). */
  dataIs(literal: string): bool {
    const n = this.length;
    if (n != literal.length) return false;
    for (let i = 0; i < n; i++) if (<i32>load<u8>(this.ptr + <usize>i) != literal.charCodeAt(i)) return false;
    return true;
  }
}

/** True when the line at `at` (length `n`) starts with the ASCII `field` followed by ':' or ends there. */
function isField(at: usize, n: i32, field: ArrayBuffer): bool {
  const f = field.byteLength;
  if (n < f) return false;
  if (memory.compare(at, changetype<usize>(field), <usize>f) != 0) return false;
  return n == f || load<u8>(at + <usize>f) == 0x3a;
}

const DATA_FIELD = String.UTF8.encode("data");
const EVENT_FIELD = String.UTF8.encode("event");
/** The one empty buffer: what waits after a chunk that ended on an event boundary (the usual case). */
export const NOTHING = new ArrayBuffer(0);

const LFS = i8x16.splat(0x0a);
const CRS = i8x16.splat(0x0d);

/** The offset of the next CR or LF at or after `i`, or `length`: sixteen bytes a step. */
function nextLineEnd(base: usize, i: i32, length: i32): i32 {
  while (i + 16 <= length) {
    const v = v128.load(base + <usize>i);
    const mask = i8x16.bitmask(v128.or(i8x16.eq(v, LFS), i8x16.eq(v, CRS)));
    if (mask != 0) return i + ctz(mask);
    i += 16;
  }
  while (i < length) {
    const c = load<u8>(base + <usize>i);
    if (c == 0x0a || c == 0x0d) return i;
    i++;
  }
  return length;
}

/**
 * An event larger than this (its bytes on the wire, from the end of the event before it to its
 * blank line) breaks the stream: the client gets an error event instead of the VM holding it.
 */
export const MAX_EVENT_BYTES: i32 = 1 << 20;

/**
 * Turns a provider's stream, chunk by chunk, into whole events. SSE is one framing; AWS's binary
 * event stream (eventstream.ts) is another; translators see only SseEvent either way.
 */
export abstract class StreamDecoder {
  /** Set when the stream broke (an event too large, a frame that fails its checks). */
  broken: bool = false;
  /** Why it broke, in words for the client's error event. */
  brokenBecause: string = "";
  /** Adds a chunk and appends every event it completes to `out`. `last`: the stream ended. */
  abstract push(chunk: ArrayBuffer, last: bool, out: Array<SseEvent>): void;
}

export class SseDecoder extends StreamDecoder {
  private scanner: SseScanner;
  private sink: ArraySink = new ArraySink();
  constructor(maxEvent: i32 = MAX_EVENT_BYTES) {
    super();
    this.scanner = new SseScanner(maxEvent);
  }

  push(chunk: ArrayBuffer, last: bool, out: Array<SseEvent>): void {
    if (this.broken) return;
    this.sink.out = out;
    if (this.scanner.push(chunk, last, this.sink) < 0) {
      this.broken = true;
      this.brokenBecause = "sent a stream event larger than llm-mesh reads (" + (this.scanner.maxEvent >> 10).toString() + " KiB)";
    }
  }
}

/** Receives decoded events: the event's name, its data (`length` bytes at `offset` in `holder`), and where its blank line ends (an offset in the scanner's window). */
export abstract class EventSink {
  abstract event(name: string, holder: ArrayBuffer, offset: i32, length: i32, end: i32): void;
}

/** The sink that collects SseEvent objects (translators take events one by one). */
class ArraySink extends EventSink {
  out: Array<SseEvent> = new Array<SseEvent>();
  event(name: string, holder: ArrayBuffer, offset: i32, length: i32, _end: i32): void {
    this.out.push(new SseEvent(name, holder, offset, length));
  }
}

const TWO_LINE_ENDS = String.UTF8.encode("\n\n");

/**
 * SSE framing, incremental: the scan of an unfinished event resumes where the last chunk ended, so
 * each byte is looked at once and copied a bounded number of times (linear in the stream, however
 * it is split and however many lines an event has). Offsets below are into the window: the bytes
 * held from earlier chunks followed by this chunk, or the chunk alone when nothing is held (the
 * usual case: no copy). The unfinished event always starts at offset 0 of the window.
 */
export class SseScanner {
  private held: ByteWindow = new ByteWindow();
  /** The window of the last push, and its length (a meter reads what it passes on from it). */
  window: ArrayBuffer = NOTHING;
  windowLength: i32 = 0;
  /** Bytes of the window held from earlier chunks. */
  heldBefore: i32 = 0;
  // Where the unfinished line starts, and where its end is looked for next.
  private lineStart: i32 = 0;
  private scanFrom: i32 = 0;
  // The unfinished event: its name's span, its data as a span while it is one line, else joined.
  private nameStart: i32 = -1;
  private nameLength: i32 = 0;
  private dataStart: i32 = -1;
  private dataLength: i32 = 0;
  private joined: ByteWindow | null = null;

  constructor(public maxEvent: i32) {}

  /**
   * Scans `chunk` after the held bytes, handing each complete event to `sink`. Returns how many
   * bytes of the window the complete events took, or -1 when an event is over maxEvent (the
   * scanner is then reset; the caller stops reading the stream). At the end of the stream (`last`)
   * an event without its blank line is still delivered (the spec drops it; a client would rather
   * not lose the provider's last words).
   */
  push(chunk: ArrayBuffer, last: bool, sink: EventSink): i32 {
    const held = this.held;
    const dropped = held.compact();
    if (dropped > 0) this.shift(dropped);
    this.heldBefore = held.length;
    let window = chunk;
    let length = chunk.byteLength;
    if (held.length > 0 || last) {
      held.append(changetype<usize>(chunk), chunk.byteLength);
      if (last) held.append(changetype<usize>(TWO_LINE_ENDS), 2);
      window = held.buffer;
      length = held.length;
    }
    this.window = window;
    this.windowLength = length;
    const consumed = this.scan(window, length, sink);
    if (consumed < 0 || length - consumed > this.maxEvent) { this.reset(); return -1; }
    if (last) { this.reset(); return consumed; }
    if (window == chunk) {
      const rest = length - consumed;
      if (rest > 0) held.append(changetype<usize>(chunk) + <usize>consumed, rest);
      this.shift(consumed);
    } else held.markDone(consumed);
    return consumed;
  }

  private reset(): void {
    this.held.clear();
    this.lineStart = 0; this.scanFrom = 0;
    this.nameStart = -1; this.nameLength = 0; this.dataStart = -1; this.dataLength = 0; this.joined = null;
  }

  /** The window's first `n` bytes are gone: offsets move down. */
  private shift(n: i32): void {
    this.lineStart -= n;
    this.scanFrom -= n;
    if (this.nameStart >= 0) this.nameStart -= n;
    if (this.dataStart >= 0) this.dataStart -= n;
  }

  /**
   * Scans from where the last push stopped; returns the end of the last complete event (or -1 for
   * one over maxEvent). A line ending in CR at the very end may be the first half of CR LF, so it
   * waits for the next chunk.
   */
  private scan(holder: ArrayBuffer, length: i32, sink: EventSink): i32 {
    const base = changetype<usize>(holder);
    let consumed = 0;
    let lineStart = this.lineStart;
    let i = this.scanFrom;
    while (i < length) {
      i = nextLineEnd(base, i, length);
      if (i >= length) break;
      const c = load<u8>(base + <usize>i);
      let next = i + 1;
      if (c == 0x0d) {
        if (next == length) break;
        if (load<u8>(base + <usize>next) == 0x0a) next++;
      }
      if (i == lineStart) {
        // A blank line ends the event; one with no data is no event (only comments or an id).
        if (next - consumed > this.maxEvent) return -1;
        const joined = this.joined;
        if (joined !== null || this.dataStart >= 0) {
          const name = this.nameStart >= 0 ? String.UTF8.decodeUnsafe(base + <usize>this.nameStart, <usize>this.nameLength) : "";
          if (joined !== null) sink.event(name, joined.buffer, 0, joined.length, next);
          else sink.event(name, holder, this.dataStart, this.dataLength, next);
        }
        this.nameStart = -1; this.nameLength = 0; this.dataStart = -1; this.dataLength = 0; this.joined = null;
        consumed = next;
      } else {
        const at = base + <usize>lineStart;
        const n = i - lineStart;
        // The value follows "field:" and one optional space.
        const isData = isField(at, n, DATA_FIELD);
        if (isData || isField(at, n, EVENT_FIELD)) {
          let skip = isData ? 5 : 6;
          if (skip < n && load<u8>(at + <usize>skip) == 0x20) skip++;
          const valueLength = n > skip ? n - skip : 0;
          if (!isData) { this.nameStart = lineStart + skip; this.nameLength = valueLength; }
          else if (this.dataStart < 0 && this.joined === null) { this.dataStart = lineStart + skip; this.dataLength = valueLength; }
          else {
            // A second data line: the lines are joined by \n into a buffer of their own, grown by doubling.
            let joined = this.joined;
            if (joined === null) {
              joined = new ByteWindow();
              joined.append(base + <usize>this.dataStart, this.dataLength);
              this.joined = joined;
              this.dataStart = -1;
            }
            joined.append(changetype<usize>(TWO_LINE_ENDS), 1);
            joined.append(at + <usize>skip, valueLength);
          }
        }
      }
      i = next;
      lineStart = next;
    }
    this.lineStart = lineStart;
    // A line without its end is not scanned again (a CR at the very end is: it may be half of CR LF).
    this.scanFrom = i < length ? i : length;
    return consumed;
  }
}

/** Starts an event in `out`: `event: NAME` when named, then `data: `. */
export function beginEvent(out: JsonWriter, name: string): void {
  if (name.length > 0) out.raw("event: ").raw(name).byte(0x0a);
  out.raw("data: ");
}

/** Ends the event begun with beginEvent. */
export function endEvent(out: JsonWriter): void {
  out.raw("\n\n");
}
