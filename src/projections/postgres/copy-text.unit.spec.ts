import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CopyTextBuffer } from "./copy-text.ts";

/** COPY text as the string formatting it replaced wrote it. */
const escaped = (s: string) => s.replace(/[\\\t\n\r]/g, (c) => ({ "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" })[c]!);
type Row = { text: string; int: number; at: number };
const asString = (rows: Row[]) => rows.map((r) => `${escaped(r.text)}\t${r.int}\t${new Date(r.at).toISOString()}\n`).join("");

describe("CopyTextBuffer", () => {
  it("writes rows byte for byte as escaped strings, String(n) and toISOString would", () => {
    const row = fc.record({
      text: fc.string({ unit: fc.oneof(fc.constantFrom("\\", "\t", "\n", "\r", "é", "🍎", "\ud800"), fc.string({ maxLength: 1 })), maxLength: 40 }),
      int: fc.maxSafeInteger(),
      at: fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 }), // years 1 to 9999
    });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 30 }), (rows) => {
        const out = new CopyTextBuffer(16); // small: the buffer grows many times
        for (const r of rows) out.text(r.text).int(r.int).timestamp(r.at).endRow();
        expect(out.bytes().equals(Buffer.from(asString(rows), "utf8"))).toBe(true); // what the string became on the wire
      }),
      { numRuns: 500 },
    );
  });

  it("writes the integers at the ends of the safe range and zero", () => {
    const out = new CopyTextBuffer();
    out.int(Number.MAX_SAFE_INTEGER).int(Number.MIN_SAFE_INTEGER).int(0).int(-0).endRow();
    expect(out.bytes().toString()).toBe(`${Number.MAX_SAFE_INTEGER}\t${Number.MIN_SAFE_INTEGER}\t0\t0\n`);
  });

  it("refuses a number that is not a safe integer instead of writing it inexactly", () => {
    for (const n of [1.5, 2 ** 53, Number.NaN, Infinity]) expect(() => new CopyTextBuffer().int(n)).toThrow(/not a safe integer/);
  });
});
