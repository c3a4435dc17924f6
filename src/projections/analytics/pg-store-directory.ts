import type { Pool } from "pg";
import type { StoreDirectory, StoreInfo } from "./store-directory.ts";

/** The `stores` table in PostgreSQL (joined into Superset's analytics views). */
export class PgStoreDirectory implements StoreDirectory {
  constructor(private readonly pool: Pool) {}

  async upsert(stores: readonly StoreInfo[]): Promise<void> {
    if (!stores.length) return;
    const latest = [...new Map(stores.map((s) => [s.storeId, s])).values()];
    await this.pool.query(
      `INSERT INTO stores (store_id, name, region, time_zone)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
       ON CONFLICT (store_id) DO UPDATE SET name = excluded.name, region = excluded.region, time_zone = excluded.time_zone, updated_at = now()`,
      [latest.map((s) => s.storeId), latest.map((s) => s.name), latest.map((s) => s.region), latest.map((s) => s.timeZone)],
    );
  }

  async list(): Promise<StoreInfo[]> {
    const r = await this.pool.query<{ store_id: string; name: string; region: string; time_zone: string }>(
      "SELECT store_id, name, region, time_zone FROM stores ORDER BY store_id",
    );
    return r.rows.map((x) => ({ storeId: x.store_id, name: x.name, region: x.region, timeZone: x.time_zone }));
  }
}
