"""The model's canonical frame: fit it to a track, map the track in, and map refined poses back out exactly.

MAPnet was trained on ``telmi13`` tracks in the paper's frame: millimetres, z up, y forward (the direction the
player faces), x to the player's right, origin at the left toe. Pose estimators deliver other frames (camera
frame in metres with y down, root-relative, MMPose's z-up rebased demo output...). A track is brought into the
canonical frame by one rigid similarity, fitted once per track (:func:`fit_canonical`)::

    canonical = scale * poses @ rotation.T + offset

1. **units -> mm**: ``scale = MM_PER_UNIT[units]``.
2. **up -> z**: :func:`z_up_rotation` of the skeleton's ``up_axis`` (a mirror-image input frame, such as
   MMPose's demo output, is made right-handed first by the caller: :func:`to_right_handed`).
3. **facing -> +y**: a rotation about z that puts the player's right (the horizontal part of
   ``(RSHO - LSHO) + (RBWT - LBWT)``) on +x, so forward (``up x right``) is +y. The heading is the circular
   median over frames (NaN frames skipped), so a few swapped or missing frames do not move it. It is fitted
   *per track*, not per window: a violinist turns little, the model saw small turns in training, and one
   rotation is trivially exact to invert.
4. **origin**: the median left-toe position (NaN frames skipped) goes to the origin, as in the training data.
   If the left toe is never observed, the median of the per-frame mean of the observed joints goes to
   :data:`BODY_CENTRE_MM`, where it sits in the training data.

The model centres every window on its own mean position, so step 4 only keeps coordinates in the range the
model was trained on; steps 1-3 matter. :func:`from_canonical` is the exact inverse (float64 round-off,
~1e-13 relative). :func:`fit_canonical` also notes implausible inputs (wrong units or up axis) in
``CanonicalFrame.warnings``, and refuses a track whose shoulder width is no human's (a units mistake).

Every conversion between coordinate frames lives here: up axis (:func:`z_up_rotation`, :func:`to_z_up`),
handedness (:func:`to_right_handed`) and the canonical similarity.
"""
from __future__ import annotations

import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from .skeletons import _UP_AXES, TELMI13_JOINTS, Skeleton, get_skeleton
from .units import MM_PER_UNIT, check_units
from .validation import check_poses

__all__ = ["CanonicalFrame", "BODY_CENTRE_MM", "fit_canonical", "to_canonical", "from_canonical", "heading",
           "z_up_rotation", "to_z_up", "from_z_up", "to_right_handed", "from_right_handed"]

_I = {name: i for i, name in enumerate(TELMI13_JOINTS)}
#: Median over frames of the mean of the 13 joints in the training frame (6 simulated takes, rounded), mm.
#: Only used when the left toe is never observed.
BODY_CENTRE_MM: tuple[float, float, float] = (200.0, -30.0, 910.0)
# Plausibility bounds for the warnings: shoulder width (simulated players: 390-480 mm, adults 300-500 mm) and
# the trunk's tilt from vertical.
_SHOULDER_MM = (100.0, 1000.0)
#: Shoulder widths (mm, median over frames, after reading the poses in the given units) outside this range are
#: no human body: a units mistake (metres passed as mm is ~0.4 mm wide, mm passed as metres ~400 m), an error.
UNITS_ERROR_SHOULDER_MM: tuple[float, float] = (50.0, 1000.0)
_MAX_TRUNK_TILT_DEG = 60.0


@dataclass(frozen=True)
class CanonicalFrame:
    """A fitted map ``canonical = scale * x @ rotation.T + offset`` (input units -> mm).

    Attributes
    ----------
    scale : float
        Millimetres per input unit.
    rotation : np.ndarray, shape (3, 3)
        Proper rotation: up axis to z, then the player's facing to +y.
    offset : np.ndarray, shape (3,)
        Translation in mm, applied after scaling and rotating.
    heading_deg : float
        Angle (degrees, counter-clockwise about z) of the rotation about z that step 3 applied.
    warnings : tuple of str
        Notes on implausible input (units or up axis that look wrong, no heading found).
    """

    scale: float
    rotation: np.ndarray
    offset: np.ndarray
    heading_deg: float = 0.0
    warnings: tuple[str, ...] = field(default=())


