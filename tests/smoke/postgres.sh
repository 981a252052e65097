#!/usr/bin/env bash
# Smoke test of the `postgres` profile against a real PostgreSQL: the server creates its schema,
# loads the terminology, stores and finds a Patient, stores a phantom study through STOW-RS (its
# catalogue table and ImagingStudy on PostgreSQL), and comes back after a restart.
#
#   LUMBARCDS_DB_URL=jdbc:postgresql://127.0.0.1:5432/lumbarcds_smoke LUMBARCDS_DB_USER=... \
#   LUMBARCDS_DB_PASSWORD=... tests/smoke/postgres.sh
#
# Needs the built server jar (mvn -DskipTests install) and an empty database; postgres-local.sh
# makes one on a throw-away cluster and runs this (`mvn verify -Pinstalled-tools` does).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

start() {
  SPRING_PROFILES_ACTIVE=postgres java -jar "$jar" --lumbarcds.data-dir="$work/data" \
    --server.port="$port" > "$work/server-$1.log" 2>&1 &
  pid=$!
  await_ready "$work/server-$1.log"
}
stop() { kill $pid; wait $pid 2>/dev/null || true; pid=; }

start 1
grep -q 'org.postgresql' "$work/server-1.log" || { echo "FAIL: not on PostgreSQL" >&2; exit 1; }
status=$(curl -s -o "$work/created.json" -w '%{http_code}' -X POST "$base/fhir/Patient" \
  -H 'Content-Type: application/fhir+json' \
  -d '{"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.3.4.5.6.1","value":"PG-SMOKE-1"}],"gender":"female"}')
check "Patient created" 201 "$status"
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$work/created.json")
total() { curl -s "$base/fhir/$1" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("total"))'; }
check "Patient found by identifier" 1 "$(total 'Patient?identifier=urn:oid:1.2.3.4.5.6.1%7CPG-SMOKE-1&_summary=count')"
check "MRI code validates in its ValueSet" true "$(curl -s "$base/fhir/ValueSet/\$validate-code?url=http://lumbarcds.org/fhir/ValueSet/lumbar-mri&system=http://loinc.org&code=30679-5" \
  | python3 -c 'import json,sys; p=json.load(sys.stdin)["parameter"]; print(str([x for x in p if x["name"]=="result"][0]["valueBoolean"]).lower())')"
PYTHONPATH="$root/model/training" /usr/bin/python3 -m lumbarcds_training.stow "$base/dicomweb" \
  --patients 1 --seed 11 --fhir "$base/fhir" > "$work/stow.log" 2>&1 || { cat "$work/stow.log" >&2; exit 1; }
check "phantom study stored through STOW-RS" 1 "$(curl -s "$base/dicomweb/studies?PatientID=INT00000" \
  | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
check "its ImagingStudy is linked to the patient and the order" 1 \
  "$(total 'ImagingStudy?subject:Patient.identifier=INT00000&basedon:ServiceRequest.identifier=AINT00000&_summary=count')"
stop

start 2
check "DICOM store survives a restart" 200 "$(curl -s -o /dev/null -w '%{http_code}' \
  "$base/dicomweb/studies/$(curl -s "$base/dicomweb/studies?PatientID=INT00000" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["0020000D"]["Value"][0])')/metadata")"
check "Patient survives a restart" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$base/fhir/Patient/$id")"
check "terminology unchanged on restart" "0 created, 0 updated, 15 unchanged" \
  "$(grep -o 'Terminology loaded: .*' "$work/server-2.log" | sed 's/Terminology loaded: //')"
stop
echo "postgres smoke: $passed passed, 0 failed"
