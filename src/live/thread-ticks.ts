import type { MessagePort } from "node:worker_threads";
import type { LiveTick, TickPublisher } from "./ports.ts";

/** What crosses between the processing worker and the main thread (see src/runtime/topology.ts). */
export interface TicksMessage {
  type: "ticks";
  ticks: readonly LiveTick[];
}

export function isTicksMessage(m: unknown): m is TicksMessage {
  return typeof m === "object" && m !== null && (m as { type?: unknown }).type === "ticks";
}

/**
 * The worker's side of live ticks: the store actors publish here and the ticks go to the main
 * thread, where the live view and the websocket feed subscribe to the in-process ticks. Ticks of one
 * loop iteration go out as one message (one structured clone, one wake-up of the main thread).
 * setImmediate, not a microtask: nact runs each store message in an immediate of its own, so a
 * microtask flushed after every store, which at a trickle was a message per event.
 */
export class ThreadTicksPublisher implements TickPublisher {
  private queued: LiveTick[] = [];

  constructor(private readonly port: Pick<MessagePort, "postMessage">) {}

  publish(ticks: readonly LiveTick[]): void {
    if (ticks.length === 0) return;
    if (this.queued.length === 0) setImmediate(() => this.send());
    for (const t of ticks) this.queued.push(t);
  }

  private send(): void {
    const ticks = this.queued;
    this.queued = [];
    const message: TicksMessage = { type: "ticks", ticks };
    this.port.postMessage(message);
  }
}
