import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import type { Client } from "cassandra-driver";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { netMinor, type MinuteRow } from "../../../src/domain/minute-row.ts";
import { MINUTE_MS, minuteOf, utcDay } from "../../../src/domain/time.ts";
import { settledBefore } from "../../../src/operations/closed-window.ts";
import { CassandraMinuteProjection } from "../../../src/projections/cassandra/cassandra-minute-projection.ts";
import type { Runtime } from "../../../src/runtime/runtime.ts";
import { waitFor } from "../../support/embedded-app.ts";
import { cassandraFor, isolatedEnv, prefixed, startClusterApp } from "../support.ts";
import { AirflowApi, airflowEnv, dagsTest, summaryOf } from "./airflow-support.ts";

/**
 * The Airflow DAGs against the running stack (services.sh up starts Airflow too): each DAG run with
 * `airflow dags test` on this file's own database, keyspace and topic (passed as the run's
 * intraday_env param), with assertions on the tables it changes; one run under the scheduler,
 * triggered through the REST API.
 */

interface Posted {
  eventId: string;
  storeId: string;
  occurredAt: number;
  type: "sale" | "refund";
  currency: string;
  totalMinor: number;
  items: number;
}

const STORES = ["af-a", "af-b", "af-c"];
const ZONES: Record<string, string | null> = { "af-a": "America/New_York", "af-b": null, "af-c": "Pacific/Kiritimati" };

function sums(events: Iterable<Posted>, keyOf: (e: Posted) => string): Map<string, { sale: number; refund: number; gross: number; refunds: number; net: number; items: number }> {
  const out = new Map<string, { sale: number; refund: number; gross: number; refunds: number; net: number; items: number }>();
  for (const e of events) {
    const k = keyOf(e);
    const s = out.get(k) ?? { sale: 0, refund: 0, gross: 0, refunds: 0, net: 0, items: 0 };
    if (e.type === "sale") {
      s.sale += 1;
      s.gross += e.totalMinor;
      s.items += e.items;
      s.net += e.totalMinor;
    } else {
      s.refund += 1;
      s.refunds += e.totalMinor;
      s.net -= e.totalMinor;
    }
    out.set(k, s);
  }
  return out;
}

const localDay = (ms: number, zone: string | null) => new Intl.DateTimeFormat("en-CA", { timeZone: zone ?? "UTC", year: "numeric", month: "2-digit", day: "2-digit" }).format(ms);

