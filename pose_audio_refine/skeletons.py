"""Named joint sets and the mapping between each of them and the paper's 13-joint ``telmi13`` set.

The refiner works on ``telmi13`` (MAPnet, Fig. 3): ``C7, RSHO, LSHO, RMEL, LMEL, RMWR, LMWR, RBWT, LBWT,
RKNE, LKNE, RTOE, LTOE``. Pose estimators and datasets use other joint sets; this module converts a track
to ``telmi13`` (:func:`to_telmi13`) and carries a refined ``telmi13`` track back onto the full skeleton
(:func:`from_telmi13`).

Known skeletons (:data:`SKELETONS`)
-----------------------------------
========================  ==  =====  ====  ===========================================================
name                      J   units  up    source of the joint order
========================  ==  =====  ====  ===========================================================
``telmi13``               13  mm     z     MAPnet paper, Fig. 3
``h36m``                  17  m      -y    MMPose ``configs/_base_/datasets/h36m.py`` (MMPose >= 1.0;
                                           MMPose 0.x before issue #1478 had the hip sides swapped)
``coco``                  17  m      -y    MMPose ``configs/_base_/datasets/coco.py``
``mediapipe33``           33  m      -y    MediaPipe Pose ``PoseLandmark`` enum
``dance23``               23  cm     y     Dance with Melody (Tang et al. 2018), sides verified below
``mocap_toolbox20``       20  mm     z     MoCap Toolbox demo data, ``m2jpar.markerName``
========================  ==  =====  ====  ===========================================================

``up`` is where "up" points in the skeleton's usual frame: ``-y`` for estimator camera frames (x right in
the image, y down, z away from the camera: MMPose lifters before the demo's re-axing, MediaPipe world
landmarks). Override units or up axis for your data with ``get_skeleton(name, units=..., up_axis=...)``.
Only the foot-offset rule below and :func:`to_z_up` use them.

Mapping to telmi13 (``to_telmi13``)
-----------------------------------
A telmi13 joint is *direct* when it copies one source joint; those are kept exactly both ways.

================  =========================  ========================  ===================  ======================
telmi13           h36m                       coco / mediapipe33        dance23              mocap_toolbox20
================  =========================  ========================  ===================  ======================
C7                thorax (8) [a]             mid-shoulders [b]         mid-shoulders [b]    neck (10) [c]
R/LSHO            shoulders                  shoulders                 shoulders            r/lshoulder
R/LMEL            elbows                     elbows                    elbows               r/lelbow
R/LMWR            wrists                     wrists                    wrists               r/lwrist
R/LBWT            hips [d]                   hips [d]                  hips [d]             r/lhip [e]
R/LKNE            knees                      knees                     knees                r/lknee
R/LTOE            foot + offset [f]          coco: ankle + offset [f]  toes                 r/ltoe
                                             mediapipe: foot_index
================  =========================  ========================  ===================  ======================

[a] MMPose's ``thorax`` (H36M's "Neck" joint) is the point the shoulders hang from, at the base of the neck:
    the nearest analogue of C7 (which is ~5-8 cm further back). MMPose's ``neck_base`` is higher, about nose
    level (VideoPose3D calls it "Neck/Nose"), so it is not used.
[b] Mean of the two shoulders, not shifted (C7 lies a few cm above and behind it; the shift depends on the
    facing direction and is left to the learned model). Not direct: it is recomputed from the shoulders.
[c] MoCap Toolbox's ``neck`` is the mean of the two shoulder markers (same caveat as [b]) but is a joint of
    the set, so it is mapped directly.
[d] Hip joint centres stand in for the back-waist points (they are lower and more medial). Direct.
[e] ``rhip``/``lhip`` are means of the front and back pelvis markers of one side: close to the waist. Direct.
[f] ``toe = ankle + FOOT_FORWARD_MM * forward - FOOT_DOWN_MM * up`` (converted to the skeleton's units),
    with ``forward = up x (right_hip - left_hip)`` made unit length per frame. FOOT_FORWARD_MM = 130 and
    FOOT_DOWN_MM = 50 are the medians of the ankle-to-toe marker offset in the MoCap Toolbox demo data
    (122-157 mm forward, 41-59 mm down over its 4 takes). Requires the right ``up_axis``. Not direct.

Back from telmi13 (``from_telmi13``)
------------------------------------
Direct joints take the refined values. Every other joint keeps its original position plus a weighted mean
of the displacements (refined minus original, both in telmi13) of a few telmi13 anchors, i.e. it keeps its
original per-frame offset to those anchors:

==================================  ==========================================================
joints                              anchors (weights)
==================================  ==========================================================
head / face / neck points           C7 (0.5), RSHO (0.25), LSHO (0.25)
pelvis / root                       RBWT (0.5), LBWT (0.5)
spine, midtorso                     C7 (0.5), RBWT (0.25), LBWT (0.25)
hands, fingers, hand-direction      wrist of the same side (1)
ankles, heels (when toes exist)     knee (0.5), toe (0.5) of the same side
ankles (toes derived from them)     toe of the same side (1): inverts rule [f]
==================================  ==========================================================

So ``from_telmi13(to_telmi13(x), x) == x`` exactly, and ``to_telmi13(from_telmi13(t, x)) == t`` on the direct
joints. A NaN anywhere among a joint's inputs makes that joint NaN (nothing is invented).

How the dance23 sides were decided
----------------------------------
The dataset's drawing code gives only chains (0-1 head, 2 pelvis, 3-6 and 12-15 arms, 7-11 and 16-20 legs,
21-22 hand-direction points). On all 26 sequences, assuming the usual right-handed y-up frame:

* the heading from the feet alone (heel -> toe of both feet, horizontal) puts joint 3 (shoulder) and joint 7
  (hip) on its right (``right = forward x up``) in >= 98.7 % of frames of every file, and the heading from
  the shoulders (``up x (j3 - j12)``) agrees with the feet heading in >= 99 % of frames: 3-11 are the right
  side;
* joint 0 is right of joint 1 (median 4-10 cm along the right axis; in >= 98 % of frames in the rumba and
  cha-cha files, 54-90 % in the waltz files, where the head is turned left in the hold): 0/1 are the
  right/left side of the head;
* 10 is closer to the ankle than 11 and behind it: 10 heel, 11 toe (README order);
* 21 lies 6-14 cm from the 12-15 hand, 22 lies 5 cm from the 3-6 hand.

Checks that do not rely on the frame's handedness agree: in the 20 waltz files the 12-15 wrist is above the
3-6 wrist in 81-91 % of frames (closed hold: the leader's *left* hand is raised), and the net yaw is
clockwise seen from above (natural, i.e. right, turns) in 21 of 26 files.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from .units import MM_PER_UNIT, check_units
from .validation import check_poses

__all__ = [
    "TELMI13_JOINTS",
    "TELMI13_PAIRS",
    "FOOT_FORWARD_MM",
    "FOOT_DOWN_MM",
    "TelmiRule",
    "CarryRule",
    "Skeleton",
    "SKELETONS",
    "get_skeleton",
    "infer_skeleton",
    "to_telmi13",
    "from_telmi13",
    "bones",
    "swap_left_right",
    "describe_mapping",
]

#: telmi13 joint order (MAPnet Fig. 3); index 0..12.
TELMI13_JOINTS: tuple[str, ...] = (
    "C7", "RSHO", "LSHO", "RMEL", "LMEL", "RMWR", "LMWR", "RBWT", "LBWT", "RKNE", "LKNE", "RTOE", "LTOE",
)
_T = {name: i for i, name in enumerate(TELMI13_JOINTS)}

#: Ankle-to-toe offset used where a skeleton has no toe (medians from the MoCap Toolbox demo markers).
FOOT_FORWARD_MM: float = 130.0
FOOT_DOWN_MM: float = 50.0

_UP_AXES = ("y", "-y", "z")


@dataclass(frozen=True)
class TelmiRule:
    """How one telmi13 joint is computed from a skeleton.

    ``kind`` is ``"copy"`` (``sources[0]``, exact), ``"mean"`` (weighted mean of ``sources``) or ``"foot"``
    (``sources = (ankle, right_hip, left_hip)``: ankle plus the foot offset, see the module docstring [f]).
    """

    kind: str
    sources: tuple[int, ...]
    weights: tuple[float, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class CarryRule:
    """A joint that telmi13 lacks follows the weighted mean displacement of telmi13 ``anchors``."""

    joint: int
    anchors: tuple[int, ...]
    weights: tuple[float, ...]
    note: str = ""


@dataclass(frozen=True)
class Skeleton:
    """A named joint set.

    Attributes
    ----------
    name : str
    joint_names : tuple of str, length J
    parents : tuple of int, length J
        Parent index of each joint, ``-1`` for the single root; together a tree.
    left_right : tuple of (int, int)
        Mirrored joint pairs ``(a, b)`` (one left, one right joint).
    units : str
        Default length unit of tracks in this joint set (``"mm"``, ``"cm"`` or ``"m"``).
    up_axis : str
        ``"y"``, ``"-y"`` or ``"z"``: the axis pointing up in the usual frame of this joint set.
    to_telmi : tuple of TelmiRule, length 13
        How each telmi13 joint is obtained.
    carry : tuple of CarryRule
        One rule per joint that no ``"copy"`` rule covers.
    mirror_y : bool
        Tracks are in a mirror-image (left-handed) frame whose y axis must be negated to make it right-handed,
        as MMPose's 3D demo output is (see :func:`pose_audio_refine.canonical.to_right_handed`).
    """

    name: str
    joint_names: tuple[str, ...]
    parents: tuple[int, ...]
    left_right: tuple[tuple[int, int], ...]
    units: str
    up_axis: str
    to_telmi: tuple[TelmiRule, ...]
    carry: tuple[CarryRule, ...] = field(default=())
    mirror_y: bool = False

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def num_joints(self) -> int:
        return len(self.joint_names)

    @property
    def direct(self) -> dict[int, int]:
        """``{telmi13 index: source joint index}`` for the telmi13 joints copied exactly."""
        return {k: r.sources[0] for k, r in enumerate(self.to_telmi) if r.kind == "copy"}

    def index(self, joint_name: str) -> int:
        """Index of ``joint_name``; ``ValueError`` if this skeleton has no such joint."""
        try:
            return self.joint_names.index(joint_name)
        except ValueError:
            raise ValueError(f"skeleton {self.name!r} has no joint {joint_name!r}") from None


def _validate(s: Skeleton) -> None:
    """Check a skeleton's internal consistency once, at construction (a bad table is a bug, not input)."""
    n = len(s.joint_names)
    if len(set(s.joint_names)) != n:
        raise ValueError(f"{s.name}: duplicate joint names")
    if len(s.parents) != n or sum(p == -1 for p in s.parents) != 1:
        raise ValueError(f"{s.name}: parents must have one entry per joint and exactly one root (-1)")
    for j in range(n):  # every joint reaches the root without a cycle
        seen, k = set(), j
        while k != -1:
            if k in seen or not -1 <= s.parents[k] < n:
                raise ValueError(f"{s.name}: parents do not form a tree (joint {j})")
            seen.add(k)
            k = s.parents[k]
    flat = [i for pair in s.left_right for i in pair]
    if len(set(flat)) != len(flat) or any(not 0 <= i < n for i in flat):
        raise ValueError(f"{s.name}: left_right pairs must use distinct valid indices")
    check_units(s.units, "units")
    if s.up_axis not in _UP_AXES:
        raise ValueError(f"up_axis must be one of {_UP_AXES}, got {s.up_axis!r}")
    if len(s.to_telmi) != len(TELMI13_JOINTS):
        raise ValueError(f"{s.name}: need one TelmiRule per telmi13 joint")
    for r in s.to_telmi:
        if r.kind not in ("copy", "mean", "foot") or any(not 0 <= i < n for i in r.sources):
            raise ValueError(f"{s.name}: bad TelmiRule {r}")
        if r.kind == "mean" and not np.isclose(sum(r.weights), 1.0):
            raise ValueError(f"{s.name}: mean weights must sum to 1 ({r})")
    direct = [r.sources[0] for r in s.to_telmi if r.kind == "copy"]
    carried = [c.joint for c in s.carry]
    if sorted(direct + carried) != list(range(n)):
        raise ValueError(f"{s.name}: every joint must be either copied to telmi13 or carried, exactly once")
    for c in s.carry:
        if not np.isclose(sum(c.weights), 1.0) or any(not 0 <= a < 13 for a in c.anchors):
            raise ValueError(f"{s.name}: bad CarryRule {c}")


