#!/usr/bin/env bash
# The fusion ablation (docs/model-report.md, "Which fusion"): the same phantoms, caches, split and
# seed for every variant; each trained, then scored by lumbarcds_training.ablation.
#
#   model/training/ablation.sh WORK_DIR [data|train|table|all] [EPOCHS]
#
# data:  5,000 internal-site and 1,000 external-site phantoms (medium), caches at 320 x 256 and
#        480 x 384, and the exact-sign oracle (WORK_DIR/oracle.json)
# train: every variant below, then its predictions (WORK_DIR/<variant>/predictions.npz)
# table: WORK_DIR/ablation.json and ablation.md
# INTERNAL_PATIENTS and EXTERNAL_PATIENTS shrink the data for a smoke run.
# PARALLEL (default 1) trains that many variants at once: on a GPU all of them fit together; on
# the 2-core CPU machine one at a time takes about 45 minutes per 320 x 256 variant.
set -euo pipefail
work=${1:?usage: ablation.sh WORK_DIR [data|train|table|all] [EPOCHS]}
phase=${2:-all}
epochs=${3:-8}
py=${PYTHON:-/usr/bin/python3}
parallel=${PARALLEL:-1}
here=$(cd "$(dirname "$0")" && pwd)
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p "$work"
step() { echo "== $(date -u +%H:%M:%S) $*"; }
tool() { local name=$1; shift; "$py" -m "lumbarcds_training.$name" "$@"; }
# one BLAS thread per worker process: the data steps run a process per core
data() { OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 tool "$@"; }

# name | cache | train options
VARIANTS=(
  "linear|320|--fusion linear"
  "linear-noaux|320|--fusion linear --aux-weight 0"
  "linear-photometric|320|--fusion linear --no-geometric"
  "mlp|320|--fusion mlp"
  "map|320|--fusion map"
  "linear-480|480|--fusion linear"
  "map-480|480|--fusion map"
  "linear-16|320|--fusion linear --epochs 16"
  "map-16|320|--fusion map --epochs 16"
)

if [[ $phase == data || $phase == all ]]; then
  step "phantoms"
  [ -f "$work/internal/labels.csv" ] || data phantom "$work/internal" --site internal \
    --patients "${INTERNAL_PATIENTS:-5000}" --seed 1 --size medium
  [ -f "$work/external/labels.csv" ] || data phantom "$work/external" --site external \
    --patients "${EXTERNAL_PATIENTS:-1000}" --seed 2 --size medium
  step "caches"
  for set in internal external; do
    [ -f "$work/$set.npz" ] || data preprocess "$work/$set" "$work/$set.npz"
    [ -f "$work/$set-480.npz" ] || data preprocess "$work/$set" "$work/$set-480.npz" \
      --height 480 --width 384
  done
  step "oracle"
  tool oracle "$work/oracle.json" --internal-patients "${INTERNAL_PATIENTS:-5000}" \
    --external-patients "${EXTERNAL_PATIENTS:-1000}"
fi

if [[ $phase == train || $phase == all ]]; then
  step "training ${#VARIANTS[@]} variants, $epochs epochs, $parallel at a time"
  running=0
  for v in "${VARIANTS[@]}"; do
    IFS='|' read -r name size options <<<"$v"
    suffix=$([[ $size == 480 ]] && echo -480 || true)
    (
      # shellcheck disable=SC2086
      tool train "$work/internal$suffix.npz" "$work/$name" --epochs "$epochs" $options \
        --threads "${THREADS:-2}" >"$work/$name.log" 2>&1 &&
        tool ablation predict "$work/$name" "$work/internal$suffix.npz" \
          "$work/external$suffix.npz" >>"$work/$name.log" 2>&1 &&
        echo "   $name: $(grep '^best epoch' "$work/$name.log")" ||
        echo "   $name: FAILED (see $work/$name.log)"
    ) &
    running=$((running + 1))
    if ((running >= parallel)); then
      wait -n || true
      running=$((running - 1))
    fi
  done
  wait
fi

if [[ $phase == table || $phase == all ]]; then
  step "table"
  args=()
  for v in "${VARIANTS[@]}"; do
    name=${v%%|*}
    [ -f "$work/$name/predictions.npz" ] && args+=("$name=$work/$name")
  done
  tool ablation table "$work/ablation.json" "${args[@]}" --oracle "$work/oracle.json" \
    --baseline linear --markdown "$work/ablation.md"
fi
step "done"
