"""Issue 16: the edges a new user hits. Honest results (no silent garbage), clean errors naming the argument,
CLIs that print `error:` lines instead of tracebacks, and a bounded-memory audio array path.

Each test names the issue item it covers. The networks are tiny random ones (or stubs) built here, seeded."""
from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import threading
import time
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
import soundfile as sf
import torch
from torch import nn

from conftest import TELMI
from pose_audio_refine import Refiner
from pose_audio_refine import refiner as refiner_mod
from pose_audio_refine.checkpoint import save_weights
from pose_audio_refine.models import build_model

REPO = Path(__file__).resolve().parents[1]
SR = 44100
NET_CFG = dict(type="MAPnet", t_in=150, h1=32, h2=20, n_heads=4, pose_layers=1, audio_layers=1, fusion_layers=1,
               residual=True)


@pytest.fixture(autouse=True, scope="module")
def _one_thread(torch_one_thread):
    """Module-wide: torch on one thread (see conftest)."""


def moving(seconds: float, fps: float, template=TELMI) -> np.ndarray:
    t = np.arange(int(round(seconds * fps))) / fps
    x = np.repeat(template[None], t.size, axis=0)
    x[:, 5, 0] += 150 * np.sin(2 * np.pi * 0.5 * t)
    x[:, :9, :2] += 40 * np.sin(2 * np.pi * 0.23 * t)[:, None, None]
    return x


def music(seconds: float, sr: int = SR, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(round(seconds * sr))) / sr
    f = 440.0 * 2 ** (rng.integers(0, 12, size=int(np.ceil(seconds * 4))) / 12)
    y = 0.3 * np.sin(2 * np.pi * f[(t * 4).astype(int)] * t) * (0.6 + 0.4 * np.cos(2 * np.pi * 4 * t))
    return (y + 0.01 * rng.normal(size=t.size)).astype(np.float32)


def tiny_net(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    cfg = dict(NET_CFG)
    return build_model(cfg.pop("type"), **cfg).eval()


@pytest.fixture(scope="module")
def net():
    return tiny_net()


@pytest.fixture(scope="module")
def refiner(net):
    return Refiner(net, progress=False)


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory) -> Path:
    return save_weights(tiny_net(), dict(NET_CFG), tmp_path_factory.mktemp("ckpt") / "tiny.pth", input_mode="grid")


def _ffmpeg(*args: str) -> None:
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def _tool(name: str):
    spec = importlib.util.spec_from_file_location(f"{name}_cli", REPO / "tools" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ================================================================================ silent wrong results
@pytest.mark.parametrize("name", ["smoothnet_grid", "deciwatch_grid"])
def test_pose_only_checkpoint_reports_audio_unused_and_computes_no_features(name, monkeypatch):
    """audio_used was True for the SmoothNet/DeciWatch baselines (sidecar use_audio: false, no attribute)."""
    path = REPO / "training" / "weights" / f"{name}.pth"
    ref = Refiner(path, progress=False)
    assert not hasattr(ref.net, "use_audio") and ref.meta["use_audio"] is False and ref.use_audio is False

    def no_features(*a, **k):
        raise AssertionError("audio features computed for a pose-only model")

    for fn in ("audio_features", "features_from_file", "features_from_blocks"):
        monkeypatch.setattr(refiner_mod, fn, no_features)
    x = moving(3.0, 25)
    with pytest.warns(UserWarning, match="pose-only model"):
        res = ref.refine(x, music(3.0), fps=25, sr=SR)
    assert res.audio_used is False and any("pose-only model" in w for w in res.warnings)
    assert np.isfinite(res.poses).all()


class _BigPersonStray(nn.Module):
    """Identity, except windows whose highest joint is above 1.6 m: moved half a metre (the guard fires).
    Sleeps a little per call so that two threads interleave their windows."""

    def forward(self, poses, audio=None, input_times=None):
        time.sleep(0.002)
        big = torch.nan_to_num(poses[..., 2], nan=0.0).amax(dim=(1, 2)) > 1600.0
        return poses + 500.0 * big[:, None, None, None].to(poses.dtype)


def test_refine_is_reentrant_across_threads():
    """One Refiner shared by two threads: each result carries its own call's warnings, and the poses are the
    ones a single-threaded call gives (issue item: guard warnings leaking between calls)."""
    ref = Refiner(_BigPersonStray(), progress=False, batch_size=1)
    small, big = moving(6.0, 25), moving(6.0, 25, TELMI * 1.5)
    with pytest.warns(UserWarning):
        alone = {"small": ref.refine(small, None, fps=25), "big": ref.refine(big, None, fps=25)}
    assert not any("looked unlike" in w for w in alone["small"].warnings)
    assert any("looked unlike" in w for w in alone["big"].warnings)
    results: dict[str, list] = {"small": [], "big": []}
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def work(key, x):
        try:
            start.wait()
            for _ in range(3):
                results[key].append(ref.refine(x, None, fps=25))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=("small", small)), threading.Thread(target=work, args=("big", big))]
    with pytest.warns(UserWarning):
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors
    for key in ("small", "big"):
        assert len(results[key]) == 3
        for res in results[key]:
            assert res.warnings == alone[key].warnings
            np.testing.assert_array_equal(res.poses, alone[key].poses)


