#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for tests: initdb in a folder, the server on a free loopback port
# and a Unix socket in that folder, one empty database (lumbarcds_test, owner lumbarcds, trust
# authentication on loopback). Needs Debian's `postgresql` package (its binaries, not its service).
# As root the cluster runs as the `postgres` user, since PostgreSQL refuses to run as root.
#
#   tests/smoke/pg-cluster.sh start FOLDER    prints the JDBC URL of the new database (as root,
#                                             FOLDER must be one the postgres user can reach,
#                                             e.g. from mktemp -d)
#   tests/smoke/pg-cluster.sh stop FOLDER     stops the cluster (immediate) and removes the folder
#   tests/smoke/pg-cluster.sh dump URL FILE     pg_dump of the database at URL (custom format)
#   tests/smoke/pg-cluster.sh restore URL FILE  creates the database at URL and pg_restores FILE
set -euo pipefail
command=${1:?start, stop, dump or restore}
cluster=${2:?the cluster folder or the database URL}
bin=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -n 1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "FAIL: PostgreSQL is not installed (apt-get install postgresql)" >&2
  exit 1
fi
run=()
if [ "$(id -u)" = 0 ]; then
  run=(runuser -u postgres --)
fi
case "$command" in
  start)
    mkdir -p "$cluster"
    [ "$(id -u)" = 0 ] && chown postgres "$cluster"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2> /dev/null \
      || shuf -i 20000-60000 -n 1)
    "${run[@]}" "$bin/initdb" -D "$cluster/data" -U lumbarcds --auth=trust -E UTF8 --no-locale \
      > "$cluster/initdb.log" 2>&1 || { cat "$cluster/initdb.log" >&2; exit 1; }
    "${run[@]}" "$bin/pg_ctl" -D "$cluster/data" -l "$cluster/postgres.log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $cluster" start > /dev/null
    "${run[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U lumbarcds lumbarcds_test
    echo "jdbc:postgresql://127.0.0.1:$port/lumbarcds_test"
    ;;
  stop)
    "${run[@]}" "$bin/pg_ctl" -D "$cluster/data" -m immediate stop > /dev/null 2>&1 || true
    rm -rf "$cluster"
    ;;
  dump | restore)
    url=${cluster#jdbc:postgresql://}
    hostport=${url%%/*}
    database=${url#*/}
    file=${3:?the dump file}
    if [ "$command" = dump ]; then
      "$bin/pg_dump" -h "${hostport%:*}" -p "${hostport#*:}" -U lumbarcds -Fc -f "$file" "$database"
    else
      "$bin/createdb" -h "${hostport%:*}" -p "${hostport#*:}" -U lumbarcds "$database"
      "$bin/pg_restore" -h "${hostport%:*}" -p "${hostport#*:}" -U lumbarcds -d "$database" \
        --exit-on-error "$file"
    fi
    ;;
  *)
    echo "usage: $0 start|stop FOLDER, or dump|restore URL FILE" >&2
    exit 2
    ;;
esac
