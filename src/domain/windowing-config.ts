export interface WindowingConfig {
  /** Stream time must pass a window's end by this much before it closes. */
  graceMs: number;
  /** Extra wall-clock wait after end + grace that closes the windows of a quiet partition. */
  idleSlackMs: number;
  /** How long after a window closes an event may still arrive and correct it. */
  allowedLatenessMs: number;
  /** Dirty open windows are checkpointed (written as provisional) this often, so commits can advance. */
  checkpointMs: number;
  /** Event times further than this past the record's append time do not advance stream time. */
  maxFutureSkewMs: number;
}
