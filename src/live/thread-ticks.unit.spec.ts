import { MessageChannel } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { sampleRowView } from "../domain/minute-row.fixture.ts";
import type { Tick } from "./ports.ts";
import { isTicksMessage, ThreadTicksPublisher } from "./thread-ticks.ts";

const tick = (offset: number): Tick => sampleRowView({ offset });

describe("ticks from the processing worker to the main thread", () => {
  const channel = new MessageChannel();
  afterEach(() => channel.port2.removeAllListeners("message"));

  it("sends the ticks of one loop iteration as one message, in order, even when each store publishes from an immediate of its own", async () => {
    const received: number[][] = [];
    channel.port2.on("message", (m: unknown) => {
      if (isTicksMessage(m)) received.push(m.ticks.map((t) => (t as Tick).offset));
    });
    const ticks = new ThreadTicksPublisher(channel.port1);
    // As nact runs store messages: one immediate per store, all in the same loop iteration.
    for (const offset of [1, 2, 3]) setImmediate(() => ticks.publish([tick(offset)]));
    await expect.poll(() => received.length).toBeGreaterThan(0);
    ticks.publish([tick(4), tick(5)]);
    await expect.poll(() => received.flat()).toContain(5);
    expect(received).toEqual([[1, 2, 3], [4, 5]]);
    channel.port1.close();
  });
});