# --- rule builders ---------------------------------------------------------------------------------------
def _copy(i: int, note: str = "") -> TelmiRule:
    return TelmiRule("copy", (i,), (1.0,), note)


def _mid(a: int, b: int, note: str) -> TelmiRule:
    return TelmiRule("mean", (a, b), (0.5, 0.5), note)


def _foot(ankle: int, rhip: int, lhip: int) -> TelmiRule:
    return TelmiRule("foot", (ankle, rhip, lhip), (), "ankle + foot offset (no toe joint)")


_ANCHORS = {  # telmi13 anchors (name, weight) for joints telmi13 lacks
    "head": ((("C7", 0.5), ("RSHO", 0.25), ("LSHO", 0.25)), "head/neck: C7 and shoulders"),
    "pelvis": ((("RBWT", 0.5), ("LBWT", 0.5)), "pelvis: waist points"),
    "spine": ((("C7", 0.5), ("RBWT", 0.25), ("LBWT", 0.25)), "spine: between C7 and waist"),
    "rhand": ((("RMWR", 1.0),), "right hand: right wrist"),
    "lhand": ((("LMWR", 1.0),), "left hand: left wrist"),
    "rfoot": ((("RKNE", 0.5), ("RTOE", 0.5)), "right ankle/heel: right knee and toe"),
    "lfoot": ((("LKNE", 0.5), ("LTOE", 0.5)), "left ankle/heel: left knee and toe"),
    "rtoe": ((("RTOE", 1.0),), "right ankle: right toe (toe derived from it)"),
    "ltoe": ((("LTOE", 1.0),), "left ankle: left toe (toe derived from it)"),
}


