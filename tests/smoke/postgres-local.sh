#!/usr/bin/env bash
# The PostgreSQL smoke test (postgres.sh) on a throw-away PostgreSQL cluster of its own
# (pg-cluster.sh), removed on exit.
#
#   tests/smoke/postgres-local.sh        (run by `mvn verify -Pinstalled-tools`, tests module)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cluster=$(mktemp -d)
trap '"$here/pg-cluster.sh" stop "$cluster"' EXIT
url=$("$here/pg-cluster.sh" start "$cluster")
echo "PostgreSQL on ${url#jdbc:postgresql://}"
LUMBARCDS_DB_URL="$url" LUMBARCDS_DB_USER=lumbarcds LUMBARCDS_DB_PASSWORD=unused "$here/postgres.sh"
