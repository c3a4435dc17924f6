#!/usr/bin/env bash
# Local services for Intraday Sales: PostgreSQL, Kafka (KRaft), Cassandra, Superset and
# Airflow, run as plain processes (no Docker). See docs/services.md and docs/superset.md.
#
#   scripts/services/services.sh up      [postgres|kafka|cassandra|superset|airflow ...]   start (idempotent), wait until each answers
#   scripts/services/services.sh down    [postgres|kafka|cassandra ...]   stop what `up` started (pid files)
#   scripts/services/services.sh status  [postgres|kafka|cassandra ...]   up/down, pid, port (exit 3 if any is down)
#   scripts/services/services.sh restart [postgres|kafka|cassandra ...]   down + up
#   scripts/services/services.sh reset   [postgres|kafka|cassandra ...]   down + delete data (keeps downloads)
#   scripts/services/services.sh logs    <service> [lines]                 print the end of a service's log
#   scripts/services/services.sh env     airflow                           the environment Airflow runs with (KEY=value lines)
# Aliases: start/start-one = up, stop/stop-one = down. No service names = all of them.
# `up airflow` also starts postgres (Airflow's metadata database); see docs/airflow.md.
#
# State: .services/ at the repo root (git-ignored): cache/ (downloaded jars), run/ (pid files,
# generated configs), logs/, data/. Override the location with INTRADAY_SERVICES_DIR.
set -Eeuo pipefail

SERVICES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SERVICES_DIR/../.." && pwd)
STATE_DIR=${INTRADAY_SERVICES_DIR:-$REPO_ROOT/.services}
CACHE_DIR=${INTRADAY_SERVICES_CACHE:-$STATE_DIR/cache}
RUN_DIR="$STATE_DIR/run"
LOGS_DIR="$STATE_DIR/logs"
DATA_DIR="$STATE_DIR/data"
ALL_SERVICES=(postgres kafka cassandra superset airflow)
# started in a second phase, once what they need (PostgreSQL) answers
LATE_SERVICES=(superset airflow)
# start services concurrently (measured faster on 2 cores, see docs/services.md); 0 = one by one
PARALLEL=${INTRADAY_SERVICES_PARALLEL:-1}

# shellcheck source=lib/common.sh
source "$SERVICES_DIR/lib/common.sh"
# shellcheck source=lib/postgres.sh
source "$SERVICES_DIR/lib/postgres.sh"
# shellcheck source=lib/kafka.sh
source "$SERVICES_DIR/lib/kafka.sh"
# shellcheck source=lib/cassandra.sh
source "$SERVICES_DIR/lib/cassandra.sh"
# shellcheck source=lib/python-venv.sh
source "$SERVICES_DIR/lib/python-venv.sh"
# shellcheck source=lib/superset.sh
source "$SERVICES_DIR/lib/superset.sh"
# shellcheck source=lib/airflow.sh
source "$SERVICES_DIR/lib/airflow.sh"

# service name -> function prefix
prefix() {
  case $1 in
    postgres) echo pg ;;
    kafka) echo kafka ;;
    cassandra) echo cassandra ;;
    superset) echo superset ;;
    airflow) echo airflow ;;
  esac
}
svc_pid() { "$(prefix "$1")_pid"; }
svc_adopt() { "$(prefix "$1")_adopt"; }
svc_port() { "$(prefix "$1")_port"; }
svc_prepare() { "$(prefix "$1")_prepare"; }
svc_spawn() { "$(prefix "$1")_spawn"; }
svc_probe() { "$(prefix "$1")_probe"; }
svc_describe() { "$(prefix "$1")_describe"; }
svc_stop() { "$(prefix "$1")_stop" "$2"; }
svc_datadirs() { "$(prefix "$1")_datadirs"; }
svc_log() { printf '%s/%s.log\n' "$LOGS_DIR" "$1"; }
svc_pidfile() { printf '%s/%s.pid\n' "$RUN_DIR" "$1"; }
svc_timeout() {
  case $1 in
    postgres) echo "$PG_START_TIMEOUT" ;;
    kafka) echo "$KAFKA_START_TIMEOUT" ;;
    cassandra) echo "$CASSANDRA_START_TIMEOUT" ;;
    superset) echo "$SUPERSET_START_TIMEOUT" ;;
    airflow) echo "$AIRFLOW_START_TIMEOUT" ;;
  esac
}
# ports that must be free before starting
svc_ports() {
  case $1 in
    postgres) echo "$PG_PORT" ;;
    kafka) echo "$KAFKA_PORT $KAFKA_CONTROLLER_PORT" ;;
    cassandra) echo "$CASSANDRA_PORT" ;;
    superset) echo "$SUPERSET_PORT" ;;
    airflow) echo "$AIRFLOW_PORT" ;;
  esac
}

