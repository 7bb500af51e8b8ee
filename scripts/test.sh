#!/usr/bin/env bash
# The one test command behind `make test`. Runs on SQLite always, on
# PostgreSQL when PARTNERHUB_TEST_POSTGRES_URL is set (or a local server
# answers), and the browser tests when Chromium's headless shell (or the
# browser PARTNERHUB_E2E_BROWSER names) is installed.
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
if [ -n "${PARTNERHUB_E2E_BROWSER:-}" ]; then
  [ -x "$PARTNERHUB_E2E_BROWSER" ] || echo "test: SKIPPING browser tests: PARTNERHUB_E2E_BROWSER=$PARTNERHUB_E2E_BROWSER is not an executable file."
elif [ ! -x /usr/bin/chromium-headless-shell ] && [ ! -x /usr/lib/chromium/chromium-headless-shell ]; then
  echo "test: SKIPPING browser tests: chromium-headless-shell is not installed (make browser-deps installs it on Debian)."
fi
if ! command -v pgbouncer >/dev/null 2>&1 && [ ! -x /usr/sbin/pgbouncer ]; then
  echo "test: SKIPPING the PgBouncer test: pgbouncer is not installed (make test-deps installs it on Debian)."
fi
# The tests' files (SQLite databases, the browser servers' data
# directories, Chromium's profile) go to a directory in memory when there
# is one: SQLite syncs every commit to disk (synchronous FULL), and on a
# shared machine each sync waited 2-10 ms, most of the SQLite half's wall
# time. Nothing a test checks depends on the disk; PARTNERHUB_TEST_TMPDIR
# names another place ("" keeps TMPDIR). GOTMPDIR goes there too: since
# Go 1.26 t.TempDir is made under it, and the test binaries go test links
# there (about 2 GB for the whole suite) are deleted at the end.
# A directory on a noexec mount (hardened hosts, Docker's /dev/shm) is not
# used: go test runs its test binaries from GOTMPDIR, and e2e builds and
# runs partnerhub under TMPDIR, so both stay on disk there.
noexec() {
  local opts
  opts=$(findmnt -no OPTIONS --target "$1" 2>/dev/null) \
    || opts=$(awk -v d="$1" '$2 == d {o = $4} END {print o}' /proc/mounts 2>/dev/null)
  [[ ",$opts," == *,noexec,* ]]
}
if [ -z "${PARTNERHUB_TEST_TMPDIR+set}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] \
   && [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] \
   && [ "$(df -Pk /dev/shm 2>/dev/null | awk 'NR==2 {print $4}')" -ge 4194304 ] 2>/dev/null; then
  if noexec /dev/shm; then
    echo "test: /dev/shm is mounted noexec: test files stay in ${TMPDIR:-/tmp}"
  else
    PARTNERHUB_TEST_TMPDIR=/dev/shm
  fi
fi
if [ -n "${PARTNERHUB_TEST_TMPDIR:-}" ] && noexec "$PARTNERHUB_TEST_TMPDIR"; then
  echo "test: PARTNERHUB_TEST_TMPDIR=$PARTNERHUB_TEST_TMPDIR is on a noexec mount, where go test cannot run its binaries" >&2
  exit 2
fi
if [ -n "${PARTNERHUB_TEST_TMPDIR:-}" ]; then
  # A run that was killed (SIGKILL skips the trap) leaves its directory,
  # in memory. Remove this user's that are over 6 hours old and whose run
  # is gone: the pid file names the run; a directory without one predates
  # it. A live run's directory is left alone.
  for old in "$PARTNERHUB_TEST_TMPDIR"/partnerhub-test.*; do
    [ -d "$old" ] && [ -O "$old" ] || continue
    [ -n "$(find "$old" -maxdepth 0 -mmin +360 2>/dev/null)" ] || continue
    pid=$(cat "$old/partnerhub-test.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      continue
    fi
    echo "test: removing $old, left by a run that is gone"
    rm -rf "$old"
  done
  run_tmp=$(mktemp -d "$PARTNERHUB_TEST_TMPDIR/partnerhub-test.XXXXXX")
  chmod 711 "$run_tmp" # pgbouncer runs as nobody and reads its directory inside
  trap 'rm -rf "$run_tmp"' EXIT
  echo $$ >"$run_tmp/partnerhub-test.pid"
  echo "test: test files in $run_tmp (PARTNERHUB_TEST_TMPDIR=\"\" keeps them in ${TMPDIR:-/tmp})"
  export TMPDIR="$run_tmp" GOTMPDIR="$run_tmp"
fi
pkgs=("$@")
[ ${#pkgs[@]} -eq 0 ] && pkgs=(./...)
# The browser journeys (e2e) on a loaded 2-core machine take longer than
# Go's default 10 minutes.
go test -count=1 -timeout 45m "${pkgs[@]}"
