import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { MinuteRow } from "../../src/domain/minute-row.ts";
import { partitionTotalsOfRows, type PartitionTotalsRow } from "../../src/domain/partition-totals.ts";
import { MINUTE_MS } from "../../src/domain/time.ts";
import { SqliteProjections } from "../../src/projections/embedded/sqlite-projections.ts";
import { MemoryProjections } from "../support/memory-projections.ts";
import { projectionContract } from "./minute-projection.contract.ts";

projectionContract("in-memory", async () => {
  const m = new MemoryProjections();
  return { minutes: m, late: m, history: m, close: () => m.close() };
});

projectionContract("embedded SQLite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "intraday-contract-"));
  const s = new SqliteProjections(dir);
  return {
    minutes: s.minutes,
    late: s.late,
    history: s.rawHistory,
    async close() {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe("embedded SQLite: layout 2 → 3", () => {
  it("a data directory from before partition totals gets them summed from its rows, once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "intraday-migrate-"));
    try {
      const m = Date.UTC(2026, 0, 1, 10, 0);
      const row = (storeId: string, partition: number, offset: number, provisional: boolean, currency = "EUR"): MinuteRow => ({
        storeId, minute: m, currency, saleCount: 1, refundCount: 1, grossMinor: 100 + offset, refundMinor: 7, itemCount: 2,
        firstEventAt: m + offset, lastEventAt: m + 1000 + offset, partition, offset, revision: 1, provisional, eventIds: [`id-${storeId}-${offset}`],
      });
      const rows = [row("a", 0, 3, false), row("b", 0, 8, true), row("c", 1, 5, false), row("a", 0, 4, false, "USD")];
      const s1 = new SqliteProjections(dir);
      await s1.minutes.writeRows(rows);
      await s1.close();
      const db = new Database(join(dir, "projections.sqlite"));
      db.exec("DROP TABLE partition_totals");
      db.pragma("user_version = 2");
      db.close();
      const s2 = new SqliteProjections(dir);
      const sort = (t: PartitionTotalsRow[]) => [...t].sort((a, b) => a.partition - b.partition || (a.currency < b.currency ? -1 : 1));
      expect(sort(await s2.minutes.partitionTotals(m, m + MINUTE_MS))).toEqual(sort(partitionTotalsOfRows(rows)));
      await s2.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
