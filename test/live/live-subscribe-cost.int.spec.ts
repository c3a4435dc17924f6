import { monitorEventLoopDelay } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbedded, type TestApp } from "../support/embedded-app.ts";
import { LiveClient } from "../support/live-client.ts";
import { manyStoreIds, storeTicks } from "../support/synthetic-ticks.ts";

/**
 * A subscribe with 10k store ids against a live view of 10k rows once blocked the event loop for
 * 3.5 s (ids × rows). With the view indexed by store it is linear; the bound below is generous
 * (a noisy shared machine) but far below the quadratic cost. Speed numbers: bench/live-subscribe.ts.
 */

const N = 10_000;
const MINUTE = 60_000;
let t: TestApp;

beforeAll(async () => {
  t = await startEmbedded({ listen: true, env: { WS_MAX_SUBSCRIBE_IDS: String(N), WS_MAX_MESSAGE_BYTES: String(256 * 1024) } });
});

afterAll(async () => {
  await t?.close();
});

describe("subscribe cost", () => {
  it(`a ${N}-id subscribe against a ${N}-row live view answers with exactly those rows without stalling the event loop`, async () => {
    const ids = manyStoreIds(N);
    const minute = Math.floor(Date.now() / MINUTE) * MINUTE;
    t.runtime.adapters.ticksOut.publish(storeTicks(ids, minute));
    t.runtime.adapters.ticksOut.publish(storeTicks(manyStoreIds(N).map((s) => `other-${s}`), minute)); // rows nobody asked for

    const c = await LiveClient.connect(t.url);
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const snap = await c.subscribe(ids);
    loop.disable();
    c.ws.terminate();

    const minutes = snap.minutes as { storeId: string; grossMinor: number }[];
    expect(minutes).toHaveLength(N);
    expect(new Set(minutes.map((m) => m.storeId))).toEqual(new Set(ids));
    expect(minutes.find((m) => m.storeId === ids[42])?.grossMinor).toBe(142);
    const maxStallMs = loop.max / 1e6;
    expect(maxStallMs, `longest event-loop stall ${maxStallMs.toFixed(0)} ms`).toBeLessThan(1500);
  });
});
