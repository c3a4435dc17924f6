/**
 * A request to another thread or process over its message channel (a worker's port, a process's
 * IPC), answered by id and waited for at most `waitMs`. Requests made while one is in flight share
 * it, so a flood of callers costs the other side one answer at a time.
 */
export class SharedRequest<T> {
  private nextId = 0;
  private readonly waiting = new Map<number, (answer: T | undefined) => void>();
  private inFlight: Promise<T | undefined> | null = null;

  constructor(
    private readonly send: (id: number) => void,
    private readonly waitMs: number,
  ) {}

  /** The answer, or undefined when none came within waitMs (or the request could not be sent). */
  request(): Promise<T | undefined> {
    if (this.inFlight) return this.inFlight;
    const id = this.nextId++;
    const pending = new Promise<T | undefined>((resolve) => {
      const timer = setTimeout(() => done(undefined), this.waitMs);
      const done = (answer: T | undefined) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(answer);
      };
      this.waiting.set(id, done);
    });
    this.inFlight = pending;
    // Cleared before the callers resume, so one that asks again gets a new answer.
    void pending.then(() => {
      if (this.inFlight === pending) this.inFlight = null;
    });
    try {
      this.send(id);
    } catch {
      this.waiting.get(id)?.(undefined); // the channel is closed: no answer will come
    }
    return pending;
  }

  /** Settles the request with this id; an answer that comes too late, or twice, is ignored. */
  answer(id: number, value: T): void {
    this.waiting.get(id)?.(value);
  }
}
