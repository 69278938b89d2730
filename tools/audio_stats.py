#!/usr/bin/env python
"""Print per-column mean and standard deviation of a window set's audio features.

    python tools/audio_stats.py data_build/mapdat_realistic [--split train]

These are the reference statistics ``pose_audio_refine.audio.FEATURE_MEAN`` / ``FEATURE_STD`` that MAPnet's
``audio_norm=True`` standardises with (the numbers there came from this command on the default build). A model
copies them into its state_dict, so editing the constants later never changes shipped weights.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def audio_stats(root, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """``(35,)`` mean and ``(35,)`` standard deviation of every audio row of a split (float64)."""
    from training.benchmark import open_set

    data, _ = open_set(root, split)
    audio = np.asarray(data["audio"], dtype=np.float64)
    if audio.ndim != 3 or audio.shape[0] == 0:
        raise ValueError(f"{root} {split}: expected (N, 150, 35) audio features, got {audio.shape}")
    if not np.asarray(data["has_audio"]).any():
        raise ValueError(f"{root} {split}: this window set has no audio")
    rows = audio.reshape(-1, audio.shape[-1])
    return rows.mean(axis=0), rows.std(axis=0)


def main(argv=None) -> tuple[np.ndarray, np.ndarray]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("root", help="a built window set (tools/build_mapdat.py)")
    p.add_argument("--split", default="train", choices=("train", "val", "test"))
    args = p.parse_args(argv)
    from pose_audio_refine.audio import FEATURE_NAMES

    mean, std = audio_stats(args.root, args.split)
    print(f"{'column':>14s} {'mean':>12s} {'std':>10s}")
    for name, m, s in zip(FEATURE_NAMES, mean, std):
        print(f"{name:>14s} {m:12.4f} {s:10.4f}")
    fmt = lambda v: ", ".join(f"{x:.4f}".rstrip("0").rstrip(".") for x in v)  # noqa: E731
    print(f"\nFEATURE_MEAN = ({fmt(mean)},)\nFEATURE_STD = ({fmt(std)},)")
    return mean, std


if __name__ == "__main__":
    main()
