import { describe, expect, it } from "vitest";
import type { LateEvent } from "../../domain/store-windows.ts";
import type { LogRecord } from "../../event-log/ports.ts";
import type { MinuteRow } from "../../domain/minute-row.ts";
import type { LateEventRecord } from "../ports.ts";
import { analyticsProjectionHandler, type AnalyticsSink } from "./analytics-projection.ts";
import type { ChangelogRow } from "./changelog-record.ts";
import { encodeChangelogLate, encodeChangelogRow } from "./changelog-record.ts";

const row = (offset: number, saleCount: number): MinuteRow => ({
  storeId: "s-1", minute: 60_000 * 100, currency: "EUR", saleCount, refundCount: 0, grossMinor: 100 * saleCount, refundMinor: 0, itemCount: saleCount,
  firstEventAt: null, lastEventAt: null, partition: 0, offset, revision: 0, provisional: false, eventIds: [],
});
const late = (offset: number): LateEvent => ({
  event: { eventId: `0b0c3a3e-1f7e-4c55-9d61-0c6f3f1b2a${String(offset).padStart(2, "0")}`, storeId: "s-1", occurredAt: "2026-11-30T08:00:00.000Z", occurredAtMs: Date.UTC(2026, 10, 30, 8), type: "sale", currency: "EUR", totalMinor: 300, itemCount: 1 },
  partition: 0, offset, appendTime: Date.UTC(2026, 10, 30, 10), reason: "beyond allowed lateness",
});
const rec = (offset: number, value: string | null): LogRecord => ({ partition: 1, offset, key: "s-1", value, appendTime: 0 });

function recordingSink(fail?: Error): AnalyticsSink & { upserts: ChangelogRow[][]; late: LateEventRecord[][] } {
  const upserts: ChangelogRow[][] = [];
  const lateBatches: LateEventRecord[][] = [];
  return {
    upserts,
    late: lateBatches,
    async upsertMinuteTotals(rows) {
      if (fail) throw fail;
      upserts.push([...rows]);
    },
    async insertLateEvents(recs) {
      if (fail) throw fail;
      lateBatches.push([...recs]);
    },
  };
}

describe("analytics projection handler", () => {
  it("upserts the newest row per key, dead-letters bad records, and only then returns the next offset", async () => {
    const sink = recordingSink();
    const dead: [number, string][] = [];
    const h = analyticsProjectionHandler(sink, { async deadLetter(r, reason) { dead.push([r.offset, reason]); } });
    const next = await h.batch(1, [rec(7, encodeChangelogRow(row(3, 1))), rec(8, "garbage"), rec(9, encodeChangelogRow(row(5, 2)))]);
    expect(next).toBe(10);
    expect(sink.upserts).toHaveLength(1);
    expect(sink.upserts[0]!.map((r) => r.saleCount)).toEqual([2]);
    expect(sink.late).toEqual([]);
    expect(dead).toEqual([[8, "minute changelog: value is not JSON"]]);
  });

  it("records the late events of a batch next to its minute rows; a bad late record is dead-lettered with its reason", async () => {
    const sink = recordingSink();
    const dead: [number, string][] = [];
    const h = analyticsProjectionHandler(sink, { async deadLetter(r, reason) { dead.push([r.offset, reason]); } });
    const badLate = JSON.stringify({ ...JSON.parse(encodeChangelogLate(late(4))), eventId: "not-a-uuid" });
    const next = await h.batch(1, [rec(20, encodeChangelogLate(late(3))), rec(21, encodeChangelogRow(row(2, 1))), rec(22, badLate), rec(23, encodeChangelogLate(late(5)))]);
    expect(next).toBe(24);
    expect(sink.upserts.map((b) => b.map((r) => r.offset))).toEqual([[2]]);
    expect(sink.late.map((b) => b.map((r) => [r.partition, r.offset, r.eventId, r.totalMinor, r.reason]))).toEqual([
      [
        [0, 3, late(3).event.eventId, 300, "beyond allowed lateness"],
        [0, 5, late(5).event.eventId, 300, "beyond allowed lateness"],
      ],
    ]);
    expect(dead).toEqual([[22, "minute changelog: late event: eventId: eventId must be a UUID"]]);
  });

  it("commits nothing when a write fails (PostgreSQL down): the batch throws and is retried", async () => {
    const h = analyticsProjectionHandler(recordingSink(new Error("connect ECONNREFUSED 127.0.0.1:5432")), { async deadLetter() {} });
    await expect(h.batch(1, [rec(7, encodeChangelogRow(row(3, 1)))])).rejects.toThrow(/ECONNREFUSED/);
    await expect(h.batch(1, [rec(8, encodeChangelogLate(late(4)))])).rejects.toThrow(/ECONNREFUSED/);
  });
});
