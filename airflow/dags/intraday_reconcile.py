"""Every 15 minutes: reconcile settled minutes with raw history and repair (npm run reconcile)."""

from __future__ import annotations

from datetime import timedelta

import os
import sys

from airflow.sdk import Param

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # intraday_common beside this file
from intraday_common import intraday_dag, intraday_task  # noqa: E402

with intraday_dag(
    "intraday_reconcile",
    "Recompute settled minutes from raw history, compare with Cassandra and minute_totals, repair, record",
    timedelta(minutes=15),
    {
        "lookback_minutes": Param(120, type="integer", minimum=1, maximum=44640, description="look back this far from the newest settled minute"),
        "repair": Param(True, type="boolean", description="false: record mismatches only"),
    },
    dagrun_timeout=timedelta(minutes=14),
) as dag:
    intraday_task(
        "reconcile",
        "reconcile",
        '--lookback-minutes "$LOOKBACK_MINUTES" $REPAIR_FLAG',
        env={
            "LOOKBACK_MINUTES": "{{ params.lookback_minutes }}",
            "REPAIR_FLAG": "{{ '' if params.repair else '--no-repair' }}",
        },
    )
