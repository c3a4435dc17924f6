import type { TicksMessage } from "../live/thread-ticks.ts";

/** Messages from the main thread to the processing worker. */
export type ToWorker =
  /** The embedded log took appends; `ends`: its next offset per partition after them. */
  | { type: "append"; ends: number[] }
  | { type: "stop" }
  | { type: "metrics"; id: number };

/** Messages from the processing worker to the main thread. */
export type FromWorker =
  | TicksMessage
  | { type: "started" }
  | { type: "failed"; message: string }
  /** The answer to a metrics request (rendered only when /metrics is read). */
  | { type: "metrics"; id: number; text: string }
  /** The worker's stall check, sent when it changes. */
  | { type: "stalled"; stalledPartitions: string };
