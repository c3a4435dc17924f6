import type { SaleEvent } from "../domain/event.ts";

/** A record as any consumer reads it from the event log (embedded or Kafka). */
export interface LogRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  /** Append time in ms: Kafka's record timestamp, set by our producer at ingest. */
  appendTime: number;
}

export interface AppendResult {
  accepted: number;
  duplicates: number;
  /**
   * Indexes (into the appended events) of event ids already accepted with a different payload. When
   * there is any, nothing of that request was appended.
   */
  conflicts: number[];
}

/** An event id and the fingerprint of its payload (see ingest/fingerprint.ts). */
export interface RecordedId {
  eventId: string;
  fingerprint: bigint;
}

/** The ingest idempotency index: event ids already appended, with their payload fingerprints (PostgreSQL in the real stack). */
export interface SeenIds {
  /** The ids already appended before, with their fingerprint (null: recorded before fingerprints were kept). */
  seen(ids: readonly string[]): Promise<Map<string, bigint | null>>;
  remember(ids: readonly RecordedId[]): Promise<void>;
}

/**
 * The ingest side of the log: appends new events durably, skipping event ids it has already taken
 * with the same payload; a request with an id taken with another payload is not appended at all.
 */
export interface IngestLog {
  readonly partitions: number;
  appendNew(events: readonly SaleEvent[]): Promise<AppendResult>;
  isAvailable(): boolean;
  close(): Promise<void>;
}

/** What a consumer group member calls into. Offsets returned are the next offset to read. */
export interface PartitionHandler {
  assigned(partitions: number[]): Promise<void>;
  /** Must flush what it holds for these partitions and return the offsets safe to commit. */
  revoked(partitions: number[]): Promise<Map<number, number>>;
  /** Returns the offset safe to commit for the partition after handling the batch. */
  batch(partition: number, records: LogRecord[]): Promise<number>;
}

export interface LogConsumer {
  readonly groupId: string;
  run(handler: PartitionHandler): Promise<void>;
  /** Commits outside of a batch (e.g. after a wall-clock flush). Monotonic: lower offsets are ignored. */
  commit(partition: number, offset: number): Promise<void>;
  /** Per partition: last offset in the log + 1, and the committed offset. */
  lag(): Promise<{ partition: number; end: number; committed: number }[]>;
  stop(): Promise<void>;
}

export interface DeadLetterSink {
  deadLetter(record: LogRecord, reason: string): Promise<void>;
}

export class LogUnavailableError extends Error {
  readonly code = "INTRADAY_LOG_UNAVAILABLE";
  readonly retriable = true;
  constructor(message: string, readonly retryAfterSeconds = 5) {
    super(message);
  }
}
