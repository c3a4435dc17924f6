import type { DeadLetterSink, IngestLog, LogConsumer, PartitionHandler } from "../event-log/ports.ts";
import type { StoreDirectory } from "../projections/analytics/store-directory.ts";
import type { TickPublisher, TickSubscriber } from "../live/ports.ts";
import type { LateEvents, MinuteProjection, RawHistory } from "../projections/ports.ts";
import type { ReconcileDrift } from "../operations/reconcile-drift.ts";

/** What differs between the embedded default and the real stack; everything else is shared. */
export interface Adapters {
  mode: "embedded" | "cluster";
  ingestLog: IngestLog;
  deadLetters: DeadLetterSink;
  windowConsumer: LogConsumer;
  rawHistoryConsumer: LogConsumer;
  minutes: MinuteProjection;
  late: LateEvents;
  rawHistory: RawHistory;
  ticksOut: TickPublisher;
  ticksIn: TickSubscriber;
  /** Where the main thread hands the ticks of its processing worker: this process's subscribers (the worker's own ticksOut carries them further). */
  ticksFromWorker: TickPublisher;
  /** Cluster mode: the consumer group projecting the minute changelog into PostgreSQL (Superset's tables). */
  analytics?: { consumer: LogConsumer; handler: PartitionHandler };
  /** Store reference data (name, region, time zone) behind PUT /v1/stores/{storeId}. */
  storeDirectory?: StoreDirectory;
  /** The last reconciliation run's drift (cluster: reconciliation_runs), for /metrics. */
  lastReconciliation?(): Promise<ReconcileDrift | null>;
  /** Named checks for /readyz. */
  health(): Promise<Record<string, string>>;
  close(): Promise<void>;
}
