import fc from "fast-check";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeEvent, type SaleEvent } from "../domain/event.ts";
import { anyEvent } from "../shared/json-text.fixture.ts";
import { canonicalPayload, fingerprintOf } from "./fingerprint.ts";

/** The formula fingerprints were first stored with: the hand-built text must hash to exactly this. */
function storedFormula(e: SaleEvent): bigint {
  const canonical = JSON.stringify([e.storeId, e.occurredAtMs, e.type, e.currency, e.lines.map((l) => [l.sku, l.quantity, l.unitPriceMinor])]);
  return createHash("sha256").update(canonical).digest().readBigInt64BE(0);
}

describe("event fingerprints", () => {
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
