# Shared by the smoke scripts (sourced): the repository root, the built server jar, a work folder
# removed on exit together with the server started into $pid, a free loopback port, waiting for
# readiness, and the checks with their count.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
jar=$(ls "$root"/server/target/lumbar-cds-server-*-exec.jar | head -n 1)
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT
passed=0

# await_ready LOG: waits for the server started into $pid; fails with the end of its log
await_ready() {
  for _ in $(seq 1 300); do
    curl -sf "$base/actuator/health/readiness" > /dev/null && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 1
  done
  echo "FAIL: the server did not become ready; log:" >&2
  tail -n 60 "$1" >&2
  exit 1
}

check() { # description, expected, actual
  if [ "$2" = "$3" ]; then echo "ok: $1"; passed=$((passed + 1)); else
    echo "FAIL: $1: expected $2, got $3" >&2
    tail -n 40 "$work"/server*.log >&2 2> /dev/null || true
    exit 1
  fi
}
