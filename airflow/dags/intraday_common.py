"""Shared pieces of the Intraday Sales DAGs: every task runs one of the app's operations CLIs.

The logic (windows, versions, time zones) lives in the app (src/operations); a DAG only says when
and with which flags. The app's settings come from the environment the Airflow processes were
started with (scripts/services/lib/airflow.sh: INTRADAY_MODE=cluster, INTRADAY_PG_URL, ...), from
the Airflow Variable ``intraday_env`` (a JSON object of INTRADAY_* settings) and from the run's
``intraday_env`` param, later ones winning.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, Param

REPO_DEFAULT = os.environ.get("INTRADAY_REPO", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

DEFAULT_ARGS = {
    "owner": "intraday-ops",
    "retries": 2,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": True,
    "execution_timeout": timedelta(minutes=30),
}

START = datetime(2026, 1, 1)

ENV_PARAM = Param(
    {},
    type="object",
    description="INTRADAY_* settings for this run only (e.g. another database); merged over the Variable intraday_env",
)


def intraday_dag(dag_id: str, description: str, schedule, params: dict, *, tags: tuple[str, ...] = ("intraday", "operations"), retries: int | None = None, **kwargs) -> DAG:
    """A DAG with the project's defaults: no catch-up, one run at a time, DEFAULT_ARGS (``retries``
    overrides theirs), and the ``intraday_env`` param every task reads its settings from."""
    default_args = DEFAULT_ARGS if retries is None else {**DEFAULT_ARGS, "retries": retries}
    return DAG(
        dag_id=dag_id,
        description=description,
        schedule=schedule,
        start_date=START,
        catchup=False,
        max_active_runs=1,
        default_args=default_args,
        tags=list(tags),
        params={**params, "intraday_env": ENV_PARAM},
        **kwargs,
    )


def merged_env_template() -> str:
    """Jinja: the Variable intraday_env overlaid with the run's params.intraday_env, as JSON."""
    return "{{ dict(var.json.get('intraday_env', {}), **params.intraday_env) | tojson }}"


def intraday_task(task_id: str, command: str, flags: str, env: dict[str, str] | None = None, **kwargs) -> BashOperator:
    """A BashOperator running `intraday-op.sh <command> <flags>` in the app's repo.

    Values from params go through `env` (never pasted into the command line), so no quoting issue.
    The CLI prints one JSON summary on stdout: its last line is pushed to XCom.
    """
    return BashOperator(
        task_id=task_id,
        bash_command=f'"$INTRADAY_REPO/airflow/bin/intraday-op.sh" {command} {flags}',
        env={
            "INTRADAY_REPO": "{{ var.value.get('intraday_repo', '" + REPO_DEFAULT + "') }}",
            "AIRFLOW_INTRADAY_ENV": merged_env_template(),
            **(env or {}),
        },
        append_env=True,
        do_xcom_push=True,
        **kwargs,
    )


__all__ = ["DEFAULT_ARGS", "ENV_PARAM", "START", "intraday_dag", "intraday_task", "json"]
