#!/usr/bin/env bash
# Installs the servers the tests start (MariaDB, Redis, PostgreSQL, FerretDB, moto) on Debian 12.
# Idempotent and fast once installed: each server is skipped when its binary is present.
# Debian packages go to the system; FerretDB and moto go to a machine-level cache
# (TOKENS_TEST_SERVERS_CACHE, default /var/cache/tokens-test-servers as root, else
# ~/.cache/tokens-test-servers) so a second run or another checkout rebuilds nothing.
# @tokens/test-servers looks in the same places (keep packages/test-servers/src/binaries.ts in sync).
set -euo pipefail

FERRETDB_VERSION=v1.24.2
MOTO_VERSION=5.2.1

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -n ${TOKENS_TEST_SERVERS_CACHE:-} ]]; then
  cache=$TOKENS_TEST_SERVERS_CACHE
elif [[ $(id -u) == 0 ]]; then
  cache=/var/cache/tokens-test-servers
else
  cache=${XDG_CACHE_HOME:-$HOME/.cache}/tokens-test-servers
fi
mkdir -p "$cache/bin"

# The official Go tarball installs outside the default PATH.
[[ -x /usr/local/go/bin/go ]] && PATH=$PATH:/usr/local/go/bin

sudo=''
[[ $(id -u) == 0 ]] || sudo=sudo

have() { command -v "$1" >/dev/null 2>&1 || [[ -x /usr/sbin/$1 ]]; }

apt_updated=''
apt_install() {
  if [[ -z $apt_updated ]]; then
    $sudo apt-get update -qq
    apt_updated=1
  fi
  # Package scripts may try to start the system services; that is harmless and not needed here.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# A plain `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2` builds a binary that panics at
# start: the module zip lacks build/version/version.txt (written by its release tooling). So: download
# the module (go's module cache), copy it, add that file, and build the copy.
build_ferretdb() {
  local module src
  module=$(GOFLAGS=-mod=mod go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -d $module ]] || { echo "go mod download gave no module dir"; return 1; }
  src=$(mktemp -d)
  cp -r "$module"/. "$src"
  chmod -R u+w "$src"
  echo "$FERRETDB_VERSION" >"$src/build/version/version.txt"
  local status=0
  (cd "$src" && GOFLAGS=-mod=mod go build -buildvcs=false -o "$cache/bin/ferretdb.tmp" ./cmd/ferretdb) || status=$?
  rm -rf "$src"
  [[ $status == 0 ]] && mv "$cache/bin/ferretdb.tmp" "$cache/bin/ferretdb"
}

# FerretDB compiles for a minute or two: start it first, in the background, and wait for it at the end.
ferretdb_bin=$cache/bin/ferretdb
ferretdb_log=$cache/ferretdb-install.log
ferretdb_pid=''
ferretdb_version=$([[ -x $ferretdb_bin ]] && "$ferretdb_bin" --version 2>/dev/null || true)
if [[ $ferretdb_version == *"version: $FERRETDB_VERSION"* ]]; then
  ferretdb_status="already present ($ferretdb_bin)"
elif ! command -v go >/dev/null 2>&1; then
  # FerretDB v1.24.2 asks for Go 1.24; Go 1.21+ fetches that toolchain itself (Debian 12's golang-go is 1.19).
  ferretdb_status='FAILED: Go is not installed (https://go.dev/dl/, Go 1.21 or newer)'
else
  build_ferretdb >"$ferretdb_log" 2>&1 &
  ferretdb_pid=$!
fi

if have mariadbd && have mariadb-install-db && have redis-server && have redis-cli; then
  mariadb_status=$(printf 'already present (%s)' "$(command -v mariadbd || echo /usr/sbin/mariadbd)")
  redis_status="already present ($(command -v redis-server))"
else
  have mariadbd && mariadb_status='already present' || mariadb_status='installed (apt mariadb-server)'
  have redis-server && redis_status='already present' || redis_status='installed (apt redis-server)'
  apt_install mariadb-server redis-server
fi

# tmux: the @tokens/cli tests watch its progress bar in a real terminal.
have tmux || apt_install tmux

# PostgreSQL 15 (Debian 12's): the binaries live in /usr/lib/postgresql/15/bin, off PATH.
postgres_bin=/usr/lib/postgresql/15/bin
if [[ -x $postgres_bin/postgres && -x $postgres_bin/initdb ]]; then
  postgres_status="already present ($postgres_bin)"
else
  apt_install postgresql-15
  postgres_status="installed (apt postgresql-15 in $postgres_bin)"
fi

moto_venv=$cache/moto-venv
moto_installed() { compgen -G "$moto_venv/lib/python3*/site-packages/moto-$MOTO_VERSION.dist-info" >/dev/null; }
if [[ -x $moto_venv/bin/moto_server ]] && moto_installed; then
  moto_status="already present ($moto_venv/bin/moto_server)"
else
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
    apt_install python3 python3-venv
  fi
  rm -rf "$moto_venv"
  python3 -m venv "$moto_venv"
  "$moto_venv/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  moto_status="installed (moto $MOTO_VERSION in $moto_venv)"
fi

if [[ -n $ferretdb_pid ]]; then
  if wait "$ferretdb_pid"; then
    ferretdb_status="installed (ferretdb $FERRETDB_VERSION in $cache/bin)"
  else
    ferretdb_status="FAILED: the FerretDB build failed, see $ferretdb_log"
  fi
fi

# The repo's ignored .servers/ points at the cache, for people who look for the binaries there.
mkdir -p "$repo_root/.servers"
ln -sfn "$cache/bin" "$repo_root/.servers/bin"
ln -sfn "$moto_venv" "$repo_root/.servers/moto-venv"

echo "mariadb:  $mariadb_status"
echo "redis:    $redis_status"
echo "postgres: $postgres_status"
echo "ferretdb: $ferretdb_status"
echo "moto:     $moto_status"
[[ $ferretdb_status != FAILED* ]]