def _rot_z(angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def heading(telmi_z_up) -> float | None:
    """Robust angle (rad) of the player's right direction in the horizontal plane of a z-up telmi13 track.

    Parameters
    ----------
    telmi_z_up : array_like, shape (T, 13, 3)
        telmi13 track with z up (any units); NaN frames/joints are skipped.

    Returns
    -------
    float or None
        ``atan2(y, x)`` of the circular median of per-frame right vectors ``(RSHO - LSHO) + (RBWT - LBWT)``
        (whichever pair is observed in a frame), or None if no frame has either pair.
    """
    x = check_poses(telmi_z_up, "telmi_z_up")
    pairs = [x[:, _I["RSHO"]] - x[:, _I["LSHO"]], x[:, _I["RBWT"]] - x[:, _I["LBWT"]]]
    right = np.nansum(np.stack(pairs), axis=0)[:, :2]  # a NaN pair counts as 0 (the other pair decides)
    ok = ~np.all([np.isnan(p).any(axis=1) for p in pairs], axis=0) & (np.linalg.norm(right, axis=1) > 0)
    if not ok.any():
        return None
    ang = np.arctan2(right[ok, 1], right[ok, 0])
    ref = np.arctan2(np.sin(ang).mean(), np.cos(ang).mean())
    dev = np.angle(np.exp(1j * (ang - ref)))  # wrapped to (-pi, pi] around the mean direction
    return float(ref + np.median(dev))


def fit_canonical(telmi, units: str = "mm", up_axis: str = "z") -> CanonicalFrame:
    """Fit the map from a telmi13 track's frame to the model's canonical frame (module docstring).

    Parameters
    ----------
    telmi : array_like, shape (T, 13, 3)
        telmi13 track (e.g. from :func:`pose_audio_refine.skeletons.to_telmi13`) in ``units`` and the frame the
        estimator delivered; NaN = missing. Not modified.
    units : {"mm", "cm", "m"}
        Units of ``telmi``.
    up_axis : {"y", "-y", "z"}
        Axis pointing up in ``telmi``'s frame.

    Returns
    -------
    CanonicalFrame
    """
    x = check_poses(telmi, "telmi")
    if x.shape[1] != len(TELMI13_JOINTS):
        raise ValueError(f"telmi must have shape (T, 13, 3), got {x.shape}")
    scale = MM_PER_UNIT[check_units(units, "units")]
    r_up = z_up_rotation(up_axis)
    z = (x * scale) @ r_up.T
    notes = []
    ang = heading(z)
    if ang is None:
        ang = 0.0
        notes.append("no frame has both shoulders or both waist points: the facing direction was not fitted")
    rotation = _rot_z(-ang) @ r_up
    rotated = (x * scale) @ rotation.T
    ltoe = rotated[:, _I["LTOE"]]
    if np.isfinite(ltoe).all(axis=1).any():
        offset = -np.nanmedian(ltoe[np.isfinite(ltoe).all(axis=1)], axis=0)
    else:
        with _quiet():
            centre = np.nanmean(rotated, axis=1)
        centre = centre[np.isfinite(centre).all(axis=1)]
        offset = np.asarray(BODY_CENTRE_MM) - np.median(centre, axis=0)
    notes.extend(_plausibility(rotated, units))
    return CanonicalFrame(float(scale), rotation, offset, float(np.degrees(-ang)), tuple(notes))


@contextmanager
def _quiet():
    """Silence numpy's "Mean of empty slice" RuntimeWarning (all-NaN frames are expected and skipped)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _plausibility(c: np.ndarray, units: str) -> list[str]:
    """Warnings for a canonical (mm, z-up) telmi13 track that does not look like a standing/sitting body."""
    notes = []
    width = np.linalg.norm(c[:, _I["RSHO"]] - c[:, _I["LSHO"]], axis=1)
    width = width[np.isfinite(width)]
    if width.size and not UNITS_ERROR_SHOULDER_MM[0] <= np.median(width) <= UNITS_ERROR_SHOULDER_MM[1]:
        w = float(np.median(width))
        fits = [u for u, k in MM_PER_UNIT.items() if 300.0 <= w / MM_PER_UNIT[units] * k <= 600.0]
        hint = f"; they look like {fits[0]!r}" if fits else ""
        raise ValueError(f"units={units!r} gives a median shoulder width of {w:.3g} mm, which is no human body "
                         f"(expected {UNITS_ERROR_SHOULDER_MM[0]:g}-{UNITS_ERROR_SHOULDER_MM[1]:g} mm){hint}: pass "
                         "the units your poses are in (units='m', 'cm' or 'mm')")
    if width.size and not _SHOULDER_MM[0] <= np.median(width) <= _SHOULDER_MM[1]:
        notes.append(f"median shoulder width is {np.median(width):.3g} mm after reading the poses as {units!r}; "
                     "check units=")
    with _quiet():
        waist = np.nanmean(c[:, [_I["RBWT"], _I["LBWT"]]], axis=1)
    trunk = c[:, _I["C7"]] - waist
    trunk = trunk[np.isfinite(trunk).all(axis=1)]
    if trunk.size:
        t = np.median(trunk, axis=0)
        tilt = np.degrees(np.arccos(np.clip(t[2] / max(np.linalg.norm(t), 1e-12), -1.0, 1.0)))
        if tilt > _MAX_TRUNK_TILT_DEG:
            notes.append(f"the trunk (waist -> C7) is {tilt:.0f} degrees from vertical in the assumed up axis; "
                         "pass skeleton=get_skeleton(name, up_axis=...) with the right up axis")
    return notes


def to_canonical(poses, frame: CanonicalFrame) -> np.ndarray:
    """Map a track (any joint count, input units and frame) into the canonical frame.

    Parameters
    ----------
    poses : array_like, shape (T, J, 3)
        NaN allowed (stays NaN). Not modified.
    frame : CanonicalFrame

    Returns
    -------
    np.ndarray, shape (T, J, 3)
        ``frame.scale * poses @ frame.rotation.T + frame.offset``, mm.
    """
    x = np.asarray(poses, dtype=np.float64)
    return (x * frame.scale) @ frame.rotation.T + frame.offset


def from_canonical(poses, frame: CanonicalFrame) -> np.ndarray:
    """Exact inverse of :func:`to_canonical`: canonical mm back to the input's units and frame.

    Parameters
    ----------
    poses : array_like, shape (T, J, 3)
        Canonical poses, mm. Not modified.
    frame : CanonicalFrame

    Returns
    -------
    np.ndarray, shape (T, J, 3)
        ``((poses - frame.offset) @ frame.rotation) / frame.scale``.
    """
    x = np.asarray(poses, dtype=np.float64)
    return ((x - frame.offset) @ frame.rotation) / frame.scale


def z_up_rotation(up_axis: str) -> np.ndarray:
    """Proper rotation (det +1) taking a frame with ``up_axis`` up to a z-up frame.

    ``"y"`` (y up, the subject facing +z, as in BVH/SMPL): ``(x, y, z) -> (-x, z, y)``.
    ``"-y"`` (camera frame: x right, y down, z away, the subject facing the camera): ``(x, y, z) -> (-x, -z, -y)``.
    ``"z"``: identity. In the stated facing conventions the result is telmi13's frame (x to the subject's
    right, y forward); otherwise only "up" is fixed and the heading stays as it was.

    Returns
    -------
    np.ndarray, shape (3, 3)
        ``R`` such that ``poses @ R.T`` is z-up.
    """
    if up_axis not in _UP_AXES:
        raise ValueError(f"up_axis must be one of {_UP_AXES}, got {up_axis!r}")
    return {"z": np.eye(3),
            "y": np.array([[-1.0, 0, 0], [0, 0, 1], [0, 1, 0]]),
            "-y": np.array([[-1.0, 0, 0], [0, 0, -1], [0, -1, 0]])}[up_axis]


def to_z_up(poses, skeleton: str | Skeleton) -> np.ndarray:
    """Rotate a track from ``skeleton.up_axis``-up to z-up (right-handed, see :func:`z_up_rotation`).

    Parameters
    ----------
    poses : array_like, shape (T, J, 3)
        Any joint count (a telmi13 track derived from this skeleton works too); units unchanged.
    skeleton : str or Skeleton
        Supplies ``up_axis``.

    Returns
    -------
    np.ndarray, shape (T, J, 3)
    """
    arr = check_poses(poses, "poses")
    return arr @ z_up_rotation(get_skeleton(skeleton).up_axis).T


def from_z_up(poses, skeleton: str | Skeleton) -> np.ndarray:
    """Inverse of :func:`to_z_up`: rotate a z-up track back to ``skeleton.up_axis``-up.

    Parameters
    ----------
    poses : array_like, shape (T, J, 3)
    skeleton : str or Skeleton

    Returns
    -------
    np.ndarray, shape (T, J, 3)
    """
    arr = check_poses(poses, "poses")
    return arr @ z_up_rotation(get_skeleton(skeleton).up_axis)


def to_right_handed(poses, skeleton: str | Skeleton) -> np.ndarray:
    """Undo a mirror-image frame: negate y when ``skeleton.mirror_y`` (a new array either way).

    MMPose's 3D demo takes the lifter's camera frame ``(x right, y down, z away)`` to ``(-x, z, -y)``, a map
    with determinant -1, so its tracks are mirror images; negating y makes them right-handed and z-up again.
    The map is its own inverse (:func:`from_right_handed`).

    Parameters
    ----------
    poses : array_like, shape (..., 3)
    skeleton : str or Skeleton
        Supplies ``mirror_y``.

    Returns
    -------
    np.ndarray, shape (..., 3)
    """
    arr = np.array(poses, dtype=np.float64)
    if get_skeleton(skeleton).mirror_y:
        arr[..., 1] *= -1.0
    return arr


#: The inverse of :func:`to_right_handed` (the same map: a mirror is its own inverse).
from_right_handed = to_right_handed
