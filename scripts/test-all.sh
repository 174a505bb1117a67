#!/usr/bin/env bash
# Everything CI checks, in order: install, servers, build, types, lint, every test, packaging.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1

step() { printf '\n=== %s ===\n' "$*"; }

step "install workspace"
bash scripts/bootstrap.sh
step "install test servers"
bash scripts/install-test-servers.sh
step "build"
pnpm run build
step "typecheck"
pnpm run typecheck
step "lint"
pnpm run lint
step "test"
pnpm run test
step "examples: a third-party store under node:test and vitest"
(cd examples/custom-store && npm test)
step "example"
node examples/quickstart-sqlite.mjs >/dev/null
step "example: Zoho CRM SDK on @tokens/sqlite" && (cd examples/zoho-crm && node --import ./workspace-resolve.mjs app.mjs)
step "packages: publint, attw, packed install"
pnpm run check:packages
step "benchmark, quick mode"
pnpm run bench --quick
step "scale benchmark, quick mode (1k and 10k tokens; checks the bulk seeders match each store's layout)"
pnpm run bench --scale --quick
step "release check: version, publish to a local registry, install as users do"
node scripts/release-check/run.mjs
