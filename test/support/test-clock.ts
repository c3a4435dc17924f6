const MINUTE_MS = 60_000;

/**
 * A clock for the server under test that runs with real time but can jump forward, so a test that
 * needs a minute with time left in it moves there instead of waiting for the wall clock.
 * Only forward jumps: the pipeline never sees time go back.
 */
export class JumpingClock {
  private offsetMs = 0;
  readonly now = (): number => Date.now() + this.offsetMs;

  /** Makes sure the current minute has at least `needMs` left (jumping to 1 s into the next one if not); returns its start. */
  minuteWithTimeLeft(needMs: number): number {
    const t = this.now();
    const start = Math.floor(t / MINUTE_MS) * MINUTE_MS;
    if (start + MINUTE_MS - t >= needMs) return start;
    this.offsetMs += start + MINUTE_MS + 1000 - t;
    return start + MINUTE_MS;
  }
}
