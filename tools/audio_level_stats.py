#!/usr/bin/env python
"""Print per-column mean and std of ``relative_level`` features over augmented simulated audio.

    python tools/audio_level_stats.py [--takes 96] [--duration 21] [--seed 0] [--no-augment]

These are ``pose_audio_refine.audio.level.LEVEL_FEATURE_MEAN`` / ``LEVEL_FEATURE_STD``, the statistics a model
standardises the gain-invariant features with. The defaults reproduce the shipped constants: 96 takes of
21 s (seven 3 s windows each), alternating the synth and soundfont renderers, ``fast_strokes=0.3``, each take
through ``training.simulator.effects.augment_audio`` (random gain, room, noise, microphone, band limit).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def level_stats(takes: int = 96, duration_s: float = 21.0, seed: int = 0,
                augment: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``(35,)`` mean and ``(35,)`` standard deviation (float64) of every row of ``relative_level(windows)``."""
    from pose_audio_refine.audio.level import relative_level
    from training.audio_domain import simulated_windows

    windows = simulated_windows(takes, duration_s, seed=seed, augment=augment)
    rows = relative_level(windows.astype(np.float64)).reshape(-1, windows.shape[-1])
    return rows.mean(axis=0), rows.std(axis=0)


def main(argv=None) -> tuple[np.ndarray, np.ndarray]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--takes", type=int, default=96, help="simulated takes (renderers alternate)")
    p.add_argument("--duration", type=float, default=21.0, help="seconds per take")
    p.add_argument("--seed", type=int, default=0, help="first take seed")
    p.add_argument("--no-augment", action="store_true", help="clean renders, no augment_audio")
    args = p.parse_args(argv)
    from pose_audio_refine.audio import FEATURE_NAMES

    mean, std = level_stats(args.takes, args.duration, args.seed, not args.no_augment)
    print(f"{'column':>14s} {'mean':>12s} {'std':>10s}")
    for name, m, s in zip(FEATURE_NAMES, mean, std):
        print(f"{name:>14s} {m:12.4f} {s:10.4f}")
    fmt = lambda v: ", ".join(f"{x:.4f}".rstrip("0").rstrip(".") for x in v)
    print(f"\nLEVEL_FEATURE_MEAN = ({fmt(mean)},)\nLEVEL_FEATURE_STD = ({fmt(std)},)")
    return mean, std


if __name__ == "__main__":
    main()
