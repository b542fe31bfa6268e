// The request headers as one in-VM snapshot. Every ABI crossing is costly in Envoy (each call goes
// through the Wasm C API, and each value returned re-enters the VM to malloc), so the filter reads
// the whole map once and matches and edits it in the VM. Entries point into the one buffer the host
// returned (no copy per header); headers the filter sets point at buffers prepared at configuration
// time. Writing back is priced apart: Envoy answers a whole-map write by removing every header and
// adding each again, which costs more than a few one-header calls (measured in Envoy with the
// bench's envoy_work fixture, 2026-12-06: the request's and the answer's maps written one header at a
// time, 4 and 2 calls, instead of once each), so a snapshot remembers which names changed and
// writes those alone, up to TARGETED_MAX of them; past that, or after an entry-level edit (a drop or
// a redaction, which no one-header call is sure to match), it writes the whole map in one call.
import * as abi from "@solo-io/proxy-runtime/assembly/imports";
import { HeaderMapTypeValues, WasmResultValues } from "@solo-io/proxy-runtime/assembly";
import { getHeader, removeHeader, setHeaderBytes } from "./host";

const RETURN_DATA: usize = memory.data(8);
const RETURN_SIZE: usize = memory.data(8);

/** Header maps are written from this buffer, kept up to MAP_KEPT bytes. */
const MAP_KEPT: i32 = 16384;
let mapBuffer = new ArrayBuffer(1024);

/** Names changed since the map was read that are written one call each; more, and the whole map goes in one call. */
const TARGETED_MAX: i32 = 8;

/** Ordered header pairs as UTF-8 spans; names are lower-case, as Envoy keeps them. */
export class HeaderSnapshot {
  // Entry i: its name in buffers[2i] at spans[4i], length spans[4i+1]; its value in buffers[2i+1] at
  // spans[4i+2], length spans[4i+3]. Two flat arrays sized once for the map read (plus room for the
  // headers the filter adds), not six that grow header by header: the snapshot is per request.
  private buffers: StaticArray<ArrayBuffer>;
  private spans: StaticArray<i32>;
  private count: i32 = 0;
  // The names set() or remove() changed, in first-change order; null until the first change.
  private changed: StaticArray<ArrayBuffer> | null = null;
  private changedCount: i32 = 0;
  // An entry-level edit (dropAt, replaceValueAt), or more changed names than TARGETED_MAX.
  private wholeMap: bool = false;

  constructor(capacity: i32 = 8) {
    this.buffers = new StaticArray<ArrayBuffer>(capacity * 2);
    this.spans = new StaticArray<i32>(capacity * 4);
  }

  get length(): i32 { return this.count; }

  /** Reads a whole header map in one call; an empty snapshot if the host has none. */
  static read(map: i32): HeaderSnapshot {
    const snapshot = HeaderSnapshot.readOrNull(map);
    return snapshot !== null ? snapshot! : new HeaderSnapshot();
  }

  /** The same, or null when the host returned no map (so it is never written back in its place). */
  static readOrNull(map: i32): HeaderSnapshot | null {
    return HeaderSnapshot.readInto(null, map);
  }

  /**
   * readOrNull into `reused` (emptied first) when given, else into a new snapshot: the response
   * headers' copy, which lives one callback, is one snapshot for the VM.
   */
  static readInto(reused: HeaderSnapshot | null, map: i32): HeaderSnapshot | null {
    store<usize>(RETURN_DATA, 0);
    store<usize>(RETURN_SIZE, 0);
    if (abi.proxy_get_header_map_pairs(map, RETURN_DATA, RETURN_SIZE) != WasmResultValues.Ok) return null;
    const ptr = load<usize>(RETURN_DATA);
    const size = <i32>load<u32>(RETURN_SIZE);
    if (ptr == 0 || size < 4) return null;
    const raw = changetype<ArrayBuffer>(ptr);
    __unpin(ptr); // malloc pinned it; the snapshot keeps it alive from here on.
    const count = <i32>load<u32>(ptr);
    let offset = 4 + count * 8;
    if (count < 0 || offset > size) return null;
    let snapshot: HeaderSnapshot;
    if (reused !== null) { snapshot = reused!; snapshot.clear(count + 8); }
    else snapshot = new HeaderSnapshot(count + 8);
    for (let i = 0; i < count; i++) {
      const nameLength = <i32>load<u32>(ptr + 4 + <usize>i * 8);
      const valueLength = <i32>load<u32>(ptr + 8 + <usize>i * 8);
      if (offset + nameLength + valueLength + 2 > size) break; // malformed map: keep what was whole
      snapshot.push(raw, offset, nameLength, raw, offset + nameLength + 1, valueLength);
      offset += nameLength + valueLength + 2;
    }
    return snapshot;
  }

