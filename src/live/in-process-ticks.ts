import type { LiveTick, TickPublisher, TickSubscriber } from "./ports.ts";

/** Ticks within one process (embedded mode); in a cluster a Kafka topic carries them between instances. */
export class InProcessTicks implements TickPublisher, TickSubscriber {
  private readonly listeners = new Set<(ticks: readonly LiveTick[]) => void>();

  publish(ticks: readonly LiveTick[]): void {
    if (ticks.length === 0) return;
    for (const l of this.listeners) l(ticks);
  }

  subscribe(listener: (ticks: readonly LiveTick[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
