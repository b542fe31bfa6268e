// Thin, non-trapping wrappers over the proxy-wasm ABI for the request path.
// The SDK's wrappers abort the VM on any non-OK status; a missing header or property is an
// ordinary answer here, so these return null or a status instead.
import * as abi from "@solo-io/proxy-runtime/assembly/imports";
import { BufferTypeValues, HeaderMapTypeValues, LogLevelValues, WasmResultValues } from "@solo-io/proxy-runtime/assembly";

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "random_get")
declare function wasi_random_get(buf: usize, len: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "environ_sizes_get")
declare function wasi_environ_sizes_get(count: usize, bufSize: usize): u16;
// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "environ_get")
declare function wasi_environ_get(environ: usize, environBuf: usize): u16;

// Scratch slots the host writes returned pointers and sizes into. Static, so never collected.
const RETURN_DATA: usize = memory.data(8);
const RETURN_SIZE: usize = memory.data(8);

/** Takes ownership of the buffer the host allocated through our `malloc` export. */
function takeReturnedBuffer(): ArrayBuffer {
  const ptr = load<usize>(RETURN_DATA);
  if (ptr == 0) return new ArrayBuffer(0);
  const buffer = changetype<ArrayBuffer>(ptr);
  __unpin(ptr); // malloc pinned it; the local reference keeps it alive from here on.
  return buffer;
}

/** Header map selectors, as the ABI numbers them. */
export const REQUEST_HEADERS = HeaderMapTypeValues.RequestHeaders;
export const RESPONSE_HEADERS = HeaderMapTypeValues.ResponseHeaders;
export const RESPONSE_TRAILERS = HeaderMapTypeValues.ResponseTrailers;

/** Sets (adds or replaces) a header. */
export function setHeader(map: i32, name: ArrayBuffer, value: string): void {
  const bytes = String.UTF8.encode(value);
  abi.proxy_replace_header_map_value(map, changetype<usize>(name), name.byteLength, changetype<usize>(bytes), bytes.byteLength);
}

/** The first value of a header, or null when absent. */
export function getHeader(map: i32, name: ArrayBuffer): string | null {
  store<usize>(RETURN_DATA, 0);
  store<usize>(RETURN_SIZE, 0);
  if (abi.proxy_get_header_map_value(map, changetype<usize>(name), name.byteLength, RETURN_DATA, RETURN_SIZE) != WasmResultValues.Ok) return null;
  return String.UTF8.decode(takeReturnedBuffer());
}

/** Removes every value of a header. */
export function removeHeader(map: i32, name: ArrayBuffer): void {
  abi.proxy_remove_header_map_value(map, changetype<usize>(name), name.byteLength);
}

/** Sets a header to bytes prepared at configuration time (no per-request encoding). */
export function setHeaderBytes(map: i32, name: ArrayBuffer, value: ArrayBuffer): void {
  abi.proxy_replace_header_map_value(map, changetype<usize>(name), name.byteLength, changetype<usize>(value), value.byteLength);
}

/** Reads a property by its path tokens (joined with NUL, as the ABI expects), or null. */
export function getProperty(path: ArrayBuffer): string | null {
  store<usize>(RETURN_DATA, 0);
  const status = abi.proxy_get_property(changetype<usize>(path), path.byteLength, RETURN_DATA, RETURN_SIZE);
  if (status != WasmResultValues.Ok) return null;
  return String.UTF8.decode(takeReturnedBuffer());
}

/** Encodes a property path such as ["xds", "route_name"] once, at start-up. */
export function propertyPath(tokens: string[]): ArrayBuffer {
  return String.UTF8.encode(tokens.join("\0"));
}

/** Returns `size` bytes of the request or response body buffer from `start`, or null. */
export function getBody(buffer: BufferTypeValues, start: u32, size: u32): ArrayBuffer | null {
  store<usize>(RETURN_DATA, 0);
  store<usize>(RETURN_SIZE, 0);
  const status = abi.proxy_get_buffer_bytes(buffer, start, size, RETURN_DATA, RETURN_SIZE);
  if (status != WasmResultValues.Ok) return null;
  return takeReturnedBuffer();
}

/** How many bytes a body buffer holds now (0 when the host has none). */
export function bufferedSize(buffer: BufferTypeValues): u32 {
  store<usize>(RETURN_SIZE, 0);
  const flags = memory.data(4);
  if (abi.proxy_get_buffer_status(buffer, RETURN_SIZE, flags) != WasmResultValues.Ok) return 0;
  return load<u32>(RETURN_SIZE);
}

