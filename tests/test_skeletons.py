"""Tests for pose_audio_refine.skeletons: joint sets, telmi13 mapping both ways, sides on real data."""
from __future__ import annotations

import importlib.util
import re
import runpy
from pathlib import Path

import numpy as np
import pytest

from pose_audio_refine.canonical import from_z_up, to_z_up, z_up_rotation
from pose_audio_refine.skeletons import (
    FOOT_DOWN_MM, FOOT_FORWARD_MM, SKELETONS, TELMI13_JOINTS, bones, describe_mapping, from_telmi13,
    get_skeleton, infer_skeleton, swap_left_right, to_telmi13,
)

NAMES = sorted(SKELETONS)
UP = {"y": np.array([0.0, 1, 0]), "-y": np.array([0.0, -1, 0]), "z": np.array([0.0, 0, 1])}


def _track(skel, rng, T=12):
    """A plausible-scale random track: a body-sized cloud moving over time (units of the skeleton)."""
    scale = 1000.0 / {"mm": 1.0, "cm": 10.0, "m": 1000.0}[skel.units]
    base = rng.normal(0, 0.3, (1, skel.num_joints, 3))
    drift = np.cumsum(rng.normal(0, 0.01, (T, 1, 3)), axis=0)
    return (base + drift + rng.normal(0, 0.02, (T, skel.num_joints, 3))) * scale


def _mirror_name(name: str) -> str:
    """Swap the side token of a joint name in any of the naming styles used here."""
    for a, b in (("left", "right"), ("right", "left")):
        if a in name:
            return name.replace(a, b)
    m = re.fullmatch(r"([lrLR])(.*)", name)
    return {"l": "r", "r": "l", "L": "R", "R": "L"}[m.group(1)] + m.group(2)


# --- registry ------------------------------------------------------------------------------------------------
def test_registry_contents_and_lookup():
    assert {n: SKELETONS[n].num_joints for n in NAMES} == {
        "coco": 17, "dance23": 23, "h36m": 17, "mediapipe33": 33, "mocap_toolbox20": 20, "telmi13": 13}
    assert SKELETONS["telmi13"].joint_names == TELMI13_JOINTS
    assert {n: SKELETONS[n].units for n in NAMES} == {
        "coco": "m", "dance23": "cm", "h36m": "m", "mediapipe33": "m", "mocap_toolbox20": "mm", "telmi13": "mm"}
    assert get_skeleton("coco") is SKELETONS["coco"]
    assert get_skeleton(SKELETONS["h36m"]) is SKELETONS["h36m"]
    v = get_skeleton("h36m", units="mm", up_axis="z")
    assert (v.units, v.up_axis, SKELETONS["h36m"].units) == ("mm", "z", "m")


def test_unknown_name_and_bad_args():
    with pytest.raises(ValueError, match="known skeletons.*coco.*dance23"):
        get_skeleton("openpose25")
    with pytest.raises(TypeError):
        get_skeleton(17)
    with pytest.raises(ValueError, match="units"):
        get_skeleton("coco", units="inch")
    with pytest.raises(ValueError, match="up_axis"):
        get_skeleton("coco", up_axis="x")


def test_infer_skeleton():
    assert infer_skeleton(13).name == "telmi13"
    assert infer_skeleton(23).name == "dance23"
    assert infer_skeleton(33).name == "mediapipe33"
    assert infer_skeleton(np.int64(20)).name == "mocap_toolbox20"
    with pytest.raises(ValueError, match=r"ambiguous.*h36m.*skeleton="):
        infer_skeleton(17)
    with pytest.raises(ValueError, match="no known skeleton has 18"):
        infer_skeleton(18)
    with pytest.raises(TypeError):
        infer_skeleton(True)


# --- structure ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_parents_form_a_tree(name):
    skel = SKELETONS[name]
    J = skel.num_joints
    assert len(skel.parents) == J and list(skel.parents).count(-1) == 1
    for j in range(J):  # walking up reaches the root in < J steps (no cycles)
        k, steps = j, 0
        while skel.parents[k] != -1:
            k = skel.parents[k]
            steps += 1
            assert steps < J
    b = bones(name)
    assert len(b) == J - 1 and all(0 <= p < J and 0 <= c < J and p != c for p, c in b)


