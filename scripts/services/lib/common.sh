# shellcheck shell=bash
# Shared helpers for scripts/services/services.sh. Sourced, not executed.

# ---------------------------------------------------------------- output
if [[ -t 1 && -z "${NO_COLOR:-}" ]]; then
  C_RED=$'\e[31m' C_GRN=$'\e[32m' C_YEL=$'\e[33m' C_DIM=$'\e[2m' C_OFF=$'\e[0m'
else
  C_RED='' C_GRN='' C_YEL='' C_DIM='' C_OFF=''
fi
say() { printf '%s\n' "$*"; }
info() { printf '[%s] %s\n' "${1}" "${*:2}"; }
warn() { printf '%s[%s] WARNING: %s%s\n' "$C_YEL" "${1}" "${*:2}" "$C_OFF" >&2; }
err() { printf '%s[%s] ERROR: %s%s\n' "$C_RED" "${1}" "${*:2}" "$C_OFF" >&2; }
die() {
  err "${1}" "${*:2}"
  exit 1
}

now() { date +%s.%N; }
# elapsed START -> "12.3"
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }'; }

# show the last lines of a log file on stderr (used on every start-up failure)
log_tail() {
  local name=$1 file=$2 n=${3:-40}
  if [[ -s "$file" ]]; then
    printf '%s----- last %s lines of %s -----%s\n' "$C_DIM" "$n" "$file" "$C_OFF" >&2
    tail -n "$n" "$file" >&2
    printf '%s----- end of %s -----%s\n' "$C_DIM" "$file" "$C_OFF" >&2
  else
    err "$name" "log file $file is empty or missing"
  fi
}

# keep logs from growing without bound: rotate once above 20 MiB
rotate_log() {
  local file=$1
  if [[ -f "$file" ]] && (($(stat -c %s "$file") > 20 * 1024 * 1024)); then
    mv -f "$file" "$file.1"
  fi
}

# ---------------------------------------------------------------- network
# tcp_open HOST PORT -> 0 when something accepts a TCP connection
tcp_open() {
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# who listens on a port (for error messages)
port_owner() {
  ss -H -ltnp "sport = :$1" 2>/dev/null | head -n 3 || true
}

# ---------------------------------------------------------------- processes
# pid_cmdline PID -> the process' command line with spaces, empty when gone
pid_cmdline() {
  [[ -r "/proc/$1/cmdline" ]] && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true
}

pid_alive() {
  [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null
}

# pid_is_ours PID NEEDLE... -> 0 when the process is alive and its command line
# contains every NEEDLE (so a recycled pid never gets killed)
pid_is_ours() {
  local pid=$1 cmd
  shift
  pid_alive "$pid" || return 1
  cmd=$(pid_cmdline "$pid")
  [[ -n "$cmd" ]] || return 1
  local needle
  for needle in "$@"; do
    [[ "$cmd" == *"$needle"* ]] || return 1
  done
  return 0
}

# The pid recorded in <pidfile>, when that process is still running and ours (its command line
# contains every needle); prints nothing and fails otherwise.
pidfile_pid() {
  local pidfile=$1 pid
  shift
  pid=$(cat "$pidfile" 2>/dev/null || true)
  [[ -n "$pid" ]] && pid_is_ours "$pid" "$@" && printf '%s\n' "$pid"
}

# find_pid_by_cmdline NEEDLE... -> prints the pids whose command line contains every needle
find_pid_by_cmdline() {
  local d pid cmd needle ok
  for d in /proc/[0-9]*; do
    pid=${d#/proc/}
    [[ "$pid" == "$$" || "$pid" == "$BASHPID" ]] && continue
    cmd=$(pid_cmdline "$pid")
    [[ -n "$cmd" ]] || continue
    ok=1
    for needle in "$@"; do
      [[ "$cmd" == *"$needle"* ]] || {
        ok=0
        break
      }
    done
    ((ok)) && printf '%s\n' "$pid"
  done
  return 0
}

# stop_pid NAME PID TERM_SIGNAL TIMEOUT_S [ESCALATION_SIGNAL]
# Sends TERM_SIGNAL, waits up to TIMEOUT_S, then ESCALATION_SIGNAL (if given) for 5 s more,
# then SIGKILL.
stop_pid() {
  local name=$1 pid=$2 sig=$3 timeout=$4 esc=${5:-}
  local t0 i
  t0=$(now)
  kill "-$sig" "$pid" 2>/dev/null || return 0
  for ((i = 0; i < timeout * 10; i++)); do
    pid_alive "$pid" || {
      info "$name" "stopped (pid $pid, $(elapsed "$t0")s)"
      return 0
    }
    sleep 0.1
  done
  if [[ -n "$esc" ]]; then
    warn "$name" "pid $pid still running after ${timeout}s, sending SIG$esc"
    kill "-$esc" "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      pid_alive "$pid" || {
        info "$name" "stopped (pid $pid, $(elapsed "$t0")s)"
        return 0
      }
      sleep 0.1
    done
  fi
  warn "$name" "pid $pid still running, sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    pid_alive "$pid" || {
      info "$name" "killed (pid $pid, $(elapsed "$t0")s)"
      return 0
    }
    sleep 0.1
  done
  err "$name" "could not stop pid $pid"
  return 1
}

# ---------------------------------------------------------------- java
# java_major BIN -> e.g. 17
java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ { print $2; exit }'
}

