"""Compact copies of a MAPdat build, for training on a machine that cannot rebuild it.

A split's clips are 3 s windows at a 1 s hop over whole takes, so two thirds of every clip repeat its neighbours.
:func:`pack_build` stores each take once -- the ground truth as int16 tenths of a millimetre about each frame's
joint centroid (within 0.05 mm of the original), the audio features as float16 (3 significant digits) -- plus the
small per-clip arrays as they are. :func:`unpack_build` cuts the clips out again into an ordinary build folder.

Only what training with on-the-fly noise reads (:class:`training.engine.dataset.MAPdatWindows` with
``online_noise``) is kept: the stored noisy inputs, their masks and categories are not, so an unpacked build can
train and validate with ``online_noise`` but not serve the benchmark's stored test inputs. Why this exists: a
GPU machine that reaches no registry and whose numba crashes inside librosa cannot run the builder
(scripts/device_train_paper.sh), and the full build (2.4 GB) is far larger than what may travel to it.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from .mapdat import load_split

__all__ = ["pack_build", "unpack_build", "PER_CLIP", "GT_STEP_MM"]

#: Per-clip arrays kept as they are (what online-noise training and the shuffled-audio control read).
PER_CLIP = ("nonlinearity_mm", "fine", "window_start_s", "has_audio", "clip_take_index", "clip_take_id",
            "clip_performer_id")
#: Quantisation step of the packed ground truth, mm.
GT_STEP_MM = 0.1


def _take_layout(starts: np.ndarray, takes: np.ndarray, fps: float, win: int) -> tuple[np.ndarray, np.ndarray]:
    """First frame of every clip in the concatenated take timeline, and the timeline's length per take."""
    first = np.empty(starts.shape[0], dtype=np.int64)
    lengths = []
    offset = 0
    for t in np.unique(takes):  # takes in index order; clips of a take need not be contiguous in the split
        idx = np.flatnonzero(takes == t)
        rel = (starts[idx] - starts[idx].min()) * fps
        frames = np.rint(rel).astype(np.int64)
        if not np.allclose(rel, frames, atol=1e-3):
            raise ValueError(f"take {t}: window starts are not whole frames apart at {fps} fps")
        first[idx] = offset + frames
        length = int(frames.max()) + win
        lengths.append(length)
        offset += length
    return first, np.asarray(lengths, dtype=np.int64)


def _pack_split(d: dict, fps: float) -> dict:
    gt, audio = np.asarray(d["gt"], dtype=np.float64), np.asarray(d["audio"], dtype=np.float32)
    n, win = gt.shape[:2]
    first, lengths = _take_layout(np.asarray(d["window_start_s"], dtype=np.float64),
                                  np.asarray(d["clip_take_index"]), fps, win)
    total = int(lengths.sum())
    tl_gt = np.full((total,) + gt.shape[2:], np.nan)
    tl_audio = np.full((total, audio.shape[-1]), np.nan, dtype=np.float32)
    for i in range(n):
        tl_gt[first[i]:first[i] + win] = gt[i]
        tl_audio[first[i]:first[i] + win] = audio[i]
    # every clip must be an exact slice of its take's timeline, else the clips did not overlap as windows do
    for i in range(n):
        if not (np.array_equal(tl_gt[first[i]:first[i] + win], gt[i])
                and np.array_equal(tl_audio[first[i]:first[i] + win], audio[i])):
            raise ValueError(f"clip {i} is not a slice of its take (windows of one take must overlap exactly)")
    if np.isnan(tl_gt).any():
        raise ValueError("the clips leave gaps in a take's timeline; cannot pack")
    centroid = tl_gt.mean(axis=1, keepdims=True)
    resid = np.rint((tl_gt - centroid) / GT_STEP_MM)
    if np.abs(resid).max() > np.iinfo(np.int16).max:
        raise ValueError(f"a joint lies more than {np.iinfo(np.int16).max * GT_STEP_MM:.0f} mm from its frame's "
                         "centroid; not a body")
    out = {"gt_centroid": centroid.astype(np.float32), "gt_resid": resid.astype(np.int16),
           "audio": tl_audio.astype(np.float16), "clip_first_frame": first, "window": np.int64(win)}
    out.update({k: np.asarray(d[k]) for k in PER_CLIP if k in d})
    return out


def pack_build(root, out, splits=("train", "val")) -> Path:
    """Write a compact copy of ``splits`` of the build in ``root`` to the folder ``out``.

    Parameters
    ----------
    root : str or Path
        A finished MAPdat build (simulated or real-motion set).
    out : str or Path
        Folder to create (``meta.json`` plus one ``<split>.npz`` per split).
    splits : sequence of str
        Splits to keep (a split the build lacks is skipped).

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    ValueError
        The clips of a take are not overlapping windows of one timeline.
    """
    root, out = Path(root), Path(out)
    meta = json.loads((root / "meta.json").read_text())
    fps = float(meta["gt_fps"])
    out.mkdir(parents=True, exist_ok=True)
    packed = []
    for split in splits:
        d = load_split(root, split)
        if d:
            np.savez_compressed(out / f"{split}.npz", **_pack_split(d, fps))
            packed.append(split)
    meta["packed"] = {"splits": packed, "fps": fps, "gt_step_mm": GT_STEP_MM, "from": str(root),
                      "note": "training/carry.py: ground truth and audio only, no stored noisy inputs"}
    (out / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    return out


def unpack_build(packed, out) -> Path:
    """Cut the clips of a :func:`pack_build` copy out again into a build folder ``out`` (``meta.json`` and
    ``<split>/*.npy``) that :class:`~training.engine.dataset.MAPdatWindows` reads with ``online_noise``.

    The ground truth comes back within ``GT_STEP_MM / 2`` = 0.05 mm, the audio features as float16 values.
    """
    packed, out = Path(packed), Path(out)
    meta = json.loads((packed / "meta.json").read_text())
    if "packed" not in meta:
        raise ValueError(f"{packed} is not a packed build (its meta.json has no 'packed' entry)")
    if out.exists():
        shutil.rmtree(out)
    for split in meta["packed"]["splits"]:
        with np.load(packed / f"{split}.npz") as z:
            first, win = z["clip_first_frame"], int(z["window"])
            idx = first[:, None] + np.arange(win)[None, :]
            d = out / split
            d.mkdir(parents=True)
            gt = z["gt_centroid"][idx].astype(np.float64) + z["gt_resid"][idx] * GT_STEP_MM
            np.save(d / "gt.npy", gt.astype(np.float32))
            np.save(d / "audio.npy", z["audio"][idx])
            for k in PER_CLIP:
                if k in z:
                    np.save(d / f"{k}.npy", z[k])
    (out / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    return out