def test_refine_video_on_audio_shorter_than_video_warns_and_reports_coverage(ckpt, tmp_path, capsys):
    """A video whose audio stops half-way: the tool used to pad silently and report audio_used: true."""
    video = tmp_path / "cut.mp4"
    _ffmpeg("-f", "lavfi", "-i", "color=c=gray:s=64x48:d=4:r=25", "-f", "lavfi", "-i",
            "sine=frequency=440:duration=2:sample_rate=44100", "-c:v", "mpeg4", "-c:a", "aac", str(video))
    poses = tmp_path / "poses.npz"
    np.savez(poses, poses=moving(4.0, 25))  # a plain array file: fps from the video, telmi13 inferred
    from pose_audio_refine.video import refine_video

    with pytest.warns(UserWarning, match=r"covers only 2\.\d\d s of the 4\.00 s"):
        s = refine_video(video, poses=poses, checkpoint=ckpt, out_dir=tmp_path / "out", progress=False)
    assert s["audio_used"] and s["audio_seconds"] == pytest.approx(2.0, abs=0.1)
    assert any("pose-only refinement after" in w for w in s["warnings"])
    # the Refiner on the same file: a clear error (it does not pad 2 s without trim=True)
    with pytest.raises(ValueError, match=r"audio lasts 2\.\d\d s but poses last 4\.00 s"):
        Refiner(ckpt, progress=False).refine(moving(4.0, 25), video, fps=25)
    with pytest.warns(UserWarning, match="covers only"):
        rc = _tool("refine_video").main([str(video), "--poses", str(poses), "--checkpoint", str(ckpt), "--out",
                                         str(tmp_path / "cli"), "--no-progress"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "audio used for the first 2." in out and "s only (pose-only after)" in out


def test_confidence_on_a_0_100_scale_is_refused(refiner):
    x = moving(1.0, 10)
    with pytest.raises(ValueError, match=r"confidence must be in \[0, 1\].*\[0, 95\].*100"):
        refiner.refine(x, None, fps=10, confidence=np.full((10, 13), 95.0) * (np.arange(10) > 0)[:, None])
    with pytest.raises(ValueError, match=r"confidence must be in \[0, 1\]"):
        refiner.refine(x, None, fps=10, confidence=np.full((10, 13), -0.5))
    with pytest.raises(ValueError, match=r"min_confidence must be a number in \[0, 1\]"):
        Refiner(refiner.net, min_confidence=30)


def test_loud_audio_warns_masked_audio_is_silence_masked_poses_are_missing(refiner):
    x = moving(3.0, 25)
    y = music(3.0)
    with pytest.warns(UserWarning, match=r"audio peaks at 3\d\d\.\d, far outside .* y / 32768"):
        loud = refiner.refine(x, y * 1000, fps=25, sr=SR)
    assert loud.audio_used and any("peaks at" in w for w in loud.warnings)
    assert not any("peaks at" in w for w in refiner.refine(x, y, fps=25, sr=SR).warnings)  # normal audio: quiet
    mask = np.zeros(y.size, dtype=bool)
    mask[SR:2 * SR] = True
    masked = np.ma.masked_array(y, mask=mask)
    with pytest.warns(UserWarning, match=f"masked array: its {SR} masked samples are used as silence"):
        res = refiner.refine(x, masked, fps=25, sr=SR)
    np.testing.assert_array_equal(res.poses, refiner.refine(x, np.where(mask, 0, y), fps=25, sr=SR).poses)
    assert np.abs(res.poses - refiner.refine(x, y, fps=25, sr=SR).poses).max() > 1e-3  # the mask mattered
    assert np.ma.getmaskarray(masked).sum() == SR  # not modified: mask and data as they were
    np.testing.assert_array_equal(masked.data, music(3.0))
    jmask = np.zeros(x.shape, dtype=bool)
    jmask[20:30, 4, :] = True
    jmask[40:45, 2, 0] = True  # one coordinate masked: the whole joint is missing
    with pytest.warns(UserWarning, match="no audio given"):
        got = refiner.refine(np.ma.masked_array(x, mask=jmask), None, fps=25)
        nan = x.copy()
        nan[jmask.any(-1)] = np.nan
        want = refiner.refine(nan, None, fps=25)
    np.testing.assert_array_equal(got.poses, want.poses)
    assert np.isnan(got.input_poses[40:45, 2]).all()


class _NaNNet(nn.Module):
    def forward(self, poses, audio=None, input_times=None):
        return poses * float("nan")


def test_a_network_returning_nan_is_a_runtime_error_naming_the_checkpoint(tmp_path):
    x = moving(3.0, 25)
    with pytest.raises(RuntimeError, match=r"the network passed as checkpoint \(_NaNNet\) returned NaN/inf on "
                                           r"poses: .*observed coordinates"):
        Refiner(_NaNNet(), progress=False).refine(x, None, fps=25)
    net = tiny_net()
    with torch.no_grad():
        net.head.fc3.bias.fill_(float("nan"))
    path = save_weights(net, dict(NET_CFG), tmp_path / "diverged.pth", input_mode="grid")
    with pytest.raises(RuntimeError, match=f"checkpoint {path} returned NaN/inf"):
        Refiner(path, progress=False).refine(np.stack([x, x]), music(3.0), fps=25, sr=SR)


# ================================================================================ errors naming internals
def test_errors_speak_of_the_users_arguments(refiner, net):
    x = moving(1.0, 10)
    no_x = x.copy()
    no_x[..., 0] = np.nan  # every x coordinate missing: no joint is observed
    with pytest.raises(ValueError, match="poses is all NaN: no joint was observed"):
        refiner.refine(no_x, None, fps=10)
    huge = x.copy()
    huge[3, 2, 1] = 1e300
    with pytest.raises(ValueError, match=r"poses has coordinates as large as 1e\+300"):
        refiner.refine(huge, None, fps=10)
    with pytest.raises(TypeError, match="checkpoint must be a path to a .pth weights file, an nn.Module or None"):
        Refiner(123)
    with pytest.raises(ValueError, match="device='meta' holds shapes but no data"):
        Refiner(net, device="meta")
    with pytest.raises(ValueError, match="device must be a torch device .* got 'gpu0'"):
        Refiner(net, device="gpu0")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="device='cuda' but CUDA is not available"):
            Refiner(net, device="cuda")
    with pytest.raises(TypeError, match="poses must be a numeric array of real numbers, got ndarray of complex"):
        refiner.refine(x.astype(np.complex128), None, fps=10)


def test_mmpose_api_errors_speak_of_the_users_arguments(tmp_path):
    pm = pytest.importorskip("pose_audio_refine.mmpose")
    with pytest.raises(pm.RefinerConfigError, match=r"'MAPnetRefiner', a refiner type.*build_refiner\(dict\("):
        pm.build_refiner("MAPnetRefiner")
    with pytest.raises(FileNotFoundError, match="refiner config file not found"):
        pm.build_refiner(tmp_path / "none.py")
    with pytest.raises(ValueError, match="device='meta'"):
        pm.MAPnetRefiner(device="meta")
    binary = tmp_path / "preds.json"
    binary.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ValueError, match="not a JSON text file"):
        pm.read_predictions(binary)


