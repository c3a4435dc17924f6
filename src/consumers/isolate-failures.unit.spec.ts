import { describe, expect, it } from "vitest";
import { RecordRejectedError } from "../shared/record-rejected-error.ts";
import { writeIsolatingFailures } from "./isolate-failures.ts";

/** A store that refuses whole batches containing a poison item, as PostgreSQL refuses a multi-row insert. */
function store(poison: Set<number>) {
  const written: number[] = [];
  const calls: number[][] = [];
  return {
    written,
    calls,
    async write(items: readonly number[]) {
      calls.push([...items]);
      const bad = items.find((i) => poison.has(i));
      if (bad !== undefined) throw new RecordRejectedError(`item ${bad} refused`);
      written.push(...items);
    },
  };
}

describe("writeIsolatingFailures", () => {
  it("writes every good item and returns exactly the poison ones with their errors", async () => {
    const items = Array.from({ length: 100 }, (_, i) => i);
    const s = store(new Set([0, 37, 38, 99]));
    const refused = await writeIsolatingFailures(items, (b) => s.write(b));
    expect(refused.map((r) => r.item)).toEqual([0, 37, 38, 99]);
    expect((refused[1]!.error as Error).message).toBe("item 37 refused");
    expect(s.written.sort((a, b) => a - b)).toEqual(items.filter((i) => ![0, 37, 38, 99].includes(i)));
    // Bisection: far fewer writes than one per item.
    expect(s.calls.length).toBeLessThan(60);
  });

  it("a clean batch is one write", async () => {
    const s = store(new Set());
    expect(await writeIsolatingFailures([1, 2, 3], (b) => s.write(b))).toEqual([]);
    expect(s.calls).toEqual([[1, 2, 3]]);
  });

  it("a transient failure is thrown as it is, and nothing is reported as refused", async () => {
    const err = Object.assign(new Error("connection refused"), { code: "ECONNREFUSED" });
    await expect(writeIsolatingFailures([1, 2], async () => { throw err; })).rejects.toBe(err);
  });

  it("a transient failure while isolating is thrown too (the caller retries the whole batch)", async () => {
    let n = 0;
    const write = async () => {
      n++;
      if (n === 1) throw new RecordRejectedError("bad");
      throw Object.assign(new Error("timeout"), { code: "ETIMEDOUT" });
    };
    await expect(writeIsolatingFailures([1, 2, 3, 4], write)).rejects.toThrow("timeout");
  });
});
