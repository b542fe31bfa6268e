// `llm-mesh validate FILE...`: every problem in a plugin config, with its path and a hint.
import { resolve } from "node:path";
import { readUserFile, UserError } from "../errors.js";
import { formatProblem, validateConfigText, ValidationResult } from "../config/validate.js";

export interface ValidateOptions {
  cwd: string; files: string[]; json?: boolean; log?: (line: string) => void;
  /** The request mode the config will run in unless it names one (the toolchain's default: body). */
  requestMode?: "body" | "headers";
}

/** Validates each file; throws a UserError when any has errors. Returns the results by file. */
export async function validate(options: ValidateOptions): Promise<Record<string, ValidationResult>> {
  const log = options.log ?? console.log;
  const results: Record<string, ValidationResult> = {};
  let failed = 0;
  for (const file of options.files) {
    const result = validateConfigText(await readUserFile(resolve(options.cwd, file), "config file"), options.requestMode ?? "body");
    results[file] = result;
    if (result.errors.length > 0) failed++;
    if (options.json) continue;
    for (const e of result.errors) log(`${file}: error: ${formatProblem(e)}`);
    for (const w of result.warnings) log(`${file}: warning: ${formatProblem(w)}`);
    if (result.errors.length === 0) log(`${file}: ok (${result.config!.providers.length} providers, ${result.config!.routes.length} routes${result.warnings.length ? `, ${result.warnings.length} warnings` : ""})`);
  }
  if (options.json) log(JSON.stringify(results, (k, v) => (k === "config" ? undefined : v), 2));
  if (failed > 0) throw new UserError(`${failed} of ${options.files.length} config file${options.files.length === 1 ? "" : "s"} invalid; fix the fields named above and run llm-mesh validate again`);
  return results;
}
