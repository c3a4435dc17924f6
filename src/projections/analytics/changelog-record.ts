import { z } from "zod";
import type { MinuteRow } from "../../domain/minute-row.ts";
import { parseRfc3339, RFC3339_PATTERN } from "../../domain/rfc3339.ts";
import type { LateEvent } from "../../domain/store-windows.ts";
import { lateRecordOf, type LateEventRecord } from "../ports.ts";

/** A minute row as published on the changelog topic: the whole row without its event ids. */
export type ChangelogRow = Omit<MinuteRow, "eventIds" | "firstEventAt" | "lastEventAt">;

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const money = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const recordSchema = z.strictObject({
  v: z.literal(1),
  storeId: z.string().min(1).max(128),
  minute: z.number().int().min(0).refine((m) => m % 60_000 === 0, "minute must be the start of a UTC minute (ms)"),
  currency: z.string().regex(/^[A-Z]{3}$/, "currency must be 3 upper-case letters"),
  saleCount: count,
  refundCount: count,
  grossMinor: money,
  refundMinor: money,
  itemCount: count,
  provisional: z.boolean(),
  partition: z.number().int().min(0),
  offset: z.number().int().min(0),
  revision: z.number().int().min(0),
});

export function encodeChangelogRow(r: MinuteRow): string {
  return JSON.stringify({
    v: 1,
    storeId: r.storeId,
    minute: r.minute,
    currency: r.currency,
    saleCount: r.saleCount,
    refundCount: r.refundCount,
    grossMinor: r.grossMinor,
    refundMinor: r.refundMinor,
    itemCount: r.itemCount,
    provisional: r.provisional,
    partition: r.partition,
    offset: r.offset,
    revision: r.revision,
  });
}

/**
 * A late event (beyond the allowed lateness, or refused) as published on the same topic, `kind:
 * "late"`, keyed by store like its minute rows. Minute rows carry no `kind` (the first record kind,
 * unchanged). The checks are the event contract's own, so whatever the window path recorded fits
 * PostgreSQL's late_events columns.
 */
const lateSchema = z.strictObject({
  v: z.literal(1),
  kind: z.literal("late"),
  eventId: z.uuid("eventId must be a UUID"),
  storeId: z.string().min(1).max(128),
  occurredAt: z.string().regex(RFC3339_PATTERN, "occurredAt must be an RFC 3339 date-time with an offset").refine((s) => parseRfc3339(s) !== undefined, "occurredAt is out of range"),
  type: z.enum(["sale", "refund"]),
  currency: z.string().regex(/^[A-Z]{3}$/, "currency must be 3 upper-case letters"),
  totalMinor: money,
  partition: z.number().int().min(0),
  offset: z.number().int().min(0),
  appendTime: z.number().int().min(0),
  reason: z.string().min(1).max(500),
});

export function encodeChangelogLate(l: LateEvent): string {
  return JSON.stringify({ v: 1, kind: "late", ...lateRecordOf(l) });
}

export type Decoded = { ok: true; kind: "minute"; row: ChangelogRow } | { ok: true; kind: "late"; late: LateEventRecord } | { ok: false; reason: string };

const reasonOf = (prefix: string, error: z.ZodError) => {
  const issue = error.issues[0];
  return `${prefix}${issue?.path.join(".") || "record"}: ${issue?.message ?? "invalid"}`.slice(0, 300);
};

/** Parses one changelog value (a minute row or a late event); a bad one gets a specific, bounded reason (for the dead-letter header). */
export function decodeChangelogRecord(value: string | null): Decoded {
  if (value === null) return { ok: false, reason: "minute changelog: empty record value" };
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return { ok: false, reason: "minute changelog: value is not JSON" };
  }
  const kind = typeof json === "object" && json !== null && "kind" in json ? (json as { kind: unknown }).kind : undefined;
  if (kind === "late") {
    const r = lateSchema.safeParse(json);
    if (!r.success) return { ok: false, reason: reasonOf("minute changelog: late event: ", r.error) };
    const { v: _v, kind: _kind, ...late } = r.data;
    return { ok: true, kind: "late", late };
  }
  if (kind !== undefined) return { ok: false, reason: `minute changelog: kind: unknown record kind ${JSON.stringify(kind).slice(0, 40)}` };
  const r = recordSchema.safeParse(json);
  if (!r.success) return { ok: false, reason: reasonOf("minute changelog: ", r.error) };
  const { v: _v, ...row } = r.data;
  return { ok: true, kind: "minute", row };
}

const isNewer = (a: ChangelogRow, b: ChangelogRow) => a.offset > b.offset || (a.offset === b.offset && a.revision > b.revision);

/** The newest version of each (store, minute, currency) in a batch: one upsert per key. */
export function latestPerKey(rows: readonly ChangelogRow[]): ChangelogRow[] {
  const out = new Map<string, ChangelogRow>();
  for (const r of rows) {
    const key = `${r.storeId}\u0000${r.minute}\u0000${r.currency}`;
    const had = out.get(key);
    if (!had || isNewer(r, had)) out.set(key, r);
  }
  return [...out.values()];
}
