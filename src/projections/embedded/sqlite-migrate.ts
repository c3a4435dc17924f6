import type Database from "better-sqlite3";
import { migrateToV2 } from "./migrations/002-minute-rows-by-minute.ts";
import { migrateToV3 } from "./migrations/003-partition-totals.ts";

/** Layouts of projections.sqlite (PRAGMA user_version), in order; 0 is the first layout, 1 needs the same step as 0. */
const MIGRATIONS: readonly { version: number; apply: (db: Database.Database) => void }[] = [
  { version: 2, apply: migrateToV2 },
  { version: 3, apply: migrateToV3 },
];

/** Brings projections.sqlite to the current layout: each missing step once, in its own transaction with its version. */
export function migrateProjections(db: Database.Database): void {
  for (const m of MIGRATIONS) {
    if ((db.pragma("user_version", { simple: true }) as number) >= m.version) continue;
    db.transaction(() => {
      m.apply(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}
