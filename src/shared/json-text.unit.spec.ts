import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonNumber, jsonOfLines, jsonString } from "./json-text.ts";
import { anyEvent, anyNumber, anyText } from "./json-text.fixture.ts";

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
});
