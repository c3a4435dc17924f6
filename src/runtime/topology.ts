import { randomUUID } from "node:crypto";
import { Worker, type ResourceLimits } from "node:worker_threads";
import type { Settings } from "../config/settings.ts";
import { isTicksMessage } from "../live/thread-ticks.ts";
import { logger } from "../observability/logger.ts";
import { mergeExposition } from "../observability/merge-exposition.ts";
import { SharedRequest } from "../shared/shared-request.ts";
import type { Adapters } from "./adapters.ts";
import { createRuntime, type ExternalProcessing, type Runtime } from "./runtime.ts";
import type { FromWorker, ToWorker } from "./worker-protocol.ts";

/**
 * How one instance uses the machine's cores. With TOPOLOGY=threads (default) and a ROLE that
 * consumes, ingest and the API keep the main thread and the consumers (window processing, raw
 * history) run in a worker thread with their own adapters: the two never share an event loop.
 * Everything between them goes through the log and the stores as between processes, plus three
 * messages: embedded log appends (wake the consumers), live ticks (to this instance's own
 * subscribers; in a cluster the worker also publishes them to Kafka for the other instances) and the worker's metrics
 * (rendered when /metrics is read) and stall check. A worker thread dies with its process,
 * so a kill -9 leaves nothing running (child processes would be orphaned).
 */
export interface Instance {
  runtime: Runtime;
  stop(): Promise<void>;
}

export async function startInstance(settings: Settings): Promise<Instance> {
  const origin = randomUUID();
  const adapters = await adaptersFor(settings, origin);
  if (settings.TOPOLOGY === "single" || settings.ROLE === "api") {
    const runtime = await createRuntime(settings, adapters);
    if (settings.ROLE !== "api") await runtime.startProcessing();
    return { runtime, stop: () => runtime.stop() };
  }
  const workers = workerRoles(settings).map((ROLE) => new ProcessingWorker({ ...settings, ROLE }, origin, adapters));
  await Promise.all(workers.map((w) => w.started));
  const processing: ExternalProcessing = {
    state: () => workers.map((w) => w.state()).find((s) => s !== "running") ?? "running",
    stalledPartitions: () => workers.map((w) => w.stalledPartitions()).find((s) => s !== "none") ?? "none",
  };
  const runtime = await createRuntime({ ...settings, ROLE: "api" }, adapters, Date.now, processing);
  mergeMetricsInto(runtime, workers);
  return {
    runtime,
    async stop() {
      // Ingest stops at once (app.close); the workers flush and commit what they hold meanwhile.
      await Promise.all([runtime.stop(), ...workers.map((w) => w.stop())]);
    },
  };
}

/**
 * One worker for all the consumers of the ROLE, except on the real stack with several consumer groups:
 * there the window group, the raw-history group and the analytics group get a worker each (they share nothing, and raw
 * history would otherwise take turns with window processing on one event loop). Embedded, one
 * worker keeps both groups' projection writes in one group-committed SQLite transaction.
 */
function workerRoles(settings: Settings): Settings["ROLE"][] {
  if (settings.MODE !== "cluster") return [settings.ROLE];
  if (settings.ROLE === "all") return ["windows", "history", "analytics"];
  if (settings.ROLE === "processor") return ["windows", "history"];
  return [settings.ROLE];
}

