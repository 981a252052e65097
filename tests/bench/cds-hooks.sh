#!/usr/bin/env bash
# CDS Hooks and analysis benchmark: film-size phantom studies (2500 x 2048, 12-bit DX) stored with
# their Patient and active order (lumbarcds_training.stow), then
#   - the order-complete hook analysing synchronously (a third of the orders; five warm up),
#   - order completed -> Observation stored, one order at a time (a third; two warm up),
#   - sustained throughput: the last third completed at once,
#   - the viewer page's data (basis, views, 3 radiographs, 3 heatmaps) per result, cold and warm,
#   - order-sign with a stored result at 1, 8 and 32 concurrent clients (signed client JWTs).
# The server runs from its jar with analyses queued on order completion only, so that the
# studies' arrival does not analyse them before the measurements.
#
#   tests/bench/cds-hooks.sh [STUDIES] [SIGN_REQUESTS]
#
# STUDIES 0: order-sign alone, for a patient with a stored result (no phantoms needed).
#
# Needs the built server (mvn -DskipTests install) and Debian's python3-numpy python3-scipy
# python3-pil python3-pydicom for the phantoms.
set -euo pipefail
studies=${1:-45}
requests=${2:-2000}
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
cd "$root"
tests_classpath
jwks=$(java -cp "$cp" org.lumbarcds.tests.CdsHooksBenchmark keys "$work/key.json")
# cached-results 64: every result's page stays kept (45 studies), so that a first opening measures
# a prepared page or a study read, never an eviction
start_server "$work/server.log" --lumbarcds.data-dir="$work/data" \
  --lumbarcds.analysis.triggers=order-completed --lumbarcds.viewer.cached-results=64 \
  --lumbarcds.cds-hooks.issuers[0].issuer=https://bench.test \
  "--lumbarcds.cds-hooks.issuers[0].jwks=$jwks"
if [ "$studies" = 0 ]; then
  # order-sign alone, for a patient with a stored result made by the benchmark (no studies)
  java -cp "$cp" org.lumbarcds.tests.CdsHooksBenchmark sign "http://127.0.0.1:$port" \
    "$work/key.json" https://bench.test "$requests"
  exit
fi
film_phantoms "$studies"
/usr/bin/python3 -m lumbarcds_training.stow "http://127.0.0.1:$port/dicomweb" "$phantoms" \
  --fhir "http://127.0.0.1:$port/fhir" > "$work/stow.log"
tail -n 1 "$work/stow.log"
java -cp "$cp" org.lumbarcds.tests.CdsHooksBenchmark run "http://127.0.0.1:$port" \
  "$work/key.json" https://bench.test "$requests" 2> "$work/bench.err" \
  || { tail -n 20 "$work/bench.err"; tail -n 40 "$work/server.log"; exit 1; }
