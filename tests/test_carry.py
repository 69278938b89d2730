"""Compact copies of MAPdat builds (training/carry.py, tools/pack_mapdat.py)."""
from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from training.carry import GT_STEP_MM, pack_build, unpack_build
from training.engine.dataset import MAPdatWindows
from training.mapdat import load_split


def test_pack_unpack_round_trip_and_training_reads_it(mini_build, tmp_path):
    build = mini_build
    packed = pack_build(build, tmp_path / "packed", splits=("train", "val"))
    out = unpack_build(packed, tmp_path / "unpacked")
    for split in ("train", "val"):
        a, b = load_split(build, split), load_split(out, split)
        assert np.abs(np.asarray(a["gt"], dtype=np.float64) - b["gt"]).max() <= GT_STEP_MM / 2 + 1e-3
        np.testing.assert_allclose(b["audio"].astype(np.float32), a["audio"], rtol=1e-3, atol=1e-3)
        for k in ("nonlinearity_mm", "fine", "window_start_s", "clip_take_index", "clip_take_id"):
            np.testing.assert_array_equal(a[k], b[k])
        assert "inputs_tau033" not in b  # no stored noisy inputs: training with online noise only
    # far smaller than the arrays it replaces (each take stored once, int16 / float16)
    orig = sum((build / s / f"{k}.npy").stat().st_size for s in ("train", "val") for k in ("gt", "audio"))
    assert sum(f.stat().st_size for f in packed.glob("*.npz")) < 0.4 * orig
    # the same training samples (same noise draws) from either copy
    kw = dict(split="train", input_mode="grid", online_noise=["realistic", "paper"], repeats=2)
    ds_a, ds_b = MAPdatWindows(data_root=str(build), **kw), MAPdatWindows(data_root=str(out), **kw)
    assert len(ds_a) == len(ds_b)
    for i in range(len(ds_a)):
        x, y = ds_a[i], ds_b[i]
        torch.testing.assert_close(y["gt"], x["gt"], rtol=0, atol=0.06)
        torch.testing.assert_close(y["poses"], x["poses"], rtol=0, atol=0.5)
        assert x["category"] == y["category"]


def test_pack_refuses_clips_that_are_not_windows_of_one_take(mini_build, tmp_path):
    build = mini_build
    bad = tmp_path / "bad"
    shutil.copytree(build, bad)
    gt = np.load(bad / "train" / "gt.npy")
    gt[1, 0, 0, 0] += 5.0  # clip 1 no longer agrees with clip 0 where they overlap
    np.save(bad / "train" / "gt.npy", gt)
    with pytest.raises(ValueError, match="not a slice of its take"):
        pack_build(bad, tmp_path / "p", splits=("train",))
    with pytest.raises(ValueError, match="not a packed build"):
        unpack_build(build, tmp_path / "u")
