"""Daily: prune raw history, folded late events and ingest ids older than the settings (npm run retention)."""

from __future__ import annotations

import os
import sys

from airflow.sdk import Param

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # intraday_common beside this file
from intraday_common import intraday_dag, intraday_task  # noqa: E402

with intraday_dag(
    "intraday_retention",
    "Delete raw_events, late_events and ingest_event_ids older than the retention settings",
    "30 3 * * *",
    {
        "raw_days": Param(None, type=["null", "integer"], minimum=1, description="default INTRADAY_RETENTION_RAW_DAYS"),
        "late_days": Param(None, type=["null", "integer"], minimum=1, description="default INTRADAY_RETENTION_LATE_DAYS"),
        "ingest_id_days": Param(None, type=["null", "integer"], minimum=1, description="default INTRADAY_RETENTION_INGEST_ID_DAYS"),
        "dry_run": Param(False, type="boolean"),
    },
) as dag:
    intraday_task(
        "retention",
        "retention",
        '${RAW_DAYS:+--raw-days "$RAW_DAYS"} ${LATE_DAYS:+--late-days "$LATE_DAYS"} ${INGEST_ID_DAYS:+--ingest-id-days "$INGEST_ID_DAYS"} $DRY_RUN',
        env={
            "RAW_DAYS": "{{ params.raw_days if params.raw_days is not none else '' }}",
            "LATE_DAYS": "{{ params.late_days if params.late_days is not none else '' }}",
            "INGEST_ID_DAYS": "{{ params.ingest_id_days if params.ingest_id_days is not none else '' }}",
            "DRY_RUN": "{{ '--dry-run' if params.dry_run else '' }}",
        },
    )
