// The Debian tools the tests and benchmarks use (never the filter or the demo): installed on
// demand when missing, so `npm test` and `npm run bench` do their own set-up on a fresh machine.
import { execFileSync, spawnSync } from "node:child_process";
import { UserError } from "./errors.js";

/** Command -> Debian package. */
export const TEST_TOOLS: Record<string, string> = { "docker-registry": "docker-registry", skopeo: "skopeo", h2load: "nghttp2-client", prometheus: "prometheus", openssl: "openssl", "redis-server": "redis-server" };

export function hasCommand(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
}

/** Installs the Debian packages for any missing command, or says how to. */
export function ensureTools(commands: string[], log: (line: string) => void = console.error): void {
  const missing = commands.filter((c) => !hasCommand(c));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((c) => TEST_TOOLS[c] ?? c))];
  const root = process.getuid?.() === 0;
  if (!root || !hasCommand("apt-get")) {
    throw new UserError(`missing ${missing.join(", ")}: install the Debian packages ${packages.join(" ")} (apt-get install ${packages.join(" ")}) and run again`);
  }
  log(`llm-mesh: installing ${packages.join(", ")} from Debian (test and benchmark tools)…`);
  execFileSync("apt-get", ["update", "-q"], { stdio: "inherit" });
  execFileSync("apt-get", ["install", "-y", "-q", ...packages], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}
