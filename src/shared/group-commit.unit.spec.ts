import { describe, expect, it } from "vitest";
import { GroupCommit } from "./group-commit.ts";

describe("GroupCommit", () => {
  it("commits the items of one turn together and answers each in order", async () => {
    const commits: number[][] = [];
    const g = new GroupCommit<number, number>((items) => {
      commits.push(items);
      return items.map((i) => i * 10);
    });
    expect(await Promise.all([g.submit(1), g.submit(2), g.submit(3)])).toEqual([10, 20, 30]);
    expect(commits).toEqual([[1, 2, 3]]);
  });

  it("groups what arrives while a commit is in flight into the next one", async () => {
    const commits: number[][] = [];
    let release: () => void = () => undefined;
    const g = new GroupCommit<number, number>(async (items) => {
      commits.push(items);
      if (commits.length === 1) await new Promise<void>((r) => (release = r));
      return items;
    });
    const first = g.submit(1);
    await new Promise((r) => setImmediate(r));
    const later = [g.submit(2), g.submit(3)];
    release();
    expect(await Promise.all([first, ...later])).toEqual([1, 2, 3]);
    expect(commits).toEqual([[1], [2, 3]]);
  });

  it("keeps groups within the weight limit; a heavy item goes alone", async () => {
    const commits: number[][] = [];
    const g = new GroupCommit<number, number>((items) => (commits.push(items), items), { weight: (i) => i, maxWeight: 10 });
    await Promise.all([4, 5, 3, 20, 1].map((i) => g.submit(i)));
    expect(commits).toEqual([[4, 5], [3], [20], [1]]);
  });

  it("a failed commit fails its items only; later items still commit; settled waits for all", async () => {
    let n = 0;
    const g = new GroupCommit<string, string>((items) => {
      if (n++ === 0) throw new Error("disk full");
      return items;
    });
    const a = g.submit("a");
    await expect(a).rejects.toThrow("disk full");
    const b = g.submit("b");
    await g.settled();
    expect(await b).toBe("b");
    expect(g.pending).toBe(0);
  });

  it("with concurrency 2, a group goes while one is in flight; the rest wait for either and go together", async () => {
    const commits: number[][] = [];
    const releases: (() => void)[] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    const g = new GroupCommit<number, number>(
      async (items) => {
        commits.push(items);
        mostInFlight = Math.max(mostInFlight, ++inFlight);
        await new Promise<void>((r) => releases.push(r));
        inFlight--;
        return items.map((i) => -i);
      },
      { concurrency: 2 },
    );
    const turn = () => new Promise((r) => setImmediate(r));
    const first = g.submit(1);
    await turn();
    const second = g.submit(2);
    await turn();
    expect(commits).toEqual([[1], [2]]);
    const later = [g.submit(3), g.submit(4)];
    await turn();
    expect(commits).toHaveLength(2);
    releases[1]!();
    await expect(second).resolves.toBe(-2);
    expect(commits).toEqual([[1], [2], [3, 4]]);
    const all = Promise.all([first, ...later]);
    let settled = false;
    const waiting = g.settled().then(() => (settled = true));
    releases[2]!();
    await turn();
    expect(settled).toBe(false);
    releases[0]!();
    expect(await all).toEqual([-1, -3, -4]);
    await waiting;
    expect(mostInFlight).toBe(2);
  });
});
