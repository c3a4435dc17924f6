import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EARLIEST_EVENT_MS, END_OF_EVENT_TIME_MS, parseRfc3339, RFC3339_PATTERN } from "./rfc3339.ts";

/** The first implementation (regex, then Date arithmetic): the parser must read every text as it did. */
function byPattern(text: string): number | undefined {
  const m = RFC3339_PATTERN.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  const offset = m[8]!;
  const offsetMin = offset === "Z" || offset === "z" ? 0 : (offset[0] === "-" ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
  const ms = m[7] ? Number(m[7].slice(1, 4).padEnd(3, "0")) : 0;
  const t = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMin * 60_000;
  return t >= EARLIEST_EVENT_MS && t < END_OF_EVENT_TIME_MS ? t : undefined;
}

const pad = (n: number, width: number) => String(n).padStart(width, "0");
/** Date-times near the valid shape: each part in and a little outside its range, every separator variant. */
const nearlyValid = fc
  .record({
    year: fc.oneof(fc.integer({ min: 1999, max: 2001 }), fc.integer({ min: 0, max: 9999 })),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.integer({ min: 0, max: 32 }),
    hour: fc.integer({ min: 0, max: 24 }),
    minute: fc.integer({ min: 0, max: 60 }),
    second: fc.integer({ min: 0, max: 61 }),
    fraction: fc.option(fc.stringMatching(/^\d{0,11}$/)),
    sep: fc.constantFrom("T", "t", " ", "_"),
    offset: fc.oneof(fc.constantFrom("Z", "z", "", "+00:00", "-00:00", "+23:59", "-23:59", "+24:00", "+05:60", "+0530", "+05:30x"), fc.tuple(fc.constantFrom("+", "-"), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 })).map(([s, h, m]) => `${s}${pad(h, 2)}:${pad(m, 2)}`)),
  })
  .map((p) => `${pad(p.year, 4)}-${pad(p.month, 2)}-${pad(p.day, 2)}${p.sep}${pad(p.hour, 2)}:${pad(p.minute, 2)}:${pad(p.second, 2)}${p.fraction === null ? "" : `.${p.fraction}`}${p.offset}`);

describe("parseRfc3339", () => {
  it("reads every text exactly as the pattern and Date arithmetic do", () => {
    fc.assert(
      fc.property(fc.oneof(nearlyValid, fc.string(), fc.string({ unit: fc.constantFrom("0", "1", "2", "9", "-", ":", "T", "Z", ".", "+") })), (text) => {
        expect(parseRfc3339(text)).toBe(byPattern(text));
      }),
      { numRuns: 20_000 },
    );
  });

  it.each([
    ["2026-11-27T10:15:30Z", Date.UTC(2026, 10, 27, 10, 15, 30)],
    ["2026-11-27t10:15:30.123456789+01:30", Date.UTC(2026, 10, 27, 8, 45, 30, 123)],
    ["2024-02-29T00:00:00.5-00:00", Date.UTC(2024, 1, 29, 0, 0, 0, 500)],
    ["2000-01-01T00:00:00Z", EARLIEST_EVENT_MS],
  ])("%s", (text, ms) => {
    expect(parseRfc3339(text)).toBe(ms);
  });

  it.each(["2025-02-29T00:00:00Z", "2026-11-27T10:15:60Z", "1999-12-31T23:59:59Z", "2000-01-01T00:30:00+01:00", "2026-11-27T10:15:30.Z", "2026-11-27T10:15:30.1234567890Z", "2026-11-27T10:15:30"])(
    "refuses %s",
    (text) => {
      expect(parseRfc3339(text)).toBeUndefined();
    },
  );
});