@pytest.mark.parametrize("name", NAMES)
def test_left_right_pairs_are_valid_and_mirrored(name):
    skel = SKELETONS[name]
    flat = [i for pair in skel.left_right for i in pair]
    assert len(flat) == len(set(flat)) and all(0 <= i < skel.num_joints for i in flat)
    for a, b in skel.left_right:
        assert _mirror_name(skel.joint_names[a]) == skel.joint_names[b]
    # every joint whose name carries a side is paired
    side_re = r"[lr](hip|knee|ankle|toe|shoulder|elbow|wrist|finger)|[LR][A-Z]+"
    sided = {i for i, n in enumerate(skel.joint_names) if re.search(r"left|right", n) or re.fullmatch(side_re, n)}
    assert sided == set(flat)


@pytest.mark.parametrize("name", NAMES)
def test_every_joint_is_copied_or_carried_once(name):
    skel = SKELETONS[name]
    direct = list(skel.direct.values())
    carried = [c.joint for c in skel.carry]
    assert sorted(direct + carried) == list(range(skel.num_joints))
    for c in skel.carry:
        assert np.isclose(sum(c.weights), 1.0)
    text = describe_mapping(name)
    assert all(t in text for t in TELMI13_JOINTS)


def test_telmi_sides_map_to_named_sides():
    """Every direct mapping of an R*/L* telmi13 joint lands on a joint of the same side."""
    for name in NAMES:
        skel = SKELETONS[name]
        for k, j in skel.direct.items():
            t, n = TELMI13_JOINTS[k], skel.joint_names[j]
            if t[0] in "RL" and name != "telmi13":
                side = "right" if t[0] == "R" else "left"
                assert n.startswith(side) or n.startswith(side[0]), (name, t, n)


def test_swap_left_right(rng):
    skel = SKELETONS["coco"]
    x = _track(skel, rng)
    before = x.copy()
    y = swap_left_right(x, "coco")
    np.testing.assert_array_equal(x, before)
    np.testing.assert_array_equal(y[:, 5], x[:, 6])
    np.testing.assert_array_equal(y[:, 0], x[:, 0])  # nose has no side
    np.testing.assert_array_equal(swap_left_right(y, "coco"), x)
    # swapping labels commutes with the telmi13 mapping on direct joints
    t_sw = swap_left_right(to_telmi13(x, "coco"), "telmi13")
    np.testing.assert_allclose(to_telmi13(y, "coco")[:, 1:11], t_sw[:, 1:11])


# --- conversion --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_round_trips(name, rng):
    skel = SKELETONS[name]
    x = _track(skel, rng)
    x_before = x.copy()
    t = to_telmi13(x, name)
    assert t.shape == (x.shape[0], 13, 3)
    # telmi joints the skeleton has are exact copies
    for k, j in skel.direct.items():
        np.testing.assert_array_equal(t[:, k], x[:, j])
    # full skeleton -> telmi13 -> full skeleton is the identity
    np.testing.assert_array_equal(from_telmi13(t, x, name), x)
    # a refined telmi13 track goes back and forth unchanged on direct joints
    t_new = t + rng.normal(0, 0.05, t.shape) * np.abs(t).mean()
    t_new_before = t_new.copy()
    y = from_telmi13(t_new, x, name)
    direct = sorted(skel.direct)
    np.testing.assert_array_equal(to_telmi13(y, name)[:, direct], t_new[:, direct])
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(t_new, t_new_before)
    assert not np.shares_memory(y, x) and not np.shares_memory(t, x)


@pytest.mark.parametrize("name", NAMES)
def test_translation_equivariance(name, rng):
    """Shifting the whole refined track shifts every joint (carried ones too) by the same amount."""
    skel = SKELETONS[name]
    x = _track(skel, rng)
    d = np.array([3.0, -2.0, 5.0])
    np.testing.assert_allclose(to_telmi13(x + d, name), to_telmi13(x, name) + d, atol=1e-9)
    np.testing.assert_allclose(from_telmi13(to_telmi13(x, name) + d, x, name), x + d, atol=1e-9)


def test_carried_joint_keeps_offset_to_its_anchors(rng):
    skel = SKELETONS["h36m"]
    x = _track(skel, rng)
    t = to_telmi13(x, "h36m")
    t2 = t.copy()
    t2[:, TELMI13_JOINTS.index("C7")] += [0.1, 0.0, 0.0]  # move C7 only, 0.1 m
    y = from_telmi13(t2, x, "h36m")
    head = skel.index("head")
    np.testing.assert_allclose(y[:, head] - x[:, head], np.tile([0.05, 0, 0], (len(x), 1)), atol=1e-12)
    np.testing.assert_array_equal(y[:, skel.index("right_knee")], x[:, skel.index("right_knee")])
    np.testing.assert_allclose(y[:, skel.index("thorax")], t2[:, 0])


