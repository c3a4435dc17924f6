export interface GroupCommitOptions<T> {
  /** Weight of one item (e.g. bytes); a group stays within `maxWeight`, though one heavy item still goes alone. */
  weight?: (item: T) => number;
  maxWeight?: number;
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
  private draining: Promise<void> | null = null;

  constructor(
    private readonly commit: (items: T[]) => Promise<R[]> | R[],
    private readonly opts: GroupCommitOptions<T> = {},
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.draining ??= new Promise<void>((r) => setImmediate(r)).then(() => this.drain());
    });
  }

  /** Resolves once everything submitted so far is committed (or failed). */
  async settled(): Promise<void> {
    while (this.draining) await this.draining;
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

  private async drain(): Promise<void> {
    try {
      while (this.queue.length) {
        const group = this.takeGroup();
        try {
          const results = await this.commit(group.map((w) => w.item));
          group.forEach((w, i) => w.resolve(results[i]!));
        } catch (err) {
          for (const w of group) w.reject(err);
        }
      }
    } finally {
      this.draining = null;
    }
  }
}
