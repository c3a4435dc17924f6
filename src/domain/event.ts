import { z } from "zod";
import { ISO_4217 } from "./currencies.ts";

/** Upper bound of one event's amount, so that sums over many events stay exact safe integers. */
export const MAX_EVENT_TOTAL_MINOR = 1_000_000_000_000;
export const SCHEMA_VERSION = 1;
const STORE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const CURRENCY_CODE = /^[A-Z]{3}$/;

const line = z.strictObject({
  sku: z.string().min(1, "sku must not be empty").max(64, "sku is at most 64 characters"),
  quantity: z.int("quantity must be an integer").min(1, "quantity must be at least 1").max(1_000_000),
  unitPriceMinor: z.int("unitPriceMinor must be an integer number of minor units").min(0, "unitPriceMinor must be ≥ 0"),
});

/**
 * Event v1, the public contract. Unknown fields are rejected (strict): a misspelt
 * field would otherwise be silently ignored and a total silently wrong.
 */
export const saleEventV1 = z
  .strictObject({
    schemaVersion: z.literal(SCHEMA_VERSION).optional(),
    eventId: z.uuid("eventId must be a UUID"),
    storeId: z.string().regex(STORE_ID, "storeId must be 1–64 characters of A-Z a-z 0-9 _ -"),
    occurredAt: z.iso.datetime({ offset: true, message: "occurredAt must be an RFC 3339 date-time with an offset, e.g. 2026-11-27T10:15:00Z" }),
    type: z.enum(["sale", "refund"], "type must be \"sale\" or \"refund\""),
    currency: z
      .string()
      .regex(CURRENCY_CODE, { message: "currency must be a 3-letter upper-case ISO 4217 code", abort: true })
      .refine((c) => ISO_4217.has(c), "currency is not an ISO 4217 code"),
    lines: z.array(line).min(1, "lines must not be empty").max(1000, "at most 1000 lines per event"),
    totalMinor: z.int("totalMinor must be an integer number of minor units").min(0).optional(),
  })
  .superRefine((e, ctx) => {
    let sum = 0;
    for (const l of e.lines) sum += l.quantity * l.unitPriceMinor;
    if (!Number.isSafeInteger(sum) || sum > MAX_EVENT_TOTAL_MINOR) {
      ctx.addIssue({ code: "custom", path: ["lines"], message: `event total exceeds ${MAX_EVENT_TOTAL_MINOR} minor units` });
    } else if (e.totalMinor !== undefined && e.totalMinor !== sum) {
      ctx.addIssue({ code: "custom", path: ["totalMinor"], message: `totalMinor ${e.totalMinor} does not equal the sum of lines ${sum}` });
    }
  });

export type SaleEventInput = z.infer<typeof saleEventV1>;
export type SaleType = SaleEventInput["type"];

/** A validated event with the derived numbers every consumer needs. */
export interface SaleEvent {
  eventId: string;
  storeId: string;
  occurredAt: string;
  occurredAtMs: number;
  type: SaleType;
  currency: string;
  lines: { sku: string; quantity: number; unitPriceMinor: number }[];
  totalMinor: number;
  itemCount: number;
}

export function toSaleEvent(e: SaleEventInput): SaleEvent {
  let total = 0;
  let items = 0;
  for (const l of e.lines) {
    total += l.quantity * l.unitPriceMinor;
    items += l.quantity;
  }
  return {
    eventId: e.eventId.toLowerCase(),
    storeId: e.storeId,
    occurredAt: e.occurredAt,
    occurredAtMs: Date.parse(e.occurredAt),
    type: e.type,
    currency: e.currency,
    lines: e.lines,
    totalMinor: total,
    itemCount: items,
  };
}

export interface FieldIssue {
  index: number;
  path: string;
  message: string;
}

export function describeIssues(index: number, error: z.ZodError): FieldIssue[] {
  return error.issues.map((i) => ({
    index,
    path: i.path.length ? i.path.map(String).join(".") : "(event)",
    message: i.code === "unrecognized_keys" ? `unknown field(s): ${i.keys.join(", ")}` : i.message,
  }));
}

export type DecodeResult = { ok: true; event: SaleEvent } | { ok: false; issues: FieldIssue[] };

