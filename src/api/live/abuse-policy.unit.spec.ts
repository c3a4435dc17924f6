import { describe, expect, it } from "vitest";
import { AbusePolicy } from "./abuse-policy.ts";

describe("AbusePolicy", () => {
  it("admits a burst of controlPerSecond, then refuses until tokens refill at that rate", () => {
    const p = new AbusePolicy({ controlPerSecond: 4, maxViolations: 3 }, 0);
    expect([0, 0, 0, 0, 0].map((t) => p.admit(t))).toEqual(["accept", "accept", "accept", "accept", "rate-limited"]);
    expect(p.admit(100)).toBe("rate-limited"); // 0.4 token
    expect(p.admit(250)).toBe("accept"); // 1 token after 250 ms at 4/s
    expect(p.admit(250)).toBe("rate-limited");
    // Refill is capped at the burst size.
    expect([10_000, 10_000, 10_000, 10_000, 10_000].map((t) => p.admit(t))).toEqual(["accept", "accept", "accept", "accept", "rate-limited"]);
  });

  it("says to close on the maxViolations-th violation, not before", () => {
    const p = new AbusePolicy({ controlPerSecond: 1, maxViolations: 3 }, 0);
    expect([p.violate(), p.violate(), p.violate()]).toEqual([false, false, true]);
    expect(p.violationCount()).toBe(3);
  });
});
