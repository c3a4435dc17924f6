import { z } from "zod";
import type { MinuteRow } from "../../domain/minute-row.ts";

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

export type Decoded = { ok: true; row: ChangelogRow } | { ok: false; reason: string };

/** Parses one changelog value; a bad one gets a specific, bounded reason (for the dead-letter header). */
export function decodeChangelogRow(value: string | null): Decoded {
  if (value === null) return { ok: false, reason: "minute changelog: empty record value" };
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return { ok: false, reason: "minute changelog: value is not JSON" };
  }
  const r = recordSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    return { ok: false, reason: `minute changelog: ${issue?.path.join(".") || "record"}: ${issue?.message ?? "invalid"}`.slice(0, 300) };
  }
  const { v: _v, ...row } = r.data;
  return { ok: true, row };
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
