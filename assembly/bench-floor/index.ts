// Benchmark fixture, not part of the filter: a Proxy-Wasm module with llm-mesh's exports that does
// nothing (every callback continues), built and collected as llm-mesh is. Measured beside llm-mesh,
// it shows what Proxy-Wasm in Envoy costs by itself, so the benchmark can tell that floor apart
// from llm-mesh's own work.
export {
  proxy_abi_version_0_2_1, proxy_on_vm_start, proxy_on_configure, proxy_on_tick, proxy_on_context_create,
  proxy_on_request_headers, proxy_on_request_body, proxy_on_request_trailers, proxy_on_response_headers,
  proxy_on_done, proxy_on_delete, malloc,
} from "../entry-points";
import { Context, RootContext, registerRootContext } from "@solo-io/proxy-runtime/assembly";

class FloorRoot extends RootContext {
  createContext(contextId: u32): Context { return new Context(contextId, this); }
}

function createRoot(contextId: u32): RootContext { return new FloorRoot(contextId); }

registerRootContext(createRoot, "");
