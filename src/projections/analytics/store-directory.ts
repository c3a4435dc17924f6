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

/**
 * The current IANA names of zones this runtime's ICU lists under an older name (Asia/Calcutta), and
 * UTC: accepted too, as long as the runtime knows them.
 */
const CURRENT_ZONE_NAMES = [
  "UTC", "Etc/UTC", "Africa/Asmara", "America/Argentina/Buenos_Aires", "America/Argentina/Catamarca", "America/Argentina/Cordoba",
  "America/Argentina/Jujuy", "America/Argentina/Mendoza", "America/Atikokan", "America/Indiana/Indianapolis", "America/Kentucky/Louisville",
  "America/Nuuk", "Asia/Ho_Chi_Minh", "Asia/Kathmandu", "Asia/Kolkata", "Asia/Yangon", "Atlantic/Faroe", "Europe/Kyiv",
  "Pacific/Chuuk", "Pacific/Kanton", "Pacific/Pohnpei",
];

function runtimeKnows(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * Every time zone a store may have: the runtime's own list plus CURRENT_ZONE_NAMES. The server checks
 * against this list and the OpenAPI document states it as an enum, so the two cannot drift.
 */
export const TIME_ZONES: readonly string[] = [...new Set([...Intl.supportedValuesOf("timeZone"), ...CURRENT_ZONE_NAMES.filter(runtimeKnows)])].sort();
const TIME_ZONE_SET = new Set(TIME_ZONES);

/** True for an IANA zone name of TIME_ZONES ("Europe/Paris", "UTC"); offsets like "+01:00" are not zones. */
export function isIanaTimeZone(tz: string): boolean {
  return TIME_ZONE_SET.has(tz);
}

// the same rule as event storeIds (src/domain/event.ts)
export const storeIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "storeId must be 1–64 characters of A-Z a-z 0-9 _ -");

/** What String.prototype.trim removes (ECMAScript WhiteSpace and LineTerminator), spelled out so other regex engines agree. */
const WS = "\\t\\n\\u000b\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff";

/**
 * Text that is 1–max code points once trimmed (leading and trailing whitespace is allowed and
 * removed): the rule as a pattern, so the OpenAPI document states it exactly.
 */
function trimmedText(field: string, max: number) {
  const pattern = new RegExp(`^[${WS}]*[^${WS}](?:[\\s\\S]{0,${max - 2}}[^${WS}])?[${WS}]*$`, "u");
  return z
    .string()
    .regex(pattern, {
      error: (iss) => (String(iss.input).trim() === "" ? `${field} must not be empty` : `${field} must be at most ${max} characters (code points, once trimmed)`),
    })
    .trim()
    .describe(`Trimmed; 1–${max} characters (code points) after trimming`);
}

export const storeFieldsSchema = z.strictObject({
  name: trimmedText("name", 200),
  region: trimmedText("region", 100),
  timeZone: z
    .string()
    .refine(isIanaTimeZone, { error: (iss) => `timeZone ${JSON.stringify(String(iss.input).slice(0, 60))} is not an IANA time zone (e.g. Europe/Paris)` })
    .meta({ enum: [...TIME_ZONES], description: "An IANA time zone name from this list (the runtime's zones, UTC and current names)" }),
});

export const storeInfoSchema = storeFieldsSchema.extend({ storeId: storeIdSchema });

export const MAX_STORES_PER_BATCH = 10_000;

/** Human-readable issues of a failed parse, each with its path (bounded). */
export function issuesOf(err: z.ZodError, prefix = ""): string[] {
  return err.issues.slice(0, 20).map((i) => `${prefix}${i.path.join(".") || "body"}: ${i.message}`);
}
