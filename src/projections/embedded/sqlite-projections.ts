import type Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { openDurableSqlite } from "../../shared/durable-sqlite.ts";
import { SqliteLateEvents } from "./sqlite-late-events.ts";
import { migrateProjections } from "./sqlite-migrate.ts";
import { SqliteMinuteProjection } from "./sqlite-minute-projection.ts";
import { SqliteRawHistory } from "./sqlite-raw-history.ts";
import { SqliteWriteQueue } from "./sqlite-write-queue.ts";

/**
 * projections.sqlite: the embedded stand-ins for Cassandra (minute rows, partition totals) and
 * PostgreSQL (raw history, late events) in one file, sharing one group-committed write queue, so a
 * partition batch's rows, late events and history are one durable transaction per event-loop turn.
 */
export class SqliteProjections {
  readonly minutes: SqliteMinuteProjection;
  readonly late: SqliteLateEvents;
  readonly rawHistory: SqliteRawHistory;
  private readonly db: Database.Database;
  private readonly writes: SqliteWriteQueue;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = openDurableSqlite(join(dataDir, "projections.sqlite"));
    migrateProjections(this.db);
    this.writes = new SqliteWriteQueue(this.db);
    this.minutes = new SqliteMinuteProjection(this.db, this.writes);
    this.late = new SqliteLateEvents(this.db, this.writes);
    this.rawHistory = new SqliteRawHistory(this.db, this.writes);
  }

  async close(): Promise<void> {
    await this.writes.settled();
    this.db.close();
  }
}
