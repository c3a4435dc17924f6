import type { Ref } from "nact";
import type { LoggedEvent } from "../domain/store-windows.ts";
import type { Tick } from "../live/ports.ts";
import type { LogRecord } from "../log/ports.ts";

export interface StoreStatus {
  /** Lowest offset this store holds only in memory, or null. */
  minDirty: number | null;
  /** No open windows and nothing unwritten: the actor may be passivated. */
  settled: boolean;
  windows: number;
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

export type StoreMsg =
  | { kind: "events"; events: LoggedEvent[]; streamTime: number; replyTo: Ref<StoreReply> }
  | { kind: "tick"; streamTime: number; force: boolean; replyTo: Ref<StoreReply> };

export type PartitionReply = { ok: true; commitOffset: number | null; windows: number } | { ok: false; error: string };

export type PartitionMsg =
  | { kind: "batch"; records: LogRecord[]; replyTo: Ref<PartitionReply> }
  | { kind: "tick"; replyTo: Ref<PartitionReply> }
  | { kind: "revoke"; replyTo: Ref<PartitionReply> };
