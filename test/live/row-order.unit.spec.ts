import { describe, expect, it } from "vitest";
import { isNewerAggregate, isNewerRow, type RowVersion } from "../../src/domain/windows.ts";

/** The live page's copy of the domain's "which version is newer" rules (it cannot import TypeScript). */
interface PageRules {
  isNewerRow(prev: RowVersion | undefined, next: RowVersion): boolean;
  isNewerAggregate(prev: { version: number } | undefined, next: { version: number }): boolean;
}
const page = (await import(new URL("../../src/api/public/js/row-order.js", import.meta.url).href)) as PageRules;

const versions: RowVersion[] = [3, 4, 5].flatMap((offset) => [true, false].map((provisional) => ({ offset, provisional })));
const rowCases = [undefined, ...versions].flatMap((prev) => versions.map((next) => [prev, next] as const));
const aggregateCases = [undefined, 5, 6, 7].flatMap((prev) => [5, 6, 7].map((next) => [prev === undefined ? undefined : { version: prev }, { version: next }] as const));

describe("the live page orders row versions exactly as the domain does (src/domain/windows.ts)", () => {
  it.each(rowCases)("store row: prev %j, next %j", (prev, next) => {
    expect(page.isNewerRow(prev, next)).toBe(isNewerRow(prev, next));
  });

  it.each(aggregateCases)("all-stores minute: prev %j, next %j", (prev, next) => {
    expect(page.isNewerAggregate(prev, next)).toBe(isNewerAggregate(prev, next));
  });

  it("the cases cover both answers", () => {
    const answers = new Set(rowCases.map(([prev, next]) => isNewerRow(prev, next)));
    expect(answers).toEqual(new Set([true, false]));
  });
});
