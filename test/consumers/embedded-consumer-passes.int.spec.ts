import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteConsumer, type GatherOptions } from "../../src/event-log/embedded/sqlite-consumer.ts";
import { SqliteLog } from "../../src/event-log/embedded/sqlite-log.ts";
import type { LogRecord, PartitionHandler } from "../../src/event-log/ports.ts";
import { waitFor } from "../support/embedded-app.ts";

/** Records every batch it is handed, and commits behind each. */
class Recorder implements PartitionHandler {
  readonly batches: LogRecord[][] = [];
  async assigned(): Promise<void> {}
  async revoked(): Promise<Map<number, number>> {
    return new Map();
  }
  async batch(_partition: number, records: LogRecord[]): Promise<number> {
    this.batches.push(records);
    return records[records.length - 1]!.offset + 1;
  }
  get records(): number {
    return this.batches.reduce((n, b) => n + b.length, 0);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the embedded consumer's passes: gathering (raw history), wake-ups, appends it was not told of", () => {
  let cleanup: (() => Promise<void>) | null = null;
  afterEach(async () => {
    await cleanup?.();
    cleanup = null;
  });

  async function started(gather?: GatherOptions, dir = mkdtempSync(join(tmpdir(), "intraday-gather-"))) {
    const log = new SqliteLog(dir, 1);
    const consumer = new SqliteConsumer(log, "raw-history", { ...(gather ? { gather } : {}), onError: () => undefined });
    const handler = new Recorder();
    await consumer.run(handler);
    cleanup = async () => {
      await consumer.stop();
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    };
    const append = (n = 1) => log.appendRaw(Array.from({ length: n }, () => ({ key: "store-1", value: "{}", partition: 0 })));
    return { log, consumer, handler, append, dir };
  }

  it("appends spread over less than the wait reach the handler in one pass", async () => {
    const { handler, append } = await started({ minRecords: 1000, maxWaitMs: 1500 });
    append();
    await sleep(100);
    append();
    await sleep(100);
    append();
    await waitFor(async () => handler.records === 3);
    expect(handler.batches.map((b) => b.length)).toEqual([3]);
  });

  it("without gathering (the window group), the first append is handled at once, on its own", async () => {
    const { handler, append } = await started();
    append();
    await waitFor(async () => handler.records === 1);
    append();
    await waitFor(async () => handler.records === 2);
    expect(handler.batches.map((b) => b.length)).toEqual([1, 1]);
  });

  it("a pass starts as soon as minRecords are waiting, not after the whole wait", async () => {
    const { handler, append } = await started({ minRecords: 5, maxWaitMs: 60_000 });
    append(2);
    await sleep(50);
    append(3);
    await waitFor(async () => handler.records === 5, 5000);
    expect(handler.batches.map((b) => b.length)).toEqual([5]);
  });

  it("stop does not wait out a gather in progress: it hands the gathered records over and commits them", async () => {
    const { log, consumer, handler, append } = await started({ minRecords: 1000, maxWaitMs: 60_000 });
    append(2);
    await sleep(50);
    expect(handler.records).toBe(0);
    const stopping = Date.now();
    await consumer.stop();
    expect(Date.now() - stopping).toBeLessThan(5000);
    expect(handler.batches.map((b) => b.length)).toEqual([2]);
    expect(log.committed("raw-history", 0)).toBe(2);
  });

  it("records another connection appended without telling this one (another process, a tool) are read after the idle wait", async () => {
    const { handler, dir } = await started();
    const other = new SqliteLog(dir, 1);
    try {
      other.appendRaw([{ key: "store-1", value: "{}", partition: 0 }]);
      await waitFor(async () => handler.records === 1, 5000);
    } finally {
      await other.close();
    }
  });
});
