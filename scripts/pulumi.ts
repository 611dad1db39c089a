// `npm run pulumi -- <args>`: the Pulumi CLI with this project's runtime tools, Node 24 and plugins, offline and
// unattended and without per-step checkpoints by default (each default yields to a value already in the environment).
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { prepareRuntime } from "./tools.ts";

prepareRuntime();
// The engine rewrites the whole state after every step, O(N²) for N routes: a first `up` of 1,000 routes takes
// minutes with those checkpoints and seconds without (bench/REPORT.md). What a kill leaves in either case, and how
// the next `up` recovers: docs/reliability.md. PULUMI_SKIP_CHECKPOINTS=false keeps them.
process.env.PULUMI_SKIP_CHECKPOINTS ??= "true";
const cli = spawn("pulumi", process.argv.slice(2), { stdio: "inherit" });
// Ctrl-C reaches the CLI itself (same process group), and a second SIGINT would make it abandon its cleanup: this
// process only waits. A SIGTERM or SIGHUP sent to this process alone is passed on.
process.on("SIGINT", () => {});
for (const signal of ["SIGTERM", "SIGHUP"] as const) process.on(signal, () => cli.kill(signal));
cli.on("error", (error) => {
  console.error(`pulumi: ${error.message}`);
  process.exit(127);
});
cli.on("exit", (code, signal) => process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0)));
