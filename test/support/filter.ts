// Loads the compiled module into the host emulator with a given plugin config.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { EmulatorOptions, HostEmulator } from "../../src-host-tools/host/emulator.js";

export const WASM_PATH = fileURLToPath(new URL("../../build/llm-mesh.wasm", import.meta.url));

let wasmBytes: Uint8Array | undefined;

/** The release module's bytes (built by `npm test` before vitest runs). */
export function wasm(): Uint8Array {
  if (!wasmBytes) {
    if (!existsSync(WASM_PATH)) throw new Error(`${WASM_PATH} is missing: run npm run build`);
    wasmBytes = readFileSync(WASM_PATH);
  }
  return wasmBytes;
}

/** A fresh VM configured with `config`; `configured` is the module's verdict. */
export async function loadFilter(config: unknown, options: EmulatorOptions = {}): Promise<{ host: HostEmulator; configured: boolean }> {
  const host = await HostEmulator.load(wasm(), options);
  const configured = host.configure(typeof config === "string" ? config : JSON.stringify(config));
  return { host, configured };
}

/** Parses a JSON body for structural comparison. */
export function json(text: string | undefined): unknown {
  return text === undefined ? undefined : JSON.parse(text);
}
