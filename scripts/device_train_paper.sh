#!/usr/bin/env bash
# Train the paper-size MAPnet and PoT side by side on one GPU machine, in one call, and export float16 weights.
#
#   bash scripts/device_train_paper.sh            # on the GPU machine, from the repository root; results in $OUT
#
# The machine has torch (with CUDA) but no registry, so everything else arrives with the working tree in an ignored
# folder, .devcarry/ (made here by scripts/pack_device_carry.sh):
#   .devcarry/whl/         wheels of mmengine, librosa and what they need that the machine lacks;
#   .devcarry/data_build/  the real-motion sets' *train* splits (ground truth + audio features, float16 audio):
#                          their mp3 decoding needs the ffmpeg binary wheel, too large to carry.
# MAPdat (realistic) itself is rebuilt there from the simulator: faster than carrying 2.4 GB.
# Knobs (environment): DEADLINE_S (stop training this many seconds after the start, default 470), TAKES (200),
# WORKERS (16), MAX_ITERS (the configs' 4000), EXTRA (more --cfg-options for both runs).
set -u
T0=$(date +%s)
OUT=${OUT:-outputs/device}
mkdir -p "$OUT"
DEADLINE_S=${DEADLINE_S:-470}
STEPS="$OUT/steps.log"
log() { echo "[$(( $(date +%s) - T0 )) s] $*" | tee -a "$STEPS"; }

if [ -d .devcarry/whl ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \
    .devcarry/whl/*.whl >>"$STEPS" 2>&1 || { log "wheel install failed"; exit 1; }
  export PYTHONPATH=/tmp/site:$PWD
else
  export PYTHONPATH=$PWD
fi
export OMP_NUM_THREADS=1 PYTHONUNBUFFERED=1
nvidia-smi -L >>"$STEPS" 2>&1
python3 -c "import torch, mmengine, librosa, training.engine, training.mapdat; \
print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'mmengine', mmengine.__version__, \
'librosa', librosa.__version__)" >>"$STEPS" 2>&1 || { log "imports failed"; cat "$STEPS"; exit 1; }
log "imports ok"

mkdir -p data_build
for s in real_dance real_mocap; do
  [ -d "data_build/$s" ] || cp -r ".devcarry/data_build/$s" data_build/
done
# Preflight: three takes with one process, so a broken library fails in seconds, not at the build's end. (Seen
# 2026-11-26 on an H200 machine: its image's numba segfaulted inside librosa.onset.onset_detect -> peak_pick, and
# the pool then waited for ever; training/mapdat.py now raises instead.) The build runs with numba's JIT off:
# librosa's numba functions then run as plain Python, and the features came out bit-identical (checked on the CPU
# machine, 3 takes) and no slower for this builder.
export NUMBA_DISABLE_JIT=1
timeout 120 python3 tools/build_mapdat.py --preset realistic --out /tmp/preflight --takes 3 \
  --workers 1 --no-progress >>"$STEPS" 2>&1 || { log "preflight build failed"; tail -30 "$STEPS"; exit 1; }
log "preflight build ok"
if [ ! -f data_build/mapdat_realistic/meta.json ]; then
  python3 tools/build_mapdat.py --preset realistic --out data_build/mapdat_realistic --takes "${TAKES:-200}" \
    --workers "${WORKERS:-16}" --no-progress >>"$STEPS" 2>&1 || { log "MAPdat build failed"; cat "$STEPS"; exit 1; }
fi
log "MAPdat realistic built"
unset NUMBA_DISABLE_JIT

CONFIGS="configs/mapnet/mapnet_paper_grid.py configs/baselines/pot_paper_grid.py"
PIDS=""
for c in $CONFIGS; do
  n=$(basename "$c" .py)
  args=("$c" --work-dir "work_dirs/$n")
  [ -n "${MAX_ITERS:-}" ] && args+=(--max-iters "$MAX_ITERS")
  [ -n "${EXTRA:-}" ] && args+=(--cfg-options $EXTRA)
  python3 tools/train.py "${args[@]}" >"$OUT/$n.log" 2>&1 &
  PIDS="$PIDS $!"
done
log "training:$PIDS"
while [ $(( $(date +%s) - T0 )) -lt "$DEADLINE_S" ]; do
  alive=0
  for p in $PIDS; do kill -0 "$p" 2>/dev/null && alive=1; done
  [ $alive = 0 ] && break
  sleep 5
done
for p in $PIDS; do kill -0 "$p" 2>/dev/null && { log "deadline: stopping $p"; kill "$p"; }; done
wait
log "training stopped"

for c in $CONFIGS; do
  n=$(basename "$c" .py)
  ck=$(ls -t work_dirs/"$n"/best_pose_mpjpe_iter_*.pth 2>/dev/null | head -1)
  [ -z "$ck" ] && ck=$(cat "work_dirs/$n/last_checkpoint" 2>/dev/null)
  if [ -z "$ck" ]; then log "$n: no checkpoint"; continue; fi
  python3 tools/export_weights.py "$c" "$ck" --out "$OUT/$n.pth" --half \
    --command "bash scripts/device_train_paper.sh (one GPU): python tools/train.py $c" >>"$STEPS" 2>&1 \
    && log "$n: exported $ck" || log "$n: export failed"
done
log "done"
