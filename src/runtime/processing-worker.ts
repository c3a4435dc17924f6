/**
 * The processing worker thread (see topology.ts): the consumers of this instance's ROLE with their
 * own adapters (own SQLite connections, or own Kafka/Cassandra/PostgreSQL clients), no HTTP server.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Settings } from "../config/settings.ts";
import { allOf, noTicks } from "../live/ports.ts";
import { ThreadTicksPublisher } from "../live/thread-ticks.ts";
import { logger } from "../observability/logger.ts";
import type { Adapters } from "./adapters.ts";
import { createRuntime } from "./runtime.ts";
import type { FromWorker, ToWorker } from "./worker-protocol.ts";

/** How often the stall check is read (and sent when it changed). */
const STALL_CHECK_EVERY_MS = 250;

async function main(): Promise<void> {
  const port = parentPort!;
  const post = (m: FromWorker) => port.postMessage(m);
  const { settings, origin } = workerData as { settings: Settings; origin: string };
  let adapters: Adapters;
  let onAppend: (ends: readonly number[]) => void = () => undefined;
  if (settings.MODE === "cluster") {
    const { clusterAdapters } = await import("./cluster-adapters.ts");
    const cluster = await clusterAdapters(settings, { liveFeed: false, origin });
    // Ticks go to Kafka for the other instances, and straight to this instance's main thread.
    adapters = { ...cluster, ticksOut: allOf(cluster.ticksOut, new ThreadTicksPublisher(port)) };
  } else {
    const { embeddedAdapters } = await import("./embedded-adapters.ts");
    const embedded = embeddedAdapters(settings);
    onAppend = (ends) => embedded.log.noteAppended(ends);
    adapters = { ...embedded, ticksOut: new ThreadTicksPublisher(port), ticksIn: noTicks };
  }
  const runtime = await createRuntime(settings, adapters);
  let stalled = "";
  const checkStalled = () => {
    const now = runtime.stalledPartitions();
    if (now !== stalled) post({ type: "stalled", stalledPartitions: (stalled = now) });
  };
  const timer = setInterval(checkStalled, STALL_CHECK_EVERY_MS);
  let stopping = false;
  port.on("message", (m: ToWorker) => {
    if (m.type === "append") onAppend(m.ends);
    // Rendered only when asked: a registry render costs milliseconds, and nobody may be scraping.
    else if (m.type === "metrics") {
      // Unanswered on failure: the main thread serves this worker's last metrics after its wait.
      runtime.metrics.registry.render().then(
        (text) => post({ type: "metrics", id: m.id, text }),
        (err: Error) => logger.warn({ err }, "processing worker: rendering metrics failed"),
      );
    }
    else if (m.type === "stop" && !stopping) {
      stopping = true;
      clearInterval(timer);
      // Exit explicitly once everything is flushed, committed and closed: a lingering client handle
      // must not keep the thread (and so the instance's shutdown) waiting.
      void runtime.stop().then(
        () => process.exit(0),
        (err: Error) => {
          logger.error({ err }, "processing worker: stop failed");
          process.exit(1);
        },
      );
    }
  });
  await runtime.startProcessing();
  checkStalled();
  post({ type: "started" });
}

main().catch((err: Error) => {
  parentPort?.postMessage({ type: "failed", message: err.message } satisfies FromWorker);
  logger.error({ err }, "processing worker failed to start");
  process.exit(1);
});
