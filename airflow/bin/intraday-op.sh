#!/usr/bin/env bash
# Runs one of the app's operations CLIs (reconcile, rollups, replay, retention) from an Airflow task:
#   intraday-op.sh <command> [flags...]
# The repo is $INTRADAY_REPO (set by scripts/services/lib/airflow.sh, or the Airflow Variable
# intraday_repo through the DAG). AIRFLOW_INTRADAY_ENV may hold a JSON object of INTRADAY_* settings
# for this run (the DAG's `intraday_env` param, e.g. an isolated test database); other keys are refused.
set -Eeuo pipefail
cmd=${1:?usage: intraday-op.sh <reconcile|rollups|replay|retention> [flags]}
shift
case $cmd in reconcile | rollups | replay | retention) ;; *)
  echo "intraday-op.sh: unknown command '$cmd'" >&2
  exit 2
  ;;
esac
repo=${INTRADAY_REPO:?INTRADAY_REPO is not set (the repo the DAGs run the app from)}
if [[ -n "${AIRFLOW_INTRADAY_ENV:-}" && "$AIRFLOW_INTRADAY_ENV" != "{}" && "$AIRFLOW_INTRADAY_ENV" != "None" ]]; then
  exports=$(python3 -c '
import json, re, shlex, sys
env = json.loads(sys.argv[1])
if not isinstance(env, dict):
    sys.exit("intraday_env must be a JSON object")
for k, v in env.items():
    if not re.fullmatch(r"INTRADAY_[A-Z0-9_]+", k) or k in ("INTRADAY_REPO",):
        sys.exit("intraday_env: %r is not an INTRADAY_* setting" % k)
    print("export %s=%s" % (k, shlex.quote(str(v))))
' "$AIRFLOW_INTRADAY_ENV")
  eval "$exports"
fi
unset AIRFLOW_INTRADAY_ENV INTRADAY_REPO
cd "$repo"
exec "$repo/node_modules/.bin/tsx" "src/cli/$cmd.ts" "$@"
