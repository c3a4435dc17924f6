-- The payload fingerprint of each ingested event id (8 bytes of SHA-256 of the canonical payload):
-- the same id sent again with another payload is a conflict (409), not a duplicate. Null for ids
-- recorded before this migration: those keep answering "duplicate".
ALTER TABLE ingest_event_ids ADD COLUMN IF NOT EXISTS fingerprint bigint;
