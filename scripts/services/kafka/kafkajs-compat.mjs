#!/usr/bin/env node
// kafkajs <-> local Kafka broker compatibility check.
//
// Exercises what Intraday Sales uses from kafkajs 2.2.4 against the broker started by
// `scripts/services/services.sh up kafka`:
//   1. admin: createTopics (6 partitions), fetchTopicMetadata, listTopics
//   2. idempotent producer (idempotent: true, maxInFlightRequests: 1, acks -1): send + sendBatch
//   3. consumer group: two consumers in one group split the 6 partitions; eachBatch with
//      autoCommit false and manual commitOffsets
//   4. admin.fetchOffsets returns the committed offsets
//   5. rebalance: one consumer disconnects, the other takes over all partitions and
//      consumes what is produced next
//   6. transactional producer: a committed and an aborted transaction; a read_committed
//      consumer sees only the committed messages
//   7. cleanup: deleteTopics
//
// Usage (from the repo root, once node_modules has kafkajs):
//   node scripts/services/kafka/kafkajs-compat.mjs
// Env: KAFKA_BROKERS (default 127.0.0.1:${INTRADAY_KAFKA_PORT:-9092}), KAFKAJS_LOG_LEVEL (default NOTHING).
// Exit code 0 when every check passed; last line is "kafkajs-compat: N passed, M failed".
import { createRequire } from 'node:module';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

let kafkajs;
try {
  kafkajs = (await import('kafkajs')).default;
} catch {
  // fall back to the node_modules of the current directory (e.g. a scratch dir)
  kafkajs = createRequire(`${process.cwd()}/`)('kafkajs');
}
const { Kafka, logLevel } = kafkajs;

let kafkajsVersion = 'unknown';
try {
  const req = createRequire(`${process.cwd()}/`);
  kafkajsVersion = req('kafkajs/package.json').version;
} catch {
  /* informative only */
}

const brokers = (process.env.KAFKA_BROKERS || `127.0.0.1:${process.env.INTRADAY_KAFKA_PORT || 9092}`).split(',');
const runId = `${Date.now().toString(36)}-${process.pid}`;
const topic = `kafkajs-compat-${runId}`;
const txTopic = `kafkajs-compat-tx-${runId}`;
const groupId = `kafkajs-compat-group-${runId}`;
const PARTITIONS = 6;
const OVERALL_TIMEOUT_MS = Number(process.env.KAFKAJS_COMPAT_TIMEOUT_MS || 120000);

const results = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.log(...a);

