# shellcheck shell=bash
# Kafka: single KRaft node (combined broker + controller) from Maven Central jars.
# Sourced by services.sh.

KAFKA_VERSION=${INTRADAY_KAFKA_VERSION:-4.4.0}
KAFKA_PORT=${INTRADAY_KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${INTRADAY_KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}
KAFKA_HEAP=${INTRADAY_KAFKA_HEAP:-512m}
KAFKA_START_TIMEOUT=${INTRADAY_KAFKA_START_TIMEOUT:-90}
KAFKA_HOME="$CACHE_DIR/kafka-$KAFKA_VERSION"
KAFKA_LOG="$LOGS_DIR/kafka.log"
KAFKA_PIDFILE="$RUN_DIR/kafka.pid"
KAFKA_DATA="$DATA_DIR/kafka"
KAFKA_CONF_DIR="$RUN_DIR/kafka"
KAFKA_SRC="$SERVICES_DIR/kafka"

kafka_port() { printf '%s\n' "$KAFKA_PORT"; }

kafka_pid() { pidfile_pid "$KAFKA_PIDFILE" "-Dintraday.service=kafka" "-Dintraday.home=$STATE_DIR " "kafka.Kafka"; }

kafka_adopt() {
  local pid
  pid=$(find_pid_by_cmdline "-Dintraday.service=kafka" "-Dintraday.home=$STATE_DIR " "kafka.Kafka" | head -n 1)
  [[ -n "$pid" ]] || return 1
  printf '%s\n' "$pid" >"$KAFKA_PIDFILE"
  printf '%s\n' "$pid"
}

kafka_java() {
  # helper JVMs (storage tool, readiness probe): quiet logging on stderr, small heap, fast start
  "$JAVA_BIN" -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto \
    -Dlog4j2.configurationFile="$KAFKA_SRC/log4j2-tools.properties" \
    -cp "$KAFKA_HOME/lib/*:$KAFKA_HOME/probe" "$@"
}

kafka_prepare() {
  require_java
  if [[ ! -f "$KAFKA_HOME/.complete" ]]; then
    mvn_fetch kafka "$KAFKA_SRC/pom.xml" "$KAFKA_HOME/lib" "$LOGS_DIR/maven-kafka.log" -Dkafka.version="$KAFKA_VERSION"
    touch "$KAFKA_HOME/.complete"
  fi
  # compile the readiness probe once per Kafka version (or when its source changes)
  if [[ ! -f "$KAFKA_HOME/probe/KafkaReady.class" || "$KAFKA_SRC/KafkaReady.java" -nt "$KAFKA_HOME/probe/KafkaReady.class" ]]; then
    local javac
    javac="$(dirname "$JAVA_BIN")/javac"
    [[ -x "$javac" ]] || javac=$(command -v javac || true)
    [[ -n "$javac" ]] || die kafka "javac not found (needed once to compile the readiness probe): apt-get install -y openjdk-17-jdk-headless"
    mkdir -p "$KAFKA_HOME/probe"
    "$javac" -nowarn -d "$KAFKA_HOME/probe" -cp "$KAFKA_HOME/lib/*" "$KAFKA_SRC/KafkaReady.java" ||
      die kafka "could not compile $KAFKA_SRC/KafkaReady.java"
  fi
  mkdir -p "$KAFKA_DATA" "$KAFKA_CONF_DIR"
  # server.properties is regenerated on every start (ports may be overridden by env)
  local kafka4='' # share.coordinator.* keys only exist in 4.x
  [[ "$KAFKA_VERSION" == 3.* ]] && kafka4='#'
  sed -e "s#@PORT@#$KAFKA_PORT#g" -e "s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#g" \
    -e "s#@LOG_DIRS@#$KAFKA_DATA#g" -e "s#@KAFKA4@#$kafka4#g" \
    "$KAFKA_SRC/server.properties.template" >"$KAFKA_CONF_DIR/server.properties"
  # format the storage on the first start only
  if [[ ! -f "$KAFKA_DATA/meta.properties" ]]; then
    local cluster_id
    cluster_id=$(kafka_java kafka.tools.StorageTool random-uuid 2>>"$KAFKA_LOG" | tail -n 1)
    [[ "$cluster_id" =~ ^[A-Za-z0-9_-]{22}$ ]] || {
      log_tail kafka "$KAFKA_LOG" 20
      die kafka "could not create a cluster id with kafka.tools.StorageTool (got '$cluster_id')"
    }
    info kafka "formatting storage $KAFKA_DATA (cluster id $cluster_id)"
    kafka_java kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_CONF_DIR/server.properties" >>"$KAFKA_LOG" 2>&1 || {
      log_tail kafka "$KAFKA_LOG" 20
      die kafka "kafka storage format failed"
    }
  fi
}

kafka_spawn() {
  rotate_log "$KAFKA_LOG"
  printf '\n===== %s services.sh: starting kafka %s on 127.0.0.1:%s (controller %s) =====\n' \
    "$(date -Is)" "$KAFKA_VERSION" "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" >>"$KAFKA_LOG"
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$KAFKA_PIDFILE" \
    "$JAVA_BIN" "-Dintraday.service=kafka" "-Dintraday.home=$STATE_DIR" \
    -Xms256m "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true \
    -Dlog4j2.configurationFile="$KAFKA_SRC/log4j2.properties" -Dkafka.logs.dir="$LOGS_DIR" \
    -cp "$KAFKA_HOME/lib/*" kafka.Kafka "$KAFKA_CONF_DIR/server.properties" \
    </dev/null >>"$KAFKA_LOG" 2>&1 9>&- &
  disown || true
}

# one readiness attempt: TCP first (cheap), then a real metadata request through the AdminClient
kafka_probe() {
  tcp_open 127.0.0.1 "$KAFKA_PORT" || return 1
  require_java
  kafka_java KafkaReady "127.0.0.1:$KAFKA_PORT" 5000 >/dev/null 2>&1
}

kafka_describe() { printf 'kafka %s, bootstrap 127.0.0.1:%s' "$KAFKA_VERSION" "$KAFKA_PORT"; }

kafka_stop() { stop_pid kafka "$1" TERM "${INTRADAY_STOP_TIMEOUT:-30}"; }

kafka_datadirs() { printf '%s\n' "$KAFKA_DATA" "$KAFKA_CONF_DIR"; }
