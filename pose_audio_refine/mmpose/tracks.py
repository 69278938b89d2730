"""Grouping instances into per-person tracks, and refining all tracks of a clip on one output time grid."""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..units import MM_PER_UNIT, check_units
from .refiners import BaseRefiner


def assign_tracks(keypoints: Sequence[np.ndarray], track_ids: Sequence | None = None, *, units: str = "m",
                  max_distance_mm: float = 500.0, max_gap: int = 10) -> list[np.ndarray]:
    """Group the instances of consecutive frames into per-person tracks.

    Parameters
    ----------
    keypoints : sequence of np.ndarray
        Per frame, ``(N_i, J, 3)`` keypoints (``N_i`` may be 0).
    track_ids : sequence, optional
        Per frame, ``(N_i,)`` ids; used when given for every frame.
    units : {"m", "cm", "mm"}
        Units of ``keypoints`` (for ``max_distance_mm``).
    max_distance_mm : float
        Largest mean keypoint distance (mm) at which an instance continues a track.
    max_gap : int
        Frames a track may go unseen and still be continued.

    Returns
    -------
    list of np.ndarray
        Per frame, ``(N_i,)`` int track labels, numbered 0, 1, ... in order of first appearance (or the
        given ids).
    """
    check_units(units)
    if track_ids is not None:
        labels = []
        for i, (kp, ids) in enumerate(zip(keypoints, track_ids)):
            ids = np.asarray(ids).reshape(-1)
            if ids.shape[0] != len(kp):
                raise ValueError(f"track_ids of frame {i} has {ids.shape[0]} ids for {len(kp)} instances")
            if len(np.unique(ids)) != len(ids):
                raise ValueError(f"track_ids of frame {i} repeats an id: {ids.tolist()}")
            labels.append(ids.astype(np.int64))
        return labels
    if all(len(kp) <= 1 for kp in keypoints):  # a single person is never split
        return [np.zeros(len(kp), dtype=np.int64) for kp in keypoints]
    scale = MM_PER_UNIT[units]
    last: dict[int, tuple[np.ndarray, int]] = {}  # track -> (last keypoints, frame last seen)
    labels = []
    for i, kp in enumerate(keypoints):
        lab = np.full(len(kp), -1, dtype=np.int64)
        cands = [t for t, (_, seen) in last.items() if i - seen <= max_gap]
        if len(kp) and cands:
            ref = np.stack([last[t][0] for t in cands])  # (C, J, 3)
            with warnings.catch_warnings():  # all-NaN pairs give NaN (no distance), handled below
                warnings.simplefilter("ignore", RuntimeWarning)
                cost = np.nanmean(np.linalg.norm(kp[:, None] - ref[None], axis=-1), axis=-1) * scale
            cost = np.where(np.isnan(cost), np.inf, cost)
            while np.isfinite(cost).any():
                a, c = np.unravel_index(np.argmin(cost), cost.shape)
                if cost[a, c] > max_distance_mm:
                    break
                lab[a] = cands[c]
                cost[a, :] = np.inf
                cost[:, c] = np.inf
        for a in np.flatnonzero(lab < 0):
            lab[a] = len(last)
            last[int(lab[a])] = (kp[a], i)
        for a, t in enumerate(lab):
            last[int(t)] = (kp[a], i)
        labels.append(lab)
    return labels


@dataclass
class _Refined:
    """Refined frames: per output frame, the instances as (track id, keypoints, source frame, source instance)."""

    frames: list[list[tuple[int, np.ndarray, int, int]]]
    times: np.ndarray
    fps: float
    source_index: np.ndarray  # (T_out,) input frame nearest to each output frame


def _refine_frames(keypoints: list[np.ndarray], labels: list[np.ndarray], refiner: BaseRefiner, audio, fps,
                   sr) -> _Refined:
    T = len(keypoints)
    tracks = list(dict.fromkeys(int(t) for lab in labels for t in lab))  # order of first appearance
    if not tracks:
        raise ValueError("the predictions hold no instance in any frame: nothing to refine")
    J = keypoints[next(i for i, k in enumerate(keypoints) if len(k))].shape[1]
    pos = {t: n for n, t in enumerate(tracks)}
    arr = np.full((len(tracks), T, J, 3), np.nan)
    where = np.full((len(tracks), T), -1, dtype=np.int64)  # instance index of each track in each frame
    for i, (kp, lab) in enumerate(zip(keypoints, labels)):
        for a, t in enumerate(lab):
            arr[pos[int(t)], i] = kp[a]
            where[pos[int(t)], i] = a
    # Every track spans the whole clip (NaN where unseen), so all share one output time grid; classical
    # refiners fill the gaps by interpolation (edges held), MAPnet treats them as missing.
    res = refiner.refine(arr, audio, fps=fps, sr=sr)
    # Nearest input frame; an output frame midway between two takes the later one (round half up).
    src = np.clip(np.floor(res.times * fps + 0.5 + 1e-9).astype(np.int64), 0, T - 1)
    frames = []
    for k, i in enumerate(src):
        frames.append([(tracks[n], res.poses[n, k], int(i), int(where[n, i]))
                       for n in range(len(tracks)) if where[n, i] >= 0])
    return _Refined(frames, res.times, res.fps, src)
