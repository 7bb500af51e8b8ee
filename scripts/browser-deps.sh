#!/usr/bin/env bash
# Installs what the browser tests need that a Go toolchain lacks: Debian's
# chromium-headless-shell (Chromium's headless shell, which the tests drive;
# PARTNERHUB_E2E_BROWSER names another browser binary instead) and the
# axe-core npm package. Says plainly what it could not do.
set -u
cd "$(dirname "$0")/.."
if [ -n "${PARTNERHUB_E2E_BROWSER:-}" ]; then
  [ -x "$PARTNERHUB_E2E_BROWSER" ] \
    || echo "browser-deps: PARTNERHUB_E2E_BROWSER=$PARTNERHUB_E2E_BROWSER is not an executable file; browser tests will be skipped."
elif [ ! -x /usr/bin/chromium-headless-shell ] && [ ! -x /usr/lib/chromium/chromium-headless-shell ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "browser-deps: installing Debian chromium-headless-shell (for the browser tests)..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell fonts-dejavu-core) >/tmp/partnerhub-apt.log 2>&1 \
      || echo "browser-deps: could not install chromium-headless-shell (see /tmp/partnerhub-apt.log); browser tests will be skipped"
  else
    echo "browser-deps: chromium-headless-shell is not installed and apt-get as root is not available; browser tests will be skipped."
    echo "              Install it with: sudo apt-get install chromium-headless-shell"
    echo "              (or point PARTNERHUB_E2E_BROWSER at another Chromium, such as /usr/bin/chromium)"
  fi
fi
if [ ! -f e2e/node_modules/axe-core/axe.min.js ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "browser-deps: installing axe-core from npm (for accessibility checks)..."
    (cd e2e && npm ci --no-audit --no-fund --silent) || echo "browser-deps: npm could not install axe-core; accessibility checks will be skipped"
  else
    echo "browser-deps: npm is not installed; accessibility checks will be skipped (install Node.js and npm)"
  fi
fi
exit 0
