// The module's ABI callbacks: the SDK's, each wrapped so garbage is collected only where it is safe.
//
// The module is built with AssemblyScript's minimal runtime (asconfig.json), whose collector runs
// only when asked. The incremental one could run at any allocation, so every managed local had to be
// kept on a shadow stack in linear memory and every reference store paid a write barrier; measured
// in the bench's 1 KB request, that was a third of the module's time and of its size. The price is
// that a collection must never run while a callback's frames hold references in Wasm locals: it is
// asked for only when the outermost callback returns to the host, where the only roots are globals
// (the SDK's context maps, the configuration) and buffers the host pinned.
import * as sdk from "@solo-io/proxy-runtime/assembly/exports";

import { total as heapBytes } from "~lib/rt/tcms"; // exported by src-host-tools/asc/export-heap-total.mjs

/**
 * Garbage allowed before a collection: three times what is live, and at least MIN_GARBAGE_BYTES. A
 * collection marks everything live and frees the garbage, so the marking per request falls as the
 * allowance grows with the live heap: with 1,000 routes (megabytes live) an allowance of once the
 * live size still cost a 1 KB request 30 µs of marking, three times costs 9 (bench scale rows).
 * What it costs in memory stays under what loading such a config already took (16 MiB, measured).
 *
 * The floor sets what a small config's VM holds under traffic, in every worker: memory grows by
 * doubling and never shrinks. A 1 KB request leaves about 10 KiB of garbage; with 1 MiB allowed,
 * a VM serving 16 at a time grew to 1.5 MiB (512 KiB allowed: the same), with 256 KiB it stays at
 * 768 KiB. Collecting then every 28 requests instead of 100 costs about 0.3 µs a request (a
 * collection of a small heap takes about 11 µs; measured in the emulator and in Envoy, issue 25).
 */
const GARBAGE_PER_LIVE_BYTE: usize = 3;
const MIN_GARBAGE_BYTES: usize = 256 << 10;

let depth: i32 = 0;
let collectAt: usize = MIN_GARBAGE_BYTES;
let collectEveryTime = false;

/**
 * Tests only (assembly/test-gc-stress): collect at the end of every outermost callback, so an object
 * kept across callbacks by nothing but a Wasm local or a host pointer is freed at once and shows.
 */
export function collectAfterEveryCallback(): void {
  collectEveryTime = true;
  collectAt = 0;
}

@inline function enter(): void { depth++; }

/** Leaves a callback; at the outermost one, collects if the heap has grown enough. */
@inline function leave(): void {
  if (--depth == 0 && heapBytes >= collectAt) collect();
}

function collect(): void {
  __collect();
  collectAt = collectEveryTime ? 0 : heapBytes + max(heapBytes * GARBAGE_PER_LIVE_BYTE, MIN_GARBAGE_BYTES);
}

export { proxy_abi_version_0_2_1 } from "@solo-io/proxy-runtime/assembly/exports";

/**
 * Memory for a value the host returns (a body, a header map), pinned until the filter takes it.
 * The host writes every byte, so unlike the SDK's malloc it is not zero-filled first: for a 1 MB
 * body that fill was about a quarter of the request's time in the VM (profiled).
 */
export function malloc(size: i32): usize {
  return __pin(__new(<usize>size, idof<ArrayBuffer>()));
}

export function proxy_on_vm_start(root_context_id: u32, configuration_size: u32): u32 {
  enter(); const r = sdk.proxy_on_vm_start(root_context_id, configuration_size); leave(); return r;
}

export function proxy_on_configure(root_context_id: u32, configuration_size: u32): u32 {
  // A new configuration changes what is live: collect now, so the next threshold is measured from it.
  enter(); const r = sdk.proxy_on_configure(root_context_id, configuration_size);
  if (--depth == 0) collect();
  return r;
}

export function proxy_on_tick(root_context_id: u32): void {
  enter(); sdk.proxy_on_tick(root_context_id); leave();
}

export function proxy_on_context_create(context_id: u32, root_context_id: u32): void {
  enter(); sdk.proxy_on_context_create(context_id, root_context_id); leave();
}

export function proxy_on_request_headers(context_id: u32, headers: u32, end_of_stream: u32): i32 {
  enter(); const r = sdk.proxy_on_request_headers(context_id, headers, end_of_stream); leave(); return r;
}

export function proxy_on_request_body(context_id: u32, body_buffer_length: u32, end_of_stream: u32): i32 {
  enter(); const r = sdk.proxy_on_request_body(context_id, body_buffer_length, end_of_stream); leave(); return r;
}

export function proxy_on_request_trailers(context_id: u32, trailers: u32): i32 {
  enter(); const r = sdk.proxy_on_request_trailers(context_id, trailers); leave(); return r;
}

export function proxy_on_response_trailers(context_id: u32, trailers: u32): i32 {
  enter(); const r = sdk.proxy_on_response_trailers(context_id, trailers); leave(); return r;
}

export function proxy_on_response_headers(context_id: u32, headers: u32, end_of_stream: u32): i32 {
  enter(); const r = sdk.proxy_on_response_headers(context_id, headers, end_of_stream); leave(); return r;
}

export function proxy_on_response_body(context_id: u32, body_buffer_length: u32, end_of_stream: u32): i32 {
  enter(); const r = sdk.proxy_on_response_body(context_id, body_buffer_length, end_of_stream); leave(); return r;
}

export function proxy_on_done(context_id: u32): u32 {
  enter(); const r = sdk.proxy_on_done(context_id); leave(); return r;
}

export function proxy_on_delete(context_id: u32): void {
  enter(); sdk.proxy_on_delete(context_id); leave();
}

export function proxy_on_http_call_response(context_id: u32, token: u32, headers: u32, body_size: u32, trailers: u32): void {
  enter(); sdk.proxy_on_http_call_response(context_id, token, headers, body_size, trailers); leave();
}
