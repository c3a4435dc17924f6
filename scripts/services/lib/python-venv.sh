# shellcheck shell=bash
# Python virtualenvs for the Python services (Airflow, Superset), installed from PyPI.
# Sourced by services.sh after common.sh.
#
#   venv_ensure <venv_dir> <constraints_file> <pip specs...>
#
# Creates the venv when missing and installs the specs with `-c constraints_file` (the repo's own
# freeze of a working set). A stamp file holds a hash of the specs and the constraints file, so a
# second call with the same inputs returns at once; a changed constraints file reinstalls.
# When the constraints file is missing, installs unpinned and writes the freeze there (first run).

python_find() {
  local c
  for c in "${INTRADAY_PYTHON:-}" python3.11 python3.12 python3; do
    [[ -n "$c" ]] || continue
    command -v "$c" >/dev/null 2>&1 || continue
    if "$c" -c 'import sys, venv; sys.exit(0 if (3, 10) <= sys.version_info[:2] < (3, 13) else 1)' 2>/dev/null; then
      command -v "$c"
      return 0
    fi
  done
  return 1
}

venv_ensure() {
  local venv=$1 constraints=$2
  shift 2
  local name
  name=$(basename "$venv")
  local stamp="$venv/.intraday-stamp"
  local want
  want=$( {
    printf '%s\n' "$@"
    [[ -f "$constraints" ]] && cat "$constraints"
  } | sha1sum | cut -c1-16)
  if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    return 0
  fi
  local py
  py=$(python_find) || die "$name" "Python 3.10-3.12 with the venv module is required (apt-get install -y python3 python3-venv)"
  local t0 logf="$LOGS_DIR/pip-$name.log"
  t0=$(now)
  mkdir -p "$(dirname "$venv")" "$LOGS_DIR"
  if [[ ! -x "$venv/bin/python" ]]; then
    info "$name" "creating virtualenv $venv ($("$py" --version 2>&1))"
    "$py" -m venv "$venv" || die "$name" "could not create the virtualenv $venv"
  fi
  local cargs=()
  if [[ -f "$constraints" ]]; then
    cargs=(-c "$constraints")
    info "$name" "pip install $* with constraints $constraints (log: $logf)"
  else
    info "$name" "pip install $* UNPINNED (no $constraints yet; its freeze is written there) (log: $logf)"
  fi
  {
    "$venv/bin/python" -m pip install --disable-pip-version-check -q --upgrade pip &&
      "$venv/bin/python" -m pip install --disable-pip-version-check --progress-bar off "${cargs[@]}" "$@"
  } >"$logf" 2>&1 || {
    log_tail "$name" "$logf" 30
    die "$name" "pip install failed (log: $logf)"
  }
  if [[ ! -f "$constraints" ]]; then
    "$venv/bin/python" -m pip freeze --exclude-editable | grep -v '^pip==' >"$constraints"
    want=$( {
      printf '%s\n' "$@"
      cat "$constraints"
    } | sha1sum | cut -c1-16)
  fi
  printf '%s\n' "$want" >"$stamp"
  info "$name" "virtualenv ready in $(elapsed "$t0")s ($(du -sm "$venv" | cut -f1) MB)"
}
