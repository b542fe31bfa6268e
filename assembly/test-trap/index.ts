// Test fixture, not part of the filter: a Proxy-Wasm module that traps (the way any VM fault does)
// when a request carries `x-trap`, and otherwise answers 200 itself. It lets the tests watch what
// the emitted failure policy does after a VM dies: FAIL_CLOSED answers 503 from then on,
// FAIL_RELOAD starts a fresh VM.
export {
  proxy_abi_version_0_2_1, proxy_on_vm_start, proxy_on_configure, proxy_on_context_create,
  proxy_on_request_headers, proxy_on_done, proxy_on_delete,
} from "@solo-io/proxy-runtime/assembly/exports";
export { malloc } from "@solo-io/proxy-runtime/assembly/malloc";
import * as abi from "@solo-io/proxy-runtime/assembly/imports";
import { Context, FilterHeadersStatusValues, RootContext, registerRootContext } from "@solo-io/proxy-runtime/assembly";

const TRAP = String.UTF8.encode("x-trap");
const OUT = memory.data(16);

class TrapStream extends Context {
  onRequestHeaders(_count: u32, _end: bool): FilterHeadersStatusValues {
    if (abi.proxy_get_header_map_value(0, changetype<usize>(TRAP), TRAP.byteLength, OUT, OUT + 8) == 0) unreachable();
    const body = String.UTF8.encode("alive");
    const details = String.UTF8.encode("trap_fixture");
    const pairs = new ArrayBuffer(4);
    abi.proxy_send_local_response(200, changetype<usize>(details), details.byteLength, changetype<usize>(body), body.byteLength, changetype<usize>(pairs), 4, -1);
    return FilterHeadersStatusValues.StopIteration;
  }
}

class TrapRoot extends RootContext {
  createContext(contextId: u32): Context { return new TrapStream(contextId, this); }
}

function createRoot(contextId: u32): RootContext { return new TrapRoot(contextId); }

registerRootContext(createRoot, "");
