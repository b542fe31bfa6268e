// Other in-proxy filters, measured in the same Envoy, the same run, with the same requests as
// llm-mesh (`npm run bench`). Each is built on first use into .tools/peers (ignored); a peer whose
// toolchain is missing is skipped with the reason, never failed.
import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../envoy/locate.js";

/** A peer the bench can put behind a listener: its module and plugin configuration, or why it is missing. */
export interface Peer {
  name: string;
  /** What it is, for the report. */
  description: string;
  wasmPath?: string;
  moduleBytes?: number;
  /** The plugin configuration (JSON) its filter gets. */
  configuration?: unknown;
  /** The root context id it registers (Envoy's root_id). */
  rootId?: string;
  /** It holds request headers until the body is whole, as llm-mesh's body mode does (Envoy's allow_on_headers_stop_iteration). */
  allowOnHeadersStopIteration?: boolean;
  skipped?: string;
}

const PEERS_DIR = join(PROJECT_ROOT, ".tools", "peers");

function commandWorks(command: string, args: string[]): boolean {
  try { execFileSync(command, args, { stdio: "ignore" }); return true; } catch { return false; }
}

/**
 * The floor of any Wasm filter doing llm-mesh's core job: a minimal Rust filter (the proxy-wasm
 * crate, serde_json) that sets the authority and key and rewrites the body's model.
 */
export function rustModelRewrite(log: (line: string) => void): Peer {
  const peer: Peer = { name: "rust_floor", description: "minimal Rust proxy-wasm filter (proxy-wasm crate + serde_json): authority, key and body model only" };
  const manifest = join(PROJECT_ROOT, "src-host-tools", "bench", "peers", "rust-model-rewrite", "Cargo.toml");
  const targetDir = join(PEERS_DIR, "rust");
  const wasm = join(targetDir, "wasm32-wasip1", "release", "rust_model_rewrite.wasm");
  if (!existsSync(wasm)) {
    if (!commandWorks("cargo", ["--version"])) return { ...peer, skipped: "cargo is not installed (install Rust with rustup to measure this peer)" };
    const targets = (() => { try { return execFileSync("rustup", ["target", "list", "--installed"], { encoding: "utf8" }); } catch { return ""; } })();
    if (!targets.includes("wasm32-wasip1")) {
      log("bench: adding Rust's wasm32-wasip1 target (once)…");
      if (!commandWorks("rustup", ["target", "add", "wasm32-wasip1"])) return { ...peer, skipped: "Rust's wasm32-wasip1 target is missing and rustup could not add it" };
    }
    log("bench: building the Rust peer into .tools/peers (once)…");
    try {
      execFileSync("cargo", ["build", "--release", "--locked", "--target", "wasm32-wasip1", "--manifest-path", manifest], { env: { ...process.env, CARGO_TARGET_DIR: targetDir }, stdio: ["ignore", "ignore", "pipe"] });
    } catch (error) {
      return { ...peer, skipped: `cargo build failed: ${String((error as { stderr?: Buffer }).stderr ?? error).split("\n").slice(-6).join(" ")}` };
    }
  }
  return {
    ...peer, wasmPath: wasm, moduleBytes: statSync(wasm).size, rootId: "",
    configuration: { authority: "api.openai.com", key: "bench-key-a", model: "gpt-4o-mini" },
  };
}

/** The Go SDK Higress's plugins are built on, at the version its ai-proxy plugin pins. */
const HIGRESS_SDK = "github.com/higress-group/proxy-wasm-go-sdk";
const HIGRESS_SDK_VERSION = "v0.0.0-20251103120604-77e9cce339d2";

/**
 * A copy of Higress's Go SDK that stock Envoy loads: the one patch is its ABI version export,
 * proxy_abi_version_0_2_100 (Higress's own Envoy) renamed to proxy_abi_version_0_2_1.
 */
