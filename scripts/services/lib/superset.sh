# shellcheck shell=bash
# Apache Superset: its own virtualenv (PyPI, pinned by superset/constraints.txt), a SQLite
# metadata DB under the state dir, the dashboards-as-code bundle (superset/bundle) imported at
# every start, and a read-only PostgreSQL role it reads the analytics views with.
# Sourced by services.sh after common.sh, postgres.sh and python-venv.sh. See docs/superset.md.

SUPERSET_PORT=${INTRADAY_SUPERSET_PORT:-8088}
SUPERSET_ADMIN_USER=${INTRADAY_SUPERSET_ADMIN_USER:-admin}
SUPERSET_ADMIN_PASSWORD=${INTRADAY_SUPERSET_ADMIN_PASSWORD:-admin}
SUPERSET_PG_USER=${INTRADAY_SUPERSET_PG_USER:-superset_ro}
SUPERSET_PG_PASSWORD=${INTRADAY_SUPERSET_PG_PASSWORD:-superset_ro}
# 1 worker x 4 threads: ≈ 350 MB RSS per worker measured on the 2-core box (docs/superset.md)
SUPERSET_WORKERS=${INTRADAY_SUPERSET_WORKERS:-1}
SUPERSET_THREADS=${INTRADAY_SUPERSET_THREADS:-4}
SUPERSET_START_TIMEOUT=${INTRADAY_SUPERSET_START_TIMEOUT:-180}
SUPERSET_VERSION=6.1.0
SUPERSET_PIP_SPECS=("apache-superset==$SUPERSET_VERSION" "flask-caching<2.5" rich cachetools psycopg2-binary)
SUPERSET_REPO_DIR="$REPO_ROOT/superset"
SUPERSET_VENV="$STATE_DIR/venvs/superset"
SUPERSET_HOME="$DATA_DIR/superset"
SUPERSET_LOG="$LOGS_DIR/superset.log"
SUPERSET_PIDFILE="$RUN_DIR/superset.pid"

# the environment every superset command runs with (config reads these)
superset_env() {
  export FLASK_APP=superset SUPERSET_HOME SUPERSET_CONFIG_PATH="$SUPERSET_REPO_DIR/superset_config.py"
  export INTRADAY_SUPERSET_HOME="$SUPERSET_HOME" INTRADAY_SUPERSET_PORT="$SUPERSET_PORT"
  export INTRADAY_SUPERSET_ADMIN_USER="$SUPERSET_ADMIN_USER" INTRADAY_SUPERSET_ADMIN_PASSWORD="$SUPERSET_ADMIN_PASSWORD"
  export INTRADAY_SUPERSET_PG_USER="$SUPERSET_PG_USER" INTRADAY_SUPERSET_PG_PASSWORD="$SUPERSET_PG_PASSWORD"
  export INTRADAY_PG_PORT="$PG_PORT" INTRADAY_PG_DB="$PG_DB"
}

superset_needles() { printf '%s\n' "$SUPERSET_VENV/bin/" "127.0.0.1:$SUPERSET_PORT"; }

superset_pid() { pidfile_pid "$SUPERSET_PIDFILE" "$SUPERSET_VENV/bin/" "127.0.0.1:$SUPERSET_PORT"; }

superset_adopt() {
  local pid
  # the gunicorn master: its parent is not itself a gunicorn of ours
  for pid in $(find_pid_by_cmdline "$SUPERSET_VENV/bin/" "gunicorn" "127.0.0.1:$SUPERSET_PORT"); do
    local ppid
    ppid=$(awk '{ print $4 }' "/proc/$pid/stat" 2>/dev/null || true)
    if [[ -n "$ppid" ]] && ! pid_is_ours "$ppid" "$SUPERSET_VENV/bin/" "gunicorn"; then
      printf '%s\n' "$pid" >"$SUPERSET_PIDFILE"
      printf '%s\n' "$pid"
      return 0
    fi
  done
  return 1
}

superset_port() { printf '%s\n' "$SUPERSET_PORT"; }

# the read-only role Superset connects with: SELECT on the analytics schema's views only, and on
# whatever the app's migrations add there later (default privileges for the app's role)
superset_pg_role() {
  pg_find_bin || die superset "PostgreSQL binaries not found; start postgres first"
  pg_resolve_base
  INTRADAY_SUPERSET_PG_ADMIN_DSN="host=$PG_SOCKET_DIR port=$PG_PORT user=postgres dbname=$PG_DB" INTRADAY_PG_USER="$PG_USER" \
    "$SUPERSET_VENV/bin/python" "$SUPERSET_REPO_DIR/readonly_role.py" >>"$SUPERSET_LOG" 2>&1 ||
    die superset "could not create the read-only role $SUPERSET_PG_USER (log: $SUPERSET_LOG)"
}

