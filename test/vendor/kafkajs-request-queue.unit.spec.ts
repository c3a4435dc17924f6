import { createRequire } from "node:module";
import { describe, expect, it, vi } from "vitest";

// patches/kafkajs+2.2.4.patch (applied by patch-package on install): kafkajs 2.2.4 rescheduled its
// pending-request check with a negative delay whenever nothing was pending, a 1 ms timer loop per
// broker connection that kept every idle consumer, producer and admin client busy.
const require = createRequire(import.meta.url);
type Queue = {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: unknown;
  checkPendingRequests(): void;
  push(r: { entry: Record<string, unknown>; expectResponse: boolean; sendRequest: () => void }): void;
};
const RequestQueue = require("kafkajs/src/network/requestQueue/index.js") as new (o: Record<string, unknown>) => Queue;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const queue = () => new RequestQueue({ maxInFlightRequests: 1, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: "test", broker: "127.0.0.1:9092", logger: quiet });
const entry = (correlationId: number) => ({ correlationId, apiKey: 1, apiName: "Fetch", apiVersion: 11, resolve() {}, reject() {} });

describe("kafkajs request queue (patched)", () => {
  it("with nothing pending, a check leaves no timer behind (no idle spin)", () => {
    const q = queue();
    q.checkPendingRequests();
    expect(q.throttleCheckTimeoutId ?? null).toBeNull();
  });

  it("a request held back by broker throttling is still sent once the throttle ends", async () => {
    const q = queue();
    q.throttledUntil = Date.now() + 100;
    const sent = vi.fn();
    q.push({ entry: entry(1), expectResponse: false, sendRequest: sent });
    expect(sent).not.toHaveBeenCalled();
    expect(q.pending).toHaveLength(1);
    await vi.waitFor(() => expect(sent).toHaveBeenCalledTimes(1), { timeout: 2000 });
    expect(q.pending).toHaveLength(0);
    expect(q.throttleCheckTimeoutId ?? null).toBeNull();
  });
});
