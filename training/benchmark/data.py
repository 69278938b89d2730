"""Benchmark data: open a MAPdat-format window set, pick windows, read them into memory.

A build folder holds ``meta.json`` and one file set per split (``docs/mapdat.md``); every τ's noisy input
(``inputs_<τ>``, ``(T_in, 13, 3)`` mm, NaN = dropped frame) shares the window's 150-frame ground truth ``gt``.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from training.engine.dataset import shuffled_other_take
from training.mapdat import load_split
from training.take_windows import TAUS

__all__ = ["BuildMissingError", "build_command", "open_set", "subset_indices", "window_batch",
           "shuffled_audio_clips"]


class BuildMissingError(FileNotFoundError):
    """A window set that has not been built (the message says how to build it)."""


def build_command(root) -> str:
    """The `tools/build_mapdat.py` command that builds the window set expected at ``root``."""
    root = Path(root)
    name = root.name.lower()
    if "dance" in name:
        return f"python tools/build_mapdat.py --real dance --preset realistic --out {root}"
    if "mocap" in name:
        return f"python tools/build_mapdat.py --real mocap_toolbox --preset realistic --out {root}"
    preset = "paper" if "paper" in name else "realistic"
    return f"python tools/build_mapdat.py --preset {preset} --out {root} --workers 2"


def open_set(root, split: str = "test") -> tuple[dict, dict]:
    """Open one split of a MAPdat-format build (memory-mapped).

    Parameters
    ----------
    root : str or Path
        Build folder (holds ``meta.json``).
    split : {"train", "val", "test"}

    Returns
    -------
    data : dict
        Array name -> array, see ``docs/mapdat.md``.
    meta : dict
        The build's ``meta.json``.

    Raises
    ------
    BuildMissingError
        When the folder holds no finished build or not this split; the message gives the build command.
    """
    root = Path(root)
    if not (root / "meta.json").is_file():
        raise BuildMissingError(f"no finished window set at {root} (no meta.json). Build it with:\n    "
                                f"{build_command(root)}")
    data = load_split(root, split)
    if not data or f"inputs_{next(iter(TAUS))}" not in data:
        raise BuildMissingError(f"{root} has no {split!r} split. Rebuild it with:\n"
                                f"    {build_command(root)} --overwrite")
    return data, json.loads((root / "meta.json").read_text())


def subset_indices(n: int, max_windows: int | None) -> np.ndarray:
    """``(k,)`` evenly spaced sample indices (all ``n`` when ``max_windows`` is None or >= n)."""
    if n < 1:
        raise ValueError("the split holds no windows")
    if max_windows is None or max_windows >= n:
        return np.arange(n)
    if max_windows < 1:
        raise ValueError(f"max_windows must be >= 1, got {max_windows}")
    return np.unique(np.linspace(0, n - 1, int(max_windows)).round().astype(int))


def window_batch(data: dict, tau: str, idx) -> dict[str, np.ndarray]:
    """Read samples ``idx`` of one τ into memory.

    Returns
    -------
    dict
        ``inputs`` ``(N, T_in, 13, 3)`` float64 mm (NaN = dropped; frame ``i`` at ``i / fps`` s), ``gt``
        ``(N, 150, 13, 3)`` float64 mm, ``swap`` ``(N, T_in, 13)`` bool, ``category`` ``(N,)`` int, ``clip``
        ``(N,)`` int (row of ``gt``/``audio``), ``fps`` (float).
    """
    if tau not in TAUS:
        raise ValueError(f"tau must be one of {sorted(TAUS)}, got {tau!r}")
    idx = np.asarray(idx, dtype=np.intp)
    clip = np.asarray(data["clip_index"])[idx].astype(np.intp)
    return {
        "inputs": np.asarray(data[f"inputs_{tau}"][idx], dtype=np.float64),
        "gt": np.asarray(data["gt"][clip], dtype=np.float64),
        "swap": np.asarray(data[f"swap_{tau}"][idx], dtype=bool),
        "category": np.asarray(data[f"category_{tau}"][idx], dtype=int),
        "clip": clip,
        "fps": float(TAUS[tau]),
    }


def shuffled_audio_clips(data: dict, clip: np.ndarray, seed: int = 0) -> np.ndarray:
    """For every window's clip, the clip whose audio the shuffled-audio control feeds it: a window of a
    different take of the same split (``training.engine.dataset.shuffled_other_take``).

    Returns
    -------
    np.ndarray
        ``(N,)`` clip indices; ``clip_take_index`` differs from the window's own everywhere.
    """
    return shuffled_other_take(np.asarray(clip), np.asarray(data["clip_take_index"]), seed)
