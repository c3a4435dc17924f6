import { afterEach, describe, expect, it, vi } from "vitest";
import { watchSlowCalls } from "./slow-calls.ts";

describe("watchSlowCalls", () => {
  afterEach(() => vi.useRealTimers());

  it("names a call still pending after the threshold once, then says how it settled; quick calls and plain values pass silently", async () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    let release!: (v: string) => void;
    const store = {
      rows: 3,
      quick: async () => "fast",
      slow: () => new Promise<string>((r) => (release = r)),
      sync: () => 42,
    };
    const watched = watchSlowCalls("cassandra", store, { warnAfterMs: 1000, warn: (l) => lines.push(l), now: () => Date.now() });
    expect(watched.rows).toBe(3);
    expect(watched.sync()).toBe(42);
    await expect(watched.quick()).resolves.toBe("fast");
    const pending = watched.slow();
    await vi.advanceTimersByTimeAsync(999);
    expect(lines).toEqual([]);
    await vi.advanceTimersByTimeAsync(3000);
    expect(lines).toEqual(["cassandra.slow still pending after 1 s"]);
    release("done");
    await expect(pending).resolves.toBe("done");
    await vi.advanceTimersByTimeAsync(0);
    expect(lines).toEqual(["cassandra.slow still pending after 1 s", "cassandra.slow settled after 4.0 s"]);
  });

  it("reports a slow call that fails with its error, and passes the rejection on", async () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    let fail!: (e: Error) => void;
    const watched = watchSlowCalls("changelog", { publish: () => new Promise<void>((_, j) => (fail = j)) }, { warnAfterMs: 500, warn: (l) => lines.push(l), now: () => Date.now() });
    const call = watched.publish();
    const outcome = expect(call).rejects.toThrow("broker gone");
    await vi.advanceTimersByTimeAsync(600);
    fail(new Error("broker gone"));
    await outcome;
    await vi.advanceTimersByTimeAsync(0);
    expect(lines[1]).toBe("changelog.publish failed (broker gone) after 0.6 s");
  });
});
