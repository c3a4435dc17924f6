# shellcheck shell=bash
# Cassandra: single node, cassandra-all jars from Maven Central, Java 17.
# Sourced by services.sh.

CASSANDRA_VERSION=${INTRADAY_CASSANDRA_VERSION:-5.0.8}
CASSANDRA_PORT=${INTRADAY_CASSANDRA_PORT:-9042}
CASSANDRA_STORAGE_PORT=${INTRADAY_CASSANDRA_STORAGE_PORT:-7000}
CASSANDRA_HEAP=${INTRADAY_CASSANDRA_HEAP:-1536M}
CASSANDRA_START_TIMEOUT=${INTRADAY_CASSANDRA_START_TIMEOUT:-180}
CASSANDRA_HOME="$CACHE_DIR/cassandra-$CASSANDRA_VERSION"
CASSANDRA_LOG="$LOGS_DIR/cassandra.log"
CASSANDRA_PIDFILE="$RUN_DIR/cassandra.pid"
CASSANDRA_DATA="$DATA_DIR/cassandra"
CASSANDRA_CONF_DIR="$RUN_DIR/cassandra"
CASSANDRA_SRC="$SERVICES_DIR/cassandra"

cassandra_port() { printf '%s\n' "$CASSANDRA_PORT"; }

cassandra_pid() { pidfile_pid "$CASSANDRA_PIDFILE" "-Dintraday.service=cassandra" "-Dintraday.home=$STATE_DIR " "org.apache.cassandra.service.CassandraDaemon"; }

cassandra_adopt() {
  local pid
  pid=$(find_pid_by_cmdline "-Dintraday.service=cassandra" "-Dintraday.home=$STATE_DIR " "org.apache.cassandra.service.CassandraDaemon" | head -n 1)
  [[ -n "$pid" ]] || return 1
  printf '%s\n' "$pid" >"$CASSANDRA_PIDFILE"
  printf '%s\n' "$pid"
}

cassandra_prepare() {
  require_java
  command -v python3 >/dev/null 2>&1 || die cassandra "python3 is required for the CQL readiness probe ($CASSANDRA_SRC/cql_ping.py)"
  if [[ ! -f "$CASSANDRA_HOME/.complete" ]]; then
    mvn_fetch cassandra "$CASSANDRA_SRC/pom.xml" "$CASSANDRA_HOME/lib" "$LOGS_DIR/maven-cassandra.log" -Dcassandra.version="$CASSANDRA_VERSION"
    touch "$CASSANDRA_HOME/.complete"
  fi
  mkdir -p "$CASSANDRA_DATA" "$CASSANDRA_CONF_DIR"
  sed -e "s#@PORT@#$CASSANDRA_PORT#g" -e "s#@STORAGE_PORT@#$CASSANDRA_STORAGE_PORT#g" \
    -e "s#@SSL_STORAGE_PORT@#$((CASSANDRA_STORAGE_PORT + 1))#g" -e "s#@DATA@#$CASSANDRA_DATA#g" \
    "$CASSANDRA_SRC/cassandra.yaml.template" >"$CASSANDRA_CONF_DIR/cassandra.yaml"
  # the storage port is only used by this node itself, but a busy one makes start-up fail late
  if tcp_open 127.0.0.1 "$CASSANDRA_STORAGE_PORT"; then
    err cassandra "storage port 127.0.0.1:$CASSANDRA_STORAGE_PORT is already in use: $(port_owner "$CASSANDRA_STORAGE_PORT")"
    die cassandra "set INTRADAY_CASSANDRA_STORAGE_PORT to a free port"
  fi
}

cassandra_spawn() {
  local jamm
  jamm=$(ls "$CASSANDRA_HOME"/lib/jamm-*.jar 2>/dev/null | head -n 1)
  [[ -n "$jamm" ]] || die cassandra "jamm jar missing in $CASSANDRA_HOME/lib (delete $CASSANDRA_HOME to re-download)"
  local jvm17=()
  mapfile -t jvm17 < <(grep -vE '^[[:space:]]*(#|$)' "$CASSANDRA_SRC/jvm17.options")
  rotate_log "$CASSANDRA_LOG"
  printf '\n===== %s services.sh: starting cassandra %s on 127.0.0.1:%s =====\n' \
    "$(date -Is)" "$CASSANDRA_VERSION" "$CASSANDRA_PORT" >>"$CASSANDRA_LOG"
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$CASSANDRA_PIDFILE" \
    "$JAVA_BIN" "-Dintraday.service=cassandra" "-Dintraday.home=$STATE_DIR" \
    "-Xms$CASSANDRA_HEAP" "-Xmx$CASSANDRA_HEAP" -Xss256k -XX:+UseG1GC -XX:+ParallelRefProcEnabled \
    -XX:MaxTenuringThreshold=1 -XX:MaxGCPauseMillis=300 -XX:+ExitOnOutOfMemoryError \
    "${jvm17[@]}" "-javaagent:$jamm" \
    -Djava.net.preferIPv4Stack=true -Djava.awt.headless=true \
    "-Dcassandra.config=file://$CASSANDRA_CONF_DIR/cassandra.yaml" \
    -Dcassandra-foreground=yes "-Dcassandra.storagedir=$CASSANDRA_DATA" "-Dcassandra.logdir=$LOGS_DIR" \
    "-Dlogback.configurationFile=file://$CASSANDRA_SRC/logback.xml" \
    -Dcassandra.skip_wait_for_gossip_to_settle=0 -Dcassandra.ring_delay_ms=100 \
    -Dcassandra.superuser_setup_delay_ms=0 -Dcassandra.load_ring_state=false \
    -Dcassandra.shutdown_announce_in_ms=0 \
    -cp "$CASSANDRA_HOME/lib/*" org.apache.cassandra.service.CassandraDaemon \
    </dev/null >>"$CASSANDRA_LOG" 2>&1 9>&- &
  disown || true
}

# one readiness attempt: TCP first, then a CQL OPTIONS/STARTUP/QUERY round trip
cassandra_probe() {
  tcp_open 127.0.0.1 "$CASSANDRA_PORT" || return 1
  python3 "$CASSANDRA_SRC/cql_ping.py" 127.0.0.1 "$CASSANDRA_PORT" 5 >/dev/null 2>&1
}

cassandra_describe() { printf 'cassandra %s, CQL 127.0.0.1:%s (datacenter1)' "$CASSANDRA_VERSION" "$CASSANDRA_PORT"; }

cassandra_stop() { stop_pid cassandra "$1" TERM "${INTRADAY_STOP_TIMEOUT:-30}"; }

cassandra_datadirs() { printf '%s\n' "$CASSANDRA_DATA" "$CASSANDRA_CONF_DIR"; }
