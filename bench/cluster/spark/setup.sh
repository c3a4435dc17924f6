#!/usr/bin/env bash
# Installs the Spark peer of the real-stack bench: a Python venv with pinned PySpark (from PyPI) and the
# Kafka source + Cassandra connector jars (from Maven Central only, see ivysettings.xml), cached under
# INTRADAY_SPARK_DIR. Idempotent: a second run only checks.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="${INTRADAY_SPARK_DIR:-$HOME/.cache/intraday-spark}"
mkdir -p "$dir"
if [[ ! -x "$dir/venv/bin/python" ]] || ! cmp -s "$here/requirements.txt" "$dir/venv/requirements.txt"; then
  rm -rf "$dir/venv"
  python3 -m venv "$dir/venv"
  "$dir/venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$dir/venv/requirements.txt"
fi
# Resolve the connector jars once (Ivy cache under $dir/ivy) by starting and stopping a session.
"$dir/venv/bin/python" "$here/peer_job.py" --resolve-only
echo "spark peer ready in $dir"
