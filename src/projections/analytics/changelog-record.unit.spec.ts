import { describe, expect, it } from "vitest";
import type { MinuteRow } from "../../domain/minute-row.ts";
import { decodeChangelogRow, encodeChangelogRow, latestPerKey } from "./changelog-record.ts";

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

describe("minute changelog records", () => {
  it("round-trips a row without its event ids", () => {
    const d = decodeChangelogRow(encodeChangelogRow(row()));
    expect(d).toEqual({ ok: true, row: { storeId: "s-1", minute: row().minute, currency: "EUR", saleCount: 3, refundCount: 1, grossMinor: 1500, refundMinor: 250, itemCount: 4, partition: 2, offset: 41, revision: 0, provisional: false } });
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
  ])("rejects %s with a specific reason", (value, reason) => {
    const d = decodeChangelogRow(value);
    expect(d.ok).toBe(false);
    if (!d.ok) {
      expect(d.reason.startsWith(reason)).toBe(true);
      expect(d.reason.length).toBeLessThanOrEqual(300);
    }
  });

  it("keeps the newest version of each key by (offset, revision), whatever the order", () => {
    const decode = (r: MinuteRow) => (decodeChangelogRow(encodeChangelogRow(r)) as { ok: true; row: ReturnType<typeof latestPerKey>[number] }).row;
    const a0 = decode(row({ offset: 10, revision: 0, saleCount: 1 }));
    const a1 = decode(row({ offset: 10, revision: 1, saleCount: 2 }));
    const a2 = decode(row({ offset: 12, revision: 0, saleCount: 3 }));
    const b = decode(row({ currency: "USD", offset: 5 }));
    expect(latestPerKey([a2, a0, b, a1])).toEqual([a2, b]);
    expect(latestPerKey([a0, a1])).toEqual([a1]);
  });
});
