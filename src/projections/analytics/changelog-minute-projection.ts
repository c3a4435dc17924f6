import type { MinuteRow } from "../../domain/minute-row.ts";
import type { PartitionTotalsRow } from "../../domain/partition-totals.ts";
import type { WindowKey } from "../../domain/store-windows.ts";
import type { MinuteProjection } from "../ports.ts";
import { ProvisionalThrottle } from "./provisional-throttle.ts";

/** Where written minute rows are announced (the `<topic>.minutes` Kafka topic). */
export interface MinuteChangelog {
  publish(rows: readonly MinuteRow[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * The serving store (Cassandra) whose every written row is also published to the minute changelog,
 * before writeRows returns (so before the window's offsets can be committed). The analytics
 * projection reads the changelog in its own consumer group: PostgreSQL being down never holds back
 * the serving writes.
 *
 * Published first, stored second: a crash between the two then leaves a row announced but not
 * stored, which the replay from the committed offset writes (and announces again, harmlessly: the
 * analytics side keeps the newer by offset and revision). The other order loses the announcement
 * for good, since windows restored from the stored row skip the records already in it (chaos run 5).
 * An open minute's provisional rows are announced at most every `provisionalEveryMs` (see
 * ProvisionalThrottle); final rows always.
 */
export class ChangelogMinuteProjection implements MinuteProjection {
  private readonly throttle: ProvisionalThrottle;
  private readonly now: () => number;

  constructor(
    private readonly primary: MinuteProjection,
    private readonly changelog: MinuteChangelog,
    opts: { provisionalEveryMs: number; now?: () => number } = { provisionalEveryMs: 0 },
  ) {
    this.throttle = new ProvisionalThrottle(opts.provisionalEveryMs);
    this.now = opts.now ?? Date.now;
  }

  loadRows(storeId: string, keys: readonly WindowKey[]): Promise<MinuteRow[]> {
    return this.primary.loadRows(storeId, keys);
  }

  async writeRows(rows: readonly MinuteRow[]): Promise<void> {
    const announced = this.throttle.select(rows, this.now());
    if (announced.length) await this.changelog.publish(announced);
    await this.primary.writeRows(rows);
  }

  storeRows(storeId: string, from: number, to: number): Promise<MinuteRow[]> {
    return this.primary.storeRows(storeId, from, to);
  }

  allRows(from: number, to: number): Promise<MinuteRow[]> {
    return this.primary.allRows(from, to);
  }

  loadPartitionMinute(partition: number, minute: number): Promise<{ rows: MinuteRow[]; totals: PartitionTotalsRow[] }> {
    return this.primary.loadPartitionMinute(partition, minute);
  }

  /** Partition totals are serving data only (Superset sums minute rows itself): not published. */
  writePartitionTotals(rows: readonly PartitionTotalsRow[]): Promise<void> {
    return this.primary.writePartitionTotals(rows);
  }

  partitionTotals(from: number, to: number): Promise<PartitionTotalsRow[]> {
    return this.primary.partitionTotals(from, to);
  }

  async close(): Promise<void> {
    await this.changelog.close().catch(() => undefined);
    await this.primary.close();
  }
}
