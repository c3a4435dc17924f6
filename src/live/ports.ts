import type { MinuteRow } from "../domain/minute-row.ts";
import type { PartitionTotalsRow } from "../domain/partition-totals.ts";

/** A live update ("tick"): the current totals of one (store, minute, currency) window. */
export type Tick = Omit<MinuteRow, "eventIds">;

/** A live update of one partition's all-stores totals of a (minute, currency); newer = higher version. */
export type PartitionTick = PartitionTotalsRow & { kind: "partition" };

export type LiveTick = Tick | PartitionTick;

export function isPartitionTick(t: LiveTick): t is PartitionTick {
  return (t as PartitionTick).kind === "partition";
}

export interface TickPublisher {
  publish(ticks: readonly LiveTick[]): void;
}

export interface TickSubscriber {
  subscribe(listener: (ticks: readonly LiveTick[]) => void): () => void;
}

/** A subscriber that never delivers: for a process or thread that serves no live view. */
export const noTicks: TickSubscriber = { subscribe: () => () => undefined };

/** One publisher that hands every batch of ticks to each of the given ones. */
export function allOf(...publishers: readonly TickPublisher[]): TickPublisher {
  return { publish: (ticks) => publishers.forEach((p) => p.publish(ticks)) };
}
