import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { StoreDirectory, StoreInfo } from "./store-directory.ts";

/** Embedded mode: the store directory in its own SQLite file under DATA_DIR. */
export class SqliteStoreDirectory implements StoreDirectory {
  private readonly db: Database.Database;
  private readonly put: Database.Statement;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, "stores.sqlite"));
    this.db.pragma("journal_mode = WAL");
    this.db.exec(`CREATE TABLE IF NOT EXISTS stores (
      store_id TEXT PRIMARY KEY, name TEXT NOT NULL, region TEXT NOT NULL, time_zone TEXT NOT NULL, updated_at INTEGER NOT NULL)`);
    this.put = this.db.prepare(`INSERT INTO stores (store_id, name, region, time_zone, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (store_id) DO UPDATE SET name = excluded.name, region = excluded.region, time_zone = excluded.time_zone, updated_at = excluded.updated_at`);
  }

  async upsert(stores: readonly StoreInfo[]): Promise<void> {
    const now = Date.now();
    this.db.transaction(() => {
      for (const s of stores) this.put.run(s.storeId, s.name, s.region, s.timeZone, now);
    })();
  }

  async list(): Promise<StoreInfo[]> {
    const rows = this.db.prepare("SELECT store_id, name, region, time_zone FROM stores ORDER BY store_id").all() as {
      store_id: string;
      name: string;
      region: string;
      time_zone: string;
    }[];
    return rows.map((x) => ({ storeId: x.store_id, name: x.name, region: x.region, timeZone: x.time_zone }));
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
