import { logger } from "./logger.ts";

/**
 * An error reporter that says the same message at most once per interval, with how many times it
 * repeated meanwhile: an outage must be visible in the log without drowning it.
 */
export function throttledErrors(prefix: string, intervalMs = 10_000, sink: (line: string) => void = (l) => logger.error(l)): (err: unknown) => void {
  const last = new Map<string, { at: number; repeats: number }>();
  return (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    const now = Date.now();
    const seen = last.get(message);
    if (seen && now - seen.at < intervalMs) {
      seen.repeats += 1;
      return;
    }
    const repeats = seen?.repeats ? ` (repeated ${seen.repeats}× in the last ${Math.round((now - seen.at) / 1000)} s)` : "";
    last.set(message, { at: now, repeats: 0 });
    if (last.size > 1000) last.clear();
    sink(`${prefix} ${message}${repeats}`);
  };
}
