// `npm run envoy:install`: find or install Envoy and say which one will be used.
import { EnvoyNotFound, locateEnvoy } from "./locate.js";

try {
  const envoy = locateEnvoy();
  console.log(`llm-mesh: using Envoy ${envoy.version} from ${envoy.source}: ${envoy.path}`);
} catch (error) {
  console.error(`llm-mesh: ${(error as Error).message}`);
  process.exit(error instanceof EnvoyNotFound ? 1 : 2);
}
