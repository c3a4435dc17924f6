import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CopyBinaryBuffer } from "./copy-binary.ts";

type Row = { id: string; text: string; json: string; int4: number; int8: number; at: number };
const COLUMNS = 6;
const PG_EPOCH_MS = Date.UTC(2000, 0, 1);

/** Reads a binary COPY stream of Row columns back, the way PostgreSQL's docs define the format (BigInt for the 64-bit fields). */
function readRows(b: Buffer): Row[] {
  expect(b.subarray(0, 11).equals(Buffer.from("PGCOPY\n\xff\r\n\0", "latin1"))).toBe(true);
  expect(b.readInt32BE(11)).toBe(0); // flags
  expect(b.readInt32BE(15)).toBe(0); // header extension
  let at = 19;
  const rows: Row[] = [];
  for (;;) {
    const fields = b.readInt16BE(at);
    at += 2;
    if (fields === -1) break;
    expect(fields).toBe(COLUMNS);
    const field = () => {
      const n = b.readInt32BE(at);
      const bytes = b.subarray(at + 4, at + 4 + n);
      at += 4 + n;
      return bytes;
    };
    const id = field().toString("hex").replace(/^(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-");
    const text = field().toString("utf8");
    const jsonb = field();
    expect(jsonb[0]).toBe(1);
    const int4 = field().readInt32BE(0);
    const int8 = Number(field().readBigInt64BE(0));
    const micros = field().readBigInt64BE(0);
    expect(micros % 1000n).toBe(0n);
    rows.push({ id, text, json: jsonb.subarray(1).toString("utf8"), int4, int8, at: Number(micros / 1000n) + PG_EPOCH_MS });
  }
  expect(at).toBe(b.length);
  return rows;
}

const write = (rows: readonly Row[], expectedBytes?: number) => {
  const out = new CopyBinaryBuffer(expectedBytes);
  for (const r of rows) out.row(COLUMNS).uuid(r.id).text(r.text).jsonb(r.json).int4(r.int4).int8(r.int8).timestamptz(r.at);
  return out.end();
};

describe("CopyBinaryBuffer", () => {
  it("writes every field as PostgreSQL's binary COPY format defines it, whatever the buffer's start size", () => {
    const row = fc.record({
      id: fc.uuid().map((u) => u.toLowerCase()),
      text: fc.string({ unit: fc.oneof(fc.constantFrom("\\", "\t", "\n", "é", "🍎", "\u0000"), fc.string({ maxLength: 1 })), maxLength: 40 }),
      json: fc.json(),
      int4: fc.integer({ min: -2147483648, max: 2147483647 }),
      int8: fc.maxSafeInteger(),
      at: fc.integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 }), // years 1 to 9999
    });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 30 }), fc.constantFrom(16, 4096), (rows, size) => {
        expect(readRows(write(rows, size))).toEqual(rows);
      }),
      { numRuns: 500 },
    );
  });

  it("writes the ends of each range exactly: safe integers, 32-bit integers, instants", () => {
    const ends: Row[] = [
      { id: "00000000-0000-0000-0000-000000000000", text: "", json: "[]", int4: -2147483648, int8: Number.MIN_SAFE_INTEGER, at: -62_135_596_800_000 },
      { id: "ffffffff-ffff-ffff-ffff-ffffffffffff", text: "x", json: "{}", int4: 2147483647, int8: Number.MAX_SAFE_INTEGER, at: 253_402_300_799_999 },
      { id: "0189abcd-ef01-7234-8567-89abcdef0123", text: "y", json: "0", int4: 0, int8: -1, at: PG_EPOCH_MS - 1 },
    ];
    expect(readRows(write(ends))).toEqual(ends);
  });

  it("reads an upper-case uuid as its value", () => {
    const [r] = readRows(write([{ id: "0189ABCD-EF01-7234-8567-89ABCDEF0123", text: "", json: "1", int4: 0, int8: 0, at: 0 }]));
    expect(r!.id).toBe("0189abcd-ef01-7234-8567-89abcdef0123");
  });

  it("refuses a value its column type cannot hold, naming the field", () => {
    expect(() => new CopyBinaryBuffer().uuid("not-a-uuid")).toThrow(/uuid field: "not-a-uuid" is not a UUID/);
    for (const id of ["0189abcd-ef01-7234-8567-89abcdef012\u00e4", "0189abcd-ef01-7234-8567-89abcdef012g", "0189abcdef01-7234-8567-89abcdef01234", "0189abcd-ef01-7234-8567-89abcdef012"]) {
      expect(() => new CopyBinaryBuffer().uuid(id)).toThrow(/is not a UUID/);
    }
    expect(() => new CopyBinaryBuffer().int4(2147483648)).toThrow(/int4 field: 2147483648/);
    expect(() => new CopyBinaryBuffer().int4(1.5)).toThrow(/int4 field/);
    expect(() => new CopyBinaryBuffer().int8(2 ** 53)).toThrow(/int8 field/);
    expect(() => new CopyBinaryBuffer().timestamptz(Number.NaN)).toThrow(/timestamptz field/);
  });
});
