"""Bow and left-hand state -> ``telmi13`` joints (mm) at the pose frame rate.

The body is built in an upper-body frame attached to the torso (origin between the shoulders, x right,
y forward, z up). The violin is fixed to that frame (it rests on the collarbone), so the bow, both
wrists and both elbows move with the torso; the torso then leans/sways about the pelvis, and the pelvis
sways over feet planted on the floor. Arms and legs are two-link chains solved in closed form, so bone
lengths are exact in every frame.
"""
from __future__ import annotations

import numpy as np

from .bowing import STRING_MM
from .performer import Performer

JOINTS = ("C7", "RSHO", "LSHO", "RMEL", "LMEL", "RMWR", "LMWR", "RBWT", "LBWT", "RKNE", "LKNE", "RTOE", "LTOE")
J = {name: i for i, name in enumerate(JOINTS)}
STRING_SPACING_MM = 11.0  # between neighbouring strings at the bridge


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _rotate(v: np.ndarray, axis: np.ndarray, angle) -> np.ndarray:
    """Rodrigues rotation of ``v`` (..., 3) about unit ``axis`` (..., 3) by ``angle`` (rad, broadcast)."""
    angle = np.asarray(angle, dtype=np.float64)[..., None]
    c, s = np.cos(angle), np.sin(angle)
    return v * c + np.cross(axis, v) * s + axis * np.sum(axis * v, axis=-1, keepdims=True) * (1 - c)


def _rot_xyz(rx: np.ndarray, ry: np.ndarray, rz: np.ndarray) -> np.ndarray:
    """``(T, 3, 3)`` rotation matrices ``Rz @ Ry @ Rx`` from angles in rad."""
    T = rx.shape[0]
    cx, sx, cy, sy, cz, sz = np.cos(rx), np.sin(rx), np.cos(ry), np.sin(ry), np.cos(rz), np.sin(rz)
    Rx = np.zeros((T, 3, 3)); Rx[:, 0, 0] = 1; Rx[:, 1, 1] = cx; Rx[:, 1, 2] = -sx; Rx[:, 2, 1] = sx; Rx[:, 2, 2] = cx
    Ry = np.zeros((T, 3, 3)); Ry[:, 1, 1] = 1; Ry[:, 0, 0] = cy; Ry[:, 0, 2] = sy; Ry[:, 2, 0] = -sy; Ry[:, 2, 2] = cy
    Rz = np.zeros((T, 3, 3)); Rz[:, 2, 2] = 1; Rz[:, 0, 0] = cz; Rz[:, 0, 1] = -sz; Rz[:, 1, 0] = sz; Rz[:, 1, 1] = cz
    return Rz @ Ry @ Rx


def two_link_ik(root: np.ndarray, target: np.ndarray, l1: float, l2: float, pole: np.ndarray):
    """Closed-form two-link inverse kinematics.

    Parameters
    ----------
    root, target : np.ndarray
        ``(T, 3)`` positions (mm) of the chain root (shoulder/hip) and the wanted end (wrist/ankle).
    l1, l2 : float
        Segment lengths (mm).
    pole : np.ndarray
        ``(T, 3)`` or ``(3,)`` direction the middle joint (elbow/knee) bends toward; this sets the swivel.

    Returns
    -------
    mid, end : np.ndarray
        ``(T, 3)`` middle joint and reached end. ``end`` equals ``target`` when it is reachable; otherwise
        it is pulled onto the reachable sphere along the root-target line, so ``|mid-root| == l1`` and
        ``|end-mid| == l2`` always hold.
    """
    d_vec = target - root
    d = np.linalg.norm(d_vec, axis=-1, keepdims=True)
    e = d_vec / np.maximum(d, 1e-9)
    dc = np.clip(d, abs(l1 - l2) + 1e-6, (l1 + l2) * 0.9995)
    end = root + e * dc
    a = (l1 ** 2 - l2 ** 2 + dc ** 2) / (2 * dc)
    r = np.sqrt(np.maximum(l1 ** 2 - a ** 2, 0.0))
    pole = np.broadcast_to(pole, d_vec.shape)
    q = _unit(pole - np.sum(pole * e, axis=-1, keepdims=True) * e)
    return root + a * e + r * q, end


