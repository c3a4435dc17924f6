import type Database from "better-sqlite3";
import { type SaleEvent } from "../../domain/event.ts";
import { decodeLogRecord, encodeForLog } from "../../domain/log-record.ts";
import type { LoggedEvent } from "../../domain/store-windows.ts";
import type { RawHistory, RawRecord, RawRecordSink } from "../ports.ts";
import type { SqliteWriteQueue } from "./sqlite-write-queue.ts";

/** The event out of a raw-history body: the log record value (current), or a JSON SaleEvent (tables from before). */
function eventOfBody(body: string): SaleEvent {
  const d = decodeLogRecord(body);
  if (d.ok) return d.event;
  const legacy = JSON.parse(body) as SaleEvent;
  if (typeof legacy.occurredAtMs !== "number") throw new Error(`raw history body is neither a log record nor a stored event: ${d.reason}`);
  return legacy;
}

/** Raw history in projections.sqlite, the embedded stand-in for PostgreSQL's raw_events; bodies are log record values. */
export class SqliteRawHistory implements RawHistory, RawRecordSink {
  private readonly insertRaw: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly writes: SqliteWriteQueue,
  ) {
    this.insertRaw = this.db.prepare(
      "INSERT OR IGNORE INTO raw_history (event_id, store_id, occurred_at_ms, partition, offset, append_time, body) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
  }

  /** Raw history from decoded events: the body is the event as the log carries it (encodeForLog). */
  insertEvents(events: readonly LoggedEvent[]): Promise<number> {
    return this.insertRecords(
      events.map((l) => ({
        eventId: l.event.eventId,
        storeId: l.event.storeId,
        occurredAtMs: l.event.occurredAtMs,
        partition: l.partition,
        offset: l.offset,
        appendTime: l.appendTime,
        body: encodeForLog(l.event),
      })),
    );
  }

  /** Raw history from log records, body as-is: appended in log order, unique on event id (first one wins). */
  insertRecords(records: readonly RawRecord[]): Promise<number> {
    return this.writes.write(() => {
      let inserted = 0;
      for (const r of records) inserted += this.insertRaw.run(r.eventId, r.storeId, r.occurredAtMs, r.partition, r.offset, r.appendTime, r.body).changes;
      return inserted;
    });
  }

  async eventsBetween(from: number, to: number): Promise<LoggedEvent[]> {
    const rows = this.db
      .prepare("SELECT partition, offset, append_time AS appendTime, body FROM raw_history WHERE occurred_at_ms >= ? AND occurred_at_ms < ? ORDER BY partition, offset")
      .all(from, to) as { partition: number; offset: number; appendTime: number; body: string }[];
    return rows.map((r) => ({ partition: r.partition, offset: r.offset, appendTime: r.appendTime, event: eventOfBody(r.body) }));
  }

  async count(): Promise<number> {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM raw_history").get() as { n: number }).n;
  }
}
