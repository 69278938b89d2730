#!/usr/bin/env python
"""How much does the audio say about the bowing wrist that the noisy poses do not?

    python tools/audio_information.py [--data-root data_build/mapdat_realistic --data-root data_build/mapdat_paper]

A model-free check of the premise, on MAPdat windows (3 s, 50 fps grid). For every window the bowing wrist's
(RMWR) motion is projected on the main axis of its *noisy, smoothed* input track; two least-squares fits on the
train split then predict the true motion along that axis on the test split:

* pose-only: ``a * input``;
* pose + audio: ``a * input + b * signed loudness integral`` (RMS summed with a sign flip at each onset, the
  channel MAPnet's ``loudness_integral=True`` adds; its sign is matched to the input's).

It prints the mean absolute error of both, and of the second with another window's audio (shuffled). The gap
between the first two is what a network can gain from the audio on this joint; the other 12 joints' motion
makes no sound (sway, breath) or little (the left arm).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WRIST = 5  # RMWR in telmi13


def axis_signals(root, split: str, tau: str, max_windows: int, smooth_frames: float = 3.0,
                 shuffle_seed: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(N, 150)`` input motion, true motion and signed loudness integral along each window's input axis (mm,
    mm, unitless). ``shuffle_seed`` pairs every window with the audio of a different take."""
    import torch
    from scipy.ndimage import gaussian_filter1d

    from pose_audio_refine.models.mapnet import signed_loudness_integral
    from pose_audio_refine.pipeline import grid_windows
    from training.benchmark import open_set, shuffled_audio_clips, subset_indices, window_batch

    data, _ = open_set(root, split)
    if not np.asarray(data["has_audio"]).all():
        raise SystemExit(f"error: {root} has no audio")
    idx = subset_indices(int(np.asarray(data["clip_index"]).shape[0]), max_windows)
    b = window_batch(data, tau, idx)
    x = grid_windows(b["inputs"], np.arange(b["inputs"].shape[1]) / b["fps"], unswap=False)[:, :, WRIST]
    x = gaussian_filter1d(x, smooth_frames, axis=1, mode="nearest")
    x -= x.mean(axis=1, keepdims=True)
    g = b["gt"][:, :, WRIST] - b["gt"][:, :, WRIST].mean(axis=1, keepdims=True)
    clips = b["clip"] if shuffle_seed is None else shuffled_audio_clips(data, b["clip"], shuffle_seed)
    z = signed_loudness_integral(torch.from_numpy(np.asarray(data["audio"])[clips]).double()).numpy()
    P, G, Z = [], [], []
    for xi, gi, zi in zip(x, g, z):
        axis = np.linalg.svd(xi, full_matrices=False)[2][0]
        p = xi @ axis
        P.append(p), G.append(gi @ axis), Z.append((np.sign(p @ zi) or 1.0) * zi)
    return np.array(P), np.array(G), np.array(Z)


def main(argv=None) -> list[dict]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-root", action="append", help="MAPdat build(s) (default: realistic and paper)")
    p.add_argument("--windows", type=int, default=600, help="evenly spaced windows per split and τ")
    args = p.parse_args(argv)
    from training.take_windows import TAUS

    roots = args.data_root or ["data_build/mapdat_realistic", "data_build/mapdat_paper"]
    rows = []
    print("| set | τ | wrist motion along its axis | pose-only fit error | pose + audio fit error | "
          "pose + shuffled audio | audio gain |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for root in roots:
        for tau in ("tau100", "tau033"):
            P, G, Z = axis_signals(root, "train", tau, args.windows)
            a = np.linalg.lstsq(P.reshape(-1, 1), G.ravel(), rcond=None)[0]
            ab = np.linalg.lstsq(np.stack([P.ravel(), Z.ravel()], 1), G.ravel(), rcond=None)[0]
            P, G, Z = axis_signals(root, "test", tau, args.windows)
            _, _, Zs = axis_signals(root, "test", tau, args.windows, shuffle_seed=0)
            row = {"set": Path(root).name, "tau": tau, "motion_mm": float(np.abs(G).mean()),
                   "pose_only_mm": float(np.abs(G - a[0] * P).mean()),
                   "pose_audio_mm": float(np.abs(G - ab[0] * P - ab[1] * Z).mean()),
                   "pose_shuffled_mm": float(np.abs(G - ab[0] * P - ab[1] * Zs).mean())}
            row["gain"] = 1.0 - row["pose_audio_mm"] / row["pose_only_mm"]
            rows.append(row)
            print(f"| {row['set']} | {TAUS[tau]:g} fps | {row['motion_mm']:.1f} | {row['pose_only_mm']:.1f} | "
                  f"{row['pose_audio_mm']:.1f} | {row['pose_shuffled_mm']:.1f} | {100 * row['gain']:.1f} % |",
                  flush=True)
    return rows


if __name__ == "__main__":
    main()