# ================================================================================ CLIs: error lines, exit codes
def _h36m_frames(n: int, n_kp: int = 17, dims: int = 3, ids=None) -> list[dict]:
    rng = np.random.default_rng(0)
    base = rng.normal(0, 0.3, size=(n_kp, dims)) + [0, 0, 1.0][:dims]
    ids = list(range(n)) if ids is None else ids
    return [{"frame_id": int(i), "instances": [{"keypoints": (base + 0.01 * np.sin(i / 5)).tolist(),
                                                "keypoint_scores": [1.0] * n_kp}]} for i in ids]


@pytest.fixture(scope="module")
def mm_files(tmp_path_factory, ckpt):
    pytest.importorskip("pose_audio_refine.mmpose")
    d = tmp_path_factory.mktemp("mm")
    good = d / "good.json"
    good.write_text(json.dumps(_h36m_frames(50)))  # 2 s at 25 fps
    wav = d / "take.wav"
    sf.write(wav, music(2.0, 22050), 22050)
    euro = d / "euro.py"
    euro.write_text("refiner = dict(_scope_='pose_audio_refine', type='OneEuroRefiner', skeleton='h36m')\n")
    mapnet = d / "mapnet.py"
    mapnet.write_text(f"refiner = dict(_scope_='pose_audio_refine', type='MAPnetRefiner', checkpoint={str(ckpt)!r}, "
                      "skeleton='h36m')\n")
    mute = d / "mute.mp4"
    _ffmpeg("-f", "lavfi", "-i", "color=c=black:s=64x48:d=2:r=25", "-c:v", "mpeg4", str(mute))
    return dict(dir=d, good=good, wav=wav, euro=euro, mapnet=mapnet, mute=mute)


