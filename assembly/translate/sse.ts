// Server-sent events (https://html.spec.whatwg.org/multipage/server-sent-events.html) as LLM
// providers send them: events split at any byte across body callbacks are reassembled here, so a
// translator sees whole events only, each as soon as its blank line arrives.
import { JsonWriter } from "../json/writer";

/** One event: its `event:` name (empty when none) and its `data:` lines joined by \n. */
export class SseEvent {
  constructor(public name: string, public data: string) {}
}

/** An event larger than this is refused rather than buffered without end. */
export const MAX_EVENT_BYTES: i32 = 1 << 20;

export class SseDecoder {
  /** Bytes after the last complete event, waiting for the rest of it. */
  private pending: ArrayBuffer = new ArrayBuffer(0);
  /** Set when an event grew past MAX_EVENT_BYTES; the stream is then broken. */
  overflowed: bool = false;

  /** Adds a chunk and appends every event it completes to `out`. `last`: the stream ended. */
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
    const consumed = decodeEvents(changetype<usize>(data), data.byteLength, out);
    const rest = data.byteLength - consumed;
    if (rest > MAX_EVENT_BYTES) { this.overflowed = true; this.pending = new ArrayBuffer(0); return; }
    this.pending = rest == 0 ? new ArrayBuffer(0) : data.slice(consumed);
  }
}

/**
 * Decodes the complete events in [base, base+length); returns how many bytes they took. A line
 * ending in CR at the very end may be the first half of CR LF, so it waits for the next chunk.
 */
function decodeEvents(base: usize, length: i32, out: Array<SseEvent>): i32 {
  let consumed = 0;
  let lineStart = 0;
  let name = "";
  let data = "";
  let hasData = false;
  let i = 0;
  while (i < length) {
    const c = load<u8>(base + <usize>i);
    if (c != 0x0a && c != 0x0d) { i++; continue; }
    let next = i + 1;
    if (c == 0x0d) {
      if (next == length) break;
      if (next < length && load<u8>(base + <usize>next) == 0x0a) next++;
    }
    if (i == lineStart) {
      // A blank line ends the event; one with no data is no event (only comments or an id).
      if (hasData) out.push(new SseEvent(name, data));
      name = ""; data = ""; hasData = false;
      consumed = next;
    } else {
      const line = String.UTF8.decodeUnsafe(base + <usize>lineStart, <usize>(i - lineStart));
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.substring(0, colon);
      let value = colon < 0 ? "" : line.substring(colon + 1);
      if (value.length > 0 && value.charCodeAt(0) == 0x20) value = value.substring(1);
      if (field == "data") {
        data = hasData ? data + "\n" + value : value;
        hasData = true;
      } else if (field == "event") name = value;
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
