# shellcheck shell=bash
# PostgreSQL: a project-owned cluster run with Debian's initdb/postgres binaries.
# Sourced by services.sh. Defines pg_* functions used through the generic dispatcher.

PG_PORT=${INTRADAY_PG_PORT:-5432}
PG_USER=${INTRADAY_PG_USER:-intraday}
PG_PASSWORD=${INTRADAY_PG_PASSWORD:-intraday}
PG_DB=${INTRADAY_PG_DB:-intraday}
PG_START_TIMEOUT=${INTRADAY_PG_START_TIMEOUT:-60}
PG_LOG="$LOGS_DIR/postgres.log"
PG_PIDFILE="$RUN_DIR/postgres.pid"

PG_BIN=''
pg_find_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [[ -n "$d" && -x "$d/initdb" && -x "$d/postgres" ]] && PG_BIN=$d
  [[ -n "$PG_BIN" ]]
}

# Install Debian's server packages when initdb is missing. Debian's postinst would create
# and start a system cluster on 5432; createcluster.conf tells it not to.
pg_install() {
  pg_find_bin && return 0
  [[ $EUID -eq 0 ]] || die postgres "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb). Install them: sudo apt-get install -y postgresql"
  info postgres "installing Debian's postgresql packages (first run only)"
  mkdir -p /etc/postgresql-common
  if ! grep -qs '^[[:space:]]*create_main_cluster' /etc/postgresql-common/createcluster.conf; then
    echo 'create_main_cluster = false' >>/etc/postgresql-common/createcluster.conf
  fi
  local t0
  t0=$(now)
  {
    apt-get update &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql postgresql-client
  } >"$LOGS_DIR/apt-postgres.log" 2>&1 || {
    log_tail postgres "$LOGS_DIR/apt-postgres.log" 20
    die postgres "apt-get install postgresql failed (log: $LOGS_DIR/apt-postgres.log)"
  }
  pg_find_bin || die postgres "postgresql installed but no /usr/lib/postgresql/*/bin/initdb found"
  info postgres "installed $("$PG_BIN/postgres" --version) in $(elapsed "$t0")s"
}

