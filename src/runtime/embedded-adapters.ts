import { resolve } from "node:path";
import type { Settings } from "../config/settings.ts";
import { SqliteConsumer } from "../event-log/embedded/sqlite-consumer.ts";
import { SqliteLog } from "../event-log/embedded/sqlite-log.ts";
import { InProcessTicks } from "../live/in-process-ticks.ts";
import { SqliteProjections } from "../projections/embedded/sqlite-projections.ts";
import { SqliteStoreDirectory } from "../projections/analytics/sqlite-store-directory.ts";
import { throttledErrors } from "../observability/throttled-log.ts";
import type { Adapters } from "./adapters.ts";

/** Records that start the raw-history group's pass at once (its Kafka fetch's 1 MiB is about as many). */
const RAW_HISTORY_GATHER_RECORDS = 5000;

export function embeddedAdapters(settings: Pick<Settings, "DATA_DIR" | "PARTITIONS" | "KAFKA_GROUP" | "BULK_FETCH_WAIT_MS">, now: () => number = Date.now): Adapters & { log: SqliteLog; projections: SqliteProjections } {
  const dir = resolve(settings.DATA_DIR);
  const log = new SqliteLog(dir, settings.PARTITIONS, now);
  const projections = new SqliteProjections(dir);
  const ticks = new InProcessTicks();
  const storeDirectory = new SqliteStoreDirectory(dir);
  const onError = throttledErrors("[consumer]");
  return {
    mode: "embedded",
    log,
    projections,
    ingestLog: log,
    deadLetters: log,
    windowConsumer: new SqliteConsumer(log, settings.KAFKA_GROUP, { onError }),
    rawHistoryConsumer: new SqliteConsumer(log, "raw-history", { onError, gather: { minRecords: RAW_HISTORY_GATHER_RECORDS, maxWaitMs: settings.BULK_FETCH_WAIT_MS } }),
    minutes: projections.minutes,
    late: projections.late,
    rawHistory: projections.rawHistory,
    storeDirectory,
    ticksOut: ticks,
    ticksIn: ticks,
    ticksFromWorker: ticks,
    async health() {
      return { log: log.isAvailable() ? "ok" : "closed", projections: "ok", dataDir: dir };
    },
    async close() {
      await log.close();
      await projections.close();
      await storeDirectory.close();
    },
  };
}