@pytest.mark.parametrize("up_axis", ["z", "y", "-y"])
@pytest.mark.parametrize("units", ["mm", "m"])
def test_foot_offset_rule(up_axis, units):
    """A toe derived from the ankle sits FOOT_FORWARD ahead (up x right) and FOOT_DOWN below it."""
    skel = get_skeleton("coco", units=units, up_axis=up_axis)
    up = UP[up_axis]
    right = np.array([1.0, 0, 0]) if up_axis != "z" else np.array([0.0, -1, 0])
    fwd = np.cross(up, right)
    x = np.zeros((2, 17, 3))
    x[:, 12] = 0.2 * right  # right_hip
    x[:, 11] = -0.2 * right
    x[:, 16] = 0.1 * right - 0.9 * up  # right_ankle
    x[1, 11] = x[1, 12]  # frame 1: coincident hips, no heading
    t = to_telmi13(x, skel)
    k = 1000.0 if units == "m" else 1.0
    np.testing.assert_allclose(t[0, 11], x[0, 16] + (FOOT_FORWARD_MM * fwd - FOOT_DOWN_MM * up) / k)
    assert np.isnan(t[1, 11]).all() and np.isfinite(t[1, 1:11]).all()
    # and back: the ankle follows the toe
    t2 = t.copy()
    t2[0, 11] += [0.01, 0.02, 0.03]
    np.testing.assert_allclose(from_telmi13(t2, x, skel)[0, 16], x[0, 16] + [0.01, 0.02, 0.03])


def test_nan_propagates_locally(rng):
    skel = SKELETONS["mediapipe33"]
    x = _track(skel, rng)
    x[3, skel.index("left_elbow")] = np.nan
    t = to_telmi13(x, "mediapipe33")
    assert np.isnan(t[3, 4]).all() and np.isfinite(np.delete(t[3], 4, axis=0)).all()
    assert np.isfinite(t[[0, 1, 2, 4]]).all()
    y = from_telmi13(t, x, "mediapipe33")
    assert np.isnan(y[3, skel.index("left_elbow")]).all()
    assert np.isfinite(y[2]).all() and np.isfinite(y[3, skel.index("nose")]).all()
    # a missing refined C7 makes the head points (anchored to it) missing, nothing else
    t2 = to_telmi13(_track(skel, rng), "mediapipe33")
    x2 = from_telmi13(t2, _track(skel, rng), "mediapipe33")
    t2[5, 0] = np.nan
    y2 = from_telmi13(t2, x2, "mediapipe33")
    assert np.isnan(y2[5, :11]).all() and np.isfinite(y2[5, 11:]).all()


def test_bad_inputs(rng):
    x = _track(SKELETONS["coco"], rng)
    with pytest.raises(ValueError, match="poses has 17 joints but skeleton 'dance23' has 23"):
        to_telmi13(x, "dance23")
    with pytest.raises(ValueError, match=r"\(T, J, 3\)"):
        to_telmi13(x[..., :2], "coco")
    t = to_telmi13(x, "coco")
    with pytest.raises(ValueError, match="telmi must have shape"):
        from_telmi13(t[:, :12], x, "coco")
    with pytest.raises(ValueError, match="frames"):
        from_telmi13(t[:5], x, "coco")
    with pytest.raises(ValueError, match="original has 17 joints"):
        from_telmi13(t, x, "mediapipe33")
    with pytest.raises(TypeError):
        to_telmi13("poses", "coco")


# --- frames --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("up_axis", ["y", "-y", "z"])
def test_z_up_rotation(up_axis, rng):
    R = z_up_rotation(up_axis)
    np.testing.assert_allclose(R @ R.T, np.eye(3), atol=1e-12)
    assert np.isclose(np.linalg.det(R), 1.0)  # proper rotation: handedness (and so sides) kept
    np.testing.assert_allclose(R @ UP[up_axis], [0, 0, 1])
    skel = get_skeleton("coco", up_axis=up_axis)
    x = _track(skel, rng)
    before = x.copy()
    z = to_z_up(x, skel)
    np.testing.assert_allclose(from_z_up(z, skel), x, atol=1e-12)
    np.testing.assert_array_equal(x, before)
    with pytest.raises(ValueError):
        z_up_rotation("x")


