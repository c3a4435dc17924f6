/**
 * In-process A/B of `decodeLogRecord`: this checkout's against another checkout's, on the same
 * records (the simulator's traffic as the log holds it), rounds alternated, CPU µs per record.
 *   npx tsx bench/decode-ab.ts --baseline <checkout dir> [--rounds 10] [--events 200000]
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { decodeLogRecord } from "../src/domain/log-record.ts";
import { logRecords } from "./fixtures.ts";

const { values: flags } = parseArgs({ options: { baseline: { type: "string" }, rounds: { type: "string", default: "10" }, events: { type: "string", default: "200000" } } });
if (!flags.baseline) {
  console.error("usage: npx tsx bench/decode-ab.ts --baseline <checkout dir> [--rounds N] [--events N]");
  process.exit(2);
}
type Decode = typeof decodeLogRecord;
const baseline = ((await import(pathToFileURL(resolve(flags.baseline, "src/domain/log-record.ts")).href)) as { decodeLogRecord: Decode }).decodeLogRecord;
// Values as a consumer gets them: strings decoded from bytes, not the encoder's concatenations.
const values = logRecords({ events: Number(flags.events), stores: 1000, eventsPerSecond: 2000, start: Date.now() - 3_600_000 })
  .byPartition.flat()
  .map((r) => Buffer.from(r.value ?? "").toString());

function run(decode: Decode): number {
  const before = process.cpuUsage();
  let ok = 0;
  for (const v of values) if (decode(v).ok) ok++;
  if (ok !== values.length) throw new Error(`${values.length - ok} records did not decode`);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / values.length;
}

const res: Record<string, number[]> = { baseline: [], this: [] };
run(baseline);
run(decodeLogRecord); // JIT warm-up of both
for (let round = 0; round < Number(flags.rounds); round++) {
  const order: [string, Decode][] = round % 2 ? [["this", decodeLogRecord], ["baseline", baseline]] : [["baseline", baseline], ["this", decodeLogRecord]];
  for (const [name, decode] of order) res[name]!.push(run(decode));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [name, xs] of Object.entries(res)) console.log(`${name.padEnd(8)}: median ${median(xs).toFixed(2)} µs/record (rounds: ${xs.map((x) => x.toFixed(2)).join(" ")})`);
