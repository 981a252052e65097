#!/usr/bin/env bash
# The whole reference-model pipeline in one command (the README's five steps): phantoms, caches,
# training, evaluation (writes docs/model-report.md) and export into model/reference.
#
#   model/training/full_run.sh WORK_DIR [EPOCHS] [BACKBONE] [VERSION]
#
# PYTHON picks the interpreter (default /usr/bin/python3, Debian's). On a machine with a CUDA GPU
# train.py and evaluate.py use it; phantoms and caches use every core.
set -euo pipefail
work=${1:?usage: full_run.sh WORK_DIR [EPOCHS] [BACKBONE] [VERSION]}
epochs=${2:-8}
backbone=${3:-small}
version=${4:-1.1.0}
py=${PYTHON:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
parity="$root/model/src/test/resources/inference/parity"
mkdir -p "$work"
step() { echo "== $(date -u +%H:%M:%S) $*"; }

step "phantoms: 5,000 internal-site patients, 1,000 external-site"
[ -f "$work/internal/labels.csv" ] || "$py" "$here/phantom.py" "$work/internal" --site internal \
  --patients 5000 --seed 1 --size medium
[ -f "$work/external/labels.csv" ] || "$py" "$here/phantom.py" "$work/external" --site external \
  --patients 1000 --seed 2 --size medium
step "caches"
[ -f "$work/internal.npz" ] || "$py" "$here/preprocess.py" "$work/internal" "$work/internal.npz"
[ -f "$work/external.npz" ] || "$py" "$here/preprocess.py" "$work/external" "$work/external.npz"
step "training ($backbone, $epochs epochs)"
"$py" "$here/train.py" "$work/internal.npz" "$work/run" --epochs "$epochs" --backbone "$backbone"
step "evaluation"
"$py" "$here/evaluate.py" "$work/run" "$work/internal.npz" "$work/external.npz" \
  --report "$root/docs/model-report.md"
step "export"
"$py" "$here/export.py" "$work/run" "$root/model/reference" --version "$version" \
  --parity "$parity/INT00000" "$parity/EXT00001"
step "done: run mvn verify to check the new model against its card and parity file"
