// `llm-mesh push REF`: push the built module as an image Istio's agent can pull, and print the
// digest-pinned oci:// URL and sha256 for the WasmPlugin.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { UserError } from "../errors.js";
import { buildImage, Layout } from "../oci/image.js";
import { findCredentials, parseReference, pushImage, PushResult } from "../oci/registry.js";

export interface PushCommandOptions {
  cwd: string;
  reference: string;
  wasm?: string;
  layout?: Layout;
  plainHttp?: boolean;
  username?: string;
  password?: string;
  chunkSize?: number;
  log?: (line: string) => void;
}

export async function push(options: PushCommandOptions): Promise<PushResult> {
  const log = options.log ?? console.log;
  const ref = parseReference(options.reference);
  const wasmPath = resolve(options.cwd, options.wasm ?? "build/llm-mesh.wasm");
  let wasm: Buffer;
  try {
    wasm = await readFile(wasmPath);
  } catch {
    throw new UserError(`${wasmPath} does not exist; run llm-mesh build first`);
  }
  const layout = options.layout ?? "compat";
  if (layout !== "compat" && layout !== "artifact") throw new UserError(`--layout must be compat or artifact (got ${layout})`);
  const image = await buildImage(wasm, layout);
  const credentials = findCredentials(ref.registry, { username: options.username, password: options.password });
  log(`pushing ${wasmPath} (${wasm.length} B) to ${ref.registry}/${ref.repository}:${ref.tag} as a ${layout} image`);
  const result = await pushImage(image, ref, { plainHttp: options.plainHttp, credentials, chunkSize: options.chunkSize, log });
  log(`pushed: ${result.uploaded.length} blob(s) uploaded, ${result.skipped.length} already present`);
  log(`digest: ${result.digest}`);
  log(`url:    ${result.url}`);
  log(`next:   llm-mesh manifests --config CONFIG --image oci://${ref.registry}/${ref.repository} --digest ${result.digest} …`);
  return result;
}
