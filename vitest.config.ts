import { defineConfig } from "vitest/config";
import { GC_STRESS_WASM } from "./test/support/gc-stress-setup.js";

// Unit tests drive the compiled .wasm through the host emulator; integration tests run
// it in real Envoy, push to a real registry and run the CLI as a user would (slower).
export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"], testTimeout: 60_000 } },
      {
        // The same unit tests against a build that collects garbage after every callback
        // (assembly/test-gc-stress): the filter's collector runs only between callbacks, and this
        // proves nothing it keeps from one callback to the next depends on a collection not coming.
        test: {
          name: "unit-gc-stress",
          include: ["test/unit/**/*.test.ts"],
          exclude: ["test/unit/imports.test.ts"],
          globalSetup: ["test/support/gc-stress-setup.ts"],
          env: { LLM_MESH_WASM: GC_STRESS_WASM },
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/support/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // One Envoy per file; two cores: keep files sequential so Envoy and the load share fairly.
          fileParallelism: false,
        },
      },
    ],
  },
});
