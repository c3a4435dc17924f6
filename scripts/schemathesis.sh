#!/usr/bin/env bash
# Installs schemathesis (pinned, from PyPI) into a venv and runs it with all checks against a URL.
# Usage: scripts/schemathesis.sh install
#        scripts/schemathesis.sh run <base-url> [extra st args...]
# INTRADAY_SCHEMATHESIS_VENV overrides the venv location (default .cache/schemathesis-venv).
set -euo pipefail
VERSION=4.32.5
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${INTRADAY_SCHEMATHESIS_VENV:-$ROOT/.cache/schemathesis-venv}"

install() {
  if [ -x "$VENV/bin/st" ] && "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('schemathesis') != '$VERSION')" 2>/dev/null; then return; fi
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION"
}

case "${1:-}" in
  install) install ;;
  run)
    shift
    install
    base="$1"; shift
    # The hooks apply the rules the document states as x-intraday-* extensions (test/fuzz/hooks.py).
    export SCHEMATHESIS_HOOKS="$ROOT/test/fuzz/hooks.py"
    exec "$VENV/bin/st" --config-file "$ROOT/test/fuzz/schemathesis.toml" run "$base/openapi.json" --url "$base" --checks all "$@"
    ;;
  *) echo "usage: $0 install | run <base-url> [st args...]" >&2; exit 2 ;;
esac
