import type { IdFingerprint } from "../domain/window-ids.ts";
import type { WindowingConfig } from "../domain/windowing-config.ts";
import type { DeadLetterSink } from "../event-log/ports.ts";
import type { TickPublisher } from "../live/ports.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { SlowCallWatch } from "../observability/slow-calls.ts";
import type { LateEvents, MinuteProjection } from "../projections/ports.ts";

/** Everything the actors touch outside themselves, passed in (no hidden singletons; tests control time). */
export interface ActorDeps {
  minutes: MinuteProjection;
  /** Where late events are recorded (cluster: published to the changelog, never PostgreSQL directly). */
  late: Pick<LateEvents, "recordLate">;
  ticks: TickPublisher;
  deadLetters: DeadLetterSink;
  metrics: Metrics;
  windowing: WindowingConfig;
  partitions: number;
  /** Idle time after which a settled store actor is stopped. */
  passivateAfterMs: number;
  /** Timeout of one actor request; generous, because a write may wait on a recovering store. */
  askTimeoutMs: number;
  now: () => number;
  /** How store windows fingerprint event ids (default: a seeded 32-bit hash); tests pass a colliding one. */
  idFingerprint?: IdFingerprint;
  /** Names actor requests still unanswered after a while (a lost reply would otherwise stall quietly until askTimeoutMs). */
  slowAsks?: SlowCallWatch;
  /** Stores one sweep message asks at most (default SWEEP_TURN_STORES); tests make it small. */
  sweepTurnStores?: number;
  /** Reports errors that do not fail a batch (a partition aggregate not written yet); default: throttled log. */
  onError?: (err: unknown) => void;
}