def _carry(groups: dict[str, tuple[int, ...]]) -> tuple[CarryRule, ...]:
    rules = []
    for key, joints in groups.items():
        pairs, note = _ANCHORS[key]
        for j in joints:
            rules.append(CarryRule(j, tuple(_T[a] for a, _ in pairs), tuple(w for _, w in pairs), note))
    return tuple(sorted(rules, key=lambda c: c.joint))


def _pairs_by_name(names: tuple[str, ...], left: str, right: str) -> tuple[tuple[int, int], ...]:
    """Pairs (left, right) of joints whose names differ only by a ``left``/``right`` prefix."""
    idx = {n: i for i, n in enumerate(names)}
    return tuple((i, idx[right + n[len(left):]]) for n, i in idx.items()
                 if n.startswith(left) and right + n[len(left):] in idx)


# --- the joint sets ----------------------------------------------------------------------------------------
def _telmi13() -> Skeleton:
    #        C7 RSHO LSHO RMEL LMEL RMWR LMWR RBWT LBWT RKNE LKNE RTOE LTOE
    parents = (-1, 0, 0, 1, 2, 3, 4, 0, 0, 7, 8, 9, 10)
    return Skeleton("telmi13", TELMI13_JOINTS, parents, ((1, 2), (3, 4), (5, 6), (7, 8), (9, 10), (11, 12)),
                    "mm", "z", tuple(_copy(k) for k in range(13)))


