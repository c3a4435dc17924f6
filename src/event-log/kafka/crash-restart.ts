import type { Consumer, ConsumerCrashEvent } from "kafkajs";
import { retryWithBackoff } from "../../consumers/retry.ts";

export interface CrashRestartOptions {
  /** Joins the group again (connect and run): retried with backoff until it succeeds or the owner stops. */
  restart(): Promise<void>;
  /** Before joining again: e.g. drop the state of partitions another member may own by now. */
  beforeRestart?(): Promise<void>;
  isStopping(): boolean;
  onError(err: unknown): void;
}

/**
 * kafkajs restarts a consumer after a crash it calls retriable, but leaves it dead after one it calls
 * non-retriable, and some of those are broker outages (`KafkaJSGroupCoordinatorNotFound` while Kafka
 * restarts). A dead consumer looks like an idle one, so this restarts it instead. Returns what a
 * stopping owner awaits (a restart in progress).
 */
export function restartAfterFatalCrash(consumer: Consumer, o: CrashRestartOptions): () => Promise<void> {
  let restarting: Promise<void> = Promise.resolve();
  const stopped = new Error("stopping");
  const restart = async (cause: Error) => {
    o.onError(new Error(`consumer crashed (${cause.name}: ${cause.message}) and kafkajs does not restart it: restarting it`));
    await o.beforeRestart?.();
    await retryWithBackoff(
      async () => {
        if (o.isStopping()) throw stopped;
        await o.restart();
      },
      { shouldRetry: (err) => err !== stopped && !o.isStopping(), onRetry: (err) => o.onError(err), minDelayMs: 1000 },
    ).catch((err) => {
      if (err !== stopped) o.onError(err);
    });
  };
  consumer.on(consumer.events.CRASH, (e: ConsumerCrashEvent) => {
    o.onError(e.payload.error);
    if (e.payload.restart || o.isStopping()) return;
    restarting = restarting.then(() => restart(e.payload.error));
  });
  return () => restarting;
}
