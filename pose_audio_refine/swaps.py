"""Left/right swaps in a sparse pose track, undone by continuity before the track is windowed.

Estimators exchange a left and a right joint for a while (a "swap"): both joints jump by the pair's separation
when the swap starts and again when it ends, which no real motion does. Over a window, the labelling of each
pair that makes the two tracks move the least is found exactly (Viterbi over two states per frame: kept or
exchanged), with a tiny cost per exchanged frame so that the majority of the window keeps its labels.

This runs on the *input frames at their own rate*, before they are interpolated onto the 50 fps grid: there a
swap is a one-frame jump; after interpolation from a low rate it becomes a ramp over several slots, and a ramp
costs almost as much motion either way. A joint that moves continuously -- a dancer turning round, feet
crossing -- keeps its labels. Tracks too noisy for continuity to mean anything (the paper's 300 mm jitter:
a joint's median step is more than ``max_jump`` times the pair's median distance apart) are left as they
are.
"""
from __future__ import annotations

import warnings

import numpy as np

__all__ = ["least_motion_labels", "unswap_windows", "FLIP_COST"]

#: Cost of one exchanged frame, as a fraction of the pair's separation. A swap saves about 2 separations of
#: motion at each of its ends, so swaps of up to ~100 frames are undone, while two joints that pass close to each
#: other (feet crossing) cannot trade labels for the few millimetres of jitter that flipping at the crossing saves.
FLIP_COST = 0.02


def least_motion_labels(a: np.ndarray, b: np.ndarray, flip_cost: np.ndarray) -> np.ndarray:
    """Per frame, whether to exchange two joints' labels so that the labelled tracks move the least.

    Minimises ``sum_t |y_a(t) - y_a(t-1)| + |y_b(t) - y_b(t-1)| + flip_cost * (frames exchanged)``.

    Parameters
    ----------
    a, b : np.ndarray
        ``(N, T, P, 3)`` finite positions of the two joints of ``P`` pairs in ``N`` windows.
    flip_cost : np.ndarray
        ``(N, P)`` cost of one exchanged frame, in the positions' unit.

    Returns
    -------
    np.ndarray
        ``(N, T, P)`` bool, True where the labels are exchanged.
    """
    same = np.linalg.norm(np.diff(a, axis=1), axis=-1) + np.linalg.norm(np.diff(b, axis=1), axis=-1)
    cross = np.linalg.norm(a[:, 1:] - b[:, :-1], axis=-1) + np.linalg.norm(b[:, 1:] - a[:, :-1], axis=-1)
    n, t = a.shape[:2]
    keep_cost, flip = np.zeros_like(flip_cost, dtype=np.float64), flip_cost.astype(np.float64)
    back = np.zeros((t, n, a.shape[2], 2), dtype=bool)  # best previous state is "exchanged"
    for i in range(t - 1):
        s, c = same[:, i], cross[:, i]
        k_from_k, k_from_f = keep_cost + s, flip + c
        f_from_k, f_from_f = keep_cost + c, flip + s
        back[i + 1, ..., 0] = k_from_f < k_from_k
        back[i + 1, ..., 1] = f_from_f < f_from_k
        keep_cost = np.minimum(k_from_k, k_from_f)
        flip = np.minimum(f_from_k, f_from_f) + flip_cost
    state = flip < keep_cost
    out = np.empty((n, t, a.shape[2]), dtype=bool)
    for i in range(t - 1, -1, -1):
        out[:, i] = state
        state = np.where(state, back[i, ..., 1], back[i, ..., 0])
    return out


def _filled(x: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """``x`` ``(N, T, P, 3)`` with unseen frames holding the last seen value (the first seen one before it)."""
    n, t = seen.shape[:2]
    idx = np.where(seen, np.arange(t)[None, :, None], -1)
    idx = np.maximum.accumulate(idx, axis=1)
    first = np.argmax(seen, axis=1)  # (N, P)
    idx = np.where(idx < 0, first[:, None], idx)
    return np.take_along_axis(x, idx[..., None], axis=1)


def unswap_windows(poses: np.ndarray, pairs, max_jump: float = 0.2) -> np.ndarray:
    """Undo left/right swaps in windows of sparse input frames (see the module docstring).

    Parameters
    ----------
    poses : np.ndarray
        ``(N, T, J, 3)`` windows of input frames at their own rate (any unit), NaN where a joint is missing.
        Not modified.
    pairs : sequence of (int, int)
        Left/right joint index pairs.
    max_jump : float
        A pair is unswapped in a window only when each joint's median frame-to-frame step is below this
        fraction of the pair's median distance apart.

    Returns
    -------
    np.ndarray
        ``(N, T, J, 3)`` float64, a new array; only frames where both joints of a pair are seen are exchanged.
    """
    x = np.array(poses, dtype=np.float64)
    if x.ndim != 4 or x.shape[-1] != 3:
        raise ValueError(f"poses must be (N, T, J, 3), got shape {x.shape}")
    if not pairs or x.shape[1] < 2:
        return x
    if max_jump <= 0:
        raise ValueError(f"max_jump must be > 0, got {max_jump}")
    ia, ib = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    a, b = x[:, :, ia], x[:, :, ib]
    seen = np.isfinite(a).all(-1) & np.isfinite(b).all(-1)  # (N, T, P)
    usable = seen.sum(axis=1) >= 2
    if not usable.any():
        return x
    af, bf = _filled(np.where(seen[..., None], a, 0.0), seen), _filled(np.where(seen[..., None], b, 0.0), seen)
    both = seen[:, 1:] & seen[:, :-1]
    step = np.maximum(np.linalg.norm(np.diff(af, axis=1), axis=-1), np.linalg.norm(np.diff(bf, axis=1), axis=-1))
    with warnings.catch_warnings():  # a pair never seen (twice in a row) in a window is simply skipped
        warnings.simplefilter("ignore", RuntimeWarning)
        # how far apart the two joints are: the median of their per-frame distance, which a swap leaves alone
        sep = np.nanmedian(np.where(seen, np.linalg.norm(a - b, axis=-1), np.nan), axis=1)  # (N, P)
        med_step = np.nanmedian(np.where(both, step, np.nan), axis=1)  # (N, P)
    smooth = usable & np.isfinite(med_step) & (med_step < max_jump * np.nan_to_num(sep, nan=0.0))
    if not smooth.any():
        return x
    flip = least_motion_labels(af, bf, FLIP_COST * np.nan_to_num(sep)) & smooth[:, None] & seen
    fa = flip[..., None]
    x[:, :, ia] = np.where(fa, b, a)
    x[:, :, ib] = np.where(fa, a, b)
    return x
