#!/usr/bin/env bash
# Start-up benchmark: time from `java -jar` to readiness, and resident memory once ready.
#
#   tests/bench/startup.sh [RUNS] [-- extra server arguments]
#
# Builds nothing: run `mvn -DskipTests install` first. Each run starts the server on a free port;
# the first run creates a fresh H2 database, the later runs restart on it (the usual case).
# Prints one line per run and a summary; copy the summary into docs/performance.md.
set -euo pipefail
runs=${1:-3}
shift || true
[ "${1:-}" = "--" ] && shift
root=$(cd "$(dirname "$0")/../.." && pwd)
jar=$(ls "$root"/server/target/lumbar-cds-server-*-exec.jar 2>/dev/null | head -n 1)
[ -n "$jar" ] || { echo "no server jar: run 'mvn -DskipTests install' first" >&2; exit 1; }
data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
trap 'kill $pid 2>/dev/null || true; rm -rf "$data"' EXIT
java_opts=${JAVA_OPTS:-}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(java -version 2>&1 | head -n 1)"
echo "jar: $(basename "$jar")  JAVA_OPTS: ${java_opts:-none}"
for i in $(seq 1 "$runs"); do
  start=$(date +%s.%N)
  # shellcheck disable=SC2086
  java $java_opts -jar "$jar" --lumbarcds.data-dir="$data" --server.port="$port" "$@" \
    > "$data/run-$i.log" 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/actuator/health/readiness" > /dev/null; do
    kill -0 $pid 2>/dev/null || { echo "server exited; see log:"; tail -n 40 "$data/run-$i.log"; exit 1; }
    sleep 0.1
  done
  ready=$(echo "$(date +%s.%N) - $start" | bc)
  rss_kb=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
  first=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port/fhir/metadata")
  kind=$([ "$i" = 1 ] && echo "fresh database" || echo "restart")
  printf 'run %d (%s): ready in %.1f s, RSS %d MB, first /fhir/metadata %.2f s\n' \
    "$i" "$kind" "$ready" $((rss_kb / 1024)) "$first"
  kill $pid; wait $pid 2>/dev/null || true
done
