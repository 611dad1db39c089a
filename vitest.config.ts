import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**"],
    // End-to-end tests start real servers and the real Pulumi CLI; a 2-core machine needs room.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The JSON report lets .ci/run print one summary line for the whole run.
    reporters: ["default", ["json", { outputFile: "test-results.json" }]],
  },
});
