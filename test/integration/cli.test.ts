// The CLI as a user runs it: exit codes (0 ok, 1 user error, 2 internal) and messages that say
// what to do next.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../src-host-tools/envoy/locate.js";
import { EXAMPLE_DIGEST } from "../../src-host-tools/manifests/example.js";

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const out = spawnSync("npx", ["llm-mesh", ...args], { cwd: PROJECT_ROOT, encoding: "utf8", timeout: 60_000, env: { ...process.env, npm_config_loglevel: "silent" } });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

const dir = mkdtempSync(join(tmpdir(), "llm-mesh-cli-"));
const bad = join(dir, "bad.yaml");
writeFileSync(bad, "providers:\n  - name: oa\n    type: openai\n    apiKeys: [{env: K}]\nroutes:\n  - name: r\n    backends:\n      - provider: oa\n        weight: 0\n      - provider: nobody\n");

describe("llm-mesh CLI", () => {
  it("--help lists the commands and exits 0", () => {
    const r = cli("--help");
    expect(r.status).toBe(0);
    for (const c of ["build", "validate", "manifests", "push", "import-asm", "envoy"]) expect(r.stdout).toContain(c);
  });

  it("validate: exit 1, every problem with its path, and the next step", () => {
    const r = cli("validate", bad);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("error: routes[0].backends[0].weight: must be a positive integer (1 to 1000000)");
    expect(r.stdout).toContain('error: routes[0].backends[1].provider: no provider named "nobody"');
    expect(r.stderr).toContain("fix the fields named above and run llm-mesh validate again");
  });

  it("validate: exit 0 on the example", () => {
    const r = cli("validate", "envoy/plugin-config.json");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("ok (3 providers, 4 routes)");
  });

  it("a missing file is a user error naming it", () => {
    const r = cli("validate", "no/such.json");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/config file .*no\/such.json does not exist/);
  });

  it("manifests: a bad digest is a user error that says where the digest comes from", () => {
    const r = cli("manifests", "-c", "envoy/plugin-config.json", "--image", "oci://r.example/x", "--digest", "latest", "--selector", "app=a");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("--digest must be sha256:<64 hex> as printed by llm-mesh push");
  });

  it("manifests: missing required flags exit 1", () => {
    expect(cli("manifests").status).toBe(1);
  });

  it("manifests: writes valid YAML to a file and says what to run next", () => {
    const out = join(dir, "mesh.yaml");
    const r = cli("manifests", "-c", "envoy/plugin-config.json", "--image", "oci://r.example/x", "--digest", EXAMPLE_DIGEST, "--mode", "egress", "-o", out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`next: kubectl apply -f ${out}`);
    expect(r.stderr).toContain('warning: route "split" does not match a provider host');
  });

  it("import-asm prints the llm-mesh config", () => {
    const r = cli("import-asm", "test/fixtures/asm/routing-split.yaml");
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).routes[0].backends).toEqual([{ provider: "dashscope-qwen", weight: 50 }, { provider: "moonshot", weight: 50 }]);
  });

  it("push to an unreachable registry is a user error with a hint", () => {
    const r = cli("push", "127.0.0.1:9/mesh/llm-mesh:1");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot reach registry 127.0.0.1:9 .*add --plain-http/);
  });
});