  private push(nameBuffer: ArrayBuffer, nameStart: i32, nameLength: i32, valueBuffer: ArrayBuffer, valueStart: i32, valueLength: i32): void {
    const i = this.count;
    if (i * 2 == this.buffers.length) this.grow();
    unchecked(this.buffers[i * 2] = nameBuffer);
    unchecked(this.buffers[i * 2 + 1] = valueBuffer);
    const spans = this.spans;
    unchecked(spans[i * 4] = nameStart);
    unchecked(spans[i * 4 + 1] = nameLength);
    unchecked(spans[i * 4 + 2] = valueStart);
    unchecked(spans[i * 4 + 3] = valueLength);
    this.count = i + 1;
  }

  /** Empties the snapshot, with room for `capacity` entries (the buffers it pointed at are let go). */
  private clear(capacity: i32): void {
    if (this.buffers.length < capacity * 2) {
      this.buffers = new StaticArray<ArrayBuffer>(capacity * 2);
      this.spans = new StaticArray<i32>(capacity * 4);
    } else {
      memory.fill(changetype<usize>(this.buffers), 0, <usize>this.buffers.length * sizeof<usize>());
    }
    this.count = 0;
    this.forgetChanges();
  }

  private forgetChanges(): void {
    const changed = this.changed;
    if (changed !== null && this.changedCount > 0) memory.fill(changetype<usize>(changed), 0, <usize>this.changedCount * sizeof<usize>());
    this.changedCount = 0;
    this.wholeMap = false;
  }

  /** Notes that every value of `name` may have changed. */
  private noteChanged(name: ArrayBuffer): void {
    if (this.wholeMap) return;
    let changed = this.changed;
    for (let i = 0; i < this.changedCount; i++) {
      const seen = unchecked(changed![i]);
      if (seen.byteLength == name.byteLength && memory.compare(changetype<usize>(seen), changetype<usize>(name), name.byteLength) == 0) return;
    }
    if (this.changedCount == TARGETED_MAX) { this.wholeMap = true; return; }
    if (changed === null) { changed = new StaticArray<ArrayBuffer>(TARGETED_MAX); this.changed = changed; }
    unchecked(changed![this.changedCount++] = name);
  }

  private grow(): void {
    const buffers = new StaticArray<ArrayBuffer>(this.buffers.length * 2);
    const spans = new StaticArray<i32>(this.spans.length * 2);
    memory.copy(changetype<usize>(buffers), changetype<usize>(this.buffers), <usize>this.buffers.length * sizeof<usize>());
    memory.copy(changetype<usize>(spans), changetype<usize>(this.spans), <usize>this.spans.length * 4);
    this.buffers = buffers;
    this.spans = spans;
  }

  private removeAt(i: i32): void {
    const last = this.count - 1;
    if (i < last) {
      memory.copy(changetype<usize>(this.buffers) + <usize>i * 2 * sizeof<usize>(), changetype<usize>(this.buffers) + <usize>(i + 1) * 2 * sizeof<usize>(), <usize>(last - i) * 2 * sizeof<usize>());
      memory.copy(changetype<usize>(this.spans) + <usize>i * 16, changetype<usize>(this.spans) + <usize>(i + 1) * 16, <usize>(last - i) * 16);
    }
    this.count = last;
  }

  @inline private nameAt(i: i32): usize { return changetype<usize>(unchecked(this.buffers[i * 2])) + <usize>unchecked(this.spans[i * 4]); }
  @inline private nameLength(i: i32): i32 { return unchecked(this.spans[i * 4 + 1]); }
  @inline private valueAt(i: i32): usize { return changetype<usize>(unchecked(this.buffers[i * 2 + 1])) + <usize>unchecked(this.spans[i * 4 + 2]); }
  @inline private valueLength(i: i32): i32 { return unchecked(this.spans[i * 4 + 3]); }

  /** Index of the first header with this (lower-case, UTF-8) name at or after `from`, or -1. */
  indexOf(name: ArrayBuffer, from: i32 = 0): i32 {
    const length = name.byteLength;
    for (let i = from; i < this.count; i++) {
      if (this.nameLength(i) == length && memory.compare(this.nameAt(i), changetype<usize>(name), length) == 0) return i;
    }
    return -1;
  }

