#!/usr/bin/env bash
# Installs what the tests need beyond Go and the browser: Debian's
# pgbouncer, which the PostgreSQL half runs a test through in transaction
# pooling mode (dbtest.PgBouncer). Says plainly what it could not do; with
# CI=true that test then fails rather than being skipped.
set -u
if command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ]; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "test-deps: installing Debian pgbouncer (for the connection-pooler test)..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer) >/tmp/partnerhub-apt-pgbouncer.log 2>&1 \
    || echo "test-deps: could not install pgbouncer (see /tmp/partnerhub-apt-pgbouncer.log); the PgBouncer test will be skipped (failed under CI=true)"
  # The package starts a pgbouncer service on port 6432; the test starts its own.
  if command -v systemctl >/dev/null 2>&1; then systemctl disable --now pgbouncer >/dev/null 2>&1 || true; fi
else
  echo "test-deps: pgbouncer is not installed and apt-get as root is not available; the PgBouncer test will be skipped."
  echo "           Install it with: sudo apt-get install pgbouncer"
fi
exit 0
