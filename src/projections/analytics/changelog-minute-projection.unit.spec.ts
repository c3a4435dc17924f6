import { describe, expect, it } from "vitest";
import type { MinuteRow } from "../../domain/minute-row.ts";
import { MemoryProjections } from "../../../test/support/memory-projections.ts";
import { ChangelogMinuteProjection, type MinuteChangelog } from "./changelog-minute-projection.ts";

const row: MinuteRow = {
  storeId: "s-1", minute: 60_000 * 100, currency: "EUR", saleCount: 2, refundCount: 0, grossMinor: 200, refundMinor: 0, itemCount: 2,
  firstEventAt: null, lastEventAt: null, partition: 0, offset: 7, revision: 1, provisional: true, eventIds: [],
};

class RecordingChangelog implements MinuteChangelog {
  readonly published: MinuteRow[] = [];
  constructor(private readonly failing = false) {}
  async publish(rows: readonly MinuteRow[]): Promise<void> {
    if (this.failing) throw new Error("broker unavailable");
    this.published.push(...rows);
  }
  async close(): Promise<void> {}
}

/** A serving store whose writes fail, as if the process died between the publish and the write. */
class FailingWrites extends MemoryProjections {
  override async writeRows(): Promise<void> {
    throw new Error("killed before the write");
  }
}

describe("minute rows announced on the changelog", () => {
  it("a row that reached the serving store has always been announced (a crash between the two cannot lose the announcement)", async () => {
    const changelog = new RecordingChangelog();
    const minutes = new ChangelogMinuteProjection(new FailingWrites(), changelog);
    await expect(minutes.writeRows([row])).rejects.toThrow("killed before the write");
    expect(changelog.published).toEqual([row]);
  });

  it("a row the changelog refused is not stored either, so the window's offsets stay uncommitted and the write is retried whole", async () => {
    const serving = new MemoryProjections();
    const minutes = new ChangelogMinuteProjection(serving, new RecordingChangelog(true));
    await expect(minutes.writeRows([row])).rejects.toThrow("broker unavailable");
    expect(await serving.loadRows("s-1", [{ minute: row.minute, currency: "EUR" }])).toEqual([]);
  });
});

describe("an open minute's provisional rows on the changelog", () => {
  const at = (offset: number, provisional = true): MinuteRow => ({ ...row, offset, provisional });

  it("are announced at most once per interval per window, final rows always, and every row is still stored", async () => {
    const changelog = new RecordingChangelog();
    const serving = new MemoryProjections();
    let now = 1_000_000;
    const minutes = new ChangelogMinuteProjection(serving, changelog, { provisionalEveryMs: 10_000, now: () => now });
    for (let offset = 10; offset <= 60; offset += 10) {
      await minutes.writeRows([at(offset)]);
      now += 2000;
    }
    await minutes.writeRows([at(70, false)]);
    expect(changelog.published.map((r) => [r.offset, r.provisional])).toEqual([[10, true], [60, true], [70, false]]);
    const [stored] = await serving.loadRows("s-1", [{ minute: row.minute, currency: "EUR" }]);
    expect(stored).toMatchObject({ offset: 70, provisional: false });
  });

  it("with an interval of 0 announce every row", async () => {
    const changelog = new RecordingChangelog();
    const minutes = new ChangelogMinuteProjection(new MemoryProjections(), changelog, { provisionalEveryMs: 0 });
    await minutes.writeRows([at(1)]);
    await minutes.writeRows([at(2)]);
    expect(changelog.published.map((r) => r.offset)).toEqual([1, 2]);
  });
});
