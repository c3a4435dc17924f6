import { z } from "zod";

/** Reference data of one store: what dashboards filter by, and whose local day daily totals follow. */
export interface StoreInfo {
  storeId: string;
  name: string;
  region: string;
  timeZone: string;
}

export interface StoreDirectory {
  /** Inserts or replaces each store (whole rows). */
  upsert(stores: readonly StoreInfo[]): Promise<void>;
  list(): Promise<StoreInfo[]>;
  close?(): Promise<void>;
}

/** True for an IANA zone name this runtime knows ("Europe/Paris", "UTC"); offsets like "+01:00" are not zones. */
export function isIanaTimeZone(tz: string): boolean {
  if (!/^[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)*$/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

// the same rule as event storeIds (src/domain/event.ts)
export const storeIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "storeId must be 1–64 characters of A-Z a-z 0-9 _ -");

export const storeFieldsSchema = z.strictObject({
  name: z.string().trim().min(1, "name must not be empty").max(200, "name must be at most 200 characters"),
  region: z.string().trim().min(1, "region must not be empty").max(100, "region must be at most 100 characters"),
  timeZone: z.string().refine(isIanaTimeZone, { error: (iss) => `timeZone ${JSON.stringify(String(iss.input).slice(0, 60))} is not an IANA time zone (e.g. Europe/Paris)` }),
});

export const storeInfoSchema = storeFieldsSchema.extend({ storeId: storeIdSchema });

export const MAX_STORES_PER_BATCH = 10_000;

/** Human-readable issues of a failed parse, each with its path (bounded). */
export function issuesOf(err: z.ZodError, prefix = ""): string[] {
  return err.issues.slice(0, 20).map((i) => `${prefix}${i.path.join(".") || "body"}: ${i.message}`);
}
