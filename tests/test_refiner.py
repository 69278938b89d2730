"""Refiner: exact restore of any frame, any rate and length, seam-free blending, audio handling, bad input,
no in-place changes, determinism, and saving results."""
import subprocess

import imageio_ffmpeg
import numpy as np
import pytest
import soundfile as sf
import torch
from torch import nn

from conftest import SHARED_DATA, TELMI, H36M
from pose_audio_refine import RefineResult, Refiner, blending, refiner as refiner_mod
from pose_audio_refine.blending import OverlapAdd, blend_weights, window_starts
from pose_audio_refine.checkpoint import save_weights
from pose_audio_refine.models import build_model
from pose_audio_refine.canonical import z_up_rotation
from pose_audio_refine.skeletons import get_skeleton

DATA = SHARED_DATA
SILENT_VIDEO = DATA / "video" / "sports2d_demo_silent.mp4"
SR = 44100
NET_CFG = dict(type="MAPnet", t_in=150, h1=32, h2=20, n_heads=4, pose_layers=1, audio_layers=1, fusion_layers=1,
               residual=True)



@pytest.fixture(autouse=True, scope="module")
def _one_thread(torch_one_thread):
    """Module-wide: torch on one thread (see conftest)."""


def moving(template, seconds, fps, wrist=(5,), sway=range(0, 9)):
    t = np.arange(int(round(seconds * fps))) / fps
    x = np.repeat(template[None], t.size, axis=0)
    for j in wrist:
        x[:, j, 0] += 150 * np.sin(2 * np.pi * 0.5 * t)
    x[:, list(sway), :2] += 40 * np.sin(2 * np.pi * 0.23 * t)[:, None, None]
    return x


def to_camera(x_mm, yaw_deg=35.0, tilt_deg=12.0, shift_m=(0.2, 0.4, 3.5)):
    """Training frame -> camera frame (x right, y down, z away, metres), player turned, camera tilted."""
    a, b = np.radians(yaw_deg), np.radians(tilt_deg)
    yaw = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    tilt = np.array([[1, 0, 0], [0, np.cos(b), -np.sin(b)], [0, np.sin(b), np.cos(b)]])
    return ((x_mm @ yaw.T) @ z_up_rotation("-y")) @ tilt.T / 1000.0 + np.asarray(shift_m)