def _smooth(x: np.ndarray, n: int) -> np.ndarray:
    if n < 3:
        return x
    w = np.hanning(n)
    return np.convolve(np.pad(x, n // 2, mode="edge"), w / w.sum(), mode="valid")[: x.size]


def body_motion(performer: Performer, rng: np.random.Generator, t: np.ndarray, passages: list) -> dict:
    """Posture signals at frame times ``t`` (s): pelvis offset (mm), torso angles (rad), breathing (mm).

    Sway (5–20 mm, 0.1–0.5 Hz), weight shifts between feet (a few s each), breathing, and a torso lean
    that rises and falls with each passage (``passages``: list of ``(start, end)`` in s).
    """
    st = performer.style
    H = performer.height
    T = t.size
    fps = 1.0 / (t[1] - t[0]) if T > 1 else 50.0
    ph = rng.uniform(0, 2 * np.pi, size=4)
    f = st["sway_hz"]
    sway_x = st["sway_mm"] * (0.7 * np.sin(2 * np.pi * f * t + ph[0]) + 0.3 * np.sin(2 * np.pi * 0.63 * f * t + ph[1]))
    sway_y = 0.7 * st["sway_mm"] * (0.7 * np.sin(2 * np.pi * 0.8 * f * t + ph[2])
                                   + 0.3 * np.sin(2 * np.pi * 1.7 * f * t + ph[3]))
    # weight shifts: the pelvis moves toward one foot and stays there for several seconds
    shift = np.zeros(T)
    k, side = 0.0, float(rng.choice([-1.0, 1.0]))
    while k < t[-1] + 1:
        shift[t >= k] = side * st["weight_shift_mm"] * float(rng.uniform(0.3, 1.0))
        k += float(rng.uniform(4.0, 12.0))
        side = -side
    shift = _smooth(shift, int(fps * float(rng.uniform(2.0, 3.5))) | 1)
    # phrase-following torso lean: one smooth gesture per passage
    r_torso = 0.3 * H
    lean_f, lean_l, twist = np.zeros(T), np.zeros(T), np.zeros(T)
    for (p0, p1) in passages:
        m = (t >= p0) & (t < p1)
        if not m.any():
            continue
        u = (t[m] - p0) / max(p1 - p0, 1e-6)
        bump = np.sin(np.pi * u) ** 2
        amp = st["phrase_mm"] * float(rng.uniform(0.4, 1.0))
        lean_f[m] += amp * float(rng.uniform(-0.4, 1.0)) * bump
        lean_l[m] += amp * float(rng.uniform(-0.6, 0.6)) * bump
        twist[m] += np.deg2rad(float(rng.uniform(-3.0, 3.0))) * bump
    n_s = int(0.8 * fps) | 1
    lean_f, lean_l, twist = _smooth(lean_f, n_s), _smooth(lean_l, n_s), _smooth(twist, n_s)
    breath = st["breath_mm"] * np.sin(2 * np.pi * st["breath_hz"] * t + float(rng.uniform(0, 2 * np.pi)))
    return {
        "pelvis": np.stack([sway_x + shift, sway_y, np.zeros(T)], axis=1),
        "rx": -lean_f / r_torso,  # rotation about x: negative tilts the top forward (+y)
        "ry": lean_l / r_torso,
        "rz": twist,
        "breath": breath,
    }


def violin_frame(performer: Performer) -> dict:
    """Violin geometry in the upper-body frame (mm): bridge point, neck axis ``s``, plate normal ``n``,
    across-string axis ``e`` (G -> E, in the plate)."""
    st = performer.style
    H = performer.height
    th, el = np.deg2rad(st["scroll_deg"]), np.deg2rad(5.0 - st["scroll_drop_deg"])
    s = np.array([-np.sin(th) * np.cos(el), np.cos(th) * np.cos(el), np.sin(el)])  # toward the scroll
    n0 = _unit(np.array([0.0, 0.0, 1.0]) - s[2] * s)
    n = _rotate(n0, s, np.deg2rad(st["plate_tilt_deg"]))  # tilted toward the right: E side lower
    e = _unit(np.cross(s, n))  # across the strings toward E (the player's right)
    tail = np.array([-0.024, 0.045, -0.035]) * H  # end of the violin body on the left collarbone
    bridge = tail + 195.0 * s + 30.0 * n  # strings run ~30 mm above the plate at the bridge
    return {"bridge": bridge, "s": s, "n": n, "e": e}


def poses_from_state(performer: Performer, st: dict, t: np.ndarray, rng: np.random.Generator,
                     passages: list) -> np.ndarray:
    """Build ``(T, 13, 3)`` ``telmi13`` poses (mm, left-toe origin at frame 0).

    Parameters
    ----------
    performer : Performer
        Body proportions and style.
    st : dict
        Frame-rate ``(T,)`` state: ``bow_pos`` (mm), ``lift`` (mm), ``arm_string`` (float 0..3),
        ``hand_mm`` (first finger from the nut, mm), ``vibrato_mm``.
    t : np.ndarray
        ``(T,)`` frame times in s.
    rng : np.random.Generator
        Randomness for sway, weight shifts and phrase gestures.
    passages : list of (float, float)
        Passage spans in s (torso gestures follow them).

    Returns
    -------
    np.ndarray
        ``(T, 13, 3)`` float64 joints in mm: z up, y forward, x right, origin at the first frame's LTOE.
    """
    H = performer.height
    sg = performer.segments
    T = t.size
    motion = body_motion(performer, rng, t, passages)
    v = violin_frame(performer)
    s, n, e = v["s"], v["n"], v["e"]

    # ---- right arm: the wrist follows the frog along the bow, in the plane of the current string
    k = st["arm_string"]
    psi = np.deg2rad(performer.style["string_plane_deg"]) * (1.5 - k)  # G: frog side highest
    contact = v["bridge"][None] + ((k - 1.5) * STRING_SPACING_MM)[:, None] * e[None]
    frog_dir = np.cos(psi)[:, None] * e[None] + np.sin(psi)[:, None] * n[None]  # from contact toward frog
    frog = contact + st["bow_pos"][:, None] * frog_dir + st["lift"][:, None] * n[None]
    r_target = frog + 70.0 * n[None] - 30.0 * s[None]  # the wrist sits above and behind the frog
    bow_frac = st["bow_pos"] / 650.0
    r_sho = np.zeros((T, 3))
    r_sho[:, 0] = 0.5 * sg["shoulder_width"] - 0.008 * H * bow_frac  # shoulder reaches in toward the tip
    r_sho[:, 1] = 0.022 * H * bow_frac
    alpha = np.deg2rad(35.0 + performer.style["elbow_swivel_deg"] * (1.5 - k) + 12.0 * (1.0 - bow_frac))
    r_pole = np.stack([np.sin(alpha), np.full(T, -0.3), -np.cos(alpha)], axis=1)
    r_elb, r_wri = two_link_ik(r_sho, r_target, sg["upper_arm"], sg["forearm"], r_pole)

    # ---- left arm: the wrist under the neck at the hand position; vibrato rocks it along the neck
    finger = v["bridge"][None] + (STRING_MM - st["hand_mm"])[:, None] * s[None]
    l_target = finger + 25.0 * s[None] - 55.0 * n[None] - st["vibrato_mm"][:, None] * s[None]
    l_sho = np.tile([-0.5 * sg["shoulder_width"], 0.0, 0.0], (T, 1))
    l_elb, l_wri = two_link_ik(l_sho, l_target, sg["upper_arm"], sg["forearm"], np.array([0.45, 0.1, -1.0]))

    c7 = np.tile([0.0, -0.035 * H, 0.027 * H], (T, 1))
    upper = np.stack([c7, r_sho, l_sho, r_elb, l_elb, r_wri, l_wri], axis=1)  # (T, 7, 3)
    upper[..., 2] += motion["breath"][:, None]
    upper[..., 1] += 0.3 * motion["breath"][:, None]

    # ---- legs and pelvis in the floor frame (origin between the feet, on the floor)
    ankle_z, knee_z = 0.039 * H, 0.039 * H + sg["shank"]
    hip_z = knee_z + sg["thigh"]
    sho_z = 0.818 * H
    hw = 0.5 * sg["hip_width"]
    bwt0 = np.array([[hw, -0.03 * H, hip_z], [-hw, -0.03 * H, hip_z]])
    ankle = np.array([[hw + 0.01 * H, -0.02 * H, ankle_z], [-hw - 0.01 * H, -0.02 * H, ankle_z]])
    toe = ankle + np.array([[0.025 * H, 0.11 * H, -ankle_z + 0.012 * H], [-0.025 * H, 0.11 * H, -ankle_z + 0.012 * H]])
    knee0 = np.array([[hw + 0.005 * H, 0.0, knee_z], [-hw - 0.005 * H, 0.0, knee_z]])
    knee0[:, 1] = ankle[:, 1] + 0.03 * H  # slightly bent knees leave slack for sway
    pelvis_c = np.array([0.0, -0.03 * H, hip_z])

    R = _rot_xyz(motion["rx"], motion["ry"], motion["rz"])  # torso about the pelvis
    upper_body = upper + np.array([0.0, 0.0, sho_z])  # upper-body frame -> floor frame
    upper_world = np.einsum("tij,tkj->tki", R, upper_body - pelvis_c) + pelvis_c + motion["pelvis"][:, None]
    poses = np.zeros((T, 13, 3))
    poses[:, [J["C7"], J["RSHO"], J["LSHO"], J["RMEL"], J["LMEL"], J["RMWR"], J["LMWR"]]] = upper_world
    for side, (bw, kn, to) in enumerate(((J["RBWT"], J["RKNE"], J["RTOE"]), (J["LBWT"], J["LKNE"], J["LTOE"]))):
        hip = bwt0[side][None] + motion["pelvis"]
        l1 = float(np.linalg.norm(bwt0[side] - knee0[side]))
        l2 = float(np.linalg.norm(knee0[side] - ankle[side]))
        knee, _ = two_link_ik(hip, np.broadcast_to(ankle[side], (T, 3)), l1, l2, np.array([0.0, 1.0, 0.0]))
        poses[:, bw], poses[:, kn], poses[:, to] = hip, knee, toe[side]
    return poses - poses[0, J["LTOE"]]
