#!/usr/bin/env bash
# The one test command behind `make test`. Runs on SQLite always, on
# PostgreSQL when PARTNERHUB_TEST_POSTGRES_URL is set (or a local server
# answers), and the browser tests when Chromium is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${PARTNERHUB_TEST_POSTGRES_URL:-}" ]; then
  if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null \
     && psql "postgres://postgres@127.0.0.1:5432/test?sslmode=disable" -qtAc 'select 1' >/dev/null 2>&1; then
    export PARTNERHUB_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
    echo "test: using the local PostgreSQL at 127.0.0.1:5432 (database test)"
  else
    echo "test: SKIPPING the PostgreSQL half of the suite: PARTNERHUB_TEST_POSTGRES_URL is not set and no local server answered."
  fi
fi
if ! command -v chromium >/dev/null 2>&1; then
  echo "test: SKIPPING browser tests: chromium is not installed (make browser-deps installs it on Debian)."
fi
if ! command -v pgbouncer >/dev/null 2>&1 && [ ! -x /usr/sbin/pgbouncer ]; then
  echo "test: SKIPPING the PgBouncer test: pgbouncer is not installed (make test-deps installs it on Debian)."
fi
pkgs=("$@")
[ ${#pkgs[@]} -eq 0 ] && pkgs=(./...)
# The browser journeys run one after another in one package (e2e); on a
# loaded 2-core machine they take longer than Go's default 10 minutes.
exec go test -count=1 -timeout 45m "${pkgs[@]}"
