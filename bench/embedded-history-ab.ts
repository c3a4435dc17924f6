/**
 * The embedded stores' write paths as their history grows: `SqliteLog.appendNew` (ingest: the record
 * and its id in the id index) and `SqliteRawHistory.insertRecords` (raw history, unique on event id),
 * this checkout against another, each in a fresh process on a fresh data dir, alternated. Event ids
 * are random UUIDs, as clients send them, so both id indexes take random inserts; CPU µs per event
 * is printed per segment, so cost that grows with the number of stored ids shows. `--ids v7` sends
 * time-ordered UUIDs (version 7) instead, whose inserts land at the end of each index.
 *   npx tsx bench/embedded-history-ab.ts --baseline <checkout dir> [--events 1000000] [--rounds 2] [--ids v4|v7]
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { SaleEvent } from "../src/domain/event.ts";
import type { SqliteLog } from "../src/event-log/embedded/sqlite-log.ts";
import type { SqliteProjections } from "../src/projections/embedded/sqlite-projections.ts";
import { eventIds, loggedEvents } from "./fixtures.ts";
import { decodeLogRecord } from "../src/domain/log-record.ts";

const { values: flags } = parseArgs({
  options: {
    baseline: { type: "string" },
    child: { type: "string" },
    events: { type: "string", default: "1000000" },
    rounds: { type: "string", default: "2" },
    ids: { type: "string", default: "v4" },
  },
});
const EVENTS = Number(flags.events);
const SEGMENT = Math.max(1, Math.floor(EVENTS / 5));
const REQUEST = 500;
const CONCURRENT = 8; // requests per group commit, as the HTTP bench's 8 connections make them
const RAW_BATCH = 5000; // records per raw-history pass, as the embedded consumer gathers them

interface Result {
  log: number[];
  raw: number[];
}

const newId = eventIds(flags.ids);

function cpuNow(): number {
  const c = process.cpuUsage();
  return c.user + c.system;
}

async function child(root: string): Promise<Result> {
  const { SqliteLog: Log } = (await import(pathToFileURL(resolve(root, "src/event-log/embedded/sqlite-log.ts")).href)) as { SqliteLog: typeof SqliteLog };
  const { SqliteProjections: Projections } = (await import(pathToFileURL(resolve(root, "src/projections/embedded/sqlite-projections.ts")).href)) as {
    SqliteProjections: typeof SqliteProjections;
  };
  const events: SaleEvent[] = loggedEvents({ events: 20_000, stores: 1000, eventsPerSecond: 2000, start: Date.now() - 3_600_000 }).map((l) => l.event);
  const dir = mkdtempSync(join(tmpdir(), "intraday-history-ab-"));
  try {
    const log = new Log(join(dir, "log"), 6);
    const projections = new Projections(join(dir, "projections"));
    const result: Result = { log: [], raw: [] };
    let segmentStart = cpuNow();
    for (let i = 0; i < EVENTS; i += REQUEST * CONCURRENT) {
      const requests = Array.from({ length: CONCURRENT }, (_, k) =>
        Array.from({ length: REQUEST }, (_, j) => ({ ...events[(i + k * REQUEST + j) % events.length]!, eventId: newId() })),
      );
      await Promise.all(requests.map((r) => log.appendNew(r)));
      if ((i + REQUEST * CONCURRENT) % SEGMENT < REQUEST * CONCURRENT) {
        result.log.push((cpuNow() - segmentStart) / SEGMENT);
        segmentStart = cpuNow();
      }
    }
    segmentStart = cpuNow();
    for (let p = 0, done = 0; p < 6; p++) {
      for (let from = 0; ; from += RAW_BATCH) {
        const records = log.read(p, from, RAW_BATCH);
        if (!records.length) break;
        await projections.rawHistory.insertRecords(
          records.map((r) => {
            const d = decodeLogRecord(r.value!);
            if (!d.ok) throw new Error(d.reason);
            return { eventId: d.event.eventId, storeId: d.event.storeId, occurredAtMs: d.event.occurredAtMs, partition: p, offset: r.offset, appendTime: r.appendTime, body: r.value! };
          }),
        );
        const before = Math.floor(done / SEGMENT);
        done += records.length;
        if (Math.floor(done / SEGMENT) > before) {
          result.raw.push((cpuNow() - segmentStart) / SEGMENT);
          segmentStart = cpuNow();
        }
      }
    }
    await projections.close();
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (flags.child) {
  process.stdout.write(JSON.stringify(await child(flags.child)));
} else {
  if (!flags.baseline) {
    console.error("usage: npx tsx bench/embedded-history-ab.ts --baseline <checkout dir> [--events N] [--rounds N]");
    process.exit(2);
  }
  const sides: [string, string][] = [["baseline", resolve(flags.baseline)], ["this", resolve(".")]];
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(" ");
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  for (let round = 0; round < Number(flags.rounds); round++) {
    for (const [name, root] of round % 2 ? [...sides].reverse() : sides) {
      const t0 = Date.now();
      const out = execFileSync(process.execPath, ["--import", "tsx", "bench/embedded-history-ab.ts", "--child", root, "--events", String(EVENTS), "--ids", flags.ids], { encoding: "utf8", maxBuffer: 1 << 20 });
      const r = JSON.parse(out) as Result;
      console.log(
        `round ${round + 1} ${name.padEnd(8)} CPU µs/event — append: mean ${mean(r.log).toFixed(1)} (per ${SEGMENT} events: ${fmt(r.log)}); ` +
          `raw history: mean ${mean(r.raw).toFixed(1)} (${fmt(r.raw)}); ${((Date.now() - t0) / 1000).toFixed(0)} s`,
      );
    }
  }
}
