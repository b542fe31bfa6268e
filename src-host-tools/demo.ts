// `npm start`: build the module, then the local demo on the embedded example config
// (envoy/plugin-config.json). Flags: --port N (default 10000; 0 picks one), --once (send the
// samples, print, exit). package.json runs this with `exec`, so npm's SIGINT/SIGTERM reach this
// process (not a shell that would die and leave Envoy behind).
import { parseArgs } from "node:util";
import { build } from "./commands/build.js";
import { envoyCommand } from "./commands/envoy.js";
import { PROJECT_ROOT } from "./envoy/locate.js";
import { UserError } from "./errors.js";

const { values } = parseArgs({ options: { port: { type: "string", default: "10000" }, once: { type: "boolean", default: false } } });
try {
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port takes a port number from 0 to 65535 (got ${values.port})`);
  await build({ cwd: PROJECT_ROOT });
  await envoyCommand({ cwd: PROJECT_ROOT, port, once: values.once, portFlag: "npm start -- --port N" });
} catch (error) {
  console.error(`llm-mesh: ${(error as Error).message}`);
  process.exit(error instanceof UserError ? 1 : 2);
}
