/**
 * What the event ids' order costs PostgreSQL as its id indexes grow: the ingest id index
 * (`PgSeenIds`: look up, then record) and raw history (`PgRawHistory`, keyed by event id), both fed
 * the same events with random (v4) or time-ordered (v7) ids, alternated, each from empty tables.
 * Prints PostgreSQL's and this process's CPU µs per event per fifth of the run.
 *   npx tsx bench/cluster/id-order.ts [--events 1000000] [--rounds 2] [--batch 2000]
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import pg from "pg";
import type { LoggedEvent } from "../../src/domain/store-windows.ts";
import { fingerprintOf } from "../../src/ingest/fingerprint.ts";
import { migratePostgres } from "../../src/projections/postgres/pg-migrate.ts";
import { PgRawHistory } from "../../src/projections/postgres/pg-raw-history.ts";
import { PgSeenIds } from "../../src/projections/postgres/pg-seen-ids.ts";
import { eventIds, loggedEvents } from "../fixtures.ts";
import { isolate, servicePids, servicesCpuMs, servicesUp } from "./stack.ts";

const { values: flags } = parseArgs({ options: { events: { type: "string", default: "1000000" }, rounds: { type: "string", default: "2" }, batch: { type: "string", default: "2000" } } });
const EVENTS = Number(flags.events);
const BATCH = Number(flags.batch);
const FIFTH = Math.floor(EVENTS / 5);

async function main(): Promise<void> {
  await servicesUp();
  const iso = await isolate(6);
  const pool = new pg.Pool({ connectionString: iso.env.PG_URL, max: 4 });
  await migratePostgres(pool);
  const template = loggedEvents({ events: 20_000, stores: 1000, eventsPerSecond: 2000, start: Date.now() - 600_000 });
  const pids = servicePids();
  const postgresCpuMs = () => servicesCpuMs(pids).postgres!;
  const raw = new PgRawHistory(pool);
  const seen = new PgSeenIds(pool);
  for (let round = 0; round < Number(flags.rounds); round++) {
    for (const ids of round % 2 ? ["v7", "v4"] : ["v4", "v7"]) {
      const newId = eventIds(ids);
      await pool.query("TRUNCATE raw_events, ingest_event_ids");
      await pool.query("CHECKPOINT");
      const fifths: string[] = [];
      let pg0 = postgresCpuMs();
      let node0 = process.cpuUsage();
      const t0 = performance.now();
      for (let i = 0; i < EVENTS; i += BATCH) {
        const batch = Array.from({ length: Math.min(BATCH, EVENTS - i) }, (_, j): LoggedEvent => {
          const l = template[(i + j) % template.length]!;
          return { ...l, offset: i + j, event: { ...l.event, eventId: newId() } };
        });
        const known = await seen.seen(batch.map((l) => l.event.eventId));
        if (known.size) throw new Error(`${known.size} new ids were found in the index`);
        await seen.remember(batch.map((l) => ({ eventId: l.event.eventId, fingerprint: fingerprintOf(l.event) })));
        await raw.insertEvents(batch);
        if ((i + BATCH) % FIFTH < BATCH) {
          const n = process.cpuUsage(node0);
          fifths.push(`pg ${(((postgresCpuMs() - pg0) * 1000) / FIFTH).toFixed(1)} / node ${((n.user + n.system) / FIFTH).toFixed(1)}`);
          pg0 = postgresCpuMs();
          node0 = process.cpuUsage();
        }
      }
      const seconds = (performance.now() - t0) / 1000;
      console.log(`round ${round + 1} ${ids}: ${(EVENTS / seconds).toFixed(0)} events/s; CPU µs/event per ${FIFTH} events: ${fifths.join(" | ")}; load ${loadavg().map((x) => x.toFixed(1)).join(" ")}`);
    }
  }
  await pool.end();
  await iso.drop?.();
}
main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
