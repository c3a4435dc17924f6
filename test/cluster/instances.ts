import { Kafka, logLevel, type Admin } from "kafkajs";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll } from "vitest";
import { waitFor } from "../support/embedded-app.ts";
import { spawnServer, type ServerProcess } from "../support/process.ts";
import { isolatedEnv, prefixed } from "./support.ts";
import { Sender } from "./traffic.ts";

export interface AppInstances {
  /** The file's isolated settings (unprefixed). */
  readonly env: Record<string, string>;
  /** A Kafka admin client on the file's brokers, connected for the whole file. */
  readonly admin: Admin;
  /** Starts one more app process (`npm start` with the file's settings) and waits until it is ready. */
  spawn(): Promise<ServerProcess>;
  /** Waits until the windows consumer group has exactly `n` members. */
  waitForMembers(n: number): Promise<void>;
}

/**
 * App processes in one consumer group on an isolated environment, for the enclosing `describe`:
 * the environment and an admin client are set up in beforeAll; every process is killed and the
 * environment dropped in afterAll, also after a failure. After a failed test the processes' whole
 * logs are written to a temporary folder (they log at INTRADAY_TEST_INSTANCE_LOG_LEVEL, default info).
 */
export function appInstancesPerFile(partitions: number): AppInstances {
  let env: Record<string, string> | undefined;
  let admin: Admin | undefined;
  let drop: (() => Promise<void>) | undefined;
  const servers: ServerProcess[] = [];
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is only available inside the tests of the describe`);
    return value;
  };

  beforeAll(async () => {
    ({ env, drop } = await isolatedEnv(partitions));
    admin = new Kafka({ brokers: env.KAFKA_BROKERS!.split(","), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
  });
  afterEach((ctx) => {
    if (ctx.task.result?.state !== "fail" || servers.length === 0) return;
    const dir = mkdtempSync(join(tmpdir(), "intraday-instances-"));
    servers.forEach((s, i) => writeFileSync(join(dir, `instance-${i + 1}-pid-${s.pid}.log`), s.output()));
    console.log(`the app processes' whole logs (${servers.length}, in order of start): ${dir}`);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.kill9()));
    await admin?.disconnect();
    if (process.env.INTRADAY_TEST_KEEP_ENV) console.log(`environment kept: ${JSON.stringify(env)}`);
    else await drop?.();
  });

  const members = async () => (await ready(admin, "admin").describeGroups([ready(env, "env").KAFKA_GROUP!])).groups[0]!.members.length;
  return {
    get env() {
      return ready(env, "env");
    },
    get admin() {
      return ready(admin, "admin");
    },
    async spawn() {
      // Their output is only kept (and shown after a failure), so it can afford the partition moves and commits.
      const server = await spawnServer({ env: prefixed({ ...ready(env, "env"), LOG_LEVEL: process.env.INTRADAY_TEST_INSTANCE_LOG_LEVEL ?? "info" }) });
      servers.push(server);
      return server;
    },
    async waitForMembers(n) {
      await waitFor(async () => (await members()) === n, 60_000, 500);
    },
  };
}

/**
 * Traffic spread over two members `a` and `b`: after `before` acknowledged events `a` is killed
 * with -9, and once `b` is the only member (it took every partition over) `after` more are
 * acknowledged; then whatever was not acknowledged is re-sent until it is.
 */
export async function killOneUnderTraffic(instances: AppInstances, a: ServerProcess, b: ServerProcess, storePrefix: string, counts: { before: number; after: number }): Promise<Sender> {
  let turn = 0;
  let aAlive = true;
  const sender = new Sender(() => (aAlive && turn++ % 2 === 0 ? a.url : b.url), storePrefix);
  const traffic = sender.run({ size: 20, workers: 4, pauseMs: 20 });
  await sender.ackedAtLeast(counts.before);
  aAlive = false;
  await a.kill9();
  await instances.waitForMembers(1);
  await sender.ackedAtLeast(sender.acked.size + counts.after);
  sender.stop();
  await traffic;
  await sender.retryUnacked();
  return sender;
}
