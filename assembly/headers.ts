// The request headers as one in-VM snapshot. Every ABI crossing is costly in Envoy (each call goes
// through the Wasm C API, and each value returned re-enters the VM to malloc), so the filter reads
// the whole map once, matches and edits it in the VM, and writes it back once: three crossings
// instead of one per header touched. Entries point into the one buffer the host returned (no copy
// per header); headers the filter sets point at buffers prepared at configuration time.
import * as abi from "@solo-io/proxy-runtime/assembly/imports";
import { WasmResultValues } from "@solo-io/proxy-runtime/assembly";

const RETURN_DATA: usize = memory.data(8);
const RETURN_SIZE: usize = memory.data(8);

/** Ordered header pairs as UTF-8 spans; names are lower-case, as Envoy keeps them. */
export class HeaderSnapshot {
  private nameBuffers: ArrayBuffer[] = [];
  private nameStarts: i32[] = [];
  private nameLengths: i32[] = [];
  private valueBuffers: ArrayBuffer[] = [];
  private valueStarts: i32[] = [];
  private valueLengths: i32[] = [];

  get length(): i32 { return this.nameLengths.length; }

  /** Reads a whole header map in one call; an empty snapshot if the host has none. */
  static read(map: i32): HeaderSnapshot {
    const snapshot = new HeaderSnapshot();
    store<usize>(RETURN_DATA, 0);
    store<usize>(RETURN_SIZE, 0);
    if (abi.proxy_get_header_map_pairs(map, RETURN_DATA, RETURN_SIZE) != WasmResultValues.Ok) return snapshot;
    const ptr = load<usize>(RETURN_DATA);
    const size = <i32>load<u32>(RETURN_SIZE);
    if (ptr == 0 || size < 4) return snapshot;
    const raw = changetype<ArrayBuffer>(ptr);
    __unpin(ptr); // malloc pinned it; the snapshot keeps it alive from here on.
    const count = <i32>load<u32>(ptr);
    let offset = 4 + count * 8;
    if (count < 0 || offset > size) return snapshot;
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
    this.nameBuffers.push(nameBuffer); this.nameStarts.push(nameStart); this.nameLengths.push(nameLength);
    this.valueBuffers.push(valueBuffer); this.valueStarts.push(valueStart); this.valueLengths.push(valueLength);
  }

  private removeAt(i: i32): void {
    this.nameBuffers.splice(i, 1); this.nameStarts.splice(i, 1); this.nameLengths.splice(i, 1);
    this.valueBuffers.splice(i, 1); this.valueStarts.splice(i, 1); this.valueLengths.splice(i, 1);
  }

  /** Index of the first header with this (lower-case, UTF-8) name at or after `from`, or -1. */
  indexOf(name: ArrayBuffer, from: i32 = 0): i32 {
    const length = name.byteLength;
    for (let i = from; i < this.nameLengths.length; i++) {
      if (this.nameLengths[i] == length &&
          memory.compare(changetype<usize>(this.nameBuffers[i]) + <usize>this.nameStarts[i], changetype<usize>(name), length) == 0) return i;
    }
    return -1;
  }

  /** The first value of a header as a string, or null when absent. */
  get(name: ArrayBuffer): string | null {
    const i = this.indexOf(name);
    if (i < 0) return null;
    return String.UTF8.decodeUnsafe(changetype<usize>(this.valueBuffers[i]) + <usize>this.valueStarts[i], this.valueLengths[i]);
  }

  /** Sets a header: replaces the first occurrence (dropping any others) or appends it. */
  set(name: ArrayBuffer, value: ArrayBuffer): void {
    const i = this.indexOf(name);
    if (i < 0) {
      this.push(name, 0, name.byteLength, value, 0, value.byteLength);
      return;
    }
    this.valueBuffers[i] = value;
    this.valueStarts[i] = 0;
    this.valueLengths[i] = value.byteLength;
    this.removeFrom(name, i + 1);
  }

  /** Removes every header with this name. */
  remove(name: ArrayBuffer): void { this.removeFrom(name, 0); }

  private removeFrom(name: ArrayBuffer, from: i32): void {
    for (let i = this.indexOf(name, from); i >= 0; i = this.indexOf(name, i)) this.removeAt(i);
  }

  /** Replaces the host's map with this snapshot in one call. */
  write(map: i32): bool {
    const count = this.nameLengths.length;
    let size = 4 + 8 * count;
    for (let i = 0; i < count; i++) size += this.nameLengths[i] + this.valueLengths[i] + 2;
    const out = new ArrayBuffer(size);
    const base = changetype<usize>(out);
    store<u32>(base, count);
    let data = base + 4 + 8 * <usize>count;
    for (let i = 0; i < count; i++) {
      const nameLength = this.nameLengths[i];
      const valueLength = this.valueLengths[i];
      store<u32>(base + 4 + 8 * <usize>i, nameLength);
      store<u32>(base + 8 + 8 * <usize>i, valueLength);
      memory.copy(data, changetype<usize>(this.nameBuffers[i]) + <usize>this.nameStarts[i], nameLength);
      data += <usize>nameLength;
      store<u8>(data, 0);
      data += 1;
      memory.copy(data, changetype<usize>(this.valueBuffers[i]) + <usize>this.valueStarts[i], valueLength);
      data += <usize>valueLength;
      store<u8>(data, 0);
      data += 1;
    }
    return abi.proxy_set_header_map_pairs(map, base, size) == WasmResultValues.Ok;
  }
}