# app migrations (the analytics views), so the bundle's datasets exist before the import
superset_migrate() {
  (cd "$REPO_ROOT" && INTRADAY_PG_URL="postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB" \
    node --import tsx/esm -e 'const { migratePostgres } = await import("./src/projections/postgres/pg-migrate.ts"); const pg = (await import("pg")).default;
      const pool = new pg.Pool({ connectionString: process.env.INTRADAY_PG_URL, max: 1 }); try { await migratePostgres(pool); } finally { await pool.end(); }') \
    >>"$SUPERSET_LOG" 2>&1 || warn superset "could not apply the app's PostgreSQL migrations (log: $SUPERSET_LOG); datasets may be empty"
}

superset_prepare() {
  local t0
  venv_ensure "$SUPERSET_VENV" "$SUPERSET_REPO_DIR/constraints.txt" "${SUPERSET_PIP_SPECS[@]}"
  mkdir -p "$SUPERSET_HOME"
  superset_env
  rotate_log "$SUPERSET_LOG"
  printf '\n===== %s services.sh: preparing superset =====\n' "$(date -Is)" >>"$SUPERSET_LOG"
  local stamp="$SUPERSET_HOME/.initialized-$SUPERSET_VERSION"
  if [[ ! -f "$stamp" ]]; then
    t0=$(now)
    info superset "initializing the metadata DB ($SUPERSET_HOME/superset.db): db upgrade, admin user, roles"
    {
      "$SUPERSET_VENV/bin/superset" db upgrade &&
        "$SUPERSET_VENV/bin/superset" fab create-admin --username "$SUPERSET_ADMIN_USER" --password "$SUPERSET_ADMIN_PASSWORD" \
          --firstname Intraday --lastname Admin --email admin@intraday.local &&
        "$SUPERSET_VENV/bin/superset" init
    } >>"$SUPERSET_LOG" 2>&1 || {
      log_tail superset "$SUPERSET_LOG" 30
      die superset "initialization failed (log: $SUPERSET_LOG)"
    }
    touch "$stamp"
    info superset "metadata DB initialized in $(elapsed "$t0")s"
  fi
  t0=$(now)
  superset_pg_role
  superset_migrate
  "$SUPERSET_VENV/bin/python" "$SUPERSET_REPO_DIR/bundle_cli.py" import >>"$SUPERSET_LOG" 2>&1 || {
    log_tail superset "$SUPERSET_LOG" 30
    die superset "importing the dashboard bundle failed (log: $SUPERSET_LOG)"
  }
  info superset "read-only role $SUPERSET_PG_USER and bundle superset/bundle imported in $(elapsed "$t0")s"
}

superset_spawn() {
  superset_env
  printf '\n===== %s services.sh: starting superset on 127.0.0.1:%s =====\n' "$(date -Is)" "$SUPERSET_PORT" >>"$SUPERSET_LOG"
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$SUPERSET_PIDFILE" \
    "$SUPERSET_VENV/bin/gunicorn" -w "$SUPERSET_WORKERS" -k gthread --threads "$SUPERSET_THREADS" --timeout 120 \
    -b "127.0.0.1:$SUPERSET_PORT" "superset.app:create_app()" \
    </dev/null >>"$SUPERSET_LOG" 2>&1 9>&- &
  disown || true
}

superset_probe() {
  [[ "$(curl -s -m 3 "http://127.0.0.1:$SUPERSET_PORT/health" 2>/dev/null)" == OK ]]
}

superset_describe() {
  local rss=''
  local pid
  pid=$(cat "$SUPERSET_PIDFILE" 2>/dev/null || true)
  if [[ -n "$pid" ]]; then
    rss=$(ps -o rss= --pid "$pid" --ppid "$pid" 2>/dev/null | awk '{ s += $1 } END { if (s) printf ", RSS %d MB", s / 1024 }')
  fi
  printf 'http://127.0.0.1:%s/superset/dashboard/intraday-sales/ (login %s)%s' "$SUPERSET_PORT" "$SUPERSET_ADMIN_USER" "$rss"
}

superset_stop() {
  stop_pid superset "$1" TERM "${INTRADAY_STOP_TIMEOUT:-30}"
}

superset_datadirs() { printf '%s\n' "$SUPERSET_HOME"; }
