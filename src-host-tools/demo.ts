// `npm start`: the local demo on the embedded example config (envoy/plugin-config.json).
// Flags: --port N (default 10000; 0 picks one), --once (send the samples, print, exit).
import { parseArgs } from "node:util";
import { envoyCommand } from "./commands/envoy.js";
import { PROJECT_ROOT } from "./envoy/locate.js";
import { UserError } from "./errors.js";

const { values } = parseArgs({ options: { port: { type: "string", default: "10000" }, once: { type: "boolean", default: false } } });
try {
  await envoyCommand({ cwd: PROJECT_ROOT, port: Number(values.port), once: values.once });
} catch (error) {
  console.error(`llm-mesh: ${(error as Error).message}`);
  process.exit(error instanceof UserError ? 1 : 2);
}