def _write(d: Path, name: str, content) -> Path:
    p = d / name
    if isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content if isinstance(content, str) else json.dumps(content))
    return p


@pytest.mark.parametrize("case,match", [
    ("malformed", "not valid JSON"),
    ("empty", "not valid JSON"),
    ("binary", "not a JSON text file"),
    ("schema", "'instance_info'"),
    ("2d", "keypoints are 2D"),
    ("13 keypoints", "13 keypoints per instance but skeleton='h36m' has 17"),
    ("unordered ids", "frame ids must increase"),
    ("duplicate ids", "frame ids must increase"),
    ("fps 0", "--fps must be a positive"),
    ("fps 100", r"fps=100.0 is outside the supported range \[10.0, 60.0\]"),
    ("short audio", r"audio lasts 1\.00 s but poses last 2\.00 s"),
    ("missing config", "refiner config file not found"),
    ("broken config", "could not be read"),
    ("out is a folder", "--out .* is a folder"),
    ("out under a file", "--out .* cannot be created: .* is a file"),
])
def test_refine_mmpose_cli_errors_are_one_line(mm_files, case, match, capsys):
    d, good = mm_files["dir"], mm_files["good"]
    preds, audio, extra = good, mm_files["wav"], ["--fps", "25", "--config", str(mm_files["euro"])]
    if case == "malformed":
        preds = _write(d, "m.json", good.read_text()[:100])
    elif case == "empty":
        preds = _write(d, "e.json", "")
    elif case == "binary":
        preds = _write(d, "b.json", bytes(range(256)) * 8)
    elif case == "schema":
        preds = _write(d, "s.json", {"predictions": []})
    elif case == "2d":
        preds = _write(d, "2d.json", _h36m_frames(10, dims=2))
    elif case == "13 keypoints":
        preds = _write(d, "13.json", _h36m_frames(10, n_kp=13))
    elif case == "unordered ids":
        preds = _write(d, "u.json", _h36m_frames(3, ids=[0, 2, 1]))
    elif case == "duplicate ids":
        preds = _write(d, "dup.json", _h36m_frames(3, ids=[0, 1, 1]))
    elif case == "fps 0":
        extra = ["--fps", "0"]
    elif case == "fps 100":
        extra = ["--fps", "100", "--config", str(mm_files["mapnet"])]
    elif case == "short audio":
        audio = _write(d, "short.wav", b"")
        sf.write(audio, music(1.0, 22050), 22050)
        extra = ["--fps", "25", "--config", str(mm_files["mapnet"])]
    elif case == "missing config":
        extra = ["--fps", "25", "--config", str(d / "nope.py")]
    elif case == "broken config":
        extra = ["--fps", "25", "--config", str(_write(d, "broken.py", "refiner = dict(\n"))]
    elif case == "out is a folder":
        extra += ["--out", str(d)]
    elif case == "out under a file":
        extra += ["--out", str(good / "x.json")]
    rc = _tool("refine_mmpose").main([str(preds), "--audio", str(audio), *extra])
    err = capsys.readouterr().err
    assert rc == 2, err
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert re.search(match, err), err


