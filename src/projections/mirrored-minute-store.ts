import type { MinuteRow } from "../domain/minute-row.ts";
import type { PartitionTotalsRow } from "../domain/partition-totals.ts";
import type { WindowKey } from "../domain/store-windows.ts";
import type { MinuteStore } from "./ports.ts";

/** The serving store (Cassandra), with every written row mirrored to a second sink (PostgreSQL, for Superset). */
export class MirroredMinuteStore implements MinuteStore {
  constructor(
    private readonly primary: MinuteStore,
    private readonly mirror: { mirrorRows(rows: readonly MinuteRow[]): Promise<void> },
  ) {}

  loadRows(storeId: string, keys: readonly WindowKey[]): Promise<MinuteRow[]> {
    return this.primary.loadRows(storeId, keys);
  }

  async writeRows(rows: readonly MinuteRow[]): Promise<void> {
    await this.primary.writeRows(rows);
    await this.mirror.mirrorRows(rows);
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

  /** Partition totals are serving data only (Superset sums minute_totals itself): not mirrored. */
  writePartitionTotals(rows: readonly PartitionTotalsRow[]): Promise<void> {
    return this.primary.writePartitionTotals(rows);
  }

  partitionTotals(from: number, to: number): Promise<PartitionTotalsRow[]> {
    return this.primary.partitionTotals(from, to);
  }

  close(): Promise<void> {
    return this.primary.close();
  }
}
