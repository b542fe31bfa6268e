// Server-sent events (https://html.spec.whatwg.org/multipage/server-sent-events.html) as LLM
// providers send them: events split at any byte across body callbacks are reassembled here, so a
// translator sees whole events only, each as soon as its blank line arrives.
import { JsonWriter } from "../json/writer";

/**
 * One event: its `event:` name (empty when none) and its `data:` lines joined by \n, as UTF-8
 * bytes: `length` bytes at `ptr`, inside `holder` (the chunk itself when the data was one line, so
 * the usual event is not copied).
 */
export class SseEvent {
  constructor(public name: string, private holder: ArrayBuffer, private offset: i32, public length: i32) {}
  /** Where the data starts; valid while the event is. */
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

/** Appends bytes to a growing buffer (data lines of one event; almost always one). */
function append(to: ArrayBuffer | null, from: usize, n: i32, newline: bool): ArrayBuffer {
  const held = to === null ? 0 : to.byteLength;
  const extra = newline ? 1 : 0;
  const out = new ArrayBuffer(held + extra + n);
  if (to !== null) memory.copy(changetype<usize>(out), changetype<usize>(to), <usize>held);
  if (newline) store<u8>(changetype<usize>(out) + <usize>held, 0x0a);
  memory.copy(changetype<usize>(out) + <usize>(held + extra), from, <usize>n);
  return out;
}

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

/** An event larger than this is refused rather than buffered without end. */
export const MAX_EVENT_BYTES: i32 = 1 << 20;

/**
 * Turns a provider's stream, chunk by chunk, into whole events. SSE is one framing; AWS's binary
 * event stream (eventstream.ts) is another; translators see only SseEvent either way.
 */
export abstract class StreamDecoder {
  /** Set when the stream broke (an event too large, a frame that fails its checks). */
  broken: bool = false;
  /** Adds a chunk and appends every event it completes to `out`. `last`: the stream ended. */
  abstract push(chunk: ArrayBuffer, last: bool, out: Array<SseEvent>): void;
}

export class SseDecoder extends StreamDecoder {
  /** Bytes after the last complete event, waiting for the rest of it. */
  private pending: ArrayBuffer = NOTHING;

  push(chunk: ArrayBuffer, last: bool, out: Array<SseEvent>): void {
    // At the end of the stream an event without its blank line is still delivered: two line ends
    // are added (the spec would drop it; a client would rather not lose the provider's last words).
    const tail = last ? 2 : 0;
    let data = chunk;
    if (this.pending.byteLength > 0 || last) {
      const held = this.pending.byteLength;
      data = new ArrayBuffer(held + chunk.byteLength + tail);
      memory.copy(changetype<usize>(data), changetype<usize>(this.pending), <usize>held);
      memory.copy(changetype<usize>(data) + <usize>held, changetype<usize>(chunk), <usize>chunk.byteLength);
      if (last) { store<u8>(changetype<usize>(data) + <usize>(data.byteLength - 2), 0x0a); store<u8>(changetype<usize>(data) + <usize>(data.byteLength - 1), 0x0a); }
    }
    const consumed = decodeEvents(data, out);
    const rest = data.byteLength - consumed;
    if (rest > MAX_EVENT_BYTES) { this.broken = true; this.pending = NOTHING; return; }
    this.pending = rest == 0 ? NOTHING : data.slice(consumed);
  }
}

/** Receives decoded events: the event's name, its data (`length` bytes at `offset` in `holder`), and where its blank line ends. */
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
const ARRAY_SINK = new ArraySink();

/** Decodes the complete events in `holder` into `out`; returns how many bytes they took. */
export function decodeEvents(holder: ArrayBuffer, out: Array<SseEvent>): i32 {
  ARRAY_SINK.out = out;
  return decodeEventsTo(holder, ARRAY_SINK);
}

/**
 * Decodes the complete events in `holder`, each handed to `sink` as it completes (a meter reads
 * them in place, without an object per event); returns how many bytes they took. A line ending in
 * CR at the very end may be the first half of CR LF, so it waits for the next chunk.
 */
export function decodeEventsTo(holder: ArrayBuffer, sink: EventSink): i32 {
  const base = changetype<usize>(holder);
  const length = holder.byteLength;
  let consumed = 0;
  let lineStart = 0;
  let name = "";
  // The event's data: a span of `holder` while it is one line, a joined copy after that.
  let dataStart = -1;
  let dataLength = 0;
  let joined: ArrayBuffer | null = null;
  let i = 0;
  while (i < length) {
    i = nextLineEnd(base, i, length);
    if (i >= length) break;
    const c = load<u8>(base + <usize>i);
    let next = i + 1;
    if (c == 0x0d) {
      if (next == length) break;
      if (next < length && load<u8>(base + <usize>next) == 0x0a) next++;
    }
    if (i == lineStart) {
      // A blank line ends the event; one with no data is no event (only comments or an id).
      if (joined !== null) sink.event(name, joined!, 0, joined!.byteLength, next);
      else if (dataStart >= 0) sink.event(name, holder, dataStart, dataLength, next);
      name = ""; dataStart = -1; dataLength = 0; joined = null;
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
        if (!isData) name = String.UTF8.decodeUnsafe(at + <usize>skip, <usize>valueLength);
        else if (dataStart < 0 && joined === null) { dataStart = lineStart + skip; dataLength = valueLength; }
        else {
          if (joined === null) joined = append(null, base + <usize>dataStart, dataLength, false);
          joined = append(joined, at + <usize>skip, valueLength, true);
        }
      }
    }
    i = next;
    lineStart = next;
  }
  return consumed;
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
