import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";

const NODE = "node_modules/.bin/node";

function run(args: string[]) {
  return spawn(NODE, ["emulator/main.ts", ...args], { cwd: new URL("..", import.meta.url).pathname });
}

describe("CLI", () => {
  it("prints exactly the listening line and serves on that port", async () => {
    const child = run(["--port", "0", "--seed", "emulator/seeds/demo.json"]);
    try {
      const lines = createInterface({ input: child.stdout });
      const [line] = await new Promise<string[]>((resolve) => lines.once("line", (l) => resolve([l])));
      expect(line).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/);
      const stats = await fetch(`${line?.slice("listening on ".length)}/_emulator/stats`);
      expect(stats.status).toBe(200);
    } finally {
      child.kill("SIGTERM");
    }
    const code = await new Promise((resolve) => child.once("exit", resolve));
    expect(code).toBe(0);
  });

  it("exits 1 with a message naming the seed field", async () => {
    const child = run(["--port", "0", "--seed", "emulator/testdata/signing-vectors.json"]);
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => child.once("exit", resolve));
    expect(code).toBe(1);
    expect(stderr).toContain("seed._note: unknown field");
  });
});
