import type { Tick, TickPublisher, TickSubscriber } from "./ports.ts";

/** Ticks within one process (embedded mode); in a cluster a Kafka topic carries them between instances. */
export class InProcessTicks implements TickPublisher, TickSubscriber {
  private readonly listeners = new Set<(ticks: readonly Tick[]) => void>();

  publish(ticks: readonly Tick[]): void {
    if (ticks.length === 0) return;
    for (const l of this.listeners) l(ticks);
  }

  subscribe(listener: (ticks: readonly Tick[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