def music(seconds, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(int(round(seconds * SR))) / SR
    f = 440.0 * 2 ** (rng.integers(0, 12, size=int(np.ceil(seconds * 4))) / 12)
    y = 0.3 * np.sin(2 * np.pi * f[(t * 4).astype(int)] * t) * (0.6 + 0.4 * np.cos(2 * np.pi * 4 * t))
    return (y + 0.01 * rng.normal(size=t.size)).astype(np.float32)


@pytest.fixture(scope="module")
def net():
    torch.manual_seed(0)
    cfg = dict(NET_CFG)
    return build_model(cfg.pop("type"), **cfg).eval()


@pytest.fixture(scope="module")
def identity_net():
    """The random residual MAPnet with a zero output layer: it returns the grid interpolation of its input."""
    torch.manual_seed(1)
    cfg = dict(NET_CFG)
    m = build_model(cfg.pop("type"), **cfg).eval()
    with torch.no_grad():
        m.head.fc3.weight.zero_()
        m.head.fc3.bias.zero_()
    return m


@pytest.fixture(scope="module")
def refiner(net):
    return Refiner(net, progress=False)


class Disagree(nn.Module):
    """Stub whose windows disagree: each window is shifted by a share of its own mean position, so adjacent
    windows differ by a few mm (what any real model does a little) and a hard cut would leave a step."""

    def forward(self, poses, audio=None, input_times=None):
        return poses + 0.2 * torch.nanmean(poses, dim=(1, 2), keepdim=True)


# ------------------------------------------------------------------------------------------ exact restore
@pytest.mark.filterwarnings("ignore:no audio given")
def test_exact_restore_camera_frame_h36m(identity_net):
    """Camera frame (y down, metres, turned, tilted, shifted) at 50 fps through an identity-like model comes
    back unchanged on the telmi13-mapped joints *and* the carried ones (root, spine, neck, head, ankles)."""
    cam = to_camera(moving(H36M, 4.0, 50, wrist=(16,), sway=range(7, 17)))
    res = Refiner(identity_net, progress=False).refine(cam, None, fps=50, skeleton="h36m")
    assert res.poses.shape == cam.shape and res.units == "m" and res.skeleton == "h36m"
    np.testing.assert_allclose(res.poses, cam, rtol=1e-6, atol=1e-6 * np.abs(cam).max())
    carried = [c.joint for c in get_skeleton("h36m").carry]
    assert np.abs(res.poses[:, carried] - cam[:, carried]).max() < 1e-6
    np.testing.assert_array_equal(res.times, np.arange(200) / 50)


@pytest.mark.filterwarnings("ignore:no audio given")
def test_exact_restore_mmpose_z_up_and_root_relative(identity_net):
    r = Refiner(identity_net, progress=False)
    z_up = moving(H36M, 3.2, 50, wrist=(16,)) / 1000.0
    res = r.refine(z_up, None, fps=50, skeleton=get_skeleton("h36m", up_axis="z"))
    np.testing.assert_allclose(res.poses, z_up, rtol=0, atol=1e-6 * np.abs(z_up).max())  # float32 net: ~1e-4 mm
    rel = to_camera(moving(H36M, 3.2, 50, wrist=(16,)))
    rel = rel - rel[:, :1]  # root-relative camera frame: root at the origin in every frame
    res = r.refine(rel, None, fps=50, skeleton="h36m")
    np.testing.assert_allclose(res.poses, rel, rtol=0, atol=1e-6 * np.abs(rel).max())


# ------------------------------------------------------------------------------------------ rates, lengths
@pytest.mark.filterwarnings("ignore:no audio given")
@pytest.mark.parametrize("fps,out_fps", [(10, 50), (12.5, 50), (29.97, 50), (60, 50), (25, 30), (17, 100)])
def test_any_rate_output_grid(refiner, fps, out_fps):
    x = moving(TELMI, 4.0, fps)
    res = refiner.refine(x, None, fps=fps, out_fps=out_fps)
    n = int(np.floor(x.shape[0] / fps * out_fps + 1e-9))
    assert res.poses.shape == (n, 13, 3) and res.fps == out_fps
    np.testing.assert_allclose(res.times, np.arange(n) / out_fps)
    assert np.isfinite(res.poses).all()
    # The untrained residual net stays close to the input (a sanity bound, not an accuracy claim).
    ref = np.stack([np.interp(res.times, np.arange(x.shape[0]) / fps, x[:, j, c]) for j in range(13)
                    for c in range(3)], axis=1).reshape(n, 13, 3)
    assert np.abs(res.poses - ref).mean() < 20.0


@pytest.mark.filterwarnings("ignore:no audio given")
def test_identity_model_at_25_fps_returns_linear_interpolation(identity_net):
    x = to_camera(moving(TELMI, 5.0, 25))
    res = Refiner(identity_net, progress=False).refine(x, None, fps=25, skeleton=get_skeleton("telmi13", units="m",
                                                                                                up_axis="-y"))
    t_in = np.arange(x.shape[0]) / 25
    lin = np.stack([np.interp(res.times, t_in, x[:, j, c]) for j in range(13) for c in range(3)], axis=1)
    np.testing.assert_allclose(res.poses, lin.reshape(res.poses.shape), rtol=0, atol=1e-6 * np.abs(x).max())


@pytest.mark.filterwarnings("ignore:no audio given")
def test_unswap_undoes_a_long_wrist_swap_before_interpolation(identity_net):
    truth = moving(TELMI, 6.0, 25)
    x = truth.copy()
    x[40:70, [5, 6]] = x[40:70, [6, 5]]  # the wrists exchanged for 1.2 s
    kw = dict(fps=25, skeleton="telmi13")
    fixed = Refiner(identity_net, progress=False, unswap=True).refine(x, None, **kw)
    kept = Refiner(identity_net, progress=False).refine(x, None, **kw)  # a bare module: off by default
    ref = Refiner(identity_net, progress=False).refine(truth, None, **kw)
    np.testing.assert_allclose(fixed.poses, ref.poses, atol=1e-6)
    wrist_err = np.linalg.norm(kept.poses[:, 5] - ref.poses[:, 5], axis=-1)
    assert wrist_err.max() > 300.0  # without it the swap comes through


@pytest.mark.filterwarnings("ignore:no audio given")
def test_short_clip_padded_and_minimum(refiner, identity_net):
    x = moving(TELMI, 1.0, 25)
    res = refiner.refine(x, None, fps=25)
    assert res.poses.shape == (50, 13, 3) and np.isfinite(res.poses).all()
    x50 = moving(TELMI, 1.0, 50)
    same = Refiner(identity_net, progress=False).refine(x50, None, fps=50).poses
    np.testing.assert_allclose(same, x50, rtol=0, atol=1e-6 * np.abs(x50).max())  # padding is cropped exactly
    ok = refiner.refine(x[:5], None, fps=25)  # 0.2 s: the minimum
    assert ok.poses.shape == (10, 13, 3)
    with pytest.raises(ValueError, match=r"too short.*minimum is 2 frames and 0.2 s"):
        refiner.refine(x[:4], None, fps=25)
    with pytest.raises(ValueError, match="minimum"):
        refiner.refine(x[:1], None, fps=10)


@pytest.mark.filterwarnings("ignore:no audio given")
def test_chunked_restore_and_progress_bar(refiner, monkeypatch, capsys):
    x = moving(TELMI, 7.0, 30)
    whole = refiner.refine(x, None, fps=30).poses
    monkeypatch.setattr(refiner_mod, "_CHUNK_SLOTS", 37)
    bar = Refiner(refiner.net, progress=True, batch_size=2).refine(x, None, fps=30).poses
    np.testing.assert_allclose(bar, whole, atol=1e-9)
    assert "refining" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------ blending
def test_window_starts_and_weights():
    np.testing.assert_array_equal(window_starts(100), [0])
    np.testing.assert_array_equal(window_starts(150), [0])
    np.testing.assert_array_equal(window_starts(330), [0, 50, 100, 150, 180])
    np.testing.assert_array_equal(window_starts(300, hop=75), [0, 75, 150])
    w = blend_weights()
    assert w.min() > 0 and np.allclose(w, w[::-1]) and w.max() <= 1
    # Interior slots: the overlapping weights sum to a constant (1.5 at a 1 s hop), a partition of unity.
    total = np.zeros(600)
    for s in window_starts(600):
        total[s:s + 150] += w
    np.testing.assert_allclose(total[150:450], 1.5, rtol=1e-12)
    with pytest.raises(ValueError, match="hop"):
        window_starts(300, hop=151)


def _boundary_vs_inside(y, starts, n_slots):
    acc = np.linalg.norm(y[2:] - 2 * y[1:-1] + y[:-2], axis=-1).mean(axis=1)  # slot k = 1..K-2
    k = np.arange(1, n_slots - 1)
    edges = {e + d for s in starts for e in (s, s + 150) for d in range(-2, 3)}
    boundary = np.isin(k, sorted(edges))
    inner = (k > 3) & (k < n_slots - 4)  # the track's own ends have one window only: no seam possible
    return acc[boundary & inner].mean(), acc[~boundary & inner].mean()


def test_overlap_add_unit_no_steps():
    """Windows of one smooth curve, each shifted by its own offset: the blend has no steps; boxcar does."""
    K = 600
    t = np.arange(K) / 50
    curve = (100 * np.sin(2 * np.pi * 0.5 * t))[:, None, None] * np.ones((1, 13, 3))
    rng = np.random.default_rng(0)
    starts = window_starts(K)
    offsets = rng.normal(0, 20, size=len(starts))
    res = {}
    for name, weights in (("hann", blend_weights()), ("boxcar", np.ones(150))):
        acc = OverlapAdd(K, 13)
        acc.weights = weights
        for s, off in zip(starts, offsets):
            acc.add(s, curve[s:s + 150] + off)
        res[name] = _boundary_vs_inside(acc.result(), starts, K)
    assert res["hann"][0] <= res["hann"][1]
    assert res["boxcar"][0] > 3 * res["boxcar"][1]  # the check can fail: a hard cut would be caught


@pytest.mark.filterwarnings("ignore:no audio given")
def test_no_seams_end_to_end(monkeypatch):
    """Acceleration at window boundaries is no higher than inside (measured 0.94x), with windows that
    disagree; without blending (boxcar weights) it is 7x higher."""
    x = moving(TELMI, 12.0, 25)
    out = Refiner(Disagree(), progress=False, guard=False).refine(x, None, fps=25).poses
    b, i = _boundary_vs_inside(out, window_starts(out.shape[0]), out.shape[0])
    assert b <= i
    monkeypatch.setattr(blending, "blend_weights", lambda window=150: np.ones(window))
    out = Refiner(Disagree(), progress=False, guard=False).refine(x, None, fps=25).poses
    b, i = _boundary_vs_inside(out, window_starts(out.shape[0]), out.shape[0])
    assert b > 3 * i


# ------------------------------------------------------------------------------------------ missing data
@pytest.mark.filterwarnings("ignore:no audio given")
def test_nan_gaps_and_confidence(refiner):
    x = moving(TELMI, 10.0, 25)
    x[50:60, 5] = np.nan     # 0.4 s gap: filled
    x[100:200, 6] = np.nan   # 4 s gap: NaN where the nearest observation is more than 1.5 s away
    x[30] = np.nan           # a dropped frame
    res = refiner.refine(x, None, fps=25)
    t = res.times
    assert np.isfinite(res.poses[(t > 1.9) & (t < 2.5), 5]).all()
    far = (t > 3.96 + 1.52) & (t < 8.0 - 1.52)
    assert far.sum() > 40 and np.isnan(res.poses[far, 6]).all()
    near = ((t > 4.0) & (t < 5.44)) | ((t > 6.5) & (t < 9.9))
    assert np.isfinite(res.poses[near, 6]).all()
    others = np.delete(np.arange(13), 6)
    assert np.isfinite(res.poses[:, others]).all()
    # Low confidence is the same as missing.
    clean = moving(TELMI, 10.0, 25)
    conf = np.ones(clean.shape[:2])
    conf[50:60, 5] = 0.1
    conf[100:200, 6] = np.nan
    conf[30] = 0.0
    via_conf = refiner.refine(clean, None, fps=25, confidence=conf)
    np.testing.assert_array_equal(via_conf.poses, res.poses)


@pytest.mark.filterwarnings("ignore:no audio given")
def test_multi_person_each_refined_alone(refiner):
    a, b = moving(TELMI, 4.0, 25), moving(TELMI, 4.0, 25)[:, :, :] + np.array([1500.0, 300.0, 0.0])
    b[:, 5, 2] += 80 * np.sin(np.arange(b.shape[0]) / 3)
    both = refiner.refine(np.stack([a, b]), None, fps=25)
    assert both.poses.shape == (2, 200, 13, 3)
    np.testing.assert_allclose(both.poses[0], refiner.refine(a, None, fps=25).poses, atol=1e-9)
    np.testing.assert_allclose(both.poses[1], refiner.refine(b, None, fps=25).poses, atol=1e-9)
    conf = np.ones((2, 100, 13))
    conf[1, :, 3] = 0
    masked = refiner.refine(np.stack([a, b]), None, fps=25, confidence=conf)
    assert np.isnan(masked.poses[1, :, 3]).all() and np.isfinite(masked.poses[0]).all()


# ------------------------------------------------------------------------------------------ audio
def test_audio_array_path_and_resampled(refiner, tmp_path):
    x = moving(TELMI, 3.0, 25)
    y = music(3.0)
    res = refiner.refine(x, y, fps=25, sr=SR)
    assert res.audio_used and res.warnings == []
    with pytest.warns(UserWarning, match="no audio given"):
        pose_only = refiner.refine(x, None, fps=25)
    assert pose_only.warnings == ["no audio given: pose-only refinement"] and not pose_only.audio_used
    assert np.abs(res.poses - pose_only.poses).max() > 1e-3  # the audio reached the network
    wav = tmp_path / "take.wav"
    sf.write(wav, y, SR, subtype="FLOAT")
    np.testing.assert_allclose(refiner.refine(x, wav, fps=25).poses, res.poses, atol=1e-3)
    np.testing.assert_allclose(refiner.refine(x, str(wav), fps=25).poses, res.poses, atol=1e-3)
    y22 = y[::2].copy()  # 22.05 kHz: resampled to 44.1 kHz before the features
    assert refiner.refine(x, y22, fps=25, sr=SR // 2).audio_used


def test_silent_audio_behaves_like_pose_only(refiner):
    x = moving(TELMI, 3.0, 25)
    with pytest.warns(UserWarning, match="silent"):
        silent = refiner.refine(x, np.full(3 * SR, 1e-6, dtype=np.float32), fps=25, sr=SR)
    with pytest.warns(UserWarning, match="no audio given"):
        none = refiner.refine(x, None, fps=25)
    np.testing.assert_array_equal(silent.poses, none.poses)
    assert not silent.audio_used and "silent" in silent.warnings[0]


def test_silent_video_and_video_without_audio_stream(refiner, tmp_path):
    if not SILENT_VIDEO.exists():
        pytest.skip(f"shared test data not available: {SILENT_VIDEO}")
    x = moving(TELMI, 7.7, 30)
    with pytest.warns(UserWarning, match="silent"):
        assert not refiner.refine(x, SILENT_VIDEO, fps=30).audio_used
    video = tmp_path / "video_only.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                    "color=c=black:s=64x64:d=1", "-c:v", "mpeg4", str(video)], check=True)
    with pytest.warns(UserWarning, match="no audio stream"):
        res = refiner.refine(moving(TELMI, 1.0, 30), video, fps=30)
    assert not res.audio_used


def test_duration_mismatch_and_trim(refiner):
    x = moving(TELMI, 4.0, 25)
    for seconds in (3.4, 4.6):
        with pytest.raises(ValueError, match=r"audio lasts .* trim=True"):
            refiner.refine(x, music(seconds), fps=25, sr=SR)
        assert refiner.refine(x, music(seconds), fps=25, sr=SR, trim=True).audio_used
    assert refiner.refine(x, music(4.4), fps=25, sr=SR).poses.shape == (200, 13, 3)  # within 0.5 s: fine


# ------------------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(poses=np.zeros((10, 13))), ValueError, "poses must have 3 or 4 dimensions"),
    (dict(poses=np.zeros((10, 13, 2))), ValueError, r"poses must have shape \(T, J, 3\)"),
    (dict(poses=np.zeros((10, 5, 3))), ValueError, "poses has 5 joints: no known skeleton"),
    (dict(poses=np.ones((10, 17, 3))), ValueError, "ambiguous.*skeleton="),
    (dict(poses=np.ones((10, 13, 3)), skeleton="h36m"), ValueError, "poses has 13 joints but skeleton 'h36m'"),
    (dict(poses=np.full((10, 13, 3), np.nan)), ValueError, "poses is all NaN"),
    (dict(poses=np.full((2, 10, 13, 3), np.nan)), ValueError, r"poses\[0\] is all NaN"),
    (dict(poses="walk"), TypeError, "poses must be a numeric array"),
    (dict(fps=0), ValueError, "fps must be a positive"),
    (dict(fps=-25), ValueError, "fps must be a positive"),
    (dict(fps=9.9), ValueError, r"fps=9.9 is outside the supported range \[10.0, 60.0\]"),
    (dict(fps=61), ValueError, "fps=61.0 is outside"),
    (dict(fps="25"), TypeError, "fps must be a number"),
    (dict(units="inch"), ValueError, "units must be one of"),
    (dict(out_fps=0), ValueError, "out_fps"),
    (dict(audio=np.zeros((2, SR))), ValueError, "audio must be a mono signal"),
    (dict(audio=np.zeros(SR, dtype=np.int16)), TypeError, "audio must be a float array"),
    (dict(audio=np.ones(SR)), ValueError, "sr is required"),
    (dict(audio=np.ones(SR), sr=0), ValueError, "sr must be a positive"),
    (dict(audio=12), TypeError, "audio must be a path, a float array or None"),
    (dict(confidence=np.ones((10, 12))), ValueError, r"confidence must have shape \(10, 13\)"),
    (dict(confidence=np.ones((10, 13, 1))), ValueError, "confidence must have shape"),
    (dict(confidence=np.zeros((10, 13))), ValueError, "confidence is below min_confidence"),
    (dict(trim="yes"), TypeError, "trim must be a bool"),
])
def test_bad_input(refiner, kwargs, exc, match):
    args = dict(poses=moving(TELMI, 1.0, 10), audio=None, fps=10)
    args.update(kwargs)
    poses, audio = args.pop("poses"), args.pop("audio")
    with pytest.raises(exc, match=match):
        refiner.refine(poses, audio, **args)


