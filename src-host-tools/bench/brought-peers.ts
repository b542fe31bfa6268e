// Peers the bench cannot build itself, named on the command line:
//   --peer NAME=FILE.wasm[,config=FILE.json][,root-id=ID][,stop-iteration]   a Proxy-Wasm module and its plugin config
//   --ext-proc NAME=HOST:PORT                                                an external processor, through ext_proc
// Each gets a listener in the same Envoy and run as llm-mesh, with the same routes and upstream.
// Every problem with the options is reported at once, before anything starts.
import { closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { isIP } from "node:net";
import { resolve } from "node:path";
import { UserError } from "../errors.js";
import { ExtProcPeer, extProcCluster, extProcFilter } from "./ext-proc-peer.js";
import { Peer, peerFilter } from "./peers.js";

export interface BroughtPeers { modules: Peer[]; extProcs: ExtProcPeer[] }

/** What the options say, as the command line gives them. */
export interface PeerOptions { peer?: string[]; extProc?: string[]; cwd?: string }

/** Names the bench already uses for its own listeners and results. */
const TAKEN = ["bare", "floor", "filter", "filterHeaders", "filterNoMetrics", "llm_mesh", "llm_mesh_headers", "llm_mesh_no_metrics", "go_floor", "rust_floor", "envoy_work"];
/** A listener name, stat prefix and VM id all at once. */
const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,39}$/;
/** For a module that holds request headers until the body is whole (Envoy's allow_on_headers_stop_iteration), as llm-mesh's body mode. */
const STOP_ITERATION = "stop-iteration";
const PEER_USAGE = `--peer NAME=FILE.wasm[,config=FILE.json][,root-id=ID][,${STOP_ITERATION}]`;
const EXT_PROC_USAGE = "--ext-proc NAME=HOST:PORT";
const WASM_MAGIC = "0061736d";

/** The NAME=VALUE split; problems go to `problems`. */
function nameAndValue(flag: string, usage: string, spec: string, problems: string[]): [string, string] | undefined {
  const eq = spec.indexOf("=");
  const name = eq < 0 ? "" : spec.slice(0, eq);
  const value = eq < 0 ? "" : spec.slice(eq + 1);
  if (name === "" || value === "") { problems.push(`${flag} ${spec}: expected ${usage}`); return undefined; }
  if (!NAME.test(name)) { problems.push(`${flag} ${spec}: the name ${name} must start with a letter and have only letters, digits, _ and - (at most 40)`); return undefined; }
  return [name, value];
}

/** A file's first four bytes, as hex ("" when shorter). */
function magic(path: string): string {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 ? head.toString("hex") : "";
  } finally { closeSync(fd); }
}

/** A readable file, or the problem with it. */
function fileProblem(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return `${path} is not a file`;
  } catch { return `${path} does not exist`; }
  return undefined;
}

function parseModule(spec: string, cwd: string, problems: string[]): Peer | undefined {
  const parts = nameAndValue("--peer", PEER_USAGE, spec, problems);
  if (!parts) return undefined;
  const [name, rest] = parts;
  const [file, ...settings] = rest.split(",");
  const at = (s: string) => `--peer ${name}: ${s}`;
  const before = problems.length;
  const wasmPath = resolve(cwd, file);
  const wasmProblem = fileProblem(wasmPath);
  if (wasmProblem) problems.push(at(wasmProblem));
  else if (magic(wasmPath) !== WASM_MAGIC) problems.push(at(`${wasmPath} is not a WebAssembly module (it does not start with \\0asm)`));
  let configuration: unknown = {};
  let rootId = "";
  let allowOnHeadersStopIteration = false;
  for (const setting of settings) {
    const eq = setting.indexOf("=");
    const key = eq < 0 ? setting : setting.slice(0, eq);
    const value = eq < 0 ? "" : setting.slice(eq + 1);
    if (key === "config" && value !== "") {
      const configPath = resolve(cwd, value);
      const problem = fileProblem(configPath);
      if (problem) { problems.push(at(`plugin config ${problem}`)); continue; }
      try { configuration = JSON.parse(readFileSync(configPath, "utf8")); } catch (error) { problems.push(at(`plugin config ${configPath} is not JSON: ${(error as Error).message}`)); }
    } else if (key === "root-id" && value !== "") rootId = value;
    else if (setting === STOP_ITERATION) allowOnHeadersStopIteration = true;
    else problems.push(at(`unknown setting "${setting}": expected config=FILE.json, root-id=ID or ${STOP_ITERATION} (${PEER_USAGE})`));
  }
  if (problems.length > before) return undefined;
  return {
    name, wasmPath, moduleBytes: statSync(wasmPath).size, configuration, rootId, ...(allowOnHeadersStopIteration ? { allowOnHeadersStopIteration } : {}),
    description: `your module ${wasmPath}${settings.some((s) => s.startsWith("config=")) ? ", with its plugin config" : ", with an empty plugin config ({})"}`,
  };
}

function parseExtProc(spec: string, problems: string[]): ExtProcPeer | undefined {
  const parts = nameAndValue("--ext-proc", EXT_PROC_USAGE, spec, problems);
  if (!parts) return undefined;
  const [name, address] = parts;
  // [::1]:1063 for IPv6; a host name or an IPv4 address otherwise.
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(address);
  const host = m ? (m[1] ?? m[2]) : "";
  const port = m ? Number(m[3]) : NaN;
  if (!m || (m[1] !== undefined && isIP(host) !== 6) || port < 1 || port > 65535) {
    problems.push(`--ext-proc ${name}: ${address} is not HOST:PORT (e.g. 127.0.0.1:1063, [::1]:1063; port 1-65535)`);
    return undefined;
  }
  return { name, host, port };
}

/**
 * The peers given on the command line, checked: names unique and not the bench's own, modules that
 * exist and are Wasm, plugin configs that parse as JSON, addresses that are HOST:PORT. One UserError
 * lists every problem.
 */
export function parsePeerOptions(options: PeerOptions): BroughtPeers {
  const cwd = options.cwd ?? process.cwd();
  const problems: string[] = [];
  const modules = (options.peer ?? []).map((s) => parseModule(s, cwd, problems)).filter((p): p is Peer => p !== undefined);
  const extProcs = (options.extProc ?? []).map((s) => parseExtProc(s, problems)).filter((p): p is ExtProcPeer => p !== undefined);
  const seen = new Set<string>();
  for (const name of [...modules, ...extProcs].map((p) => p.name)) {
    if (TAKEN.includes(name)) problems.push(`peer name ${name} is the bench's own listener: choose another`);
    else if (seen.has(name)) problems.push(`peer name ${name} is given twice: each --peer and --ext-proc needs its own name`);
    seen.add(name);
  }
  if (problems.length > 0) throw new UserError(`${problems.join("\n")}\nfix the peer options and run llm-mesh bench again (docs/benchmarks.md, "Peers you bring")`);
  return { modules, extProcs };
}

/** What the brought peers add to the bench's Envoy: a listener each, and a cluster per external processor. */
export function broughtPeerWiring(peers: BroughtPeers): { peerListeners: { name: string; port: number; filters: Record<string, unknown>[] }[]; extraClusters: Record<string, unknown>[] } {
  return {
    peerListeners: [
      ...peers.modules.map((p) => ({ name: p.name, port: 0, filters: [peerFilter(p)] })),
      ...peers.extProcs.map((p) => ({ name: p.name, port: 0, filters: [extProcFilter(p)] })),
    ],
    extraClusters: peers.extProcs.map(extProcCluster),
  };
}
