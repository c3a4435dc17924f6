import { decodeLogRecord, type SaleEvent } from "../domain/event.ts";
import { partitionFor } from "../log/partitioner.ts";
import type { LogRecord } from "../log/ports.ts";

/** The instants every store can hold (PostgreSQL timestamptz written as ISO text, Cassandra timestamp, JS Date). */
const EARLIEST_MS = Date.parse("0001-01-01T00:00:00.000Z");
const LATEST_MS = Date.parse("9999-12-31T23:59:59.999Z");

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function textProblem(what: string, s: string): string | null {
  if (s.includes("\u0000")) return `${what} contains U+0000, which PostgreSQL text and jsonb cannot store`;
  if (LONE_SURROGATE.test(s)) return `${what} contains a lone UTF-16 surrogate, which is not valid Unicode`;
  return null;
}

/**
 * What in a valid-looking event no store can hold, or null. The ingest API refuses these; a record
 * written to the log by another producer can still carry one, and a consumer must dead-letter it
 * rather than retry its write for ever.
 */
export function storableProblem(e: SaleEvent): string | null {
  if (!(e.occurredAtMs >= EARLIEST_MS && e.occurredAtMs <= LATEST_MS)) return `occurredAt ${e.occurredAt} is outside 0001-01-01T00:00:00Z..9999-12-31T23:59:59Z (UTC)`;
  const store = textProblem("storeId", e.storeId);
  if (store) return store;
  for (let i = 0; i < e.lines.length; i++) {
    const sku = textProblem(`lines.${i}.sku`, e.lines[i]!.sku);
    if (sku) return sku;
  }
  return null;
}

/** How every consumer reads a record: event v1 that every store can hold, or the reason it is not. */
export function decodeConsumedRecord(value: string | null): { ok: true; event: SaleEvent } | { ok: false; reason: string } {
  const d = decodeLogRecord(value);
  if (!d.ok) return d;
  const problem = storableProblem(d.event);
  return problem ? { ok: false, reason: problem } : d;
}

/**
 * `decodeConsumedRecord` plus the keying rule: a record on another partition than its store's is
 * refused (the window group dead-letters it), so every group leaves out the same records.
 */
export function decodeRecordOnPartition(record: LogRecord, partitions: number): { ok: true; event: SaleEvent } | { ok: false; reason: string } {
  const d = decodeConsumedRecord(record.value);
  if (!d.ok) return d;
  const home = partitionFor(d.event.storeId, partitions);
  if (home !== record.partition) return { ok: false, reason: `store ${d.event.storeId} belongs to partition ${home}, not ${record.partition} (records must be keyed by storeId)` };
  return d;
}
