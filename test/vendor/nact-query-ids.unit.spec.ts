import { dispatch, query, spawnStateless, start, stop, type Ref } from "nact";
import { describe, expect, it } from "vitest";

/**
 * nact 7.6.2 names each query's reply address with a random id cut to 32 bits, so among thousands
 * of queries in flight two can share one: the first reply then answers the wrong query, and the
 * other query waits out its whole timeout. The window worker has thousands in flight (a sweep asks
 * every store actor), and one such collision stalled the window group for the 120 s ask timeout
 * (found by the soak). patches/nact+7.6.2.patch numbers them instead. Without the patch, 200,000
 * queries in flight collide with a probability of about 99 %.
 */
describe("nact queries (patched)", () => {
  it("answers each of 200,000 queries in flight with its own reply", async () => {
    const system = start();
    const echo = spawnStateless(system, (msg: { n: number; replyTo: Ref<number> }) => dispatch(msg.replyTo, msg.n), "echo");
    try {
      const n = 200_000;
      const asks = Array.from({ length: n }, (_, i) => query(echo, (replyTo: Ref<number>) => ({ n: i, replyTo }), 10_000).then((r) => (r === i ? null : `query ${i} got ${r}`), (err: Error) => `query ${i}: ${err.message}`));
      const wrong = (await Promise.all(asks)).filter((x) => x !== null);
      expect(wrong).toEqual([]);
    } finally {
      stop(system);
    }
  }, 30_000);
});