def test_z_up_conventions_give_telmi_frame():
    """y-up facing +z, and a camera frame facing the camera, both end up x-right / y-forward / z-up."""
    # y-up, facing +z: the subject's right is -x
    R = z_up_rotation("y")
    np.testing.assert_allclose(R @ [0, 0, 1], [0, 1, 0])
    np.testing.assert_allclose(R @ [-1, 0, 0], [1, 0, 0])
    # camera frame (y down), subject facing the camera (-z): the subject's right is image-left (-x)
    R = z_up_rotation("-y")
    np.testing.assert_allclose(R @ [0, 0, -1], [0, 1, 0])
    np.testing.assert_allclose(R @ [-1, 0, 0], [1, 0, 0])


# --- installed references --------------------------------------------------------------------------------------
def _mmpose_dataset_names(name):
    spec = importlib.util.find_spec("mmpose")
    if spec is None:
        pytest.skip("mmpose not installed")
    path = Path(spec.submodule_search_locations[0]) / ".mim" / "configs" / "_base_" / "datasets" / f"{name}.py"
    if not path.is_file():
        pytest.skip(f"{path} not shipped with this mmpose")
    info = runpy.run_path(str(path))["dataset_info"]
    kp = info["keypoint_info"]
    return tuple(kp[i]["name"] for i in range(len(kp))), info


def test_h36m_and_coco_match_mmpose_meta():
    names, info = _mmpose_dataset_names("h36m")
    assert names == SKELETONS["h36m"].joint_names
    links = {tuple(sorted((names.index(a), names.index(b))))
             for a, b in (link["link"] for link in info["skeleton_info"].values())}
    assert links == {tuple(sorted(b)) for b in bones("h36m")}
    swaps = {(names.index(k["name"]), names.index(k["swap"])) for k in info["keypoint_info"].values() if k["swap"]}
    assert swaps == {p for a, b in SKELETONS["h36m"].left_right for p in ((a, b), (b, a))}
    names, _ = _mmpose_dataset_names("coco")
    assert names == SKELETONS["coco"].joint_names


def test_mediapipe33_matches_official_enum():
    pose = pytest.importorskip("mediapipe.python.solutions.pose")
    assert tuple(p.name.lower() for p in pose.PoseLandmark) == SKELETONS["mediapipe33"].joint_names
    edges = {tuple(sorted(e)) for e in pose.POSE_CONNECTIONS}
    ours = {tuple(sorted(b)) for b in bones("mediapipe33")}
    extra = ours - edges  # bones that MediaPipe does not draw: only nose-mouth and ear-shoulder
    assert extra == {(0, 9), (7, 11), (8, 12)}


# --- real data ------------------------------------------------------------------------------------------------------
def _horizontal_unit(v, up):
    v = v - (v @ up)[..., None] * up
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _right_of_heading_fraction(poses, skel, a, b, forward):
    """Fraction of frames where joint ``a`` is right of joint ``b`` for the given forward vectors."""
    up = UP[skel.up_axis]
    right = np.cross(forward, up)  # right-handed: forward x up = right
    return float(np.mean(np.sum((poses[:, a] - poses[:, b]) * right, axis=1) > 0))


@pytest.mark.parametrize("seq", ["DANCE_W_1", "DANCE_R_3", "DANCE_C_2"])
def test_dance23_sides_on_real_data(seq, shared_data):
    x = np.load(shared_data / "dance_with_melody" / f"{seq}.npz")["joints"].astype(float)
    skel = SKELETONS["dance23"]
    assert x.shape[1] == skel.num_joints
    i = skel.index
    up = UP[skel.up_axis]
    # heading from the feet only (heel -> toe), independent of the shoulder and hip labels
    feet = x[:, i("right_toe")] - x[:, i("right_heel")] + x[:, i("left_toe")] - x[:, i("left_heel")]
    fwd = _horizontal_unit(feet, up)
    assert _right_of_heading_fraction(x, skel, i("right_shoulder"), i("left_shoulder"), fwd) > 0.95
    assert _right_of_heading_fraction(x, skel, i("right_hip"), i("left_hip"), fwd) > 0.95
    assert _right_of_heading_fraction(x, skel, i("head_right"), i("head_left"), fwd) > 0.6
    # heel is the foot point nearer the ankle; the hand-direction points sit next to their own hand
    d = lambda a, b: np.median(np.linalg.norm(x[:, i(a)] - x[:, i(b)], axis=1))  # noqa: E731
    assert d("right_ankle", "right_heel") < d("right_ankle", "right_toe")
    assert d("left_hand_dir", "left_hand") < d("left_hand_dir", "right_hand")
    assert d("right_hand_dir", "right_hand") < d("right_hand_dir", "left_hand")
    # in z-up the same holds with up = +z, and the head is above the pelvis
    z = to_z_up(x, skel)
    fz = _horizontal_unit(z[:, i("right_toe")] - z[:, i("right_heel")], UP["z"])
    right_z = np.cross(fz, UP["z"])
    assert np.mean(np.sum((z[:, i("right_hip")] - z[:, i("left_hip")]) * right_z, 1) > 0) > 0.9
    assert np.median(z[:, i("head_left"), 2] - z[:, i("pelvis"), 2]) > 30  # cm
    # real-data round trip
    t = to_telmi13(x, skel)
    np.testing.assert_array_equal(from_telmi13(t, x, skel), x)


