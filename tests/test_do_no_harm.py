"""Do no harm, with the shipped checkpoint through the public Refiner: a clean input at any rate comes back as
close to the truth as linear interpolation gets (within max(1.5 x its error, 3 mm)), on simulated violin and on
real dance and MoCap Toolbox motion; a still pose stays still; the body is never relocated."""
import numpy as np
import pytest

from conftest import SHARED_DATA
from pose_audio_refine import Refiner
from pose_audio_refine.audio import load_audio
from pose_audio_refine.interpolate import interp_track

RATES = (10.0, 15.0, 25.0, 30.0, 50.0, 60.0)
SECONDS = 12.0


@pytest.fixture(autouse=True, scope="module")
def _one_thread(torch_one_thread):
    """Module-wide: torch on one thread (see conftest)."""


@pytest.fixture(scope="module")
def refiner():
    return Refiner(progress=False)  # the shipped checkpoint


def _demo_dir():
    from pathlib import Path

    return Path(__file__).resolve().parents[1] / "demo"


@pytest.fixture(scope="module")
def sets():
    """name -> (50 fps telmi13 truth in mm, audio or None, sr)."""
    from training.realsets import load_dance, load_mocap_toolbox

    demo = _demo_dir()
    truth = np.load(demo / "violin_demo_truth.npz")["poses"]
    audio, sr = load_audio(demo / "violin_demo.mp4", sr=44100)
    dance = load_dance("DANCE_C_4", root=SHARED_DATA)  # a test-split sequence
    n = int(SECONDS * 50)
    mocap = load_mocap_toolbox("dance2", root=SHARED_DATA)  # the test split
    return {"violin (simulated)": (truth, audio, sr),
            "dance (real)": (dance.poses[:n], dance.audio[: int(SECONDS * dance.sr)], dance.sr),
            "mocap toolbox (real)": (mocap.poses[:n], None, 44100)}


def _clean_run(refiner, truth, audio, sr, fps):
    t50 = np.arange(truth.shape[0]) / 50.0
    t_in = np.arange(int(np.floor(t50[-1] * fps)) + 1) / fps
    x = interp_track(truth, t50, t_in)
    res = refiner.refine(x, audio, fps=fps, sr=sr if audio is not None else None, skeleton="telmi13", units="mm",
                         trim=True)
    n = min(res.poses.shape[0], truth.shape[0])
    linear = interp_track(x, t_in, res.times[:n])
    ok = np.isfinite(res.poses[:n]).all(-1) & np.isfinite(truth[:n]).all(-1)
    err = np.linalg.norm(res.poses[:n] - truth[:n], axis=-1)[ok].mean()
    lin = np.linalg.norm(linear - truth[:n], axis=-1)[ok].mean()
    return err, lin


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name", ["violin (simulated)", "dance (real)", "mocap toolbox (real)"])
def test_clean_input_comes_back_clean_at_every_rate(refiner, sets, name):
    truth, audio, sr = sets[name]
    for fps in RATES:
        err, lin = _clean_run(refiner, truth, audio, sr, fps)
        assert err <= max(1.5 * lin, 3.0), f"{name} at {fps:g} fps: refined {err:.2f} mm, linear {lin:.2f} mm"


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_still_pose_stays_still(refiner):
    pose = np.load(_demo_dir() / "violin_demo_truth.npz")["poses"][0]
    x = np.repeat(pose[None], 150, axis=0)  # 10 s at 15 fps
    out = refiner.refine(x, None, fps=15, skeleton="telmi13", units="mm").poses
    assert np.abs(out - pose).max() < 3.0
    assert np.linalg.norm(out.mean(axis=0) - pose, axis=-1).max() < 3.0


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_noisy_input_is_refined_not_relocated(refiner, sets):
    """30 mm jitter on the real dance: the output is closer to the truth than the input, and its mean per joint
    sits where the input's does (the correction is mean-free: constant bias is not the refiner's to move)."""
    truth, audio, sr = sets["dance (real)"]
    rng = np.random.default_rng(0)
    t50 = np.arange(truth.shape[0]) / 50.0
    t_in = np.arange(int(np.floor(t50[-1] * 25)) + 1) / 25
    clean = interp_track(truth, t50, t_in)
    x = clean + rng.normal(scale=30.0 / np.sqrt(3), size=clean.shape) + np.array([40.0, -25.0, 10.0])  # + bias
    res = refiner.refine(x, audio, fps=25, sr=sr, skeleton="telmi13", units="mm", trim=True)
    raw_up = interp_track(x, t_in, res.times)
    n = min(res.poses.shape[0], truth.shape[0])
    assert np.linalg.norm(res.poses[:n] - truth[:n], axis=-1).mean() < \
        np.linalg.norm(raw_up[:n] - truth[:n], axis=-1).mean()
    offset = np.linalg.norm(res.poses.mean(axis=0) - raw_up.mean(axis=0), axis=-1)
    assert offset.mean() <= 5.0, offset
