// Builds the gc-stress variant of the filter (assembly/test-gc-stress) before the unit tests run
// against it: the release module, collecting garbage at the end of every callback.
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const GC_STRESS_WASM = join(ROOT, "build", "llm-mesh.gc-stress.wasm");

export default async function setup(): Promise<void> {
  const asc = (await import("assemblyscript/asc")).default;
  const { error, stderr } = await asc.main(["assembly/test-gc-stress/index.ts", "--config", join(ROOT, "asconfig.json"), "--target", "release", "-o", GC_STRESS_WASM]);
  if (error) throw new Error(`building ${GC_STRESS_WASM} failed: ${error.message}\n${stderr.toString()}`);
}
