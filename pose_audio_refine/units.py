"""Length units. Poses inside the package are millimetres; conversion at the edges is explicit."""
from __future__ import annotations

import numpy as np

#: Millimetres per unit, for every unit the package accepts.
MM_PER_UNIT: dict[str, float] = {"mm": 1.0, "cm": 10.0, "m": 1000.0}


def check_units(units: str, name: str = "units") -> str:
    """Return ``units`` if it is one of ``"mm"``, ``"cm"``, ``"m"``; raise ``ValueError`` otherwise."""
    if not isinstance(units, str) or units not in MM_PER_UNIT:
        raise ValueError(f"{name} must be one of {sorted(MM_PER_UNIT)}, got {units!r}")
    return units


def convert_units(x: np.ndarray, from_units: str, to_units: str) -> np.ndarray:
    """Convert lengths between ``"mm"``, ``"cm"`` and ``"m"``.

    Parameters
    ----------
    x : np.ndarray
        Any shape of lengths (for example poses ``(T, J, 3)``).
    from_units, to_units : str
        ``"mm"``, ``"cm"`` or ``"m"``.

    Returns
    -------
    np.ndarray
        A new float array (never a view of ``x``) in ``to_units``.
    """
    factor = MM_PER_UNIT[check_units(from_units, "from_units")] / MM_PER_UNIT[check_units(to_units, "to_units")]
    return np.asarray(x, dtype=np.float64) * factor
