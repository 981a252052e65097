#!/usr/bin/env bash
# The whole reference-model pipeline in one command (the README's five steps): phantoms, caches,
# training, the exact-sign oracle and the robustness table, evaluation (writes
# docs/model-report.md, quoting the fusion ablation's table from model/ablation/ when it is there)
# and export into model/reference.
#
#   model/training/full_run.sh WORK_DIR [EPOCHS] [BACKBONE] [VERSION] [FUSION]
#
# PYTHON picks the interpreter (default /usr/bin/python3, Debian's). On a machine with a CUDA GPU
# training and evaluation use it; phantoms and caches use every core. Each step is a module of the
# lumbarcds_training package (this folder on PYTHONPATH), as model/training/README.md runs them.
set -euo pipefail
work=${1:?usage: full_run.sh WORK_DIR [EPOCHS] [BACKBONE] [VERSION] [FUSION]}
epochs=${2:-8}
backbone=${3:-small}
version=${4:-1.1.0}
fusion=${5:-linear}
py=${PYTHON:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"
parity="$root/model/src/test/resources/inference/parity"
mkdir -p "$work"
step() { echo "== $(date -u +%H:%M:%S) $*"; }
tool() { local name=$1; shift; "$py" -m "lumbarcds_training.$name" "$@"; }
# one BLAS thread per worker process: the data steps run a process per core
data() { OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 tool "$@"; }

step "phantoms: 5,000 internal-site patients, 1,000 external-site"
[ -f "$work/internal/labels.csv" ] || data phantom "$work/internal" --site internal \
  --patients 5000 --seed 1 --size medium
[ -f "$work/external/labels.csv" ] || data phantom "$work/external" --site external \
  --patients 1000 --seed 2 --size medium
step "caches"
[ -f "$work/internal.npz" ] || data preprocess "$work/internal" "$work/internal.npz"
[ -f "$work/external.npz" ] || data preprocess "$work/external" "$work/external.npz"
step "training ($backbone, $fusion fusion, $epochs epochs)"
tool train "$work/internal.npz" "$work/run" --epochs "$epochs" --backbone "$backbone" \
  --fusion "$fusion"
step "oracle"
tool oracle "$work/oracle.json"
step "robustness: the 1,000 external-site studies changed"
tool robustness "$work/run" "$work/external" "$work/robustness.json" --studies 1000
step "evaluation"
ablation=()
table="$root/model/ablation/ablation.json"
[ -f "$table" ] && ablation=(--ablation "$table")
tool evaluate "$work/run" "$work/internal.npz" "$work/external.npz" \
  --report "$root/docs/model-report.md" --oracle "$work/oracle.json" \
  --robustness "$work/robustness.json" "${ablation[@]}"
step "export"
tool export "$work/run" "$root/model/reference" --version "$version" \
  --parity "$parity/INT00000" "$parity/EXT00001"
step "done: run mvn verify to check the new model against its card and parity file"
