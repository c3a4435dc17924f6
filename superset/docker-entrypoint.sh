#!/usr/bin/env bash
# Superset container of docker/compose.yaml: what scripts/services/lib/superset.sh does locally.
set -Eeuo pipefail
mkdir -p "$INTRADAY_SUPERSET_HOME"
if [[ ! -f "$INTRADAY_SUPERSET_HOME/.initialized" ]]; then
  superset db upgrade
  superset fab create-admin --username "${INTRADAY_SUPERSET_ADMIN_USER:-admin}" --password "${INTRADAY_SUPERSET_ADMIN_PASSWORD:-admin}" \
    --firstname Intraday --lastname Admin --email admin@intraday.local
  superset init
  touch "$INTRADAY_SUPERSET_HOME/.initialized"
fi
python /app/superset/readonly_role.py
python /app/superset/bundle_cli.py import
exec gunicorn -w "${INTRADAY_SUPERSET_WORKERS:-1}" -k gthread --threads "${INTRADAY_SUPERSET_THREADS:-4}" --timeout 120 \
  -b "0.0.0.0:${INTRADAY_SUPERSET_PORT:-8088}" "superset.app:create_app()"
