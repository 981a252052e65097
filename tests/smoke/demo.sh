#!/usr/bin/env bash
# The README's demo on a fresh server, as a new user runs it: the server jar with the embedded
# defaults (H2, fresh data folder) and CDS Hooks open on loopback, then tests/demo/demo.py twice
# (re-running must be safe). Checks every case's card, that each viewer link opens its result, and
# that the operations view counts the demo's jobs and feedback.
#
#   tests/smoke/demo.sh
#
# Needs the built server jar (mvn -DskipTests install) and Debian's python3-numpy python3-scipy
# python3-pil python3-pydicom. `mvn verify -Pinstalled-tools` runs it (tests module).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

LUMBARCDS_CDS_HOOKS_SECURITY=open java -jar "$jar" --lumbarcds.data-dir="$work/data" \
  --server.port="$port" > "$work/server.log" 2>&1 &
pid=$!
await_ready "$work/server.log"

for run in 1 2; do
  start=$(date +%s)
  PYTHONPATH="$root/model/training" /usr/bin/python3 "$root/tests/demo/demo.py" --server "$base" \
    --cache "$work/cache" > "$work/demo-$run.log" 2>&1 || { cat "$work/demo-$run.log" >&2; exit 1; }
  echo "demo run $run: $(( $(date +%s) - start )) s"
  out="$work/demo-$run.log"
  check "run $run: red flag card" 1 "$(grep -c '\[critical\] Red flag in the record' "$out")"
  check "run $run: prior MRI card" 1 "$(grep -c '\[warning\] Recent lumbar MRI on record' "$out")"
  check "run $run: likely, long symptoms" 1 "$(grep -c 'likely (AI p=.*) with persistent symptoms: MRI recommended' "$out")"
  check "run $run: likely, short symptoms" 1 "$(grep -c 'symptoms recent: conservative care first' "$out")"
  check "run $run: unlikely" 1 "$(grep -c '\[warning\] Severe lumbar stenosis unlikely' "$out")"
  check "run $run: indeterminate" 1 "$(grep -c 'indeterminate (AI p=' "$out")"
  check "run $run: missing view" 1 "$(grep -c 'No usable AI radiograph result' "$out")"
  check "run $run: a viewer link per case" 7 "$(grep -c 'viewer: ' "$out")"
done
cat "$work/demo-1.log"

# every viewer link opens its result (the token in the fragment, sent as a bearer token)
opened=0
while read -r url; do
  id=${url#*/viewer/}; id=${id%%#*}; token=${url#*#access=}
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$base/viewer/api/$id")
  [ "$status" = 200 ] && opened=$((opened + 1))
done < <(grep -o 'viewer: .*' "$work/demo-2.log" | cut -d' ' -f2)
check "each viewer link opens its result" 7 "$opened"

summary=$(curl -s "$base/ops/api/summary?days=1")
field() { python3 -c "import json,sys; d=json.loads(sys.argv[1]); print($2)" "$summary"; }
check "operations view: the demo's 11 analyses, once each" 11 "$(field "$summary" "d['jobs']['tasks']['completed']")"
check "operations view: one quality failure (missing view)" 1 "$(field "$summary" "d['results']['qualityFailures']")"
check "operations view: feedback of both runs" 4 "$(field "$summary" "d['feedback']['feedback']")"
check "no analysis failed" 0 "$(field "$summary" "d['jobs']['tasks']['failed']")"
echo "demo smoke test: $passed checks passed"