def test_bad_values_inf_and_audio_nan_and_paths(refiner, tmp_path):
    x = moving(TELMI, 1.0, 10)
    bad = x.copy()
    bad[3, 2, 1] = np.inf
    with pytest.raises(ValueError, match="poses contains inf"):
        refiner.refine(bad, None, fps=10)
    y = music(1.0)
    y[100] = np.nan
    with pytest.raises(ValueError, match="audio contains NaN"):
        refiner.refine(x, y, fps=10, sr=SR)
    with pytest.raises(ValueError, match="audio file not found"):
        refiner.refine(x, tmp_path / "missing.wav", fps=10)
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"this is not audio" * 100)
    with pytest.raises(ValueError, match="audio could not be read"):
        refiner.refine(x, junk, fps=10)
    with pytest.raises(ValueError, match="confidence contains inf"):
        refiner.refine(x, None, fps=10, confidence=np.full((10, 13), np.inf))


def test_constructor_checks(net, tmp_path):
    with pytest.raises(ValueError, match="batch_size"):
        Refiner(net, batch_size=0)
    with pytest.raises(ValueError, match="hop_s"):
        Refiner(net, hop_s=0.013)
    native = build_model("MAPnet", t_in=75, h1=32, h2=20, n_heads=4, pose_layers=1, audio_layers=1, fusion_layers=1)
    with pytest.raises(ValueError, match="grid-input model"):
        Refiner(native)
    with pytest.raises(FileNotFoundError):
        Refiner(tmp_path / "none.pth")


