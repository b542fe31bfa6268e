// The committed Envoy config validates in real Envoy, and `npm start` serves the sample requests.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { EXAMPLE_ENVOY_CONFIG_PATH } from "../../src-host-tools/envoy/example.js";
import { locateEnvoy, PROJECT_ROOT } from "../../src-host-tools/envoy/locate.js";

describe("envoy/llm-mesh.yaml and the demo", () => {
  it("envoy --mode validate accepts envoy/llm-mesh.yaml", () => {
    const out = spawnSync(locateEnvoy().path, ["--mode", "validate", "-c", EXAMPLE_ENVOY_CONFIG_PATH, "--disable-hot-restart"], { cwd: PROJECT_ROOT, encoding: "utf8" });
    expect(out.status, out.stdout + out.stderr).toBe(0);
    expect(out.stdout + out.stderr).toContain("configuration '" + EXAMPLE_ENVOY_CONFIG_PATH + "' OK");
  });

  it("npm start --once answers a sample request for every route through Envoy", () => {
    // Keys unset so every provider is served by the local mock.
    const env = { ...process.env, OPENAI_API_KEY: "", DASHSCOPE_API_KEY: "", DEEPSEEK_API_KEY: "" };
    const out = spawnSync("npx", ["tsx", "src-host-tools/demo.ts", "--port", "0", "--once"], { cwd: PROJECT_ROOT, encoding: "utf8", env, timeout: 90_000 });
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/route split: HTTP 200 provider=(openai|deepseek) model=(gpt-4o-mini|deepseek-chat)/);
    expect(out.stdout).toContain("route vip-route: HTTP 200 provider=dashscope model=qwen-turbo");
    expect(out.stdout).toContain("route dashscope: HTTP 200 provider=dashscope model=qwen-1.8b-chat");
    expect(out.stdout).toContain("route mapped: HTTP 200 provider=openai model=gpt-4o");
  });
});
