#!/usr/bin/env bash
# Everything CI checks, in order: install, servers, build, types, lint, every test, packaging.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1

step() { printf '\n=== %s ===\n' "$*"; }

step "install workspace"
bash scripts/bootstrap.sh
if [ -f scripts/install-test-servers.sh ]; then
  step "install test servers"
  bash scripts/install-test-servers.sh
fi
step "build"
pnpm run build
step "typecheck"
pnpm run typecheck
step "lint"
pnpm run lint
step "test"
pnpm run test
step "examples: custom store under node:test"
node --test examples/
step "example"
node examples/quickstart-sqlite.mjs >/dev/null
step "packages: publint, attw, packed install"
pnpm run check:packages
