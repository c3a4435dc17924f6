import { z } from "zod";
import { publicMinuteSchema } from "../domain/public-minute.ts";

const STORE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const instant = z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time with Z or an offset, e.g. 2026-11-27T10:00:00Z" });
const storeId = z.string().regex(STORE_ID, "storeId must be 1–64 characters of A-Z a-z 0-9 _ -");

/** from/to, with from < to and to − from ≤ the configured longest range (INTRADAY_MAX_QUERY_RANGE_MS). */
function ranged<T extends z.ZodRawShape>(maxRangeMs: number, extra: T) {
  return z
    .strictObject({
      from: instant.describe("Inclusive start"),
      // The cross-field rule, stated for machines too (docs/api.md "Rules JSON Schema cannot state").
      to: instant.describe(`Exclusive end; to − from ≤ ${maxRangeMs} ms`).meta({ "x-intraday-after": { field: "from", maxDistanceMs: maxRangeMs } }),
      ...extra,
    })
    .superRefine((q, ctx) => {
      const range = q as { from: string; to: string };
      const from = Date.parse(range.from);
      const to = Date.parse(range.to);
      if (from >= to) ctx.addIssue({ code: "custom", path: ["from"], message: "from must be before to" });
      else if (to - from > maxRangeMs) ctx.addIssue({ code: "custom", path: ["to"], message: `to - from must be at most ${maxRangeMs} ms (INTRADAY_MAX_QUERY_RANGE_MS)` });
    });
}

/** The query schemas, built for the configured longest range. */
export function querySchemas(maxRangeMs: number) {
  return {
    range: ranged(maxRangeMs, {}),
    topStores: ranged(maxRangeMs, {
      currency: z.string().regex(/^[A-Z]{3}$/, "currency must be a 3-letter upper-case ISO 4217 code"),
      limit: z.coerce.number().int().min(1).max(1000).default(10),
    }),
    late: ranged(maxRangeMs, {
      storeId: storeId.optional(),
      limit: z.coerce.number().int().min(1).max(10_000).default(1000),
    }),
  };
}

export const storeParams = z.strictObject({ storeId });

export const minutesResponse = z.object({ minutes: z.array(publicMinuteSchema) });
export const storeMinutesResponse = z.object({ storeId: z.string(), minutes: z.array(publicMinuteSchema) });
export const storesResponse = z.object({
  stores: z.array(z.object({ storeId: z.string(), day: z.string(), netMinorByCurrency: z.record(z.string(), z.int()), lastMinute: z.string() })),
});
export const topStoresResponse = z.object({
  currency: z.string(),
  stores: z.array(
    z.object({ storeId: z.string(), currency: z.string(), netMinor: z.int(), grossMinor: z.int(), refundMinor: z.int(), saleCount: z.int(), itemCount: z.int() }),
  ),
});
export const lateEventsResponse = z.object({
  lateEvents: z.array(
    z
      .object({
        eventId: z.string(),
        storeId: z.string(),
        occurredAt: z.string(),
        type: z.string(),
        currency: z.string(),
        totalMinor: z.int(),
        partition: z.int(),
        offset: z.int(),
        appendTime: z.number().describe("When the log received it, epoch ms"),
        reason: z.string(),
      })
      .describe("An event recorded as beyond the allowed lateness, with its reason"),
  ),
});
export const acceptedResponse = z.object({
  accepted: z.int().min(0).describe("Events appended now"),
  duplicates: z.int().min(0).describe("Events whose eventId was already accepted with the same payload (or repeated in this request)"),
});
