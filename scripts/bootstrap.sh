#!/usr/bin/env bash
# Installs the workspace on a fresh machine: the pinned pnpm, then every package.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.4.2
if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "bootstrap: installing pnpm $PNPM_VERSION"
  npm install --global --no-fund --no-audit "pnpm@$PNPM_VERSION"
fi

# better-sqlite3 compiles from source when its prebuilt binary cannot be downloaded; node-gyp then
# needs Node's headers, which Debian's nodejs ships in /usr/include/node (pnpm ignores .npmrc's nodedir).
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ]; then
  export npm_config_nodedir=/usr
fi

pnpm install --frozen-lockfile
