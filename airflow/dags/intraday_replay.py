"""Manual: re-project a time range, one store or one log partition (npm run replay).

Trigger with params, e.g. {"from": "2026-11-27T09:00:00Z", "to": "2026-11-27T10:00:00Z",
"store": "store-1", "source": "history"}. Ingest keeps running.
"""

from __future__ import annotations

import os
import sys

from airflow.sdk import Param

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # intraday_common beside this file
from intraday_common import intraday_dag, intraday_task  # noqa: E402

with intraday_dag(
    "intraday_replay",
    "Re-project settled minutes of a range, a store or a partition from raw history or the log",
    None,
    {
        "from": Param(type="string", description="ISO date-time, inclusive"),
        "to": Param(type="string", description="ISO date-time, exclusive (settled minutes only)"),
        "store": Param("", type="string", description="only this store (empty: all)"),
        "partition": Param("", type="string", description="only this log partition (empty: all)"),
        "source": Param("history", enum=["history", "log"], description="PostgreSQL raw history or the Kafka event log"),
    },
    retries=0,
) as dag:
    intraday_task(
        "replay",
        "replay",
        '--from "$REPLAY_FROM" --to "$REPLAY_TO" --source "$REPLAY_SOURCE" ${REPLAY_STORE:+--store "$REPLAY_STORE"} ${REPLAY_PARTITION:+--partition "$REPLAY_PARTITION"}',
        env={
            "REPLAY_FROM": "{{ params['from'] }}",
            "REPLAY_TO": "{{ params['to'] }}",
            "REPLAY_STORE": "{{ params.store }}",
            "REPLAY_PARTITION": "{{ params.partition }}",
            "REPLAY_SOURCE": "{{ params.source }}",
        },
    )