# running pid of a service started by `up` (pid file, verified against the command line), or
# a process of ours that lost its pid file (it carries this state dir in its command line)
running_pid() {
  local pid
  pid=$(svc_pid "$1" 2>/dev/null) && [[ -n "$pid" ]] && {
    echo "$pid"
    return 0
  }
  pid=$(svc_adopt "$1" 2>/dev/null) && [[ -n "$pid" ]] && {
    echo "$pid"
    return 0
  }
  return 1
}

# resolve_services NAME... -> sets SVCS (canonical order, no duplicates; none = all)
SVCS=()
resolve_services() {
  local s out=()
  (($#)) || out=("${ALL_SERVICES[@]}")
  for s in "$@"; do
    case ${s,,} in
      pg | postgres | postgresql) out+=(postgres) ;;
      kafka) out+=(kafka) ;;
      cassandra | cass) out+=(cassandra) ;;
      superset) out+=(superset) ;;
      airflow) out+=(airflow) ;;
      all) out+=("${ALL_SERVICES[@]}") ;;
      *) die services "unknown service '$s' (expected: ${ALL_SERVICES[*]})" ;;
    esac
  done
  SVCS=()
  for s in "${ALL_SERVICES[@]}"; do
    [[ " ${out[*]} " == *" $s "* ]] && SVCS+=("$s")
  done
  return 0
}

ensure_dirs() {
  mkdir -p "$CACHE_DIR" "$RUN_DIR" "$LOGS_DIR" "$DATA_DIR"
}

LOCK_HELD=0
take_lock() {
  ((LOCK_HELD)) && return 0
  ensure_dirs
  exec 9>"$RUN_DIR/services.lock"
  if ! flock -w 300 9; then
    die services "another services.sh is still running (lock $RUN_DIR/services.lock)"
  fi
  LOCK_HELD=1
}

# wait_ready SERVICE START_TIME -> 0 when the service answers; on failure prints the log tail
wait_ready() {
  local s=$1 t0=$2 timeout pid logf i next_note=15
  timeout=$(svc_timeout "$s")
  logf=$(svc_log "$s")
  local pidfile
  pidfile=$(svc_pidfile "$s")
  for ((i = 0; i < 50; i++)); do
    [[ -s "$pidfile" ]] && break
    sleep 0.05
  done
  pid=$(cat "$pidfile" 2>/dev/null || true)
  while :; do
    if ! pid_alive "$pid"; then
      err "$s" "process ${pid:-?} exited during start-up after $(elapsed "$t0")s"
      log_tail "$s" "$logf" 40
      rm -f "$pidfile"
      return 1
    fi
    if svc_probe "$s"; then
      info "$s" "${C_GRN}ready${C_OFF} in $(elapsed "$t0")s (pid $pid, $(svc_describe "$s"))"
      return 0
    fi
    local el
    el=$(elapsed "$t0")
    if awk -v e="$el" -v t="$timeout" 'BEGIN { exit !(e >= t) }'; then
      err "$s" "did not answer within ${timeout}s (pid $pid); stopping it. Log: $logf"
      log_tail "$s" "$logf" 40
      svc_stop "$s" "$pid" >&2 || true
      rm -f "$pidfile"
      return 1
    fi
    if awk -v e="$el" -v n="$next_note" 'BEGIN { exit !(e >= n) }'; then
      info "$s" "still starting (${el}s, log: $logf)"
      next_note=$((next_note + 15))
    fi
    sleep 0.25
  done
}