# ------------------------------------------------------------------------------------------ contract details
def test_inputs_never_modified(refiner):
    x = moving(TELMI, 3.0, 25)
    x[10, 4] = np.nan
    y = music(3.0)
    conf = np.full(x.shape[:2], 0.9)
    conf[20:30, 2] = 0.1
    keep = (x.copy(), y.copy(), conf.copy())
    res = refiner.refine(x, y, fps=25, sr=SR, confidence=conf)
    for before, after in zip(keep, (x, y, conf)):
        np.testing.assert_array_equal(before, after)
    assert res.input_poses is not x and np.isnan(res.input_poses[20:30, 2]).all()


def test_deterministic_batching_and_checkpoint_file(net, tmp_path):
    x = moving(TELMI, 6.0, 25)
    y = music(6.0)
    a = Refiner(net, progress=False).refine(x, y, fps=25, sr=SR).poses
    b = Refiner(net, progress=False).refine(x, y, fps=25, sr=SR).poses
    np.testing.assert_array_equal(a, b)
    one = Refiner(net, progress=False, batch_size=1).refine(x, y, fps=25, sr=SR).poses
    np.testing.assert_allclose(one, a, atol=1e-4)
    cfg = dict(NET_CFG)
    path = save_weights(net, cfg, tmp_path / "small.pth", input_mode="grid")
    # (the gate is on for weights files and off for a bare module: compare the network alone)
    from_file = Refiner(path, device="cpu", progress=False, noise_gate_mm=None).refine(x, y, fps=25, sr=SR).poses
    np.testing.assert_array_equal(from_file, a)


