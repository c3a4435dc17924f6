#!/usr/bin/env bash
# Prepares Airflow's metadata database: waits for PostgreSQL (AIRFLOW_METADATA_ADMIN_URL), creates
# the database AIRFLOW_METADATA_DB when missing, and runs `airflow db migrate` once per Airflow
# version (stamp file in AIRFLOW_HOME). Used by supervise.sh and by docker/compose.yaml's airflow-init.
set -Eeuo pipefail
: "${AIRFLOW_HOME:?}" "${AIRFLOW_METADATA_ADMIN_URL:?}" "${AIRFLOW_METADATA_DB:?}"
log() { printf '%s [init-metadata] %s\n' "$(date -Is)" "$*"; }
t0=$(date +%s)
for i in $(seq 1 240); do
  python - <<'PY' && break
import os, sys, psycopg2
try:
    c = psycopg2.connect(os.environ["AIRFLOW_METADATA_ADMIN_URL"], connect_timeout=2)
except Exception:
    sys.exit(1)
c.autocommit = True
cur = c.cursor()
db = os.environ["AIRFLOW_METADATA_DB"]
cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,))
if cur.fetchone() is None:
    cur.execute('CREATE DATABASE "%s"' % db.replace('"', ''))
    print("created database", db, flush=True)
PY
  ((i == 240)) && {
    log "PostgreSQL did not answer within 120 s"
    exit 1
  }
  sleep 0.5
done
log "PostgreSQL ready after $(($(date +%s) - t0)) s"
mkdir -p "$AIRFLOW_HOME"
stamp="$AIRFLOW_HOME/.migrated-$(airflow version 2>/dev/null)-$AIRFLOW_METADATA_DB"
if [[ ! -f "$stamp" ]]; then
  log "airflow db migrate"
  airflow db migrate
  touch "$stamp"
  log "migrated in $(($(date +%s) - t0)) s"
fi
