import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { accepted, UUID, valid } from "./event.fixture.ts";
import {
  decodeEvent,
  fastPathDecode,
  MAX_EVENT_TOTAL_MINOR,
  saleEventV1,
  toSaleEvent,
} from "./event.ts";

function issuesOf(value: unknown): { path: string; message: string }[] {
  const r = decodeEvent(value);
  if (r.ok) throw new Error(`expected a rejection, got ${JSON.stringify(r.event)}`);
  return r.issues.map(({ path, message }) => ({ path, message }));
}


describe("event v1 validation", () => {
  it("given a valid sale, then it decodes with the derived total and item count", () => {
    const e = accepted(valid());
    expect(e).toMatchObject({ eventId: UUID, storeId: "store-1", type: "sale", currency: "EUR", totalMinor: 3 * 120 + 99, itemCount: 4 });
    expect(e.occurredAtMs).toBe(Date.UTC(2026, 10, 27, 10, 15, 30));
  });

  describe("eventId", () => {
    it.each(["", "not-a-uuid", "3f2c1a9e8b7d4c6e9f0123456789abcd", "3f2c1a9e-8b7d-4c6e-9f01-23456789abc", "3f2c1a9e-8b7d-4c6e-9f01-23456789abcg"])(
      "rejects %j",
      (eventId) => {
        expect(issuesOf(valid({ eventId }))).toEqual([{ path: "eventId", message: "eventId must be a UUID" }]);
      },
    );
    it("rejects a missing eventId and a number", () => {
      expect(issuesOf(valid({ eventId: undefined }))[0]!.path).toBe("eventId");
      expect(issuesOf(valid({ eventId: 42 }))[0]!.path).toBe("eventId");
    });
    it("given an upper-case UUID, then it is normalised to lower case (so dedupe is case-insensitive)", () => {
      expect(accepted(valid({ eventId: UUID.toUpperCase() })).eventId).toBe(UUID);
    });
  });

  describe("storeId", () => {
    it.each(["a", "A-z_09", "x".repeat(64)])("accepts %j", (storeId) => {
      expect(accepted(valid({ storeId })).storeId).toBe(storeId);
    });
    it.each(["", "x".repeat(65), "store 1", "store/1", "störe", "store.1", "store|1", "a,b"])("rejects %j", (storeId) => {
      expect(issuesOf(valid({ storeId }))).toEqual([{ path: "storeId", message: "storeId must be 1–64 characters of A-Z a-z 0-9 _ -" }]);
    });
  });

  describe("occurredAt (RFC 3339 with an offset)", () => {
    it.each([
      ["2026-11-27T10:15:30Z", Date.UTC(2026, 10, 27, 10, 15, 30)],
      ["2026-11-27T12:15:30+02:00", Date.UTC(2026, 10, 27, 10, 15, 30)],
      ["2026-11-27T05:45:30.250-04:30", Date.UTC(2026, 10, 27, 10, 15, 30, 250)],
    ])("accepts %j as the instant it denotes", (occurredAt, ms) => {
      const e = accepted(valid({ occurredAt }));
      expect(e.occurredAtMs).toBe(ms);
      expect(e.occurredAt).toBe(occurredAt);
    });
    it.each([
      "2026-11-27T10:15:30", // no offset
      "2026-11-27", // date only
      "2026-11-27 10:15:30Z", // space separator
      "2026-11-27T10:15:30+0200", // offset without colon
      "2026-02-30T10:15:30Z", // no such day
      "2026-13-01T10:15:30Z", // no such month
      "2026-11-27T24:00:00Z",
      "27/11/2026 10:15",
      "1764238530000",
    ])("rejects %j", (occurredAt) => {
      expect(issuesOf(valid({ occurredAt })).map((i) => i.path)).toEqual(["occurredAt"]);
    });
    it("rejects a number (epoch ms)", () => {
      expect(issuesOf(valid({ occurredAt: Date.UTC(2026, 0, 1) })).map((i) => i.path)).toEqual(["occurredAt"]);
    });
  });

  describe("type", () => {
    it("accepts a refund, whose amounts are positive", () => {
      const e = accepted(valid({ type: "refund" }));
      expect(e.type).toBe("refund");
      expect(e.totalMinor).toBe(459);
    });
    it.each(["Sale", "return", "", null])("rejects %j", (type) => {
      expect(issuesOf(valid({ type }))).toEqual([{ path: "type", message: 'type must be "sale" or "refund"' }]);
    });
  });

  describe("currency", () => {
    it.each(["EUR", "USD", "JPY", "CHF"])("accepts %j", (currency) => {
      expect(accepted(valid({ currency })).currency).toBe(currency);
    });
    it.each(["eur", "Eur", "EURO", "EU", "E1R", ""])("rejects the malformed %j with one message", (currency) => {
      expect(issuesOf(valid({ currency }))).toEqual([{ path: "currency", message: "currency must be a 3-letter upper-case ISO 4217 code" }]);
    });
    it.each(["ABC", "XXY", "EUX"])("rejects the well-formed but unknown %j", (currency) => {
      expect(issuesOf(valid({ currency }))).toEqual([{ path: "currency", message: "currency is not an ISO 4217 code" }]);
    });
  });

  describe("lines", () => {
    it("rejects an empty list and a missing list", () => {
      expect(issuesOf(valid({ lines: [] }))).toEqual([{ path: "lines", message: "lines must not be empty" }]);
      expect(issuesOf(valid({ lines: undefined })).map((i) => i.path)).toEqual(["lines"]);
    });
    it.each([0, -1, 1.5, "2", null])("rejects quantity %j", (quantity) => {
      expect(issuesOf(valid({ lines: [{ sku: "a", quantity, unitPriceMinor: 1 }] })).map((i) => i.path)).toEqual(["lines.0.quantity"]);
    });
    it("accepts quantity 1 and unitPriceMinor 0 (a free item counts as an item)", () => {
      const e = accepted(valid({ lines: [{ sku: "gift", quantity: 1, unitPriceMinor: 0 }] }));
      expect([e.totalMinor, e.itemCount]).toEqual([0, 1]);
    });
    it.each([-1, 0.5, 1e-9, "100", null, Number.NaN, Number.POSITIVE_INFINITY])("rejects unitPriceMinor %j", (unitPriceMinor) => {
      expect(issuesOf(valid({ lines: [{ sku: "a", quantity: 1, unitPriceMinor }] })).map((i) => i.path)).toEqual(["lines.0.unitPriceMinor"]);
    });
    it("names the line at fault", () => {
      const lines = [
        { sku: "a", quantity: 1, unitPriceMinor: 1 },
        { sku: "b", quantity: 0, unitPriceMinor: 1 },
      ];
      expect(issuesOf(valid({ lines }))).toEqual([{ path: "lines.1.quantity", message: "quantity must be at least 1" }]);
    });
    it("rejects an empty sku and an unknown field in a line", () => {
      expect(issuesOf(valid({ lines: [{ sku: "", quantity: 1, unitPriceMinor: 1 }] })).map((i) => i.path)).toEqual(["lines.0.sku"]);
      expect(issuesOf(valid({ lines: [{ sku: "a", quantity: 1, unitPriceMinor: 1, discount: 5 }] }))).toEqual([
        { path: "lines.0", message: "unknown field(s): discount" },
      ]);
    });
    it("rejects an event whose total would not be an exact sum", () => {
      const lines = [{ sku: "a", quantity: 1_000_000, unitPriceMinor: MAX_EVENT_TOTAL_MINOR }];
      expect(issuesOf(valid({ lines }))).toEqual([{ path: "lines", message: `event total exceeds ${MAX_EVENT_TOTAL_MINOR} minor units` }]);
    });
  });

  describe("totalMinor", () => {
    it("given it equals Σ quantity × unitPriceMinor, then it is accepted", () => {
      expect(accepted(valid({ totalMinor: 459 })).totalMinor).toBe(459);
    });
    it.each([458, 460, 0])("given %j ≠ 459, then it is rejected naming both numbers", (totalMinor) => {
      expect(issuesOf(valid({ totalMinor }))).toEqual([{ path: "totalMinor", message: `totalMinor ${totalMinor} does not equal the sum of lines 459` }]);
    });
    it.each([459.5, -459, "459"])("rejects the non-integer or negative %j", (totalMinor) => {
      expect(issuesOf(valid({ totalMinor })).map((i) => i.path)).toContain("totalMinor");
    });
  });

  describe("shape", () => {
    it("rejects unknown fields, naming them", () => {
      expect(issuesOf(valid({ amount: 5, note: "x" }))).toEqual([{ path: "(event)", message: "unknown field(s): amount, note" }]);
    });
    it.each([null, 42, "event", [], true])("rejects the non-object %j", (value) => {
      expect(issuesOf(value)).toHaveLength(1);
    });
    it("reports every problem of one event, with the index given", () => {
      const r = decodeEvent(valid({ eventId: "x", currency: "eur", lines: [] }), 7);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.issues.map((i) => [i.index, i.path]).sort()).toEqual([
        [7, "currency"],
        [7, "eventId"],
        [7, "lines"],
      ]);
    });
    it("accepts schemaVersion 1 and rejects any other version", () => {
      expect(accepted(valid({ schemaVersion: 1 })).eventId).toBe(UUID);
      expect(issuesOf(valid({ schemaVersion: 2 })).map((i) => i.path)).toEqual(["schemaVersion"]);
    });
  });
});

