#!/usr/bin/env bash
# Inference benchmark: one phantom study of three film-size (2500 x 2048, 12-bit) DICOM files
# read from disk, decoded, rendered, preprocessed and run through the reference model with DJL;
# the model alone through DJL and the raw ONNX Runtime Java API; and the same model in PyTorch
# eager mode on CPU, in one run on the same machine.
#
#   tests/bench/inference.sh [WARMUP] [RUNS] [THREADS]
#
# Needs Debian's python3-torch python3-numpy python3-scipy python3-pil python3-pydicom.
# Builds the model module's test classes (mvn -q -pl model -am test-compile).
set -euo pipefail
warmup=${1:-5}
runs=${2:-40}
threads=${3:-$(nproc)}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
card="$root/model/reference/lumbar-cds-lss-3view-phantom.card.json"
export PYTHONPATH="$root/model/training${PYTHONPATH:+:$PYTHONPATH}"  # the lumbarcds_training package

/usr/bin/python3 -m lumbarcds_training.phantom "$work/study" --patients 1 --size film \
  --seed 99 --workers 1 >/dev/null
study="$work/study/INT00000"
ls -l "$study"/*.dcm | awk '{print "# " $9 ": " $5 " bytes"}' | sed "s|$work/study/||"
echo "# $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"

cd "$root"
mvn -q -pl model -am test-compile
mvn -q -pl model dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" >/dev/null
cp="model/target/test-classes:model/target/classes:$(cat "$work/cp.txt")"
echo "## lumbar-cds: DJL + ONNX Runtime ($(java -version 2>&1 | head -n 1)), $threads threads"
java -cp "$cp" org.lumbarcds.model.inference.InferenceBenchmark "$warmup" "$runs" "$card" \
  "$study" "$threads" 2>/dev/null
echo "## PyTorch eager"
/usr/bin/python3 -m lumbarcds_training.bench_torch "$card" "$study" --warmup "$warmup" \
  --runs "$runs" --threads "$threads"
