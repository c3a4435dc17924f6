import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDurableSqlite } from "./durable-sqlite.ts";

describe("openDurableSqlite", () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("opens in WAL mode with every commit fsynced, and copies the WAL back only every 10,000 pages", () => {
    const dir = mkdtempSync(join(tmpdir(), "durable-sqlite-"));
    dirs.push(dir);
    const db = openDurableSqlite(join(dir, "x.sqlite"));
    try {
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(db.pragma("synchronous", { simple: true })).toBe(2); // FULL
      expect(db.pragma("wal_autocheckpoint", { simple: true })).toBe(10_000);
    } finally {
      db.close();
    }
  });
});