// `airflow dags test` starts an in-process execution API: 25-60 s a run, minutes on a loaded 2-core machine
// Airflow comes from scripts/services (INTRADAY_TEST_SERVICES=local, the default)
describe.skipIf((process.env.INTRADAY_TEST_SERVICES ?? "local") !== "local")("Airflow DAGs on the running stack", { timeout: 600_000 }, () => {
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  let runtime: Runtime;
  let pool: pg.Pool;
  let cass: Client;
  let minutes: CassandraMinuteProjection;
  const posted: Posted[] = [];
  let from = 0;
  let to = 0;
  const intradayEnv = () => prefixed(env);

  const post = async (events: Record<string, unknown>[]) => {
    const r = await runtime.app.inject({ method: "POST", url: "/v1/sales", payload: events });
    expect(r.statusCode, r.body).toBe(202);
  };
  const event = (storeId: string, occurredAt: number, type: "sale" | "refund", currency: string, qty: number, price: number): Record<string, unknown> => {
    const e: Posted = { eventId: randomUUID(), storeId, occurredAt, type, currency, totalMinor: qty * price, items: type === "sale" ? qty : 0 };
    posted.push(e);
    return { eventId: e.eventId, storeId, occurredAt: new Date(occurredAt).toISOString(), type, currency, lines: [{ sku: "sku-1", quantity: qty, unitPriceMinor: price }] };
  };
  const cassandraRows = async (): Promise<MinuteRow[]> => (await minutes.allRows(from, to)).filter((r) => STORES.includes(r.storeId));

  beforeAll(async () => {
    ({ env, drop } = await isolatedEnv(3));
    Object.assign(env, { ALLOWED_LATENESS_MS: "1000" });
    ({ runtime } = await startClusterApp(env));
    pool = new pg.Pool({ connectionString: env.PG_URL, max: 2 });
    cass = cassandraFor(env);
    minutes = new CassandraMinuteProjection(cass, 3);

    const now = Date.now();
    const t = now - 500;
    const current = [
      event("af-a", t, "sale", "EUR", 2, 250),
      event("af-a", t, "sale", "EUR", 1, 1999),
      event("af-a", t, "refund", "EUR", 1, 250),
      event("af-a", t, "sale", "USD", 3, 105),
      event("af-b", t, "sale", "EUR", 1, 700),
      event("af-b", t, "sale", "EUR", 4, 99),
      event("af-c", t, "sale", "GBP", 1, 1234),
    ];
    await post(current);
    await post([current[0]!]); // a duplicate: answered as such, counted once
    const late = [event("af-a", now - 5 * MINUTE_MS, "sale", "EUR", 1, 500), event("af-c", now - 5 * MINUTE_MS, "refund", "GBP", 1, 300)];
    await post(late); // beyond the allowed lateness: raw history + late_events, not in the rows
    from = minuteOf(now - 10 * MINUTE_MS);
    to = minuteOf(t) + MINUTE_MS;

    await waitFor(async () => Number((await pool.query("SELECT count(*) AS n FROM raw_events")).rows[0].n) === posted.length, 60_000, 250);
    await waitFor(async () => Number((await pool.query("SELECT count(*) AS n FROM late_events")).rows[0].n) === late.length, 60_000, 250);
    // the rows of the current minute are final and settled (no processor writes them any more)
    await waitFor(async () => settledBefore(Date.now(), { graceMs: 1000, idleSlackMs: 1000, allowedLatenessMs: 1000 }) >= to, 120_000, 500);
    await waitFor(async () => {
      const rows = await cassandraRows();
      return rows.length === 4 && rows.every((r) => !r.provisional);
    }, 60_000, 250);
  });

  afterAll(async () => {
    await runtime?.stop();
    await cass?.shutdown();
    await pool?.end();
    await drop?.();
  });

  it("every DAG imports with no errors and declares an owner, retries and a schedule", () => {
    const af = airflowEnv();
    const script = `
import json
from airflow.dag_processing.dagbag import DagBag
b = DagBag(${JSON.stringify(af.AIRFLOW__CORE__DAGS_FOLDER)})
print(json.dumps({"errors": {k: v[-500:] for k, v in b.import_errors.items()},
  "dags": {d.dag_id: {"owner": d.owner, "retries": [t.retries for t in d.tasks], "schedule": str(d.schedule), "params": sorted(d.params.keys())} for d in b.dags.values()}}))`;
    const r = spawnSync(`${af.AIRFLOW_VENV}/bin/python`, ["-c", script], { encoding: "utf8", env: { ...process.env, ...af } });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { errors: Record<string, string>; dags: Record<string, { owner: string; retries: number[]; schedule: string; params: string[] }> };
    expect(out.errors).toEqual({});
    expect(Object.keys(out.dags).sort()).toEqual(["intraday_reconcile", "intraday_replay", "intraday_retention", "intraday_rollups_daily", "intraday_rollups_hourly"]);
    for (const [id, d] of Object.entries(out.dags)) {
      expect(d.owner, id).toBe("intraday-ops");
      expect(d.params, id).toContain("intraday_env");
      if (id !== "intraday_replay") expect(Math.min(...d.retries), id).toBeGreaterThanOrEqual(1);
    }
    expect(Object.fromEntries(Object.entries(out.dags).map(([id, d]) => [id, d.schedule]))).toEqual({
      intraday_reconcile: "0:15:00",
      intraday_rollups_hourly: "@hourly",
      intraday_rollups_daily: "@daily",
      intraday_replay: "None",
      intraday_retention: "30 3 * * *",
    });
  });

  it("reconcile finds a mismatch planted in Cassandra and one in minute_totals, repairs both, and folds the late events in", async () => {
    const rows = await cassandraRows();
    const a = rows.find((r) => r.storeId === "af-a" && r.currency === "EUR")!;
    const day = utcDay(a.minute);
    const wt = await cass.execute("SELECT WRITETIME(gross_minor) AS wt FROM minutes_by_store WHERE store_id = ? AND day = ? AND minute = ? AND currency = ?", ["af-a", day, new Date(a.minute), "EUR"], { prepare: true });
    const ts = BigInt(String(wt.rows[0]!.get("wt"))) + 1n;
    await cass.execute("UPDATE minutes_by_store USING TIMESTAMP ? SET gross_minor = ? WHERE store_id = ? AND day = ? AND minute = ? AND currency = ?", [ts, BigInt(a.grossMinor + 10_000), "af-a", day, new Date(a.minute), "EUR"], { prepare: true });
    await waitFor(async () => (await pool.query("SELECT count(*) AS n FROM minute_totals WHERE store_id = 'af-b'")).rows[0].n === "1", 30_000, 250);
    await pool.query("UPDATE minute_totals SET net_minor = net_minor + 1, gross_minor = gross_minor + 1 WHERE store_id = 'af-b'");

    const out = await dagsTest("intraday_reconcile", { lookback_minutes: 30, intraday_env: intradayEnv() });
    const summary = summaryOf<{ runId: number; status: string; mismatches: number; repaired: number; lateFolded: number }>(out, "runId");
    expect(summary.status).toBe("repaired");
    expect(summary.lateFolded).toBe(2);

    const recorded = (await pool.query("SELECT target, store_id, currency, kind, late_events, repaired FROM reconciliation_mismatches WHERE run_id = $1", [summary.runId])).rows;
    expect(recorded).toContainEqual({ target: "cassandra", store_id: "af-a", currency: "EUR", kind: "differs", late_events: 0, repaired: true });
    expect(recorded).toContainEqual({ target: "minute_totals", store_id: "af-b", currency: "EUR", kind: "differs", late_events: 0, repaired: true });
    expect(recorded).toContainEqual({ target: "cassandra", store_id: "af-a", currency: "EUR", kind: "missing", late_events: 1, repaired: true });
    expect(recorded).toContainEqual({ target: "cassandra", store_id: "af-c", currency: "GBP", kind: "missing", late_events: 1, repaired: true });
    const run = (await pool.query("SELECT status, mismatches, repaired FROM reconciliation_runs WHERE run_id = $1", [summary.runId])).rows[0];
    expect(run).toEqual({ status: "repaired", mismatches: String(recorded.length), repaired: String(recorded.length) });
    expect((await pool.query("SELECT count(*) AS n FROM late_events WHERE folded_run_id = $1", [summary.runId])).rows[0].n).toBe("2");

    // every accepted event (late ones included) is now in the Cassandra rows and in minute_totals, exactly
    const expected = sums(posted, (e) => `${e.storeId}|${minuteOf(e.occurredAt)}|${e.currency}`);
    const after = await cassandraRows();
    expect(new Map(after.map((r) => [`${r.storeId}|${r.minute}|${r.currency}`, netMinor(r)]))).toEqual(new Map([...expected].map(([k, v]) => [k, v.net])));
    const storeRows = await minutes.storeRows("af-a", from, to);
    expect(storeRows.find((r) => r.minute === a.minute && r.currency === "EUR")!.grossMinor).toBe(a.grossMinor);
    const mt = (await pool.query("SELECT store_id, minute, currency, net_minor FROM minute_totals")).rows;
    expect(new Map(mt.map((r) => [`${r.store_id}|${(r.minute as Date).getTime()}|${String(r.currency).trim()}`, Number(r.net_minor)]))).toEqual(new Map([...expected].map(([k, v]) => [k, v.net])));
    // all-stores totals follow
    const totals = await minutes.partitionTotals(from, to);
    const byMinute = sums(posted, (e) => `${minuteOf(e.occurredAt)}|${e.currency}`);
    const served = new Map<string, number>();
    for (const t of totals) served.set(`${t.minute}|${t.currency}`, (served.get(`${t.minute}|${t.currency}`) ?? 0) + netMinor(t));
    expect(served).toEqual(new Map([...byMinute].map(([k, v]) => [k, v.net])));

    // the next run finds nothing, and /metrics shows the drift of the last run
    const again = spawnSync("node_modules/.bin/tsx", ["src/cli/reconcile.ts", "--lookback-minutes", "30"], { encoding: "utf8", env: { ...process.env, ...intradayEnv() } });
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: "ok", mismatches: 0 });
    await waitFor(async () => (await runtime.app.inject({ url: "/metrics" })).body.includes('intraday_reconcile_last_run{measure="mismatches"} 0'), 10_000, 250);
  });

  it("rollups: hourly and daily rows equal the sums of the minute rows, daily by each store's local day; a re-run changes nothing", async () => {
    // af-b is never registered: UTC days
    for (const s of STORES.filter((x) => ZONES[x])) {
      await pool.query("INSERT INTO stores (store_id, name, region, time_zone) VALUES ($1, $1, 'test', $2) ON CONFLICT (store_id) DO UPDATE SET time_zone = excluded.time_zone", [s, ZONES[s]]);
    }
    const hourFrom = new Date(Math.floor(from / 3_600_000) * 3_600_000).toISOString();
    const hourTo = new Date(Math.ceil(to / 3_600_000) * 3_600_000).toISOString();
    await dagsTest("intraday_rollups_hourly", { from: hourFrom, to: hourTo, intraday_env: intradayEnv() });
    const dayFrom = new Date(from - 2 * 86_400_000).toISOString().slice(0, 10);
    const dayTo = new Date(to + 2 * 86_400_000).toISOString().slice(0, 10);
    await dagsTest("intraday_rollups_daily", { from: dayFrom, to: dayTo, intraday_env: intradayEnv() });

    const rows = await cassandraRows();
    const hourlyExpected = new Map<string, number>();
    const dailyExpected = new Map<string, number>();
    for (const r of rows) {
      const hk = `${r.storeId}|${Math.floor(r.minute / 3_600_000) * 3_600_000}|${r.currency}`;
      hourlyExpected.set(hk, (hourlyExpected.get(hk) ?? 0) + netMinor(r));
      const dk = `${r.storeId}|${localDay(r.minute, ZONES[r.storeId]!)}|${r.currency}|${ZONES[r.storeId] ?? "UTC"}`;
      dailyExpected.set(dk, (dailyExpected.get(dk) ?? 0) + netMinor(r));
    }
    const hourly = async () =>
      new Map((await pool.query("SELECT store_id, hour, currency, net_minor FROM sales_hourly")).rows.map((r) => [`${r.store_id}|${(r.hour as Date).getTime()}|${String(r.currency).trim()}`, Number(r.net_minor)]));
    const daily = async () =>
      new Map(
        (await pool.query("SELECT store_id, to_char(day, 'YYYY-MM-DD') AS day, currency, time_zone, net_minor FROM sales_daily")).rows.map((r) => [
          `${r.store_id}|${r.day}|${String(r.currency).trim()}|${r.time_zone}`,
          Number(r.net_minor),
        ]),
      );
    expect(await hourly()).toEqual(hourlyExpected);
    expect(await daily()).toEqual(dailyExpected);
    const counts = (await pool.query("SELECT sum(sale_count) AS s, sum(refund_count) AS r, sum(item_count) AS i FROM sales_hourly")).rows[0];
    expect(counts).toEqual({ s: String(posted.filter((e) => e.type === "sale").length), r: String(posted.filter((e) => e.type === "refund").length), i: String(posted.reduce((n, e) => n + e.items, 0)) });

    const again = spawnSync("node_modules/.bin/tsx", ["src/cli/rollups.ts", "--hours", "--from", hourFrom, "--to", hourTo], { encoding: "utf8", env: { ...process.env, ...intradayEnv() } });
    expect(again.status, again.stderr).toBe(0);
    expect(await hourly()).toEqual(hourlyExpected);
  });

  it("replay rebuilds a dropped range of one store exactly, from raw history", async () => {
    const before = (await cassandraRows()).filter((r) => r.storeId === "af-b");
    expect(before.length).toBeGreaterThan(0);
    const mtBefore = (await pool.query("SELECT minute, currency, sale_count, net_minor, item_count FROM minute_totals WHERE store_id = 'af-b' ORDER BY minute, currency")).rows;
    for (const r of before) {
      const day = utcDay(r.minute);
      const wt = await cass.execute("SELECT WRITETIME(sale_count) AS wt FROM minutes_by_store WHERE store_id = ? AND day = ? AND minute = ? AND currency = ?", ["af-b", day, new Date(r.minute), r.currency], { prepare: true });
      const ts = BigInt(String(wt.rows[0]!.get("wt")));
      await cass.execute("DELETE FROM minutes_by_store USING TIMESTAMP ? WHERE store_id = ? AND day = ? AND minute = ? AND currency = ?", [ts, "af-b", day, new Date(r.minute), r.currency], { prepare: true });
      await cass.execute("DELETE FROM minutes_by_day USING TIMESTAMP ? WHERE day = ? AND source_partition = ? AND minute = ? AND store_id = ? AND currency = ?", [ts, day, r.partition, new Date(r.minute), "af-b", r.currency], { prepare: true });
    }
    await pool.query("DELETE FROM minute_totals WHERE store_id = 'af-b'");
    expect((await cassandraRows()).filter((r) => r.storeId === "af-b")).toEqual([]);

    const out = await dagsTest("intraday_replay", { from: new Date(from).toISOString(), to: new Date(to).toISOString(), store: "af-b", source: "history", intraday_env: intradayEnv() });
    expect(summaryOf<{ windows: number }>(out, "windows").windows).toBe(before.length);
    const after = (await cassandraRows()).filter((r) => r.storeId === "af-b");
    const strip = (r: MinuteRow) => ({ minute: r.minute, currency: r.currency, saleCount: r.saleCount, refundCount: r.refundCount, grossMinor: r.grossMinor, refundMinor: r.refundMinor, itemCount: r.itemCount, provisional: r.provisional });
    expect(after.map(strip)).toEqual(before.map(strip));
    expect((await pool.query("SELECT minute, currency, sale_count, net_minor, item_count FROM minute_totals WHERE store_id = 'af-b' ORDER BY minute, currency")).rows).toEqual(mtBefore);
  });

  it("retention deletes only what is older than the settings (and keeps late events not yet folded)", async () => {
    const old = new Date(Date.now() - 40 * 86_400_000);
    const oldIds = [randomUUID(), randomUUID()];
    for (const id of oldIds) {
      await pool.query(
        `INSERT INTO raw_events (event_id, store_id, occurred_at, type, currency, total_minor, item_count, lines, source_partition, source_offset, appended_at)
         VALUES ($1, 'af-old', $2, 'sale', 'EUR', 100, 1, '[]', 0, 0, $2)`,
        [id, old],
      );
    }
    await pool.query("INSERT INTO ingest_event_ids (event_id, appended_at) VALUES ($1, $2), ($3, $2)", [oldIds[0], new Date(Date.now() - 10 * 86_400_000), oldIds[1]]);
    await pool.query(
      `INSERT INTO late_events (source_partition, source_offset, event_id, store_id, occurred_at, type, currency, total_minor, appended_at, reason, folded_run_id)
       VALUES (99, 1, $1, 'af-old', $3, 'sale', 'EUR', 100, $3, 'test', 1), (99, 2, $2, 'af-old', $3, 'sale', 'EUR', 100, $3, 'test', NULL)`,
      [oldIds[0], oldIds[1], old],
    );
    const count = async (sql: string) => Number((await pool.query(sql)).rows[0].n);
    const recentRaw = await count("SELECT count(*) AS n FROM raw_events WHERE store_id <> 'af-old'");
    const recentIds = await count(`SELECT count(*) AS n FROM ingest_event_ids WHERE appended_at > now() - interval '1 day'`);

    await dagsTest("intraday_retention", { raw_days: 30, late_days: 30, ingest_id_days: 5, intraday_env: intradayEnv() });

    expect(await count("SELECT count(*) AS n FROM raw_events WHERE store_id = 'af-old'")).toBe(0);
    expect(await count("SELECT count(*) AS n FROM raw_events WHERE store_id <> 'af-old'")).toBe(recentRaw);
    expect((await pool.query("SELECT source_offset FROM late_events WHERE store_id = 'af-old'")).rows).toEqual([{ source_offset: "2" }]);
    expect(await count("SELECT count(*) AS n FROM late_events WHERE store_id <> 'af-old'")).toBe(2);
    expect(await count(`SELECT count(*) AS n FROM ingest_event_ids WHERE event_id = '${oldIds[0]}'`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM ingest_event_ids WHERE appended_at > now() - interval '1 day'`)).toBe(recentIds);
    expect(recentIds).toBeGreaterThan(0);
  });

  it("a DAG run triggered through the REST API runs under the scheduler and succeeds", async () => {
    const af = airflowEnv();
    const api = new AirflowApi(`http://127.0.0.1:${af.AIRFLOW_PORT}`, process.env.INTRADAY_AIRFLOW_ADMIN_USER ?? "admin", process.env.INTRADAY_AIRFLOW_ADMIN_PASSWORD ?? "admin");
    await api.login();
    await api.call("PATCH", "/api/v2/dags/intraday_replay", { is_paused: false });
    const conf = { from: new Date(from).toISOString(), to: new Date(to).toISOString(), store: "af-c", source: "log", intraday_env: intradayEnv() };
    const run = await api.call<{ dag_run_id: string }>("POST", "/api/v2/dags/intraday_replay/dagRuns", { logical_date: null, conf });
    let state = "";
    await waitFor(async () => {
      state = (await api.call<{ state: string }>("GET", `/api/v2/dags/intraday_replay/dagRuns/${encodeURIComponent(run.dag_run_id)}`)).state;
      return state === "success" || state === "failed";
    }, 240_000, 2000);
    expect(state).toBe("success");
    const xcom = await api.call<{ value: unknown }>("GET", `/api/v2/dags/intraday_replay/dagRuns/${encodeURIComponent(run.dag_run_id)}/taskInstances/replay/xcomEntries/return_value`);
    const summary = JSON.parse(String(xcom.value)) as { source: string; windows: number; events: number };
    expect(summary).toMatchObject({ source: "log" });
    // the log holds af-c's current sale and its late refund: both in range, both re-projected
    expect(summary.events).toBe(posted.filter((e) => e.storeId === "af-c").length);
  });
});
