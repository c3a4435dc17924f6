/** One observation of a consumer group's position on one partition. */
export interface PartitionPosition {
  group: string;
  partition: number;
  /** Last offset in the log + 1. */
  end: number;
  /** The group's committed offset (the next it will read after a restart). */
  committed: number;
}

export interface StalledPartition {
  group: string;
  partition: number;
  lag: number;
  /** How long the committed offset has not moved while there was lag. */
  stalledForMs: number;
}

interface Track {
  position: PartitionPosition;
  /** When the committed offset last moved, or the partition last had no lag. */
  progressAt: number;
}

/**
 * Decides which partitions are stalled: they have lag, and their group's committed offset has not
 * moved for longer than `stallAfterMs`. Pure: the caller feeds positions and the time.
 */
export class StallDetector {
  private readonly tracks = new Map<string, Track>();

  constructor(private readonly stallAfterMs: number) {}

  observe(positions: readonly PartitionPosition[], now: number): void {
    for (const position of positions) {
      const key = `${position.group}\u0000${position.partition}`;
      const prev = this.tracks.get(key);
      const moved = !prev || position.committed !== prev.position.committed || position.end <= position.committed;
      this.tracks.set(key, { position, progressAt: moved ? now : prev.progressAt });
    }
  }

  /** Last observed positions, for lag metrics. */
  positions(): PartitionPosition[] {
    return [...this.tracks.values()].map((t) => t.position);
  }

  stalled(now: number): StalledPartition[] {
    const out: StalledPartition[] = [];
    for (const { position: p, progressAt } of this.tracks.values()) {
      const lag = p.end - p.committed;
      if (lag > 0 && now - progressAt > this.stallAfterMs) out.push({ group: p.group, partition: p.partition, lag, stalledForMs: now - progressAt });
    }
    return out.sort((a, b) => a.group.localeCompare(b.group) || a.partition - b.partition);
  }
}

/** The /readyz line for stalled partitions: "none", or an error naming each group and partition. */
export function describeStalls(stalls: readonly StalledPartition[]): string {
  if (stalls.length === 0) return "none";
  return `error: ${stalls.length} stalled partition(s): ${stalls
    .map((s) => `group ${s.group} partition ${s.partition} lag ${s.lag} without progress for ${Math.round(s.stalledForMs / 1000)} s`)
    .join("; ")}`;
}
