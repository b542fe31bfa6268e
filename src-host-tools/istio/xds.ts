// Runs Istio's own control-plane code (src-host-tools/istio/harness, built from the Go module
// istio.io/istio at the version its go.mod pins) on a set of Istio objects, and returns what istiod
// would send a proxy. The binary is built on first use into .tools/bin and reused after that.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "../envoy/locate.js";
import type { IstioXds } from "./xds-to-bootstrap.js";

const HARNESS = join(PROJECT_ROOT, "src-host-tools", "istio", "harness");
const TOOLS = join(PROJECT_ROOT, ".tools");
const BINARY = join(TOOLS, "bin", "istio-xds");

/** The istio.io/istio version the harness is built from (its go.mod). */
export function pinnedIstioVersion(): string {
  return /istio\.io\/istio (\S+)/.exec(readFileSync(join(HARNESS, "go.mod"), "utf8"))![1];
}

export const goEnv = () => ({ ...process.env, GOPATH: join(TOOLS, "gopath"), GOCACHE: join(TOOLS, "gocache"), GOFLAGS: "-modcacherw", GOTOOLCHAIN: "local", CGO_ENABLED: "0" });

/** Builds the harness when missing or older than its sources. */
export function buildIstioXds(log: (line: string) => void = console.error): string {
  const sources = ["main.go", "go.mod", "go.sum"].map((f) => statSync(join(HARNESS, f)).mtimeMs);
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs > Math.max(...sources)) return BINARY;
  mkdirSync(join(TOOLS, "bin"), { recursive: true });
  log(`llm-mesh: building Istio's control plane (istio.io/istio ${pinnedIstioVersion()}) into .tools/bin/istio-xds; the first build takes several minutes…`);
  execFileSync("go", ["build", "-o", BINARY, "."], { cwd: HARNESS, env: goEnv(), stdio: ["ignore", "inherit", "inherit"] });
  return BINARY;
}

export interface ProxySpec {
  type: "sidecar" | "router" | "waypoint"; namespace: string; labels: Record<string, string>; kube?: string; ip?: string;
  /** The mesh config istiod runs with (YAML of meshConfig), e.g. llm-mesh's access-log provider and extraStatTags. */
  meshConfig?: string;
  /** Also render the proxy's bootstrap as pilot-agent would (returned as `bootstrap`). */
  bootstrap?: boolean;
}

/** Istio's bootstrap template, from the pinned module in the Go module cache. */
function bootstrapTemplate(): string {
  return join(TOOLS, "gopath", "pkg", "mod", `istio.io/istio@${pinnedIstioVersion()}`, "tools", "packaging", "common", "envoy_bootstrap.json");
}

/** What istiod generates for one proxy, given the Istio objects (YAML) it watches. */
export function istioXds(istioYaml: string, proxy: ProxySpec): IstioXds {
  const dir = mkdtempSync(join(tmpdir(), "llm-mesh-istio-"));
  try {
    writeFileSync(join(dir, "istio.yaml"), istioYaml);
    writeFileSync(join(dir, "kube.yaml"), proxy.kube ?? "");
    writeFileSync(join(dir, "mesh.yaml"), proxy.meshConfig ?? "");
    execFileSync(buildIstioXds(), [
      "--out", join(dir, "xds.json"), "--config", join(dir, "istio.yaml"), "--kube", join(dir, "kube.yaml"), "--proxy", proxy.type, "--namespace", proxy.namespace,
      "--labels", Object.entries(proxy.labels).map(([k, v]) => `${k}=${v}`).join(","), ...(proxy.ip ? ["--ip", proxy.ip] : []),
      ...(proxy.meshConfig ? ["--mesh", join(dir, "mesh.yaml")] : []), ...(proxy.bootstrap ? ["--bootstrap-template", bootstrapTemplate()] : []),
    ], {
      encoding: "utf8", maxBuffer: 256 << 20, stdio: ["ignore", "pipe", "pipe"],
      // Ambient is off unless istiod is told (PILOT_ENABLE_AMBIENT, read when Istio's code starts).
      env: { ...process.env, ...(proxy.type === "waypoint" ? { PILOT_ENABLE_AMBIENT: "true" } : {}) },
    });
    return JSON.parse(readFileSync(join(dir, "xds.json"), "utf8")) as IstioXds;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ISTIOCTL = join(TOOLS, "bin", "istioctl");

/** istioctl from the same pinned istio.io/istio, built on first use into .tools/bin. */
export function buildIstioctl(log: (line: string) => void = console.error): string {
  const sources = ["go.mod", "go.sum"].map((f) => statSync(join(HARNESS, f)).mtimeMs);
  if (existsSync(ISTIOCTL) && statSync(ISTIOCTL).mtimeMs > Math.max(...sources)) return ISTIOCTL;
  mkdirSync(join(TOOLS, "bin"), { recursive: true });
  log(`llm-mesh: building istioctl (istio.io/istio ${pinnedIstioVersion()}) into .tools/bin…`);
  execFileSync("go", ["build", "-o", ISTIOCTL, "istio.io/istio/istioctl/cmd/istioctl"], { cwd: HARNESS, env: goEnv(), stdio: ["ignore", "inherit", "inherit"] });
  return ISTIOCTL;
}

/** Runs istioctl offline (no cluster) on a YAML file; returns its exit code and output. */
export function istioctl(args: string[], yaml: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), "llm-mesh-istioctl-"));
  try {
    const file = join(dir, "llm-mesh.yaml");
    writeFileSync(file, yaml);
    const out = spawnSync(buildIstioctl(), [...args, file], { encoding: "utf8", env: { ...process.env, HOME: dir } });
    return { status: out.status, output: `${out.stdout}${out.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
