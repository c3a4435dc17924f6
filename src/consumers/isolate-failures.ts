import { classifyFailure } from "./failure-kind.ts";

export interface Isolated<T> {
  item: T;
  error: unknown;
}

/**
 * Writes `items` with `write`; when the write fails because of the data (deterministic), splits the
 * batch in halves until the offending items are alone, so every good item is still written. Returns
 * the items that cannot be written, with their errors. A transient failure is thrown as it is: the
 * caller retries the whole batch later (the writes are idempotent).
 */
export async function writeIsolatingFailures<T>(
  items: readonly T[],
  write: (items: readonly T[]) => Promise<void>,
  classify: (err: unknown) => "deterministic" | "transient" = classifyFailure,
): Promise<Isolated<T>[]> {
  if (items.length === 0) return [];
  try {
    await write(items);
    return [];
  } catch (err) {
    if (classify(err) === "transient") throw err;
    if (items.length === 1) return [{ item: items[0]!, error: err }];
    const mid = Math.ceil(items.length / 2);
    const left = await writeIsolatingFailures(items.slice(0, mid), write, classify);
    const right = await writeIsolatingFailures(items.slice(mid), write, classify);
    return [...left, ...right];
  }
}
