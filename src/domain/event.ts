import { z } from "zod";
import { ISO_4217 } from "./currencies.ts";
import { parseRfc3339, RFC3339_PATTERN } from "./rfc3339.ts";

/**
 * Per-event money cap: |totalMinor| and every quantity × unitPriceMinor stay at or below 10^12
 * minor units, so one event's sum is exact and ~9,000 of them still sum exactly in a double.
 * (Window sums beyond 2^53 are guarded separately by the windows.)
 */
export const MAX_EVENT_TOTAL_MINOR = 1_000_000_000_000;
export const MAX_LINES_PER_EVENT = 1000;
export const MAX_QUANTITY = 1_000_000;
export const MAX_SKU_LENGTH = 64;
export const SCHEMA_VERSION = 1;
const STORE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const CURRENCY_CODE = /^[A-Z]{3}$/;
/**
 * A sku is 1–64 Unicode code points of any text except control characters (U+0000–U+001F,
 * U+007F–U+009F) and lone surrogates: what PostgreSQL jsonb/text, Cassandra text and JSON all hold.
 */
// eslint-disable-next-line no-control-regex -- the pattern exists to exclude control characters
export const SKU_PATTERN = /^[^\u0000-\u001F\u007F-\u009F]{1,64}$/u;
/** With the u flag a lone surrogate is one code point of category Cs (a valid pair is not). */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The rules JSON Schema cannot state, written into the OpenAPI document as extensions a generator
 * (the fuzzer's hooks, test/fuzz/hooks.py) or a client library can read: see docs/api.md.
 */
const SUM_OF_LINES_RULE = {
  "x-intraday-sum-of": { array: "lines", product: ["quantity", "unitPriceMinor"], maximum: MAX_EVENT_TOTAL_MINOR, equalTo: "totalMinor" },
};
const INSTANT_RULE = {
  "x-intraday-instant": { minimum: "2000-01-01T00:00:00Z", exclusiveMaximum: "10000-01-01T00:00:00Z", realCalendarDate: true },
};
const IDEMPOTENCY_KEY_RULE = { "x-intraday-idempotency-key": { caseInsensitive: true, samePayloadIsDuplicate: true, otherPayloadIs: 409 } };

const OCCURRED_AT_FORMAT = "occurredAt must be an RFC 3339 date-time with an offset, e.g. 2026-11-27T10:15:00Z";
const OCCURRED_AT_RANGE = "occurredAt must be a real calendar date-time from 2000-01-01T00:00:00Z to 9999-12-31T23:59:59Z (no leap second :60)";

const line = z
  .strictObject({
    sku: z
      .string()
      .min(1, { message: "sku must not be empty", abort: true })
      .regex(SKU_PATTERN, { message: `sku must be 1–${MAX_SKU_LENGTH} characters without control characters`, abort: true })
      .refine((sku) => !LONE_SURROGATE.test(sku), "sku must be well-formed Unicode (no lone surrogates)")
      .describe("1–64 Unicode code points; no control characters (U+0000–U+001F, U+007F–U+009F), no lone surrogates"),
    quantity: z.int("quantity must be an integer").min(1, "quantity must be at least 1").max(MAX_QUANTITY, `quantity is at most ${MAX_QUANTITY}`),
    unitPriceMinor: z
      .int("unitPriceMinor must be an integer number of minor units")
      .min(0, "unitPriceMinor must be ≥ 0")
      .max(MAX_EVENT_TOTAL_MINOR, `unitPriceMinor is at most ${MAX_EVENT_TOTAL_MINOR}`),
  })
  .describe("One line: quantity × unitPriceMinor, in minor units of the event's currency");

/**
 * Event v1, the public contract. Unknown fields are rejected (strict): a misspelt
 * field would otherwise be silently ignored and a total silently wrong.
 */
export const saleEventV1 = z
  .strictObject({
    schemaVersion: z.literal(SCHEMA_VERSION).optional(),
    eventId: z.uuid("eventId must be a UUID").describe("Chosen by the client; the idempotency key (case-insensitive). Resending it with a different payload is a 409. Any UUID version; version 7 (time-ordered) keeps the stores' id indexes cheap as history grows")
      .meta(IDEMPOTENCY_KEY_RULE),
    storeId: z.string().regex(STORE_ID, "storeId must be 1–64 characters of A-Z a-z 0-9 _ -"),
    occurredAt: z
      .string(OCCURRED_AT_FORMAT)
      .regex(RFC3339_PATTERN, { message: OCCURRED_AT_FORMAT, abort: true })
      .refine((s) => parseRfc3339(s) !== undefined, OCCURRED_AT_RANGE)
      .describe(
        "Event time, RFC 3339 with an offset (T/t, Z/z or ±hh:mm, up to 9 fraction digits, kept to the ms). Years 2000–9999 in UTC, no leap second (:60). " +
          "At most INTRADAY_MAX_FUTURE_SKEW_MS ahead of the server clock",
      )
      .meta(INSTANT_RULE),
    type: z.enum(["sale", "refund"], "type must be \"sale\" or \"refund\"").describe("A refund's amounts are positive and counted as refunds"),
    currency: z
      .string()
      .regex(CURRENCY_CODE, { message: "currency must be a 3-letter upper-case ISO 4217 code", abort: true })
      .refine((c) => ISO_4217.has(c), "currency is not an ISO 4217 code")
      .meta({ enum: [...ISO_4217].sort(), description: "An active ISO 4217 alphabetic code" }),
    lines: z
      .array(line)
      .min(1, "lines must not be empty")
      .max(MAX_LINES_PER_EVENT, `at most ${MAX_LINES_PER_EVENT} lines per event`),
    totalMinor: z
      .int("totalMinor must be an integer number of minor units")
      .min(0, "totalMinor must be ≥ 0")
      .max(MAX_EVENT_TOTAL_MINOR, `totalMinor is at most ${MAX_EVENT_TOTAL_MINOR}`)
      .optional()
      .describe("Optional check: must equal Σ quantity × unitPriceMinor over the lines"),
  })
  .superRefine((e, ctx) => {
    let sum = 0;
    for (const l of e.lines) sum += l.quantity * l.unitPriceMinor;
    if (!Number.isSafeInteger(sum) || sum > MAX_EVENT_TOTAL_MINOR) {
      ctx.addIssue({ code: "custom", path: ["lines"], message: `event total exceeds ${MAX_EVENT_TOTAL_MINOR} minor units` });
    } else if (e.totalMinor !== undefined && e.totalMinor !== sum) {
      ctx.addIssue({ code: "custom", path: ["totalMinor"], message: `totalMinor ${e.totalMinor} does not equal the sum of lines ${sum}` });
    }
  })
  .describe(
    `One sale or refund. Σ quantity × unitPriceMinor over the lines is at most ${MAX_EVENT_TOTAL_MINOR} minor units and equals totalMinor when given. ` +
      `At most ${MAX_LINES_PER_EVENT} lines.`,
  )
  .meta(SUM_OF_LINES_RULE);

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

/**
 * An event without its lines, their sums kept: all that windows and late-event records read. The
 * window path decodes records to this, so it neither builds nor holds a line object per line.
 */
export type EventSummary = Omit<SaleEvent, "lines">;

/** `occurredAtMs`: when the caller has already parsed `occurredAt` (the decode fast path), it is not parsed again. */
export function toSaleEvent(e: SaleEventInput, occurredAtMs = parseRfc3339(e.occurredAt) ?? Date.parse(e.occurredAt)): SaleEvent {
  let total = 0;
  let items = 0;
  for (const l of e.lines) {
    total += l.quantity * l.unitPriceMinor;
    items += l.quantity;
  }
  return {
    eventId: e.eventId.toLowerCase(),
    storeId: e.storeId,
    occurredAt: e.occurredAt.toUpperCase(),
    occurredAtMs,
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
const EVENT_KEYS = new Set(Object.keys(saleEventV1.shape));

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * The checks of `saleEventV1` written out by hand, field by field, for the decode fast paths (a JSON
 * object here, an `S1` record in log-record.ts). Each says whether a value is certainly valid; when
 * one is not, the caller declines and zod decides, so these may only accept what zod accepts
 * (bench/verify-decode.ts and the property tests check that differentially).
 */
export const fastCheck = {
  /** `occurredAt` in epoch ms when the head fields are certainly valid, else undefined. */
  head(eventId: unknown, storeId: unknown, occurredAt: unknown, type: unknown, currency: unknown): number | undefined {
    if (typeof eventId !== "string" || !UUID_PATTERN.test(eventId)) return undefined;
    if (typeof storeId !== "string" || !STORE_ID.test(storeId)) return undefined;
    if (typeof occurredAt !== "string") return undefined;
    const occurredAtMs = parseRfc3339(occurredAt);
    if (occurredAtMs === undefined) return undefined;
    if (type !== "sale" && type !== "refund") return undefined;
    if (typeof currency !== "string" || !CURRENCY_CODE.test(currency) || !ISO_4217.has(currency)) return undefined;
    return occurredAtMs;
  },
  lineCount(n: number): boolean {
    return n >= 1 && n <= MAX_LINES_PER_EVENT;
  },
  line(sku: unknown, quantity: unknown, unitPriceMinor: unknown): boolean {
    if (typeof sku !== "string" || !SKU_PATTERN.test(sku) || LONE_SURROGATE.test(sku)) return false;
    if (typeof quantity !== "number" || !Number.isSafeInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY) return false;
    return typeof unitPriceMinor === "number" && Number.isSafeInteger(unitPriceMinor) && unitPriceMinor >= 0 && unitPriceMinor <= MAX_EVENT_TOTAL_MINOR;
  },
  /** Σ quantity × unitPriceMinor of valid lines. */
  total(sum: number): boolean {
    return Number.isSafeInteger(sum) && sum <= MAX_EVENT_TOTAL_MINOR;
  },
};

/**
 * The event of fields that passed `fastCheck` (canonical case as toSaleEvent makes it; the lines'
 * sums computed by the caller in the same pass), or its summary when no lines are given.
 */
export function checkedEvent(head: CheckedHead, occurredAtMs: number, lines: SaleEvent["lines"], totalMinor: number, itemCount: number): SaleEvent;
export function checkedEvent(head: CheckedHead, occurredAtMs: number, lines: undefined, totalMinor: number, itemCount: number): EventSummary;
export function checkedEvent(head: CheckedHead, occurredAtMs: number, lines: SaleEvent["lines"] | undefined, totalMinor: number, itemCount: number): EventSummary {
  // One shape for both (a summary's lines is undefined), so the window path's code sees one object shape.
  return {
    eventId: head.eventId.toLowerCase(),
    storeId: head.storeId,
    occurredAt: head.occurredAt.toUpperCase(),
    occurredAtMs,
    type: head.type,
    currency: head.currency,
    lines,
    totalMinor,
    itemCount,
  } as EventSummary;
}

type CheckedHead = { eventId: string; storeId: string; occurredAt: string; type: SaleType; currency: string };

/**
 * Fast path of decodeEvent for the common case, a valid event parsed from JSON (zod costs ≈ 4 µs
 * per event, this < 1 µs). It returns null whenever the value is not certainly valid; the caller
 * then runs zod, which stays the authority for every rejection and its messages.
 */
export function fastPathDecode(v: unknown): SaleEvent | null {
  if (!isPlainObject(v)) return null;
  for (const k in v) if (!EVENT_KEYS.has(k)) return null;
  const { schemaVersion, eventId, storeId, occurredAt, type, currency, lines, totalMinor } = v;
  if (schemaVersion !== undefined && schemaVersion !== SCHEMA_VERSION) return null;
  const occurredAtMs = fastCheck.head(eventId, storeId, occurredAt, type, currency);
  if (occurredAtMs === undefined) return null;
  if (!Array.isArray(lines) || !fastCheck.lineCount(lines.length)) return null;
  const out: SaleEvent["lines"] = new Array(lines.length);
  let sum = 0;
  let items = 0;
  for (let i = 0; i < lines.length; i++) {
    const l: unknown = lines[i];
    if (!isPlainObject(l)) return null;
    for (const k in l) if (k !== "sku" && k !== "quantity" && k !== "unitPriceMinor") return null;
    const { sku, quantity, unitPriceMinor } = l;
    if (!fastCheck.line(sku, quantity, unitPriceMinor)) return null;
    out[i] = { sku: sku as string, quantity: quantity as number, unitPriceMinor: unitPriceMinor as number };
    sum += (quantity as number) * (unitPriceMinor as number);
    items += quantity as number;
  }
  if (!fastCheck.total(sum)) return null;
  if (totalMinor !== undefined && (typeof totalMinor !== "number" || !Number.isSafeInteger(totalMinor) || totalMinor < 0 || totalMinor !== sum)) return null;
  const head = { eventId, storeId, occurredAt, type, currency } as CheckedHead;
  return checkedEvent(head, occurredAtMs, out, sum, items);
}

/** Validates one already-parsed JSON value as event v1. */
export function decodeEvent(value: unknown, index = 0): DecodeResult {
  const fast = fastPathDecode(value);
  if (fast) return { ok: true, event: fast };
  // Bounded work: too many lines is one issue, without validating each line.
  const lines = isPlainObject(value) ? value.lines : undefined;
  if (Array.isArray(lines) && lines.length > MAX_LINES_PER_EVENT) {
    return { ok: false, issues: [{ index, path: "lines", message: `at most ${MAX_LINES_PER_EVENT} lines per event (got ${lines.length})` }] };
  }
  const r = saleEventV1.safeParse(value);
  if (!r.success) return { ok: false, issues: describeIssues(index, r.error) };
  return { ok: true, event: toSaleEvent(r.data) };
}
