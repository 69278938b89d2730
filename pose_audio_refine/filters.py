"""Classical pose refinement: interpolation and smoothing baselines (numpy/scipy).

Every function takes a pose track ``(T, J, 3)`` (mm, NaN = missing joint) and explicit frame rates, returns new
arrays and never modifies its input. Missing joints are gaps: they are filled by linear interpolation in time
between the nearest observed frames (edges held) before smoothing.

The refiners in :data:`FILTERS` share one signature, ``f(poses, fps_in, fps_out=50, times_in=None, **params)
-> (poses_out, times_out)``: smooth at the input rate, then upsample to ``fps_out``. :func:`refine_classical`
dispatches by name.
"""
from __future__ import annotations

import math
import numbers
from typing import Callable

import numpy as np
from scipy.interpolate import CubicSpline
from scipy.ndimage import gaussian_filter1d
from scipy.signal import savgol_filter

from .interpolate import interp_track
from .validation import as_float_array, check_poses, check_rate

__all__ = [
    "input_times", "fill_gaps", "upsample", "sma", "sma_upsample", "one_euro", "savgol", "gaussian",
    "FILTERS", "refine_classical",
]


# ----------------------------------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------------------------------
def _check_int(value, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    return int(value)


def _check_positive(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value}")
    return float(value)


def input_times(n_frames: int, fps_in: float, times_in=None) -> np.ndarray:
    """Timestamps (s) of the input frames: ``times_in`` checked, or ``arange(n_frames) / fps_in``.

    Returns
    -------
    np.ndarray
        ``(n_frames,)`` strictly increasing float64 seconds (a new array).
    """
    if times_in is None:
        return np.arange(n_frames) / float(fps_in)
    t = as_float_array(times_in, "times_in", ndim=1)
    if t.shape[0] != n_frames:
        raise ValueError(f"times_in must have one timestamp per frame ({n_frames}), got {t.shape[0]}")
    if not np.isfinite(t).all():
        raise ValueError("times_in must be finite")
    if n_frames > 1 and (np.diff(t) <= 0).any():
        raise ValueError("times_in must be strictly increasing")
    return t


def _valid_mask(x: np.ndarray) -> np.ndarray:
    """(T, J) True where the joint is observed (all three coordinates finite)."""
    return ~np.isnan(x).any(axis=-1)


def fill_gaps(poses, times=None) -> np.ndarray:
    """Fill missing joints by linear interpolation in time; before the first/after the last observation the
    nearest observed value is held.

    Parameters
    ----------
    poses : array_like
        ``(T, J, 3)``, NaN where a joint is missing (a NaN in any coordinate marks the whole joint missing).
    times : array_like, optional
        ``(T,)`` timestamps (s); frame indices if omitted.

    Returns
    -------
    np.ndarray
        ``(T, J, 3)`` float64 without NaN.

    Raises
    ------
    ValueError
        When a joint is never observed (nothing to fill it from).
    """
    x = check_poses(poses)
    t = np.arange(x.shape[0], dtype=np.float64) if times is None else input_times(x.shape[0], 1.0, times)
    valid = _valid_mask(x)
    if valid.all():
        return x
    never = np.flatnonzero(~valid.any(axis=0))
    if never.size:
        raise ValueError(f"poses: joint {int(never[0])} is missing in every frame; it cannot be filled")
    return interp_track(x, t, t)


def _n_output(t_in: np.ndarray, fps_in: float, fps_out: float) -> int:
    """``floor(duration * fps_out)`` with duration = last input time + one input period."""
    duration = t_in[-1] + 1.0 / fps_in
    return max(1, int(math.floor(duration * fps_out + 1e-9)))


# ----------------------------------------------------------------------------------------------------------------
# Upsampling
# ----------------------------------------------------------------------------------------------------------------
def upsample(poses, fps_in: float, fps_out: float, kind: str = "linear", times_in=None
             ) -> tuple[np.ndarray, np.ndarray]:
    """Resample a pose track to ``fps_out`` by linear or cubic-spline interpolation.

    Parameters
    ----------
    poses : array_like
        ``(T, J, 3)`` mm; NaN joints are gaps, interpolated over like any other output time.
    fps_in : float
        Input frame rate (Hz); sets the default input times ``arange(T) / fps_in`` and the track duration.
    fps_out : float
        Output frame rate (Hz).
    kind : {"linear", "cubic"}
        ``"cubic"``: ``scipy.interpolate.CubicSpline`` (not-a-knot) through the observed frames of each joint.
    times_in : array_like, optional
        ``(T,)`` input timestamps (s), strictly increasing (e.g. dropped frames); default ``arange(T)/fps_in``.

    Returns
    -------
    poses_out : np.ndarray
        ``(n, J, 3)`` mm, ``n = floor((times_in[-1] + 1/fps_in) * fps_out)`` (150 for 3 s at 50 fps).
    times_out : np.ndarray
        ``(n,)`` seconds, ``arange(n) / fps_out``. Output times outside the observed range hold the nearest
        observed value.
    """
    x = check_poses(poses)
    fps_in, fps_out = check_rate(fps_in, "fps_in"), check_rate(fps_out, "fps_out")
    if kind not in ("linear", "cubic"):
        raise ValueError(f"kind must be 'linear' or 'cubic', got {kind!r}")
    t_in = input_times(x.shape[0], fps_in, times_in)
    t_out = np.arange(_n_output(t_in, fps_in, fps_out)) / fps_out
    valid = _valid_mask(x)
    never = np.flatnonzero(~valid.any(axis=0))
    if never.size:
        raise ValueError(f"poses: joint(s) {never.tolist()} are missing in every frame")
    if kind == "linear":
        return interp_track(x, t_in, t_out), t_out
    out = np.empty((t_out.shape[0],) + x.shape[1:])
    # Joints sharing one observation pattern are interpolated together.
    patterns: dict[bytes, list[int]] = {}
    for j in range(x.shape[1]):
        patterns.setdefault(valid[:, j].tobytes(), []).append(j)
    for joints in patterns.values():
        ok = valid[:, joints[0]]
        tv, xv = t_in[ok], x[ok][:, joints]  # (n_ok,), (n_ok, len(joints), 3)
        if tv.shape[0] == 1:
            out[:, joints] = xv[0]
        else:
            out[:, joints] = CubicSpline(tv, xv, axis=0)(np.clip(t_out, tv[0], tv[-1]))
    return out, t_out


# ----------------------------------------------------------------------------------------------------------------
# Smoothers at the input rate
# ----------------------------------------------------------------------------------------------------------------
def sma(poses, window: int = 5, centered: bool = True) -> np.ndarray:
    """Simple moving average over frames (the paper's SMA, §5.2), NaN gaps filled first.

    Parameters
    ----------
    poses : array_like
        ``(T, J, 3)`` mm.
    window : int
        Frames averaged, ``1 <= window <= T``.
    centered : bool
        True: frame ``i`` averages ``[i - window//2, i - window//2 + window)`` (no lag for odd windows).
        False: trailing average ``[i - window + 1, i]`` (a causal filter; lags by ``(window-1)/2`` frames).
        Near the ends the average is over the frames that exist, so the output keeps ``T`` frames.

    Returns
    -------
    np.ndarray
        ``(T, J, 3)`` mm.
    """
    x = fill_gaps(poses)
    T = x.shape[0]
    window = _check_int(window, "window", 1)
    if window > T:
        raise ValueError(f"window ({window}) is longer than the track ({T} frames)")
    before = window // 2 if centered else window - 1
    i = np.arange(T)
    lo = np.clip(i - before, 0, T)
    hi = np.clip(i - before + window, 0, T)
    csum = np.concatenate((np.zeros((1,) + x.shape[1:]), np.cumsum(x, axis=0)))
    return (csum[hi] - csum[lo]) / (hi - lo)[:, None, None]


def sma_upsample(poses, fps_in: float, fps_out: float = 50.0, window: int = 5, centered: bool = True,
                 times_in=None) -> tuple[np.ndarray, np.ndarray]:
    """The paper's SMA baseline: moving average at the input rate, then intermediate points between
    consecutive SMA results for a higher output rate (§5.2: "we calculated the midpoints of the SMA results").

    For an integer ratio ``r = fps_out / fps_in`` (uniform input) the output is built literally: between
    SMA results ``s_k`` and ``s_{k+1}`` the points ``s_k + (i/r)(s_{k+1} - s_k)``, ``i = 0..r-1``, are emitted
    (``r = 2``: the midpoints, τ = 0.5; ``r = 3``: two intermediate points, τ = 0.33; ``r = 4``: midpoint
    insertion twice); frames after the last SMA result hold it. Any other ratio (17 -> 50 fps, non-uniform
    ``times_in``) linearly interpolates between SMA results at the output times, which is the same
    piecewise-linear curve.

    Parameters
    ----------
    poses : array_like
        ``(T, J, 3)`` mm, NaN = missing.
    fps_in, fps_out : float
        Frame rates (Hz).
    window, centered
        See :func:`sma`.
    times_in : array_like, optional
        ``(T,)`` input timestamps (s).

    Returns
    -------
    poses_out : np.ndarray
        ``(n, J, 3)`` mm with ``n`` as in :func:`upsample`.
    times_out : np.ndarray
        ``(n,)`` seconds, ``arange(n) / fps_out``.
    """
    fps_in, fps_out = check_rate(fps_in, "fps_in"), check_rate(fps_out, "fps_out")
    x = check_poses(poses)
    t_in = input_times(x.shape[0], fps_in, times_in)
    s = sma(fill_gaps(x, t_in), window, centered)
    ratio = fps_out / fps_in
    r = int(round(ratio))
    if times_in is not None or r < 1 or abs(ratio - r) > 1e-9:
        return upsample(s, fps_in, fps_out, "linear", t_in)
    n = _n_output(t_in, fps_in, fps_out)
    frac = (np.arange(r) / r)[None, :, None, None]
    inner = s[:-1, None] + frac * (s[1:] - s[:-1])[:, None]  # (T-1, r, J, 3)
    out = np.concatenate((inner.reshape((-1,) + s.shape[1:]), s[-1:]))
    if out.shape[0] < n:  # hold the last SMA result to the end of the window
        out = np.concatenate((out, np.repeat(s[-1:], n - out.shape[0], axis=0)))
    return out[:n], np.arange(n) / fps_out


def one_euro(poses, fps: float, min_cutoff: float = 1.0, beta: float = 0.01, d_cutoff: float = 1.0
             ) -> np.ndarray:
    """The 1€ filter (Casiez, Roussel & Vogel, CHI 2012), vectorised over joints and coordinates.

    A first-order low-pass whose cutoff rises with speed: ``cutoff = min_cutoff + beta * |dx/dt|``, with the
    speed itself low-passed at ``d_cutoff``. The speed uses the previous *filtered* value, as in the paper's
    pseudocode. Gaps are filled first.

    Parameters
    ----------
    poses : array_like
        ``(T, J, 3)`` mm.
    fps : float
        Frame rate (Hz) of ``poses``.
    min_cutoff : float
        Cutoff (Hz) at rest; lower removes more jitter.
    beta : float
        Cutoff increase per mm/s of speed (>= 0); higher reduces lag in fast motion.
    d_cutoff : float
        Cutoff (Hz) of the speed estimate.

    Returns
    -------
    np.ndarray
        ``(T, J, 3)`` mm.
    """
    x = fill_gaps(poses)
    fps = check_rate(fps, "fps")
    min_cutoff, d_cutoff = _check_positive(min_cutoff, "min_cutoff"), _check_positive(d_cutoff, "d_cutoff")
    if isinstance(beta, bool) or not isinstance(beta, numbers.Real) or not math.isfinite(beta) or beta < 0:
        raise ValueError(f"beta must be a finite number >= 0, got {beta!r}")

    def alpha(cutoff):
        r = 2.0 * np.pi * cutoff / fps
        return r / (r + 1.0)

    out = np.empty_like(x)
    out[0] = x[0]
    dx_hat = np.zeros_like(x[0])
    a_d = alpha(d_cutoff)
    for t in range(1, x.shape[0]):
        dx = (x[t] - out[t - 1]) * fps
        dx_hat = a_d * dx + (1.0 - a_d) * dx_hat
        a = alpha(min_cutoff + beta * np.abs(dx_hat))
        out[t] = a * x[t] + (1.0 - a) * out[t - 1]
    return out


def savgol(poses, window: int = 11, polyorder: int = 3) -> np.ndarray:
    """Savitzky-Golay smoothing along time (``scipy.signal.savgol_filter``, ``mode="interp"``).

    Parameters
    ----------
    poses : array_like
        ``(T, J, 3)`` mm; gaps filled first.
    window : int
        Odd window length in frames, ``polyorder < window <= T``.
    polyorder : int
        Polynomial order (>= 0).

    Returns
    -------
    np.ndarray
        ``(T, J, 3)`` mm.
    """
    x = fill_gaps(poses)
    window, polyorder = _check_int(window, "window", 1), _check_int(polyorder, "polyorder", 0)
    if window % 2 == 0:
        raise ValueError(f"window must be odd for savgol, got {window}")
    if polyorder >= window:
        raise ValueError(f"polyorder ({polyorder}) must be smaller than window ({window})")
    if window > x.shape[0]:
        raise ValueError(f"window ({window}) is longer than the track ({x.shape[0]} frames)")
    return savgol_filter(x, window, polyorder, axis=0, mode="interp")


def gaussian(poses, sigma: float = 2.0) -> np.ndarray:
    """Gaussian smoothing along time (``scipy.ndimage.gaussian_filter1d``, edges extended by the nearest frame).

    Parameters
    ----------
    poses : array_like
        ``(T, J, 3)`` mm; gaps filled first.
    sigma : float
        Standard deviation in frames (> 0).

    Returns
    -------
    np.ndarray
        ``(T, J, 3)`` mm.
    """
    x = fill_gaps(poses)
    sigma = _check_positive(sigma, "sigma")
    return gaussian_filter1d(x, sigma, axis=0, mode="nearest")


# ----------------------------------------------------------------------------------------------------------------
# Registry
# ----------------------------------------------------------------------------------------------------------------
def _smooth_then_upsample(smoother: Callable[..., np.ndarray], pass_fps: bool):
    def refine(poses, fps_in: float, fps_out: float = 50.0, times_in=None, **params):
        fps_in = check_rate(fps_in, "fps_in")
        x = check_poses(poses)
        t_in = input_times(x.shape[0], fps_in, times_in)
        filled = fill_gaps(x, t_in)
        smoothed = smoother(filled, fps_in, **params) if pass_fps else smoother(filled, **params)
        return upsample(smoothed, fps_in, fps_out, "linear", t_in)
    refine.__doc__ = (f"Smooth with :func:`{smoother.__name__}` at ``fps_in``, then linearly upsample to "
                      "``fps_out``; returns ``(poses_out (n, J, 3) mm, times_out (n,) s)``.")
    return refine


def _interp_only(kind: str):
    def refine(poses, fps_in: float, fps_out: float = 50.0, times_in=None):
        return upsample(poses, fps_in, fps_out, kind, times_in)
    refine.__doc__ = f"{kind.capitalize()} interpolation to ``fps_out`` (no smoothing); see :func:`upsample`."
    return refine


#: Classical refiners by name; each ``f(poses, fps_in, fps_out=50, times_in=None, **params) -> (poses, times)``.
FILTERS: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {
    "linear": _interp_only("linear"),
    "cubic": _interp_only("cubic"),
    "sma": sma_upsample,
    "one_euro": _smooth_then_upsample(one_euro, pass_fps=True),
    "savgol": _smooth_then_upsample(savgol, pass_fps=False),
    "gaussian": _smooth_then_upsample(gaussian, pass_fps=False),
}


def refine_classical(name: str, poses, fps_in: float, fps_out: float = 50.0, times_in=None, **params
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Refine a track with a classical method: smooth at the input rate, then upsample.

    Parameters
    ----------
    name : str
        A key of :data:`FILTERS`: ``"linear"``, ``"cubic"``, ``"sma"``, ``"one_euro"``, ``"savgol"``,
        ``"gaussian"``.
    poses : array_like
        ``(T, J, 3)`` mm, NaN = missing.
    fps_in, fps_out : float
        Frame rates (Hz).
    times_in : array_like, optional
        ``(T,)`` input timestamps (s).
    **params
        The method's parameters (``window``, ``polyorder``, ``sigma``, ``min_cutoff``, ``beta``, ...).

    Returns
    -------
    poses_out : np.ndarray
        ``(n, J, 3)`` mm at ``fps_out``.
    times_out : np.ndarray
        ``(n,)`` seconds.
    """
    if name not in FILTERS:
        raise ValueError(f"unknown classical method {name!r}; expected one of {sorted(FILTERS)}")
    try:
        return FILTERS[name](poses, fps_in, fps_out, times_in=times_in, **params)
    except TypeError as exc:
        if "unexpected keyword" in str(exc):
            raise TypeError(f"{name}: {exc}") from exc
        raise