async function check(name, fn) {
  const t0 = Date.now();
  try {
    const detail = await fn();
    results.push({ name, ok: true });
    log(`ok   - ${name} (${Date.now() - t0} ms)${detail ? `: ${detail}` : ''}`);
    return true;
  } catch (e) {
    results.push({ name, ok: false });
    log(`FAIL - ${name} (${Date.now() - t0} ms): ${e && e.stack ? e.stack : e}`);
    return false;
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(`assertion failed: ${msg}`);
}

async function waitFor(desc, pred, timeoutMs = 30000, stepMs = 100) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await pred()) return;
    await sleep(stepMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${desc}`);
}

const guard = setTimeout(() => {
  console.error(`kafkajs-compat: overall timeout ${OVERALL_TIMEOUT_MS} ms exceeded`);
  console.log(`kafkajs-compat: ${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length + 1} failed`);
  process.exit(1);
}, OVERALL_TIMEOUT_MS);
guard.unref();

const kafka = new Kafka({
  clientId: 'kafkajs-compat',
  brokers,
  // kafkajs logs retriable broker answers (rebalancing, CONCURRENT_TRANSACTIONS) as ERROR:
  // silent by default, KAFKAJS_LOG_LEVEL=WARN (or INFO, DEBUG) to see them
  logLevel: logLevel[process.env.KAFKAJS_LOG_LEVEL || 'NOTHING'] ?? logLevel.NOTHING,
  retry: { retries: 5, initialRetryTime: 200 },
});

log(`kafkajs ${kafkajsVersion} -> ${brokers.join(',')} topic=${topic}`);

const admin = kafka.admin();
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
let c1;
let c2;

// per-consumer state
const seen = new Set(); // unique "partition:offset" consumed (by anyone)
const assignments = new Map(); // name -> partitions[]
const consumedBy = { c1: 0, c2: 0 };
let produced = 0;

function makeConsumer(name) {
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 10000,
    heartbeatInterval: 1000,
    rebalanceTimeout: 10000,
    maxWaitTimeInMs: 200,
  });
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    const parts = (e.payload.memberAssignment[topic] || []).slice().sort((a, b) => a - b);
    assignments.set(name, parts);
    log(`     ${name} joined group (leader=${e.payload.isLeader}) partitions=[${parts.join(',')}]`);
  });
  return consumer;
}

async function runConsumer(consumer, name) {
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      for (const m of batch.messages) {
        if (!isRunning() || isStale()) break;
        const key = `${batch.partition}:${m.offset}`;
        if (!seen.has(key)) {
          seen.add(key);
          consumedBy[name] += 1;
        }
        resolveOffset(m.offset);
      }
      if (batch.messages.length > 0 && isRunning() && !isStale()) {
        const next = (BigInt(batch.messages[batch.messages.length - 1].offset) + 1n).toString();
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
      }
      await heartbeat();
    },
  });
}

async function produce(n, prefix) {
  // half with send(), half with sendBatch()
  const half = Math.floor(n / 2);
  const mk = (i) => ({ key: `store-${i % 50}`, value: JSON.stringify({ prefix, i, at: Date.now() }) });
  const first = Array.from({ length: half }, (_, i) => mk(i));
  const second = Array.from({ length: n - half }, (_, i) => mk(half + i));
  for (let i = 0; i < first.length; i += 50) {
    await producer.send({ topic, acks: -1, messages: first.slice(i, i + 50) });
  }
  await producer.sendBatch({
    acks: -1,
    topicMessages: [
      { topic, messages: second.slice(0, Math.ceil(second.length / 2)) },
      { topic, messages: second.slice(Math.ceil(second.length / 2)) },
    ],
  });
  produced += n;
}

async function committedTotal() {
  const res = await admin.fetchOffsets({ groupId, topics: [topic] });
  const parts = res.find((t) => t.topic === topic)?.partitions || [];
  return {
    total: parts.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0),
    parts,
  };
}

async function main() {
  await check('admin connect + createTopics(6 partitions)', async () => {
    await admin.connect();
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: PARTITIONS, replicationFactor: 1 },
        { topic: txTopic, numPartitions: 1, replicationFactor: 1 },
      ],
    });
    assert(created === true, `createTopics returned ${created}`);
  });

  await check('fetchTopicMetadata + listTopics', async () => {
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    const t = md.topics.find((x) => x.name === topic);
    assert(t, 'topic in metadata');
    assert(t.partitions.length === PARTITIONS, `partitions=${t.partitions.length}`);
    assert(t.partitions.every((p) => p.leader >= 0), 'every partition has a leader');
    const names = await admin.listTopics();
    assert(names.includes(topic), 'listTopics includes topic');
    return `${t.partitions.length} partitions, leaders=${[...new Set(t.partitions.map((p) => p.leader))].join(',')}`;
  });

  await check('idempotent producer (acks -1, maxInFlightRequests 1): send + sendBatch', async () => {
    await producer.connect();
    await produce(300, 'warmup');
    const offs = await admin.fetchTopicOffsets(topic);
    const total = offs.reduce((s, p) => s + Number(p.high) - Number(p.low), 0);
    assert(total === 300, `topic holds ${total} messages, expected 300`);
    const used = offs.filter((p) => Number(p.high) > 0).length;
    return `300 messages over ${used} partitions`;
  });

  await check('consumer group: two consumers split 6 partitions (eachBatch, autoCommit false)', async () => {
    c1 = makeConsumer('c1');
    await runConsumer(c1, 'c1');
    await waitFor('c1 assignment', () => (assignments.get('c1') || []).length === PARTITIONS, 30000);
    c2 = makeConsumer('c2');
    await runConsumer(c2, 'c2');
    await waitFor(
      'partitions split between c1 and c2',
      () => {
        const a = assignments.get('c1') || [];
        const b = assignments.get('c2') || [];
        const union = new Set([...a, ...b]);
        return a.length > 0 && b.length > 0 && a.length + b.length === PARTITIONS && union.size === PARTITIONS;
      },
      30000,
    );
    await produce(600, 'split');
    await waitFor(`all ${produced} messages consumed`, () => seen.size === produced, 30000);
    return `c1=[${assignments.get('c1')}] c2=[${assignments.get('c2')}] consumed c1=${consumedBy.c1} c2=${consumedBy.c2}`;
  });

  await check('manual commitOffsets visible through admin.fetchOffsets', async () => {
    await waitFor('committed offsets == produced', async () => (await committedTotal()).total === produced, 15000, 250);
    const { parts } = await committedTotal();
    assert(parts.length === PARTITIONS, `fetchOffsets partitions=${parts.length}`);
    return `committed ${produced} over ${parts.length} partitions`;
  });

  await check('rebalance: c2 disconnects, c1 takes all partitions and consumes new messages', async () => {
    const beforeC1 = consumedBy.c1;
    await c2.disconnect();
    c2 = undefined;
    await waitFor('c1 owns all 6 partitions', () => (assignments.get('c1') || []).length === PARTITIONS, 30000);
    await produce(300, 'after-rebalance');
    await waitFor(`all ${produced} messages consumed`, () => seen.size === produced, 30000);
    await waitFor('committed offsets == produced', async () => (await committedTotal()).total === produced, 15000, 250);
    return `c1 consumed ${consumedBy.c1 - beforeC1} more; committed ${produced}`;
  });

  await check('transactional producer: commit + abort, read_committed consumer sees committed only', async () => {
    const tx = kafka.producer({
      transactionalId: `kafkajs-compat-tx-${runId}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await tx.connect();
    try {
      const t1 = await tx.transaction();
      await t1.send({ topic: txTopic, acks: -1, messages: [{ value: 'committed-1' }, { value: 'committed-2' }] });
      await t1.commit();
      const t2 = await tx.transaction();
      await t2.send({ topic: txTopic, acks: -1, messages: [{ value: 'aborted-1' }] });
      await t2.abort();
      const t3 = await tx.transaction();
      await t3.send({ topic: txTopic, acks: -1, messages: [{ value: 'committed-3' }] });
      await t3.commit();
    } finally {
      await tx.disconnect();
    }
    const values = [];
    const rc = kafka.consumer({ groupId: `${groupId}-tx`, readUncommitted: false, maxWaitTimeInMs: 200 });
    await rc.connect();
    await rc.subscribe({ topics: [txTopic], fromBeginning: true });
    await rc.run({ eachMessage: async ({ message }) => values.push(message.value.toString()) });
    try {
      await waitFor('3 committed tx messages', () => values.length >= 3, 20000);
      await sleep(500);
    } finally {
      await rc.disconnect();
    }
    assert(!values.includes('aborted-1'), `aborted message visible: ${values}`);
    assert(values.length === 3, `expected 3 committed, got ${values}`);
    return values.join(',');
  });

  await check('cleanup: disconnect + deleteTopics', async () => {
    if (c1) await c1.disconnect();
    if (c2) await c2.disconnect();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic, txTopic] });
    await admin.disconnect();
  });
}

try {
  await main();
} catch (e) {
  results.push({ name: 'unexpected error', ok: false });
  console.error(e);
}
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`kafkajs-compat: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
