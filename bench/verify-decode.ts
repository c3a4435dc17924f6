/**
 * Differential check of the decode fast path against zod: random valid events and mutations of them
 * (missing, extra, mistyped and boundary fields). The fast path may decline (zod then decides) but
 * must never accept what zod rejects, and must decode exactly as zod does when both accept.
 *   npx tsx bench/verify-decode.ts [cases]
 */
import { isDeepStrictEqual } from "node:util";
import { fastPathDecode, saleEventV1, toSaleEvent } from "../src/domain/event.ts";
import { makeStores, rng, TrafficGenerator } from "../scripts/sim/traffic.ts";

const N = Number(process.argv[2] ?? 200_000);
const rand = rng(1234);
const gen = new TrafficGenerator(makeStores(50), { refunds: 0.05, outOfOrder: 0.1, late: 0.05, duplicates: 0, invalid: 0 }, rand);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const WEIRD: unknown[] = [
  undefined, null, true, 0, -0, 1, -1, 1.5, 2 ** 53, 2 ** 53 - 1, -(2 ** 53), NaN, Infinity, "", "x", "1", [], {}, [1], { a: 1 },
  "sale", "refund", "SALE", "EUR", "eur", "XYZ", "EURO", "E1R", "2026-11-27T10:15:00Z", "2026-11-27T10:15:00.123+01:00", "2026-11-27T10:15Z",
  "2026-11-27T10:15:00", "2026-02-29T10:15:00Z", "2024-02-29T23:59:59.9-23:59", "2026-11-27t10:15:00z", "2026-11-27T24:00:00Z",
  "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF",
  "123e4567-e89b-12d3-a456-426614174000", "123e4567-e89b-02d3-a456-426614174000", "123e4567-e89b-12d3-c456-426614174000",
  "a".repeat(64), "a".repeat(65), "store 1", "store-ü", 1_000_000, 1_000_001, 999_999_999_999, 1_000_000_000_000, 1_000_000_000_001,
];
const FIELDS = ["schemaVersion", "eventId", "storeId", "occurredAt", "type", "currency", "lines", "totalMinor", "extra", "__proto__"];
const LINE_FIELDS = ["sku", "quantity", "unitPriceMinor", "extra"];

function mutate(e: Record<string, unknown>): unknown {
  const m = Math.floor(rand() * 10);
  const lines = (e.lines as Record<string, unknown>[]).map((l) => ({ ...l }));
  const out: Record<string, unknown> = { ...e, lines };
  if (m === 0) return pick(WEIRD);
  const times = 1 + Math.floor(rand() * 2);
  for (let t = 0; t < times; t++) {
    const r = rand();
    if (r < 0.35) out[pick(FIELDS)] = pick(WEIRD);
    else if (r < 0.5) delete out[pick(FIELDS)];
    else if (r < 0.75 && lines.length) lines[Math.floor(rand() * lines.length)]![pick(LINE_FIELDS)] = pick(WEIRD);
    else if (r < 0.82 && lines.length) delete lines[Math.floor(rand() * lines.length)]![pick(LINE_FIELDS)];
    else if (r < 0.88) out.lines = pick([[], Array.from({ length: 1001 }, () => lines[0]), [null], [[]], "x", lines.concat(lines)]);
    else if (r < 0.94) out.totalMinor = (typeof out.totalMinor === "number" ? out.totalMinor : 0) + pick([0, 1, -1, 0.5]);
    else out.schemaVersion = pick([1, 2, "1", undefined]);
  }
  return rand() < 0.5 ? JSON.parse(JSON.stringify(out)) : out;
}

let accepted = 0;
let declinedValid = 0;
let rejected = 0;
for (let i = 0; i < N; i++) {
  const base = JSON.parse(gen.next().json) as Record<string, unknown>;
  const value = rand() < 0.3 ? base : mutate(base);
  const z = saleEventV1.safeParse(value);
  const f = fastPathDecode(value);
  if (f && !z.success) throw new Error(`fast path accepted what zod rejects: ${JSON.stringify(value)}\n${z.error.message}`);
  if (f && z.success && !isDeepStrictEqual(f, toSaleEvent(z.data))) throw new Error(`decoded differently: ${JSON.stringify(value)}`);
  if (z.success && !f) declinedValid++;
  if (z.success) accepted++;
  else rejected++;
}
console.log(`${N} cases: zod accepted ${accepted}, rejected ${rejected}; fast path agreed on every acceptance, declined ${declinedValid} valid (zod decided)`);
