// Loads the compiled module into the host emulator with a given plugin config.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { EmulatorOptions, HostEmulator } from "../../src-host-tools/host/emulator.js";
import { clusterForAuthority, providerVirtualHosts } from "../../src-host-tools/envoy/routes.js";

/** The module under test: the release build, or another build of it (vitest project "unit-gc-stress"). */
export const WASM_PATH = process.env.LLM_MESH_WASM ?? fileURLToPath(new URL("../../build/llm-mesh.wasm", import.meta.url));

let wasmBytes: Uint8Array | undefined;

/** The release module's bytes (built by `npm test` before vitest runs). */
export function wasm(): Uint8Array {
  if (!wasmBytes) {
    if (!existsSync(WASM_PATH)) throw new Error(`${WASM_PATH} is missing: run npm run build`);
    wasmBytes = readFileSync(WASM_PATH);
  }
  return wasmBytes;
}

/**
 * Envoy's route choice for a config, as the generated bootstrap makes it: each provider host (and
 * each route's own host) goes to that provider's outbound|PORT||HOST cluster; others to none.
 */
export function routeClusterFor(config: unknown): ((authority: string) => string | undefined) | undefined {
  try {
    const parsed = typeof config === "string" ? JSON.parse(config) : config;
    const vhosts = providerVirtualHosts(parsed as Parameters<typeof providerVirtualHosts>[0]);
    return (authority) => clusterForAuthority(vhosts, authority);
  } catch {
    return undefined; // a config the filter will refuse anyway
  }
}

/** A fresh VM configured with `config`; `configured` is the module's verdict. Routes as the bootstrap would, unless options say otherwise. */
export async function loadFilter(config: unknown, options: EmulatorOptions = {}): Promise<{ host: HostEmulator; configured: boolean }> {
  const host = await HostEmulator.load(wasm(), { routeCluster: routeClusterFor(config), ...options });
  const configured = host.configure(typeof config === "string" ? config : JSON.stringify(config));
  return { host, configured };
}

/** Parses a JSON body for structural comparison. */
export function json(text: string | undefined): unknown {
  return text === undefined ? undefined : JSON.parse(text);
}
