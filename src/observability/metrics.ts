/** A small Prometheus text-format registry: counters, gauges and histograms with labels. */
type Labels = Record<string, string | number>;

function labelKey(labels: Labels | undefined): string {
  if (!labels) return "";
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${String(labels[k]).replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

interface Metric {
  render(): string;
}

export class Counter implements Metric {
  private readonly values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}
  inc(labels?: Labels, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels?: Labels): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.values.size === 0) lines.push(`${this.name} 0`);
    for (const [k, v] of this.values) lines.push(`${this.name}${k} ${v}`);
    return lines.join("\n");
  }
}

export class Gauge implements Metric {
  private readonly values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string, private readonly collect?: () => { labels?: Labels; value: number }[]) {}
  set(value: number, labels?: Labels): void {
    this.values.set(labelKey(labels), value);
  }
  inc(labels?: Labels, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    const entries = this.collect ? this.collect().map((c) => [labelKey(c.labels), c.value] as const) : [...this.values];
    if (entries.length === 0) lines.push(`${this.name} 0`);
    for (const [k, v] of entries) lines.push(`${this.name}${k} ${v}`);
    return lines.join("\n");
  }
}

export class Histogram implements Metric {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(readonly name: string, readonly help: string, private readonly buckets: number[]) {
    this.counts = buckets.map(() => 0);
  }
  observe(v: number): void {
    this.sum += v;
    this.count += 1;
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]!) this.counts[i]! += 1;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket{le="${b}"} ${this.counts[i]}`));
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`, `${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`);
    return lines.join("\n");
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];
  register<M extends Metric>(m: M): M {
    this.metrics.push(m);
    return m;
  }
  render(): string {
    return this.metrics.map((m) => m.render()).join("\n") + "\n";
  }
}

/** Every metric the app exposes, created once and passed to the parts that update them. */
export function createMetrics() {
  const registry = new Registry();
  return {
    registry,
    ingestEvents: registry.register(new Counter("intraday_ingest_events_total", "Events accepted by ingest, by result (accepted, duplicate)")),
    ingestRequests: registry.register(new Counter("intraday_ingest_requests_total", "POST /v1/sales requests by status code")),
    ingestRejected: registry.register(new Counter("intraday_ingest_rejected_events_total", "Events rejected by validation")),
    processedEvents: registry.register(new Counter("intraday_processed_events_total", "Events handled by store actors, by outcome")),
    lateEvents: registry.register(new Counter("intraday_late_events_total", "Events beyond the allowed lateness, recorded for reconciliation")),
    amountOutOfRange: registry.register(new Counter("intraday_amount_out_of_range_total", "Events refused and aggregates not summable because an amount would leave the exact range (docs/money.md), by where")),
    deadLetters: registry.register(new Counter("intraday_dead_letters_total", "Log records that could not be read, sent to the dead-letter sink")),
    rowWrites: registry.register(new Counter("intraday_minute_row_writes_total", "Minute rows written to the projection")),
    flushSeconds: registry.register(new Histogram("intraday_flush_seconds", "Latency of minute-row writes", [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5])),
    openWindows: registry.register(new Gauge("intraday_open_windows", "Windows held in memory by store actors")),
    storeActors: registry.register(new Gauge("intraday_store_actors", "Live store actors")),
    consumerLag: registry.register(new Gauge("intraday_consumer_lag", "Records between the committed offset and the log end, per partition")),
    wsClients: registry.register(new Gauge("intraday_websocket_clients", "Connected websocket clients")),
    wsDropped: registry.register(new Counter("intraday_websocket_dropped_total", "Websocket clients dropped for not keeping up")),
    reconcileDrift: registry.register(
      new Gauge("intraday_reconcile_last_run", "Last reconciliation run (reconciliation_runs): mismatches found, left unrepaired, finished_at_seconds"),
    ),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
