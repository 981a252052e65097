#!/usr/bin/env bash
# Start-up benchmark: time from `java` to readiness (/actuator/health/readiness UP, i.e. after the
# terminology is loaded) and resident memory (VmRSS) once ready.
#
#   tests/bench/startup.sh [MODE] [RUNS]
#
# MODE
#   jar   java -jar on the Boot jar, JDK 17, default JVM settings (default)
#   cds   extracted jar + an AppCDS archive, JDK 17, -XX:+UseSerialGC -Xmx512m
#   aot   extracted jar + a JDK 25 AOT cache (JEP 483/514/515), -XX:+UseSerialGC -Xmx512m;
#         needs JAVA25_HOME (default /usr/lib/jvm/temurin-25-jdk-amd64). This is the Docker image.
# Extra JVM options: JAVA_OPTS. Builds nothing: run `mvn -DskipTests install` first.
# The first run creates a fresh H2 database; later runs restart on it (the usual case). The
# training run that builds a CDS archive or AOT cache is not timed.
set -euo pipefail
mode=${1:-jar}
runs=${2:-3}
root=$(cd "$(dirname "$0")/../.." && pwd)
jar=$(ls "$root"/server/target/lumbar-cds-server-*-exec.jar 2>/dev/null | head -n 1)
[ -n "$jar" ] || { echo "no server jar: run 'mvn -DskipTests install' first" >&2; exit 1; }
work=$(mktemp -d)
data="$work/data"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT

java17=${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}/bin/java
[ -x "$java17" ] || java17=java
java25=${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
app=(--lumbarcds.data-dir="$data" --server.port="$port")
lean=(-XX:+UseSerialGC -Xmx512m)

failed() { echo "training step failed; its log:" >&2; tail -n 40 "$1" >&2; exit 1; }
extract() {
  "$java17" -Djarmode=tools -jar "$jar" extract --destination "$work/app" > /dev/null
  target="$work/app/$(basename "$jar")"
}
case "$mode" in
  jar)
    java=$java17; target=$jar; opts=() ;;
  cds)
    java=$java17; extract
    # A static archive from a class list: JDK 17's dynamic archive (-XX:ArchiveClassesAtExit)
    # crashes on this application's lambda proxies, so those lines are left out.
    "$java" -XX:DumpLoadedClassList="$work/classes.lst" -Dspring.context.exit=onRefresh \
      -jar "$target" "${app[@]}" > "$work/train.log" 2>&1 || failed "$work/train.log"
    grep -v '^@lambda' "$work/classes.lst" > "$work/classes-nolambda.lst"
    "$java" -Xshare:dump -XX:SharedClassListFile="$work/classes-nolambda.lst" \
      -XX:SharedArchiveFile="$work/app.jsa" -jar "$target" > "$work/dump.log" 2>&1 \
      || failed "$work/dump.log"
    rm -rf "$data"
    opts=(-XX:SharedArchiveFile="$work/app.jsa" "${lean[@]}") ;;
  aot)
    java=$java25; extract
    "$java" -XX:AOTCacheOutput="$work/app.aot" -Dspring.context.exit=onRefresh \
      -jar "$target" "${app[@]}" > "$work/train.log" 2>&1 || failed "$work/train.log"
    rm -rf "$data"
    opts=(-XX:AOTCache="$work/app.aot" "${lean[@]}") ;;
  *) echo "unknown mode $mode (jar, cds, aot)" >&2; exit 2 ;;
esac

echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%d", $2/1048576}' /proc/meminfo) GiB RAM, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "mode: $mode  java: $("$java" -version 2>&1 | head -n 1)  options: ${opts[*]:-none} ${JAVA_OPTS:-}"
for i in $(seq 1 "$runs"); do
  start=$(date +%s%N)
  # shellcheck disable=SC2086
  "$java" "${opts[@]}" ${JAVA_OPTS:-} -jar "$target" "${app[@]}" > "$work/run-$i.log" 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/actuator/health/readiness" > /dev/null; do
    kill -0 $pid 2>/dev/null || { echo "server exited; log:"; tail -n 40 "$work/run-$i.log"; exit 1; }
    sleep 0.1
  done
  ready_ms=$((($(date +%s%N) - start) / 1000000))
  rss_kb=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
  first=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port/fhir/metadata")
  kind=$([ "$i" = 1 ] && echo "fresh database" || echo "restart")
  printf 'run %d (%s): ready in %d.%d s, RSS %d MB, first /fhir/metadata %.2f s\n' \
    "$i" "$kind" $((ready_ms / 1000)) $((ready_ms % 1000 / 100)) $((rss_kb / 1024)) "$first"
  kill $pid; wait $pid 2>/dev/null || true; pid=
done