describe("the hand-written fast path of decodeEvent", () => {
  /** The first value (a valid one, or absent where that is valid) most of the time, else any of the others. */
  const pick = <T>(first: T, ...rest: T[]) =>
    fc.oneof({ weight: 5, arbitrary: fc.constant(first) }, { weight: 1, arbitrary: fc.constantFrom(first, ...rest) });
  const ABSENT = Symbol("absent");
  const line = fc.record({
    sku: pick<unknown>("a", "", "x".repeat(64), "x".repeat(65), "😀".repeat(64), "a\u0000", "a\u001f", "a\u0085", "a\uD800", "\uDC00b", "é", 7, ABSENT),
    quantity: pick<unknown>(1, 2, 0, -1, 1.5, 1_000_000, 1_000_001, "1", null, ABSENT),
    unitPriceMinor: pick<unknown>(0, -0, 1, 99, -1, 0.5, 2 ** 53, MAX_EVENT_TOTAL_MINOR, MAX_EVENT_TOTAL_MINOR + 1, "5", null, ABSENT),
    extra: pick<unknown>(ABSENT, 1),
  });
  const candidate = fc.record({
    schemaVersion: pick<unknown>(ABSENT, 1, 2, "1", null),
    eventId: pick<unknown>(
      UUID,
      UUID.toUpperCase(),
      "00000000-0000-0000-0000-000000000000",
      "ffffffff-ffff-ffff-ffff-ffffffffffff",
      "0190a6b2-7c3d-7e4f-8a5b-6c7d8e9fa0b1",
      "3f2c1a9e-8b7d-4c6e-7f01-23456789abcd",
      "3f2c1a9e-8b7d-9c6e-9f01-23456789abcd",
      "{3f2c1a9e-8b7d-4c6e-9f01-23456789abcd}",
      `${UUID}\n`,
      "3f2c1a9e8b7d4c6e9f0123456789abcd",
      42,
      ABSENT,
    ),
    storeId: pick<unknown>("store-1", "A_z-9", "x".repeat(64), "x".repeat(65), "", "st ore", "störe", "s\n", 5, ABSENT),
    occurredAt: pick<unknown>(
      "2026-11-27T10:15:30Z",
      "2026-11-27T10:15:30.5+02:00",
      "2026-11-27T10:15:30.123456789-04:30",
      "2026-11-27T10:15:30-00:00",
      "2024-02-29T00:00:00Z",
      "2026-02-29T00:00:00Z",
      "2026-04-31T00:00:00Z",
      "2026-11-27T23:59:60Z",
      "2026-11-27T10:15Z",
      "2026-11-27T10:15:30",
      "2026-11-27t10:15:30z",
      "0000-01-01T00:00:00Z",
      "1999-12-31T23:59:59Z",
      "2000-01-01T00:30:00+01:00",
      "9999-12-31T23:59:59Z",
      "9999-12-31T23:00:00-05:00",
      "2026-11-27T10:15:30Z\n",
      "2026-11-27T10:15:30+24:00",
      "2026-11-27T10:15:30+02",
      0,
      ABSENT,
    ),
    type: pick<unknown>("sale", "refund", "Sale", "", ABSENT),
    currency: pick<unknown>("EUR", "JPY", "eur", "XYZ", "EUR\n", "EURO", 978, ABSENT),
    lines: fc.oneof({ weight: 8, arbitrary: fc.array(line, { minLength: 1, maxLength: 3 }) }, { weight: 1, arbitrary: fc.constantFrom<unknown>([], ABSENT, "lines", {}) }),
    totalMinor: pick<unknown>(ABSENT, "sum", "sum+1", -0, 0.5, "10", null),
    extra: pick<unknown>(ABSENT, "x"),
  });

  function build(c: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(c)) {
      if (v === ABSENT) continue;
      if (k === "lines" && Array.isArray(v)) {
        out.lines = v.map((l: Record<string, unknown>) => Object.fromEntries(Object.entries(l).filter(([, x]) => x !== ABSENT)));
      } else out[k] = v;
    }
    if (c.totalMinor === "sum" || c.totalMinor === "sum+1") {
      let sum = 0;
      for (const l of (Array.isArray(out.lines) ? out.lines : []) as { quantity?: unknown; unitPriceMinor?: unknown }[]) {
        if (typeof l.quantity === "number" && typeof l.unitPriceMinor === "number") sum += l.quantity * l.unitPriceMinor;
      }
      out.totalMinor = c.totalMinor === "sum" ? sum : sum + 1;
    }
    return out;
  }

  it("property: whatever it accepts, zod accepts too, with the same decoded event (it never widens the contract)", () => {
    let fastHits = 0;
    fc.assert(
      fc.property(candidate, fc.boolean(), (c, viaJson) => {
        const built = build(c);
        const value: unknown = viaJson ? JSON.parse(JSON.stringify(built)) : built;
        const fast = fastPathDecode(value);
        const zod = saleEventV1.safeParse(value);
        if (fast !== null) {
          fastHits++;
          expect(zod.success).toBe(true);
          if (zod.success) expect(fast).toEqual(toSaleEvent(zod.data));
        }
        expect(decodeEvent(value).ok).toBe(zod.success);
      }),
      { numRuns: 5000 },
    );
    expect(fastHits).toBeGreaterThan(50); // the generator does reach the fast path
  }, 60_000); // 5,000 runs through zod: ~2 s alone, several times that on a shared machine

  it("given a JSON object with a __proto__ key, then it is not taken as a valid event", () => {
    const value: unknown = JSON.parse(`{"__proto__": {"x": 1}, ${JSON.stringify(valid()).slice(1)}`);
    expect(fastPathDecode(value)).toBeNull();
    expect(decodeEvent(value).ok).toBe(false);
  });
});

