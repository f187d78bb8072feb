#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the browser console's npm packages (noVNC, pinned exactly in package-lock.json; playwright-core for the
# tests unless --omit=dev is passed) with `npm ci`, but only when node_modules is not already what the lock file
# says: npm ci always starts from scratch, and a second ./demo.sh or ./test.sh should start at once.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v npm >/dev/null; then
  echo "web/npm-ci.sh: installing nodejs and npm" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

# npm writes node_modules/.package-lock.json after a complete install; it lists exactly the installed packages.
stamp=node_modules/.npm-ci-stamp
want="$(sha256sum package.json package-lock.json | sha256sum | cut -d' ' -f1) $*"
if [ -f "$stamp" ] && [ -f node_modules/.package-lock.json ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error "$@" >&2
echo "$want" > "$stamp"