/** /metrics of the instance: the main thread's registry merged with each worker's, rendered when asked. */
function mergeMetricsInto(runtime: Runtime, workers: readonly ProcessingWorker[]): void {
  const registry = runtime.metrics.registry;
  const own = registry.render.bind(registry);
  // process_* describe the whole process, which the main thread already reports: summing the
  // worker's copy (CPU seconds, open fds) would double-count.
  const threadOnly = (text: string) => text.split("\n").filter((l) => !/^(# (HELP|TYPE) )?process_/.test(l)).join("\n");
  registry.render = async () => {
    const [text, ...fromWorkers] = await Promise.all([own(), ...workers.map((w) => w.metrics())]);
    return fromWorkers.reduce((acc, w) => mergeExposition(acc, threadOnly(w)), text);
  };
}

/** The embedded log, as the main thread tells the processing worker about its appends. */
interface AppendingLog {
  appended: NodeJS.EventEmitter;
  endOffsets(): number[];
}

async function adaptersFor(settings: Settings, origin: string): Promise<Adapters & { log?: AppendingLog }> {
  if (settings.MODE === "cluster") {
    const { clusterAdapters } = await import("./cluster-adapters.ts");
    return clusterAdapters(settings, { origin });
  }
  const { embeddedAdapters } = await import("./embedded-adapters.ts");
  return embeddedAdapters(settings);
}

/** How long a /metrics read waits for a worker's own render. */
const METRICS_WAIT_MS = 2_000;

class ProcessingWorker implements ExternalProcessing {
  readonly started: Promise<void>;
  private status = "starting";
  /** The last metrics a worker rendered: served when a new request is not answered in time (a busy worker). */
  private metricsText = "";
  private readonly metricsRequest = new SharedRequest<string>((id) => this.post({ type: "metrics", id }), METRICS_WAIT_MS);
  private stalled = "none";
  private readonly worker: Worker;
  private stopping: Promise<void> | null = null;

  constructor(settings: Settings, origin: string, adapters: Adapters & { log?: AppendingLog }) {
    const young = settings.WORKER_YOUNG_GENERATION_MB;
    this.worker = processingWorker({ settings, origin }, young > 0 ? { maxYoungGenerationSizeMb: young } : undefined);
    const log = adapters.log;
    if (log) {
      let queued = false;
      const wake = () => {
        if (queued) return;
        queued = true;
        setImmediate(() => {
          queued = false;
          // The ends travel with the message: the worker need not query them.
          this.post({ type: "append", ends: log.endOffsets() });
        });
      };
      log.appended.on("append", wake);
    }
    this.started = new Promise<void>((resolve, reject) => {
      this.worker.on("message", (m: FromWorker) => {
        if (isTicksMessage(m)) adapters.ticksFromWorker.publish(m.ticks);
        else if (m.type === "metrics") {
          this.metricsText = m.text;
          this.metricsRequest.answer(m.id, m.text);
        } else if (m.type === "stalled") this.stalled = m.stalledPartitions;
        else if (m.type === "started") {
          this.status = "running";
          resolve();
        } else if (m.type === "failed") reject(new Error(`processing worker: ${m.message}`));
      });
      this.worker.once("error", (err) => {
        reject(err);
        this.fail(err.message);
      });
      this.worker.once("exit", (code) => {
        reject(new Error(`processing worker exited with ${code} before it started`));
        if (!this.stopping) this.fail(`exited with ${code}`);
        else this.status = "stopped";
      });
    });
  }

  state(): string {
    return this.status;
  }

  /** The worker's latest stall check ("none" or "error: …"). */
  stalledPartitions(): string {
    return this.stalled;
  }

  /**
   * The worker's metrics, rendered now; its last ones if it does not answer within METRICS_WAIT_MS.
   * Concurrent reads share one render.
   */
  async metrics(): Promise<string> {
    if (this.status !== "running") return this.metricsText;
    return (await this.metricsRequest.request()) ?? this.metricsText;
  }

  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      this.status = "stopping";
      this.worker.once("exit", () => resolve());
      this.post({ type: "stop" });
    });
    return this.stopping;
  }

  private post(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  /** A crashed worker is a crashed instance: exit, and the log replays what was not committed. */
  private fail(reason: string): void {
    this.status = `failed: ${reason}`;
    logger.error(`processing worker failed (${reason}); exiting (uncommitted work replays on restart)`);
    process.exit(1);
  }
}

/**
 * The processing worker's module beside this one: compiled JavaScript when this runs from a build
 * (npm run build), else TypeScript through tsx.
 */
function processingWorker(workerData: unknown, resourceLimits?: ResourceLimits): Worker {
  if (import.meta.url.endsWith(".js")) {
    return new Worker(new URL("./processing-worker.js", import.meta.url), { workerData, ...(resourceLimits ? { resourceLimits } : {}) });
  }
  return tsWorker(new URL("./processing-worker.ts", import.meta.url), workerData, resourceLimits);
}

/**
 * A worker thread running a TypeScript module. On Node 20 the tsx loader hooks of the main thread do
 * not reach worker threads, so the worker registers tsx itself before importing the module.
 */
function tsWorker(module: URL, workerData: unknown, resourceLimits?: ResourceLimits): Worker {
  const tsx = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(module.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData, ...(resourceLimits ? { resourceLimits } : {}) });
}
