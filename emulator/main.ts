/** CLI: node emulator/main.ts --port <p> --seed <file.json> [--state <file>] [--latency-ms N] [--qps N] [--fault-seed N] */
import { parseArgs } from "node:util";
import { startEmulator } from "./index.ts";

function integer(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new Error(`--${name}: expected a non-negative integer, got '${text}'`);
  return Number(text);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "0" },
      seed: { type: "string" },
      state: { type: "string" },
      "latency-ms": { type: "string" },
      qps: { type: "string" },
      "fault-seed": { type: "string" },
    },
    strict: true,
  });
  if (values.seed === undefined) throw new Error("--seed <file.json> is required");
  const emulator = await startEmulator({
    port: integer("port", values.port),
    seed: values.seed,
    statePath: values.state,
    latencyMs: integer("latency-ms", values["latency-ms"]),
    qps: integer("qps", values.qps),
    faultSeed: integer("fault-seed", values["fault-seed"]),
  });
  const stop = () => void emulator.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  console.log(`listening on ${emulator.url}`);
}

main().catch((error: unknown) => {
  console.error(`emulator: ${(error as Error).message}`);
  process.exit(1);
});
