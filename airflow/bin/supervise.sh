#!/usr/bin/env bash
# Runs Airflow's api-server, scheduler and dag-processor as one service for scripts/services
# (one pid to track). Started by scripts/services/lib/airflow.sh with the environment set there.
# Waits for PostgreSQL, creates the metadata database, migrates it once per Airflow version,
# then starts the three processes; any of them exiting stops the others (services.sh reports it).
#   supervise.sh <state-marker>   (the marker only makes the command line recognisable)
set -Eeuo pipefail
: "${AIRFLOW_HOME:?}" "${AIRFLOW_VENV:?}" "${AIRFLOW_METADATA_ADMIN_URL:?}" "${AIRFLOW_METADATA_DB:?}"
export PATH="$AIRFLOW_VENV/bin:$PATH"
log() { printf '%s [supervise] %s\n' "$(date -Is)" "$*"; }

children=()
stop_all() {
  trap - TERM INT EXIT
  log "stopping ${children[*]:-nothing}"
  ((${#children[@]})) && kill -TERM "${children[@]}" 2>/dev/null || true
  for _ in $(seq 1 150); do
    local alive=0 p
    for p in "${children[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  ((${#children[@]})) && kill -KILL "${children[@]}" 2>/dev/null || true
  exit 0
}
trap stop_all TERM INT

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
  ((i == 240)) && { log "PostgreSQL did not answer within 120 s"; exit 1; }
  sleep 0.5
done
log "PostgreSQL ready after $(($(date +%s) - t0)) s"

stamp="$AIRFLOW_HOME/.migrated-$(airflow version 2>/dev/null)-$AIRFLOW_METADATA_DB"
if [[ ! -f "$stamp" ]]; then
  log "airflow db migrate"
  airflow db migrate
  touch "$stamp"
  log "migrated in $(($(date +%s) - t0)) s"
fi

airflow api-server --host 127.0.0.1 --port "$AIRFLOW_PORT" &
children+=($!)
airflow scheduler &
children+=($!)
airflow dag-processor &
children+=($!)
log "started api-server ${children[0]}, scheduler ${children[1]}, dag-processor ${children[2]}"
set +e
wait -n "${children[@]}"
rc=$?
log "a child exited (rc $rc); stopping the others"
stop_all
