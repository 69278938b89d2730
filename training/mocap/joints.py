"""Markers -> joints: MoCap Toolbox marker-to-joint maps (``m2jpar``), group means (``mcm2j``), and a
best-guess map for TELMI's Qualisys markers."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from pose_audio_refine.units import convert_units

from .containers import JointData, MarkerData
from .readers import _as_str_list, _loadmat

__all__ = ["load_m2jpar", "markers_to_joints", "TELMI_MARKER_MAP"]


def load_m2jpar(path, name: str = "m2jpar", marker_names: Sequence[str] | None = None) -> dict[str, list]:
    """Load a MoCap Toolbox marker-to-joint map (``m2jpar``) for :func:`markers_to_joints`.

    Parameters
    ----------
    path : str or Path
        MATLAB file holding the structure.
    name : str
        Variable name of the ``m2jpar`` structure.
    marker_names : sequence of str, optional
        Marker labels of the data the map is for; if given, indices are replaced by these names.

    Returns
    -------
    dict
        Joint name -> list of **0-based** marker indices (or names), in the file's joint order.
        Repeated markers are kept: the toolbox averages the list as written, so a repeat is a weight.
    """
    mat = _loadmat(path)
    if name not in mat:
        raise ValueError(f"name {name!r} not in {Path(path).name}")
    s = mat[name]
    if not (hasattr(s, "markerNum") and hasattr(s, "markerName")):
        raise ValueError(f"name {name!r} is not an m2jpar structure (needs .markerNum, .markerName)")
    joints = _as_str_list(s.markerName)
    nums = list(s.markerNum) if isinstance(s.markerNum, np.ndarray) and s.markerNum.dtype == object else [s.markerNum]
    if len(nums) != len(joints):
        raise ValueError(f"{name} lists {len(joints)} joints but {len(nums)} marker groups")
    out: dict[str, list] = {}
    for joint, group in zip(joints, nums):
        idx = [int(v) - 1 for v in np.atleast_1d(group)]  # MATLAB indices are 1-based
        if marker_names is not None:
            if max(idx) >= len(marker_names) or min(idx) < 0:
                raise ValueError(
                    f"{name}: joint {joint!r} uses marker {max(idx) + 1}, beyond {len(marker_names)} marker_names"
                )
            out[joint] = [str(marker_names[k]) for k in idx]
        else:
            out[joint] = idx
    return out


# --------------------------------------------------------------------------- markers -> joints
def markers_to_joints(markers: MarkerData, joint_map: Mapping[str, Sequence], missing: str = "any") -> JointData:
    """Make joints as means of marker groups (the MoCap Toolbox's ``mcm2j``).

    Parameters
    ----------
    markers : MarkerData
        Marker trajectories (any unit; converted to mm).
    joint_map : mapping
        Joint name -> list of marker names or 0-based indices, averaged with equal weight per entry
        (list a marker twice to weigh it double, as ``m2jpar`` does for ``midtorso``).
    missing : {"any", "all"}
        ``"any"`` (default, as ``mcm2j``, whose MATLAB ``mean`` propagates NaN): the joint is NaN in a
        frame where any of its markers is missing, because the mean of a subset sits elsewhere on the
        body and would make the joint jump. ``"all"``: average the markers present; NaN only when all
        are missing.

    Returns
    -------
    JointData
        ``(T, J, 3)`` in mm, joints in the map's order, same rate.

    Raises
    ------
    ValueError
        On an empty map or group, an unknown marker name or index out of range.
    """
    if not isinstance(markers, MarkerData):
        raise TypeError(f"markers must be a MarkerData, got {type(markers).__name__}")
    if missing not in ("any", "all"):
        raise ValueError(f"missing must be 'any' or 'all', got {missing!r}")
    if not isinstance(joint_map, Mapping) or not joint_map:
        raise ValueError("joint_map must be a non-empty mapping of joint name -> marker list")
    lookup = {n: k for k, n in enumerate(markers.names)}
    groups: list[list[int]] = []
    unknown: list[str] = []
    for joint, group in joint_map.items():
        entries = [group] if isinstance(group, (str, int, np.integer)) else list(group)
        if not entries:
            raise ValueError(f"joint_map[{joint!r}] is empty")
        idx = []
        for e in entries:
            if isinstance(e, str):
                if e not in lookup:
                    unknown.append(f"{joint}: {e!r}")
                    continue
                idx.append(lookup[e])
            elif isinstance(e, (int, np.integer)) and not isinstance(e, bool):
                if not 0 <= int(e) < markers.n_markers:
                    raise ValueError(f"joint_map[{joint!r}] has marker index {e} outside [0, {markers.n_markers - 1}]")
                idx.append(int(e))
            else:
                raise ValueError(f"joint_map[{joint!r}] entries must be marker names or indices, got {e!r}")
        groups.append(idx)
    if unknown:
        raise ValueError(f"joint_map uses marker names not in the data: {', '.join(unknown)}")
    pos = convert_units(markers.positions, markers.units, "mm")
    out = np.empty((markers.n_frames, len(groups), 3))
    for j, idx in enumerate(groups):
        sub = pos[:, idx, :]
        if missing == "any":
            out[:, j] = sub.mean(axis=1)  # NaN propagates
        else:
            n = (~np.isnan(sub[..., 0])).sum(axis=1)
            with np.errstate(invalid="ignore"):
                out[:, j] = np.nansum(sub, axis=1) / n[:, None]  # 0/0 -> NaN where all missing
    return JointData(list(joint_map.keys()), out, markers.rate)


#: Best-guess map from TELMI's Qualisys body markers to the ``telmi13`` joints (C7, RSHO, LSHO, RMEL,
#: LMEL, RMWR, LMWR, RBWT, LBWT, RKNE, LKNE, RTOE, LTOE). The paper (MAPnet §4.2) names the markers
#: (shoulder, back-shoulder, inner/outer elbow, inner/outer wrist, back waist, inner/outer knee, toe,
#: vertebrae "TS" and T10) but not their labels, so the **labels here are guesses**: ``R``/``L`` +
#: SHO (shoulder), BSH (back shoulder), IEL/OEL (inner/outer elbow), IWR/OWR (inner/outer wrist),
#: BWT (back waist), IKN/OKN (inner/outer knee), TOE; ``TS`` (upper vertebra marker, possibly T5
#: garbled in the text) and ``T10``. Rename them to a file's labels before use. Joint centres are
#: the usual heuristics: elbow/wrist/knee = midpoint of the medial and lateral markers; shoulder =
#: midpoint of the front and back shoulder markers; C7 = the upper vertebra marker.
TELMI_MARKER_MAP: dict[str, list[str]] = {
    "C7": ["TS"],
    "RSHO": ["RSHO", "RBSH"],
    "LSHO": ["LSHO", "LBSH"],
    "RMEL": ["RIEL", "ROEL"],
    "LMEL": ["LIEL", "LOEL"],
    "RMWR": ["RIWR", "ROWR"],
    "LMWR": ["LIWR", "LOWR"],
    "RBWT": ["RBWT"],
    "LBWT": ["LBWT"],
    "RKNE": ["RIKN", "ROKN"],
    "LKNE": ["LIKN", "LOKN"],
    "RTOE": ["RTOE"],
    "LTOE": ["LTOE"],
}
