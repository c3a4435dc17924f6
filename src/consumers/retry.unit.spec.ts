import { describe, expect, it } from "vitest";
import { retryWithBackoff } from "./retry.ts";

describe("retryWithBackoff", () => {
  it("retries until the attempt succeeds, reporting each failure with its attempt number", async () => {
    let n = 0;
    const seen: [string, number][] = [];
    const r = await retryWithBackoff(
      async () => {
        if (++n < 4) throw new Error(`fail ${n}`);
        return "done";
      },
      { shouldRetry: () => true, onRetry: (err, attempt) => void seen.push([(err as Error).message, attempt]), minDelayMs: 1, maxDelayMs: 2 },
    );
    expect(r).toBe("done");
    expect(seen).toEqual([["fail 1", 1], ["fail 2", 2], ["fail 3", 3]]);
  });

  it("has no attempt limit of its own: only shouldRetry ends it, with the last error", async () => {
    let n = 0;
    const attempt = async () => {
      throw new Error(`fail ${++n}`);
    };
    await expect(retryWithBackoff(attempt, { shouldRetry: () => n < 25, minDelayMs: 0, maxDelayMs: 0 })).rejects.toThrow("fail 25");
  });

  it("a failing onRetry (e.g. a heartbeat during a rebalance) ends the loop with that error", async () => {
    const attempt = async () => {
      throw new Error("write failed");
    };
    await expect(retryWithBackoff(attempt, { shouldRetry: () => true, onRetry: () => Promise.reject(new Error("rebalancing")), minDelayMs: 0 })).rejects.toThrow("rebalancing");
  });
});
