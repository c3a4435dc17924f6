-- raw_events is written at the event rate, so each of its indexes is paid for every event. The
-- (store_id, occurred_at) index served no read of the product (reconciliation, rollups and
-- retention select by occurred_at, replays by log position) and cost about a quarter of
-- PostgreSQL's CPU per raw-history event (docs/benchmarks-cluster.md, session 31). An operator who
-- audits single stores in raw history can create it again, at that cost.
DROP INDEX IF EXISTS raw_events_store_time;
