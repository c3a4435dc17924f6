import type { Pool } from "pg";
import type { RecordedId, SeenIds } from "../../event-log/ports.ts";

/** Text PostgreSQL reads as an array element as it is, unquoted: hex digits and dashes, as UUIDs are (never NULL, no separator). */
const PLAIN_ELEMENT = /^[0-9A-Fa-f-]+$/;

/**
 * The array parameter as PostgreSQL array text when every element is plain (event ids from ingest
 * always are): pg's own array serialisation quotes and escapes each element, ≈ 6 % of batched
 * ingest into Kafka. Anything else goes as a JS array, which pg escapes.
 */
function arrayParam(items: readonly string[]): string | readonly string[] {
  for (const s of items) if (!PLAIN_ELEMENT.test(s)) return items;
  return `{${items.join(",")}}`;
}

/** The ingest id index (ingest_event_ids): event ids the log already holds, with their payload fingerprints. */
export class PgSeenIds implements SeenIds {
  constructor(private readonly pool: Pool) {}

  async seen(ids: readonly string[]): Promise<Map<string, bigint | null>> {
    if (!ids.length) return new Map();
    const r = await this.pool.query<{ event_id: string; fingerprint: string | null }>(
      "SELECT event_id, fingerprint FROM ingest_event_ids WHERE event_id = ANY($1::uuid[])",
      [arrayParam(ids)],
    );
    return new Map(r.rows.map((x) => [x.event_id, x.fingerprint === null ? null : BigInt(x.fingerprint)]));
  }

  async remember(ids: readonly RecordedId[]): Promise<void> {
    if (!ids.length) return;
    await this.pool.query("INSERT INTO ingest_event_ids (event_id, fingerprint) SELECT * FROM unnest($1::uuid[], $2::bigint[]) ON CONFLICT DO NOTHING", [
      arrayParam(ids.map((i) => i.eventId)),
      `{${ids.map((i) => i.fingerprint.toString()).join(",")}}`,
    ]);
  }
}
