import { OpsUsageError } from "./ops-context.ts";

const DAY_MS = 86_400_000;

export interface RetentionDays {
  rawDays: number;
  lateDays: number;
  ingestIdDays: number;
}

export interface RetentionCutoffs {
  raw: Date;
  late: Date;
  ingestIds: Date;
}

/**
 * Cut-offs: rows older than these go. Ingest ids only answer retried POSTs as duplicates, so they
 * may go much earlier than raw history; keeping them less than a day would let a client's retry
 * after an outage be appended twice (the store actors still drop it by event id within its minute,
 * but raw history would not), so at least 1 day is required.
 */
export function retentionCutoffs(now: number, d: RetentionDays): RetentionCutoffs {
  for (const [flag, v] of [["--raw-days", d.rawDays], ["--late-days", d.lateDays], ["--ingest-id-days", d.ingestIdDays]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 36_500) throw new OpsUsageError(`${flag} ${v}: expected a whole number of days from 1 to 36500`);
  }
  const at = (days: number) => new Date(Math.floor(now / DAY_MS) * DAY_MS - days * DAY_MS);
  return { raw: at(d.rawDays), late: at(d.lateDays), ingestIds: at(d.ingestIdDays) };
}
