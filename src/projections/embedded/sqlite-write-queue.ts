import type Database from "better-sqlite3";
import { GroupCommit } from "../../shared/group-commit.ts";

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };
type Write = () => unknown;

/**
 * Group-committed writes to one SQLite file: every write requested in the same event-loop turn (the
 * store actors of a partition batch write concurrently) runs in one transaction, and every caller is
 * resolved once that transaction is durable (the file runs synchronous=FULL). Consumers commit log
 * offsets only after their write resolves, so a committed offset is never ahead of the rows.
 */
export class SqliteWriteQueue {
  private readonly group: GroupCommit<Write, Outcome>;

  constructor(private readonly db: Database.Database) {
    this.group = new GroupCommit((writes) => this.commit(writes));
  }

  async write<T>(op: () => T): Promise<T> {
    const o = await this.group.submit(op);
    if (!o.ok) throw o.error;
    return o.value as T;
  }

  /** Resolves once every write requested so far is committed or failed. */
  settled(): Promise<void> {
    return this.group.settled();
  }

  private commit(writes: Write[]): Outcome[] {
    try {
      return this.db.transaction(() => writes.map((w) => w()))().map((value) => ({ ok: true, value }));
    } catch {
      // The whole transaction rolled back: each write runs in its own, so one bad write fails only its
      // caller (rare; the common path has no savepoints).
      return writes.map((w): Outcome => {
        try {
          return { ok: true, value: this.db.transaction(w)() };
        } catch (error) {
          return { ok: false, error };
        }
      });
    }
  }
}
