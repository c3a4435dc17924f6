import { slowCallWatch, watchSlowCalls } from "../observability/slow-calls.ts";
import type { FastifyInstance } from "fastify";
import { Processor } from "../actors/processor.ts";
import { buildApp } from "../api/app.ts";
import { storeDirectoryRoutes } from "../api/routes/store-directory.ts";
import { LiveFeed } from "../api/live-feed.ts";
import { liveFeedOptions } from "../api/live/live-feed-options.ts";
import { windowingOf, type Settings } from "../config/settings.ts";
import { rawHistoryHandler } from "../consumers/raw-history/raw-history-handler.ts";
import { watchConsumers } from "../consumers/consumer-watch.ts";
import { MINUTE_MS } from "../domain/time.ts";
import { settledAt } from "../domain/windows.ts";
import { IngestService } from "../ingest/ingest-service.ts";
import { LiveView } from "../live/live-view.ts";
import { createMetrics, type Metrics } from "../observability/metrics.ts";
import { MinuteQueries } from "../projections/queries.ts";
import type { Adapters } from "./adapters.ts";

export interface Runtime {
  app: FastifyInstance;
  adapters: Adapters;
  metrics: Metrics;
  processor: Processor;
  /** Starts the consumers (the app is started separately with listen or used with inject). */
  startProcessing(): Promise<void>;
  /** The stall check of this runtime's consumer groups: "none" or "error: …" (for /readyz). */
  stalledPartitions(): string;
  stop(): Promise<void>;
}

/** Consumers run elsewhere (a worker thread, see topology.ts): what readiness reports for them. */
export interface ExternalProcessing {
  /** "running" when its consumers run; anything else is reported as not ready. */
  state(): string;
  /** Their stall check: "none" or "error: …". */
  stalledPartitions(): string;
}

/** A store or log call of the processor pending this long is logged by name (and again when it settles). */
const SLOW_CALL_WARN_MS = 5000;
/** An actor request waits on its actor's I/O (watched above) and on the requests queued before it. */
const SLOW_ASK_WARN_MS = 15_000;

/** Wires one process: ingest, processors, read side and live feed over the given adapters. */
export async function createRuntime(settings: Settings, adapters: Adapters, now: () => number = Date.now, external?: ExternalProcessing): Promise<Runtime> {
  const metrics = createMetrics();
  const windowing = windowingOf(settings);
  const runsWindows = ["all", "processor", "windows"].includes(settings.ROLE);
  const runsHistory = ["all", "processor", "history"].includes(settings.ROLE);
  const slow = { warnAfterMs: SLOW_CALL_WARN_MS };
  const processor = new Processor(
    {
      minutes: watchSlowCalls("minutes", adapters.minutes, slow),
      late: watchSlowCalls("late", adapters.late, slow),
      ticks: adapters.ticksOut,
      deadLetters: watchSlowCalls("deadLetters", adapters.deadLetters, slow),
      metrics,
      windowing,
      partitions: settings.PARTITIONS,
      passivateAfterMs: settings.PASSIVATE_AFTER_MS,
      askTimeoutMs: 120_000,
      slowAsks: slowCallWatch({ warnAfterMs: SLOW_ASK_WARN_MS }),
      now,
    },
    () => adapters.windowConsumer,
  );
  const analytics = ["all", "analytics"].includes(settings.ROLE) ? adapters.analytics : undefined;
  const watched = [...(runsWindows ? [adapters.windowConsumer] : []), ...(runsHistory ? [adapters.rawHistoryConsumer] : []), ...(analytics ? [analytics.consumer] : [])];
  const watch = watchConsumers(watched, metrics, { stallAfterMs: settings.STALL_AFTER_MS, intervalMs: 2000 }, now);
  // The live view keeps a window a minute past the time it can still change.
  const horizon = settledAt(0, windowing) + MINUTE_MS;
  // Subscribed before the feed, so it has taken each batch of ticks when the feed asks whether one is superseded.
  const liveView = new LiveView(adapters.ticksIn, horizon, now);
  const queries = new MinuteQueries(adapters.minutes, liveView, now);
  const live = new LiveFeed(adapters.ticksIn, queries, metrics, liveFeedOptions(settings), now);
  const ingest = new IngestService(adapters.ingestLog, { maxBatch: settings.MAX_BATCH, maxFutureSkewMs: settings.MAX_FUTURE_SKEW_MS }, now);
  let processing = false;
  const app = await buildApp({
    settings,
    ingest,
    queries,
    late: adapters.late,
    live,
    metrics,
    version: "0.1.0",
    readiness: {
      async check() {
        const checks: Record<string, string> = await adapters.health().catch((e: Error) => ({ adapters: `error: ${e.message}` }));
        if (external) {
          checks.processing = external.state();
          checks.stalledPartitions = external.stalledPartitions();
          const ready = checks.processing === "running" && Object.values(checks).every((v) => !v.startsWith("error") && v !== "closed" && v !== "down");
          return { ready, checks };
        }
        const processes = runsWindows || runsHistory || analytics !== undefined;
        checks.processing = processes ? (processing ? "running" : "stopped") : "not in this instance (INTRADAY_ROLE=api)";
        if (processes) checks.stalledPartitions = watch.readiness();
        const ready = (processing || !processes) && Object.values(checks).every((v) => !v.startsWith("error") && v !== "closed" && v !== "down");
        return { ready, checks };
      },
    },
  });
  if (adapters.storeDirectory) await app.register(storeDirectoryRoutes, { directory: adapters.storeDirectory, apiKeys: settings.apiKeys });
  metrics.registry.gauge({ name: "intraday_live_view_rows", help: "Recent windows held for the still-open minute", collect: () => liveView.size() });
  const lagTimer = setInterval(async () => {
    metrics.openWindows.set(processor.openWindows());
    liveView.prune();
    try {
      const drift = await adapters.lastReconciliation?.();
      if (drift) {
        metrics.reconcileDrift.set(drift.mismatches, { measure: "mismatches" });
        metrics.reconcileDrift.set(drift.unrepaired, { measure: "unrepaired" });
        metrics.reconcileDrift.set(drift.finishedAtSeconds, { measure: "finished_at_seconds" });
      }
    } catch {
      /* drift is best effort (the table appears with migration 003) */
    }
  }, 2000);
  lagTimer.unref();

  return {
    app,
    adapters,
    metrics,
    processor,
    async startProcessing() {
      if (runsWindows) {
        await adapters.windowConsumer.run(processor);
        processor.startSweeper(settings.SWEEP_INTERVAL_MS);
      }
      if (runsHistory) {
        const handler = rawHistoryHandler(adapters.rawHistory, { partitions: settings.PARTITIONS, deadLetters: adapters.deadLetters, onDeadLetter: () => metrics.deadLetters.inc() });
        await adapters.rawHistoryConsumer.run(handler);
      }
      if (analytics) await analytics.consumer.run(analytics.handler);
      processing = runsWindows || runsHistory || analytics !== undefined;
    },
    stalledPartitions: () => watch.readiness(),
    async stop() {
      clearInterval(lagTimer);
      watch.stop();
      live.close();
      await app.close();
      processing = false;
      await adapters.windowConsumer.stop();
      await adapters.rawHistoryConsumer.stop();
      await analytics?.consumer.stop();
      await processor.stop();
      liveView.close();
      await adapters.close();
    },
  };
}
