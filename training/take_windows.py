"""Cutting takes into training and evaluation windows, and the windows' Table-3 categories (fine / gross / inversion).

A take's 50 fps ground truth is cut into 3 s windows with a 1 s hop. For each input rate τ the noisy
whole-take track (noise applied at that rate, see :mod:`training.noise`) is cut at the same times, so a
window holds ``T_in = 3 · fps_in`` input frames (150, 75, 51 at 50, 25, 17 fps) and 150 ground-truth frames.

*Fine* vs *gross* (paper Table 3: "based on linearity of the data") is measured by
:func:`nonlinearity_mm`: how much a piecewise-linear interpolation through the ground truth sampled at the
sparsest input rate (17 fps, τ = 0.33) misses the 50 fps ground truth -- exactly what a linear interpolator
fed a *perfect* sparse input would get wrong. A window is *fine* when that residual reaches
:data:`FINE_THRESHOLD_MM`, else *gross*. *Inversion* marks a window whose input (at that τ) contains a
left/right swap.

(The Refiner's windows over a user's clip are :mod:`pose_audio_refine.blending`'s, counted in 50 fps slots;
these are MAPdat's, in seconds.)
"""
from __future__ import annotations

import numpy as np

from pose_audio_refine.validation import check_poses, check_rate
from pose_audio_refine.windows import OUT_FPS, WINDOW_S

__all__ = ["GT_FPS", "WINDOW_S", "HOP_S", "TAUS", "KNOT_FPS", "FINE_THRESHOLD_MM", "CATEGORY_GROSS", "CATEGORY_FINE",
           "CATEGORY_INVERSION", "CATEGORY_NAMES", "n_input_frames", "window_start_times", "nonlinearity_mm",
           "categorize", "slice_windows"]

#: Ground-truth frame rate, Hz: the model's output rate. Window length ``WINDOW_S`` (3 s, paper §4.2) is the
#: model's, from :mod:`pose_audio_refine.windows`.
GT_FPS: float = OUT_FPS
#: Hop between window starts, s (paper §4.2).
HOP_S: float = 1.0
#: Input rates: key -> fps. τ = fps / 50 (1, 0.5, 0.33).
TAUS: dict[str, float] = {"tau100": 50.0, "tau050": 25.0, "tau033": 17.0}
#: Knot rate of the non-linearity measure (the sparsest input rate).
KNOT_FPS: float = 17.0
#: Default fine/gross threshold on :func:`nonlinearity_mm`, mm: the median measured on 400 windows of
#: 40 simulated takes (build seed 0; percentiles 10/50/90 = 1.0/2.0/3.5 mm, the right wrist being the
#: worst joint in 60 % of them), so the two classes are about equally large on MAPdat. A fixed value (not a
#: per-build percentile) keeps the classes comparable across builds and the real-motion sets; it is stored
#: in meta.json and the raw measure is stored per window, so users can re-threshold.
FINE_THRESHOLD_MM: float = 2.0

#: Exclusive category codes (inversion takes precedence over fine/gross).
CATEGORY_GROSS, CATEGORY_FINE, CATEGORY_INVERSION = 0, 1, 2
CATEGORY_NAMES: tuple[str, str, str] = ("gross", "fine", "inversion")


def n_input_frames(fps_in: float, window_s: float = WINDOW_S) -> int:
    """Input frames per window: ``round(window_s · fps_in)`` (150 / 75 / 51 at 50 / 25 / 17 fps)."""
    return int(round(window_s * check_rate(fps_in, "fps_in")))


def window_start_times(duration_s: float, window_s: float = WINDOW_S, hop_s: float = HOP_S) -> np.ndarray:
    """Start times (s) of every full window in a take of ``duration_s`` seconds.

    Returns
    -------
    np.ndarray
        ``(n,)`` float64, ``0, hop_s, 2·hop_s, ...`` with ``start + window_s <= duration_s``; empty when the
        take is shorter than one window.
    """
    duration_s = check_rate(duration_s, "duration_s")
    window_s = check_rate(window_s, "window_s")
    hop_s = check_rate(hop_s, "hop_s")
    if duration_s + 1e-9 < window_s:
        return np.zeros(0)
    n = int(np.floor((duration_s - window_s) / hop_s + 1e-9)) + 1
    return np.arange(n) * hop_s


