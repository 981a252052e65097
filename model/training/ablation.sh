#!/usr/bin/env bash
# The fusion ablation (docs/model-report.md, "Which fusion"): the same phantoms, caches, split and
# seed for every variant; each trained, then scored by lumbarcds_training.ablation.
#
#   model/training/ablation.sh WORK_DIR [data|train|table|all] [EPOCHS]
#
# data:  5,000 internal-site and 1,000 external-site phantoms (medium), caches at 320 x 256 and
#        480 x 384, and the exact-sign oracle (WORK_DIR/oracle.json)
# train: every variant below (or those named in ONLY="map linear"), then its predictions
#        (WORK_DIR/<variant>/predictions.npz), copied to model/ablation/<variant>.npz: the
#        ablation can be spread over several runs and machines, and the table read from the copies
# table: model/ablation/ablation.json and ablation.md from every variant's predictions there,
#        with the oracle (model/ablation/oracle.json, copied there by the data step)
# INTERNAL_PATIENTS and EXTERNAL_PATIENTS shrink the data for a smoke run; RESULTS puts the
# copies elsewhere (a smoke run must not overwrite the recorded ones).
# PARALLEL (default 1) trains that many variants at once: on a GPU all of them fit together; on
# the 2-core CPU machine one at a time takes about 45 minutes per 320 x 256 variant.
set -euo pipefail
work=${1:?usage: ablation.sh WORK_DIR [data|train|table|all] [EPOCHS]}
phase=${2:-all}
epochs=${3:-8}
py=${PYTHON:-/usr/bin/python3}
parallel=${PARALLEL:-1}
here=$(cd "$(dirname "$0")" && pwd)
results=${RESULTS:-$(cd "$here/../.." && pwd)/model/ablation}
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p "$work" "$results"
step() { echo "== $(date -u +%H:%M:%S) $*"; }
tool() { local name=$1; shift; "$py" -m "lumbarcds_training.$name" "$@"; }
# one BLAS thread per worker process: the data steps run a process per core
data() { OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 tool "$@"; }

# name | cache | train options
VARIANTS=(
  "linear|320|--fusion linear"
  "linear-noaux|320|--fusion linear --aux-weight 0"
  "linear-photometric|320|--fusion linear --geometric none"
  "linear-mirror|320|--fusion linear --geometric mirror"
  "mlp|320|--fusion mlp"
  "map|320|--fusion map"
  "linear-480|480|--fusion linear"
  "map-480|480|--fusion map"
  "linear-16|320|--fusion linear --epochs 16"
  "map-16|320|--fusion map --epochs 16"
)

selected() { [[ -z ${ONLY:-} || " $ONLY " == *" $1 "* ]]; }
# the cache sizes the selected variants need
sizes=()
for v in "${VARIANTS[@]}"; do
  IFS='|' read -r name size _ <<<"$v"
  selected "$name" && [[ " ${sizes[*]} " != *" $size "* ]] && sizes+=("$size")
done

if [[ $phase == data || $phase == all ]]; then
  step "phantoms"
  [ -f "$work/internal/labels.csv" ] || data phantom "$work/internal" --site internal \
    --patients "${INTERNAL_PATIENTS:-5000}" --seed 1 --size medium
  [ -f "$work/external/labels.csv" ] || data phantom "$work/external" --site external \
    --patients "${EXTERNAL_PATIENTS:-1000}" --seed 2 --size medium
  step "caches (${sizes[*]})"
  for size in "${sizes[@]}"; do
    for set in internal external; do
      if [[ $size == 320 ]]; then
        [ -f "$work/$set.npz" ] || data preprocess "$work/$set" "$work/$set.npz"
      else
        [ -f "$work/$set-480.npz" ] || data preprocess "$work/$set" "$work/$set-480.npz" \
          --height 480 --width 384
      fi
    done
  done
  step "oracle"
  tool oracle "$work/oracle.json" --internal-patients "${INTERNAL_PATIENTS:-5000}" \
    --external-patients "${EXTERNAL_PATIENTS:-1000}"
  cp "$work/oracle.json" "$results/oracle.json"
fi

if [[ $phase == train || $phase == all ]]; then
  step "training ${#VARIANTS[@]} variants, $epochs epochs, $parallel at a time"
  running=0
  for v in "${VARIANTS[@]}"; do
    IFS='|' read -r name size options <<<"$v"
    selected "$name" || continue
    suffix=$([[ $size == 480 ]] && echo -480 || true)
    (
      # shellcheck disable=SC2086
      tool train "$work/internal$suffix.npz" "$work/$name" --epochs "$epochs" $options \
        --threads "${THREADS:-2}" >"$work/$name.log" 2>&1 &&
        tool ablation predict "$work/$name" "$work/internal$suffix.npz" \
          "$work/external$suffix.npz" >>"$work/$name.log" 2>&1 &&
        cp "$work/$name/predictions.npz" "$results/$name.npz" &&
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
    [ -f "$results/$name.npz" ] && args+=("$name=$results/$name.npz")
  done
  tool ablation table "$results/ablation.json" "${args[@]}" --oracle "$results/oracle.json" \
    --baseline linear --markdown "$results/ablation.md"
fi
step "done"
