# shellcheck shell=bash
# Apache Airflow 3 (api-server, scheduler, dag-processor) from PyPI in its own venv, run by
# airflow/bin/supervise.sh as one service. Metadata in PostgreSQL (database AIRFLOW_DB of the local
# cluster), LocalExecutor with PARALLELISM task slots. Sourced by services.sh (after common.sh,
# python-venv.sh and postgres.sh). See docs/airflow.md.

AIRFLOW_VERSION=3.3.2
AIRFLOW_PORT=${INTRADAY_AIRFLOW_PORT:-8080}
AIRFLOW_ADMIN_USER=${INTRADAY_AIRFLOW_ADMIN_USER:-admin}
AIRFLOW_ADMIN_PASSWORD=${INTRADAY_AIRFLOW_ADMIN_PASSWORD:-admin}
AIRFLOW_PARALLELISM=${INTRADAY_AIRFLOW_PARALLELISM:-4}
AIRFLOW_DB=${INTRADAY_AIRFLOW_DB:-airflow}
AIRFLOW_START_TIMEOUT=${INTRADAY_AIRFLOW_START_TIMEOUT:-300}
AIRFLOW_VENV="$STATE_DIR/venvs/airflow"
AIRFLOW_HOME_DIR="$DATA_DIR/airflow"
AIRFLOW_PIDFILE="$RUN_DIR/airflow.pid"
AIRFLOW_SUPERVISOR="$REPO_ROOT/airflow/bin/supervise.sh"

airflow_pid() { pidfile_pid "$AIRFLOW_PIDFILE" "airflow/bin/supervise.sh" "intraday-home=$STATE_DIR "; }

airflow_adopt() {
  local pid
  pid=$(find_pid_by_cmdline "airflow/bin/supervise.sh" "intraday-home=$STATE_DIR " | head -n 1)
  [[ -n "$pid" ]] || return 1
  printf '%s\n' "$pid" >"$AIRFLOW_PIDFILE"
  printf '%s\n' "$pid"
}

airflow_port() { printf '%s\n' "$AIRFLOW_PORT"; }

# The environment of every Airflow process (and of the tasks, which inherit it). Printed as
# `export` lines so the test harness and docker/compose.yaml can be checked against it.
airflow_env() {
  local pg_url="postgresql+psycopg2://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$AIRFLOW_DB"
  cat <<EOT
AIRFLOW_HOME=$AIRFLOW_HOME_DIR
AIRFLOW_VENV=$AIRFLOW_VENV
AIRFLOW_PORT=$AIRFLOW_PORT
AIRFLOW_METADATA_DB=$AIRFLOW_DB
AIRFLOW_METADATA_ADMIN_URL=postgresql://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/postgres
AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=$pg_url
AIRFLOW__CORE__DAGS_FOLDER=$REPO_ROOT/airflow/dags
AIRFLOW__CORE__LOAD_EXAMPLES=False
AIRFLOW__CORE__EXECUTOR=LocalExecutor
AIRFLOW__CORE__PARALLELISM=$AIRFLOW_PARALLELISM
AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG=2
AIRFLOW__CORE__EXECUTION_API_SERVER_URL=http://127.0.0.1:$AIRFLOW_PORT/execution/
AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS=$AIRFLOW_ADMIN_USER:admin
AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE=$AIRFLOW_HOME_DIR/simple_auth_manager_passwords.json
AIRFLOW__API__HOST=127.0.0.1
AIRFLOW__API__PORT=$AIRFLOW_PORT
AIRFLOW__API__WORKERS=1
AIRFLOW__API_AUTH__JWT_SECRET=$(airflow_secret)
AIRFLOW__API__SECRET_KEY=$(airflow_secret)
AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL=30
AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT=60
AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK=True
AIRFLOW__LOGGING__BASE_LOG_FOLDER=$LOGS_DIR/airflow-tasks
INTRADAY_REPO=$REPO_ROOT
INTRADAY_MODE=cluster
INTRADAY_PG_URL=postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB
INTRADAY_KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
INTRADAY_CASSANDRA_CONTACT_POINTS=127.0.0.1:$CASSANDRA_PORT
EOT
}

# one random secret per state dir, shared by the three processes (tokens the api-server issues
# must verify in the scheduler's task runners)
airflow_secret() {
  local f="$AIRFLOW_HOME_DIR/.secret"
  if [[ ! -s "$f" ]]; then
    mkdir -p "$AIRFLOW_HOME_DIR"
    head -c 32 /dev/urandom | sha256sum | cut -c1-48 >"$f"
    chmod 600 "$f"
  fi
  cat "$f"
}

airflow_prepare() {
  venv_ensure "$AIRFLOW_VENV" "$REPO_ROOT/airflow/constraints.txt" "apache-airflow==$AIRFLOW_VERSION" apache-airflow-providers-postgres
  mkdir -p "$AIRFLOW_HOME_DIR" "$LOGS_DIR/airflow-tasks"
  # simple auth manager: the admin's password comes from settings (INTRADAY_AIRFLOW_ADMIN_PASSWORD)
  printf '{"%s": "%s"}\n' "$AIRFLOW_ADMIN_USER" "$AIRFLOW_ADMIN_PASSWORD" >"$AIRFLOW_HOME_DIR/simple_auth_manager_passwords.json"
  chmod 600 "$AIRFLOW_HOME_DIR/simple_auth_manager_passwords.json"
  [[ -x "$REPO_ROOT/node_modules/.bin/tsx" ]] || warn airflow "node_modules missing: the DAGs run the app's CLIs with tsx; run npm ci"
}

airflow_spawn() {
  local log="$LOGS_DIR/airflow.log"
  rotate_log "$log"
  printf '\n===== %s services.sh: starting airflow on 127.0.0.1:%s =====\n' "$(date -Is)" "$AIRFLOW_PORT" >>"$log"
  local envs=()
  mapfile -t envs < <(airflow_env)
  setsid env "${envs[@]}" bash -c 'echo $$ >"$0"; exec bash "$1" "$2"' "$AIRFLOW_PIDFILE" "$AIRFLOW_SUPERVISOR" "intraday-home=$STATE_DIR " \
    </dev/null >>"$log" 2>&1 9>&- &
  disown || true
}

# healthy = the api-server answers and reports the scheduler and the dag-processor healthy
airflow_probe() {
  local body
  body=$(curl -sf -m 3 "http://127.0.0.1:$AIRFLOW_PORT/api/v2/monitor/health" 2>/dev/null) || return 1
  [[ "$body" == *'"scheduler":{"status":"healthy"'* && "$body" == *'"dag_processor":{"status":"healthy"'* ]]
}

airflow_describe() {
  local rss=0 p
  local pid
  pid=$(cat "$AIRFLOW_PIDFILE" 2>/dev/null || true)
  if [[ -n "$pid" ]]; then
    local kb
    for p in $(pgrep -g "$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')" 2>/dev/null); do
      kb=$(awk '/VmRSS/ { print $2 }' "/proc/$p/status" 2>/dev/null || true)
      rss=$((rss + ${kb:-0}))
    done
  fi
  printf 'http://127.0.0.1:%s (login %s), RSS %d MB' "$AIRFLOW_PORT" "$AIRFLOW_ADMIN_USER" $((rss / 1024))
}

airflow_stop() {
  stop_pid airflow "$1" TERM "${INTRADAY_STOP_TIMEOUT:-30}"
}

airflow_datadirs() {
  printf '%s\n' "$AIRFLOW_HOME_DIR"
}