def test_refine_mmpose_cli_video_without_audio_warns_and_refines(mm_files):
    """Run as a user would (a subprocess): a 'warning:' line, pose-only refinement, exit 0, no traceback."""
    import sys

    out = mm_files["dir"] / "mute_refined.json"
    proc = subprocess.run([sys.executable, str(REPO / "tools" / "refine_mmpose.py"), str(mm_files["good"]),
                           "--audio", str(mm_files["mute"]), "--config", str(mm_files["mapnet"]), "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "warning: mute.mp4 has no audio stream: pose-only refinement" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert json.loads(proc.stdout)["fps_in"] == 25.0 and out.is_file()  # the rate read from the video


def test_cli_help_documents_exit_codes():
    for name in ("refine_mmpose", "refine_video"):
        text = _tool(name).build_parser().format_help()
        assert "exit status:" in text and all(f"  {c}  " in text for c in "0123")


def test_refine_video_cli_errors_are_one_line(ckpt, tmp_path, capsys):
    cli = _tool("refine_video")
    video, poses = REPO / "demo" / "violin_demo.mp4", REPO / "demo" / "violin_demo_poses.npz"
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    cases = [(["--out", str(a_file)], "--out .* is a file, not a folder"),
             (["--out", str(a_file / "sub")], "--out .* cannot be created: .* is a file"),
             (["--out", str(tmp_path / "o"), "--device", "meta"], "device='meta'")]
    if not torch.cuda.is_available():
        cases.append((["--out", str(tmp_path / "o"), "--device", "cuda"], "device='cuda' but CUDA is not available"))
    for extra, match in cases:
        rc = cli.main([str(video), "--poses", str(poses), "--checkpoint", str(ckpt), "--no-progress", *extra])
        err = capsys.readouterr().err
        assert rc == 2 and err.startswith("error: ") and "Traceback" not in err, err
        assert re.search(match, err), err
    net = tiny_net()
    with torch.no_grad():
        net.head.fc3.bias.fill_(float("nan"))
    diverged = save_weights(net, dict(NET_CFG), tmp_path / "diverged.pth", input_mode="grid")
    rc = cli.main([str(video), "--poses", str(poses), "--checkpoint", str(diverged), "--no-progress",
                   "--max-seconds", "2", "--out", str(tmp_path / "nan")])
    err = capsys.readouterr().err
    assert rc == 3 and err.startswith(f"error: checkpoint {diverged} returned NaN/inf") and "Traceback" not in err


def test_result_load_explains_files_that_are_not_results(tmp_path):
    from pose_audio_refine import RefineResult

    np.savez(tmp_path / "plain.npz", poses=moving(1.0, 25))
    with pytest.raises(ValueError, match=r"plain.npz is not a pose_audio_refine result \(no 'meta' entry\)"):
        RefineResult.load(tmp_path / "plain.npz")
    (tmp_path / "other.json").write_text('{"a": 1}')
    with pytest.raises(ValueError, match=r"other.json is not a pose_audio_refine result \(no 'poses' entry\)"):
        RefineResult.load(tmp_path / "other.json")
    with pytest.raises(FileNotFoundError, match="result file not found"):
        RefineResult.load(tmp_path / "missing.csv")


def test_plain_poses_arrays_are_accepted_or_explained(tmp_path):
    from pose_audio_refine.video import load_poses_file

    x = moving(2.0, 25)
    np.save(tmp_path / "p.npy", x)
    got = load_poses_file(tmp_path / "p.npy", default_fps=30.0, fps=25.0)
    assert (got.fps, got.skeleton, got.units, got.source) == (25.0, "telmi13", "mm", "array")
    np.testing.assert_array_equal(got.poses, x)
    np.savez(tmp_path / "q.npz", poses=x / 1000.0, fps=25.0, units="m")
    got = load_poses_file(tmp_path / "q.npz", default_fps=30.0)
    assert (got.fps, got.units) == (25.0, "m")
    np.savez(tmp_path / "r.npz", joints=x)
    with pytest.raises(ValueError, match=r"no 'poses' entry \(entries: joints\).*np.savez\('poses.npz', poses=poses"):
        load_poses_file(tmp_path / "r.npz", default_fps=25.0)
    np.save(tmp_path / "s.npy", x[..., :2])
    with pytest.raises(ValueError, match=r"\(T, J, 3\) array, got shape \(50, 13, 2\)"):
        load_poses_file(tmp_path / "s.npy", default_fps=25.0)
    with pytest.raises(ValueError, match="records no frame rate: pass --fps"):
        load_poses_file(tmp_path / "p.npy")


# ================================================================================ memory: the audio array path
def test_audio_array_is_resampled_piece_by_piece_with_the_same_features(refiner, monkeypatch):
    """The caller's array is never converted or resampled whole (1 h at 22.05 kHz peaked at 2.0 GiB; the
    measured numbers are in the README), and the features equal the whole-array computation."""
    import librosa

    from pose_audio_refine.audio import audio_features

    y = music(7.0, 22050, seed=3)
    whole = audio_features(librosa.resample(y, orig_sr=22050, target_sr=SR, res_type="soxr_hq"), SR, fps=50)
    monkeypatch.setattr(refiner_mod, "_RESAMPLE_BLOCK", 20000)  # many pieces in 7 s
    sizes = []
    real = refiner_mod._resampled_blocks

    def spy(*a, **k):
        for block in real(*a, **k):
            sizes.append(block.size)
            yield block

    monkeypatch.setattr(refiner_mod, "_resampled_blocks", spy)
    feats = refiner._audio(y, 22050, 7.0, 350, False, [])
    assert len(sizes) >= 7 and max(sizes) <= 2 * 20000 + 4096 and sum(sizes) == 2 * y.size
    np.testing.assert_allclose(feats[:whole.shape[0]], whole, rtol=1e-5, atol=1e-4)
