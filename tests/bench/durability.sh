#!/usr/bin/env bash
# What durable commits cost: the same load on a fresh server and database for each setting
#   h2-delayed   H2 with its default 500 ms write delay (commits kept in memory: lost on a kill)
#   h2           H2 as shipped, WRITE_DELAY=0 (each commit written to the file before the answer)
#   pg-async     PostgreSQL with synchronous_commit=off (commits not flushed before the answer)
#   pg           PostgreSQL as shipped, synchronous_commit=on (each commit flushed, fsync)
# The load (CdsHooksBenchmark durability): FHIR writes (a Patient created, then updated) from 1
# and 8 clients, then the order-complete hook analysing film-size phantom studies in the call,
# alone and while 8 clients write. The server runs from its jar with analyses queued on order
# completion only, so that the studies' arrival does not analyse them first.
#
#   tests/bench/durability.sh [STUDIES] [WRITES] [SETTINGS]   (default: 40 1000 "h2-delayed h2
#                                                              pg-async pg")
#
# Needs the built server (mvn -DskipTests install), Debian's python3-numpy python3-scipy
# python3-pil python3-pydicom for the phantoms, and for the pg settings Debian's postgresql package
# (a throw-away cluster each, tests/smoke/pg-cluster.sh).
set -euo pipefail
studies=${1:-40}
writes=${2:-1000}
settings=${3:-h2-delayed h2 pg-async pg}
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
cd "$root"
tests_classpath
jwks=$(java -cp "$cp" org.lumbarcds.tests.CdsHooksBenchmark keys "$work/key.json")
film_phantoms "$studies"
clusters=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
      for c in "${clusters[@]}"; do tests/smoke/pg-cluster.sh stop "$c"; done; rm -rf "$work"' EXIT

for setting in $settings; do
  data="$work/data-$setting"
  database=()
  case "$setting" in
    h2-delayed) database=("--spring.datasource.url=jdbc:h2:file:$data/h2/lumbarcds") ;;
    h2) ;;
    pg | pg-async)
      cluster=$(mktemp -d)
      clusters+=("$cluster")
      url=$(tests/smoke/pg-cluster.sh start "$cluster")
      [ "$setting" = pg-async ] && url="$url?options=-c%20synchronous_commit%3Doff"
      database=(--spring.profiles.active=postgres "--spring.datasource.url=$url") ;;
    *) echo "unknown setting $setting" >&2; exit 2 ;;
  esac
  start_server "$work/server-$setting.log" --lumbarcds.data-dir="$data" "${database[@]}" \
    --lumbarcds.analysis.triggers=order-completed \
    --lumbarcds.cds-hooks.issuers[0].issuer=https://bench.test \
    "--lumbarcds.cds-hooks.issuers[0].jwks=$jwks"
  /usr/bin/python3 -m lumbarcds_training.stow "http://127.0.0.1:$port/dicomweb" "$phantoms" \
    --fhir "http://127.0.0.1:$port/fhir" > "$work/stow.log"
  echo "## $setting ($(tail -n 1 "$work/stow.log"))"
  java -cp "$cp" org.lumbarcds.tests.CdsHooksBenchmark durability "http://127.0.0.1:$port" \
    "$work/key.json" https://bench.test "$writes" 2> "$work/bench.err" \
    || { tail -n 20 "$work/bench.err"; tail -n 40 "$work/server-$setting.log"; exit 1; }
  kill "$server"
  wait "$server" 2>/dev/null || true
  rm -rf "$data"
done
