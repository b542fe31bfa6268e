// The filter's own config loader (assembly/config/load.ts and each feature's loader), run in the
// host emulator: the one source of every config rule beyond the JSON Schema. The compiled module
// is read and compiled once per process; each check gets a fresh VM of it (about a millisecond).
// No secret reaches the VM: inline key values are replaced by a placeholder before it sees the
// config, and the environment it reads holds placeholders for the variables the config names, so
// nothing it reports can echo a key.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { HostEmulator } from "../host/emulator.js";
import { PROJECT_ROOT } from "../project-root.js";
import { UserError } from "../errors.js";
import type { Problem } from "./problem.js";

/** The module whose loader decides: the release build (LLM_MESH_WASM names another, as for the tests). */
export const FILTER_MODULE_PATH = process.env.LLM_MESH_WASM ?? join(PROJECT_ROOT, "build", "llm-mesh.wasm");
const PLACEHOLDER = "llm-mesh-validate-placeholder";
/** What the filter reads from the VM environment besides apiKeys' variables (Bedrock's signing keys). */
const VM_ENV = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];
const ERROR = "llm-mesh: config error: ";
const WARNING = "llm-mesh: config warning: ";

let compiled: WebAssembly.Module | undefined;

function filterModule(): WebAssembly.Module {
  if (!compiled) {
    if (!existsSync(FILTER_MODULE_PATH)) throw new UserError(`validate runs the filter's own config loader from ${FILTER_MODULE_PATH}, which is missing: run npx llm-mesh build`);
    compiled = new WebAssembly.Module(readFileSync(FILTER_MODULE_PATH));
  }
  return compiled;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** The config as the VM gets it: inline keys replaced, the request mode the toolchain will run it in; and the VM's environment. */
export function vmInput(config: Record<string, unknown>, requestMode: string): { text: string; env: Record<string, string> } {
  const env: Record<string, string> = Object.fromEntries(VM_ENV.map((name) => [name, PLACEHOLDER]));
  const providers = Array.isArray(config.providers) ? config.providers.map((p) => {
    if (!isObject(p) || !Array.isArray(p.apiKeys)) return p;
    const apiKeys = p.apiKeys.map((k) => {
      if (!isObject(k)) return k;
      if (typeof k.env === "string") env[k.env] = PLACEHOLDER;
      return typeof k.value === "string" && k.value !== "" ? { ...k, value: PLACEHOLDER } : k;
    });
    return { ...p, apiKeys };
  }) : config.providers;
  return { text: JSON.stringify({ ...config, requestMode: config.requestMode ?? requestMode, providers }), env };
}

/** "path: message" as the filter writes it. */
function problem(line: string): Problem {
  const colon = line.indexOf(": ");
  return colon < 0 ? { path: "(config)", message: line } : { path: line.slice(0, colon), message: line.slice(colon + 2) };
}

/** Every error and warning the filter's loader reports for `config`, in the given request mode unless the config names one. */
export function filterLoaderProblems(config: Record<string, unknown>, requestMode: string): { errors: Problem[]; warnings: Problem[] } {
  const { text, env } = vmInput(config, requestMode);
  const host = HostEmulator.instantiate(filterModule(), { env, logLevel: "warn" });
  host.configure(text);
  const lines = host.logs.map((l) => l.message);
  const after = (prefix: string) => lines.filter((l) => l.startsWith(prefix)).map((l) => problem(l.slice(prefix.length)));
  return { errors: after(ERROR), warnings: after(WARNING) };
}
