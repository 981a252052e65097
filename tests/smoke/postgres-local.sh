#!/usr/bin/env bash
# The PostgreSQL smoke test (postgres.sh) on a throw-away PostgreSQL cluster of its own: initdb in
# a temporary folder, the server on a free loopback port and a Unix socket in that folder, removed
# on exit. Needs Debian's `postgresql` package (its binaries, not its service). As root the cluster
# runs as the `postgres` user, since PostgreSQL refuses to run as root.
#
#   tests/smoke/postgres-local.sh        (run by `mvn verify -Pinstalled-tools`, tests module)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -n 1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "FAIL: PostgreSQL is not installed (apt-get install postgresql)" >&2
  exit 1
fi
cluster=$(mktemp -d)
run=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$cluster"
  run=(runuser -u postgres --)
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
stop_cluster() {
  "${run[@]}" "$bin/pg_ctl" -D "$cluster/data" -m immediate stop > /dev/null 2>&1 || true
  rm -rf "$cluster"
}
trap stop_cluster EXIT
"${run[@]}" "$bin/initdb" -D "$cluster/data" -U lumbarcds --auth=trust -E UTF8 --no-locale \
  > "$cluster/initdb.log" 2>&1 || { cat "$cluster/initdb.log" >&2; exit 1; }
"${run[@]}" "$bin/pg_ctl" -D "$cluster/data" -l "$cluster/postgres.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $cluster" start > /dev/null
"${run[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U lumbarcds lumbarcds_smoke
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
LUMBARCDS_DB_URL="jdbc:postgresql://127.0.0.1:$port/lumbarcds_smoke" LUMBARCDS_DB_USER=lumbarcds \
  LUMBARCDS_DB_PASSWORD=unused "$here/postgres.sh"