/** Replaces the whole buffered body with `data`. */
export function replaceBody(buffer: BufferTypeValues, data: ArrayBuffer): bool {
  // start 0 with length 0xffffffff replaces everything Envoy has buffered so far.
  return abi.proxy_set_buffer_bytes(buffer, 0, 0xffffffff, changetype<usize>(data), data.byteLength) == WasmResultValues.Ok;
}

/** Replaces the whole buffered body with `length` bytes at `ptr` (no copy in the VM). */
export function replaceBodyWith(buffer: BufferTypeValues, ptr: usize, length: i32): bool {
  return abi.proxy_set_buffer_bytes(buffer, 0, 0xffffffff, ptr, length) == WasmResultValues.Ok;
}

/** Serialises header pairs in the ABI's map format: count, (keyLen, valueLen)*, then NUL-terminated strings. */
function serializePairs(names: string[], values: string[]): ArrayBuffer {
  const count = names.length;
  const encodedNames = new Array<ArrayBuffer>(count);
  const encodedValues = new Array<ArrayBuffer>(count);
  let size = 4 + 8 * count;
  for (let i = 0; i < count; i++) {
    encodedNames[i] = String.UTF8.encode(names[i]);
    encodedValues[i] = String.UTF8.encode(values[i]);
    size += encodedNames[i].byteLength + 1 + encodedValues[i].byteLength + 1;
  }
  const out = new ArrayBuffer(size);
  const base = changetype<usize>(out);
  store<u32>(base, count);
  let data = base + 4 + 8 * count;
  for (let i = 0; i < count; i++) {
    const n = encodedNames[i];
    const v = encodedValues[i];
    store<u32>(base + 4 + 8 * i, n.byteLength);
    store<u32>(base + 8 + 8 * i, v.byteLength);
    memory.copy(data, changetype<usize>(n), n.byteLength);
    data += n.byteLength + 1;
    memory.copy(data, changetype<usize>(v), v.byteLength);
    data += v.byteLength + 1;
  }
  return out;
}

/** Sends a local reply instead of forwarding the request. */
export function sendLocalResponse(status: u32, details: string, body: string, headerNames: string[], headerValues: string[]): void {
  const detailBytes = String.UTF8.encode(details);
  const bodyBytes = String.UTF8.encode(body);
  const pairs = serializePairs(headerNames, headerValues);
  abi.proxy_send_local_response(status, changetype<usize>(detailBytes), detailBytes.byteLength,
    changetype<usize>(bodyBytes), bodyBytes.byteLength, changetype<usize>(pairs), pairs.byteLength, -1);
}

/** Writes a line to Envoy's log. Never pass secrets here. */
export function log(level: LogLevelValues, message: string): void {
  const bytes = String.UTF8.encode(message);
  abi.proxy_log(level, changetype<usize>(bytes), bytes.byteLength);
}

// Randomness is drawn from the host in batches: one ABI crossing serves 1,024 weighted picks (a
// host call per request is about 1 µs in Envoy; 4 KiB of static memory is not).
const RANDOM_POOL_BYTES: i32 = 4096;
const randomPool: usize = memory.data(RANDOM_POOL_BYTES);
let randomOffset: i32 = RANDOM_POOL_BYTES;

const TIME_SLOT: usize = memory.data(8);

/** Wall-clock seconds since the epoch, as the host tells it. */
export function nowSeconds(): i64 {
  if (abi.proxy_get_current_time_nanoseconds(TIME_SLOT) != WasmResultValues.Ok) return 0;
  return <i64>(load<u64>(TIME_SLOT) / 1_000_000_000);
}

/** A uniformly distributed u32 from WASI random_get. */
export function randomU32(): u32 {
  if (randomOffset >= RANDOM_POOL_BYTES) {
    wasi_random_get(randomPool, RANDOM_POOL_BYTES);
    randomOffset = 0;
  }
  const value = load<u32>(randomPool + randomOffset);
  randomOffset += 4;
  return value;
}

/** The VM's environment (Envoy vm_config.environment_variables, Istio vmConfig.env), read once. */
export function readEnvironment(): Map<string, string> {
  const env = new Map<string, string>();
  const sizes = memory.data(8);
  if (wasi_environ_sizes_get(sizes, sizes + 4) != 0) return env;
  const count = load<u32>(sizes);
  const bufSize = load<u32>(sizes + 4);
  if (count == 0) return env;
  const pointers = new ArrayBuffer(<i32>count * 4);
  const strings = new ArrayBuffer(<i32>bufSize);
  if (wasi_environ_get(changetype<usize>(pointers), changetype<usize>(strings)) != 0) return env;
  const base = changetype<usize>(strings);
  const end = base + bufSize;
  for (let i: u32 = 0; i < count; i++) {
    const start = load<usize>(changetype<usize>(pointers) + i * 4);
    if (start < base || start >= end) continue;
    let stop = start;
    while (stop < end && load<u8>(stop) != 0) stop++;
    const entry = String.UTF8.decodeUnsafe(start, stop - start);
    const eq = entry.indexOf("=");
    if (eq > 0) env.set(entry.substring(0, eq), entry.substring(eq + 1));
  }
  return env;
}