def _h36m() -> Skeleton:
    names = ("root", "right_hip", "right_knee", "right_foot", "left_hip", "left_knee", "left_foot", "spine",
             "thorax", "neck_base", "head", "left_shoulder", "left_elbow", "left_wrist", "right_shoulder",
             "right_elbow", "right_wrist")
    parents = (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15)  # MMPose skeleton_info links
    rules = (_copy(8, "thorax: base of the neck"), _copy(14), _copy(11), _copy(15), _copy(12), _copy(16),
             _copy(13), _copy(1, "hip centre as waist"), _copy(4, "hip centre as waist"), _copy(2), _copy(5),
             _foot(3, 1, 4), _foot(6, 1, 4))
    carry = _carry({"pelvis": (0,), "spine": (7,), "head": (9, 10), "rtoe": (3,), "ltoe": (6,)})
    return Skeleton("h36m", names, parents, _pairs_by_name(names, "left_", "right_"), "m", "-y", rules, carry)


def _coco() -> Skeleton:
    names = ("nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
             "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee",
             "right_knee", "left_ankle", "right_ankle")
    # A tree made of COCO skeleton links: nose-eye-ear-shoulder-elbow-wrist, shoulder-hip-knee-ankle.
    parents = (-1, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 5, 6, 11, 12, 13, 14)
    rules = (_mid(5, 6, "mid-shoulders"), _copy(6), _copy(5), _copy(8), _copy(7), _copy(10), _copy(9),
             _copy(12, "hip centre as waist"), _copy(11, "hip centre as waist"), _copy(14), _copy(13),
             _foot(16, 12, 11), _foot(15, 12, 11))
    carry = _carry({"head": (0, 1, 2, 3, 4), "rtoe": (16,), "ltoe": (15,)})
    return Skeleton("coco", names, parents, _pairs_by_name(names, "left_", "right_"), "m", "-y", rules, carry)


