// Server-sent events kept as their own bytes: a stream is split into whole events (each ending at
// its blank line) however its chunks fall, so an event can be passed on exactly as it came or
// rebuilt with new data and its other fields (`id:`, `event:`, `retry:`, comments) kept. MCP's
// Streamable HTTP transport resumes streams by event id, so the ids must survive.
import { ByteWindow } from "./byte-window";
import { JsonWriter } from "../json/writer";

/** Receives each whole event: `length` bytes at `ptr`, its blank line included (valid until the next push). */
export abstract class RawEventSink {
  abstract event(ptr: usize, length: i32): void;
}

/** Splits a stream into whole events; an event longer than `maxEvent` breaks it. */
export class SseSplitter {
  private window: ByteWindow = new ByteWindow();
  /** Where the event being read starts, and where its next line starts (window offsets). */
  private eventStart: i32 = 0;
  private lineStart: i32 = 0;
  /** How far the line at lineStart is known to hold no line break: a long line split finely is read once, not per chunk. */
  private scanned: i32 = 0;
  /** An event grew past maxEvent: nothing more is read. */
  broken: bool = false;
  /** The stream's first bytes were looked at for a byte order mark. */
  private started: bool = false;

  constructor(public maxEvent: i32) {}

  /** Hands every event completed by `chunk` to the sink; at the end, a last event without its blank line too. */
  push(chunk: usize, length: i32, last: bool, sink: RawEventSink): void {
    if (this.broken) return;
    const w = this.window;
    const shift = w.compact();
    this.eventStart -= shift;
    this.lineStart -= shift;
    this.scanned -= shift;
    w.append(chunk, length);
    const base = w.ptr;
    if (!this.started) {
      // A UTF-8 byte order mark before the first event is dropped, as the EventSource decoder drops it
      // (else the first line would not read as a field here, and would to the client).
      const n = min<i32>(w.length, 3);
      const bom = load<u8>(base) == 0xef && (n < 2 || load<u8>(base + 1) == 0xbb) && (n < 3 || load<u8>(base + 2) == 0xbf);
      if (w.length > 0 && bom && n < 3 && !last) return; // too few bytes yet to tell
      if (w.length > 0) {
        this.started = true;
        if (bom && n == 3) { this.eventStart = 3; this.lineStart = 3; this.scanned = 3; }
      }
    }
    let at = this.lineStart;
    while (at < w.length) {
      // The end of this line: LF, CR or CR LF. A CR at the window's end may be half of a CR LF.
      let e = at == this.lineStart ? max<i32>(at, this.scanned) : at;
      while (e < w.length) { const c = load<u8>(base + <usize>e); if (c == 0x0a || c == 0x0d) break; e++; }
      if (e >= w.length) { this.scanned = e; break; }
      let next = e + 1;
      if (load<u8>(base + <usize>e) == 0x0d) {
        if (next >= w.length && !last) { this.scanned = e; break; }
        if (next < w.length && load<u8>(base + <usize>next) == 0x0a) next++;
      }
      if (e == at) {
        // A blank line ends the event (a blank line before any field is an empty event, passed as it is).
        // An event longer than the limit breaks the stream however its chunks fell, whole in one too.
        if (next - this.eventStart > this.maxEvent) { this.broken = true; w.clear(); return; }
        sink.event(base + <usize>this.eventStart, next - this.eventStart);
        this.eventStart = next;
      }
      at = next;
    }
    if (at != this.lineStart) { this.lineStart = at; if (this.scanned < at) this.scanned = at; }
    if (last && this.eventStart < w.length) {
      if (w.length - this.eventStart > this.maxEvent) { this.broken = true; w.clear(); return; }
      sink.event(base + <usize>this.eventStart, w.length - this.eventStart);
      this.eventStart = w.length;
      this.lineStart = w.length;
      this.scanned = w.length;
    }
    if (w.length - this.eventStart > this.maxEvent) { this.broken = true; w.clear(); return; }
    w.markDone(this.eventStart);
  }
}

const DATA = "data";

/** True when the line [at, at + n) is the field `name` (followed by ':' or ending there). */
function isField(base: usize, at: i32, n: i32, name: string): bool {
  if (n < name.length) return false;
  for (let i = 0; i < name.length; i++) if (<i32>load<u8>(base + <usize>(at + i)) != name.charCodeAt(i)) return false;
  return n == name.length || load<u8>(base + <usize>(at + name.length)) == 0x3a;
}

/** The lines of an event, each as [start, end) without its line break. */
function eachLine(ptr: usize, length: i32, starts: Array<i32>, ends: Array<i32>): void {
  let at = 0;
  while (at < length) {
    let e = at;
    while (e < length) { const c = load<u8>(ptr + <usize>e); if (c == 0x0a || c == 0x0d) break; e++; }
    starts.push(at); ends.push(e);
    if (e >= length) break;
    at = e + 1;
    if (load<u8>(ptr + <usize>e) == 0x0d && at < length && load<u8>(ptr + <usize>at) == 0x0a) at++;
  }
}

/** An event's fields as the EventSource algorithm reads them: its name and its data lines joined by LF. */
export class EventFields {
  name: string = "";
  /** The data, or null when the event has no data line. */
  data: ArrayBuffer | null = null;
}

/** Reads an event's name and data (one copy of the data). */
export function readEventFields(ptr: usize, length: i32): EventFields {
  const starts = new Array<i32>(), ends = new Array<i32>();
  eachLine(ptr, length, starts, ends);
  const out = new EventFields();
  let w: JsonWriter | null = null;
  for (let i = 0; i < starts.length; i++) {
    const s = starts[i], n = ends[i] - starts[i];
    if (isField(ptr, s, n, DATA)) {
      let v = s + 4;
      if (v < ends[i]) v++; // the ':'
      if (v < ends[i] && load<u8>(ptr + <usize>v) == 0x20) v++;
      if (w === null) w = new JsonWriter(ends[i] - v + 16); else w!.byte(0x0a);
      w!.bytes(ptr + <usize>v, ends[i] - v);
    } else if (isField(ptr, s, n, "event")) {
      let v = s + 5;
      if (v < ends[i]) v++;
      if (v < ends[i] && load<u8>(ptr + <usize>v) == 0x20) v++;
      out.name = String.UTF8.decodeUnsafe(ptr + <usize>v, <usize>(ends[i] - v));
    }
  }
  if (w !== null) out.data = w!.toBuffer();
  return out;
}

/**
 * The event rebuilt with `data` (one line: JSON has no raw line breaks) in place of its data lines;
 * its id, event name, retry and comments kept in order. Lines of no known field, which the
 * EventSource algorithm ignores, are left out: a lenient reader could take one for data.
 */
export function withData(ptr: usize, length: i32, data: ArrayBuffer, out: JsonWriter): void {
  const starts = new Array<i32>(), ends = new Array<i32>();
  eachLine(ptr, length, starts, ends);
  let written = false;
  for (let i = 0; i < starts.length; i++) {
    const s = starts[i], n = ends[i] - starts[i];
    if (n == 0) continue;
    if (isField(ptr, s, n, DATA)) {
      if (written) continue;
      out.raw("data: ");
      out.bytes(changetype<usize>(data), data.byteLength);
      out.byte(0x0a);
      written = true;
      continue;
    }
    if (load<u8>(ptr + <usize>s) != 0x3a && !isField(ptr, s, n, "id") && !isField(ptr, s, n, "event") && !isField(ptr, s, n, "retry")) continue;
    out.bytes(ptr + <usize>s, n);
    out.byte(0x0a);
  }
  out.byte(0x0a);
}
