// envoy/llm-mesh.yaml is generated from envoy/plugin-config.json; it must not drift, and the
// plugin config in it must load in the module.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { EXAMPLE_ENVOY_CONFIG_PATH, exampleEnvoyYaml, examplePluginConfig } from "../../src-host-tools/envoy/example.js";
import { loadFilter } from "../support/filter.js";

describe("example configs", () => {
  it("envoy/llm-mesh.yaml matches its generator (run npm run envoy:example to refresh it)", () => {
    expect(readFileSync(EXAMPLE_ENVOY_CONFIG_PATH, "utf8")).toBe(exampleEnvoyYaml());
  });

  it("envoy/plugin-config.json loads in the module when its keys are set", async () => {
    const { configured, host } = await loadFilter(examplePluginConfig(), { env: { OPENAI_API_KEY: "a", DASHSCOPE_API_KEY: "b", DEEPSEEK_API_KEY: "c", ANTHROPIC_API_KEY: "d" } });
    expect(configured, host.logText("warn").join("\n")).toBe(true);
    expect(host.logText("warn")).toEqual([]);
  });
});
