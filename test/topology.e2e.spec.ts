import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { saleEvent, waitFor } from "./support/embedded-app.ts";
import { killAllSpawned, spawnServer } from "./support/process.ts";

/**
 * `npm start` with the default TOPOLOGY=threads: ingest/API on the main thread, the consumers in a
 * worker thread. What crosses between them must still work end to end: readiness, live ticks to the
 * websocket feed, metrics, rows on disk, and the graceful stop.
 */
describe("default topology: consumers in a worker thread (real server process, embedded)", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await killAllSpawned();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("is ready only with processing running, ticks reach the websocket, metrics merge, SIGTERM flushes and exits 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "intraday-topology-"));
    dirs.push(dir);
    const env = { INTRADAY_DATA_DIR: dir, INTRADAY_CHECKPOINT_MS: "60000" };
    const a = await spawnServer({ env });
    const ready = (await (await fetch(`${a.url}/readyz`)).json()) as { checks: Record<string, string> };
    expect(ready.checks.processing).toBe("running");

    const ws = new WebSocket(`${a.url.replace(/^http/, "ws")}/v1/live`);
    const ticks: { storeId: string; saleCount: number }[] = [];
    let snapshot = false;
    ws.on("message", (d) => {
      const m = JSON.parse(d.toString()) as { type: string; storeId: string; saleCount: number };
      if (m.type === "tick") ticks.push(m);
      if (m.type === "snapshot") snapshot = true;
    });
    await new Promise((r) => ws.once("open", r));
    ws.send(JSON.stringify({ subscribe: ["topo-1"] }));
    await waitFor(async () => snapshot, 10_000);

    const events = [saleEvent({ storeId: "topo-1" }), saleEvent({ storeId: "topo-1" }), saleEvent({ storeId: "topo-1" })];
    const r = await fetch(`${a.url}/v1/sales`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(events) });
    expect(r.status).toBe(202);
    await waitFor(async () => ticks.some((t) => t.storeId === "topo-1" && t.saleCount === 3), 20_000);

    const processed = async () => {
      const text = await (await fetch(`${a.url}/metrics`)).text();
      return [...text.matchAll(/^intraday_processed_events_total\{outcome="applied"\} (\d+)$/gm)].map((m) => Number(m[1]));
    };
    await waitFor(async () => (await processed()).includes(3), 10_000);
    expect(await processed()).toHaveLength(1); // one series after merging the two threads' registries
    // A burst of reads shares the worker's renders, and every read still gets the merged count.
    const burst = await Promise.all(Array.from({ length: 50 }, () => processed()));
    expect(burst.filter((series) => series.length === 1 && series[0] === 3)).toHaveLength(50);
    ws.close();

    // Graceful stop (the worker flushes and commits), restart: the minute counts each event exactly once.
    const exit = await a.sigterm();
    expect(exit.code).toBe(0);
    const b = await spawnServer({ env });
    const from = new Date(Date.now() - 10 * 60_000).toISOString();
    const to = new Date(Date.now() + 10 * 60_000).toISOString();
    const rows = (await (await fetch(`${b.url}/v1/stores/topo-1/minutes?from=${from}&to=${to}`)).json()) as { minutes: { saleCount: number }[] };
    expect(rows.minutes.reduce((n, m) => n + m.saleCount, 0)).toBe(3);
    expect((await b.sigterm()).code).toBe(0);
  });
});