def _mediapipe33() -> Skeleton:
    names = ("nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
             "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder",
             "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_pinky",
             "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb", "left_hip", "right_hip",
             "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel", "right_heel",
             "left_foot_index", "right_foot_index")
    # A tree of MediaPipe POSE_CONNECTIONS, plus ear->shoulder and nose->mouth (which it does not draw).
    parents = (-1, 0, 1, 2, 0, 4, 5, 3, 6, 0, 9, 7, 8, 11, 12, 13, 14, 15, 16, 15, 16, 15, 16, 11, 12, 23, 24,
               25, 26, 27, 28, 27, 28)
    pairs = _pairs_by_name(names, "left_", "right_") + ((9, 10),)  # mouth_left / mouth_right
    rules = (_mid(11, 12, "mid-shoulders"), _copy(12), _copy(11), _copy(14), _copy(13), _copy(16), _copy(15),
             _copy(24, "hip centre as waist"), _copy(23, "hip centre as waist"), _copy(26), _copy(25),
             _copy(32, "foot_index"), _copy(31, "foot_index"))
    carry = _carry({"head": tuple(range(11)), "lhand": (17, 19, 21), "rhand": (18, 20, 22),
                    "lfoot": (27, 29), "rfoot": (28, 30)})
    return Skeleton("mediapipe33", names, parents, pairs, "m", "-y", rules, carry)


