#!/usr/bin/env bash
# Fill .devcarry/ (ignored by git) with what scripts/device_train_paper.sh needs on a GPU machine that reaches no
# registry: wheels for its Python 3.12, and compact copies of the three training builds (build them here first,
# see README). About 35 MB, under the 64 MiB a call may carry beside the ~16 MB working tree.
set -euo pipefail
cd "$(dirname "$0")/.."
grep -qx '/.devcarry/' .git/info/exclude 2>/dev/null || echo '/.devcarry/' >> .git/info/exclude
mkdir -p .devcarry/whl
python -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
  --platform manylinux2014_x86_64 -d .devcarry/whl \
  mmengine==0.10.7 addict==2.4.0 yapf==0.43.0 termcolor==3.3.0 platformdirs==4.14.8 librosa==0.11.0 \
  audioread==3.1.0 decorator==5.3.1 pooch==1.9.0 soundfile==0.13.1 cffi==2.1.1 pycparser==3.12 soxr==1.1.0
# Each build's arrays for on-the-fly-noise training (training/carry.py): ~32 MB in all instead of ~3.4 GB.
rm -rf .devcarry/packed .devcarry/data_build
python tools/pack_mapdat.py pack data_build/mapdat_realistic .devcarry/packed/mapdat_realistic --splits train val
python tools/pack_mapdat.py pack data_build/real_dance .devcarry/packed/real_dance --splits train
python tools/pack_mapdat.py pack data_build/real_mocap .devcarry/packed/real_mocap --splits train
# The fast-stroke build (configs/mapnet/mapnet_fast.py), when it has been built.
if [ -f data_build/mapdat_fast/meta.json ]; then
  python tools/pack_mapdat.py pack data_build/mapdat_fast .devcarry/packed/mapdat_fast --splits train val
fi
du -sh .devcarry
