import { checkedEvent, decodeEvent, fastCheck, MAX_LINES_PER_EVENT, SCHEMA_VERSION, type EventSummary, type SaleEvent, type SaleType } from "./event.ts";

/**
 * The log's record value of one event. Two formats, told apart by their first characters:
 *
 * - **`S1` (written since 2026-11-30)**: event v1 as tab-separated text,
 *   `S1⇥eventId⇥storeId⇥occurredAt⇥type⇥currency` then `⇥sku⇥quantity⇥unitPriceMinor` per line.
 *   No field can hold a tab (the contract refuses control characters everywhere), so nothing is
 *   escaped; `totalMinor` is not written because the lines define it. About 40 % of the JSON's size,
 *   and a consumer reads it in one pass over the text instead of `JSON.parse` and a walk of the object.
 * - **JSON (`{"schemaVersion":1,…}`)**: what logs written before hold; read for ever, never written.
 *
 * Either way the fields then pass the Event v1 contract (`decodeEvent`), so a record from another
 * producer is held to the same rules as a POST, whatever its format.
 */
export const RECORD_FORMAT = "S1";
const TAB = "\t";
const HEAD_FIELDS = 6;
const LINE_FIELDS = 3;

/** The record value the log carries for an accepted event (canonical fields, see toSaleEvent). */
export function encodeForLog(e: SaleEvent): string {
  let s = `${RECORD_FORMAT}\t${e.eventId}\t${e.storeId}\t${e.occurredAt}\t${e.type}\t${e.currency}`;
  for (const l of e.lines) s += `\t${l.sku}\t${l.quantity}\t${l.unitPriceMinor}`;
  return s;
}