def _dance23() -> Skeleton:
    names = ("head_right", "head_left", "pelvis", "right_shoulder", "right_elbow", "right_wrist", "right_hand",
             "right_hip", "right_knee", "right_ankle", "right_heel", "right_toe", "left_shoulder", "left_elbow",
             "left_wrist", "left_hand", "left_hip", "left_knee", "left_ankle", "left_heel", "left_toe",
             "left_hand_dir", "right_hand_dir")
    # No spine/neck joints: shoulders and head hang from the pelvis (trunk links, not rigid bones).
    parents = (2, 0, -1, 2, 3, 4, 5, 2, 7, 8, 9, 9, 2, 12, 13, 14, 2, 16, 17, 18, 18, 15, 6)
    pairs = _pairs_by_name(names, "left_", "right_") + ((1, 0),)  # head_left / head_right
    rules = (_mid(3, 12, "mid-shoulders"), _copy(3), _copy(12), _copy(4), _copy(13), _copy(5), _copy(14),
             _copy(7, "hip as waist"), _copy(16, "hip as waist"), _copy(8), _copy(17), _copy(11), _copy(20))
    carry = _carry({"head": (0, 1), "pelvis": (2,), "rhand": (6, 22), "lhand": (15, 21),
                    "rfoot": (9, 10), "lfoot": (18, 19)})
    return Skeleton("dance23", names, parents, pairs, "cm", "y", rules, carry)


def _mocap_toolbox20() -> Skeleton:
    names = ("root", "lhip", "lknee", "lankle", "ltoe", "rhip", "rknee", "rankle", "rtoe", "midtorso", "neck",
             "head", "lshoulder", "lelbow", "lwrist", "lfinger", "rshoulder", "relbow", "rwrist", "rfinger")
    # From japar.conn (1-based bone list) of mcdemodata.mat.
    parents = (-1, 0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 10, 12, 13, 14, 10, 16, 17, 18)
    rules = (_copy(10, "neck = mean of shoulder markers"), _copy(16), _copy(12), _copy(17), _copy(13),
             _copy(18), _copy(14), _copy(5, "pelvis-side markers"), _copy(1, "pelvis-side markers"), _copy(6),
             _copy(2), _copy(8), _copy(4))
    carry = _carry({"pelvis": (0,), "spine": (9,), "head": (11,), "lhand": (15,), "rhand": (19,),
                    "lfoot": (3,), "rfoot": (7,)})
    return Skeleton("mocap_toolbox20", names, parents, _pairs_by_name(names, "l", "r"), "mm", "z", rules, carry)


#: All known skeletons by name.
SKELETONS: dict[str, Skeleton] = {s.name: s for s in (_telmi13(), _h36m(), _coco(), _mediapipe33(), _dance23(),
                                                       _mocap_toolbox20())}
#: telmi13 left/right pairs (RSHO/LSHO, RMEL/LMEL, RMWR/LMWR, RBWT/LBWT, RKNE/LKNE, RTOE/LTOE).
TELMI13_PAIRS: tuple[tuple[int, int], ...] = tuple(SKELETONS["telmi13"].left_right)
#: The joints whose motion makes the sound: bowing wrist (RMWR), bowing elbow (RMEL), left wrist (LMWR).
TELMI13_SOUND_JOINTS: tuple[int, ...] = (5, 3, 6)


def get_skeleton(name: str | Skeleton, *, units: str | None = None, up_axis: str | None = None,
                 mirror_y: bool | None = None) -> Skeleton:
    """Look up a skeleton by name, optionally with other default units or up axis.

    Parameters
    ----------
    name : str or Skeleton
        One of :data:`SKELETONS` (a :class:`Skeleton` is passed through).
    units : {"mm", "cm", "m"}, optional
        Units of your tracks if they differ from the skeleton's default.
    up_axis : {"y", "-y", "z"}, optional
        Up axis of your tracks if it differs from the skeleton's default.
    mirror_y : bool, optional
        Your tracks are in a mirror-image frame (y negated), e.g. MMPose's 3D demo output.

    Returns
    -------
    Skeleton
    """
    if isinstance(name, Skeleton):
        skel = name
    elif isinstance(name, str):
        if name not in SKELETONS:
            raise ValueError(f"unknown skeleton {name!r}; known skeletons: {sorted(SKELETONS)}")
        skel = SKELETONS[name]
    else:
        raise TypeError(f"skeleton must be a name or a Skeleton, got {type(name).__name__}")
    changes = {}
    if units is not None:
        changes["units"] = check_units(units, "units")
    if up_axis is not None:
        if up_axis not in _UP_AXES:
            raise ValueError(f"up_axis must be one of {_UP_AXES}, got {up_axis!r}")
        changes["up_axis"] = up_axis
    if mirror_y is not None:
        if not isinstance(mirror_y, bool):
            raise TypeError(f"mirror_y must be a bool, got {type(mirror_y).__name__}")
        changes["mirror_y"] = mirror_y
    return dataclasses.replace(skel, **changes) if changes else skel


