import type { Client } from "cassandra-driver";

interface Pending {
  params: unknown[];
  done: (err?: unknown) => void;
}

/**
 * Coalesces writes of one prepared statement that land in the same Cassandra partition, from any
 * number of callers within one event-loop turn, into unlogged batches of at most `maxPerBatch`
 * statements per partition (one mutation per partition instead of one request per row). Each
 * caller's promise settles when the batches holding its statements do; a failed batch fails the
 * callers in it (they retry their whole write, which is idempotent).
 */
export class PartitionBatcher {
  private pending = new Map<string, Pending[]>();
  private scheduled = false;

  constructor(
    private readonly client: Client,
    private readonly query: string,
    private readonly maxPerBatch = 20,
  ) {}

  /** Queues one statement of partition `partitionKey`; resolves when it is written. */
  write(partitionKey: string, params: unknown[]): Promise<void> {
    return new Promise((resolve, reject) => {
      let list = this.pending.get(partitionKey);
      if (!list) this.pending.set(partitionKey, (list = []));
      list.push({ params, done: (err) => (err === undefined ? resolve() : reject(err)) });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const groups = this.pending;
    this.pending = new Map();
    this.scheduled = false;
    for (const list of groups.values()) {
      for (let i = 0; i < list.length; i += this.maxPerBatch) {
        const part = list.slice(i, i + this.maxPerBatch);
        const sent =
          part.length === 1
            ? this.client.execute(this.query, part[0]!.params, { prepare: true })
            : this.client.batch(part.map((p) => ({ query: this.query, params: p.params })), { prepare: true, logged: false });
        sent.then(
          () => part.forEach((p) => p.done()),
          (err: unknown) => part.forEach((p) => p.done(err ?? new Error("batch failed"))),
        );
      }
    }
  }
}
