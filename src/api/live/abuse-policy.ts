/**
 * Per-connection budget for control messages: a token bucket (rate per second, burst of the same
 * size) and a count of violations (bad or over-rate messages). Pure: time is passed in.
 */
export interface AbuseLimits {
  controlPerSecond: number;
  maxViolations: number;
}

export type Verdict = "accept" | "rate-limited";

export class AbusePolicy {
  private tokens: number;
  private refilledAt: number;
  private violations = 0;

  constructor(private readonly limits: AbuseLimits, now: number) {
    this.tokens = limits.controlPerSecond;
    this.refilledAt = now;
  }

  /** Spends one token for a control message, if there is one. */
  admit(now: number): Verdict {
    const rate = this.limits.controlPerSecond;
    this.tokens = Math.min(rate, this.tokens + ((now - this.refilledAt) / 1000) * rate);
    this.refilledAt = now;
    if (this.tokens < 1) return "rate-limited";
    this.tokens -= 1;
    return "accept";
  }

  /** Records one violation; true when the connection has now used up its allowance and must close. */
  violate(): boolean {
    this.violations += 1;
    return this.violations >= this.limits.maxViolations;
  }

  violationCount(): number {
    return this.violations;
  }
}