/** The JSON record of logs written before `S1`: kept so tests and tools can write such logs. */
export function encodeLegacyJsonRecord(e: SaleEvent): string {
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

export type RecordDecodeResult<E = SaleEvent> = { ok: true; event: E } | { ok: false; reason: string };

/** What a consumer does with a raw log record: a format it knows carrying a valid event v1, or why not. */
export function decodeLogRecord(value: string | null): RecordDecodeResult {
  return decodeRecord(value, scanWholeRecord);
}

/**
 * decodeLogRecord for a consumer that reads no lines (the window path): the same checks and the
 * same verdict on every record, but a valid record's lines are only summed, not kept.
 */
export function decodeLogRecordSummary(value: string | null): RecordDecodeResult<EventSummary> {
  return decodeRecord(value, scanSummaryRecord);
}

/** `scan` reads the common case in one pass; what it declines gets the full decode (whole events). */
function decodeRecord<E>(value: string | null, scan: (v: string) => E | null): RecordDecodeResult<E | SaleEvent> {
  if (value === null) return { ok: false, reason: "record has no value" };
  if (value.startsWith(RECORD_FORMAT + TAB)) {
    const fast = scan(value);
    return fast ? { ok: true, event: fast } : decodeTabRecord(value);
  }
  if (value.trimStart().startsWith("{")) return decodeJsonRecord(value);
  return { ok: false, reason: `unknown record format (expected "${RECORD_FORMAT}⇥…" or a JSON object): ${JSON.stringify(value.slice(0, 40))}` };
}

/**
 * A decimal integer written as the encoder writes one (optional minus, no leading zero), or
 * undefined. Past 2^53 the value is approximate, which is fine: the contract refuses it as too large.
 */
function decimalInteger(text: string): number | undefined {
  return decimalAt(text, 0, text.length);
}

/** decimalInteger of text[start, end), read where it stands (no substring). */
function decimalAt(text: string, start: number, end: number): number | undefined {
  const negative = text.charCodeAt(start) === 45;
  const first = negative ? start + 1 : start;
  if (end === first || (end > first + 1 && text.charCodeAt(first) === 48)) return undefined;
  let v = 0;
  for (let i = first; i < end; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    v = v * 10 + d;
  }
  return negative ? 0 - v : v; // 0 - 0 is 0, not -0
}

/** An `S1` record through the contract (decodeEvent, zod behind it), which decides and names the field. */
function decodeTabRecord(value: string): RecordDecodeResult {
  const f = value.split(TAB);
  const lineCount = (f.length - HEAD_FIELDS) / LINE_FIELDS;
  if (!Number.isInteger(lineCount) || lineCount < 1 || lineCount > MAX_LINES_PER_EVENT) {
    return {
      ok: false,
      reason: `${RECORD_FORMAT} record must have ${HEAD_FIELDS} + ${LINE_FIELDS} × lines fields (1–${MAX_LINES_PER_EVENT} lines), got ${f.length} fields`,
    };
  }
  const lines = new Array<{ sku: string; quantity: number | string; unitPriceMinor: number | string }>(lineCount);
  for (let i = 0, k = HEAD_FIELDS; i < lineCount; i++, k += LINE_FIELDS) {
    const quantity = f[k + 1]!;
    const price = f[k + 2]!;
    // A field that is not an integer goes on as text: the contract then names the field.
    lines[i] = { sku: f[k]!, quantity: decimalInteger(quantity) ?? quantity, unitPriceMinor: decimalInteger(price) ?? price };
  }
  const r = decodeEvent({ eventId: f[1], storeId: f[2], occurredAt: f[3], type: f[4], currency: f[5], lines });
  return r.ok ? r : { ok: false, reason: r.issues.map((i) => `${i.path}: ${i.message}`).join("; ") };
}

/** Where a record's tabs are, reused (records are scanned one at a time): field k runs from tabs[k - 1] + 1 to tabs[k]. */
const tabs = new Int32Array(HEAD_FIELDS + LINE_FIELDS * MAX_LINES_PER_EVENT);

function textField(v: string, tabCount: number, k: number): string {
  return v.slice(tabs[k - 1]! + 1, k < tabCount ? tabs[k]! : v.length);
}

function integerField(v: string, tabCount: number, k: number): number | undefined {
  return decimalAt(v, tabs[k - 1]! + 1, k < tabCount ? tabs[k]! : v.length);
}

function isField(v: string, tabCount: number, k: number, word: string): boolean {
  const from = tabs[k - 1]! + 1;
  return (k < tabCount ? tabs[k]! : v.length) - from === word.length && v.startsWith(word, from);
}

const scanWholeRecord = (v: string): SaleEvent | null => scanTabRecord(v, true);
const scanSummaryRecord = (v: string): EventSummary | null => scanTabRecord(v, false);

/**
 * The common case in one pass over the text, without splitting it: the tabs are located, the
 * string fields cut out, the numbers read where they stand. A record whose every field is
 * certainly valid becomes its event; anything else returns null, and the split path above hands
 * the fields to the contract (decodeEvent, zod behind it), which decides and names the field.
 * Without `keepLines`, lines are checked and summed but not built (a summary).
 */
function scanTabRecord(v: string, keepLines: true): SaleEvent | null;
function scanTabRecord(v: string, keepLines: false): EventSummary | null;
function scanTabRecord(v: string, keepLines: boolean): EventSummary | null {
  let n = 0;
  for (let t = v.indexOf(TAB); t >= 0; t = v.indexOf(TAB, t + 1)) {
    if (n === tabs.length) return null; // more fields than the largest event has
    tabs[n++] = t;
  }
  const lineCount = (n + 1 - HEAD_FIELDS) / LINE_FIELDS;
  if (!Number.isInteger(lineCount) || !fastCheck.lineCount(lineCount)) return null;
  const eventId = textField(v, n, 1);
  const storeId = textField(v, n, 2);
  const occurredAt = textField(v, n, 3);
  const type: SaleType | undefined = isField(v, n, 4, "sale") ? "sale" : isField(v, n, 4, "refund") ? "refund" : undefined;
  const currency = textField(v, n, 5);
  const occurredAtMs = fastCheck.head(eventId, storeId, occurredAt, type, currency);
  if (occurredAtMs === undefined) return null;
  const lines: SaleEvent["lines"] | undefined = keepLines ? new Array(lineCount) : undefined; // of the exact size: one grown by push costs more
  let sum = 0;
  let items = 0;
  for (let i = 0, k = HEAD_FIELDS; i < lineCount; i++, k += LINE_FIELDS) {
    const sku = textField(v, n, k);
    const quantity = integerField(v, n, k + 1);
    const unitPriceMinor = integerField(v, n, k + 2);
    if (!fastCheck.line(sku, quantity, unitPriceMinor)) return null;
    if (lines) lines[i] = { sku, quantity: quantity!, unitPriceMinor: unitPriceMinor! };
    sum += quantity! * unitPriceMinor!;
    items += quantity!;
  }
  if (!fastCheck.total(sum)) return null;
  const head = { eventId, storeId, occurredAt, type: type!, currency };
  return lines ? checkedEvent(head, occurredAtMs, lines, sum, items) : checkedEvent(head, occurredAtMs, undefined, sum, items);
}

function decodeJsonRecord(value: string): RecordDecodeResult {
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
  return r.ok ? r : { ok: false, reason: r.issues.map((i) => `${i.path}: ${i.message}`).join("; ") };
}
