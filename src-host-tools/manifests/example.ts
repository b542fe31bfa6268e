// wasmplugin.yaml at the repository root: the manifests emitted for the example config in sidecar
// mode (workloads labelled app=llm-client), with a placeholder image. A test fails when it drifts; `npm run manifests:example` refreshes it.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderManifests } from "../manifests/render.js";
import { PROJECT_ROOT } from "../envoy/locate.js";
import type { LlmMeshConfig } from "../config/schema.js";

export const EXAMPLE_MANIFESTS_PATH = join(PROJECT_ROOT, "wasmplugin.yaml");
export const EXAMPLE_IMAGE = "oci://registry.example.com/llm-mesh/llm-mesh";
/** A stand-in digest: `llm-mesh push` prints the real one for your registry. */
export const EXAMPLE_DIGEST = `sha256:${createHash("sha256").update("llm-mesh example image").digest("hex")}`;

export function exampleManifestsYaml(): string {
  const config = JSON.parse(readFileSync(join(PROJECT_ROOT, "envoy", "plugin-config.json"), "utf8")) as LlmMeshConfig;
  return "# Example: `llm-mesh manifests --config envoy/plugin-config.json --selector app=llm-client --request-mode headers` with a placeholder image.\n" +
    "# (The default, --request-mode body, emits an EnvoyFilter pair in place of the WasmPlugin; see docs/istio.md.)\n" +
    renderManifests({
      config, image: EXAMPLE_IMAGE, digest: EXAMPLE_DIGEST, requestMode: "headers",
      placement: { mode: "sidecar", selector: { app: "llm-client" } },
    });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(EXAMPLE_MANIFESTS_PATH, exampleManifestsYaml());
  console.log(`wrote ${EXAMPLE_MANIFESTS_PATH}`);
}
