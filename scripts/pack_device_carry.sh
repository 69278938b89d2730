#!/usr/bin/env bash
# Fill .devcarry/ (ignored by git) with what scripts/device_train_paper.sh needs on a GPU machine that reaches no
# registry: wheels for its Python 3.12, and the real-motion sets' train splits (needs data_build/real_dance and
# data_build/real_mocap built here first, see README). About 41 MB, under the 64 MiB a call may carry.
set -euo pipefail
cd "$(dirname "$0")/.."
grep -qx '/.devcarry/' .git/info/exclude 2>/dev/null || echo '/.devcarry/' >> .git/info/exclude
mkdir -p .devcarry/whl
python -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
  --platform manylinux2014_x86_64 -d .devcarry/whl \
  mmengine==0.10.7 addict==2.4.0 yapf==0.43.0 termcolor==3.3.0 platformdirs==4.14.8 librosa==0.11.0 \
  audioread==3.1.0 decorator==5.3.1 pooch==1.9.0 soundfile==0.13.1 cffi==2.1.1 pycparser==3.12 soxr==1.1.0
python - <<'PY'
import shutil
from pathlib import Path

import numpy as np

# Training with online noise reads only these arrays of a build (training/engine/dataset.py).
for name in ("real_dance", "real_mocap"):
    src, dst = Path("data_build") / name, Path(".devcarry/data_build") / name
    (dst / "train").mkdir(parents=True, exist_ok=True)
    shutil.copy(src / "meta.json", dst / "meta.json")
    for f in ("gt", "audio", "nonlinearity_mm", "fine", "clip_take_index"):
        a = np.load(src / "train" / f"{f}.npy")
        np.save(dst / "train" / f"{f}.npy", a.astype(np.float16) if f == "audio" else a)  # features: 3-4 digits do
PY
du -sh .devcarry