@pytest.mark.filterwarnings("ignore:no audio given")
@pytest.mark.parametrize("suffix", [".npz", ".json", ".csv"])
def test_save_and_load(refiner, tmp_path, suffix):
    x = to_camera(moving(H36M, 2.0, 25, wrist=(16,)))
    x[:, 10] = np.nan  # head never seen: stays NaN
    res = refiner.refine(np.stack([x, x + 0.5]), None, fps=25, skeleton="h36m")
    path = res.save(tmp_path / f"out{suffix}")
    back = RefineResult.load(path)
    np.testing.assert_array_equal(back.poses, res.poses)
    np.testing.assert_array_equal(back.times, res.times)
    assert (back.fps, back.skeleton, back.units, back.audio_used, back.warnings, back.joint_names) == \
        (res.fps, res.skeleton, res.units, res.audio_used, res.warnings, res.joint_names)
    if suffix != ".csv":
        np.testing.assert_array_equal(back.input_poses, res.input_poses)
    single = refiner.refine(x, None, fps=25, skeleton="h36m")
    back = RefineResult.load(single.save(tmp_path / f"one{suffix}"))
    assert back.poses.shape == single.poses.shape
    with pytest.raises(ValueError, match="must end in"):
        res.save(tmp_path / "out.txt")


class Stray(nn.Module):
    """Stub that answers every window with the input moved half a metre: what an out-of-distribution
    window can look like."""

    def forward(self, poses, audio=None, input_times=None):
        return torch.nan_to_num(poses) + 500.0


