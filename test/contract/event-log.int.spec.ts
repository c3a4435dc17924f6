import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteConsumer } from "../../src/event-log/embedded/sqlite-consumer.ts";
import { SqliteLog } from "../../src/event-log/embedded/sqlite-log.ts";
import { eventLogContract } from "./event-log.contract.ts";

eventLogContract("embedded SQLite log", async () => {
  const dir = mkdtempSync(join(tmpdir(), "intraday-log-contract-"));
  const log = new SqliteLog(dir, 4);
  return {
    log,
    consumer: (groupId) => new SqliteConsumer(log, groupId, { onError: () => undefined }),
    deadLetters: log,
    async readDeadLetters() {
      return log.deadLetters(10_000).map(({ partition, offset, reason }) => ({ partition, offset, reason }));
    },
    async appendRaw(key, value, partition) {
      log.appendRaw([{ key, value, partition }]);
    },
    async close() {
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
