// The committed Envoy config validates in real Envoy, and `npm start` serves the sample requests.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MCP_MESH_CONFIG } from "../support/fixtures.js";
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

  it("llm-mesh envoy --once on MCP servers: a tools/list per route, answered by the mock server and filtered to the route's tools", () => {
    const dir = mkdtempSync(join(tmpdir(), "llm-mesh-mcp-demo-"));
    try {
      // Without consumers: callers get the routes' own lists (github: none; inventory: list_*, which the mock has none of).
      const { consumers: _consumers, ...config } = MCP_MESH_CONFIG;
      const routes = config.routes.map((r) => (r.name === "github-tools" ? { ...r, requireConsumer: false, mcp: { tools: ["get_*", "search_*"] } } : r));
      writeFileSync(join(dir, "mcp.json"), JSON.stringify({ ...config, routes }));
      const out = spawnSync(process.execPath, [join(PROJECT_ROOT, "bin", "llm-mesh.mjs"), "envoy", "-c", join(dir, "mcp.json"), "--mock", "--once", "--port", "0"], { cwd: PROJECT_ROOT, encoding: "utf8", timeout: 90_000 });
      expect(out.status, out.stderr).toBe(0);
      expect(out.stdout).toContain("curl -si http://127.0.0.1:");
      const answer = (route: string) => JSON.parse(out.stdout.split("\n")[out.stdout.split("\n").findIndex((l) => l.startsWith(`route ${route}: HTTP 200 provider=`)) + 1]);
      expect(answer("github-tools").result.tools.map((t: { name: string }) => t.name)).toEqual(["get_issue", "search_code"]);
      expect(answer("inventory-tools").result.tools).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
