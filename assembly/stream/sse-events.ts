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
      // A UTF-8 byte order mark before the first event is dropped, as the EventSource decoder drops
      // it; so is the same mark decoded once too often ("ï»¿", which the SDK's reader strips too).
      // Else the first line would not read as a field here, and would to the client.
      const skip = leadingMarks(base, w.length);
      if (skip < 0 && !last) return; // too few bytes yet to tell
      this.started = true;
      if (skip > 0) { this.eventStart = skip; this.lineStart = skip; this.scanned = skip; }
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

/** A byte order mark, and the mark decoded as Latin-1 and encoded again ("ï»¿"). */
const BOM: u8[] = [0xef, 0xbb, 0xbf];
const MOJIBAKE_BOM: u8[] = [0xc3, 0xaf, 0xc2, 0xbb, 0xc2, 0xbf];

/** How many bytes `mark` matches at `at` (its length: all of it; less: the window ended inside it; -1: it is not there). */
function markAt(base: usize, length: i32, at: i32, mark: u8[]): i32 {
  for (let i = 0; i < mark.length; i++) {
    if (at + i >= length) return i;
    if (load<u8>(base + <usize>(at + i)) != mark[i]) return -1;
  }
  return mark.length;
}

/** The bytes of marks before the first event (a BOM, then its doubly encoded form), or -1 when the window ends inside one. */
function leadingMarks(base: usize, length: i32): i32 {
  let at = 0;
  const bom = markAt(base, length, 0, BOM);
  if (bom >= 0 && bom < BOM.length) return -1;
  if (bom == BOM.length) at = BOM.length;
  const moji = markAt(base, length, at, MOJIBAKE_BOM);
  if (moji >= 0 && moji < MOJIBAKE_BOM.length) return -1;
  return moji == MOJIBAKE_BOM.length ? at + MOJIBAKE_BOM.length : at;
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

/** The kept data writer serves events up to this size; a longer one gets its own (garbage after the callback, not kept for the VM's life). */
const KEPT_DATA_BYTES: i32 = 64 * 1024;
const KEPT_DATA = new JsonWriter(256);

/**
 * An event's fields as the EventSource algorithm reads them: whether it is the default event (no
 * name, or "message"), and its data lines joined by LF. One per VM, refilled for each event with no
 * allocation: a stream of many small events (keep-alive blank lines, tiny events) must not make
 * garbage per event, since it is collected only between callbacks.
 */
export class EventFields {
  /** The event has at least one data line. */
  hasData: bool = false;
  /** No `event:` name, or "message". */
  defaultEvent: bool = true;
  /** The data, joined (valid until the next event is read). */
  data: JsonWriter = KEPT_DATA;
}

const FIELDS = new EventFields();

const MESSAGE = "message";

/** Reads an event's name and data into the VM's one EventFields (its data copied once). */
export function readEventFields(ptr: usize, length: i32): EventFields {
  const out = FIELDS;
  out.hasData = false;
  out.defaultEvent = true;
  if (length > KEPT_DATA_BYTES) out.data = new JsonWriter(length);
  else { out.data = KEPT_DATA; KEPT_DATA.reset(); }
  let at = 0;
  while (at < length) {
    let e = at;
    while (e < length) { const c = load<u8>(ptr + <usize>e); if (c == 0x0a || c == 0x0d) break; e++; }
    const n = e - at;
    if (isField(ptr, at, n, DATA)) {
      let v = at + 4;
      if (v < e) v++; // the ':'
      if (v < e && load<u8>(ptr + <usize>v) == 0x20) v++;
      if (out.hasData) out.data.byte(0x0a);
      out.data.bytes(ptr + <usize>v, e - v);
      out.hasData = true;
    } else if (isField(ptr, at, n, "event")) {
      let v = at + 5;
      if (v < e) v++;
      if (v < e && load<u8>(ptr + <usize>v) == 0x20) v++;
      // The last event: line wins, as in the EventSource algorithm.
      out.defaultEvent = e == v || e - v == MESSAGE.length && isField(ptr, v, e - v, MESSAGE);
    }
    if (e >= length) break;
    at = e + 1;
    if (load<u8>(ptr + <usize>e) == 0x0d && at < length && load<u8>(ptr + <usize>at) == 0x0a) at++;
  }
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
