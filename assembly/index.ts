// The module Envoy loads: our root context, registered for any root_id, and only the ABI callbacks
// the filter uses (the SDK's, wrapped to collect garbage where it is safe: entry-points.ts). Envoy skips a callback the module does not export, and each one skipped saves a
// VM entry per request (per data chunk for bodies): metadata, on_log, gRPC and queues are not
// exported. Response trailers are: an answer held to be read whole ends there when it has trailers.
export {
  proxy_abi_version_0_2_1,
  proxy_on_vm_start,
  proxy_on_configure,
  proxy_on_tick,
  proxy_on_context_create,
  proxy_on_request_headers,
  proxy_on_request_body,
  proxy_on_request_trailers,
  proxy_on_response_headers,
  proxy_on_response_trailers,
  proxy_on_response_body,
  proxy_on_done,
  proxy_on_delete,
  proxy_on_http_call_response,
  malloc,
} from "./entry-points";
import { RootContext, registerRootContext } from "@solo-io/proxy-runtime/assembly";
import { LlmMeshRoot } from "./filter";

function createRoot(contextId: u32): RootContext {
  return new LlmMeshRoot(contextId);
}

// "" is the fallback for every root_id (Istio sets it to the WasmPlugin's pluginName).
registerRootContext(createRoot, "");
