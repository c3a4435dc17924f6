import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { waitFor } from "./support/embedded-app.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

describe("the API-process supervisor", () => {
  it("outlives a metrics reply to an API process that exited while the others were gathered, and replaces the process", async () => {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("INTRADAY_")) env[k] = v;
    const child = spawn(process.execPath, ["--import", "tsx", "test/fixtures/api-primary-metrics-race.ts"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      // Process 1 asked and left; process 3 replaced it after 1 s; the reply to process 1 went out once the
      // others were gathered (after prom-client's 5 s timeout when process 1 had been asked too).
      await waitFor(async () => /metrics reply dropped/.test(out) || child.exitCode !== null, 30_000);
      expect(out).toMatch(/metrics reply dropped: API process \d+ has exited/);
      expect(out).toContain("api process 3 listening");
      expect(out).not.toMatch(/uncaught exception/);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });
});
