import { afterEach, describe, expect, it, vi } from "vitest";
import { throttledErrors } from "./throttled-log.ts";

describe("throttledErrors", () => {
  afterEach(() => vi.useRealTimers());

  it("says a repeated message once per interval, then how often it repeated", () => {
    vi.useFakeTimers({ now: 0 });
    const lines: string[] = [];
    const report = throttledErrors("[x]", 1000, (l) => lines.push(l));
    report(new Error("Cassandra down"));
    report(new Error("Cassandra down"));
    report(new Error("Cassandra down"));
    report("other");
    expect(lines).toEqual(["[x] Cassandra down", "[x] other"]);
    vi.setSystemTime(1500);
    report(new Error("Cassandra down"));
    expect(lines[2]).toBe("[x] Cassandra down (repeated 2× in the last 2 s)");
  });
});
