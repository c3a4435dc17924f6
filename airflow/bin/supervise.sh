#!/usr/bin/env bash
# Runs Airflow's api-server, scheduler and dag-processor as one service for scripts/services
# (one pid to track). Started by scripts/services/lib/airflow.sh with the environment set there.
# Prepares the metadata database (init-metadata.sh), then starts the three processes; any of them exiting stops the others (services.sh reports it).
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

bash "$(dirname "${BASH_SOURCE[0]}")/init-metadata.sh"

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
