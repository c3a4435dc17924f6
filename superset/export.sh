#!/usr/bin/env bash
# npm run superset:export: writes the dashboard as it is now in Superset (UI changes included) back
# into superset/bundle, matched by UUID, so the change can be reviewed with `git diff superset/bundle`.
set -Eeuo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE_DIR=${INTRADAY_SERVICES_DIR:-$REPO_ROOT/.services}
VENV="$STATE_DIR/venvs/superset"
[[ -x "$VENV/bin/python" ]] || { echo "no Superset venv at $VENV: run npm run services:up -- superset first" >&2; exit 1; }
export FLASK_APP=superset SUPERSET_CONFIG_PATH="$REPO_ROOT/superset/superset_config.py"
export INTRADAY_SUPERSET_HOME=${INTRADAY_SUPERSET_HOME:-$STATE_DIR/data/superset}
exec "$VENV/bin/python" "$REPO_ROOT/superset/bundle_cli.py" export
