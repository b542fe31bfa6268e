import { defineConfig } from "vitest/config";

// Two projects: unit tests drive the compiled .wasm through the host emulator; integration tests
// drive it inside real Envoy (slower, started once per file).
export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"], testTimeout: 60_000 } },
      {
        test: {
          name: "envoy",
          include: ["test/envoy/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // One Envoy per file; two cores: keep files sequential so Envoy and the load share fairly.
          fileParallelism: false,
        },
      },
    ],
  },
});
