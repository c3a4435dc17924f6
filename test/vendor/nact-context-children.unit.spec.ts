import { dispatch, query, spawn, spawnStateless, start, stop, type Ref } from "nact";
import { afterEach, describe, expect, it } from "vitest";

/**
 * nact 7.6.2 builds every message's context with a copy of the actor's children map, read or not:
 * a partition actor with thousands of store actors paid a copy of all of them for every batch
 * (at 200 POSTs per second, each its own batch, the window worker's CPU per POST grew with the
 * number of stores seen). patches/nact+7.6.2.patch copies them only when `ctx.children` is read.
 */
type Msg = { kind: "ping"; replyTo: Ref<number> } | { kind: "children"; replyTo: Ref<string[]> };

const realIterator = Map.prototype[Symbol.iterator];
afterEach(() => {
  Map.prototype[Symbol.iterator] = realIterator;
});

/** Counts iterations of maps at least `size` large while `run` goes (a copy `new Map(m)` iterates m). */
async function iterationsOfMapsOver<T>(size: number, run: () => Promise<T>): Promise<{ result: T; iterations: number }> {
  let iterations = 0;
  Map.prototype[Symbol.iterator] = function (this: Map<unknown, unknown>) {
    if (this.size >= size) iterations++;
    return realIterator.call(this);
  };
  try {
    return { result: await run(), iterations };
  } finally {
    Map.prototype[Symbol.iterator] = realIterator;
  }
}

describe("nact message contexts (patched)", () => {
  it("do not copy the children for a message whose handler does not read them, and list them when read", async () => {
    const system = start();
    const parent = spawn(
      system,
      (state: null, msg: Msg, ctx) => {
        if (msg.kind === "ping") dispatch(msg.replyTo, 1);
        else dispatch(msg.replyTo, [...ctx.children.keys()].sort());
        return state;
      },
      "parent",
      { initialState: null },
    );
    try {
      const children = 2_000;
      // Spawned from outside the parent's handler, as the partition actor spawns its stores.
      for (let i = 0; i < children; i++) spawnStateless(parent, () => undefined, `child-${i}`);
      const { iterations } = await iterationsOfMapsOver(children, async () => {
        for (let i = 0; i < 100; i++) await query(parent, (replyTo: Ref<number>) => ({ kind: "ping", replyTo }), 5_000);
      });
      expect(iterations).toBe(0);
      const names = await query(parent, (replyTo: Ref<string[]>) => ({ kind: "children", replyTo }), 5_000);
      expect(names).toHaveLength(children);
      expect(names.slice(0, 2)).toEqual(["child-0", "child-1"]);
    } finally {
      stop(system);
    }
  });
});
