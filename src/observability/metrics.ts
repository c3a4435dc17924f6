import client from "prom-client";

type Labels = Record<string, string | number>;

function labelKey(labels: Labels | undefined): string {
  if (!labels) return "";
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${String(labels[k])}`)
    .join(",");
}

/**
 * A prom-client counter with the call shape the pipeline uses (`inc(labels?, by)`) and a
 * synchronous `get` (prom-client's own is async) for tests and benchmarks.
 */
export class Counter {
  private readonly totals = new Map<string, number>();
  constructor(private readonly metric: client.Counter) {}
  inc(labels?: Labels, by = 1): void {
    if (by === 0) return;
    if (labels) this.metric.inc(labels, by);
    else this.metric.inc(by);
    const k = labelKey(labels);
    this.totals.set(k, (this.totals.get(k) ?? 0) + by);
  }
  get(labels?: Labels): number {
    return this.totals.get(labelKey(labels)) ?? 0;
  }
}

export class Gauge {
  private readonly values = new Map<string, number>();
  constructor(private readonly metric: client.Gauge) {}
  set(value: number, labels?: Labels): void {
    if (labels) this.metric.set(labels, value);
    else this.metric.set(value);
    this.values.set(labelKey(labels), value);
  }
  inc(labels?: Labels, by = 1): void {
    this.set(this.get(labels) + by, labels);
  }
  get(labels?: Labels): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
}

export class Histogram {
  constructor(private readonly metric: client.Histogram) {}
  observe(v: number, labels?: Labels): void {
    if (labels) this.metric.observe(labels, v);
    else this.metric.observe(v);
  }
}

export interface MetricSpec {
  name: string;
  help: string;
  labelNames?: readonly string[];
}

/**
 * Every metric of one process lives in its own prom-client registry (tests run several apps in
 * one process), with Node's default process and GC metrics. Parts of the pipeline add theirs with
 * `counter`, `gauge` (optionally computed at scrape time) and `histogram`.
 */
export class MetricsRegistry {
  readonly prom = new client.Registry();
  constructor() {
    client.collectDefaultMetrics({ register: this.prom });
  }
  counter(spec: MetricSpec): Counter {
    return new Counter(new client.Counter({ name: spec.name, help: spec.help, labelNames: spec.labelNames ?? [], registers: [this.prom] }));
  }
  /** With `collect`, the value is computed at each scrape instead of set by the code. */
  gauge(spec: MetricSpec & { collect?: () => number | { labels: Labels; value: number }[] }): Gauge {
    const collect = spec.collect;
    const metric: client.Gauge = new client.Gauge({
      name: spec.name,
      help: spec.help,
      labelNames: spec.labelNames ?? [],
      registers: [this.prom],
      ...(collect
        ? {
            collect() {
              const v = collect();
              if (typeof v === "number") metric.set(v);
              else {
                metric.reset();
                for (const s of v) metric.set(s.labels, s.value);
              }
            },
          }
        : {}),
    });
    return new Gauge(metric);
  }
  histogram(spec: MetricSpec & { buckets: number[] }): Histogram {
    return new Histogram(new client.Histogram({ name: spec.name, help: spec.help, labelNames: spec.labelNames ?? [], buckets: spec.buckets, registers: [this.prom] }));
  }
  /** The Prometheus text exposition. */
  render(): Promise<string> {
    return this.prom.metrics();
  }
  get contentType(): string {
    return this.prom.contentType;
  }
}

/** Every metric the app exposes, created once and passed to the parts that update them. */
export function createMetrics() {
  const registry = new MetricsRegistry();
  return {
    registry,
    ingestEvents: registry.counter({ name: "intraday_ingest_events_total", help: "Events accepted by ingest, by result (accepted, duplicate)", labelNames: ["result"] }),
    ingestRequests: registry.counter({ name: "intraday_ingest_requests_total", help: "POST /v1/sales requests by status code", labelNames: ["status"] }),
    ingestRejected: registry.counter({ name: "intraday_ingest_rejected_events_total", help: "Events rejected by validation" }),
    httpErrors: registry.counter({ name: "intraday_http_errors_total", help: "HTTP error answers by status and INTRADAY_* code", labelNames: ["status", "code"] }),
    processedEvents: registry.counter({ name: "intraday_processed_events_total", help: "Events handled by store actors, by outcome", labelNames: ["outcome"] }),
    lateEvents: registry.counter({ name: "intraday_late_events_total", help: "Events beyond the allowed lateness, recorded for reconciliation" }),
    amountOutOfRange: registry.counter({ name: "intraday_amount_out_of_range_total", help: "Events refused and aggregates not summable because an amount would leave the exact range (docs/money.md), by where", labelNames: ["where"] }),
    deadLetters: registry.counter({ name: "intraday_dead_letters_total", help: "Log records that could not be read, sent to the dead-letter sink" }),
    windowStarts: registry.counter({
      name: "intraday_window_starts_total",
      help: "Windows a store actor took into memory, by how: read from the projection, or started empty without a read because its partition's loaded rows show none is stored (known_absent)",
      labelNames: ["how"],
    }),
    storedIdReads: registry.counter({ name: "intraday_stored_id_reads_total", help: "Reads of a window's stored event ids to settle a fingerprint match (a duplicate that bypassed ingest, or a hash collision)" }),
    rowWrites: registry.counter({ name: "intraday_minute_row_writes_total", help: "Minute rows written to the projection" }),
    flushSeconds: registry.histogram({ name: "intraday_flush_seconds", help: "Latency of minute-row writes", buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5] }),
    batchSeconds: registry.histogram({
      name: "intraday_batch_seconds",
      help: "Time a partition actor's message took, by phase: a batch's stores (apply, live ticks, the windows' loads and due writes) and totals (the partition aggregates), or a sweep (batches queue behind it)",
      labelNames: ["phase"],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    }),
    batchWaitSeconds: registry.histogram({
      name: "intraday_batch_wait_seconds",
      help: "How long a batch's first record was in the log (append time to this instance's clock) before its batch began: fetch delay and queueing behind earlier batches",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 30],
    }),
    openWindows: registry.gauge({ name: "intraday_open_windows", help: "Windows held in memory by store actors" }),
    storeActors: registry.gauge({ name: "intraday_store_actors", help: "Live store actors" }),
    staleStateResets: registry.counter({ name: "intraday_partition_state_resets_total", help: "Partitions whose in-memory state was dropped because another member had handled records past it (reloaded from the stored rows)" }),
    consumerLag: registry.gauge({ name: "intraday_consumer_lag", help: "Records between the committed offset and the log end, per consumer group and partition", labelNames: ["group", "partition"] }),
    wsClients: registry.gauge({ name: "intraday_websocket_clients", help: "Connected websocket clients" }),
    wsDropped: registry.counter({ name: "intraday_websocket_dropped_total", help: "Websocket clients dropped for not keeping up" }),
    reconcileDrift: registry.gauge({ name: "intraday_reconcile_last_run", help: "Last reconciliation run (reconciliation_runs): mismatches found, left unrepaired, finished_at_seconds", labelNames: ["measure"] }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
