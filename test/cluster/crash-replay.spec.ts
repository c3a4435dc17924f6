import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnServer, type ServerProcess } from "../support/process.ts";
import { expectExactTotals } from "./reconcile-helpers.ts";
import { isolatedEnv, prefixed } from "./support.ts";
import { Sender } from "./traffic.ts";

describe("crash and replay on the real stack", () => {
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  let server: ServerProcess | null = null;

  beforeAll(async () => {
    ({ env, drop } = await isolatedEnv(3));
  });
  afterAll(async () => {
    await server?.kill9();
    await drop?.();
  });

  it("loses nothing and double-counts nothing when the app is kill -9'd while the simulator sends", async () => {
    const from = Date.now() - 120_000;
    server = await spawnServer({ env: prefixed(env) });
    const sender = new Sender(() => server!.url);
    const traffic = sender.run({ size: 25, workers: 4, pauseMs: 20 });
    await sender.ackedAtLeast(100);
    const killed = await server.kill9();
    expect(killed.signal).toBe("SIGKILL");
    const ackedBeforeCrash = sender.acked.size;
    expect(ackedBeforeCrash).toBeGreaterThan(0);
    server = await spawnServer({ env: prefixed(env) });
    await sender.ackedAtLeast(ackedBeforeCrash + 100);
    sender.stop();
    await traffic;
    await sender.retryUnacked();
    expect(sender.acked.size).toBeGreaterThan(ackedBeforeCrash);
    await expectExactTotals(env, sender.acked, from, Date.now() + 60_000);
  });
});