# Where the cluster lives. As root, the server runs as the `postgres` OS user, which must be
# able to reach the data directory; when the repo is not traversable by that user (e.g. a
# clone under /root) or the socket path would be too long, use /var/tmp/intraday-sales-pg-<hash>.
PG_BASE=''
pg_resolve_base() {
  [[ -n "$PG_BASE" ]] && return 0
  local inrepo="$DATA_DIR/postgres"
  local hash
  hash=$(printf '%s' "$STATE_DIR" | sha1sum | cut -c1-10)
  local fallback="/var/tmp/intraday-sales-pg-$hash"
  PG_BASE=$inrepo
  if ((${#inrepo} + 20 > 100)); then
    PG_BASE=$fallback # unix socket paths are limited to ~107 bytes
  elif [[ $EUID -eq 0 ]]; then
    mkdir -p "$inrepo"
    chown postgres:postgres "$inrepo"
    if ! setpriv --reuid=postgres --regid=postgres --init-groups -- test -w "$inrepo" 2>/dev/null; then
      PG_BASE=$fallback
    fi
  fi
  if [[ "$PG_BASE" == "$fallback" ]]; then
    mkdir -p "$inrepo"
    printf '%s\n' "$fallback" >"$inrepo/LOCATION"
  fi
  PGDATA_DIR="$PG_BASE/pgdata"
  PG_SOCKET_DIR="$PG_BASE/socket"
}

# run a command as the postgres OS user when we are root (postgres refuses to run as root)
as_pg() {
  if [[ $EUID -eq 0 ]]; then
    setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
  else
    "$@"
  fi
}

pg_needles() { printf '%s\n' "$PG_BIN/postgres" "-D $PGDATA_DIR"; }

pg_pid() {
  local pid
  pid=$(cat "$PG_PIDFILE" 2>/dev/null || true)
  [[ -n "$pid" ]] || return 1
  pg_find_bin || return 1
  pg_resolve_base
  pid_is_ours "$pid" "postgres" "-D $PGDATA_DIR" && printf '%s\n' "$pid"
}

# a postmaster of ours running without a pid file (e.g. the pid file was deleted)?
pg_adopt() {
  pg_find_bin || return 1
  pg_resolve_base
  local pid
  pid=$(head -n 1 "$PGDATA_DIR/postmaster.pid" 2>/dev/null || true)
  if [[ -n "$pid" ]] && pid_is_ours "$pid" "postgres" "-D $PGDATA_DIR"; then
    printf '%s\n' "$pid" >"$PG_PIDFILE"
    printf '%s\n' "$pid"
    return 0
  fi
  return 1
}

pg_port() { printf '%s\n' "$PG_PORT"; }

pg_prepare() {
  pg_install
  pg_resolve_base
  if [[ $EUID -eq 0 ]]; then
    mkdir -p "$PG_BASE" "$PG_SOCKET_DIR"
    chown postgres:postgres "$PG_BASE" "$PG_SOCKET_DIR"
    chmod 0755 "$PG_SOCKET_DIR"
  else
    mkdir -p "$PG_BASE" "$PG_SOCKET_DIR"
  fi
  if [[ ! -s "$PGDATA_DIR/PG_VERSION" ]]; then
    info postgres "initdb $PGDATA_DIR ($("$PG_BIN/postgres" --version))"
    rm -rf "$PGDATA_DIR"
    as_pg mkdir -p "$PGDATA_DIR"
    as_pg "$PG_BIN/initdb" -D "$PGDATA_DIR" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 --no-instructions >"$LOGS_DIR/postgres-initdb.log" 2>&1 || {
      log_tail postgres "$LOGS_DIR/postgres-initdb.log" 30
      die postgres "initdb failed"
    }
    # settings for a throw-away local development database
    as_pg tee -a "$PGDATA_DIR/postgresql.conf" >/dev/null <<'EOF'

# ---- Intraday Sales local development settings (scripts/services) ----
# listen_addresses, port and unix_socket_directories are passed on the command line
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
log_min_messages = warning
log_connections = off
log_line_prefix = '%m [%p] %q%u@%d '
timezone = 'UTC'
EOF
    as_pg tee "$PGDATA_DIR/pg_hba.conf" >/dev/null <<'EOF'
# Intraday Sales local cluster: trust on the unix socket (admin), passwords on 127.0.0.1
local   all   all                  trust
host    all   all   127.0.0.1/32   scram-sha-256
EOF
  fi
}

pg_spawn() {
  rotate_log "$PG_LOG"
  printf '\n===== %s services.sh: starting postgres on 127.0.0.1:%s =====\n' "$(date -Is)" "$PG_PORT" >>"$PG_LOG"
  local setpriv_cmd=()
  [[ $EUID -eq 0 ]] && setpriv_cmd=(setpriv --reuid=postgres --regid=postgres --init-groups --)
  # bash writes its own pid, then execs (through setpriv) into the postmaster: same pid
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PG_PIDFILE" \
    "${setpriv_cmd[@]}" "$PG_BIN/postgres" -D "$PGDATA_DIR" -p "$PG_PORT" \
    -c listen_addresses=127.0.0.1 -c unix_socket_directories="$PG_SOCKET_DIR" \
    </dev/null >>"$PG_LOG" 2>&1 9>&- &
  disown || true
}

# one readiness attempt; 0 = ready. Creates the role and database the first time
# (over the unix socket as the postgres superuser), then checks `select 1` over TCP as the app user.
pg_probe() {
  pg_find_bin || return 1
  pg_resolve_base
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2 || return 1
  local have
  have=$("$PG_BIN/psql" -X -q -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres -d postgres -tA -c \
    "select (select count(*) from pg_roles where rolname = '$PG_USER') || ',' || (select count(*) from pg_database where datname = '$PG_DB')" 2>/dev/null) ||
    return 1
  if [[ "$have" != "1,1" ]]; then
    "$PG_BIN/psql" -X -q -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 >>"$PG_LOG" 2>&1 <<EOF || return 1
SELECT format('CREATE ROLE %I LOGIN SUPERUSER PASSWORD %L', '$PG_USER', '$PG_PASSWORD')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', '$PG_DB', '$PG_USER')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$PG_DB') \gexec
EOF
  fi
  PGPASSWORD="$PG_PASSWORD" PGCONNECT_TIMEOUT=3 "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" \
    -tAc 'select 1' >/dev/null 2>&1
}

pg_describe() {
  printf 'postgresql://%s:%s@127.0.0.1:%s/%s' "$PG_USER" "$PG_PASSWORD" "$PG_PORT" "$PG_DB"
}

pg_stop() {
  local pid=$1
  # SIGINT = "fast" shutdown (SIGTERM would wait for clients to disconnect);
  # escalate to SIGQUIT ("immediate") before SIGKILL
  stop_pid postgres "$pid" INT "${INTRADAY_STOP_TIMEOUT:-30}" QUIT
}

pg_datadirs() {
  pg_resolve_base
  printf '%s\n' "$DATA_DIR/postgres"
  [[ "$PG_BASE" != "$DATA_DIR/postgres" ]] && printf '%s\n' "$PG_BASE"
  return 0
}