export { BufferTypeValues, LogLevelValues };

/** Defines a gauge (Envoy: wasmcustom.<name>); returns its id, or 0 when the host refused. */
export function defineGauge(name: string): u32 {
  const bytes = String.UTF8.encode(name);
  const id = memory.data(4);
  if (abi.proxy_define_metric(1, changetype<usize>(bytes), bytes.byteLength, id) != WasmResultValues.Ok) return 0;
  return load<u32>(id);
}

/** Sets a gauge's value. */
export function recordGauge(id: u32, value: u64): void {
  if (id != 0) abi.proxy_record_metric(id, value);
}

/** Asks the host to call onTick every `ms` milliseconds. */
export function setTickPeriod(ms: u32): void {
  abi.proxy_set_tick_period_milliseconds(ms);
}

/** Metric types as the ABI numbers them. */
export const COUNTER: i32 = 0;
export const HISTOGRAM: i32 = 2;

/** Defines a metric of `type` (Envoy: wasmcustom.<name>); its id, or 0 when the host refused. */
export function defineMetric(type: i32, name: string): u32 {
  const bytes = String.UTF8.encode(name);
  const id = memory.data(4);
  if (abi.proxy_define_metric(type, changetype<usize>(bytes), bytes.byteLength, id) != WasmResultValues.Ok) return 0;
  return load<u32>(id);
}

/** Adds to a counter. */
export function incrementMetric(id: u32, delta: i64): void {
  if (id != 0 && delta != 0) abi.proxy_increment_metric(id, delta);
}

/** Records a value into a histogram. */
export function recordMetric(id: u32, value: u64): void {
  if (id != 0) abi.proxy_record_metric(id, value);
}

/** Wall-clock nanoseconds since the epoch, as the host tells it (Envoy: its time source). */
export function nowNanos(): i64 {
  if (abi.proxy_get_current_time_nanoseconds(TIME_SLOT) != WasmResultValues.Ok) return 0;
  return <i64>load<u64>(TIME_SLOT);
}

/** Sets a request property (Envoy: filter state `wasm.<path>`, readable as %FILTER_STATE(wasm.<path>:PLAIN)%). */
export function setProperty(path: ArrayBuffer, value: string): void {
  const bytes = String.UTF8.encode(value);
  setPropertyBytes(path, changetype<usize>(bytes), bytes.byteLength);
}

/** The same, from `length` bytes at `ptr`. */
export function setPropertyBytes(path: ArrayBuffer, ptr: usize, length: i32): void {
  abi.proxy_set_property(changetype<usize>(path), path.byteLength, ptr, length);
}

const DIGITS: usize = memory.data(24);

/** Sets a property to a non-negative integer's decimal digits, without allocating. */
export function setPropertyNumber(path: ArrayBuffer, value: i64): void {
  let v = value < 0 ? 0 : value;
  let at = DIGITS + 24;
  do { at--; store<u8>(at, <u8>(0x30 + v % 10)); v /= 10; } while (v > 0);
  setPropertyBytes(path, at, <i32>(DIGITS + 24 - at));
}

/** Wall-clock milliseconds since the epoch (shared state across worker threads is kept in these). */
export function nowMillis(): i64 {
  if (abi.proxy_get_current_time_nanoseconds(TIME_SLOT) != WasmResultValues.Ok) return 0;
  return <i64>(load<u64>(TIME_SLOT) / 1_000_000);
}

const SHARED_CAS: usize = memory.data(4);
const SHARED_VALUE = new ArrayBuffer(8);

/** A number in the VM's shared data (visible to every worker thread's copy of the VM); 0 when unset. */
export function getSharedNumber(key: ArrayBuffer): i64 {
  store<usize>(RETURN_DATA, 0);
  const status = abi.proxy_get_shared_data(changetype<usize>(key), key.byteLength, RETURN_DATA, RETURN_SIZE, SHARED_CAS);
  if (status != WasmResultValues.Ok) return 0;
  const value = takeReturnedBuffer();
  return value.byteLength == 8 ? load<i64>(changetype<usize>(value)) : 0;
}