# find a Java 17 runtime: $INTRADAY_JAVA, $JAVA_HOME, the Debian JDK 17 path, java on PATH
find_java17() {
  local c
  for c in "${INTRADAY_JAVA:-}" "${JAVA_HOME:+$JAVA_HOME/bin/java}" /usr/lib/jvm/java-17-openjdk-amd64/bin/java \
    /usr/lib/jvm/java-17-openjdk-*/bin/java /usr/lib/jvm/*-17*/bin/java "$(command -v java 2>/dev/null || true)"; do
    [[ -n "$c" && -x "$c" ]] || continue
    if [[ "$(java_major "$c")" == "17" ]]; then
      printf '%s\n' "$c"
      return 0
    fi
  done
  return 1
}

JAVA_BIN=''
require_java() {
  [[ -n "$JAVA_BIN" ]] && return 0
  JAVA_BIN=$(find_java17) || die services "Java 17 is required (Kafka 4.x needs 17+, Cassandra 5.0 runs on 11 or 17 only). Install it with: apt-get install -y openjdk-17-jdk-headless"
}

# ---------------------------------------------------------------- maven
# mvn_fetch NAME POM OUT_DIR LOGFILE [-Dprop=value...]
# Resolves the pom's runtime dependencies into OUT_DIR with a compact progress display:
# one dot per downloaded file, full Maven output in LOGFILE.
mvn_fetch() {
  local name=$1 pom=$2 out=$3 logfile=$4
  shift 4
  command -v mvn >/dev/null 2>&1 || die "$name" "Maven (mvn) is required for the first download. Install it with: apt-get install -y maven"
  local tmp="$out.partial"
  rm -rf "$tmp"
  mkdir -p "$tmp" "$(dirname "$logfile")"
  info "$name" "downloading from Maven Central into $(dirname "$out") (first run only; full log: $logfile)"
  printf '[%s] ' "$name"
  local rc=0
  set +e
  local repo=()
  [[ -n "${INTRADAY_MAVEN_REPO:-}" ]] && repo=("-Dmaven.repo.local=$INTRADAY_MAVEN_REPO")
  mvn -B -Dstyle.color=never "${repo[@]}" -f "$pom" "$@" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp" 2>&1 |
    tee "$logfile" |
    awk '/^\[INFO\] Downloaded from / || /^Downloaded from / { n++; printf "."; if (n % 60 == 0) printf "\n  "; fflush() }
         END { printf " %d files downloaded\n", n }'
  rc=${PIPESTATUS[0]}
  set -e
  if ((rc != 0)); then
    echo
    grep -E '^\[(ERROR|WARNING)\]' "$logfile" | grep -v 'jmc5.path' | tail -n 20 >&2 || true
    die "$name" "Maven could not resolve the dependencies (exit $rc); see $logfile"
  fi
  rm -rf "$out"
  mv "$tmp" "$out"
  info "$name" "$(find "$out" -name '*.jar' | wc -l) jars in $out"
}
