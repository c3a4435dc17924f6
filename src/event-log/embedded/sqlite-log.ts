import type Database from "better-sqlite3";
import { EventEmitter } from "node:events";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { SaleEvent } from "../../domain/event.ts";
import { fingerprintOf } from "../../ingest/fingerprint.ts";
import { encodeForLog } from "../../domain/log-record.ts";
import { openDurableSqlite } from "../../shared/durable-sqlite.ts";
import { GroupCommit } from "../../shared/group-commit.ts";
import { partitionFor } from "../partitioner.ts";
import type { AppendResult, DeadLetterSink, IngestLog, LogRecord } from "../ports.ts";

export interface ReadRange {
  partition: number;
  fromOffset: number;
  max: number;
}

class ConflictingIds extends Error {
  constructor(readonly indexes: number[]) {
    super("event id(s) taken with another payload");
  }
}

/**
 * The embedded stand-in for Kafka: a partitioned, append-only log in SQLite (WAL, synchronous=FULL),
 * with committed offsets per consumer group. Appends from concurrent requests are group-committed:
 * one transaction and one fsync for everything queued in the same event-loop turn.
 */
export class SqliteLog implements IngestLog, DeadLetterSink {
  private readonly db: Database.Database;
  private readonly nextOffset: number[] = [];
  private readonly appends = new GroupCommit<readonly SaleEvent[], AppendResult>((requests) => this.commitAppends(requests));
  private closed = false;
  readonly appended = new EventEmitter();

  private readonly insertId: Database.Statement;
  private readonly idFingerprint: Database.Statement;
  private readonly appendRequest: (events: readonly SaleEvent[], at: number) => AppendResult;
  private readonly insertRecord: Database.Statement;
  private readonly readRange: Database.Statement;
  private readonly getCommitted: Database.Statement;
  private readonly setCommitted: Database.Statement;
  private readonly insertDead: Database.Statement;
  private readonly syncNormal: Database.Statement;
  private readonly syncFull: Database.Statement;
  private readonly maxOffset: Database.Statement;
  private readonly readTogether: (ranges: readonly ReadRange[]) => LogRecord[][];
  private readonly writeCommits: (groupId: string, changed: readonly [key: string, partition: number, offset: number][]) => void;
  /** Highest offset this process has committed per group and partition: unchanged commits are skipped. */
  private readonly committedCache = new Map<string, number>();

