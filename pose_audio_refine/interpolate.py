"""The one interpolator for pose tracks with missing joints (NaN gaps).

Every stage that moves a track from one set of timestamps to another goes through :func:`interp_track`: the
model's input windows (sparse input frames onto the 150 slots of the 50 fps grid), the Refiner's support mask
and its restore step, resampling to ``out_fps``, the classical filters' gap filling and upsampling, and the
video tool's raw-estimate plots. One implementation means one set of edge rules:

- each joint is interpolated linearly between the frames where it is observed (all three coordinates finite);
  an output time equal to an observed input time returns the input value exactly;
- before the first / after the last observation the nearest observed value is held (``hold_edges=True``) or
  the output is NaN;
- a joint never observed is NaN;
- optionally NaN where the nearest observation is farther than ``support_s`` (nothing is invented far from
  the data), or where the two observations around an output time are more than ``max_gap_s`` apart (a gap is
  kept, not bridged).
"""
from __future__ import annotations

import numpy as np

__all__ = ["interp_track", "nearest_observation_s"]


def _observed(x: np.ndarray) -> np.ndarray:
    """``(T, J)`` True where a joint is observed (every coordinate finite)."""
    return np.isfinite(x).all(axis=-1)


def _interp_rows(t_obs: np.ndarray, x_obs: np.ndarray, t_out: np.ndarray, hold_edges: bool,
                 support_s: float | None, max_gap_s: float | None) -> np.ndarray:
    """Interpolate ``x_obs`` ``(n, K, 3)`` observed at ``t_obs`` onto ``t_out`` (every column shares times)."""
    n = t_obs.size
    if n == 1:
        out = np.repeat(x_obs[:1], t_out.size, axis=0).astype(np.float64)
        lo = hi = np.zeros(t_out.size, dtype=np.int64)
        w = np.zeros(t_out.size)
    else:
        hi = np.clip(np.searchsorted(t_obs, t_out, side="right"), 1, n - 1)
        lo = hi - 1
        w = np.clip((t_out - t_obs[lo]) / (t_obs[hi] - t_obs[lo]), 0.0, 1.0)
        a, b = x_obs[lo], x_obs[hi]
        wb = w.reshape((-1,) + (1,) * (x_obs.ndim - 1))
        # exact copies at w == 0 / 1, so an output time on an input frame returns that frame bit for bit
        out = np.where(wb == 0.0, a, np.where(wb == 1.0, b, a + wb * (b - a)))
    bad = np.zeros(t_out.size, dtype=bool)
    eps = 1e-9
    if not hold_edges:
        bad |= (t_out < t_obs[0] - eps) | (t_out > t_obs[-1] + eps)
    if support_s is not None:
        dist = np.minimum(np.abs(t_out - t_obs[lo]), np.abs(t_obs[hi] - t_out))
        bad |= dist > support_s + eps
    if max_gap_s is not None and n > 1:
        inside = (t_out > t_obs[lo] + eps) & (t_out < t_obs[hi] - eps)
        bad |= inside & (t_obs[hi] - t_obs[lo] > max_gap_s + eps)
    if bad.any():
        out[bad] = np.nan
    return out


def interp_track(poses: np.ndarray, times: np.ndarray, out_times: np.ndarray, *, hold_edges: bool = True,
                 support_s: float | None = None, max_gap_s: float | None = None) -> np.ndarray:
    """Linearly interpolate a pose track with missing joints onto new timestamps.

    Parameters
    ----------
    poses : np.ndarray, shape (T, J, 3)
        Positions (any unit); a joint is missing in a frame when any of its coordinates is NaN.
    times : np.ndarray, shape (T,)
        Strictly increasing timestamps of ``poses``, s.
    out_times : np.ndarray, shape (G,)
        Output timestamps, s (any order).
    hold_edges : bool
        Hold the first/last observed value outside a joint's observed span (else NaN there).
    support_s : float, optional
        NaN where the nearest observation of the joint is more than this many seconds away.
    max_gap_s : float, optional
        NaN strictly between two consecutive observations more than this many seconds apart.

    Returns
    -------
    np.ndarray, shape (G, J, 3)
        float64; NaN for joints never observed and where the options above say so.

    Notes
    -----
    Joints sharing one observation pattern are interpolated together, so a complete track costs one
    ``searchsorted`` and one vectorised blend.
    """
    x = np.asarray(poses, dtype=np.float64)
    t = np.asarray(times, dtype=np.float64)
    g = np.asarray(out_times, dtype=np.float64)
    out = np.full((g.size,) + x.shape[1:], np.nan)
    if x.shape[0] == 0 or g.size == 0:
        return out
    seen = _observed(x)
    opts = (hold_edges, support_s, max_gap_s)
    if seen.all():
        return _interp_rows(t, x, g, *opts)
    patterns: dict[bytes, list[int]] = {}
    for j in range(x.shape[1]):
        patterns.setdefault(seen[:, j].tobytes(), []).append(j)
    for joints in patterns.values():
        ok = seen[:, joints[0]]
        if ok.any():
            out[:, joints] = _interp_rows(t[ok], x[ok][:, joints], g, *opts)
    return out


def nearest_observation_s(poses: np.ndarray, times: np.ndarray, out_times: np.ndarray) -> np.ndarray:
    """Seconds from each output time to the nearest frame where each joint is observed.

    Parameters
    ----------
    poses : np.ndarray, shape (T, J, 3)
    times : np.ndarray, shape (T,)
        Strictly increasing, s.
    out_times : np.ndarray, shape (G,)
        s.

    Returns
    -------
    np.ndarray, shape (G, J)
        ``inf`` for a joint never observed.
    """
    seen = _observed(np.asarray(poses, dtype=np.float64))
    t = np.asarray(times, dtype=np.float64)
    g = np.asarray(out_times, dtype=np.float64)
    out = np.full((g.size, seen.shape[1]), np.inf)
    for j in range(seen.shape[1]):
        tj = t[seen[:, j]]
        if tj.size == 0:
            continue
        nxt = np.searchsorted(tj, g, side="left")
        after = np.abs(tj[np.clip(nxt, 0, tj.size - 1)] - g)
        before = np.abs(g - tj[np.clip(nxt - 1, 0, tj.size - 1)])
        out[:, j] = np.minimum(after, before)
    return out
