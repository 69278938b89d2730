"""The do-no-harm sweep: every method at every noise level, from none to the paper's, on every set.

A refiner that can damage a good track cannot be trusted on any track, and one that loses to a tuned
``scipy.ndimage.gaussian_filter1d`` on real motion has no reason to exist. This sweep measures both: the test
windows' ground truth is sampled at an input rate, corrupted at each level of :data:`training.noise.SWEEP` (clean,
10 and 30 mm white jitter, 30 mm with drift and swaps, ``realistic``, ``paper``), and refined by

* the classical filters, each tuned on the val split *at that level and rate* (the best a user could tune),
* the learned models, through the Refiner's own stages (:func:`training.benchmark.predict.predict_model`).

Scores: absolute MPJPE, root-relative MPJPE (each frame's waist mean removed from prediction and truth: what the
body does, whatever its constant offset) and acceleration error, all in mm (MPJAE in mm/frame² at 50 fps).
The real dance set is also split by the ground truth's root speed (travelling vs in-place motion).
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from pose_audio_refine.metrics import mpjae
from pose_audio_refine.skeletons import TELMI13_PAIRS
from pose_audio_refine.windows import OUT_FPS
from training.noise import SWEEP, apply_noise, get_preset, observe

from .data import open_set, subset_indices
from .predict import CLASSICAL_LABELS, predict_classical, predict_model
from .tune import tune_classical

__all__ = ["SWEEP_CLASSICAL", "ROOT_JOINTS", "SPEED_BINS_MM_S", "sweep_batch", "score_sweep", "sweep_set"]

#: The classical methods the sweep tunes (linear interpolation is the "no filter" reference).
SWEEP_CLASSICAL: tuple[str, ...] = ("linear", "gaussian", "savgol", "one_euro")
#: telmi13 waist joints: their mean is the per-frame root of the root-relative MPJPE.
ROOT_JOINTS: tuple[int, int] = (7, 8)
#: Root-speed bins (mm/s, the ground truth's mean waist speed over a window) of the travelling-motion split.
SPEED_BINS_MM_S: tuple[float, ...] = (0.0, 300.0, 700.0, np.inf)


def sweep_batch(data: dict, idx: np.ndarray, level: str, fps: float, seed: int = 0) -> dict:
    """Test windows corrupted at one noise level and rate, in :func:`training.benchmark.data.window_batch`'s format.

    Parameters
    ----------
    data : dict
        An opened split (:func:`training.benchmark.data.open_set`).
    idx : np.ndarray
        Rows of ``data["gt"]`` (clips) to use.
    level : str
        A noise preset name (:data:`training.noise.SWEEP`).
    fps : float
        Input rate, Hz (at most 50).
    seed : int
        Each window's noise is drawn from ``(seed, level, clip)``: the same at every rate and for every method.

    Returns
    -------
    dict
        ``inputs`` ``(N, T_in, 13, 3)``, ``gt`` ``(N, 150, 13, 3)``, ``swap`` ``(N, T_in, 13)``, ``category``
        (zeros), ``clip``, ``fps``; ``T_in = floor(2.98 s * fps) + 1`` frames at ``i / fps`` s.
    """
    config = get_preset(level)
    clips = np.asarray(idx, dtype=np.intp)
    gt = np.asarray(data["gt"][clips], dtype=np.float64)
    n_in = int(np.floor((gt.shape[1] - 1) / OUT_FPS * fps + 1e-9)) + 1
    inputs = np.empty((len(clips), n_in) + gt.shape[2:])
    swap = np.zeros((len(clips), n_in, gt.shape[2]), dtype=bool)
    tag = sum(ord(c) for c in level)
    for k, (clip, g) in enumerate(zip(clips, gt)):
        sparse, times = observe(g, OUT_FPS, fps, config)
        rng = np.random.default_rng([seed, tag, int(clip)])
        track = apply_noise(sparse[:n_in], fps, config, rng, pairs=TELMI13_PAIRS, times=times[:n_in])
        inputs[k], swap[k] = track.poses, track.swap_mask
    return {"inputs": inputs, "gt": gt, "swap": swap, "category": np.zeros(len(clips), dtype=int), "clip": clips,
            "fps": float(fps)}


def score_sweep(pred: np.ndarray, gt: np.ndarray) -> dict[str, np.ndarray]:
    """Per-window ``mpjpe``, ``mpjpe_rootrel`` (mm) and ``mpjae`` (mm/frame²) of ``(N, 150, 13, 3)`` arrays."""
    root = list(ROOT_JOINTS)
    rel_p = pred - pred[:, :, root].mean(axis=2, keepdims=True)
    rel_g = gt - gt[:, :, root].mean(axis=2, keepdims=True)
    return {"mpjpe": np.linalg.norm(pred - gt, axis=-1).mean(axis=(1, 2)),
            "mpjpe_rootrel": np.linalg.norm(rel_p - rel_g, axis=-1).mean(axis=(1, 2)),
            "mpjae": np.nanmean(mpjae(pred, gt, reduce="none"), axis=(1, 2))}


def root_speed_mm_s(gt: np.ndarray) -> np.ndarray:
    """``(N,)`` mean speed of each window's ground-truth root (waist mean), mm/s."""
    root = gt[:, :, list(ROOT_JOINTS)].mean(axis=2)
    return np.linalg.norm(np.diff(root, axis=1), axis=-1).mean(axis=1) * OUT_FPS


