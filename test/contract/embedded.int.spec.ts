import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteProjections } from "../../src/projections/embedded/sqlite-projections.ts";
import { MemoryProjections } from "../../src/projections/memory/memory-projections.ts";
import { projectionContract } from "./minute-store.contract.ts";

projectionContract("in-memory", async () => {
  const m = new MemoryProjections();
  return { minutes: m, late: m, history: m, close: () => m.close() };
});

projectionContract("embedded SQLite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "intraday-contract-"));
  const s = new SqliteProjections(dir);
  return {
    minutes: s,
    late: s,
    history: s,
    async close() {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
