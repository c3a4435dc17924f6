/**
 * The ingest path's per-event JavaScript work, in one process, as an A/B pair: body JSON.parse +
 * IngestService.validate + payload fingerprint + log record value, with the reference formulas
 * (the JSON log record of logs before `S1`, `JSON.stringify` + `createHash` fingerprint: "before") and
 * the ingest path's own (`encodeForLog`, the `S1` record, and `fingerprintOf`: "after"), alternated
 * round by round so both see the same machine. CPU µs per event (process.cpuUsage), min and median
 * over the rounds: on a shared machine read the ratio. Both variants' outputs are checked to be the
 * same event and fingerprint first.
 *   npx tsx bench/ingest-path.ts [rounds]     (writes bench/results/ingest-path-latest.json)
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { type SaleEvent } from "../src/domain/event.ts";
import { decodeLogRecord, encodeForLog, encodeLegacyJsonRecord } from "../src/domain/log-record.ts";
import type { IngestLog } from "../src/event-log/ports.ts";
import { fingerprintOf } from "../src/ingest/fingerprint.ts";
import { IngestService } from "../src/ingest/ingest-service.ts";
import { BodyFactory } from "./fixtures.ts";

const ROUNDS = Number(process.argv[2] ?? 15);
const BODIES = 40;
const BATCH = 500;

function referenceFingerprint(e: SaleEvent): bigint {
  const canonical = JSON.stringify([e.storeId, e.occurredAtMs, e.type, e.currency, e.lines.map((l) => [l.sku, l.quantity, l.unitPriceMinor])]);
  return createHash("sha256").update(canonical).digest().readBigInt64BE(0);
}

const unusedLog: IngestLog = { partitions: 6, appendNew: () => Promise.reject(new Error("validate only")), isAvailable: () => true, close: async () => undefined };
const service = new IngestService(unusedLog, { maxBatch: 1000, maxFutureSkewMs: 120_000 });
const factory = new BodyFactory(1000);
const bodies = Array.from({ length: BODIES }, () => factory.batch(BATCH));

const variants = {
  before: (e: SaleEvent) => [referenceFingerprint(e), encodeLegacyJsonRecord(e)] as const,
  after: (e: SaleEvent) => [fingerprintOf(e), encodeForLog(e)] as const,
};
type Variant = keyof typeof variants;

for (const body of bodies.slice(0, 4)) {
  for (const e of service.validate(JSON.parse(body)).events) {
    const [fa, va] = variants.before(e);
    const [fb, vb] = variants.after(e);
    if (fa !== fb || JSON.stringify(decodeLogRecord(va)) !== JSON.stringify(decodeLogRecord(vb))) throw new Error(`variants differ for ${e.eventId}`);
  }
}

let sink = 0;
function round(v: Variant): number {
  const f = variants[v];
  const c = process.cpuUsage();
  let n = 0;
  for (const body of bodies) {
    for (const e of service.validate(JSON.parse(body)).events) {
      const [fp, value] = f(e);
      sink += value.length + Number(fp & 1n);
      n++;
    }
  }
  const d = process.cpuUsage(c);
  return (d.user + d.system) / n;
}

const results: Record<Variant, number[]> = { before: [], after: [] };
round("before");
round("after");
for (let r = 0; r < ROUNDS; r++) {
  const order: Variant[] = r % 2 ? ["after", "before"] : ["before", "after"];
  for (const v of order) results[v].push(round(v));
}
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0]!, median: s[Math.floor(s.length / 2)]! };
};
const before = stats(results.before);
const after = stats(results.after);
const out = { at: new Date().toISOString(), loadavg: loadavg(), rounds: ROUNDS, eventsPerRound: BODIES * BATCH, cpuUsPerEvent: { before, after }, ratioMedian: after.median / before.median, sink };
console.log(`load ${loadavg().map((x) => x.toFixed(2)).join(" ")}; ${ROUNDS} rounds × ${BODIES * BATCH} events, CPU µs per event (parse + validate + fingerprint + record value):`);
console.log(`  before (JSON record, JSON.stringify + createHash): min ${before.min.toFixed(2)}, median ${before.median.toFixed(2)}`);
console.log(`  after  (S1 record, fingerprintOf):                min ${after.min.toFixed(2)}, median ${after.median.toFixed(2)}  (${((1 - out.ratioMedian) * 100).toFixed(0)} % less)`);
const dir = join(import.meta.dirname, "results");
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, "ingest-path-latest.json"), JSON.stringify(out, null, 2));
