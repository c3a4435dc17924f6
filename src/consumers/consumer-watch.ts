import type { LogConsumer } from "../event-log/ports.ts";
import type { Metrics } from "../observability/metrics.ts";
import { describeStalls, StallDetector } from "./stall-detector.ts";

export interface ConsumerWatch {
  /** The /readyz check: "none", or "error: …" naming each stalled group and partition. */
  readiness(): string;
  /** One observation now (the timer does this every interval). */
  poll(): Promise<void>;
  stop(): void;
}

/**
 * Polls the lag of the consumer groups this process runs, feeds the stall detector, and exposes
 * `intraday_consumer_lag{group,partition}` and `intraday_consumer_stalled_partitions{group}`.
 */
export function watchConsumers(
  consumers: readonly LogConsumer[],
  metrics: Metrics,
  opts: { stallAfterMs: number; intervalMs: number },
  now: () => number = Date.now,
): ConsumerWatch {
  const detector = new StallDetector(opts.stallAfterMs);
  metrics.registry.gauge({
    name: "intraday_consumer_stalled_partitions",
    help: "Partitions with lag whose committed offset has not moved for INTRADAY_STALL_AFTER_MS, per consumer group",
    labelNames: ["group"],
    collect: () => {
      const stalled = detector.stalled(now());
      return consumers.map((c) => ({ labels: { group: c.groupId }, value: stalled.filter((s) => s.group === c.groupId).length }));
    },
  });
  const poll = async () => {
    for (const c of consumers) {
      try {
        const lag = await c.lag();
        detector.observe(lag.map((l) => ({ group: c.groupId, ...l })), now());
        for (const l of lag) metrics.consumerLag.set(Math.max(0, l.end - l.committed), { group: c.groupId, partition: l.partition });
      } catch {
        // Lag is best effort (the broker may be down); the last positions keep aging, so a long outage shows as stalled.
      }
    }
  };
  const timer = setInterval(() => void poll(), opts.intervalMs);
  timer.unref();
  return {
    readiness: () => describeStalls(detector.stalled(now())),
    poll,
    stop: () => clearInterval(timer),
  };
}
