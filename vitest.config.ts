import { defineConfig } from "vitest/config";

// Two projects: unit tests drive the compiled .wasm through the host emulator; integration tests run
// it in real Envoy, push to a real registry and run the CLI as a user would (slower).
export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"], testTimeout: 60_000 } },
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
