export interface GroupCommitOptions<T> {
  /** Weight of one item (e.g. bytes); a group stays within `maxWeight`, though one heavy item still goes alone. */
  weight?: (item: T) => number;
  maxWeight?: number;
  /**
   * Commits in flight at most (1 unless given). Above 1, what arrives while fewer are in flight goes
   * out on the next turn instead of waiting for the commit in flight: for a store whose writes are
   * idempotent and order-free (the callers never have one item's writes in two groups at once).
   */
  concurrency?: number;
}

interface Waiting<T, R> {
  item: T;
  resolve: (r: R) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: items submitted in the same event-loop turn, or while a commit is in flight, are
 * committed together by the next call of `commit` (one transaction, one fsync, one produce
 * request), which answers one result per item in order. A failed commit fails each of its items.
 */
export class GroupCommit<T, R> {
  private queue: Waiting<T, R>[] = [];
  private inFlight = 0;
  private scheduled = false;
  private idle: (() => void)[] = [];
  private readonly concurrency: number;

  constructor(
    private readonly commit: (items: T[]) => Promise<R[]> | R[],
    private readonly opts: GroupCommitOptions<T> = {},
  ) {
    this.concurrency = Math.max(1, opts.concurrency ?? 1);
  }

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.scheduled || this.inFlight >= this.concurrency) return;
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.startGroups();
      });
    });
  }

  /** Resolves once everything submitted so far is committed (or failed). */
  async settled(): Promise<void> {
    while (this.queue.length || this.inFlight || this.scheduled) await new Promise<void>((r) => this.idle.push(r));
  }

  get pending(): number {
    return this.queue.length;
  }

  private takeGroup(): Waiting<T, R>[] {
    const { weight, maxWeight } = this.opts;
    if (!weight || maxWeight === undefined) return this.queue.splice(0, this.queue.length);
    let n = 1;
    let total = weight(this.queue[0]!.item);
    while (n < this.queue.length && total + weight(this.queue[n]!.item) <= maxWeight) total += weight(this.queue[n++]!.item);
    return this.queue.splice(0, n);
  }

  private startGroups(): void {
    while (this.queue.length && this.inFlight < this.concurrency) {
      this.inFlight++;
      void this.run(this.takeGroup());
    }
  }

  private async run(group: Waiting<T, R>[]): Promise<void> {
    try {
      const results = await this.commit(group.map((w) => w.item));
      group.forEach((w, i) => w.resolve(results[i]!));
    } catch (err) {
      for (const w of group) w.reject(err);
    } finally {
      this.inFlight--;
      // What arrived meanwhile goes at once: it has waited for this commit already.
      this.startGroups();
      if (this.inFlight === 0 && !this.queue.length && !this.scheduled) for (const r of this.idle.splice(0)) r();
    }
  }
}
