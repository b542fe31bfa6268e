// `llm-mesh ratelimit-config -c CONFIG`: the config of Envoy's rate limit service for the consumers'
// global quotas (domain llm-mesh; one descriptor per consumer and kind of limit).
import { readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { UserError } from "../errors.js";
import { formatProblem, validateConfigText } from "../config/validate.js";
import { LlmMeshConfig } from "../config/schema.js";
import { globalLimits, ratelimitServiceConfig } from "../ratelimit/envoy.js";

export async function ratelimitConfig(o: { cwd: string; config: string; out?: string; log?: (line: string) => void }): Promise<string> {
  const log = o.log ?? console.error;
  let text: string;
  try { text = await readFile(resolve(o.cwd, o.config), "utf8"); } catch { throw new UserError(`cannot read ${o.config}`); }
  const result = validateConfigText(text);
  if (result.errors.length > 0) throw new UserError(`${o.config} is not valid:\n${result.errors.map(formatProblem).join("\n")}`);
  const config = result.config as LlmMeshConfig;
  if (globalLimits(config).length === 0) throw new UserError(`${o.config} has no global limits (consumers[].limits[] with "global": true)`);
  const yaml = ratelimitServiceConfig(config);
  if (o.out) {
    await writeFile(resolve(o.cwd, o.out), yaml);
    log(`wrote ${o.out}: mount it as a file under the rate limit service's RUNTIME_ROOT/RUNTIME_SUBDIRECTORY/config/ (a ConfigMap), then give llm-mesh manifests --ratelimit-service HOST:PORT`);
  } else process.stdout.write(yaml);
  return yaml;
}
