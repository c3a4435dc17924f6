import fc from "fast-check";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeEvent, type SaleEvent } from "../domain/event.ts";
import { canonicalPayload, fingerprintOf } from "./fingerprint.ts";
import { jsonNumber, jsonOfLines, jsonString } from "../shared/json-text.ts";

/** The formula fingerprints were first stored with: the hand-built text must hash to exactly this. */
function storedFormula(e: SaleEvent): bigint {
  const canonical = JSON.stringify([e.storeId, e.occurredAtMs, e.type, e.currency, e.lines.map((l) => [l.sku, l.quantity, l.unitPriceMinor])]);
  return createHash("sha256").update(canonical).digest().readBigInt64BE(0);
}

/** Any string (quotes, backslashes, control characters, lone surrogates, astral characters) and any number. */
const anyText = fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: fc.constantFrom('"', "\\", "\u0000", "\u001f", "\u007f", "\ud800", "\udc00", "é", "a") }), fc.uuid());
const anyNumber = fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.double(), fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1e21, 5e-7));
const anyEvent: fc.Arbitrary<SaleEvent> = fc.record({
  eventId: anyText,
  storeId: anyText,
  occurredAt: anyText,
  occurredAtMs: anyNumber,
  type: fc.constantFrom("sale", "refund") as fc.Arbitrary<SaleEvent["type"]>,
  currency: anyText,
  lines: fc.array(fc.record({ sku: anyText, quantity: anyNumber, unitPriceMinor: anyNumber }), { maxLength: 4 }),
  totalMinor: anyNumber,
  itemCount: anyNumber,
});

describe("hand-built JSON", () => {
  it("writes single values exactly as JSON.stringify does", () => {
    fc.assert(fc.property(anyText, (s) => {
      expect(jsonString(s)).toBe(JSON.stringify(s));
    }), { numRuns: 2000 });
    fc.assert(fc.property(anyNumber, (x) => {
      expect(jsonNumber(x)).toBe(JSON.stringify(x));
    }), { numRuns: 2000 });
  });

  it("writes an event's lines exactly as JSON.stringify does (raw history's jsonb column)", () => {
    fc.assert(fc.property(anyEvent, (e) => {
      expect(jsonOfLines(e.lines)).toBe(JSON.stringify(e.lines));
    }), { numRuns: 2000 });
  });

  it("fingerprints exactly as stored fingerprints were computed", () => {
    fc.assert(
      fc.property(anyEvent, (e) => {
        expect(canonicalPayload(e)).toBe(JSON.stringify([e.storeId, e.occurredAtMs, e.type, e.currency, e.lines.map((l) => [l.sku, l.quantity, l.unitPriceMinor])]));
        expect(fingerprintOf(e)).toBe(storedFormula(e));
      }),
      { numRuns: 1000 },
    );
  });

  it("keeps a fingerprint recorded by the first version (a retry after an upgrade is still a duplicate)", () => {
    const vector = JSON.parse(readFileSync(new URL("./fingerprint-v1.vector.json", import.meta.url), "utf8")) as { event: unknown; fingerprint: string };
    const r = decodeEvent(vector.event);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(fingerprintOf(r.event)).toBe(BigInt(vector.fingerprint));
  });
});
