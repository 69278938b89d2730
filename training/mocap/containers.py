"""Marker and joint trajectory containers (what the readers return and :func:`markers_to_joints` makes)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pose_audio_refine.units import MM_PER_UNIT
from pose_audio_refine.validation import check_rate

__all__ = ["MarkerData", "JointData"]


def _check_positions(positions, n_names: int, what: str) -> np.ndarray:
    arr = np.array(positions, dtype=np.float64, copy=True)
    if arr.ndim != 3 or arr.shape[-1] != 3:
        raise ValueError(f"positions must have shape (T, {what}, 3), got {arr.shape}")
    if arr.shape[1] != n_names:
        raise ValueError(f"names has {n_names} entries but positions has {arr.shape[1]} {what.lower()}")
    if np.isinf(arr).any():
        raise ValueError("positions contains inf values")
    return arr


@dataclass
class MarkerData:
    """Marker trajectories.

    Attributes
    ----------
    names : list of str
        Marker labels, length ``M``.
    positions : np.ndarray
        ``(T, M, 3)`` float64 in ``units`` (the readers always give mm); NaN = missing.
    rate : float
        Frame rate, Hz.
    units : str
        ``"mm"``, ``"cm"`` or ``"m"``.
    analog : np.ndarray or None
        Optional analog channels ``(n_channels, n_samples)`` as stored in the file (C3D only).
    analog_rate : float or None
        Analog sample rate, Hz.
    analog_names : list of str
        Analog channel labels.
    """

    names: list[str]
    positions: np.ndarray
    rate: float
    units: str = "mm"
    analog: np.ndarray | None = None
    analog_rate: float | None = None
    analog_names: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.names = [str(n) for n in self.names]
        self.positions = _check_positions(self.positions, len(self.names), "M")
        self.rate = check_rate(self.rate, "rate")
        if self.units not in MM_PER_UNIT:
            raise ValueError(f"units must be one of {sorted(MM_PER_UNIT)}, got {self.units!r}")

    @property
    def n_frames(self) -> int:
        """Number of frames ``T``."""
        return self.positions.shape[0]

    @property
    def n_markers(self) -> int:
        """Number of markers ``M``."""
        return self.positions.shape[1]

    def times(self) -> np.ndarray:
        """Frame times in seconds from the first frame, ``(T,)``."""
        return np.arange(self.n_frames) / self.rate


@dataclass
class JointData:
    """Joint trajectories.

    Attributes
    ----------
    names : list of str
        Joint names, length ``J``.
    positions : np.ndarray
        ``(T, J, 3)`` float64, mm; NaN = missing.
    rate : float
        Frame rate, Hz.
    """

    names: list[str]
    positions: np.ndarray
    rate: float

    def __post_init__(self) -> None:
        self.names = [str(n) for n in self.names]
        self.positions = _check_positions(self.positions, len(self.names), "J")
        self.rate = check_rate(self.rate, "rate")
