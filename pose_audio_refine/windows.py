"""Windows: the step between a canonical pose track and the model.

The model always sees a fixed 3 s window on the 50 fps output grid (150 slots), whatever the input rate:
sparse input frames at their true timestamps are linearly interpolated onto the grid (:func:`to_grid`).
That makes one fixed-shape model serve any input rate in 10–60 fps without quantising timestamps, and
the model's job becomes "correct the linear interpolation", which the audio can inform between frames.
"""
from __future__ import annotations

import numpy as np

from .interpolate import interp_track
from .validation import as_float_array, check_poses

#: Window length (s), output rate (Hz) and slots per window: the paper's 3 s at 50 fps.
WINDOW_S: float = 3.0
OUT_FPS: float = 50.0
N_SLOTS: int = 150


def to_grid(poses, times, grid_times) -> np.ndarray:
    """Linearly interpolate a sparse pose track onto output times.

    Parameters
    ----------
    poses : array_like
        ``(T, J, 3)`` poses (any unit), NaN where a joint is missing in a frame.
    times : array_like
        ``(T,)`` strictly increasing timestamps of ``poses``, s.
    grid_times : array_like
        ``(G,)`` output timestamps, s.

    Returns
    -------
    np.ndarray
        ``(G, J, 3)`` float64. Each joint is interpolated from the frames where it was observed; outside
        its first/last observation the nearest observed value is held; a joint never observed is NaN.
    """
    x = check_poses(poses)
    t = as_float_array(times, "times", ndim=1)
    g = as_float_array(grid_times, "grid_times", ndim=1)
    if t.shape[0] != x.shape[0]:
        raise ValueError(f"times must have one entry per frame ({x.shape[0]}), got {t.shape[0]}")
    if t.shape[0] > 1 and np.any(np.diff(t) <= 0):
        raise ValueError("times must be strictly increasing")
    return interp_track(x, t, g)


def grid_times(start_s: float = 0.0, n_slots: int = N_SLOTS, fps: float = OUT_FPS) -> np.ndarray:
    """``(n_slots,)`` output timestamps ``start_s + k / fps``, s."""
    return start_s + np.arange(n_slots) / fps