  constructor(
    dataDir: string,
    readonly partitions: number,
    private readonly now: () => number = Date.now,
  ) {
    mkdirSync(dataDir, { recursive: true });
    this.db = openDurableSqlite(join(dataDir, "log.sqlite"));
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS records (
        partition INTEGER NOT NULL, offset INTEGER NOT NULL, key TEXT, value TEXT, append_time INTEGER NOT NULL,
        PRIMARY KEY (partition, offset)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS ingest_ids (event_id TEXT PRIMARY KEY) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS committed (group_id TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
        PRIMARY KEY (group_id, partition)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS dead_letters (partition INTEGER NOT NULL, offset INTEGER NOT NULL, value TEXT, reason TEXT NOT NULL,
        recorded_at INTEGER NOT NULL, PRIMARY KEY (partition, offset)) WITHOUT ROWID;
    `);
    const stored = this.db.prepare("SELECT value FROM meta WHERE key = 'partitions'").get() as { value: string } | undefined;
    if (stored && Number(stored.value) !== partitions) {
      this.db.close();
      throw new Error(
        `the embedded log in ${dataDir} has ${stored.value} partitions but INTRADAY_PARTITIONS=${partitions}. ` +
          `The partition count of a log is fixed: set INTRADAY_PARTITIONS=${stored.value}, or use a new INTRADAY_DATA_DIR and replay.`,
      );
    }
    if (!stored) this.db.prepare("INSERT INTO meta (key, value) VALUES ('partitions', ?)").run(String(partitions));
    // Payload fingerprints of ingested ids (8 bytes each); null for ids recorded by an older version.
    const idColumns = this.db.prepare("SELECT name FROM pragma_table_info('ingest_ids')").all() as { name: string }[];
    if (!idColumns.some((c) => c.name === "fp")) this.db.exec("ALTER TABLE ingest_ids ADD COLUMN fp INTEGER");
    this.maxOffset = this.db.prepare("SELECT MAX(offset) AS m FROM records WHERE partition = ?");
    for (let p = 0; p < partitions; p++) {
      const row = this.maxOffset.get(p) as { m: number | null };
      this.nextOffset.push(row.m === null ? 0 : row.m + 1);
    }
    this.insertId = this.db.prepare("INSERT OR IGNORE INTO ingest_ids (event_id, fp) VALUES (?, ?)");
    this.idFingerprint = this.db.prepare("SELECT fp FROM ingest_ids WHERE event_id = ?").safeIntegers(true);
    // Nested in the flush transaction, so a savepoint: a request with a conflict leaves no trace.
    this.appendRequest = this.db.transaction((events: readonly SaleEvent[], at: number) => this.appendOne(events, at));
    this.insertRecord = this.db.prepare("INSERT INTO records (partition, offset, key, value, append_time) VALUES (?, ?, ?, ?, ?)");
    // Rows as arrays, made into records below: cheaper than better-sqlite3's own objects (a range read is per record, twice).
    this.readRange = this.db
      .prepare("SELECT offset, key, value, append_time FROM records WHERE partition = ? AND offset >= ? ORDER BY offset LIMIT ?")
      .raw(true);
    this.getCommitted = this.db.prepare("SELECT offset FROM committed WHERE group_id = ? AND partition = ?");
    this.setCommitted = this.db.prepare(
      "INSERT INTO committed (group_id, partition, offset) VALUES (?, ?, ?) ON CONFLICT (group_id, partition) DO UPDATE SET offset = excluded.offset WHERE excluded.offset > committed.offset",
    );
    this.readTogether = this.db.transaction((ranges: readonly ReadRange[]) => ranges.map((r) => this.read(r.partition, r.fromOffset, r.max)));
    this.writeCommits = this.db.transaction((groupId: string, changed: readonly [string, number, number][]) => {
      for (const [, partition, offset] of changed) this.setCommitted.run(groupId, partition, offset);
    });
    this.syncNormal = this.db.prepare("PRAGMA synchronous = NORMAL");
    this.syncFull = this.db.prepare("PRAGMA synchronous = FULL");
    this.insertDead = this.db.prepare(
      "INSERT OR IGNORE INTO dead_letters (partition, offset, value, reason, recorded_at) VALUES (?, ?, ?, ?, ?)",
    );
  }

  isAvailable(): boolean {
    return !this.closed;
  }

  appendNew(events: readonly SaleEvent[]): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new Error("log is closed"));
    return this.appends.submit(events);
  }

  /** Appends raw records as another producer would (tests, tools): no validation, no dedupe. */
  appendRaw(records: { key: string; value: string | null; partition?: number }[]): number[] {
    const offsets: number[] = [];
    const at = this.now();
    this.db.transaction(() => {
      for (const r of records) {
        const p = r.partition ?? partitionFor(r.key, this.partitions);
        const offset = this.nextOffset[p]!;
        this.insertRecord.run(p, offset, r.key, r.value, at);
        this.nextOffset[p] = offset + 1;
        offsets.push(offset);
      }
    })();
    this.appended.emit("append");
    return offsets;
  }

  /** One transaction (one fsync) for every request of the group. */
  private commitAppends(requests: readonly (readonly SaleEvent[])[]): AppendResult[] {
    const results: AppendResult[] = [];
    const before = this.nextOffset.slice();
    try {
      const at = this.now();
      this.db.transaction(() => {
        for (const events of requests) {
          const mark = this.nextOffset.slice();
          try {
            results.push(this.appendRequest(events, at));
          } catch (err) {
            if (!(err instanceof ConflictingIds)) throw err;
            mark.forEach((o, p) => (this.nextOffset[p] = o));
            results.push({ accepted: 0, duplicates: 0, conflicts: err.indexes });
          }
        }
      })();
    } catch (err) {
      before.forEach((o, p) => (this.nextOffset[p] = o));
      throw err;
    }
    this.appended.emit("append");
    return results;
  }

  /** Appends one request's new events; throws ConflictingIds (rolling back its savepoint) when an id was taken with another payload. */
  private appendOne(events: readonly SaleEvent[], at: number): AppendResult {
    let accepted = 0;
    let duplicates = 0;
    const conflicts: number[] = [];
    events.forEach((e, i) => {
      const fp = fingerprintOf(e);
      if (this.insertId.run(e.eventId, fp).changes === 0) {
        const known = (this.idFingerprint.get(e.eventId) as { fp: bigint | null } | undefined)?.fp ?? null;
        if (known !== null && known !== fp) conflicts.push(i);
        else duplicates += 1;
        return;
      }
      const p = partitionFor(e.storeId, this.partitions);
      const offset = this.nextOffset[p]!;
      this.insertRecord.run(p, offset, e.storeId, encodeForLog(e), at);
      this.nextOffset[p] = offset + 1;
      accepted += 1;
    });
    if (conflicts.length) throw new ConflictingIds(conflicts);
    return { accepted, duplicates, conflicts: [] };
  }

  read(partition: number, fromOffset: number, max: number): LogRecord[] {
    const rows = this.readRange.all(partition, fromOffset, max) as [offset: number, key: string | null, value: string | null, appendTime: number][];
    const records = new Array<LogRecord>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const [offset, key, value, appendTime] = rows[i]!;
      records[i] = { partition, offset, key, value, appendTime };
    }
    return records;
  }

  /**
   * The next records of several partitions from one snapshot: one read transaction instead of one
   * per partition (each new one re-checks the WAL, and drops this connection's page cache when the
   * appending connection has written since). A range at or past the partition's known end is not
   * read (at a low rate most partitions have nothing new); `refreshEnds` learns of appends this
   * connection was not told about.
   */
  readMany(ranges: readonly ReadRange[]): LogRecord[][] {
    const wanted = ranges.filter((r) => r.fromOffset < this.endOffset(r.partition));
    if (wanted.length === 0) return ranges.map(() => []);
    const read = this.readTogether(wanted);
    let next = 0;
    return ranges.map((r) => (r.fromOffset < this.endOffset(r.partition) ? read[next++]! : []));
  }

  /**
   * Another connection (the main thread's, when the consumers run in a worker thread) appended:
   * take its end offsets and wake this connection's consumers.
   */
  noteAppended(ends: readonly number[]): void {
    for (let p = 0; p < this.partitions; p++) this.nextOffset[p] = Math.max(this.nextOffset[p] ?? 0, ends[p] ?? 0);
    this.appended.emit("append");
  }

  /** Reads the end offsets from the file: appends by a connection that did not say so (another process, a tool). */
  refreshEnds(): void {
    for (let p = 0; p < this.partitions; p++) {
      const row = this.maxOffset.get(p) as { m: number | null };
      this.nextOffset[p] = Math.max(this.nextOffset[p] ?? 0, row.m === null ? 0 : row.m + 1);
    }
  }

  /** The next offset of every partition, as this connection knows them. */
  endOffsets(): number[] {
    return this.nextOffset.slice();
  }

  endOffset(partition: number): number {
    return this.nextOffset[partition] ?? 0;
  }

  committed(groupId: string, partition: number): number {
    const row = this.getCommitted.get(groupId, partition) as { offset: number } | undefined;
    return row?.offset ?? 0;
  }

  /**
   * Commits are monotonic, so one at or below what this process already committed is a no-op and is
   * skipped (consumers commit after every batch, mostly unchanged). The write itself is not fsynced
   * (synchronous=NORMAL for this statement only): it survives a process crash (kill -9), and after an
   * OS crash or power loss it can only fall back to an older offset, which replays (idempotent).
   * Appends stay synchronous=FULL, and their fsync also makes earlier commits durable.
   */
  commit(groupId: string, partition: number, offset: number): void {
    this.commitMany(groupId, [[partition, offset]]);
  }

  /** Commits of several partitions in one transaction (see `commit`). */
  commitMany(groupId: string, offsets: Iterable<readonly [partition: number, offset: number]>): void {
    const changed: [key: string, partition: number, offset: number][] = [];
    for (const [partition, offset] of offsets) {
      const key = `${groupId}\u0000${partition}`;
      const known = this.committedCache.get(key);
      if (known === undefined || offset > known) changed.push([key, partition, offset]);
    }
    if (changed.length === 0) return;
    this.syncNormal.run();
    try {
      this.writeCommits(groupId, changed);
    } finally {
      this.syncFull.run();
    }
    for (const [key, , offset] of changed) this.committedCache.set(key, offset);
  }

  async deadLetter(record: LogRecord, reason: string): Promise<void> {
    this.insertDead.run(record.partition, record.offset, record.value, reason, this.now());
  }

  deadLetters(limit = 100): { partition: number; offset: number; value: string | null; reason: string; recordedAt: number }[] {
    return this.db
      .prepare("SELECT partition, offset, value, reason, recorded_at AS recordedAt FROM dead_letters ORDER BY recorded_at DESC LIMIT ?")
      .all(limit) as { partition: number; offset: number; value: string | null; reason: string; recordedAt: number }[];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.appends.settled();
    this.db.close();
  }
}
