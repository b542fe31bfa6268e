// The CLI as a user runs it: exit codes (0 ok, 1 user error, 2 internal) and messages that say
// what to do next.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
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
    expect(r.stdout).toContain("ok (4 providers, 5 routes)");
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

  it("import-asm of an ingress LLMRoute binds its hosts to the route's gateways, and says the Gateway must list them", () => {
    const out = join(dir, "ingress.yaml");
    const r = cli("import-asm", "test/fixtures/asm/ingress-gateway.yaml", "-o", join(dir, "ingress.json"), "--manifests", out, "--image", "oci://r.example/x", "--digest", EXAMPLE_DIGEST);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('note: the Gateway istio-system/ingress-gw must list the llm-mesh hosts (or "*")');
    const services = parseAllDocuments(readFileSync(out, "utf8")).map((d) => d.toJS()).filter((o) => o.kind === "VirtualService");
    expect(services.map((v) => [v.spec.hosts[0], v.spec.gateways])).toEqual([["dashscope.aliyuncs.com", ["istio-system/ingress-gw"]], ["test.com", ["istio-system/ingress-gw"]]]);
    expect(services[1].spec.http[0].route[0].destination).toEqual({ host: "dashscope.aliyuncs.com", port: { number: 80 } });
  });

  it("manifests --help lists the failure strategies and what each does", () => {
    const r = cli("manifests", "--help");
    expect(r.status).toBe(0);
    expect(r.stdout.replace(/\s+/g, " ")).toMatch(/--fail-strategy <strategy>.*FAIL_RELOAD starts a fresh VM \(needs the WasmPlugin CRD of Istio >= 1\.27\).*FAIL_CLOSE answers 503.*choices: "FAIL_RELOAD", "FAIL_CLOSE", "FAIL_OPEN", default: "FAIL_RELOAD"/);
    expect(r.stdout).toContain("--registry-only");
  });

  it("manifests refuses a catch-all route for sidecars, and names it", () => {
    const config = join(dir, "catch-all.json");
    writeFileSync(config, JSON.stringify({ providers: [{ name: "oa", type: "openai", apiKeys: [{ env: "K" }] }], routes: [{ name: "all", catchAll: true, backends: [{ provider: "oa" }] }] }));
    const r = cli("manifests", "-c", config, "--image", "oci://r.example/x", "--digest", EXAMPLE_DIGEST, "--selector", "app=x");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('routes[0] ("all") match every request (catchAll); in a sidecar that is every outbound call of the pod');
    const gateway = cli("manifests", "-c", config, "--image", "oci://r.example/x", "--digest", EXAMPLE_DIGEST, "--mode", "egress");
    expect(gateway.status, gateway.stderr).toBe(0);
  });

  it("npm run emulate shows the upstream request with the key redacted, not a character of it", () => {
    const out = spawnSync("npm", ["run", "emulate", "--", "--config", "envoy/plugin-config.json", "--env", "DASHSCOPE_API_KEY=sk-emulate-secret-9876",
      "--host", "dashscope.aliyuncs.com", "--header", "user-type:subscriber"], { cwd: PROJECT_ROOT, encoding: "utf8", env: { ...process.env, npm_config_loglevel: "silent" } });
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toContain(":authority: dashscope.aliyuncs.com");
    expect(out.stdout).toContain("authorization: Bearer [REDACTED]");
    expect(out.stdout).toContain('"model":"qwen-turbo"');
    expect(out.stdout + out.stderr).not.toMatch(/sk-e|9876/);
    const misdirected = spawnSync("npm", ["run", "emulate", "--", "--config", "envoy/plugin-config.json", "--env", "DASHSCOPE_API_KEY=sk-x", "--host", "dashscope.aliyuncs.com", "--cluster", "PassthroughCluster"],
      { cwd: PROJECT_ROOT, encoding: "utf8", env: { ...process.env, npm_config_loglevel: "silent" } });
    expect(misdirected.stdout).toContain("local reply 421");
  });

  it("push to an unreachable registry is a user error with a hint", () => {
    const r = cli("push", "127.0.0.1:9/mesh/llm-mesh:1");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot reach registry 127.0.0.1:9 .*add --plain-http/);
  });
});
