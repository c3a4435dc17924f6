import { describe, expect, it } from "vitest";
import { z } from "zod";
import { storeFieldsSchema, TIME_ZONES } from "./store-directory.ts";

const store = (fields: Partial<Record<"name" | "region" | "timeZone", string>>) => ({ name: "Paris Opéra", region: "Europe", timeZone: "Europe/Paris", ...fields });
const issues = (fields: Partial<Record<"name" | "region" | "timeZone", string>>) => storeFieldsSchema.safeParse(store(fields)).error?.issues.map((i) => i.message) ?? [];

/** The rules as the OpenAPI document states them (JSON Schema from the same zod schema). */
const documented = z.toJSONSchema(storeFieldsSchema, { io: "input" }) as { properties: Record<string, { pattern?: string; enum?: string[] }> };
const nameMatchesDocument = (name: string) => new RegExp(documented.properties.name!.pattern!, "u").test(name);

describe("store fields", () => {
  it("trims name and region, and refuses blank ones", () => {
    expect(storeFieldsSchema.parse(store({ name: "  Ginza\u3000", region: "\tJapan\n" }))).toEqual({ name: "Ginza", region: "Japan", timeZone: "Europe/Paris" });
    expect(issues({ name: " \u00a0\ufeff " })).toEqual(["name must not be empty"]);
    expect(issues({ region: "" })).toEqual(["region must not be empty"]);
  });

  it("counts the length after trimming, in code points", () => {
    expect(issues({ name: ` ${"é".repeat(200)} ` })).toEqual([]);
    expect(issues({ name: "😀".repeat(200) })).toEqual([]);
    expect(issues({ name: "x".repeat(201) })).toEqual(["name must be at most 200 characters (code points, once trimmed)"]);
    expect(issues({ region: "x".repeat(101) })).toEqual(["region must be at most 100 characters (code points, once trimmed)"]);
  });

  it("the documented pattern accepts exactly what the server accepts", () => {
    for (const name of ["a", " a ", "a b", "😀".repeat(200), `\n${"x".repeat(200)}\u2028`, "", "   ", "\ufeff", "x".repeat(201), `a${" ".repeat(199)}b`]) {
      expect(nameMatchesDocument(name), JSON.stringify(name)).toBe(storeFieldsSchema.safeParse(store({ name })).success);
    }
  });

  it("accepts exactly the documented time zones: the runtime's, UTC and current names", () => {
    expect(documented.properties.timeZone!.enum).toEqual(TIME_ZONES);
    for (const tz of ["Europe/Paris", "UTC", "Etc/UTC", "Asia/Kolkata", "Europe/Kyiv"]) expect(issues({ timeZone: tz }), tz).toEqual([]);
    for (const tz of ["+01:00", "europe/paris", "Mars/Olympus", ""]) expect(issues({ timeZone: tz }), tz).toEqual([`timeZone ${JSON.stringify(tz)} is not an IANA time zone (e.g. Europe/Paris)`]);
  });
});
