import { describe, expect, it } from "vitest";
import { parseStoresCsv } from "./store-csv.ts";

describe("stores CSV", () => {
  it("loads valid lines, quoted fields and any column order", () => {
    const csv = 'region,store_id,name,time_zone\n"Europe, west",store-1,"Paris ""Opéra""",Europe/Paris\nJapan,store-2,Ginza,Asia/Tokyo\n';
    expect(parseStoresCsv(csv)).toEqual({
      stores: [
        { storeId: "store-1", name: 'Paris "Opéra"', region: "Europe, west", timeZone: "Europe/Paris" },
        { storeId: "store-2", name: "Ginza", region: "Japan", timeZone: "Asia/Tokyo" },
      ],
      errors: [],
    });
  });

  it("reports every bad line with its number and loads nothing", () => {
    const csv = "store_id,name,region,time_zone\nstore-1,A,R,Europe/Paris\nbad id!,B,R,UTC\nstore-3,,R,UTC\nstore-4,D,R,+01:00\nstore-1,E,R,UTC\n";
    const r = parseStoresCsv(csv);
    expect(r.stores).toEqual([]);
    expect(r.errors).toEqual([
      "line 3: storeId: storeId must be 1–64 characters of A-Z a-z 0-9 _ -",
      "line 4: name: name must not be empty",
      'line 5: timeZone: timeZone "+01:00" is not an IANA time zone (e.g. Europe/Paris)',
      "line 6: store_id store-1 is already on line 2",
    ]);
  });

  it("names a wrong header and a malformed file", () => {
    expect(parseStoresCsv("id,name,region,tz\nx,y,z,UTC\n").errors).toEqual(["header must be store_id,name,region,time_zone; missing store_id, time_zone; unknown id, tz"]);
    expect(parseStoresCsv("").errors[0]).toMatch(/^no stores/);
    expect(parseStoresCsv('store_id,name,region,time_zone\n"unterminated,a,b,UTC\n').errors[0]).toMatch(/^not a valid CSV: /);
  });
});
