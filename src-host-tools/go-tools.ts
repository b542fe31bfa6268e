// Go programs the tests use as independent peers (a strict OCI validator now; Istio's own tools
// later), built from the Go module proxy on first use into .tools/bin and reused after that. Only
// tests and checks use them; the filter and the demo never do.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "./project-root.js";
import { UserError } from "./errors.js";

const TOOLS = join(PROJECT_ROOT, ".tools");
const BIN = join(TOOLS, "bin");

/** Pinned Go tools: binary name -> module path@version. */
export const GO_TOOLS: Record<string, string> = {
  // go-containerregistry's crane: `crane validate` reads every blob and checks the image strictly.
  crane: "github.com/google/go-containerregistry/cmd/crane@v0.22.1",
  // Envoy's global rate limit service (its main package is src/service_cmd; installed as "ratelimit").
  ratelimit: "github.com/envoyproxy/ratelimit/src/service_cmd@v1.4.1-0.20260122083618-3fb702589d36",
};

/** The path of a pinned Go tool, building it (go install, private GOPATH under .tools/) when missing. */
export function goTool(name: keyof typeof GO_TOOLS, log: (line: string) => void = console.error): string {
  const binary = join(BIN, name);
  const version = GO_TOOLS[name].split("@")[1];
  const stamp = `${binary}.${version}`;
  if (existsSync(binary) && existsSync(stamp)) return binary;
  if (spawnSync("go", ["version"], { stdio: "ignore" }).status !== 0) {
    throw new UserError(`${name} is built from Go sources and no Go toolchain was found: install Go (https://go.dev/dl) and run again`);
  }
  mkdirSync(BIN, { recursive: true });
  log(`llm-mesh: building ${GO_TOOLS[name]} into .tools/bin (once)…`);
  execFileSync("go", ["install", GO_TOOLS[name]], {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, GOBIN: BIN, GOPATH: join(TOOLS, "gopath"), GOFLAGS: "-modcacherw", CGO_ENABLED: "0" },
  });
  // go install names the binary after its package's directory.
  const built = join(BIN, GO_TOOLS[name].split("@")[0].split("/").pop()!);
  if (built !== binary) renameSync(built, binary);
  execFileSync("touch", [stamp]);
  return binary;
}
