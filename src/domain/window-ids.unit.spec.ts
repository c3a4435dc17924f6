import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { idFingerprint, WindowIds, type IdFingerprint } from "./window-ids.ts";

type Op = { kind: "add"; id: string } | { kind: "store" } | { kind: "reload" } | { kind: "learn" };

describe("WindowIds", () => {
  it("property: whatever the hash, check never calls a counted id new nor a new id counted; it is unsure only while stored ids are unread", () => {
    const hashes: Record<string, IdFingerprint> = { seeded: idFingerprint, constant: () => 7, twoBuckets: (id) => id.length & 1, lastChar: (id) => id.charCodeAt(id.length - 1) | 0 };
    const idArb = fc.oneof(fc.uuid(), fc.string({ maxLength: 40 }));
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      { arbitrary: idArb.map((id) => ({ kind: "add" as const, id })), weight: 6 },
      { arbitrary: fc.constant({ kind: "store" as const }), weight: 1 },
      { arbitrary: fc.constant({ kind: "reload" as const }), weight: 1 },
      { arbitrary: fc.constant({ kind: "learn" as const }), weight: 1 },
    );
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(hashes)), fc.array(opArb, { maxLength: 60 }), (hashName, ops) => {
        const hash = hashes[hashName]!;
        let ids = new WindowIds(hash);
        let storedList: string[] = [];
        const counted: string[] = [];
        let learnt = false;
        for (const op of ops) {
          if (op.kind === "store") {
            // What a write appends to the row, then its acknowledgement.
            expect(ids.pending()).toEqual(counted.slice(storedList.length));
            storedList = [...counted];
            ids.markStored(storedList.length);
            continue;
          }
          if (op.kind === "reload") {
            ids = new WindowIds(hash, storedList);
            counted.length = storedList.length;
            learnt = false;
            continue;
          }
          if (op.kind === "learn") {
            ids.learnStored(storedList);
            learnt = true;
            continue;
          }
          const answer = ids.check(op.id);
          if (counted.includes(op.id)) {
            expect(answer === "present" || (answer === "unsure" && !learnt && storedList.includes(op.id))).toBe(true);
          } else {
            expect(answer).not.toBe("present");
            if (answer === "unsure") expect(!learnt && storedList.length > 0).toBe(true);
          }
          if (answer === "unsure") {
            ids.learnStored(storedList);
            learnt = true;
            expect(ids.check(op.id)).toBe(counted.includes(op.id) ? "present" : hash(op.id));
          }
          if (typeof ids.check(op.id) === "number") {
            ids.add(op.id, hash(op.id));
            counted.push(op.id);
          }
          expect(ids.size).toBe(counted.length);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("with the seeded hash, a window's own ids are found and others are absent, across the packed string and the switch to a Set", () => {
    const all = Array.from({ length: 5000 }, () => randomUUID());
    const ids = new WindowIds(idFingerprint);
    for (const [n, id] of all.entries()) {
      const fp = ids.check(id);
      expect(typeof fp).toBe("number");
      ids.add(id, fp as number);
      if (n % 700 === 0) ids.markStored(n + 1);
      expect(ids.check(id)).toBe(n + 1 > ids.stored ? "present" : "unsure");
    }
    ids.markStored(all.length);
    ids.learnStored(all);
    for (const id of all) expect(ids.check(id)).toBe("present");
    for (let i = 0; i < 1000; i++) expect(typeof ids.check(randomUUID())).toBe("number");
  });

  it("a window loaded from its row holds only fingerprints: its ids are unsure (to be read), new ids absent, and nothing is pending", () => {
    const stored = Array.from({ length: 100 }, () => randomUUID());
    const ids = new WindowIds(idFingerprint, stored);
    expect(ids.stored).toBe(100);
    expect(ids.pending()).toEqual([]);
    for (const id of stored) expect(ids.check(id)).toBe("unsure");
    const fresh = randomUUID();
    const fp = ids.check(fresh);
    expect(fp).toBe(idFingerprint(fresh));
    ids.add(fresh, fp as number);
    expect(ids.pending()).toEqual([fresh]);
    expect(ids.check(fresh)).toBe("present");
  });

  it("the seeded hash spreads canonical ids: no collision among 100,000 random UUIDs is likely, and it is deterministic within a process", () => {
    const seen = new Set<number>();
    let collisions = 0;
    let unstable = 0;
    for (let i = 0; i < 100_000; i++) {
      const id = randomUUID();
      const fp = idFingerprint(id);
      if (idFingerprint(id) !== fp) unstable++;
      if (seen.has(fp)) collisions++;
      seen.add(fp);
    }
    expect(unstable).toBe(0);
    // Expected ≈ 1.2 for a 32-bit hash (birthday bound); a weak hash would give thousands.
    expect(collisions).toBeLessThan(10);
  });
});
