import cluster, { type Worker } from "node:cluster";
import client from "prom-client";
import type { Settings } from "../config/settings.ts";
import { logger } from "../observability/logger.ts";
import type { MetricsRegistry } from "../observability/metrics.ts";
import { SharedRequest } from "../shared/shared-request.ts";

/**
 * Several API processes on one port (INTRADAY_API_PROCESSES, ROLE=api on the real stack): the
 * primary forks them and supervises, node:cluster hands each new connection to one of them. Each
 * is a whole API instance (its own Kafka producer, PostgreSQL pool and live feed), so ingest and
 * queries use every core; they share nothing but the port. /metrics asks the primary, which sums
 * every process's registry (prom-client's AggregatorRegistry).
 */

const METRICS_REQUEST = "intraday:metrics-request";
const METRICS_REPLY = "intraday:metrics-reply";
/** prom-client's own cluster request times out after 5 s; a process waits a little longer, then serves its own. */
const METRICS_WAIT_MS = 6_000;
/** A process that ran and then died is replaced after this pause; one that dies before it listens stops them all. */
const RESTART_DELAY_MS = 1_000;

type MetricsRequest = { type: typeof METRICS_REQUEST; id: number };
type MetricsReply = { type: typeof METRICS_REPLY; id: number; text?: string; error?: string };

const isMetricsRequest = (m: unknown): m is MetricsRequest => (m as { type?: unknown } | null)?.type === METRICS_REQUEST;
const isMetricsReply = (m: unknown): m is MetricsReply => (m as { type?: unknown } | null)?.type === METRICS_REPLY;

export function isApiProcess(): boolean {
  return cluster.isWorker;
}

/** Runs in the primary until every API process has stopped; resolves with the exit code for the primary. */
export function superviseApiProcesses(settings: Settings, say: (line: string) => void): Promise<number> {
  const aggregator = new client.AggregatorRegistry();
  const started = new Set<number>();
  /** Forked and not yet exited (cluster.workers may still list an exited process until its IPC channel closes). */
  const alive = new Set<number>();
  let stopping = false;
  let failed = false;
  let announced = false;

  // The asker may have exited while the others were gathered: a send to a closed channel without a
  // callback is an `error` event on the worker, and unheard, it would end the supervisor.
  const reply = (worker: Worker, m: MetricsReply) => {
    const dropped = () => logger.debug(`metrics reply dropped: API process ${worker.process.pid} has exited`);
    if (!worker.isConnected()) dropped();
    else worker.send(m, undefined, undefined, (err) => err && dropped());
  };
  cluster.on("message", (worker: Worker, m: unknown) => {
    if (!isMetricsRequest(m)) return;
    aggregator.clusterMetrics().then(
      (text) => reply(worker, { type: METRICS_REPLY, id: m.id, text }),
      (err: Error) => reply(worker, { type: METRICS_REPLY, id: m.id, error: err.message }),
    );
  });

  const fork = () => {
    const worker = cluster.fork();
    alive.add(worker.id);
    worker.once("listening", (address) => {
      started.add(worker.id);
      if (!announced && started.size === settings.API_PROCESSES) {
        announced = true;
        const host = address.address && address.address !== "::" ? address.address : settings.HOST;
        say(`intraday-sales (cluster, ${settings.API_PROCESSES} API processes) listening on http://${host}:${address.port} — live page http://${host}:${address.port}/`);
      }
    });
    worker.once("exit", (code, signal) => {
      const ran = started.delete(worker.id);
      alive.delete(worker.id);
      if (stopping) {
        // Only a clean stop counts as one. A process that had not yet listened had accepted nothing,
        // so the SIGTERM that ended it before it could set up its own stop is not a failure.
        const clean = code === 0 || (!ran && signal === "SIGTERM");
        if (!clean) logger.error(`API process ${worker.process.pid} did not stop cleanly (${signal ?? code})`);
        stopped(clean);
        return;
      }
      if (!ran) {
        failed = true;
        logger.error(`API process ${worker.process.pid} exited (${signal ?? code}) before it listened; stopping the others`);
        stopAll();
        stopped(false);
        return;
      }
      logger.error(`API process ${worker.process.pid} exited (${signal ?? code}); starting another in ${RESTART_DELAY_MS} ms`);
      setTimeout(() => stopping || fork(), RESTART_DELAY_MS).unref();
    });
  };

  const living = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && alive.has(w.id) && !w.isDead());
  const stopAll = () => {
    stopping = true;
    for (const w of living()) w.process.kill("SIGTERM");
  };

  // A process that died earlier was replaced; what counts is how the last ones stopped.
  let exitCode = 0;
  let resolveAll: (code: number) => void = () => {};
  const stopped = (clean: boolean) => {
    if (!clean) exitCode = 1;
    if (alive.size === 0) resolveAll(failed ? 1 : exitCode);
  };

  return new Promise<number>((resolve) => {
    resolveAll = resolve;
    const shutdown = (signal: string) => {
      if (stopping) return;
      say(`${signal}: stopping ${settings.API_PROCESSES} API processes…`);
      const force = setTimeout(() => {
        logger.error(`API processes took longer than ${settings.SHUTDOWN_TIMEOUT_MS} ms to stop; killing them`);
        for (const w of living()) w.process.kill("SIGKILL");
      }, settings.SHUTDOWN_TIMEOUT_MS + 2_000);
      force.unref();
      stopAll();
      stopped(true); // none may be running: every one had died and its replacement was not yet forked
    };
    process.on("SIGINT", () => shutdown("SIGINT"));
    process.on("SIGTERM", () => shutdown("SIGTERM"));
    for (let i = 0; i < settings.API_PROCESSES; i++) fork();
  });
}

/**
 * In an API process: answer the primary's requests for this registry, and render /metrics as the
 * sum over all processes (this process's own if the primary does not answer in time).
 */
export function shareMetricsWithPrimary(registry: MetricsRegistry): void {
  client.AggregatorRegistry.setRegistries([registry.prom]);
  new client.AggregatorRegistry(); // registers the listener that answers the primary
  const own = registry.render.bind(registry);
  const fromPrimary = new SharedRequest<MetricsReply>((id) => process.send?.({ type: METRICS_REQUEST, id } satisfies MetricsRequest), METRICS_WAIT_MS);
  process.on("message", (m: unknown) => {
    if (isMetricsReply(m)) fromPrimary.answer(m.id, m);
  });
  // Reads that arrive while one is being gathered share it: a flood of /metrics costs one gathering at a time.
  registry.render = async () => {
    const reply = await fromPrimary.request();
    if (reply?.text !== undefined) return reply.text;
    logger.warn(`metrics of all API processes unavailable (${reply?.error ?? "no answer from the primary"}); serving this process's own`);
    return own();
  };
}
