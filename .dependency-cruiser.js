// The project's dependency rules, checked by `npm run lint` (test/lint-rules.test.ts proves each one fails).
//
// dependency-cruiser rather than eslint-plugin-import-x: it is made for exactly this (path rules between folders
// and cycle detection over the whole graph, in one pass over ~250 files, in seconds), reports each violation with
// the rule's name and the cycle's path, and needs no ESLint resolver plugin for the workspace package. import-x's
// no-cycle re-walks the graph per file and is the usual cause of slow ESLint runs.
//
// Paths are relative to the repository root; `@ksyun-route/provider…` resolves (through its node_modules symlink)
// to providers/ksyun-route/. Type-only imports count: they couple modules as much as any other. Rules compose:
// a watcher module importing program/testing.ts passes "program-only-through-contract" and fails
// "no-test-code-in-production".

/** Test code: tests, their harnesses and fixtures. Nothing else may import it. */
const TEST_CODE = ["^testenv/", "^test/", "/test-support/", "^program/testing\\.ts$"];

/** What may import test code. */
const TEST_IMPORTERS = ["\\.test\\.ts$", "^(test|bench|testenv|demo)/", "/test-support/"];

/** @type {import("dependency-cruiser").IConfiguration} */
export default {
  forbidden: [
    {
      name: "no-cycles",
      // Tests included: the tree has none, and a cycle is no better there.
      comment: "An import cycle makes load order matter and the modules one unit; break it with a module of its own.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-test-code-in-production",
      comment: `Only tests, test/, bench/, testenv/, demo/ and test-support/ import ${TEST_CODE.join(", ")}.`,
      severity: "error",
      from: { pathNot: TEST_IMPORTERS },
      to: { path: TEST_CODE },
    },
    {
      name: "program-only-through-contract",
      comment:
        "watcher/ and status/ reach program/ only through program/contract.ts (their tests also program/testing.ts).",
      severity: "error",
      from: { path: "^(watcher|status)/" },
      to: { path: "^program/", pathNot: "^program/(contract|testing)\\.ts$" },
    },
    {
      name: "emulator-independent-of-provider",
      comment: "The emulator checks the provider; sharing its code would share its bugs.",
      severity: "error",
      from: { path: "^emulator/" },
      to: { path: "^providers/" },
    },
    {
      name: "kube-stands-alone",
      comment: "kube/ imports nothing of the project's other folders (its tests may use the test harness).",
      severity: "error",
      from: { path: "^kube/" },
      to: { dependencyTypes: ["local"], pathNot: ["^kube/", ...TEST_CODE] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["^\\.scratch/", "^\\.demo/", "^coverage/"] },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "node", "default"],
      extensions: [".ts", ".js"],
    },
  },
};