def infer_skeleton(num_joints: int) -> Skeleton:
    """The skeleton with ``num_joints`` joints.

    Raises ``ValueError`` if none has that many joints, or if several do (h36m and coco both have 17): pass
    the skeleton by name then.
    """
    if isinstance(num_joints, bool) or not isinstance(num_joints, (int, np.integer)):
        raise TypeError(f"num_joints must be an int, got {type(num_joints).__name__}")
    found = [s for s in SKELETONS.values() if s.num_joints == num_joints]
    if not found:
        sizes = sorted({f"{s.name} ({s.num_joints})" for s in SKELETONS.values()})
        raise ValueError(f"no known skeleton has {num_joints} joints; known: {', '.join(sizes)}")
    if len(found) > 1:
        raise ValueError(f"{num_joints} joints is ambiguous ({', '.join(s.name for s in found)}); "
                         "pass skeleton= by name")
    return found[0]


def _up_vector(up_axis: str) -> np.ndarray:
    return {"y": np.array([0.0, 1.0, 0.0]), "-y": np.array([0.0, -1.0, 0.0]),
            "z": np.array([0.0, 0.0, 1.0])}[up_axis]


def _foot_point(poses: np.ndarray, rule: TelmiRule, skel: Skeleton) -> np.ndarray:
    ankle, rhip, lhip = (poses[:, i] for i in rule.sources)
    up = _up_vector(skel.up_axis)
    fwd = np.cross(up, rhip - lhip)  # right-handed: up x right = forward, already horizontal
    norm = np.linalg.norm(fwd, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        fwd = np.where(norm > 0, fwd / norm, np.nan)  # coincident hips: no heading, no toe
    scale = 1.0 / MM_PER_UNIT[skel.units]
    return ankle + FOOT_FORWARD_MM * scale * fwd - FOOT_DOWN_MM * scale * up


def _check_track(poses, skel: Skeleton, name: str) -> np.ndarray:
    arr = check_poses(poses, name)
    if arr.shape[1] != skel.num_joints:
        raise ValueError(f"{name} has {arr.shape[1]} joints but skeleton {skel.name!r} has {skel.num_joints}")
    return arr


def to_telmi13(poses, skeleton: str | Skeleton) -> np.ndarray:
    """Convert a track to the 13 telmi13 joints, in the same units and frame as the input.

    Parameters
    ----------
    poses : array_like, shape (T, J, 3)
        Track in ``skeleton``'s joint order, in ``skeleton.units`` (only derived toes depend on units and
        ``skeleton.up_axis``). NaN marks missing values and propagates.
    skeleton : str or Skeleton

    Returns
    -------
    np.ndarray, shape (T, 13, 3)
        New float64 array; direct joints are exact copies (see the module docstring for the table).
    """
    skel = get_skeleton(skeleton)
    arr = _check_track(poses, skel, "poses")
    out = np.empty((arr.shape[0], len(TELMI13_JOINTS), 3))
    for k, rule in enumerate(skel.to_telmi):
        if rule.kind == "copy":
            out[:, k] = arr[:, rule.sources[0]]
        elif rule.kind == "mean":
            out[:, k] = np.tensordot(np.asarray(rule.weights), arr[:, list(rule.sources)], axes=(0, 1))
        else:
            out[:, k] = _foot_point(arr, rule, skel)
    return out


def from_telmi13(telmi, original, skeleton: str | Skeleton) -> np.ndarray:
    """Put a (refined) telmi13 track back onto the full skeleton.

    Parameters
    ----------
    telmi : array_like, shape (T, 13, 3)
        telmi13 track in the same units and frame as ``original``.
    original : array_like, shape (T, J, 3), or None
        The track ``telmi`` was derived from, in ``skeleton``'s joint order; may be None when every joint of
        ``skeleton`` is a telmi13 joint (no carry rules).
    skeleton : str or Skeleton

    Returns
    -------
    np.ndarray, shape (T, J, 3)
        Direct joints take the ``telmi`` values; every other joint keeps its original per-frame offset to
        its telmi13 anchors (module docstring table). NaN in a joint's inputs gives NaN there.
    """
    skel = get_skeleton(skeleton)
    new = check_poses(telmi, "telmi")
    if new.shape[1:] != (len(TELMI13_JOINTS), 3):
        raise ValueError(f"telmi must have shape (T, 13, 3), got {new.shape}")
    if original is None:  # every joint is a telmi13 joint: nothing to carry
        if skel.carry:
            raise ValueError(f"original is required for skeleton {skel.name!r} (it has joints telmi13 lacks)")
        out = np.full((new.shape[0], skel.num_joints, 3), np.nan)
        for k, j in skel.direct.items():
            out[:, j] = new[:, k]
        return out
    orig = _check_track(original, skel, "original")
    if new.shape[0] != orig.shape[0]:
        raise ValueError(f"telmi has {new.shape[0]} frames but original has {orig.shape[0]}")
    delta = new - to_telmi13(orig, skel)
    out = orig.copy()
    for c in skel.carry:
        out[:, c.joint] = orig[:, c.joint] + np.tensordot(np.asarray(c.weights), delta[:, list(c.anchors)],
                                                          axes=(0, 1))
    for k, j in skel.direct.items():
        out[:, j] = new[:, k]
    return out


def bones(skeleton: str | Skeleton) -> list[tuple[int, int]]:
    """Parent-child joint index pairs ``(parent, child)`` of ``skeleton``'s tree (J - 1 of them)."""
    skel = get_skeleton(skeleton)
    return [(p, j) for j, p in enumerate(skel.parents) if p >= 0]


def swap_left_right(poses, skeleton: str | Skeleton) -> np.ndarray:
    """Swap the labels of every left/right joint pair (coordinates are not mirrored).

    Parameters
    ----------
    poses : array_like, shape (T, J, 3)
    skeleton : str or Skeleton

    Returns
    -------
    np.ndarray, shape (T, J, 3)
        New array with each pair's tracks exchanged; applying it twice gives the input back.
    """
    skel = get_skeleton(skeleton)
    arr = _check_track(poses, skel, "poses")
    out = arr.copy()
    for a, b in skel.left_right:
        out[:, a], out[:, b] = arr[:, b], arr[:, a]
    return out


def describe_mapping(skeleton: str | Skeleton) -> str:
    """Human-readable table of how ``skeleton`` maps to telmi13 and back (for logs and docs)."""
    skel = get_skeleton(skeleton)
    nm = skel.joint_names
    lines = [f"{skel.name}: {skel.num_joints} joints, {skel.units}, up {skel.up_axis}", "to telmi13:"]
    for k, r in enumerate(skel.to_telmi):
        if r.kind == "copy":
            src = nm[r.sources[0]]
        elif r.kind == "mean":
            src = " + ".join(f"{w:g}*{nm[i]}" for i, w in zip(r.sources, r.weights))
        else:
            src = f"{nm[r.sources[0]]} + foot offset (heading from {nm[r.sources[1]]}, {nm[r.sources[2]]})"
        lines.append(f"  {TELMI13_JOINTS[k]:<5} <- {src}" + (f"  [{r.note}]" if r.note else ""))
    if skel.carry:
        lines.append("carried back:")
    for c in skel.carry:
        anchors = " + ".join(f"{w:g}*{TELMI13_JOINTS[a]}" for a, w in zip(c.anchors, c.weights))
        lines.append(f"  {nm[c.joint]:<16} moves with {anchors}")
    return "\n".join(lines)
