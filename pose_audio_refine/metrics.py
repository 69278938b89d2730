"""Pose-track error metrics: MPJPE, PA-MPJPE, MPJAE, left/right swap rate, smoothness.

Every metric takes poses ``(T, J, 3)`` or a batch ``(N, T, J, 3)`` in millimetres and an optional
``mask`` of valid entries: boolean ``(T,)``/``(T, J)`` (``(N, T)``/``(N, T, J)`` for a batch),
True = valid. A NaN anywhere in a ground-truth joint also marks that joint invalid, so a track with
gaps can be scored without building a mask by hand. Means are taken over all valid
(frame, joint) entries together (over the batch as well), so frames with more visible joints weigh
more, as in the usual MPJPE.

A NaN in ``pred`` at a valid entry is an error rather than silently dropped: a method that outputs
NaN where it fails must not score better for it. Pass a ``mask`` to exclude such entries on purpose.

Accelerations are second finite differences ``x[t+1] - 2 x[t] + x[t-1]``, in mm/frame² by default
(SmoothNet's "Accel" convention); pass ``fps`` to get mm/s² (multiplied by ``fps**2``).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .validation import as_float_array, check_rate

_REDUCTIONS = ("mean", "joint", "frame", "none")


# --------------------------------------------------------------------------- input handling
def _check_track(x, name: str) -> np.ndarray:
    """Float64 copy of a ``(T, J, 3)`` or ``(N, T, J, 3)`` track; NaN allowed, inf rejected."""
    arr = as_float_array(x, name, ndim=(3, 4))
    if arr.shape[-1] != 3:
        raise ValueError(f"{name} must have shape (T, J, 3) or (N, T, J, 3), got {arr.shape}")
    if np.isinf(arr).any():
        raise ValueError(f"{name} contains inf values")
    return arr


def _check_mask(mask, lead_shape: tuple[int, ...]) -> np.ndarray:
    """Return a boolean ``lead_shape`` (``(..., T, J)``) array from a frame or frame-joint mask."""
    if mask is None:
        return np.ones(lead_shape, dtype=bool)
    m = np.asarray(mask)
    if m.dtype != bool:
        raise TypeError(f"mask must be a boolean array (True = valid), got dtype {m.dtype}")
    frame_shape = lead_shape[:-1]
    if m.shape == frame_shape:
        return np.repeat(m[..., None], lead_shape[-1], axis=-1)
    if m.shape == lead_shape:
        return m.copy()
    raise ValueError(f"mask must have shape {frame_shape} (frames) or {lead_shape} (frames, joints), got {m.shape}")


def _prepare(pred, gt, mask) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check ``pred``/``gt``/``mask`` and return copies plus the validity array ``(..., T, J)``."""
    p = _check_track(pred, "pred")
    g = _check_track(gt, "gt")
    if p.shape != g.shape:
        raise ValueError(f"pred and gt must have the same shape, got pred {p.shape} and gt {g.shape}")
    valid = _check_mask(mask, g.shape[:-1]) & ~np.isnan(g).any(axis=-1)
    bad = valid & np.isnan(p).any(axis=-1)
    if bad.any():
        raise ValueError(
            f"pred has NaN at {int(bad.sum())} valid (frame, joint) entries; pass a mask to exclude them"
        )
    return p, g, valid


def _require_some(valid: np.ndarray, what: str = "frames") -> None:
    if not valid.any():
        raise ValueError(f"no valid {what} to evaluate (check mask and NaN in the ground truth)")


