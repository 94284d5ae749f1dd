#!/usr/bin/env bash
# The whole check: lint, types, migrations, deploy settings, and the suite on both shapes.
# Called by `make test` (and so by CI). The scale shape needs PostgreSQL on 127.0.0.1:5432
# and Redis on 127.0.0.1:6379; without them it is skipped loudly, except in CI, where it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
V=.venv/bin
PG_URL="${ECABINET_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ecabinet}"
REDIS="${ECABINET_TEST_REDIS_URL:-redis://127.0.0.1:6379/0}"
ARTIFACTS="${ECABINET_ARTIFACTS:-artifacts}"
mkdir -p "$ARTIFACTS"

banner() { printf '\n==== %s ====\n' "$*"; }
loud() { printf '\n!!!!!!!! %s !!!!!!!!\n\n' "$*" >&2; }

bash scripts/debian-packages.sh test

banner "ruff"
$V/ruff check .
$V/ruff format --check .
banner "mypy"
$V/mypy ecabinet
banner "migrations are up to date"
env -u DATABASE_URL -u REDIS_URL $V/ecabinet makemigrations --check --dry-run

banner "tests: embedded shape (SQLite WAL, in-memory channel layer)"
env -u DATABASE_URL -u REDIS_URL ECABINET_ARTIFACTS="$ARTIFACTS/sqlite" \
  $V/pytest -n "${ECABINET_TEST_WORKERS:-2}" "$@"

reachable() {
  $V/python - "$1" "$2" <<'PY'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2).close()
except OSError:
    sys.exit(1)
PY
}

if reachable 127.0.0.1 5432 && reachable 127.0.0.1 6379; then
  banner "deploy checks: scale settings"
  DATABASE_URL="$PG_URL" REDIS_URL="$REDIS" ECABINET_HTTPS=1 DEBUG=0 ECABINET_TESTING=0 \
    SECRET_KEY="ci-$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n')" \
    ALLOWED_HOSTS=ecabinet.example.org $V/ecabinet check --deploy --fail-level WARNING
  banner "tests: scale shape (PostgreSQL, Redis channel layer)"
  DATABASE_URL="$PG_URL" REDIS_URL="$REDIS" ECABINET_REDIS_PREFIX="ecab-test-$$" \
    ECABINET_ARTIFACTS="$ARTIFACTS/postgres" $V/pytest -n "${ECABINET_TEST_WORKERS:-2}" "$@"
elif [ -n "${CI:-}" ]; then
  loud "CI: PostgreSQL (127.0.0.1:5432) or Redis (127.0.0.1:6379) is not reachable"
  exit 1
else
  loud "PostgreSQL or Redis not reachable: the SCALE SHAPE TESTS WERE SKIPPED"
fi
banner "all checks passed"