def sweep_set(root, models: dict, levels: Iterable[str] = SWEEP, rates: Iterable[float] = (12.5, 25.0),
              max_windows: int = 100, tune_windows: int = 100, seed: int = 0,
              log: Callable[[str], None] | None = None) -> dict:
    """Run the sweep on one MAPdat-format build.

    Parameters
    ----------
    root : str or Path
        Build folder (its test split is scored, its val split tunes the classical filters).
    models : dict
        Display name -> ``(net, meta)`` (:func:`pose_audio_refine.checkpoint.load_weights`); audio-using nets get
        the windows' own audio when the set has audio.
    levels : iterable of str
        Noise presets.
    rates : iterable of float
        Input rates, Hz.
    max_windows, tune_windows : int
        Evenly spaced test / val clips.
    seed : int
    log : callable, optional

    Returns
    -------
    dict
        ``name``, ``rates``, ``levels``, ``results``: ``"<level>@<fps>"`` -> method label -> ``{mpjpe,
        mpjpe_rootrel, mpjae}`` means, plus ``params`` (the tuned classical parameters) and ``by_speed``:
        ``"<level>@<fps>"`` -> method -> list of root-relative MPJPE per :data:`SPEED_BINS_MM_S` bin (None if
        empty), with ``speed_counts``; ``wall_s``.
    """
    t0 = time.perf_counter()
    say = log or (lambda msg: None)
    root = Path(root)
    test, _ = open_set(root, "test")
    val, _ = open_set(root, "val")
    has_audio = bool(np.asarray(test["has_audio"]).all())
    idx = subset_indices(int(np.asarray(test["gt"]).shape[0]), max_windows)
    vidx = subset_indices(int(np.asarray(val["gt"]).shape[0]), tune_windows)
    audio_all = np.asarray(test["audio"]) if has_audio else None
    out = {"name": root.name, "rates": list(rates), "levels": list(levels), "results": {}, "params": {},
           "by_speed": {}, "speed_bins_mm_s": list(SPEED_BINS_MM_S)}
    for level in levels:
        for fps in rates:
            key = f"{level}@{fps:g}"
            batch = sweep_batch(test, idx, level, fps, seed)
            tuned = tune_classical(sweep_batch(val, vidx, level, fps, seed + 1), methods=SWEEP_CLASSICAL)
            speed = root_speed_mm_s(batch["gt"])
            bins = np.digitize(speed, SPEED_BINS_MM_S[1:-1])
            res, by_speed = {}, {}
            preds = {CLASSICAL_LABELS[m]: predict_classical(m, batch["inputs"], fps, tuned[m]["params"])
                     for m in SWEEP_CLASSICAL}
            for name, (net, meta) in models.items():
                audio = audio_all[batch["clip"]] if has_audio and meta.get("use_audio", True) else None
                preds[name] = predict_model(net, meta, batch["inputs"], fps, audio)
            for label, pred in preds.items():
                s = score_sweep(pred, batch["gt"])
                res[label] = {k: float(v.mean()) for k, v in s.items()}
                by_speed[label] = [float(s["mpjpe_rootrel"][bins == b].mean()) if (bins == b).any() else None
                                   for b in range(len(SPEED_BINS_MM_S) - 1)]
            out["results"][key] = res
            out["by_speed"][key] = by_speed
            out["speed_counts"] = [int((bins == b).sum()) for b in range(len(SPEED_BINS_MM_S) - 1)]
            out["params"][key] = {m: tuned[m]["params"] for m in SWEEP_CLASSICAL}
            say(f"{root.name} {key}: done ({len(idx)} windows)")
    out["wall_s"] = time.perf_counter() - t0
    return out
