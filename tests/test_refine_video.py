"""tools/refine_video.py and pose_audio_refine.video: real videos with the real MediaPipe estimator, the bundled
demo, and bad input. The refiner runs a tiny random MAPnet here (the bundled checkpoint may not exist yet); the
smoothing claim needs trained weights and is tested with the bundled checkpoint when it is there."""
from __future__ import annotations

import importlib.util
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "demo"
BUNDLED = REPO / "pose_audio_refine" / "weights" / "mapnet_fast.pth"

video = pytest.importorskip("pose_audio_refine.video")
from pose_audio_refine.video import (NoPersonError, VideoReadError, refine_video,  # noqa: E402
                                     select_frames, video_info, write_video)


def _cli():
    spec = importlib.util.spec_from_file_location("refine_video_cli", REPO / "tools" / "refine_video.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _upsampled(raw: np.ndarray, t_raw: np.ndarray, t_out: np.ndarray) -> np.ndarray:
    out = np.full((t_out.size,) + raw.shape[1:], np.nan)
    ok = np.isfinite(raw).all(-1)
    for j in range(raw.shape[1]):
        for c in range(3):
            out[:, j, c] = np.interp(t_out, t_raw[ok[:, j]], raw[ok[:, j], j, c])
    return out


def _drift_mm(res, raw, t_raw, k: float) -> float:
    up = _upsampled(raw, t_raw, res.times)
    both = np.isfinite(up).all(-1) & np.isfinite(res.poses).all(-1)
    return float(np.mean(np.linalg.norm(res.poses - up, axis=-1)[both]) * k)


# --------------------------------------------------------------------------------------------- units
def test_select_frames():
    assert np.array_equal(select_frames(10, 25.0), np.arange(10))
    assert np.array_equal(select_frames(10, 25.0, 30.0), np.arange(10))  # faster than the video: every frame
    idx = select_frames(250, 25.0, 10.0)
    assert idx[0] == 0 and idx.size == 100 and set(np.diff(idx)) <= {2, 3}
    assert np.abs(idx / 25.0 - np.arange(100) / 10.0).max() <= 0.5 / 25 + 1e-9  # nearest frame to k / F
    assert np.array_equal(select_frames(250, 25.0, 12.5), np.arange(0, 250, 2))
    with pytest.raises(ValueError, match="estimator_fps"):
        select_frames(10, 25.0, -1.0)
    with pytest.raises(ValueError, match="n_frames"):
        select_frames(0, 25.0)


def test_fit_projection_recovers_weak_perspective():
    from pose_audio_refine.video.render import fit_projection

    rng = np.random.default_rng(0)
    X = rng.normal(0, 300, (40, 13, 3))
    A = np.array([[0.2, 0.01, -0.05], [0.0, -0.21, 0.03]])
    s = 1 + 0.1 * np.sin(np.linspace(0, 3, 40))
    c = np.stack([160 + 5 * np.arange(40), 120 + np.zeros(40)], 1)
    U = s[:, None, None] * np.einsum("ik,tjk->tji", A, X) + c[:, None]
    X[3, :5] = np.nan  # missing joints are skipped
    X_in, U_in = X.copy(), U.copy()
    t = np.arange(40) / 25
    proj = fit_projection(X, U, t, smooth=1)
    assert np.array_equal(X, X_in, equal_nan=True) and np.array_equal(U, U_in)  # inputs untouched
    assert proj.residual_px < 1e-3
    ok = np.isfinite(X).all(-1)
    assert np.abs(proj.project(X, t)[ok] - U[ok]).max() < 1e-2
    with pytest.raises(ValueError, match="4 joints"):
        fit_projection(np.full((3, 13, 3), np.nan), U[:3], t[:3])


# --------------------------------------------------------------------------------------------- bundled demo
@pytest.fixture(scope="module")
def demo_run(ckpt, tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_out")
    cli = _cli()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rc = cli.main(["--out", str(out), "--checkpoint", str(ckpt), "--render", "--no-progress"])
    return rc, out


def test_demo_files_are_small_and_consistent():
    from pose_audio_refine import RefineResult

    files = [DEMO / n for n in ("violin_demo.mp4", "violin_demo_poses.npz", "violin_demo_truth.npz", "README.md")]
    assert all(f.is_file() for f in files)
    assert sum(f.stat().st_size for f in DEMO.rglob("*") if f.is_file()) < 5 * 2 ** 20
    info = video_info(DEMO / "violin_demo.mp4")
    assert info.has_audio and info.fps == 25 and (info.width, info.height) == (320, 240)
    poses, truth = RefineResult.load(files[1]), RefineResult.load(files[2])
    assert poses.skeleton == truth.skeleton == "telmi13" and poses.units == "mm"
    assert poses.fps == 15 and abs(poses.poses.shape[0] / poses.fps - info.duration) < 0.1
    assert truth.fps == 50 and abs(truth.poses.shape[0] / truth.fps - info.duration) < 0.1
    # The noisy estimate is a noisy version of the truth: centimetres off, not metres, not zero.
    up = _upsampled(poses.poses, poses.times, truth.times)
    err = np.nanmean(np.linalg.norm(up - truth.poses, axis=-1))
    assert 5 < err < 150


def test_demo_end_to_end(demo_run):
    from pose_audio_refine import RefineResult

    rc, out = demo_run
    assert rc == 0
    stem = "violin_demo"
    for suffix in ("npz", "json", "csv"):
        res = RefineResult.load(out / f"{stem}_refined.{suffix}")
        assert res.poses.shape == (500, 13, 3) and res.fps == 50.0 and res.skeleton == "telmi13"
        assert np.allclose(res.times, np.arange(500) / 50)
        assert res.audio_used
    raw = RefineResult.load(out / f"{stem}_raw.npz")
    assert raw.poses.shape == (150, 13, 3) and raw.fps == 15
    assert (out / f"{stem}_wrists.png").stat().st_size > 20_000
    summary = json.loads((out / f"{stem}_summary.json").read_text())
    assert summary["frames"] == 250 and summary["fps_in"] == 15 and summary["frames_out"] == 500
    # The bundled demo shows what the sound did: its truth, the pose-only twin, the true bow changes.
    assert (out / f"{stem}_bowing.png").stat().st_size > 20_000
    bow = summary["bowing_wrist"]
    assert bow["pose_only"] and bow["bow_change_source"] == "truth"
    assert Path(bow["truth"]) == DEMO / "violin_demo_truth.npz"
    assert set(bow["wrist_error"]) == {"raw", "pose_only", "audio"}
    assert "pose-only refinement" in summary["seconds"]
    # Refined stays on the estimate (a random net barely moves it; a trained one must not drift either).
    res = RefineResult.load(out / f"{stem}_refined.npz")
    assert _drift_mm(res, raw.poses, raw.times, 1.0) < 30.0
    # The overlay video: every frame, the 3D panel beside it, the original audio back in.
    vi = video_info(out / f"{stem}_refined.mp4")
    assert vi.n_frames == 250 and vi.fps == 25 and vi.has_audio and vi.width == 320 + 240 and vi.height == 240


def test_cli_no_argument_prints_plot_path(ckpt, tmp_path, capsys):
    rc = _cli().main(["--out", str(tmp_path), "--checkpoint", str(ckpt), "--no-progress", "--max-seconds", "3"])
    text = capsys.readouterr().out
    assert rc == 0 and f"before/after plot: {tmp_path / 'violin_demo_wrists.png'}" in text
    assert f"bowing-wrist plot: {tmp_path / 'violin_demo_bowing.png'}" in text
    assert "summary" in text and "real-time factor" in text and "vs truth     bowing wrist raw" in text


def test_cli_truth_and_pose_only_options(ckpt, tmp_path, capsys):
    from pose_audio_refine import RefineResult

    cli = _cli()
    rc = cli.main(["--out", str(tmp_path / "a"), "--checkpoint", str(ckpt), "--no-progress", "--max-seconds", "2",
                   "--no-compare-pose-only"])
    assert rc == 0
    bow = json.loads((tmp_path / "a" / "violin_demo_summary.json").read_text())["bowing_wrist"]
    assert not bow["pose_only"] and bow["truth"] is not None  # the demo's truth stays on
    # Another video (here: the demo named explicitly) gets neither unless asked for.
    video, poses = str(DEMO / "violin_demo.mp4"), str(DEMO / "violin_demo_poses.npz")
    rc = cli.main([video, "--poses", poses, "--out", str(tmp_path / "b"), "--checkpoint", str(ckpt),
                   "--no-progress", "--max-seconds", "2"])
    bow = json.loads((tmp_path / "b" / "violin_demo_summary.json").read_text())["bowing_wrist"]
    assert rc == 0 and not bow["pose_only"] and bow["truth"] is None
    assert bow["bow_change_source"] == "audio onsets (librosa)"
    rc = cli.main([video, "--poses", poses, "--out", str(tmp_path / "c"), "--checkpoint", str(ckpt),
                   "--no-progress", "--max-seconds", "2", "--compare-pose-only"])
    assert rc == 0 and json.loads((tmp_path / "c" / "violin_demo_summary.json").read_text())["bowing_wrist"][
        "pose_only"]
    capsys.readouterr()
    wrong = tmp_path / "h36m_truth.npz"
    RefineResult(poses=np.zeros((500, 17, 3)), times=np.arange(500) / 50, fps=50.0, skeleton="h36m", units="mm",
                 audio_used=False).save(wrong)
    for truth, match in ((wrong, "skeleton 'h36m'"), (tmp_path / "none.npz", "truth file not found")):
        rc = cli.main([video, "--poses", poses, "--out", str(tmp_path / "d"), "--checkpoint", str(ckpt),
                       "--no-progress", "--truth", str(truth)])
        err = capsys.readouterr().err
        assert rc == 2 and err.startswith("error: ") and match in err, err


@pytest.mark.skipif(not BUNDLED.is_file(), reason="the bundled checkpoint has not been trained yet")
def test_demo_trained_refiner_smooths_without_drift(tmp_path):
    from pose_audio_refine import RefineResult
    from pose_audio_refine.metrics import mean_acceleration, mpjpe

    s = refine_video(DEMO / "violin_demo.mp4", poses=DEMO / "violin_demo_poses.npz", out_dir=tmp_path,
                     progress=False)
    res = RefineResult.load(s["paths"]["refined_npz"])
    raw = RefineResult.load(DEMO / "violin_demo_poses.npz")
    truth = RefineResult.load(DEMO / "violin_demo_truth.npz")
    up = _upsampled(raw.poses, raw.times, res.times)
    ok = np.isfinite(res.poses).all(-1)
    assert mean_acceleration(res.poses, mask=ok, fps=50) < mean_acceleration(up, mask=ok, fps=50)
    raw_error = mpjpe(up, truth.poses, mask=ok)
    # no drift: the correction stays smaller than the estimate's own error, and it moves toward the truth
    assert mpjpe(res.poses, up, mask=ok) < raw_error
    assert mpjpe(res.poses, truth.poses, mask=ok) <= raw_error


# --------------------------------------------------------------------------------------------- real videos
def test_dancer_with_mediapipe(shared_data, ckpt, tmp_path):
    """The real estimator on a real video with its music: the first 3 s, every frame."""
    from pose_audio_refine import RefineResult

    s = refine_video(shared_data / "video" / "dancer.avi", max_seconds=3, checkpoint=ckpt, out_dir=tmp_path,
                     progress=False)
    assert s["frames"] == 75 and s["video_fps"] == 25 and s["frames_estimated"] == 75
    assert s["detection_rate"] > 0.9 and s["audio_used"]
    res = RefineResult.load(s["paths"]["refined_npz"])
    raw = RefineResult.load(s["paths"]["raw_npz"])
    assert res.poses.shape == (150, 33, 3) and res.fps == 50 and res.skeleton == "mediapipe33"
    assert raw.poses.shape == (75, 33, 3) and raw.units == "m"
    assert np.isfinite(res.poses).all()
    seen = np.isfinite(raw.poses).all(-1)
    assert 0.05 < np.nanmax(np.abs(raw.poses)) < 1.5  # metres, hip-centred: a body, not pixels/mm
    assert seen.mean() > 0.9
    with np.load(s["paths"]["raw_npz"]) as z:  # the 2D landmarks travel with the raw estimate
        assert z["image_points"].shape == (75, 33, 2) and z["estimated"].all()
    assert _drift_mm(res, raw.poses, raw.times, 1000.0) < 30.0
    assert Path(s["paths"]["plot"]).stat().st_size > 20_000


def test_dancer_sparse_estimator(shared_data, ckpt, tmp_path):
    """--estimator-fps 10 on a 25 fps video: 2 s -> 20 MediaPipe frames, still 50 fps out without gaps."""
    from pose_audio_refine import RefineResult

    s = refine_video(shared_data / "video" / "dancer.avi", max_seconds=2, estimator_fps=10, checkpoint=ckpt,
                     out_dir=tmp_path, progress=False)
    assert s["frames_estimated"] == 20 and s["fps_in"] == 25 and s["frames_out"] == 100
    res = RefineResult.load(s["paths"]["refined_npz"])
    assert res.poses.shape == (100, 33, 3) and np.isfinite(res.poses).all()
    with np.load(s["paths"]["raw_npz"]) as z:
        assert z["estimated"].sum() == 20


def test_silent_audio_warns_and_still_writes(shared_data, ckpt, tmp_path):
    with pytest.warns(UserWarning, match="silent"):
        s = refine_video(shared_data / "video" / "sports2d_demo_silent.mp4", max_seconds=2, checkpoint=ckpt,
                         out_dir=tmp_path, progress=False)
    assert not s["audio_used"] and s["frames"] == 60 and s["frames_out"] == 100
    assert all(Path(p).is_file() for p in s["paths"].values())


# --------------------------------------------------------------------------------------------- bad input
@pytest.fixture(scope="module")
def mute_video(tmp_path_factory) -> Path:
    """2 s of plain grey frames, 25 fps, no audio stream (nobody in it)."""
    path = tmp_path_factory.mktemp("mute") / "mute.mp4"
    frames = (np.full((96, 128, 3), 90 + i, np.uint8) for i in range(50))
    return write_video(frames, path, 25.0, (128, 96))


def test_not_a_video(tmp_path, ckpt, capsys):
    bad = tmp_path / "notes.mp4"
    bad.write_text("this is not a video")
    with pytest.raises(VideoReadError, match="not a video"):
        refine_video(bad, checkpoint=ckpt, out_dir=tmp_path, progress=False)
    assert _cli().main([str(bad), "--out", str(tmp_path), "--checkpoint", str(ckpt)]) == 2
    assert "error:" in capsys.readouterr().err
    with pytest.raises(FileNotFoundError):
        video_info(tmp_path / "missing.mp4")


def test_no_person_detected(mute_video, ckpt, tmp_path):
    assert not video_info(mute_video).has_audio
    with pytest.raises(NoPersonError, match=r"0 of 50 frames \(0 %"):
        refine_video(mute_video, checkpoint=ckpt, out_dir=tmp_path, progress=False)


def test_no_audio_stream_and_no_audio_flag(mute_video, ckpt, tmp_path):
    from pose_audio_refine import RefineResult

    truth = RefineResult.load(DEMO / "violin_demo_truth.npz")
    poses = tmp_path / "p.npz"
    RefineResult(poses=truth.poses[:100], times=truth.times[:100], fps=50.0, skeleton="telmi13", units="mm",
                 audio_used=False).save(poses)
    with pytest.warns(UserWarning, match="no audio stream"):
        s = refine_video(mute_video, poses=poses, checkpoint=ckpt, out_dir=tmp_path / "a", progress=False)
    assert not s["audio_used"] and s["frames_out"] == 100
    with pytest.warns(UserWarning, match="--no-audio"):
        s = refine_video(DEMO / "violin_demo.mp4", poses=DEMO / "violin_demo_poses.npz", no_audio=True,
                         max_seconds=3, checkpoint=ckpt, out_dir=tmp_path / "b", progress=False,
                         compare_pose_only=True)
    assert not s["audio_used"] and s["frames_out"] == 150
    # Without audio the refinement is the pose-only one: no second run, no bow changes to mark.
    assert not s["bowing_wrist"]["pose_only"] and s["bowing_wrist"]["bow_change_source"] is None
    assert Path(s["paths"]["bowing_plot"]).is_file()


def test_poses_with_wrong_frame_count(ckpt, tmp_path):
    from pose_audio_refine import RefineResult

    demo = RefineResult.load(DEMO / "violin_demo_poses.npz")
    short = tmp_path / "short.npz"
    RefineResult(poses=demo.poses[:100], times=demo.times[:100], fps=15.0, skeleton="telmi13", units="mm",
                 audio_used=False).save(short)
    with pytest.raises(ValueError, match=r"100 frames at 15 fps .* expected about 150 frames"):
        refine_video(DEMO / "violin_demo.mp4", poses=short, checkpoint=ckpt, out_dir=tmp_path, progress=False)
    garbage = tmp_path / "g.json"
    garbage.write_text(json.dumps({"hello": 1}))
    with pytest.raises(ValueError, match="g.json"):
        refine_video(DEMO / "violin_demo.mp4", poses=garbage, checkpoint=ckpt, out_dir=tmp_path, progress=False)


def test_mmpose_predictions_as_poses(mute_video, ckpt, tmp_path):
    """An MMPose 3D prediction file (inferencer layout, h36m, metres, MMPose's z-up mirror frame)."""
    pytest.importorskip("pose_audio_refine.mmpose")
    from pose_audio_refine import RefineResult

    t = RefineResult.load(DEMO / "violin_demo_truth.npz").poses[:100:2] / 1000.0  # 50 frames at 25 fps, metres
    mid = lambda a, b: (t[:, a] + t[:, b]) / 2  # noqa: E731
    up = np.array([0, 0, 0.1])
    h36m = np.stack([mid(7, 8), t[:, 7], t[:, 9], t[:, 11] + up, t[:, 8], t[:, 10], t[:, 12] + up,
                     (mid(7, 8) + t[:, 0]) / 2, t[:, 0], t[:, 0] + up, t[:, 0] + 2 * up, t[:, 2], t[:, 4], t[:, 6],
                     t[:, 1], t[:, 3], t[:, 5]], axis=1)
    h36m[..., 1] *= -1  # MMPose's demo frame is a mirror image
    frames = [{"frame_id": i, "instances": [{"keypoints": k.tolist(), "keypoint_scores": [1.0] * 17}]}
              for i, k in enumerate(h36m)]
    path = tmp_path / "preds.json"
    path.write_text(json.dumps(frames))
    s = refine_video(mute_video, poses=path, checkpoint=ckpt, out_dir=tmp_path, progress=False)
    res = RefineResult.load(s["paths"]["refined_npz"])
    assert res.poses.shape == (100, 17, 3) and s["fps_in"] == 25
    # Same (mirrored) frame as the input: the refined wrists follow the input's.
    up_ = _upsampled(h36m, np.arange(50) / 25, res.times)
    assert np.nanmean(np.linalg.norm(res.poses - up_, axis=-1)) < 0.03
    # ... and the mirror was undone before refining: exactly the right-handed track's refinement, mirrored back
    # (the random net is not mirror-symmetric, so refining the mirrored track as it is would differ).
    from pose_audio_refine import Refiner
    from pose_audio_refine.skeletons import get_skeleton

    flip = np.array([1.0, -1.0, 1.0])
    twin = Refiner(checkpoint=ckpt, progress=False).refine(h36m * flip, None, fps=25, units="m",
                                                            skeleton=get_skeleton("h36m", up_axis="z")).poses
    np.testing.assert_allclose(res.poses, twin * flip, atol=1e-9)