def nonlinearity_mm(gt, fps: float = GT_FPS, knot_fps: float = KNOT_FPS) -> float:
    """How non-linear a ground-truth window is: the residual of a piecewise-linear fit through sparse knots.

    Knots are the ground truth (linearly interpolated on its own grid) at ``k / knot_fps`` s; the
    piecewise-linear curve through them is compared with every ground-truth frame up to the last knot.
    For each joint the RMS (over frames) of the 3D residual norm is taken, and the measure is the largest
    of these over joints -- the joint a linear interpolator would miss most (typically the bowing wrist).

    Parameters
    ----------
    gt : array_like
        ``(T, J, 3)`` ground truth in mm at ``fps`` (no NaN).
    fps, knot_fps : float
        Ground-truth and knot rates, Hz (``knot_fps <= fps``).

    Returns
    -------
    float
        Residual in mm; 0 for motion that is linear in time.
    """
    x = check_poses(gt, "gt", allow_nan=False)
    fps = check_rate(fps, "fps")
    knot_fps = check_rate(knot_fps, "knot_fps", high=fps)
    t = np.arange(x.shape[0]) / fps
    tk = np.arange(int(np.floor(t[-1] * knot_fps + 1e-9)) + 1) / knot_fps
    if len(tk) < 2:
        raise ValueError(f"gt spans {t[-1]:.3f} s, too short for two knots at {knot_fps} fps")
    flat = x.reshape(x.shape[0], -1)
    knots = np.stack([np.interp(tk, t, flat[:, c]) for c in range(flat.shape[1])], axis=1)
    inside = t <= tk[-1] + 1e-9
    fit = np.stack([np.interp(t[inside], tk, knots[:, c]) for c in range(flat.shape[1])], axis=1)
    resid = (flat[inside] - fit).reshape(-1, x.shape[1], 3)
    per_joint = np.sqrt(np.mean(np.sum(resid ** 2, axis=-1), axis=0))
    return float(per_joint.max())


def categorize(nonlinearity, swap_present, threshold_mm: float = FINE_THRESHOLD_MM) -> np.ndarray:
    """Exclusive Table-3 category codes: 2 inversion (any swap), else 1 fine / 0 gross.

    Parameters
    ----------
    nonlinearity : array_like
        ``(N,)`` :func:`nonlinearity_mm` values, mm.
    swap_present : array_like
        ``(N,)`` bool, a swap occurs in the window's input.
    threshold_mm : float
        Fine when ``nonlinearity >= threshold_mm``.

    Returns
    -------
    np.ndarray
        ``(N,)`` int8 codes (:data:`CATEGORY_NAMES`).
    """
    nl = np.asarray(nonlinearity, dtype=np.float64)
    sw = np.asarray(swap_present, dtype=bool)
    if nl.shape != sw.shape:
        raise ValueError(f"nonlinearity {nl.shape} and swap_present {sw.shape} must have the same shape")
    threshold_mm = check_rate(threshold_mm, "threshold_mm")
    out = np.where(nl >= threshold_mm, CATEGORY_FINE, CATEGORY_GROSS).astype(np.int8)
    out[sw] = CATEGORY_INVERSION
    return out


def slice_windows(track, fps: float, starts, window_s: float = WINDOW_S, pad: int = 0) -> np.ndarray:
    """Cut a whole-take array sampled at ``k / fps`` into windows starting at ``starts``.

    Parameters
    ----------
    track : np.ndarray
        ``(T, ...)`` frames at times ``k / fps`` s (poses, masks, features...). Not modified.
    fps : float
        Its rate, Hz.
    starts : array_like
        ``(n,)`` window start times, s.
    window_s : float
        Window length, s.
    pad : int
        How many frames past the end of ``track`` may be filled by repeating its last frame (audio
        features can be a frame short of the poses); 0 = every frame must exist.

    Returns
    -------
    np.ndarray
        ``(n, round(window_s·fps), ...)`` copy; frame ``i`` of window ``w`` is the first track frame at or
        after ``starts[w]``, plus ``i``.
    """
    arr = np.asarray(track)
    fps = check_rate(fps, "fps")
    starts = np.asarray(starts, dtype=np.float64)
    n_win = n_input_frames(fps, window_s)
    first = np.ceil(starts * fps - 1e-6).astype(int)
    idx = first[:, None] + np.arange(n_win)[None, :]
    if idx.size and idx.max() >= arr.shape[0] + pad:
        raise ValueError(f"track has {arr.shape[0]} frames at {fps} fps; windows need {idx.max() + 1}")
    return arr[np.minimum(idx, arr.shape[0] - 1)].copy()
