"""Input checks shared by every public entry point.

Each check raises a ``ValueError``/``TypeError`` that names the offending argument and returns a *new*
array, so callers never modify what a user passed in.
"""
from __future__ import annotations

import numbers
from pathlib import Path

import numpy as np


#: Largest coordinate magnitude accepted in a pose track (any units): beyond it the canonical fit's squares and
#: products overflow float64 or lose every digit of a body-sized motion, so it can only be a units or data error.
MAX_ABS_COORD: float = 1e12
#: An audio signal peaking above this is far outside the nominal [-1, 1]: warned about (integer PCM stored as
#: float is the usual cause), and still used as given.
AUDIO_PEAK_WARN: float = 2.0


def as_float_array(x, name: str, ndim: int | tuple[int, ...] | None = None) -> np.ndarray:
    """Copy ``x`` to a new float64 array, checking its type and rank.

    A masked array's masked entries become NaN (missing). Raises ``TypeError`` when ``x`` is not real numbers
    (strings, complex numbers, dates: a cast would silently drop their meaning; booleans become 0/1),
    ``ValueError`` on a wrong rank or an empty array.
    """
    try:
        src = x if isinstance(x, np.ndarray) else np.asarray(x)
    except (TypeError, ValueError, RuntimeError) as exc:  # ragged nested lists; a torch tensor needing grad
        raise TypeError(f"{name} must be a numeric array, got {type(x).__name__} that numpy cannot read as "
                        f"one ({exc})") from None
    if src.dtype.kind in "cUSVMm":
        what = "complex numbers" if src.dtype.kind == "c" else f"dtype {src.dtype}"
        raise TypeError(f"{name} must be a numeric array of real numbers, got {type(x).__name__} of {what}")
    try:
        if np.ma.isMaskedArray(src):
            arr = np.ma.array(src, dtype=np.float64, copy=True).filled(np.nan)
        else:
            arr = np.array(src, dtype=np.float64, copy=True)
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

    NaN marks missing frames/joints and is allowed unless ``allow_nan`` is False. A joint with *any* NaN
    coordinate is missing as a whole: its other coordinates become NaN too in the copy (half a position is no
    position). Masked entries of a masked array count as NaN. Inf and coordinates beyond :data:`MAX_ABS_COORD`
    never are allowed, and an all-NaN track (of any person) is rejected because nothing can be recovered from it.
    """
    if getattr(poses, "dtype", None) == np.bool_:
        raise TypeError(f"{name} must be a numeric array of coordinates, got booleans")
    arr = as_float_array(poses, name, ndim=ndim)
    if arr.shape[-1] != 3:
        shape = "(T, J, 3)" if ndim == 3 else "(T, J, 3) or (N, T, J, 3)"
        raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
    if np.isinf(arr).any():
        raise ValueError(f"{name} contains inf values")
    finite = np.abs(arr[~np.isnan(arr)])  # every finite value, even beside a NaN: garbage is garbage
    peak = float(finite.max()) if finite.size else 0.0
    del finite
    if peak > MAX_ABS_COORD:
        raise ValueError(f"{name} has coordinates as large as {peak:.3g}, far beyond any body in any units "
                         f"(limit {MAX_ABS_COORD:g}): check the data and its units")
    joint_nan = np.isnan(arr).any(axis=-1)
    if joint_nan.any() and not allow_nan:
        raise ValueError(f"{name} contains NaN values")
    arr[joint_nan] = np.nan
    people = joint_nan[None] if arr.ndim == 3 else joint_nan
    for p, person in enumerate(people):
        if person.all():
            who = name if arr.ndim == 3 else f"{name}[{p}]"
            raise ValueError(f"{who} is all NaN: no joint was observed in any frame (a joint counts as observed "
                             "where all three of its coordinates are finite)")
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
    check_finite_signal(arr, name, "clean the signal first")
    return arr.astype(np.float32) if copy else arr


def check_finite_signal(arr: np.ndarray, name: str, advice: str) -> None:
    """Raise a ``ValueError`` naming ``name`` (and ``advice``) if the 1-D signal ``arr`` holds NaN or inf.

    Checked in blocks of 4 Mi samples, so an hour of audio needs no signal-sized boolean temporary.
    """
    step = 1 << 22
    for i in range(0, arr.size, step):
        block = arr[i:i + step]
        if not np.isfinite(block).all():
            bad = "NaN" if np.isnan(block).any() else "inf"
            raise ValueError(f"{name} contains {bad} values (first bad block starts at sample {i}); {advice}")


def audio_peak(y: np.ndarray) -> float:
    """Largest ``|y|`` of a finite signal, computed in blocks (no signal-sized temporary)."""
    step = 1 << 22
    return max(float(np.abs(y[i:i + step]).max()) for i in range(0, y.size, step))


def audio_level_note(y: np.ndarray, name: str = "audio") -> str | None:
    """A warning text when a float signal peaks above :data:`AUDIO_PEAK_WARN` (far outside [-1, 1]), else None."""
    peak = audio_peak(y)
    if peak <= AUDIO_PEAK_WARN:
        return None
    return (f"{name} peaks at {peak:.4g}, far outside the nominal [-1, 1]: integer PCM stored as float? Scale it "
            "first (e.g. y / 32768 for 16-bit, y / 2**31 for 32-bit); it is used as given")


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


def check_output_path(path, name: str, *, folder: bool = False) -> Path:
    """Check that ``path`` can be written (a file, or with ``folder=True`` a folder to create) before any work.

    Parameters
    ----------
    path : str or Path
        The output path.
    name : str
        Argument name used in error messages (e.g. ``"--out"``).
    folder : bool
        ``path`` is a folder (created later if missing) rather than a file.

    Returns
    -------
    Path

    Raises
    ------
    ValueError
        Naming ``name``: a file path that is an existing folder, a folder path that is an existing file, or a
        path under an existing file (nothing can be created there).
    """
    p = Path(path)
    if folder and p.exists() and not p.is_dir():
        raise ValueError(f"{name} {p} is a file, not a folder: give a folder for the outputs")
    if not folder and p.is_dir():
        raise ValueError(f"{name} {p} is a folder: give a file name")
    for parent in p.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ValueError(f"{name} {p} cannot be created: {parent} is a file, not a folder")
            break
    return p
