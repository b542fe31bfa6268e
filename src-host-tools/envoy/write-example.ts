// `npm run envoy:example`: regenerate envoy/llm-mesh.yaml from envoy/plugin-config.json.
import { writeFileSync } from "node:fs";
import { EXAMPLE_ENVOY_CONFIG_PATH, exampleEnvoyYaml } from "./example.js";

writeFileSync(EXAMPLE_ENVOY_CONFIG_PATH, exampleEnvoyYaml());
console.log(`llm-mesh: wrote ${EXAMPLE_ENVOY_CONFIG_PATH}`);
