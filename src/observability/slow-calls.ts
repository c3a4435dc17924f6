import { componentLogger } from "./logger.ts";

export interface SlowCallOptions {
  /** A call still pending after this long is reported (once), and again when it settles. */
  warnAfterMs: number;
  warn?: (line: string) => void;
  now?: () => number;
}

interface PendingCall {
  /** Its name, or how to make it: built only if it is ever reported (watched calls can be many per second). */
  call: string | (() => string);
  started: number;
  reported: boolean;
}

const nameOf = (p: PendingCall): string => (typeof p.call === "string" ? p.call : p.call());

/** Tracks promises by name: one still pending after `warnAfterMs` is logged (once), and again when it settles. */
export interface SlowCallWatch {
  track<T>(call: string | (() => string), result: Promise<T>): Promise<T>;
}

/** One timer checks all pending calls (a timer per call would cost more than the calls on a busy worker). */
export function slowCallWatch(opts: SlowCallOptions): SlowCallWatch {
  const warn = opts.warn ?? ((line: string) => componentLogger("slow-calls").warn(line));
  const now = opts.now ?? Date.now;
  const pending = new Set<PendingCall>();
  let timer: NodeJS.Timeout | null = null;
  const check = () => {
    const t = now();
    for (const p of pending) {
      if (p.reported || t - p.started < opts.warnAfterMs) continue;
      p.reported = true;
      warn(`${nameOf(p)} still pending after ${Math.round((t - p.started) / 1000)} s`);
    }
    if (pending.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  };
  const settled = (p: PendingCall, outcome: string) => {
    pending.delete(p);
    if (p.reported) warn(`${nameOf(p)} ${outcome} after ${((now() - p.started) / 1000).toFixed(1)} s`);
  };
  return {
    track(call, result) {
      const p: PendingCall = { call, started: now(), reported: false };
      pending.add(p);
      if (!timer) {
        timer = setInterval(check, Math.max(10, opts.warnAfterMs / 4));
        timer.unref();
      }
      result.then(
        () => settled(p, "settled"),
        (err: unknown) => settled(p, `failed (${err instanceof Error ? err.message : String(err)})`),
      );
      return result;
    },
  };
}

/**
 * Wraps an adapter so that any of its async calls still pending after `warnAfterMs` is logged by
 * name, and logged again when it finally settles. A consumer whose batch hangs then says which
 * dependency it is waiting on instead of going quiet until a timeout far away fires.
 */
export function watchSlowCalls<T extends object>(name: string, target: T, opts: SlowCallOptions): T {
  const watch = slowCallWatch(opts);
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value: unknown = Reflect.get(obj, prop, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(obj, args);
        return result instanceof Promise ? watch.track(`${name}.${String(prop)}`, result) : result;
      };
    },
  });
}
