// The example plugin config (envoy/plugin-config.json) and the Envoy config generated from it
// (envoy/llm-mesh.yaml), which a test keeps in sync.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bootstrapYaml, BootstrapOptions } from "./bootstrap.js";
import { PROJECT_ROOT } from "./locate.js";
import { keyEnvNames } from "../config/keys.js";
import type { LlmMeshConfig } from "../config/schema.js";

export const EXAMPLE_PLUGIN_CONFIG_PATH = join(PROJECT_ROOT, "envoy", "plugin-config.json");
export const EXAMPLE_ENVOY_CONFIG_PATH = join(PROJECT_ROOT, "envoy", "llm-mesh.yaml");

export type PluginConfig = BootstrapOptions["pluginConfig"];

export function examplePluginConfig(): PluginConfig {
  return JSON.parse(readFileSync(EXAMPLE_PLUGIN_CONFIG_PATH, "utf8"));
}

/** envoy/llm-mesh.yaml: real providers over TLS, keys passed through from Envoy's environment. */
export function exampleEnvoyYaml(): string {
  const config = examplePluginConfig();
  const header = [
    "# Generated from envoy/plugin-config.json by src-host-tools/envoy/example.ts; a test fails when it drifts.",
    "# Run from the repository root after `npm run build`, with provider keys in the environment:",
    "#   OPENAI_API_KEY=… DASHSCOPE_API_KEY=… DEEPSEEK_API_KEY=… envoy -c envoy/llm-mesh.yaml",
    "# then: curl -s 127.0.0.1:10000/v1/chat/completions -H 'host: llm.local' -d '{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'",
    "# Each request prints a JSON access-log line (route, models, tokens, time to first token) on stdout;",
    "# token, latency and cost metrics: curl -s 127.0.0.1:9901/stats/prometheus | grep -E '^(gen_ai|llm_mesh)_'",
    "",
  ].join("\n");
  return bootstrapYaml({
    wasmPath: "build/llm-mesh.wasm",
    pluginConfig: config,
    listenPort: 10000,
    adminPort: 9901,
    env: { fromHost: keyEnvNames(config as LlmMeshConfig) },
    accessLogPath: "-",
  }, header);
}