describe("what every store can hold (issue 7: a record that stalls a partition must not be accepted)", () => {
  it.each([
    ["a NUL in the sku (PostgreSQL jsonb refuses \\u0000)", { lines: [{ sku: "a\u0000b", quantity: 1, unitPriceMinor: 1 }] }, "lines.0.sku"],
    ["a control character in the sku", { lines: [{ sku: "a\u0007", quantity: 1, unitPriceMinor: 1 }] }, "lines.0.sku"],
    ["a C1 control character in the sku", { lines: [{ sku: "a\u009b", quantity: 1, unitPriceMinor: 1 }] }, "lines.0.sku"],
    ["a lone high surrogate in the sku", { lines: [{ sku: "a\uD83D", quantity: 1, unitPriceMinor: 1 }] }, "lines.0.sku"],
    ["a lone low surrogate in the sku", { lines: [{ sku: "\uDE00", quantity: 1, unitPriceMinor: 1 }] }, "lines.0.sku"],
    ["65 code points of sku", { lines: [{ sku: "é".repeat(65), quantity: 1, unitPriceMinor: 1 }] }, "lines.0.sku"],
    ["year 0000 (outside PostgreSQL timestamptz)", { occurredAt: "0000-01-01T00:00:00Z" }, "occurredAt"],
    ["year 1999", { occurredAt: "1999-12-31T23:59:59Z" }, "occurredAt"],
    ["2000-01-01 local that is 1999 in UTC", { occurredAt: "2000-01-01T00:30:00+01:00" }, "occurredAt"],
    ["9999-12-31 local that is year 10000 in UTC", { occurredAt: "9999-12-31T23:00:00-05:00" }, "occurredAt"],
    ["a leap second", { occurredAt: "2026-12-31T23:59:60Z" }, "occurredAt"],
    ["an offset of 24 hours", { occurredAt: "2026-11-27T10:15:30+24:00" }, "occurredAt"],
    ["unitPriceMinor over 10^12", { lines: [{ sku: "a", quantity: 1, unitPriceMinor: MAX_EVENT_TOTAL_MINOR + 1 }] }, "lines.0.unitPriceMinor"],
    ["totalMinor over 10^12", { totalMinor: MAX_EVENT_TOTAL_MINOR + 1 }, "totalMinor"],
    ["lines whose product passes 10^12", { lines: [{ sku: "a", quantity: 2, unitPriceMinor: MAX_EVENT_TOTAL_MINOR / 2 + 1 }] }, "lines"],
  ])("rejects %s", (_name, over, path) => {
    const r = decodeEvent(valid(over));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.path)).toContain(path);
  });

  it.each([
    ["lower-case t and z (valid RFC 3339)", { occurredAt: "2026-11-27t10:15:30z" }],
    ["the first instant of year 2000", { occurredAt: "2000-01-01T00:00:00Z" }],
    ["the last second of year 9999", { occurredAt: "9999-12-31T23:59:59.999Z" }],
    ["an emoji and accents in the sku (pairs are not lone surrogates)", { lines: [{ sku: "café-😀", quantity: 1, unitPriceMinor: 1 }] }],
    ["exactly 10^12 in one line", { lines: [{ sku: "a", quantity: 1, unitPriceMinor: MAX_EVENT_TOTAL_MINOR }], totalMinor: MAX_EVENT_TOTAL_MINOR }],
  ])("accepts %s", (_name, over) => {
    const r = decodeEvent(valid(over));
    expect(r.ok, JSON.stringify(r)).toBe(true);
  });

  it("normalises lower-case t/z so every store gets the canonical form", () => {
    const r = decodeEvent(valid({ occurredAt: "2026-11-27t10:15:30.5z" }));
    expect(r.ok && r.event.occurredAt).toBe("2026-11-27T10:15:30.5Z");
    expect(r.ok && r.event.occurredAtMs).toBe(Date.UTC(2026, 10, 27, 10, 15, 30, 500));
  });

  it("too many lines is one issue, without validating each line (bounded work)", () => {
    const lines = Array.from({ length: 5000 }, () => ({}));
    const r = decodeEvent(valid({ lines }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues).toEqual([{ index: 0, path: "lines", message: "at most 1000 lines per event (got 5000)" }]);
  });
});
