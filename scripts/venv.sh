#!/usr/bin/env bash
# Create .venv with Python 3.11. Debian ships venv support in a separate package
# (python3-venv / python3.11-venv): install it when we can, or say exactly what is missing.
set -euo pipefail
PY="${1:-python3.11}"
VENV="${2:-.venv}"
[ -x "$VENV/bin/python" ] && exit 0
if ! command -v "$PY" >/dev/null; then
  echo "ecabinet needs Python 3.11 ($PY not found). On Debian: apt-get install python3.11" >&2
  exit 1
fi
if ! "$PY" -m venv "$VENV" 2>/dev/null; then
  rm -rf "$VENV"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's python3.11-venv ..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3.11-venv >/dev/null
    "$PY" -m venv "$VENV"
  else
    echo "Cannot create a virtual environment. On Debian: sudo apt-get install python3.11-venv" >&2
    exit 1
  fi
fi
