import { resolve } from "node:path";
import type { Settings } from "../config/settings.ts";
import { SqliteConsumer } from "../event-log/embedded/sqlite-consumer.ts";
import { SqliteLog } from "../event-log/embedded/sqlite-log.ts";
import { InProcessTicks } from "../live/in-process-ticks.ts";
import { SqliteProjections } from "../projections/embedded/sqlite-projections.ts";
import { SqliteStoreDirectory } from "../projections/analytics/sqlite-store-directory.ts";
import { throttledErrors } from "../observability/throttled-log.ts";
import type { Adapters } from "./adapters.ts";

export function embeddedAdapters(settings: Pick<Settings, "DATA_DIR" | "PARTITIONS" | "KAFKA_GROUP">, now: () => number = Date.now): Adapters & { log: SqliteLog; projections: SqliteProjections } {
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
    windowConsumer: new SqliteConsumer(log, settings.KAFKA_GROUP, 5000, onError),
    rawHistoryConsumer: new SqliteConsumer(log, "raw-history", 5000, onError),
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