@pytest.mark.filterwarnings("ignore:no audio given")
def test_guard_replaces_implausible_windows_by_a_light_smoothing():
    x = moving(TELMI, 6.0, 25)
    with pytest.warns(UserWarning, match="windows looked unlike the motion"):
        guarded = Refiner(Stray(), progress=False).refine(x, None, fps=25).poses
    raw = Refiner(Stray(), progress=False, guard=False).refine(x, None, fps=25).poses
    up = np.stack([np.stack([np.interp(np.arange(len(guarded)) / 50, np.arange(len(x)) / 25, x[:, j, c])
                             for c in range(3)], -1) for j in range(x.shape[1])], 1)
    assert np.nanmean(np.linalg.norm(raw - up, axis=-1)) > 400       # the stub really is off...
    assert np.nanmean(np.linalg.norm(guarded - up, axis=-1)) < 20    # ...and the guard undid it


# ------------------------------------------------------------------------------------------ mirrored frames
@pytest.mark.filterwarnings("ignore:no audio given")
def test_mirror_image_frame_is_undone_by_the_refiner(refiner):
    """A track in a mirror-image frame (MMPose's demo output), declared with ``mirror_y=True``, is refined as
    its right-handed twin and returned in its own frame. Without the un-mirroring the (random, not
    mirror-symmetric) net sees a different body, so the last assertion shows this test can fail."""
    x = moving(TELMI, 6.0, 25)
    flip = np.array([1.0, -1.0, 1.0])
    plain = refiner.refine(x, None, fps=25, skeleton="telmi13").poses
    mirrored = refiner.refine(x * flip, None, fps=25, skeleton=get_skeleton("telmi13", mirror_y=True)).poses
    np.testing.assert_allclose(mirrored, plain * flip, atol=1e-6)
    undeclared = refiner.refine(x * flip, None, fps=25, skeleton="telmi13").poses
    assert np.abs(undeclared - plain * flip).max() > 1.0
