#!/usr/bin/env bash
# Install and start the services the test suite needs: a PostgreSQL server and Chromium.
# Writes the connection settings to .ci/services.env. Safe to run twice.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -x /usr/lib/postgresql/15/bin/initdb ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" fonts-dejavu-core >/dev/null
fi

pgbin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
pgdata=/tmp/formcheck-pg
pgport=54329
if ! "$pgbin/pg_isready" -h 127.0.0.1 -p "$pgport" -q 2>/dev/null; then
  rm -rf "$pgdata"
  mkdir -p "$pgdata"
  chown postgres:postgres "$pgdata"
  su postgres -c "$pgbin/initdb -D $pgdata -A trust -U postgres" >/dev/null
  su postgres -c "$pgbin/pg_ctl -D $pgdata -o '-p $pgport -k /tmp -c listen_addresses=127.0.0.1' -l $pgdata/log -w start" >/dev/null
fi
cat > .ci/services.env <<ENV
export FORMCHECK_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:$pgport/postgres
export FORMCHECK_CHROMIUM=$(command -v chromium)
ENV
echo "services ready: PostgreSQL on 127.0.0.1:$pgport, chromium at $(command -v chromium)"