function patchedHigressSdk(log: (line: string) => void): string {
  const dir = join(PEERS_DIR, "higress-proxy-wasm-go-sdk");
  if (existsSync(join(dir, "go.mod"))) return dir;
  log(`bench: fetching ${HIGRESS_SDK}@${HIGRESS_SDK_VERSION} from the Go module proxy (once)…`);
  mkdirSync(PEERS_DIR, { recursive: true });
  const info = JSON.parse(execFileSync("go", ["mod", "download", "-json", `${HIGRESS_SDK}@${HIGRESS_SDK_VERSION}`], { cwd: PEERS_DIR, encoding: "utf8" })) as { Dir: string };
  cpSync(info.Dir, dir, { recursive: true });
  execFileSync("chmod", ["-R", "u+w", dir]); // the module cache is read-only
  const file = join(dir, "proxywasm", "internal", "abi_callback_version.go");
  const source = readFileSync(file, "utf8");
  if (!source.includes("//go:wasmexport proxy_abi_version_0_2_100")) throw new Error(`${file}: the ABI export to patch is not there`);
  writeFileSync(file, source.replace("//go:wasmexport proxy_abi_version_0_2_100", "//go:wasmexport proxy_abi_version_0_2_1"));
  return dir;
}

/**
 * What Envoy charges for the work llm-mesh asks of it: the same host calls in the same callbacks on
 * the bench's plain request (assembly/bench-envoy-work), none of llm-mesh's logic. Between it and
 * the empty module lies Envoy's side of llm-mesh's cost; between it and llm-mesh, llm-mesh's own code.
 */
export function envoyWorkPeer(wasmPath: string): Peer {
  return {
    name: ENVOY_WORK, wasmPath, moduleBytes: statSync(wasmPath).size, rootId: "", configuration: {}, allowOnHeadersStopIteration: true,
    description: "llm-mesh's host calls on this request (body held, read and written; header maps read once, changed headers written; cluster, peer, clock, access-log state; answer held and read), none of its logic",
  };
}

export const ENVOY_WORK = "envoy_work";

/** The floor for Go: an empty filter built with Go's own wasip1 target on Higress's SDK. */
export function goEmpty(log: (line: string) => void): Peer {
  const peer: Peer = { name: "go_floor", description: `empty Go proxy-wasm filter (Go's wasip1 target, -buildmode=c-shared; ${HIGRESS_SDK}, ABI export patched to 0_2_1)` };
  const wasm = join(PEERS_DIR, "go-empty.wasm");
  if (!existsSync(wasm)) {
    if (!commandWorks("go", ["version"])) return { ...peer, skipped: "Go is not installed" };
    try {
      const sdk = patchedHigressSdk(log);
      const work = join(PEERS_DIR, "go-empty");
      mkdirSync(work, { recursive: true });
      copyFileSync(join(PROJECT_ROOT, "src-host-tools", "bench", "peers", "go-empty", "main.go"), join(work, "main.go"));
      writeFileSync(join(work, "go.mod"), `module llm-mesh.local/bench/go-empty\n\ngo 1.24\n\nrequire ${HIGRESS_SDK} ${HIGRESS_SDK_VERSION}\n\nreplace ${HIGRESS_SDK} => ${sdk}\n`);
      log("bench: building the Go peer into .tools/peers (once)…");
      const env = { ...process.env, GOOS: "wasip1", GOARCH: "wasm", GOFLAGS: "-mod=mod" };
      execFileSync("go", ["build", "-buildmode=c-shared", "-o", wasm, "."], { cwd: work, env, stdio: ["ignore", "ignore", "pipe"] });
    } catch (error) {
      return { ...peer, skipped: `building it failed: ${String((error as { stderr?: Buffer }).stderr ?? error).split("\n").slice(-6).join(" ")}` };
    }
  }
  return { ...peer, wasmPath: wasm, moduleBytes: statSync(wasm).size, rootId: "", configuration: {} };
}

/** A peer's Wasm filter, configured as its own project documents. */
export function peerFilter(peer: Peer): Record<string, unknown> {
  return {
    name: peer.name,
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm",
      config: {
        name: peer.name, root_id: peer.rootId ?? "",
        ...(peer.allowOnHeadersStopIteration ? { allow_on_headers_stop_iteration: true } : {}),
        vm_config: { vm_id: peer.name, runtime: "envoy.wasm.runtime.v8", code: { local: { filename: peer.wasmPath } } },
        configuration: { "@type": "type.googleapis.com/google.protobuf.StringValue", value: JSON.stringify(peer.configuration ?? {}) },
      },
    },
  };
}

/** Every peer, built or skipped. */
export function buildPeers(log: (line: string) => void): Peer[] {
  const peers = [goEmpty(log), rustModelRewrite(log)];
  for (const p of peers) if (p.skipped) log(`bench: peer ${p.name} skipped: ${p.skipped}`);
  return peers;
}
