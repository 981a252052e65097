#!/usr/bin/env bash
# DICOMweb benchmark: STOW-RS ingest of film-size phantom studies (2500 x 2048, 12-bit DX, ~10 MB
# per instance) into the server's embedded store and into Orthanc, then the fetch of a three-view
# study (WADO-RS metadata + 3 instances through the project's client) from each, p50/p95.
#
#   tests/bench/dicomweb.sh [STUDIES] [FETCH_RUNS]
#
# Needs the built server (mvn -DskipTests install), orthanc + orthanc-dicomweb, and Debian's
# python3-numpy python3-scipy python3-pil python3-pydicom for the phantoms.
set -euo pipefail
studies=${1:-10}
runs=${2:-40}
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
export PYTHONPATH="$root/model/training${PYTHONPATH:+:$PYTHONPATH}"  # the lumbarcds_training package
/usr/bin/python3 -m lumbarcds_training.phantom "$work/studies" --patients "$studies" \
  --size film --seed 5 >/dev/null
echo "# $studies studies, $(du -sh "$work/studies" | cut -f1) of film-size DX"

port=$(free_port)
java -jar "$(ls "$root"/server/target/lumbar-cds-server-*-exec.jar | head -n 1)" \
  --lumbarcds.data-dir="$work/data" --server.port="$port" > "$work/server.log" 2>&1 &
pids+=($!)
oport=$(free_port)
cat > "$work/orthanc.json" <<JSON
{"Name": "bench", "StorageDirectory": "$work/orthanc", "IndexDirectory": "$work/orthanc",
 "HttpPort": $oport, "DicomPort": $(free_port), "RemoteAccessAllowed": false,
 "AuthenticationEnabled": false, "Plugins": ["/usr/share/orthanc/plugins/libOrthancDicomWeb.so"],
 "DicomWeb": {"Enable": true, "Root": "/dicom-web/"}}
JSON
Orthanc "$work/orthanc.json" > "$work/orthanc.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$port/actuator/health/readiness" >/dev/null \
    && curl -sf "http://127.0.0.1:$oport/system" >/dev/null && break
  sleep 1
done

cd "$root"
mvn -q -pl cds-services -am test-compile -Dfuzz.skip
mvn -q -pl cds-services dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" >/dev/null
cp="cds-services/target/test-classes:cds-services/target/classes:$(cat "$work/cp.txt")"
for target in "embedded http://127.0.0.1:$port/dicomweb" "orthanc http://127.0.0.1:$oport/dicom-web"; do
  # shellcheck disable=SC2086
  set -- $target
  java -cp "$cp" org.lumbarcds.cds.imaging.DicomWebBenchmark "$1" "$2" - "$work/studies" "$runs" \
    2>/dev/null
done
