-- late_events was keyed by log position alone. A topic recreated over a kept database reuses
-- positions, and the analytics group's idempotent insert (ON CONFLICT DO NOTHING) then dropped
-- those late events without a word. The event id joins the key: a re-delivered record still
-- conflicts, another event at a reused position does not.
ALTER TABLE late_events DROP CONSTRAINT IF EXISTS late_events_pkey;
ALTER TABLE late_events ADD PRIMARY KEY (source_partition, source_offset, event_id);
