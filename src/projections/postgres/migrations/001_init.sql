-- Raw event history: every event ever accepted, unique on event_id for all time.
CREATE TABLE IF NOT EXISTS raw_events (
  event_id uuid PRIMARY KEY,
  store_id text NOT NULL,
  occurred_at timestamptz NOT NULL,
  type text NOT NULL CHECK (type IN ('sale', 'refund')),
  currency char(3) NOT NULL,
  total_minor bigint NOT NULL,
  item_count integer NOT NULL,
  lines jsonb NOT NULL,
  source_partition integer NOT NULL,
  source_offset bigint NOT NULL,
  appended_at timestamptz NOT NULL,
  inserted_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS raw_events_occurred_at ON raw_events (occurred_at);
CREATE INDEX IF NOT EXISTS raw_events_store_time ON raw_events (store_id, occurred_at);

-- Events that arrived beyond the allowed lateness: kept, counted, left to reconciliation.
CREATE TABLE IF NOT EXISTS late_events (
  source_partition integer NOT NULL,
  source_offset bigint NOT NULL,
  event_id uuid NOT NULL,
  store_id text NOT NULL,
  occurred_at timestamptz NOT NULL,
  type text NOT NULL,
  currency char(3) NOT NULL,
  total_minor bigint NOT NULL,
  appended_at timestamptz NOT NULL,
  reason text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source_partition, source_offset)
);
CREATE INDEX IF NOT EXISTS late_events_occurred_at ON late_events (occurred_at);

-- Minute totals mirrored from the projections, for Superset.
CREATE TABLE IF NOT EXISTS minute_totals (
  store_id text NOT NULL,
  minute timestamptz NOT NULL,
  currency char(3) NOT NULL,
  sale_count bigint NOT NULL,
  refund_count bigint NOT NULL,
  gross_minor bigint NOT NULL,
  refund_minor bigint NOT NULL,
  net_minor bigint NOT NULL,
  item_count bigint NOT NULL,
  provisional boolean NOT NULL,
  source_partition integer NOT NULL,
  source_offset bigint NOT NULL,
  revision integer NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (store_id, minute, currency)
);
CREATE INDEX IF NOT EXISTS minute_totals_minute ON minute_totals (minute);

-- Event ids ingest has appended: lets a retried POST answer "duplicate" at once.
CREATE TABLE IF NOT EXISTS ingest_event_ids (
  event_id uuid PRIMARY KEY,
  appended_at timestamptz NOT NULL DEFAULT now()
);
