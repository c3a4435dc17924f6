import type { Ref } from "nact";
import type { LoggedEvent } from "../domain/store-windows.ts";
import type { LogRecord } from "../log/ports.ts";

export interface StoreStatus {
  /** Lowest offset this store holds only in memory, or null. */
  minDirty: number | null;
  /** No open windows and nothing unwritten: the actor may be passivated. */
  settled: boolean;
  windows: number;
}

export type StoreReply = ({ ok: true; applied: number; duplicates: number; replayed: number; late: number } | { ok: false; error: string }) &
  StoreStatus;

export type StoreMsg =
  | { kind: "events"; events: LoggedEvent[]; streamTime: number; replyTo: Ref<StoreReply> }
  | { kind: "tick"; streamTime: number; force: boolean; replyTo: Ref<StoreReply> };

export type PartitionReply = { ok: true; commitOffset: number | null; windows: number } | { ok: false; error: string };

export type PartitionMsg =
  | { kind: "batch"; records: LogRecord[]; replyTo: Ref<PartitionReply> }
  | { kind: "tick"; replyTo: Ref<PartitionReply> }
  | { kind: "revoke"; replyTo: Ref<PartitionReply> };
