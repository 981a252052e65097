#!/usr/bin/env bash
# What the security layer costs: order-sign with a stored result (1, 8 and 32 clients; signed
# client JWTs as always) and a FHIR read of one Patient (1 and 8 clients), on the server started
# three times, one after the other:
#   open   no authorization server, audit trail off (lumbarcds.audit.enabled=false)
#   audit  no authorization server, audit trail on (the default)
#   oauth  an authorization server (its key given inline) and the audit trail: every FHIR call
#          carries an access token (RS384 signature, iss, aud, exp, SMART scopes checked)
#
#   [BENCH_MODES="open audit oauth"] tests/bench/security.sh [REQUESTS]
#
# Needs the built server (mvn -DskipTests install).
set -euo pipefail
requests=${1:-2000}
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
cd "$root"
tests_classpath
bench() { java -cp "$cp" org.lumbarcds.tests.CdsHooksBenchmark "$@"; }
jwks=$(bench keys "$work/key.json")
as_jwks=$(bench accesskeys "$work/as.json")
issuer=https://idp.bench.test/realms/hospital
audience=https://lumbar-cds.bench.test/fhir
as=--lumbarcds.security.authorization-servers[0]
for mode in ${BENCH_MODES:-open audit oauth}; do
  args=(--lumbarcds.data-dir="$work/data-$mode" --lumbarcds.analysis.triggers=order-completed
    --lumbarcds.cds-hooks.issuers[0].issuer=https://bench.test
    "--lumbarcds.cds-hooks.issuers[0].jwks=$jwks")
  token=
  case $mode in
    open) args+=(--lumbarcds.audit.enabled=false) ;;
    oauth)
      args+=("$as.issuer=$issuer" "$as.jwks=$as_jwks" "$as.audiences[0]=$audience")
      token=$(bench accesstoken "$work/as.json" "$issuer" "$audience" "system/*.cruds")
      ;;
  esac
  start_server "$work/server-$mode.log" "${args[@]}"
  echo "## $mode"
  BENCH_ACCESS_TOKEN=$token bench security "http://127.0.0.1:$port" "$work/key.json" \
    https://bench.test "$requests"
  kill "$server"
  wait "$server" 2>/dev/null || true
done
