import type { FastifyInstance } from "fastify";
import { Processor } from "../actors/processor.ts";
import { buildApp } from "../api/app.ts";
import { LiveFeed } from "../api/live-feed.ts";
import { windowingOf, type Settings } from "../config/settings.ts";
import { MINUTE_MS } from "../domain/time.ts";
import { rawHistoryHandler } from "../history/raw-history-handler.ts";
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
  stop(): Promise<void>;
}

/** Consumers run elsewhere (a worker thread, see topology.ts): what readiness reports for them. */
export interface ExternalProcessing {
  /** "running" when its consumers run; anything else is reported as not ready. */
  state(): string;
}

/** Wires one process: ingest, processors, read side and live feed over the given adapters. */
export async function createRuntime(settings: Settings, adapters: Adapters, now: () => number = Date.now, external?: ExternalProcessing): Promise<Runtime> {
  const metrics = createMetrics();
  const windowing = windowingOf(settings);
  const processor = new Processor(
    {
      minutes: adapters.minutes,
      late: adapters.late,
      ticks: adapters.ticksOut,
      deadLetters: adapters.deadLetters,
      metrics,
      windowing,
      partitions: settings.PARTITIONS,
      passivateAfterMs: settings.PASSIVATE_AFTER_MS,
      askTimeoutMs: 120_000,
      now,
    },
    () => adapters.windowConsumer,
  );
  const horizon = windowing.graceMs + windowing.idleSlackMs + windowing.allowedLatenessMs + 2 * MINUTE_MS;
  const liveView = new LiveView(adapters.ticksIn, horizon, now);
  const queries = new MinuteQueries(adapters.minutes, liveView, windowing, now);
  const live = new LiveFeed(adapters.ticksIn, queries, metrics, { minIntervalMs: settings.LIVE_MIN_INTERVAL_MS, maxBufferedBytes: settings.WS_MAX_BUFFERED_BYTES, snapshotMinutes: 15 }, now);
  const ingest = new IngestService(adapters.ingestLog, { maxBatch: settings.MAX_BATCH, maxFutureSkewMs: settings.MAX_FUTURE_SKEW_MS }, now);
  let processing = false;
  const runsWindows = ["all", "processor", "windows"].includes(settings.ROLE);
  const runsHistory = ["all", "processor", "history"].includes(settings.ROLE);
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
          const ready = checks.processing === "running" && Object.values(checks).every((v) => !v.startsWith("error") && v !== "closed" && v !== "down");
          return { ready, checks };
        }
        const processes = runsWindows || runsHistory;
        checks.processing = processes ? (processing ? "running" : "stopped") : "not in this instance (INTRADAY_ROLE=api)";
        const ready = (processing || !processes) && Object.values(checks).every((v) => !v.startsWith("error") && v !== "closed" && v !== "down");
        return { ready, checks };
      },
    },
  });
  metrics.registry.register({
    render: () => `# HELP intraday_live_view_rows Recent windows held for the still-open minute\n# TYPE intraday_live_view_rows gauge\nintraday_live_view_rows ${liveView.size()}`,
  });
  const lagTimer = setInterval(async () => {
    metrics.openWindows.set(processor.openWindows());
    liveView.prune();
    try {
      for (const l of await adapters.windowConsumer.lag()) metrics.consumerLag.set(Math.max(0, l.end - l.committed), { partition: l.partition });
    } catch {
      /* lag is best effort */
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
        processor.startTicker(settings.TICK_INTERVAL_MS);
      }
      if (runsHistory) await adapters.rawHistoryConsumer.run(rawHistoryHandler(adapters.rawHistory));
      processing = runsWindows || runsHistory;
    },
    async stop() {
      clearInterval(lagTimer);
      live.close();
      await app.close();
      processing = false;
      await adapters.windowConsumer.stop();
      await adapters.rawHistoryConsumer.stop();
      await processor.stop();
      liveView.close();
      await adapters.close();
    },
  };
}
