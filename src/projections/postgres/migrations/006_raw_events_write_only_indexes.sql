-- raw_events is written at the event rate, so each of its indexes is paid for every event. Two
-- served no read of the product: (store_id, occurred_at) and the log position (reconciliation,
-- rollups, replays and retention all select by occurred_at). They cost about a quarter and a
-- further sixth of PostgreSQL's CPU per raw-history event (docs/benchmarks-cluster.md, session 31).
-- An operator who audits raw history by store or by log position can create them again, at that cost.
DROP INDEX IF EXISTS raw_events_store_time;
DROP INDEX IF EXISTS raw_events_partition_offset;
