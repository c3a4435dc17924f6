import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventIdSet } from "./event-id-set.ts";

describe("EventIdSet", () => {
  it("holds exactly the ids added, in insertion order, and gives them back as text", () => {
    const ids = Array.from({ length: 200 }, () => randomUUID());
    const set = new EventIdSet();
    for (const id of ids) set.add(id);
    set.add(ids[3]!);
    expect(set.size).toBe(200);
    expect(set.toArray()).toEqual(ids);
    for (const id of ids) expect(set.has(id)).toBe(true);
    expect(set.has(randomUUID())).toBe(false);
  });

  it("never confuses two different ids (any string, canonical or not)", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.uuid(), fc.string({ maxLength: 40 }), fc.uuid().map((u) => u.toUpperCase())), { maxLength: 50 }), (ids) => {
        const set = new EventIdSet(ids);
        expect(set.size).toBe(new Set(ids).size);
        expect(set.toArray()).toEqual([...new Set(ids)]);
        for (const id of ids) expect(set.has(id)).toBe(true);
      }),
    );
  });

  it("does not take a 36-character non-UUID with dashes in the right places for a UUID", () => {
    const odd = "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz";
    const set = new EventIdSet([odd]);
    expect(set.has(odd)).toBe(true);
    expect(set.toArray()).toEqual([odd]);
  });
  it("absent + addAbsent: one lookup answers present or gives the id to add, across the switch from array to Set", () => {
    const ids = Array.from({ length: 40 }, () => randomUUID());
    const set = new EventIdSet();
    for (const id of ids) {
      const p = set.absent(id);
      expect(p).not.toBeNull();
      set.addAbsent(p!);
      expect(set.absent(id)).toBeNull();
    }
    expect(set.toArray()).toEqual(ids);
    expect(set.toArray(30)).toEqual(ids.slice(30));
    expect(set.absent("not-a-uuid")).not.toBeNull();
  });
});
