"""Daily: prune raw history, folded late events and ingest ids older than the settings (npm run retention)."""

from __future__ import annotations

from datetime import timedelta

import os
import sys

from airflow.sdk import DAG, Param

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # intraday_common beside this file
from intraday_common import DEFAULT_ARGS, ENV_PARAM, START, intraday_task  # noqa: E402

with DAG(
    dag_id="intraday_retention",
    description="Delete raw_events, late_events and ingest_event_ids older than the retention settings",
    schedule="30 3 * * *",
    start_date=START,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["intraday", "operations"],
    params={
        "raw_days": Param(None, type=["null", "integer"], minimum=1, description="default INTRADAY_RETENTION_RAW_DAYS"),
        "late_days": Param(None, type=["null", "integer"], minimum=1, description="default INTRADAY_RETENTION_LATE_DAYS"),
        "ingest_id_days": Param(None, type=["null", "integer"], minimum=1, description="default INTRADAY_RETENTION_INGEST_ID_DAYS"),
        "dry_run": Param(False, type="boolean"),
        "intraday_env": ENV_PARAM,
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
