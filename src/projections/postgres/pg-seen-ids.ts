import type { Pool } from "pg";
import type { RecordedId, SeenIds } from "../../event-log/ports.ts";

/** The ingest id index (ingest_event_ids): event ids the log already holds, with their payload fingerprints. */
export class PgSeenIds implements SeenIds {
  constructor(private readonly pool: Pool) {}

  async seen(ids: readonly string[]): Promise<Map<string, bigint | null>> {
    if (!ids.length) return new Map();
    const r = await this.pool.query<{ event_id: string; fingerprint: string | null }>(
      "SELECT event_id, fingerprint FROM ingest_event_ids WHERE event_id = ANY($1::uuid[])",
      [ids],
    );
    return new Map(r.rows.map((x) => [x.event_id, x.fingerprint === null ? null : BigInt(x.fingerprint)]));
  }

  async remember(ids: readonly RecordedId[]): Promise<void> {
    if (!ids.length) return;
    await this.pool.query("INSERT INTO ingest_event_ids (event_id, fingerprint) SELECT * FROM unnest($1::uuid[], $2::bigint[]) ON CONFLICT DO NOTHING", [
      ids.map((i) => i.eventId),
      ids.map((i) => i.fingerprint.toString()),
    ]);
  }
}