/** Sets a number in the shared data (last writer wins: callers store deadlines, where that is harmless). */
export function setSharedNumber(key: ArrayBuffer, value: i64): void {
  store<i64>(changetype<usize>(SHARED_VALUE), value);
  abi.proxy_set_shared_data(changetype<usize>(key), key.byteLength, changetype<usize>(SHARED_VALUE), 8, 0);
}

const WINDOW_VALUE = new ArrayBuffer(16);

/**
 * A counter for the fixed window starting at `window` in the VM's shared data, shared by every
 * worker thread: adds `delta` unless the result would exceed `limit` (then nothing changes), with
 * compare-and-swap so concurrent adds are never lost. Returns the count after the add, or -1-count
 * when refused (count: what the window holds). A stored count of an older window reads as 0; a
 * change for an older window than the stored one is dropped (returns 0).
 */
export function addToWindow(key: ArrayBuffer, window: i64, delta: i64, limit: i64): i64 {
  for (let attempt = 0; attempt < 64; attempt++) {
    store<usize>(RETURN_DATA, 0);
    store<u32>(SHARED_CAS, 0);
    const status = abi.proxy_get_shared_data(changetype<usize>(key), key.byteLength, RETURN_DATA, RETURN_SIZE, SHARED_CAS);
    let count: i64 = 0;
    let cas: u32 = 0;
    if (status == WasmResultValues.Ok) {
      const value = takeReturnedBuffer();
      cas = load<u32>(SHARED_CAS);
      const stored = value.byteLength == 16 ? load<i64>(changetype<usize>(value)) : 0;
      // A late correction for a window already past must not overwrite the current one's count.
      if (stored > window) return 0;
      if (stored == window) count = load<i64>(changetype<usize>(value), 8);
    } else {
      // Created first with CAS 0 (no check), then updated with a real CAS: two threads creating it
      // at once both write an empty window, and no count is lost.
      store<i64>(changetype<usize>(WINDOW_VALUE), window);
      store<i64>(changetype<usize>(WINDOW_VALUE), 0, 8);
      abi.proxy_set_shared_data(changetype<usize>(key), key.byteLength, changetype<usize>(WINDOW_VALUE), 16, 0);
      continue;
    }
    const next = count + delta;
    if (delta > 0 && next > limit) return -1 - count;
    store<i64>(changetype<usize>(WINDOW_VALUE), window);
    store<i64>(changetype<usize>(WINDOW_VALUE), next < 0 ? 0 : next, 8);
    const set = abi.proxy_set_shared_data(changetype<usize>(key), key.byteLength, changetype<usize>(WINDOW_VALUE), 16, cas);
    if (set == WasmResultValues.Ok) return next < 0 ? 0 : next;
    // Another worker thread changed it in between: read again.
  }
  return -1 - limit;
}

/** Bytes in the VM's shared data (every worker thread's copy of the VM sees them), or null when unset. */
export function getSharedBytes(key: ArrayBuffer): ArrayBuffer | null {
  store<usize>(RETURN_DATA, 0);
  const status = abi.proxy_get_shared_data(changetype<usize>(key), key.byteLength, RETURN_DATA, RETURN_SIZE, SHARED_CAS);
  return status == WasmResultValues.Ok ? takeReturnedBuffer() : null;
}

/** Sets bytes in the shared data (last writer wins). */
export function setSharedBytes(key: ArrayBuffer, value: ArrayBuffer): void {
  abi.proxy_set_shared_data(changetype<usize>(key), key.byteLength, changetype<usize>(value), value.byteLength, 0);
}

/**
 * Claims a lease shared by every worker thread until `untilMs`: true when no other holds one now
 * (compare-and-swap, so of two threads claiming at once only one wins). 0 releases it.
 */
export function claimSharedLease(key: ArrayBuffer, nowMs: i64, untilMs: i64): bool {
  store<usize>(RETURN_DATA, 0);
  store<u32>(SHARED_CAS, 0);
  const status = abi.proxy_get_shared_data(changetype<usize>(key), key.byteLength, RETURN_DATA, RETURN_SIZE, SHARED_CAS);
  let cas: u32 = 0;
  if (status == WasmResultValues.Ok) {
    const value = takeReturnedBuffer();
    cas = load<u32>(SHARED_CAS);
    if (untilMs > 0 && value.byteLength == 8 && load<i64>(changetype<usize>(value)) > nowMs) return false;
  }
  store<i64>(changetype<usize>(SHARED_VALUE), untilMs);
  return abi.proxy_set_shared_data(changetype<usize>(key), key.byteLength, changetype<usize>(SHARED_VALUE), 8, cas) == WasmResultValues.Ok;
}
