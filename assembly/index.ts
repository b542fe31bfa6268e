// The module Envoy loads: the SDK's ABI exports plus our root context, registered for any root_id.
export * from "@solo-io/proxy-runtime/assembly/proxy";
import { RootContext, registerRootContext } from "@solo-io/proxy-runtime/assembly";
import { LlmMeshRoot } from "./filter";

function createRoot(contextId: u32): RootContext {
  return new LlmMeshRoot(contextId);
}

// "" is the fallback for every root_id (Istio sets it to the WasmPlugin's pluginName).
registerRootContext(createRoot, "");