cmd_up() {
  local services=("$@") s pid port
  take_lock
  local t_all
  t_all=$(now)
  local to_start=()
  for s in "${services[@]}"; do
    if pid=$(running_pid "$s"); then
      if svc_probe "$s"; then
        info "$s" "already running (pid $pid, $(svc_describe "$s"))"
      else
        info "$s" "running (pid $pid) but not answering yet; waiting"
        wait_ready "$s" "$(now)" || return 1
      fi
      continue
    fi
    rm -f "$(svc_pidfile "$s")"
    for port in $(svc_ports "$s"); do
      if tcp_open 127.0.0.1 "$port"; then
        err "$s" "port 127.0.0.1:$port is already in use by a process not started by services.sh: $(port_owner "$port")"
        die "$s" "stop that process or choose another port (see docs/services.md: INTRADAY_*_PORT)"
      fi
    done
    local t_prep
    t_prep=$(now)
    svc_prepare "$s"
    local prep
    prep=$(elapsed "$t_prep")
    awk -v p="$prep" 'BEGIN { exit !(p >= 1) }' && info "$s" "prepared in ${prep}s"
    to_start+=("$s")
  done
  ((${#to_start[@]})) || return 0

  local failed=0
  if [[ "$PARALLEL" == 1 && ${#to_start[@]} -gt 1 ]]; then
    local waiters=() t0
    for s in "${to_start[@]}"; do
      info "$s" "starting"
      t0=$(now)
      svc_spawn "$s"
      wait_ready "$s" "$t0" &
      waiters+=($!)
    done
    for pid in "${waiters[@]}"; do
      wait "$pid" || failed=1
    done
  else
    for s in "${to_start[@]}"; do
      info "$s" "starting"
      local t0
      t0=$(now)
      svc_spawn "$s"
      wait_ready "$s" "$t0" || failed=1
    done
  fi
  if ((failed)); then
    err services "some services failed to start (see above)"
    return 1
  fi
  info services "${#to_start[@]} started in $(elapsed "$t_all")s total"
}

# up in two phases: the data services, then LATE_SERVICES (which need PostgreSQL: it is started
# first even when only a late service was asked for)
cmd_up_phased() {
  local s early=() late=()
  for s in "$@"; do
    if [[ " ${LATE_SERVICES[*]} " == *" $s "* ]]; then late+=("$s"); else early+=("$s"); fi
  done
  ((${#late[@]})) && [[ " ${early[*]} " != *" postgres "* ]] && early=(postgres "${early[@]}")
  if ((${#early[@]})); then cmd_up "${early[@]}" || return 1; fi
  if ((${#late[@]})); then cmd_up "${late[@]}" || return 1; fi
  return 0
}

cmd_down() {
  local services=("$@") s pid
  take_lock
  local stoppers=()
  # reverse order; the stops run concurrently (Cassandra takes the longest)
  for ((i = ${#services[@]} - 1; i >= 0; i--)); do
    s=${services[i]}
    if pid=$(running_pid "$s"); then
      info "$s" "stopping pid $pid"
      (svc_stop "$s" "$pid" && rm -f "$(svc_pidfile "$s")") &
      stoppers+=($!)
    else
      if [[ -f "$(svc_pidfile "$s")" ]]; then
        info "$s" "not running (removed stale pid file)"
        rm -f "$(svc_pidfile "$s")"
      else
        info "$s" "not running"
      fi
    fi
  done
  local failed=0
  for pid in "${stoppers[@]}"; do
    wait "$pid" || failed=1
  done
  return "$failed"
}

cmd_status() {
  local services=("$@") s pid down=0
  for s in "${services[@]}"; do
    if pid=$(running_pid "$s"); then
      local answer="${C_GRN}answering${C_OFF}"
      svc_probe "$s" || answer="${C_YEL}not answering (starting or stuck?)${C_OFF}"
      printf '%-10s up    pid %-8s port %-6s %s; %s\n' "$s" "$pid" "$(svc_port "$s")" "$answer" "$(svc_describe "$s")"
    else
      printf '%-10s down  %-12s port %-6s log: %s\n' "$s" "" "$(svc_port "$s")" "$(svc_log "$s")"
      down=1
    fi
  done
  ((down)) && return 3
  return 0
}

cmd_reset() {
  local services=("$@") s d
  take_lock
  cmd_down "${services[@]}" || die services "could not stop everything; nothing deleted"
  for s in "${services[@]}"; do
    while IFS= read -r d; do
      [[ -n "$d" && -e "$d" ]] || continue
      info "$s" "deleting $d"
      rm -rf -- "$d"
    done < <(svc_datadirs "$s")
  done
  info services "reset done (downloads kept in $CACHE_DIR)"
}

cmd_logs() {
  local s n=${2:-60}
  [[ -n "${1:-}" ]] || die services "usage: services.sh logs <postgres|kafka|cassandra|superset|airflow> [lines]"
  resolve_services "$1"
  s=${SVCS[0]}
  say "== $(svc_log "$s")"
  tail -n "$n" "$(svc_log "$s")" 2>/dev/null || say "(no log yet)"
}

usage() {
  sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

main() {
  local cmd=${1:-}
  (($#)) && shift
  case $cmd in
    up | start | start-one)
      resolve_services "$@"
      cmd_up_phased "${SVCS[@]}"
      ;;
    down | stop | stop-one)
      resolve_services "$@"
      cmd_down "${SVCS[@]}"
      ;;
    restart)
      resolve_services "$@"
      cmd_down "${SVCS[@]}"
      cmd_up_phased "${SVCS[@]}"
      ;;
    status)
      resolve_services "$@"
      cmd_status "${SVCS[@]}"
      ;;
    reset)
      resolve_services "$@"
      cmd_reset "${SVCS[@]}"
      ;;
    logs) cmd_logs "$@" ;;
    env)
      [[ "${1:-}" == airflow ]] || die services "usage: services.sh env airflow"
      airflow_env
      ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
