import { parse } from "csv-parse/sync";
import { issuesOf, storeInfoSchema, type StoreInfo } from "./store-directory.ts";

export const STORE_CSV_COLUMNS = ["store_id", "name", "region", "time_zone"] as const;
const MAX_ERRORS = 50;

/**
 * Parses a stores CSV (header: store_id,name,region,time_zone; any order, extra columns are an
 * error). Every bad line is reported with its line number; nothing is returned as loadable
 * unless the whole file is valid.
 */
export function parseStoresCsv(text: string): { stores: StoreInfo[]; errors: string[] } {
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  try {
    rows = parse(text, { columns: true, info: true, skip_empty_lines: true, trim: true, bom: true });
  } catch (err) {
    return { stores: [], errors: [`not a valid CSV: ${(err as Error).message}`] };
  }
  const errors: string[] = [];
  const header = rows[0] ? Object.keys(rows[0].record) : [];
  if (rows.length === 0) errors.push(`no stores: expected a header line ${STORE_CSV_COLUMNS.join(",")} and at least one store`);
  const missing = STORE_CSV_COLUMNS.filter((c) => rows.length && !header.includes(c));
  const extra = header.filter((c) => !(STORE_CSV_COLUMNS as readonly string[]).includes(c));
  if (missing.length || extra.length)
    return { stores: [], errors: [`header must be ${STORE_CSV_COLUMNS.join(",")}${missing.length ? `; missing ${missing.join(", ")}` : ""}${extra.length ? `; unknown ${extra.join(", ")}` : ""}`] };
  const stores: StoreInfo[] = [];
  const seen = new Map<string, number>();
  for (const { record, info } of rows) {
    const line = info.lines;
    const r = storeInfoSchema.safeParse({ storeId: record.store_id, name: record.name, region: record.region, timeZone: record.time_zone });
    if (!r.success) {
      errors.push(...issuesOf(r.error, `line ${line}: `));
    } else if (seen.has(r.data.storeId)) {
      errors.push(`line ${line}: store_id ${r.data.storeId} is already on line ${seen.get(r.data.storeId)}`);
    } else {
      seen.set(r.data.storeId, line);
      stores.push(r.data);
    }
    if (errors.length >= MAX_ERRORS) {
      errors.push(`(stopped after ${MAX_ERRORS} errors)`);
      break;
    }
  }
  return errors.length ? { stores: [], errors } : { stores, errors };
}
