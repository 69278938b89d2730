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


def check_poses(poses, name: str = "poses", allow_nan: bool = True, ndim: int | tuple[int, ...] = 3) -> np.ndarray:
    """Validate a pose track ``(T, J, 3)`` (or, with ``ndim=(3, 4)``, several people ``(N, T, J, 3)``) and
    return a float64 copy.

    NaN marks missing frames/joints and is allowed unless ``allow_nan`` is False; inf never is, and an
    all-NaN track (of any person) is rejected because nothing can be recovered from it.
    """
    arr = as_float_array(poses, name, ndim=ndim)
    if arr.shape[-1] != 3:
        shape = "(T, J, 3)" if ndim == 3 else "(T, J, 3) or (N, T, J, 3)"
        raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
    if np.isinf(arr).any():
        raise ValueError(f"{name} contains inf values")
    nan = np.isnan(arr)
    people = nan[None] if arr.ndim == 3 else nan
    for p, person in enumerate(people):
        if person.all():
            who = name if arr.ndim == 3 else f"{name}[{p}]"
            raise ValueError(f"{who} is all NaN: no joint was observed in any frame")
    if nan.any() and not allow_nan:
        raise ValueError(f"{name} contains NaN values")
    return arr


def check_audio(y, name: str = "audio", copy: bool = True) -> np.ndarray:
    """Validate a mono float signal ``(n_samples,)``: finite, not empty, nominally in [-1, 1].

    Parameters
    ----------
    y : array_like
        The signal. Integer PCM is refused (say how to convert); several channels are refused.
    name : str
        Argument name used in error messages.
    copy : bool
        Return a float32 copy (True), or ``y`` itself when it already is a float ndarray (False: long
        signals are not duplicated; the caller must not modify it).

    Returns
    -------
    np.ndarray, shape (n_samples,)
    """
    arr = y if isinstance(y, np.ndarray) else None
    if arr is None:
        try:
            arr = np.asarray(y)
        except Exception as exc:  # noqa: BLE001 - ragged or exotic input
            raise TypeError(f"{name} must be a path, a float array or None, got {type(y).__name__}") from exc
    if arr.ndim == 0 or arr.dtype == object:
        raise TypeError(f"{name} must be a path, a float array or None, got {type(y).__name__}")
    if not np.issubdtype(arr.dtype, np.floating):
        if np.issubdtype(arr.dtype, np.integer):
            raise TypeError(f"{name} must be a float array (nominally in [-1, 1]), got dtype {arr.dtype}; "
                            "convert integer PCM first, e.g. y / 32768")
        raise TypeError(f"{name} must be a path, a float array or None, got {type(y).__name__} of dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a mono signal of shape (n_samples,), got shape {arr.shape}; "
                         "average the channels first")
    if arr.size == 0:
        raise ValueError(f"{name} is empty (0 samples)")
    step = 1 << 22  # checked in blocks: no signal-sized temporary
    for i in range(0, arr.size, step):
        block = arr[i:i + step]
        if not np.isfinite(block).all():
            bad = "NaN" if np.isnan(block).any() else "inf"
            raise ValueError(f"{name} contains {bad} values (first bad block starts at sample {i}); clean the "
                             "signal first")
    return arr.astype(np.float32) if copy else arr


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
