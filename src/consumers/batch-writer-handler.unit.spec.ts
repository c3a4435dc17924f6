import { describe, expect, it } from "vitest";
import type { LogRecord } from "../event-log/ports.ts";
import { batchWriterHandler } from "./batch-writer-handler.ts";
import { RecordRejectedError } from "../shared/record-rejected-error.ts";

const rec = (offset: number, value: string): LogRecord => ({ partition: 0, offset, key: "k", value, appendTime: 0 });

function setup(refuse: (row: string) => boolean, transient = false) {
  const dead: { offset: number; reason: string }[] = [];
  const written: string[] = [];
  const handler = batchWriterHandler<string>({
    name: "test sink",
    decode: (r) => (r.value === "skip" ? null : r.value!.startsWith("bad") ? { reason: `unreadable ${r.value}` } : { row: r.value! }),
    write: async (rows) => {
      if (transient) throw Object.assign(new Error("connection refused"), { code: "ECONNREFUSED" });
      const poison = rows.find(refuse);
      if (poison) throw new RecordRejectedError(`no ${poison}`);
      written.push(...rows);
    },
    deadLetters: { deadLetter: async (r, reason) => void dead.push({ offset: r.offset, reason }) },
  });
  return { handler, dead, written };
}

describe("batchWriterHandler", () => {
  it("writes the good rows, dead-letters unreadable and refused records with their reasons, skips the others, and commits past the batch", async () => {
    const s = setup((row) => row === "poison");
    const records = [rec(10, "a"), rec(11, "bad-1"), rec(12, "poison"), rec(13, "skip"), rec(14, "b")];
    expect(await s.handler.batch(0, records)).toBe(15);
    expect(s.written.sort()).toEqual(["a", "b"]);
    expect(s.dead).toEqual([
      { offset: 11, reason: "unreadable bad-1" },
      { offset: 12, reason: "test sink refused the record: no poison" },
    ]);
  });

  it("a transient failure fails the batch and dead-letters nothing", async () => {
    const s = setup(() => false, true);
    await expect(s.handler.batch(0, [rec(1, "a"), rec(2, "bad")])).rejects.toThrow("connection refused");
    expect(s.dead).toEqual([]);
  });
});
