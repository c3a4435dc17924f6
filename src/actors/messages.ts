import type { Ref } from "nact";
import type { PartitionClock } from "../domain/windows.ts";
import type { LogEndObservation } from "../domain/partition-progress.ts";
import type { WindowedEvent, SweepWake, WindowKey } from "../domain/store-windows.ts";
import type { Tick } from "../live/ports.ts";
import type { LogRecord } from "../event-log/ports.ts";

export interface StoreStatus {
  /** Lowest offset this store holds only in memory, or null. */
  minDirty: number | null;
  /** No open windows and nothing unwritten: the actor may be passivated. */
  settled: boolean;
  windows: number;
  /** When a sweep next has work for it without new events: until then its partition's sweeps pass it by. */
  wake: SweepWake;
}

/** Rows a store actor reports to its partition for the partition totals. */
export interface StoreRows {
  /** Rows durably written, or loaded from the projection, in this message (even if it failed later). */
  written: Tick[];
  /** In-memory views of windows that changed in this message (may be unwritten): for live ticks only. */
  live: Tick[];
}

export type StoreReply = ({ ok: true; applied: number; duplicates: number; replayed: number; late: number } | { ok: false; error: string }) &
  StoreStatus &
  StoreRows;

/** `clock` is the partition's progress: it alone closes windows. */
export type StoreMsg =
  /** `absent`: windows of these events the partition knows have no stored row (the store starts them without a read). */
  | { kind: "events"; events: WindowedEvent[]; absent: readonly WindowKey[]; clock: PartitionClock; replyTo: Ref<StoreReply> }
  /** `force`: write every dirty window now (revocation, shutdown, or a quiet partition), not only those due. */
  | { kind: "sweep"; clock: PartitionClock; force: boolean; replyTo: Ref<StoreReply> }
  /** A new owner's provisional rows of this store: load them, then close and write them final once progress allows. */
  | { kind: "adopt"; keys: WindowKey[]; clock: PartitionClock; replyTo: Ref<StoreReply> };

/** `more`: a sweep found more due stores than one turn takes; the rest wait for the next turn (see SWEEP_TURN_STORES). */
export type PartitionReply = { ok: true; commitOffset: number | null; windows: number; more?: boolean } | { ok: false; error: string };

export type PartitionMsg =
  /** `committed`: reads the group's committed offset of the partition (asked only when a batch skips ahead). */
  | { kind: "batch"; records: LogRecord[]; committed: () => Promise<number | null>; replyTo: Ref<PartitionReply> }
  /**
   * Wall-clock pass. `owned`: this member owns the partition now (it adopts the stored provisional
   * rows once). `logEnd`: the log's end read at a wall time, which lets a caught-up partition close quiet minutes.
   * `continued`: a later turn of the same pass (the last reply said `more`): it only asks the stores still due.
   */
  | { kind: "sweep"; owned: boolean; logEnd: LogEndObservation | null; continued: boolean; replyTo: Ref<PartitionReply> }
  | { kind: "revoke"; replyTo: Ref<PartitionReply> }
  /** The partition is assigned again: whatever an earlier ownership left (a revocation whose flush failed) is dropped unwritten. */
  | { kind: "reset"; replyTo: Ref<PartitionReply> };
