"""Hourly and daily rollups per store and currency into sales_hourly / sales_daily (npm run rollups).

Each run recomputes the period that just closed and the current one; re-running is harmless
(whole-row upserts). `from`/`to` params override the range, e.g. to backfill.
"""

from __future__ import annotations

from datetime import timedelta

import os
import sys

from airflow.sdk import Param

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # intraday_common beside this file
from intraday_common import intraday_dag, intraday_task  # noqa: E402

GRAINS = {
    "hourly": ("hours", "@hourly", "ISO date-time, e.g. 2026-11-27T10:00:00Z (UTC hours)"),
    "daily": ("days", "@daily", "calendar date, e.g. 2026-11-27 (each store's local day)"),
}

for name, (grain, schedule, fmt) in GRAINS.items():
    with intraday_dag(
        f"intraday_rollups_{name}",
        f"{name} sales per store and currency from raw history",
        schedule,
        {
            "from": Param("", type="string", description=f"start (inclusive), {fmt}; empty = default range"),
            "to": Param("", type="string", description=f"end (exclusive), {fmt}; empty = default range"),
        },
        tags=("intraday", "rollups"),
        dagrun_timeout=timedelta(minutes=50),
    ) as dag:
        intraday_task(
            "rollups",
            "rollups",
            f'--{grain} ${{ROLLUP_FROM:+--from "$ROLLUP_FROM"}} ${{ROLLUP_TO:+--to "$ROLLUP_TO"}}',
            env={"ROLLUP_FROM": "{{ params['from'] }}", "ROLLUP_TO": "{{ params['to'] }}"},
        )
    globals()[f"dag_{name}"] = dag
