import { describe, expect, it } from "vitest";
import type { LogRecord } from "../../event-log/ports.ts";
import type { MinuteRow } from "../../domain/minute-row.ts";
import { analyticsProjectionHandler } from "./analytics-projection.ts";
import type { ChangelogRow } from "./changelog-record.ts";
import { encodeChangelogRow } from "./changelog-record.ts";

const row = (offset: number, saleCount: number): MinuteRow => ({
  storeId: "s-1", minute: 60_000 * 100, currency: "EUR", saleCount, refundCount: 0, grossMinor: 100 * saleCount, refundMinor: 0, itemCount: saleCount,
  firstEventAt: null, lastEventAt: null, partition: 0, offset, revision: 0, provisional: false, eventIds: [],
});
const rec = (offset: number, value: string | null): LogRecord => ({ partition: 1, offset, key: "s-1", value, appendTime: 0 });

describe("analytics projection handler", () => {
  it("upserts the newest row per key, dead-letters bad records, and only then returns the next offset", async () => {
    const upserts: ChangelogRow[][] = [];
    const dead: [number, string][] = [];
    const h = analyticsProjectionHandler({ async upsertMinuteTotals(rows) { upserts.push([...rows]); } }, { async deadLetter(r, reason) { dead.push([r.offset, reason]); } });
    const next = await h.batch(1, [rec(7, encodeChangelogRow(row(3, 1))), rec(8, "garbage"), rec(9, encodeChangelogRow(row(5, 2)))]);
    expect(next).toBe(10);
    expect(upserts).toHaveLength(1);
    expect(upserts[0]!.map((r) => r.saleCount)).toEqual([2]);
    expect(dead).toEqual([[8, "minute changelog: value is not JSON"]]);
  });

  it("commits nothing when the upsert fails (PostgreSQL down): the batch throws and is retried", async () => {
    const h = analyticsProjectionHandler({ async upsertMinuteTotals() { throw new Error("connect ECONNREFUSED 127.0.0.1:5432"); } }, { async deadLetter() {} });
    await expect(h.batch(1, [rec(7, encodeChangelogRow(row(3, 1)))])).rejects.toThrow(/ECONNREFUSED/);
  });
});