  /** The first value of a header as a string, or null when absent. */
  get(name: ArrayBuffer): string | null {
    const i = this.indexOf(name);
    if (i < 0) return null;
    return String.UTF8.decodeUnsafe(this.valueAt(i), this.valueLength(i));
  }

  /** Whether the first value of a header starts with `prefix` (is it, when `whole`), compared as bytes: no string made. */
  valueStartsWith(name: ArrayBuffer, prefix: ArrayBuffer, whole: bool = false): bool {
    const i = this.indexOf(name);
    if (i < 0) return false;
    const n = prefix.byteLength;
    const length = this.valueLength(i);
    if (whole ? length != n : length < n) return false;
    return memory.compare(this.valueAt(i), changetype<usize>(prefix), <usize>n) == 0;
  }

  /** Whether the first value of a header is `value`, compared as bytes. */
  valueIs(name: ArrayBuffer, value: ArrayBuffer): bool { return this.valueStartsWith(name, value, true); }

  /** Where entry i's name or value lies (valid until the snapshot changes); response-header redaction reads every entry. */
  nameStart(i: i32): usize { return this.nameAt(i); }
  valueStart(i: i32): usize { return this.valueAt(i); }

  /** Lengths of entry i's name and value. */
  nameLengthAt(i: i32): i32 { return this.nameLength(i); }
  valueLengthAt(i: i32): i32 { return this.valueLength(i); }

  /** Replaces entry i's value, keeping other entries of its name (set-cookie may repeat). */
  replaceValueAt(i: i32, value: ArrayBuffer): void {
    this.wholeMap = true;
    unchecked(this.buffers[i * 2 + 1] = value);
    unchecked(this.spans[i * 4 + 2] = 0);
    unchecked(this.spans[i * 4 + 3] = value.byteLength);
  }

  /** Removes entry i. */
  dropAt(i: i32): void {
    this.wholeMap = true;
    this.removeAt(i);
  }

  /** True when entry i's name is `name`, or starts with it when `prefix` is set. */
  nameMatches(i: i32, name: ArrayBuffer, prefix: bool): bool {
    const length = name.byteLength;
    const own = this.nameLength(i);
    if (prefix ? own < length : own != length) return false;
    return memory.compare(this.nameAt(i), changetype<usize>(name), length) == 0;
  }

  /** Sets a header: replaces the first occurrence (dropping any others) or appends it. */
  set(name: ArrayBuffer, value: ArrayBuffer): void {
    const i = this.indexOf(name);
    if (i < 0) {
      this.push(name, 0, name.byteLength, value, 0, value.byteLength);
      this.noteChanged(name);
      return;
    }
    // Already so (one entry, this value): nothing to write.
    const n = value.byteLength;
    if (this.valueLength(i) == n && memory.compare(this.valueAt(i), changetype<usize>(value), <usize>n) == 0 && this.indexOf(name, i + 1) < 0) return;
    this.noteChanged(name);
    unchecked(this.buffers[i * 2 + 1] = value);
    unchecked(this.spans[i * 4 + 2] = 0);
    unchecked(this.spans[i * 4 + 3] = value.byteLength);
    this.removeFrom(name, i + 1);
  }

  /** Removes every header with this name. */
  remove(name: ArrayBuffer): void {
    const first = this.indexOf(name);
    if (first < 0) return;
    this.noteChanged(name);
    this.removeFrom(name, first);
  }

  private removeFrom(name: ArrayBuffer, from: i32): void {
    for (let i = this.indexOf(name, from); i >= 0; i = this.indexOf(name, i)) this.removeAt(i);
  }

  /**
   * Makes the host's map what this snapshot says: each changed name with one call (replaced, or
   * removed when it is gone), or, past TARGETED_MAX names or after an entry-level edit, the whole
   * map in one call. Nothing changed, nothing written.
   */
  write(map: i32): bool {
    const written = this.wholeMap ? this.writeWhole(map) : this.writeChanged(map);
    this.forgetChanges();
    return written;
  }

  private writeChanged(map: i32): bool {
    const changed = this.changed;
    let ok = true;
    for (let k = 0; k < this.changedCount; k++) {
      const name = unchecked(changed![k]);
      const i = this.indexOf(name);
      // set() and remove() leave one entry of a name, or none.
      if (i < 0) ok = abi.proxy_remove_header_map_value(map, changetype<usize>(name), name.byteLength) == WasmResultValues.Ok && ok;
      else ok = abi.proxy_replace_header_map_value(map, changetype<usize>(name), name.byteLength, this.valueAt(i), this.valueLength(i)) == WasmResultValues.Ok && ok;
    }
    return ok;
  }

