# Shared by the benchmark scripts (sourced): the repository root, a work folder removed on exit
# with every process started into $pids, a free loopback port, and the machine line.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
echo "# $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(java -version 2>&1 | head -n 1)"
# The end-to-end module's test classes and their classpath ($cp), for the Java load generators.
tests_classpath() {
  (cd "$root" && mvn -q -pl tests test-compile -Dfuzz.skip \
    && mvn -q -pl tests dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" >/dev/null)
  cp="$root/tests/target/test-classes:$(cat "$work/cp.txt")"
}
# Starts the server jar (BENCH_JAR, else the one built here) on a free port ($port; its pid in
# $server) with the arguments given after the log file, and waits until it is ready (readiness
# includes the FHIR validator's warm-up). BENCH_JAR compares two builds with the same load;
# BENCH_JAVA_OPTIONS are the server JVM's options (a profiler's recording, heap settings).
start_server() {
  local log=$1
  shift
  port=$(free_port)
  # shellcheck disable=SC2086
  java ${BENCH_JAVA_OPTIONS:-} -jar "${BENCH_JAR:-$(ls "$root"/server/target/lumbar-cds-server-*-exec.jar | head -n 1)}" \
    --server.port="$port" "$@" > "$log" 2>&1 &
  server=$!
  pids+=("$server")
  for _ in $(seq 1 180); do
    curl -sf "http://127.0.0.1:$port/actuator/health/readiness" >/dev/null && return 0
    kill -0 "$server" 2>/dev/null || break
    sleep 1
  done
  echo "the server did not become ready" >&2
  tail -n 40 "$log" >&2
  return 1
}
# Film-size phantom studies (2500 x 2048, 12-bit DX) with their patients and orders, in $phantoms;
# kept between runs (generating them takes minutes), or BENCH_PHANTOMS. Needs Debian's
# python3-numpy python3-scipy python3-pil python3-pydicom.
film_phantoms() {
  export PYTHONPATH="$root/model/training${PYTHONPATH:+:$PYTHONPATH}"  # lumbarcds_training
  phantoms=${BENCH_PHANTOMS:-${TMPDIR:-/tmp}/lumbarcds-bench-phantoms-$1}
  if [ ! -d "$phantoms" ]; then
    /usr/bin/python3 -m lumbarcds_training.phantom "$phantoms.tmp" --patients "$1" \
      --site internal --seed 11 --size film --workers 2 >/dev/null
    mv "$phantoms.tmp" "$phantoms"
  fi
}