/** The patterns zod itself checks (taken from the schema, so the fast path below cannot drift from it). */
function patternOf(schema: unknown, field: string): RegExp {
  const pattern = (schema as { _zod?: { def?: { pattern?: unknown } } })._zod?.def?.pattern;
  if (!(pattern instanceof RegExp)) throw new Error(`event schema: no pattern on ${field}`);
  return pattern;
}
const UUID_PATTERN = patternOf(saleEventV1.shape.eventId, "eventId");
const DATETIME_PATTERN = patternOf(saleEventV1.shape.occurredAt, "occurredAt");
const EVENT_KEYS = new Set(Object.keys(saleEventV1.shape));

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Fast path of decodeEvent for the common case, a valid event parsed from JSON: the same checks as
 * `saleEventV1` written out by hand (zod costs ≈ 4 µs per event, this < 1 µs). It returns null
 * whenever the value is not certainly valid; the caller then runs zod, which stays the authority
 * for every rejection and its messages. So it may only accept what zod accepts (bench/verify-decode.ts
 * checks that differentially).
 */
export function fastPathDecode(v: unknown): SaleEvent | null {
  if (!isPlainObject(v)) return null;
  for (const k in v) if (!EVENT_KEYS.has(k)) return null;
  const { schemaVersion, eventId, storeId, occurredAt, type, currency, lines, totalMinor } = v;
  if (schemaVersion !== undefined && schemaVersion !== SCHEMA_VERSION) return null;
  if (typeof eventId !== "string" || !UUID_PATTERN.test(eventId)) return null;
  if (typeof storeId !== "string" || !STORE_ID.test(storeId)) return null;
  if (typeof occurredAt !== "string" || !DATETIME_PATTERN.test(occurredAt)) return null;
  if (type !== "sale" && type !== "refund") return null;
  if (typeof currency !== "string" || !CURRENCY_CODE.test(currency) || !ISO_4217.has(currency)) return null;
  if (!Array.isArray(lines) || lines.length < 1 || lines.length > 1000) return null;
  const out: SaleEvent["lines"] = new Array(lines.length);
  let sum = 0;
  for (let i = 0; i < lines.length; i++) {
    const l: unknown = lines[i];
    if (!isPlainObject(l)) return null;
    for (const k in l) if (k !== "sku" && k !== "quantity" && k !== "unitPriceMinor") return null;
    const { sku, quantity, unitPriceMinor } = l;
    if (typeof sku !== "string" || sku.length < 1 || sku.length > 64) return null;
    if (typeof quantity !== "number" || !Number.isSafeInteger(quantity) || quantity < 1 || quantity > 1_000_000) return null;
    if (typeof unitPriceMinor !== "number" || !Number.isSafeInteger(unitPriceMinor) || unitPriceMinor < 0) return null;
    out[i] = { sku, quantity, unitPriceMinor };
    sum += quantity * unitPriceMinor;
  }
  if (!Number.isSafeInteger(sum) || sum > MAX_EVENT_TOTAL_MINOR) return null;
  if (totalMinor !== undefined && (typeof totalMinor !== "number" || !Number.isSafeInteger(totalMinor) || totalMinor < 0 || totalMinor !== sum)) return null;
  return toSaleEvent({ eventId, storeId, occurredAt, type, currency, lines: out, totalMinor });
}

/** Validates one already-parsed JSON value as event v1. */
export function decodeEvent(value: unknown, index = 0): DecodeResult {
  const fast = fastPathDecode(value);
  if (fast) return { ok: true, event: fast };
  const r = saleEventV1.safeParse(value);
  if (!r.success) return { ok: false, issues: describeIssues(index, r.error) };
  return { ok: true, event: toSaleEvent(r.data) };
}

/** The record value written to the log: the event exactly as accepted, tagged with its schema version. */
export function encodeForLog(e: SaleEvent): string {
  return JSON.stringify({
    schemaVersion: SCHEMA_VERSION,
    eventId: e.eventId,
    storeId: e.storeId,
    occurredAt: e.occurredAt,
    type: e.type,
    currency: e.currency,
    lines: e.lines,
    totalMinor: e.totalMinor,
  });
}

/** What a consumer does with a raw log record: it must carry a schema version it knows. */
export function decodeLogRecord(value: string | null): { ok: true; event: SaleEvent } | { ok: false; reason: string } {
  if (value === null) return { ok: false, reason: "record has no value" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message}` };
  }
  if (typeof parsed !== "object" || parsed === null || (parsed as { schemaVersion?: unknown }).schemaVersion !== SCHEMA_VERSION) {
    return { ok: false, reason: `unsupported or missing schemaVersion (expected ${SCHEMA_VERSION})` };
  }
  const r = decodeEvent(parsed);
  if (!r.ok) return { ok: false, reason: r.issues.map((i) => `${i.path}: ${i.message}`).join("; ") };
  return r;
}
