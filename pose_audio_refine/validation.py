"""Input checks shared by every public entry point.

Each check raises a ``ValueError``/``TypeError`` that names the offending argument and returns a *new*
array, so callers never modify what a user passed in.
"""
from __future__ import annotations

import numbers

import numpy as np


def as_float_array(x, name: str, ndim: int | tuple[int, ...] | None = None) -> np.ndarray:
    """Copy ``x`` to a new float64 array, checking its rank.

    Raises ``TypeError`` when ``x`` is not numeric, ``ValueError`` on a wrong rank or an empty array.
    """
    try:
        arr = np.array(x, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a numeric array, got {type(x).__name__}") from exc
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            raise ValueError(f"{name} must have {' or '.join(map(str, allowed))} dimensions, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape})")
    return arr


def check_poses(poses, name: str = "poses", allow_nan: bool = True) -> np.ndarray:
    """Validate a pose track ``(T, J, 3)`` and return a float64 copy.

    NaN marks missing frames/joints and is allowed unless ``allow_nan`` is False; inf never is, and an
    all-NaN track is rejected because nothing can be recovered from it.
    """
    arr = as_float_array(poses, name, ndim=3)
    if arr.shape[-1] != 3:
        raise ValueError(f"{name} must have shape (T, J, 3), got {arr.shape}")
    if np.isinf(arr).any():
        raise ValueError(f"{name} contains inf values")
    nan = np.isnan(arr)
    if nan.all():
        raise ValueError(f"{name} is all NaN: no joint was observed in any frame")
    if nan.any() and not allow_nan:
        raise ValueError(f"{name} contains NaN values")
    return arr


def check_audio(y, name: str = "audio") -> np.ndarray:
    """Validate a mono signal ``(n_samples,)`` and return a float32 copy (no NaN/inf, not empty)."""
    arr = as_float_array(y, name, ndim=1)
    if not np.isfinite(arr).all():
        bad = "NaN" if np.isnan(arr).any() else "inf"
        raise ValueError(f"{name} contains {bad} values; clean the signal before computing features")
    return arr.astype(np.float32)


def check_rate(value, name: str, low: float | None = None, high: float | None = None) -> float:
    """Check a positive sample/frame rate, optionally inside ``[low, high]``; return it as float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name}={value} is outside the supported range [{low}, {high}]")
    return value
