import { describe, expect, it } from "vitest";
import type { MinuteRow } from "../../domain/minute-row.ts";
import type { LateEvent } from "../../domain/store-windows.ts";
import { decodeChangelogRecord, encodeChangelogLate, encodeChangelogRow, latestPerKey, type ChangelogRow } from "./changelog-record.ts";

const row = (over: Partial<MinuteRow> = {}): MinuteRow => ({
  storeId: "s-1",
  minute: Date.UTC(2026, 10, 30, 10, 15),
  currency: "EUR",
  saleCount: 3,
  refundCount: 1,
  grossMinor: 1500,
  refundMinor: 250,
  itemCount: 4,
  firstEventAt: null,
  lastEventAt: null,
  partition: 2,
  offset: 41,
  revision: 0,
  provisional: false,
  eventIds: ["a", "b"],
  ...over,
});

/** Refused, with a reason that starts as expected and stays short enough for a dead-letter header. */
function expectRejected(value: Parameters<typeof decodeChangelogRecord>[0], reason: string): void {
  const d = decodeChangelogRecord(value);
  expect(d.ok).toBe(false);
  if (!d.ok) {
    expect(d.reason.startsWith(reason)).toBe(true);
    expect(d.reason.length).toBeLessThanOrEqual(300);
  }
}

describe("minute changelog records", () => {
  it("round-trips a row without its event ids", () => {
    const d = decodeChangelogRecord(encodeChangelogRow(row()));
    expect(d).toEqual({ ok: true, kind: "minute", row: { storeId: "s-1", minute: row().minute, currency: "EUR", saleCount: 3, refundCount: 1, grossMinor: 1500, refundMinor: 250, itemCount: 4, partition: 2, offset: 41, revision: 0, provisional: false } });
    expect(encodeChangelogRow(row())).not.toContain("eventIds");
  });

  it.each([
    [null, "minute changelog: empty record value"],
    ["{not json", "minute changelog: value is not JSON"],
    [JSON.stringify({ v: 2 }), "minute changelog: v: "],
    [encodeChangelogRow(row({ currency: "eur" })), "minute changelog: currency: currency must be 3 upper-case letters"],
    [encodeChangelogRow(row({ minute: 1234 })), "minute changelog: minute: minute must be the start of a UTC minute (ms)"],
    [encodeChangelogRow(row({ grossMinor: 1.5 })), "minute changelog: grossMinor: "],
    [JSON.stringify({ ...JSON.parse(encodeChangelogRow(row())), extra: 1 }), "minute changelog: "],
  ])("rejects %s with a specific reason", expectRejected);

  it("keeps the newest version of each key by (offset, revision), whatever the order", () => {
    const decode = (r: MinuteRow) => (decodeChangelogRecord(encodeChangelogRow(r)) as { ok: true; row: ChangelogRow }).row;
    const a0 = decode(row({ offset: 10, revision: 0, saleCount: 1 }));
    const a1 = decode(row({ offset: 10, revision: 1, saleCount: 2 }));
    const a2 = decode(row({ offset: 12, revision: 0, saleCount: 3 }));
    const b = decode(row({ currency: "USD", offset: 5 }));
    expect(latestPerKey([a2, a0, b, a1])).toEqual([a2, b]);
    expect(latestPerKey([a0, a1])).toEqual([a1]);
  });

  describe("late events (kind: late)", () => {
    const late = (over: Partial<LateEvent["event"]> = {}): LateEvent => ({
      event: {
        eventId: "7b0c3a3e-1f7e-4c55-9d61-0c6f3f1b2a10",
        storeId: "s-1",
        occurredAt: "2026-11-30T09:15:30+01:00",
        occurredAtMs: Date.UTC(2026, 10, 30, 8, 15, 30),
        type: "refund",
        currency: "JPY",
        totalMinor: 500,
        itemCount: 2,
        ...over,
      },
      partition: 1,
      offset: 77,
      appendTime: Date.UTC(2026, 10, 30, 10),
      reason: "beyond allowed lateness",
    });
    const encoded = (over: Record<string, unknown> = {}) => JSON.stringify({ ...JSON.parse(encodeChangelogLate(late())), ...over });

    it("round-trips what late_events holds (versioned, kind late, without the event's lines)", () => {
      const value = encodeChangelogLate(late());
      expect(JSON.parse(value)).toMatchObject({ v: 1, kind: "late" });
      expect(value).not.toContain("lines");
      expect(decodeChangelogRecord(value)).toEqual({
        ok: true,
        kind: "late",
        late: { eventId: "7b0c3a3e-1f7e-4c55-9d61-0c6f3f1b2a10", storeId: "s-1", occurredAt: "2026-11-30T09:15:30+01:00", type: "refund", currency: "JPY", totalMinor: 500, partition: 1, offset: 77, appendTime: Date.UTC(2026, 10, 30, 10), reason: "beyond allowed lateness" },
      });
    });

    it.each([
      [encoded({ v: 2 }), "minute changelog: late event: v: "],
      [encoded({ kind: "latest" }), 'minute changelog: kind: unknown record kind "latest"'],
      [encoded({ kind: 7 }), "minute changelog: kind: unknown record kind 7"],
      [encoded({ eventId: "x" }), "minute changelog: late event: eventId: eventId must be a UUID"],
      [encoded({ occurredAt: "2026-11-30 09:15" }), "minute changelog: late event: occurredAt: occurredAt must be an RFC 3339 date-time with an offset"],
      [encoded({ occurredAt: "2026-02-30T00:00:00Z" }), "minute changelog: late event: occurredAt: occurredAt is out of range"],
      [encoded({ type: "void" }), "minute changelog: late event: type: "],
      [encoded({ totalMinor: -1 }), "minute changelog: late event: totalMinor: "],
      [encoded({ offset: 1.5 }), "minute changelog: late event: offset: "],
      [encoded({ reason: "" }), "minute changelog: late event: reason: "],
      [encoded({ reason: "r".repeat(501) }), "minute changelog: late event: reason: "],
      [encoded({ lines: [] }), "minute changelog: late event: "],
      [JSON.stringify({ v: 1, kind: "late" }), "minute changelog: late event: eventId: "],
    ])("rejects %s with a specific reason", expectRejected);

    it("a minute row is never read as a late event, nor a late event as a row", () => {
      expect(decodeChangelogRecord(encodeChangelogRow(row()))).toMatchObject({ ok: true, kind: "minute" });
      expect(decodeChangelogRecord(encodeChangelogLate(late()))).toMatchObject({ ok: true, kind: "late" });
    });
  });
});
