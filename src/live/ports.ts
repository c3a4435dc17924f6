import type { MinuteRow } from "../domain/minute-row.ts";

/** A live ticker update: the current totals of one (store, minute, currency) window. */
export type Tick = Omit<MinuteRow, "eventIds">;

export interface TickPublisher {
  publish(ticks: readonly Tick[]): void;
}

export interface TickSubscriber {
  subscribe(listener: (ticks: readonly Tick[]) => void): () => void;
}
