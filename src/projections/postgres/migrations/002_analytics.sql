-- Analytics: store reference data, rollups (filled by the Airflow DAGs), the currencies' minor-unit
-- exponents, and the `analytics` schema of views Superset reads (through a read-only role that
-- only sees that schema; see docs/superset.md).

-- Store directory: loaded from CSV (npm run stores:load), the API (PUT /v1/stores/{id}) or the simulator.
CREATE TABLE IF NOT EXISTS stores (
  store_id text PRIMARY KEY,
  name text NOT NULL,
  region text NOT NULL,
  time_zone text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- ISO 4217 minor-unit exponents that differ from 2 (every other currency has 2).
CREATE TABLE IF NOT EXISTS currencies (
  code char(3) PRIMARY KEY,
  exponent smallint NOT NULL CHECK (exponent BETWEEN 0 AND 4)
);
INSERT INTO currencies (code, exponent) VALUES
  ('BIF', 0), ('CLP', 0), ('DJF', 0), ('GNF', 0), ('ISK', 0), ('JPY', 0), ('KMF', 0), ('KRW', 0), ('PYG', 0),
  ('RWF', 0), ('UGX', 0), ('UYI', 0), ('VND', 0), ('VUV', 0), ('XAF', 0), ('XOF', 0), ('XPF', 0),
  ('BHD', 3), ('IQD', 3), ('JOD', 3), ('KWD', 3), ('LYD', 3), ('OMR', 3), ('TND', 3),
  ('CLF', 4), ('UYW', 4)
ON CONFLICT (code) DO NOTHING;

-- The rollups carry exactly the measures of minute_totals and its updated_at (copied, so their types, NOT NULLs and
-- defaults cannot drift apart).
CREATE TEMP TABLE rollup_measures (LIKE minute_totals INCLUDING DEFAULTS) ON COMMIT DROP;
ALTER TABLE rollup_measures DROP COLUMN store_id, DROP COLUMN minute, DROP COLUMN currency, DROP COLUMN provisional,
  DROP COLUMN source_partition, DROP COLUMN source_offset, DROP COLUMN revision;

CREATE TABLE IF NOT EXISTS sales_hourly (
  store_id text NOT NULL,
  hour timestamptz NOT NULL,
  currency char(3) NOT NULL,
  LIKE rollup_measures INCLUDING DEFAULTS,
  PRIMARY KEY (store_id, hour, currency)
);
CREATE INDEX IF NOT EXISTS sales_hourly_hour ON sales_hourly (hour);

CREATE TABLE IF NOT EXISTS sales_daily (
  store_id text NOT NULL,
  -- the store's local business day in its time zone (stores.time_zone), UTC when the store is not registered
  day date NOT NULL, time_zone text NOT NULL,
  currency char(3) NOT NULL,
  LIKE rollup_measures INCLUDING DEFAULTS,
  PRIMARY KEY (store_id, day, currency)
);
CREATE INDEX IF NOT EXISTS sales_daily_day ON sales_daily (day);

CREATE SCHEMA IF NOT EXISTS analytics;

-- Views Superset reads. Amounts in major units, exact (numeric scaled by the currency's exponent). Unregistered stores keep their id as name, region '(unregistered)', UTC.
CREATE OR REPLACE VIEW analytics.minute_sales AS
SELECT m.minute, m.store_id, coalesce(s.name, m.store_id) AS store_name, coalesce(s.region, '(unregistered)') AS region,
       m.currency, CASE WHEN m.provisional THEN 'provisional' ELSE 'final' END AS status,
       m.sale_count, m.refund_count, m.item_count, m.gross_minor, m.refund_minor, m.net_minor,
       round(m.gross_minor::numeric / (10::numeric ^ cu.exponent), cu.exponent) AS gross, round(m.refund_minor::numeric / (10::numeric ^ cu.exponent), cu.exponent) AS refunds,
       round(m.net_minor::numeric / (10::numeric ^ cu.exponent), cu.exponent) AS net, m.revision, m.updated_at
  FROM minute_totals m LEFT JOIN stores s ON s.store_id = m.store_id
  CROSS JOIN LATERAL (SELECT coalesce((SELECT exponent FROM currencies c WHERE c.code = m.currency), 2)::int AS exponent) cu;

CREATE OR REPLACE VIEW analytics.late_sales AS
SELECT date_trunc('minute', l.occurred_at) AS minute, l.appended_at, l.store_id, coalesce(s.name, l.store_id) AS store_name,
       coalesce(s.region, '(unregistered)') AS region, l.currency, l.type, l.total_minor, round(l.total_minor::numeric / (10::numeric ^ cu.exponent), cu.exponent) AS amount, l.reason
  FROM late_events l LEFT JOIN stores s ON s.store_id = l.store_id
  CROSS JOIN LATERAL (SELECT coalesce((SELECT exponent FROM currencies c WHERE c.code = l.currency), 2)::int AS exponent) cu;

CREATE OR REPLACE VIEW analytics.hourly_sales AS
SELECT h.hour, h.store_id, coalesce(s.name, h.store_id) AS store_name, coalesce(s.region, '(unregistered)') AS region, h.currency,
       h.sale_count, h.refund_count, h.item_count, h.net_minor, round(h.gross_minor::numeric / (10::numeric ^ cu.exponent), cu.exponent) AS gross,
       round(h.refund_minor::numeric / (10::numeric ^ cu.exponent), cu.exponent) AS refunds, round(h.net_minor::numeric / (10::numeric ^ cu.exponent), cu.exponent) AS net
  FROM sales_hourly h LEFT JOIN stores s ON s.store_id = h.store_id
  CROSS JOIN LATERAL (SELECT coalesce((SELECT exponent FROM currencies c WHERE c.code = h.currency), 2)::int AS exponent) cu;

-- `day` as a timestamp (midnight, no zone) so Superset can use it as a time column.
CREATE OR REPLACE VIEW analytics.daily_sales AS
SELECT d.day::timestamp AS day, d.time_zone, d.store_id, coalesce(s.name, d.store_id) AS store_name, coalesce(s.region, '(unregistered)') AS region,
       d.currency, d.sale_count, d.refund_count, d.item_count, d.net_minor, round(d.gross_minor::numeric / (10::numeric ^ cu.exponent), cu.exponent) AS gross,
       round(d.refund_minor::numeric / (10::numeric ^ cu.exponent), cu.exponent) AS refunds, round(d.net_minor::numeric / (10::numeric ^ cu.exponent), cu.exponent) AS net
  FROM sales_daily d LEFT JOIN stores s ON s.store_id = d.store_id
  CROSS JOIN LATERAL (SELECT coalesce((SELECT exponent FROM currencies c WHERE c.code = d.currency), 2)::int AS exponent) cu;

-- A read-only role created by scripts/services (or by you) sees these views, never the tables.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'superset_ro') THEN
    GRANT USAGE ON SCHEMA analytics TO superset_ro;
    GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO superset_ro;
  END IF;
END $$;