  /** Replaces the host's map with this snapshot in one call. */
  private writeWhole(map: i32): bool {
    const count = this.count;
    let size = 4 + 8 * count;
    for (let i = 0; i < count; i++) size += this.nameLength(i) + this.valueLength(i) + 2;
    // The host copies the map at once: the VM's buffer serves (a map past MAP_KEPT gets its own).
    if (size > mapBuffer.byteLength) {
      if (size > MAP_KEPT) return this.writeFrom(map, new ArrayBuffer(size), size);
      mapBuffer = new ArrayBuffer(size);
    }
    return this.writeFrom(map, mapBuffer, size);
  }

  private writeFrom(map: i32, out: ArrayBuffer, size: i32): bool {
    const count = this.count;
    const base = changetype<usize>(out);
    store<u32>(base, count);
    let data = base + 4 + 8 * <usize>count;
    for (let i = 0; i < count; i++) {
      const nameLength = this.nameLength(i);
      const valueLength = this.valueLength(i);
      store<u32>(base + 4 + 8 * <usize>i, nameLength);
      store<u32>(base + 8 + 8 * <usize>i, valueLength);
      memory.copy(data, this.nameAt(i), nameLength);
      data += <usize>nameLength;
      store<u8>(data, 0);
      data += 1;
      memory.copy(data, this.valueAt(i), valueLength);
      data += <usize>valueLength;
      store<u8>(data, 0);
      data += 1;
    }
    return abi.proxy_set_header_map_pairs(map, base, size) == WasmResultValues.Ok;
  }
}

// The response headers of the callback running now, read once and written back once: the response
// header steps (respond, a failover try's and a pool's answer) read and edit this copy, and the
// pipeline that opened it writes it in one call when a step changed it. Outside an open callback
// (a body callback editing held headers), the same functions call the host directly.
const RESPONSE_MAP = HeaderMapTypeValues.ResponseHeaders;
let responseCopy: HeaderSnapshot | null = null;
let responseEdited = false;
/** The snapshot every callback's copy is read into (the copy lives one callback). */
let responseSnapshot: HeaderSnapshot | null = null;

/** Reads the response headers once; until closeResponseHeaders(), the functions below use this copy. */
export function openResponseHeaders(): void {
  // A map the host would not give stays closed: edits then go to the host one by one, as before.
  const copy = HeaderSnapshot.readInto(responseSnapshot, RESPONSE_MAP);
  if (copy !== null) responseSnapshot = copy;
  responseCopy = copy;
  responseEdited = false;
}

/** Writes the copy back in one call when a step edited it, and closes it. Call it on every path out of the callback. */
export function closeResponseHeaders(): void {
  const copy = responseCopy;
  responseCopy = null;
  if (copy !== null && responseEdited) copy.write(RESPONSE_MAP);
  responseEdited = false;
}

/** The open copy, for a step that looks at every header (secrets redaction); null when none is open. */
export function openResponseCopy(): HeaderSnapshot | null { return responseCopy; }

/** A step changed the open copy in place (markResponseEdited makes closeResponseHeaders write it). */
export function markResponseEdited(): void { responseEdited = true; }

/** A response header's first value, or null. */
export function responseHeader(name: ArrayBuffer): string | null {
  const copy = responseCopy;
  return copy !== null ? copy.get(name) : getHeader(RESPONSE_MAP, name);
}

/** Whether a response header's first value starts with `prefix` (bytes; no string made with the copy open). */
export function responseHeaderStartsWith(name: ArrayBuffer, prefix: ArrayBuffer): bool {
  const copy = responseCopy;
  if (copy !== null) return copy.valueStartsWith(name, prefix);
  const value = getHeader(RESPONSE_MAP, name);
  return value !== null && value.startsWith(String.UTF8.decode(prefix));
}

/** Sets a response header (replacing every value it had) to bytes. */
export function setResponseHeaderBytes(name: ArrayBuffer, value: ArrayBuffer): void {
  const copy = responseCopy;
  if (copy === null) { setHeaderBytes(RESPONSE_MAP, name, value); return; }
  copy.set(name, value);
  responseEdited = true;
}

/** Sets a response header to text. */
export function setResponseHeader(name: ArrayBuffer, value: string): void {
  setResponseHeaderBytes(name, String.UTF8.encode(value));
}

/** Removes every value of a response header. */
export function removeResponseHeader(name: ArrayBuffer): void {
  const copy = responseCopy;
  if (copy === null) { removeHeader(RESPONSE_MAP, name); return; }
  if (copy.indexOf(name) < 0) return;
  copy.remove(name);
  responseEdited = true;
}
