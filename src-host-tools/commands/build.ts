// `llm-mesh build`: compile the filter (release: -O3, incremental runtime, SIMD) and report it.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { InternalError } from "../errors.js";

export interface BuildResult { path: string; bytes: number; sha256: string }

export async function build(options: { cwd: string; target?: "release" | "debug"; log?: (line: string) => void }): Promise<BuildResult> {
  const log = options.log ?? console.log;
  const asc = (await import("assemblyscript/asc")).default;
  const target = options.target ?? "release";
  const stderr: string[] = [];
  const { error } = await asc.main(["assembly/index.ts", "--baseDir", options.cwd, "--target", target, "--config", join(options.cwd, "asconfig.json")], {
    stdout: { write: () => true } as never,
    stderr: { write: (s: string) => { stderr.push(String(s)); return true; } } as never,
  });
  if (error) throw new InternalError(`the AssemblyScript build failed: ${error.message}\n${stderr.join("")}`);
  const path = join(options.cwd, "build", target === "release" ? "llm-mesh.wasm" : "llm-mesh.debug.wasm");
  const bytes = await readFile(path);
  const result = { path, bytes: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") };
  log(`built ${path}: ${(bytes.length / 1024).toFixed(1)} KiB, sha256 ${result.sha256}`);
  return result;
}
