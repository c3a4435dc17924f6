import { randomBytes } from "node:crypto";
import { decodeLogRecord } from "../domain/log-record.ts";
import type { LoggedEvent } from "../domain/store-windows.ts";
import { createKafka } from "../event-log/kafka/kafka-client.ts";
import { OpsUsageError, type OpsContext } from "./ops-context.ts";

/**
 * Reads the event log for events with occurredAt in [from, to): each partition from the first
 * offset appended at or after `from - MAX_FUTURE_SKEW_MS` (no event can be appended earlier than
 * that) up to its end when the read starts. A throw-away consumer group that never commits, so the
 * processors' groups are untouched. Unreadable records are skipped (the processors dead-lettered them).
 */
export async function readLogRange(ctx: OpsContext, from: number, to: number, partition?: number): Promise<LoggedEvent[]> {
  const s = ctx.settings;
  const topic = s.KAFKA_TOPIC;
  const kafka = createKafka({ brokers: s.KAFKA_BROKERS.split(",").map((b) => b.trim()), topic, partitions: s.PARTITIONS, clientId: "intraday-replay" });
  const admin = kafka.admin();
  await admin.connect();
  let starts: { partition: number; offset: string }[];
  let ends: { partition: number; high: string }[];
  try {
    if (!(await admin.listTopics()).includes(topic)) throw new OpsUsageError(`the event log topic ${topic} does not exist (INTRADAY_KAFKA_TOPIC); use --source history`);
    starts = await admin.fetchTopicOffsetsByTimestamp(topic, from - s.MAX_FUTURE_SKEW_MS);
    ends = (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, high: p.high }));
  } finally {
    await admin.disconnect();
  }
  const wanted = new Map<number, { start: bigint; end: bigint }>();
  for (const e of ends) {
    if (partition !== undefined && e.partition !== partition) continue;
    const st = starts.find((x) => x.partition === e.partition);
    const start = st && BigInt(st.offset) >= 0n ? BigInt(st.offset) : BigInt(e.high);
    if (start < BigInt(e.high)) wanted.set(e.partition, { start, end: BigInt(e.high) });
  }
  ctx.progress(`log ${topic}: reading ${[...wanted].map(([p, r]) => `p${p} ${r.start}..${r.end}`).join(", ") || "nothing"}`);
  if (wanted.size === 0) return [];

  const consumer = kafka.consumer({ groupId: `intraday-replay-${randomBytes(6).toString("hex")}`, allowAutoTopicCreation: false });
  const out: LoggedEvent[] = [];
  const done = new Set<number>();
  let read = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const finished = new Promise<void>((resolve, reject) => {
      // A crash kafkajs does not restart from would otherwise leave this read waiting for ever.
      consumer.on(consumer.events.CRASH, (e) => {
        if (!e.payload.restart) reject(new Error(`reading ${topic} failed: ${e.payload.error.message}`));
      });
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const range = wanted.get(batch.partition);
            if (!range || done.has(batch.partition)) return;
            for (const m of batch.messages) {
              const offset = BigInt(m.offset);
              if (offset >= range.end) break;
              if (offset < range.start) continue;
              read += 1;
              const decoded = decodeLogRecord(m.value ? m.value.toString("utf8") : null);
              if (decoded.ok && decoded.event.occurredAtMs >= from && decoded.event.occurredAtMs < to) {
                out.push({ partition: batch.partition, offset: Number(offset), appendTime: Number(m.timestamp), event: decoded.event });
              }
            }
            if (BigInt(batch.lastOffset()) + 1n >= range.end) done.add(batch.partition);
            if (done.size === wanted.size) resolve();
          },
        })
        .catch(reject);
    });
    for (const [p, r] of wanted) consumer.seek({ topic, partition: p, offset: r.start.toString() });
    const progress = setInterval(() => ctx.progress(`log: ${read} records read, ${done.size}/${wanted.size} partitions done`), 2000);
    try {
      await finished;
    } finally {
      clearInterval(progress);
    }
  } finally {
    await consumer.disconnect();
  }
  ctx.progress(`log: ${read} records read, ${out.length} events in range`);
  return out;
}
