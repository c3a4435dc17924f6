-- Store reference data and the rollup tables Superset reads (owned by the Superset work; the
-- Airflow rollups DAG fills sales_hourly and sales_daily).
CREATE TABLE IF NOT EXISTS stores (
  store_id text PRIMARY KEY,
  name text,
  region text,
  time_zone text
);

CREATE TABLE IF NOT EXISTS sales_hourly (
  store_id text NOT NULL,
  hour timestamptz NOT NULL,
  currency char(3) NOT NULL,
  sale_count bigint NOT NULL,
  refund_count bigint NOT NULL,
  gross_minor bigint NOT NULL,
  refund_minor bigint NOT NULL,
  net_minor bigint NOT NULL,
  item_count bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (store_id, hour, currency)
);

CREATE TABLE IF NOT EXISTS sales_daily (
  store_id text NOT NULL,
  day date NOT NULL,
  time_zone text NOT NULL,
  currency char(3) NOT NULL,
  sale_count bigint NOT NULL,
  refund_count bigint NOT NULL,
  gross_minor bigint NOT NULL,
  refund_minor bigint NOT NULL,
  net_minor bigint NOT NULL,
  item_count bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (store_id, day, currency)
);
