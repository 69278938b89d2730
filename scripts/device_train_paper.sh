#!/usr/bin/env bash
# Train the paper-size MAPnet and PoT on one GPU machine in one call, and export float16 weights.
#
#   bash scripts/device_train_paper.sh            # on the GPU machine, from the repository root; results in $OUT
#
# The machine has torch (with CUDA) but no registry, so everything else arrives with the working tree in an ignored
# folder, .devcarry/ (made here by scripts/pack_device_carry.sh):
#   .devcarry/whl/     wheels of mmengine, librosa and what they need that the machine lacks;
#   .devcarry/packed/  compact copies (training/carry.py) of the training builds: MAPdat realistic (train, val) and
#                      the real-motion sets' train splits.
# Measured on an H200 (2026-11-26, 100 iterations on the dance set): the paper-size MAPnet trains at 0.075-0.10 s an
# iteration (batch 64, 7 loader processes, 3.1 GB of GPU memory), so the configs' 4000 iterations take 5-7 min.
# Knobs (environment):
#   CONFIGS     configs to train side by side (default: both paper-size ones; one per call surely fits 4000
#               iterations, two side by side share the GPU and may not);
#   DEADLINE_S  stop training this many seconds after the start (default 470);
#   MAX_ITERS   overrides the configs' 4000 (the cosine schedule is shortened to match);
#   EXTRA       more --cfg-options for every run.
# The export takes the last checkpoint: the final iteration, as for the small models, or an earlier one if the
# deadline stopped a run.
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

# The training builds arrive packed: on the H200 image MAPdat cannot be rebuilt (seen 2026-11-26: librosa 0.11's
# onset detection segfaults in that image's numba (peak_pick), and with NUMBA_DISABLE_JIT=1 numba's type inference
# fails instead), and the real-motion sets need the ffmpeg binary wheel to decode their mp3s.
[ -d .devcarry/packed ] || { log "no .devcarry/packed: run scripts/pack_device_carry.sh here first"; exit 1; }
mkdir -p data_build
for p in .devcarry/packed/*/; do
  python3 tools/pack_mapdat.py unpack "$p" "data_build/$(basename "$p")" >>"$STEPS" 2>&1 \
    || { log "unpacking $p failed"; cat "$STEPS"; exit 1; }
done
log "training data ready"

CONFIGS=${CONFIGS:-"configs/mapnet/mapnet_paper_grid.py configs/baselines/pot_paper_grid.py"}
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
  ck=$(cat "work_dirs/$n/last_checkpoint" 2>/dev/null)
  if [ -z "$ck" ]; then log "$n: no checkpoint"; continue; fi
  python3 tools/export_weights.py "$c" "$ck" --out "$OUT/$n.pth" --half \
    --command "bash scripts/device_train_paper.sh (one GPU): python tools/train.py $c" >>"$STEPS" 2>&1 \
    && log "$n: exported $ck" || log "$n: export failed"
done
log "done"
