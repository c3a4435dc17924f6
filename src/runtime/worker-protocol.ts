import type { TicksMessage } from "../live/thread-ticks.ts";

/** Messages from the main thread to the processing worker. */
export type ToWorker = { type: "append" } | { type: "stop" };

/** Messages from the processing worker to the main thread. */
export type FromWorker = TicksMessage | { type: "started" } | { type: "failed"; message: string } | { type: "metrics"; text: string; stalledPartitions: string };