def _reduce(err: np.ndarray, valid: np.ndarray, reduce: str):
    """Average per-entry errors ``(..., T, J)`` over the valid ones, as ``reduce`` asks."""
    if reduce not in _REDUCTIONS:
        raise ValueError(f"reduce must be one of {_REDUCTIONS}, got {reduce!r}")
    _require_some(valid)
    err = np.where(valid, err, 0.0)
    if reduce == "mean":
        return float(err.sum() / valid.sum())
    if reduce == "none":
        return np.where(valid, err, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        if reduce == "frame":
            return err.sum(axis=-1) / valid.sum(axis=-1)  # NaN where a frame has no valid joint
        # "joint": pool frames (and batch items) per joint
        axes = tuple(range(err.ndim - 1))
        return err.sum(axis=axes) / valid.sum(axis=axes)


# --------------------------------------------------------------------------- position errors
def mpjpe(pred, gt, mask=None, reduce: str = "mean"):
    """Mean per-joint position error (L2 distance, same units as the input, normally mm).

    Parameters
    ----------
    pred, gt : np.ndarray
        Predicted and ground-truth poses, ``(T, J, 3)`` or ``(N, T, J, 3)``, mm. NaN in ``gt`` marks
        a missing joint.
    mask : np.ndarray of bool, optional
        Valid entries, ``(T,)``/``(T, J)`` (with a batch ``(N, T)``/``(N, T, J)``); True = valid.
    reduce : {"mean", "joint", "frame", "none"}
        ``"mean"``: one float over all valid entries. ``"joint"``: ``(J,)`` per-joint means.
        ``"frame"``: ``(T,)`` (``(N, T)``) per-frame means. ``"none"``: ``(T, J)`` (``(N, T, J)``)
        distances. Entries without any valid data are NaN.

    Returns
    -------
    float or np.ndarray
        Error in mm.

    Raises
    ------
    ValueError
        On a shape/rank mismatch, a bad mask, or when no entry is valid.
    """
    p, g, valid = _prepare(pred, gt, mask)
    err = np.linalg.norm(np.nan_to_num(p - g), axis=-1)
    return _reduce(err, valid, reduce)


def per_frame_error(pred, gt, mask=None) -> np.ndarray:
    """Per-frame MPJPE ``(T,)`` (or ``(N, T)``) in mm; NaN for frames with no valid joint."""
    return mpjpe(pred, gt, mask, reduce="frame")


def per_joint_error(pred, gt, mask=None) -> np.ndarray:
    """Per-joint MPJPE ``(J,)`` in mm over all valid frames; NaN for joints never valid."""
    return mpjpe(pred, gt, mask, reduce="joint")


def procrustes_align(pred, gt, mask=None) -> np.ndarray:
    """Align each frame of ``pred`` to ``gt`` by a similarity transform (scale, rotation, translation).

    This is the standard PA-MPJPE alignment (as in VideoPose3D's ``p_mpjpe``): orthogonal Procrustes
    via SVD with the reflection removed (``det(R) = +1``), optimal isotropic scale and translation.
    Only the valid joints of a frame take part in its fit.

    Parameters
    ----------
    pred, gt : np.ndarray
        ``(T, J, 3)`` or ``(N, T, J, 3)``, mm.
    mask : np.ndarray of bool, optional
        As in :func:`mpjpe`.

    Returns
    -------
    np.ndarray
        Aligned copy of ``pred``, same shape, mm. Frames with fewer than 3 valid joints (where a
        rotation is not determined) are NaN.
    """
    p, g, valid = _prepare(pred, gt, mask)
    aligned, frame_ok = _procrustes(p, g, valid)
    aligned[~frame_ok] = np.nan
    return aligned


def _procrustes(p: np.ndarray, g: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised weighted Procrustes over every frame; returns (aligned, frame_ok)."""
    w = valid.astype(np.float64)[..., None]  # (..., T, J, 1)
    n = w.sum(axis=-2, keepdims=True)  # (..., T, 1, 1)
    frame_ok = n[..., 0, 0] >= 3
    n_safe = np.maximum(n, 1.0)
    p0 = np.nan_to_num(p)
    g0 = np.nan_to_num(g)
    mu_p = (w * p0).sum(axis=-2, keepdims=True) / n_safe
    mu_g = (w * g0).sum(axis=-2, keepdims=True) / n_safe
    x = (g0 - mu_g) * w  # target, centred; invalid joints contribute nothing
    y = (p0 - mu_p) * w
    norm_x = np.sqrt((x**2).sum(axis=(-2, -1), keepdims=True))
    norm_y = np.sqrt((y**2).sum(axis=(-2, -1), keepdims=True))
    # a prediction collapsed to one point has no orientation: scale 0 maps it onto gt's centroid
    norm_x_safe = np.where(norm_x > 0, norm_x, 1.0)
    norm_y_safe = np.where(norm_y > 0, norm_y, 1.0)
    h = np.swapaxes(x / norm_x_safe, -1, -2) @ (y / norm_y_safe)  # (..., T, 3, 3)
    u, s, vt = np.linalg.svd(h)
    v = np.swapaxes(vt, -1, -2)
    r = v @ np.swapaxes(u, -1, -2)
    # undo a reflection: flip the axis of the smallest singular value
    sign = np.sign(np.linalg.det(r))
    sign = np.where(sign == 0, 1.0, sign)
    v[..., :, -1] *= sign[..., None]
    s[..., -1] *= sign
    r = v @ np.swapaxes(u, -1, -2)
    trace = s.sum(axis=-1)[..., None, None]
    scale = np.where(norm_y > 0, trace * norm_x / norm_y_safe, 0.0)
    aligned = scale * ((p0 - mu_p) @ r) + mu_g
    return aligned, frame_ok


def pa_mpjpe(pred, gt, mask=None, reduce: str = "mean"):
    """Procrustes-aligned MPJPE (mm): :func:`mpjpe` after aligning each frame with :func:`procrustes_align`.

    Parameters
    ----------
    pred, gt : np.ndarray
        ``(T, J, 3)`` or ``(N, T, J, 3)``, mm.
    mask : np.ndarray of bool, optional
        As in :func:`mpjpe`. Frames with fewer than 3 valid joints are left out.
    reduce : {"mean", "joint", "frame", "none"}
        As in :func:`mpjpe`.

    Returns
    -------
    float or np.ndarray
        Error after alignment, mm.
    """
    p, g, valid = _prepare(pred, gt, mask)
    aligned, frame_ok = _procrustes(p, g, valid)
    valid = valid & frame_ok[..., None]
    err = np.linalg.norm(np.nan_to_num(aligned - g), axis=-1)
    return _reduce(err, valid, reduce)


# --------------------------------------------------------------------------- accelerations
def _accel(x: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Second difference along time ``(..., T-2, J, 3)`` and its validity (all three frames valid)."""
    if x.shape[-3] < 3:
        raise ValueError(f"need at least 3 frames for an acceleration, got T={x.shape[-3]}")
    x = np.nan_to_num(x)
    acc = x[..., 2:, :, :] - 2.0 * x[..., 1:-1, :, :] + x[..., :-2, :, :]
    ok = valid[..., 2:, :] & valid[..., 1:-1, :] & valid[..., :-2, :]
    return acc, ok


def _accel_factor(fps) -> float:
    return 1.0 if fps is None else check_rate(fps, "fps") ** 2


def mpjae(pred, gt, mask=None, fps: float | None = None, reduce: str = "mean"):
    """Mean per-joint acceleration error (the paper's MPJAE; SmoothNet's "Accel").

    ``mean ||a_pred - a_gt||`` with ``a[t] = x[t+1] - 2 x[t] + x[t-1]``. The acceleration at frame
    ``t`` is valid only if frames ``t-1``, ``t`` and ``t+1`` are all valid for that joint.

    Parameters
    ----------
    pred, gt : np.ndarray
        ``(T, J, 3)`` or ``(N, T, J, 3)``, mm, ``T >= 3``.
    mask : np.ndarray of bool, optional
        As in :func:`mpjpe` (given for the ``T`` frames, not the ``T - 2`` accelerations).
    fps : float, optional
        Frame rate. None (default) reports mm/frame²; a rate reports mm/s² (``fps**2`` times more).
    reduce : {"mean", "joint", "frame", "none"}
        As in :func:`mpjpe`; ``"frame"``/``"none"`` have ``T - 2`` entries, entry ``i`` is frame ``i + 1``.

    Returns
    -------
    float or np.ndarray
        Acceleration error in mm/frame² (or mm/s² when ``fps`` is given).
    """
    p, g, valid = _prepare(pred, gt, mask)
    factor = _accel_factor(fps)
    a_p, ok = _accel(p, valid)
    a_g, _ = _accel(g, valid)
    err = np.linalg.norm(a_p - a_g, axis=-1) * factor
    return _reduce(err, ok, reduce)


def mean_acceleration(poses, mask=None, fps: float | None = None, reduce: str = "mean"):
    """Mean acceleration magnitude of one track: a smoothness measure (lower = smoother).

    Parameters
    ----------
    poses : np.ndarray
        ``(T, J, 3)`` or ``(N, T, J, 3)``, mm, ``T >= 3``; NaN marks missing joints.
    mask : np.ndarray of bool, optional
        Valid entries as in :func:`mpjpe`. An acceleration needs its 3 frames valid.
    fps : float, optional
        None (default): mm/frame². A frame rate: mm/s².
    reduce : {"mean", "joint", "frame", "none"}
        As in :func:`mpjae`.

    Returns
    -------
    float or np.ndarray
        Mean ``||x[t+1] - 2 x[t] + x[t-1]||`` in mm/frame² (or mm/s²).
    """
    x = _check_track(poses, "poses")
    valid = _check_mask(mask, x.shape[:-1]) & ~np.isnan(x).any(axis=-1)
    acc, ok = _accel(x, valid)
    return _reduce(np.linalg.norm(acc, axis=-1) * _accel_factor(fps), ok, reduce)


# --------------------------------------------------------------------------- left/right swaps
def _check_pairs(pairs, n_joints: int) -> np.ndarray:
    try:
        arr = np.asarray(pairs)
    except (TypeError, ValueError) as exc:  # ragged input
        raise ValueError(f"pairs must be a sequence of (left, right) joint indices: {exc}") from exc
    if arr.size == 0:
        raise ValueError("pairs is empty: give at least one (left, right) joint index pair")
    if arr.ndim != 2 or arr.shape[1] != 2 or arr.dtype.kind not in "iu":
        raise ValueError(f"pairs must be integer (left, right) index pairs, shape (P, 2), got {arr.shape} {arr.dtype}")
    if arr.min() < 0 or arr.max() >= n_joints:
        raise ValueError(f"pairs has joint indices outside [0, {n_joints - 1}]")
    if (arr[:, 0] == arr[:, 1]).any():
        raise ValueError("pairs has a pair whose left and right joint are the same")
    return arr.astype(np.intp)


def swapped_pairs(pred, gt, pairs: Sequence[tuple[int, int]], mask=None) -> tuple[np.ndarray, np.ndarray]:
    """Per frame and pair: is the pair nearer the ground truth when its sides are exchanged?

    Pair ``(l, r)`` counts as swapped at a frame when
    ``|p_l - g_r| + |p_r - g_l| < |p_l - g_l| + |p_r - g_r|`` (strict, so exact ties are not swaps).

    Parameters
    ----------
    pred, gt : np.ndarray
        ``(T, J, 3)`` or ``(N, T, J, 3)``, mm.
    pairs : sequence of (int, int)
        Left/right joint index pairs, e.g. telmi13's ``[(1, 2), (3, 4), ...]``.
    mask : np.ndarray of bool, optional
        As in :func:`mpjpe`; a pair is judged only where both of its joints are valid.

    Returns
    -------
    swapped : np.ndarray of bool
        ``(T, P)`` (``(N, T, P)``), False where not judged.
    judged : np.ndarray of bool
        ``(T, P)`` (``(N, T, P)``), True where both joints of the pair are valid.
    """
    p, g, valid = _prepare(pred, gt, mask)
    idx = _check_pairs(pairs, g.shape[-2])
    p, g = np.nan_to_num(p), np.nan_to_num(g)
    pl, pr = p[..., idx[:, 0], :], p[..., idx[:, 1], :]
    gl, gr = g[..., idx[:, 0], :], g[..., idx[:, 1], :]
    d = lambda a, b: np.linalg.norm(a - b, axis=-1)  # noqa: E731
    judged = valid[..., idx[:, 0]] & valid[..., idx[:, 1]]
    swapped = (d(pl, gr) + d(pr, gl) < d(pl, gl) + d(pr, gr)) & judged
    return swapped, judged


def swap_rate(pred, gt, pairs: Sequence[tuple[int, int]], mask=None, per_pair: bool = False):
    """Fraction of frames in which at least one left/right pair is swapped (see :func:`swapped_pairs`).

    Parameters
    ----------
    pred, gt : np.ndarray
        ``(T, J, 3)`` or ``(N, T, J, 3)``, mm.
    pairs : sequence of (int, int)
        Left/right joint index pairs.
    mask : np.ndarray of bool, optional
        As in :func:`mpjpe`.
    per_pair : bool
        False: one float, swapped frames / frames where any pair could be judged.
        True: ``(P,)`` array, per pair swapped frames / frames where that pair could be judged
        (NaN for a pair never judged).

    Returns
    -------
    float or np.ndarray
        Rate in [0, 1].
    """
    swapped, judged = swapped_pairs(pred, gt, pairs, mask)
    if per_pair:
        axes = tuple(range(judged.ndim - 1))
        _require_some(judged, "frames for any pair")
        with np.errstate(invalid="ignore", divide="ignore"):
            return swapped.sum(axis=axes) / judged.sum(axis=axes)
    frames = judged.any(axis=-1)
    _require_some(frames)
    return float(swapped.any(axis=-1).sum() / frames.sum())


# --------------------------------------------------------------------------- relocation
def mean_offset(refined, raw, pairs: Sequence[tuple[int, int]] | None = None, mask=None) -> np.ndarray:
    """Per joint, how far a refined track sits from the raw one *on average*: ``|mean_t (refined - raw)|``.

    A refiner that removes jitter leaves it near 0 (jitter averages out); one that pulls poses toward a prior, or
    re-centres windows, moves the clip mean and shows up here (the do-no-harm contract's "refined, not moved").
    Fixing a left/right swap also moves a joint's clip mean (by the pair's separation times the share of frames
    fixed), so with ``pairs`` the raw track is first relabelled per frame and pair to the labelling nearer the
    refined one (:func:`swapped_pairs`): what remains is relocation, not label exchange.

    Parameters
    ----------
    refined, raw : np.ndarray
        ``(T, J, 3)`` on the same times, any unit (the result is in it).
    pairs : sequence of (int, int), optional
        Left/right joint index pairs; None: no relabelling.
    mask : np.ndarray of bool, optional
        As in :func:`mpjpe` (``raw`` plays the ground truth; NaN in either track excludes the entry).

    Returns
    -------
    np.ndarray, shape (J,)
        NaN for a joint with no valid frame.

    Examples
    --------
    >>> raw = np.zeros((4, 2, 3)); raw[:, 1, 0] = 300.0          # two joints 300 mm apart
    >>> swapped = raw[:, ::-1].copy()                              # ... labelled the other way round
    >>> mean_offset(swapped, raw).round(1).tolist()
    [300.0, 300.0]
    >>> mean_offset(swapped, raw, pairs=[(0, 1)]).round(1).tolist()
    [0.0, 0.0]
    """
    p = _check_track(refined, "refined")
    g = _check_track(raw, "raw")
    if p.shape != g.shape or p.ndim != 3:
        raise ValueError(f"refined and raw must both be (T, J, 3), got {p.shape} and {g.shape}")
    valid = _check_mask(mask, g.shape[:-1]) & ~np.isnan(g).any(axis=-1) & ~np.isnan(p).any(axis=-1)
    if pairs is not None:
        swapped, _ = swapped_pairs(np.where(valid[..., None], p, 0.0), g, pairs, valid)
        idx = _check_pairs(pairs, g.shape[-2])
        g = g.copy()
        for k, (a, b) in enumerate(idx):
            s = swapped[:, k]
            g[s, a], g[s, b] = g[s, b].copy(), g[s, a].copy()
    n = valid.sum(axis=0)
    diff = np.where(valid[..., None], p - g, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, np.linalg.norm(diff, axis=-1) / np.maximum(n, 1), np.nan)
