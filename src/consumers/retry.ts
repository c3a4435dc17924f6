import { backOff } from "exponential-backoff";

export interface RetryOptions {
  /** Whether another attempt should be made after this failure (e.g. the consumer still owns the partition). */
  shouldRetry: (err: unknown) => boolean;
  /** Called after each failed attempt that will be retried: report it, heartbeat the group. */
  onRetry?: (err: unknown, attempt: number) => void | Promise<void>;
  minDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * The one retry loop of the consumers: exponential backoff (200 ms doubling to 5 s by default, with
 * jitter), without an attempt limit, for as long as `shouldRetry` says so. A consumer that gives up
 * on a record loses it; so only the caller, which knows it lost the partition or is stopping, ends it.
 */
export function retryWithBackoff<T>(attempt: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const min = opts.minDelayMs ?? 200;
  return backOff(attempt, {
    numOfAttempts: Number.POSITIVE_INFINITY,
    startingDelay: min,
    timeMultiple: 2,
    maxDelay: opts.maxDelayMs ?? 5000,
    jitter: "none",
    delayFirstAttempt: false,
    retry: async (err: unknown, n: number) => {
      if (!opts.shouldRetry(err)) return false;
      await opts.onRetry?.(err, n);
      return true;
    },
  });
}
