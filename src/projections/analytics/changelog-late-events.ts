import type { LateEvent } from "../../domain/store-windows.ts";
import type { LateEventRecord, LateEvents } from "../ports.ts";

/** Where late events leave the window path (the `<topic>.minutes` Kafka topic, `kind: "late"`). */
export interface LateChangelog {
  publishLate(events: readonly LateEvent[]): Promise<void>;
}

/**
 * Late events of the real stack: the window processors only publish them to the changelog (the
 * publish is acknowledged before their offsets can be committed); the analytics consumer group
 * writes them into PostgreSQL's late_events, which is what the queries read. So PostgreSQL being
 * down never holds back the window group, and late_events is eventually consistent.
 */
export class ChangelogLateEvents implements LateEvents {
  constructor(
    private readonly changelog: LateChangelog,
    private readonly recorded: Pick<LateEvents, "listLate">,
  ) {}

  recordLate(events: readonly LateEvent[]): Promise<void> {
    return this.changelog.publishLate(events);
  }

  listLate(opts: { from: number; to: number; storeId?: string; limit: number }): Promise<LateEventRecord[]> {
    return this.recorded.listLate(opts);
  }
}
