import { z } from "zod";

const minor = z.int().describe("Integer minor units of the row's currency");

/** A minute row as the API and the live feed return it: the one definition, types are inferred from it. */
export const publicMinuteSchema = z.object({
  minute: z.string().describe("Start of the UTC minute, RFC 3339, e.g. 2026-11-27T10:15:00Z"),
  currency: z.string().describe("ISO 4217 code; totals are never summed across currencies"),
  saleCount: z.int().min(0),
  refundCount: z.int().min(0),
  grossMinor: minor,
  refundMinor: minor,
  netMinor: minor.describe("grossMinor − refundMinor"),
  itemCount: z.int().min(0),
  provisional: z.boolean().describe("true while the minute may still change; false once the pipeline has written it final"),
});

export type PublicMinute = z.infer<typeof publicMinuteSchema>;
