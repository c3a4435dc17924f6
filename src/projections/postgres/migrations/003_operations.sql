-- Operations run by Airflow (src/operations, docs/airflow.md).

-- One row per reconciliation run: what was compared and what was found and repaired.
CREATE TABLE IF NOT EXISTS reconciliation_runs (
  run_id bigserial PRIMARY KEY,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  window_from timestamptz NOT NULL,
  window_to timestamptz NOT NULL,
  raw_events bigint NOT NULL DEFAULT 0,
  expected_windows bigint NOT NULL DEFAULT 0,
  mismatches bigint NOT NULL DEFAULT 0,
  repaired bigint NOT NULL DEFAULT 0,
  late_folded bigint NOT NULL DEFAULT 0,
  status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ok', 'repaired', 'drift', 'failed')),
  error text
);
CREATE INDEX IF NOT EXISTS reconciliation_runs_started ON reconciliation_runs (started_at);

-- Every mismatch a run found: which copy (cassandra | minute_totals | partition_totals, store_id 'partition:N'), which window, expected vs actual.
CREATE TABLE IF NOT EXISTS reconciliation_mismatches (
  run_id bigint NOT NULL REFERENCES reconciliation_runs (run_id) ON DELETE CASCADE,
  target text NOT NULL CHECK (target IN ('cassandra', 'minute_totals', 'partition_totals')),
  store_id text NOT NULL,
  minute timestamptz NOT NULL,
  currency char(3) NOT NULL,
  kind text NOT NULL CHECK (kind IN ('missing', 'differs', 'unexpected')),
  expected jsonb,
  actual jsonb,
  late_events integer NOT NULL DEFAULT 0,
  repaired boolean NOT NULL DEFAULT false,
  PRIMARY KEY (run_id, target, store_id, minute, currency)
);

-- A late event (beyond the allowed lateness) folded into its minute's totals by reconciliation:
-- the run that did it. NULL = not yet in the totals.
ALTER TABLE late_events ADD COLUMN IF NOT EXISTS folded_run_id bigint;

-- Retention and replay select by these.
CREATE INDEX IF NOT EXISTS ingest_event_ids_appended_at ON ingest_event_ids (appended_at);
CREATE INDEX IF NOT EXISTS raw_events_partition_offset ON raw_events (source_partition, source_offset);
