import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeEvent, MAX_LINES_PER_EVENT, SCHEMA_VERSION } from "./event.ts";
import { accepted, UUID, valid } from "./event.fixture.ts";
import { decodeLogRecord, decodeLogRecordSummary, encodeForLog, encodeLegacyJsonRecord, type RecordDecodeResult } from "./log-record.ts";

function reasonOf(value: string | null): string {
  const r = decodeLogRecord(value);
  if (r.ok) throw new Error(`expected a refusal, got ${JSON.stringify(r.event)}`);
  expect(decodeLogRecordSummary(value)).toEqual(r);
  return r.reason;
}

/** The window path's decode gives the full decode's verdict on the same value: its reason, or its event less the lines. */
function expectSummaryAgrees(value: string | null, full: RecordDecodeResult): void {
  const summary = decodeLogRecordSummary(value);
  if (!full.ok) return void expect(summary).toEqual(full);
  const { lines, ...rest } = full.event;
  expect(lines.length).toBeGreaterThan(0);
  expect(summary.ok && summary.event).toMatchObject(rest);
}

describe("S1 records (the format written)", () => {
  const event = accepted(valid({ totalMinor: 459 }));

  it("given an encoded event, when decoded, then it is the same event (round trip)", () => {
    expect(decodeLogRecord(encodeForLog(event))).toEqual({ ok: true, event });
  });

  it("given an encoded event, when decoded for the window path, then it is the event's summary, without the lines it sums", () => {
    const two = accepted(valid({ lines: [{ sku: "a", quantity: 2, unitPriceMinor: 150 }, { sku: "b", quantity: 1, unitPriceMinor: 159 }] }));
    const r = decodeLogRecordSummary(encodeForLog(two));
    if (!r.ok) throw new Error(r.reason);
    expect(r.event).not.toHaveProperty("lines.length");
    const { lines: _, ...summary } = two;
    expect(r.event).toEqual({ ...summary, totalMinor: 459, itemCount: 3 });
  });

  it("writes the fields tab-separated after the format tag, lines last, without a total", () => {
    expect(encodeForLog(event)).toBe(`S1\t${UUID}\tstore-1\t2026-11-27T10:15:30Z\tsale\tEUR\tapple\t3\t120\tpear\t1\t99`);
  });

  it("is less than half the size of the JSON record", () => {
    expect(encodeForLog(event).length).toBeLessThan(encodeLegacyJsonRecord(event).length / 2);
  });

  it("round-trips every text a sku may hold (quotes, backslashes, \\N, spaces, non-ASCII, astral)", () => {
    const skus = ['a"b', "back\\slash", "\\N", "with space", "ünïcödé", "日本語", "🍎🍐", "x".repeat(64)];
    const e = accepted(valid({ lines: skus.map((sku) => ({ sku, quantity: 1, unitPriceMinor: 1 })) }));
    expect(decodeLogRecord(encodeForLog(e))).toEqual({ ok: true, event: e });
  });

  it("holds a record to the Event v1 contract, naming the field", () => {
    const good = encodeForLog(event).split("\t");
    const withField = (i: number, v: string) => good.map((f, j) => (j === i ? v : f)).join("\t");
    expect(reasonOf(withField(1, "not-a-uuid"))).toBe("eventId: eventId must be a UUID");
    expect(reasonOf(withField(2, "store 1"))).toMatch(/^storeId: /);
    expect(reasonOf(withField(3, "0000-01-01T00:00:00Z"))).toMatch(/^occurredAt: /);
    expect(reasonOf(withField(4, "void"))).toMatch(/^type: /);
    expect(reasonOf(withField(5, "EURO"))).toMatch(/^currency: /);
    expect(reasonOf(withField(7, "0"))).toBe("lines.0.quantity: quantity must be at least 1");
    expect(reasonOf(withField(7, "-3"))).toBe("lines.0.quantity: quantity must be at least 1");
    expect(reasonOf(withField(7, "1.5"))).toBe("lines.0.quantity: quantity must be an integer");
    expect(reasonOf(withField(7, "03"))).toBe("lines.0.quantity: quantity must be an integer");
    expect(reasonOf(withField(8, ""))).toMatch(/^lines\.0\.unitPriceMinor: /);
    expect(reasonOf(withField(8, "99999999999999999999"))).toContain("lines.0.unitPriceMinor: unitPriceMinor is at most 1000000000000");
  });

  it("refuses a record whose field count is not 6 + 3 × lines, with bounded work past the line cap", () => {
    const good = encodeForLog(event);
    expect(reasonOf(good + "\textra")).toBe("S1 record must have 6 + 3 × lines fields (1–1000 lines), got 13 fields");
    expect(reasonOf(`S1\t${UUID}\tstore-1\t2026-11-27T10:15:30Z\tsale\tEUR`)).toMatch(/got 6 fields$/);
    const tooMany = `S1\t${UUID}\tstore-1\t2026-11-27T10:15:30Z\tsale\tEUR` + "\ta\t1\t1".repeat(MAX_LINES_PER_EVENT + 1);
    expect(reasonOf(tooMany)).toMatch(/1–1000 lines\), got 3009 fields$/);
  });

  it("refuses a value in neither format", () => {
    expect(reasonOf("S2\tsomething")).toMatch(/^unknown record format/);
    expect(reasonOf("")).toMatch(/^unknown record format/);
    expect(reasonOf("S1")).toMatch(/^unknown record format/);
  });

  // Without tabs in the fields (the contract refuses them, so an accepted event never has one), the
  // S1 text of any object decodes exactly as the object does: one contract, whatever the format.
  it("accepts the S1 text of an object exactly when the contract accepts the object, as the same event", () => {
    const odd = fc.string({ unit: fc.constantFrom("a", "Z", "0", "-", "_", " ", "é", "\u0000", "\u009f", "\ud800", "🍎", "\\", '"'), maxLength: 70 });
    // Mostly valid values of each field, sometimes anything: both acceptance and each refusal get exercised.
    const field = (...good: string[]) => fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: odd });
    const amount = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 10_000 }) }, { weight: 1, arbitrary: fc.constantFrom(-5, 0, 1e12, 1e12 + 1, 2 ** 53, 1.5, NaN, Infinity, 1e21) });
    const object = fc.record({
      eventId: field(UUID, UUID.toUpperCase(), "00000000-0000-0000-0000-000000000000"),
      storeId: field("store-1", "S_9", "a".repeat(64)),
      occurredAt: field("2026-11-27T10:15:30Z", "2026-11-27t10:15:30.5+01:00", "2000-01-01T00:00:00z"),
      type: field("sale", "refund"),
      currency: field("EUR", "JPY", "BHD"),
      lines: fc.array(fc.record({ sku: field("apple", "日本語 🍎", "\\N", 'a"b'), quantity: amount, unitPriceMinor: amount }), { minLength: 1, maxLength: 4 }),
    });
    let both = 0;
    fc.assert(
      fc.property(object, (o) => {
        const s1 = `S1\t${o.eventId}\t${o.storeId}\t${o.occurredAt}\t${o.type}\t${o.currency}` + o.lines.map((l) => `\t${l.sku}\t${l.quantity}\t${l.unitPriceMinor}`).join("");
        const fromObject = decodeEvent(o);
        const fromRecord = decodeLogRecord(s1);
        expectSummaryAgrees(s1, fromRecord);
        expect(fromRecord.ok).toBe(fromObject.ok);
        if (fromObject.ok && fromRecord.ok) {
          expect(fromRecord.event).toEqual(fromObject.event);
          both++;
        }
      }),
      { numRuns: 3000 },
    );
    expect(both).toBeGreaterThan(300);
  });

  it("never throws on any text, and whatever it accepts is a valid event that encodes back to the same record", () => {
    const tabbed = fc.array(fc.oneof(fc.string(), fc.constantFrom("S1", UUID, "store-1", "2026-11-27T10:15:30Z", "sale", "EUR", "1", "0")), { maxLength: 14 }).map((fs) => fs.join("\t"));
    fc.assert(
      fc.property(fc.oneof(fc.string(), tabbed, tabbed.map((t) => "S1\t" + t)), (value) => {
        const r = decodeLogRecord(value);
        expectSummaryAgrees(value, r);
        if (r.ok) {
          const { eventId, storeId, occurredAt, type, currency, lines } = r.event;
          expect(decodeEvent({ eventId, storeId, occurredAt, type, currency, lines }).ok).toBe(true);
          expect(decodeLogRecord(encodeForLog(r.event))).toEqual(r);
        } else {
          expect(r.reason.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe("JSON records (logs written before S1: read, never written)", () => {
  const event = accepted(valid({ totalMinor: 459 }));

  it("decodes to the same event as its S1 record", () => {
    expect(decodeLogRecord(encodeLegacyJsonRecord(event))).toEqual({ ok: true, event });
    expect(decodeLogRecord(encodeLegacyJsonRecord(event))).toEqual(decodeLogRecord(encodeForLog(event)));
  });

  it("given a record without schemaVersion, then it is refused even though the event is valid", () => {
    expect(reasonOf(JSON.stringify(valid()))).toBe(`unsupported or missing schemaVersion (expected ${SCHEMA_VERSION})`);
  });

  it.each([2, 0, "1", null])("given schemaVersion %j, then it is refused", (schemaVersion) => {
    expect(reasonOf(JSON.stringify(valid({ schemaVersion })))).toMatch(/schemaVersion/);
  });

  it.each(["{", "{'a':1}", "  {x"])("given the broken JSON %j, then the reason says so", (value) => {
    expect(reasonOf(value)).toMatch(/^not JSON: /);
  });

  it.each(["null", "42", '"text"', "[1]"])("given the non-object %j, then it is refused", (value) => {
    expect(decodeLogRecord(value).ok).toBe(false);
  });

  it("given a tombstone (null value), then it is refused", () => {
    expect(reasonOf(null)).toBe("record has no value");
  });

  it("given a versioned but invalid event, then the reason names each bad field", () => {
    const reason = reasonOf(JSON.stringify(valid({ schemaVersion: 1, currency: "eur", eventId: "x" })));
    expect(reason).toContain("currency: currency must be a 3-letter upper-case ISO 4217 code");
    expect(reason).toContain("eventId: eventId must be a UUID");
  });
});