@pytest.fixture(scope="module")
def mocap_toolbox(shared_data):
    sio = pytest.importorskip("scipy.io")
    return sio.loadmat(shared_data / "mocap_toolbox" / "mcdemodata.mat", squeeze_me=True, struct_as_record=False)


def _mocap_joints(mat, take):
    """Markers -> 20 joints as MoCap Toolbox's mcm2j does: each joint is the mean of its listed markers."""
    d = mat[take]
    markers = d.data.reshape(d.data.shape[0], -1, 3)
    return np.stack([markers[:, np.atleast_1d(m).astype(int) - 1].mean(axis=1) for m in mat["m2jpar"].markerNum], 1)


def test_mocap_toolbox20_matches_mat_file(mocap_toolbox):
    skel = SKELETONS["mocap_toolbox20"]
    assert tuple(mocap_toolbox["m2jpar"].markerName) == skel.joint_names
    conn = {tuple(sorted(e)) for e in (np.asarray(mocap_toolbox["japar"].conn, dtype=int) - 1).tolist()}
    assert conn == {tuple(sorted(b)) for b in bones(skel)}


@pytest.mark.parametrize("take", ["dance1", "walk1"])
def test_mocap_toolbox20_sides_and_round_trip(take, mocap_toolbox):
    skel = SKELETONS["mocap_toolbox20"]
    x = _mocap_joints(mocap_toolbox, take)  # mm, z-up; walk1 has missing markers (NaN)
    i = skel.index
    up = UP["z"]
    fwd = _horizontal_unit(x[:, i("rtoe")] - x[:, i("rankle")] + x[:, i("ltoe")] - x[:, i("lankle")], up)
    assert _right_of_heading_fraction(x, skel, i("rshoulder"), i("lshoulder"), fwd) > 0.9
    assert _right_of_heading_fraction(x, skel, i("rhip"), i("lhip"), fwd) > 0.9
    t = to_telmi13(x, skel)
    y = from_telmi13(t, x, skel)
    ok = np.isfinite(y)
    np.testing.assert_array_equal(y[ok], x[ok])
    # NaN stays where it was, and spreads only to joints carried by a missing anchor (walk1: 1.1 % of values)
    assert np.isnan(y[np.isnan(x)]).all() and ok.mean() > 0.98
    assert np.isfinite(y[np.isfinite(x).all(axis=(1, 2))]).all()


def test_foot_offset_against_real_toes(mocap_toolbox):
    """Toes derived from ankles (the coco/h36m rule) land near the real toe markers."""
    mt = SKELETONS["mocap_toolbox20"]
    coco = get_skeleton("coco", units="mm", up_axis="z")
    errs = []
    for take in ("dance1", "dance2", "walk1", "walk2"):
        x = _mocap_joints(mocap_toolbox, take)
        c = np.zeros((len(x), 17, 3))
        for cn, mn in [("left_shoulder", "lshoulder"), ("right_shoulder", "rshoulder"), ("left_elbow", "lelbow"),
                       ("right_elbow", "relbow"), ("left_wrist", "lwrist"), ("right_wrist", "rwrist"),
                       ("left_hip", "lhip"), ("right_hip", "rhip"), ("left_knee", "lknee"), ("right_knee", "rknee"),
                       ("left_ankle", "lankle"), ("right_ankle", "rankle")]:
            c[:, coco.index(cn)] = x[:, mt.index(mn)]
        t = to_telmi13(c, coco)
        errs.append(np.linalg.norm(t[:, 11:] - x[:, [mt.index("rtoe"), mt.index("ltoe")]], axis=-1).ravel())
    err = np.concatenate(errs)
    # measured: median 45 mm over the 4 takes; with a wrong up axis (-y) it is 199 mm
    assert np.nanmedian(err) < 60.0
