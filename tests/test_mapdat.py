"""MAPdat windows, categories, the builder (split without leak, determinism, refusing to mix builds), the CLI,
and the real-motion sets."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from training.mapdat import (BuildExistsError, BuildSpec, assign_splits, build_mapdat, load_split, process_track,
                             take_seed)
from training.noise import REALISTIC
from training.simulator.take import Take
from training.take_windows import (CATEGORY_FINE, CATEGORY_GROSS, CATEGORY_INVERSION, FINE_THRESHOLD_MM, TAUS,
                                   categorize, n_input_frames, nonlinearity_mm, slice_windows, window_start_times)

REPO = Path(__file__).resolve().parents[1]
REST = np.array([[150, 0, 1450], [330, 0, 1400], [-30, 0, 1400], [420, 80, 1150], [-150, 150, 1200],
                 [350, 250, 1050], [-100, 450, 1350], [250, -30, 1000], [50, -30, 1000], [260, 30, 500],
                 [40, 30, 500], [260, 100, 0], [0, 100, 0]], float)


def fake_take(seed, duration=30.0, renderer="synth", soundfont=None, performer=0, reverb=False,
              noise_snr_db=None) -> Take:
    """Stand-in for ``simulate_take``: smooth random telmi13 motion and a tone whose loudness is bow speed."""
    rng = np.random.default_rng(seed)
    fps, sr = 50.0, 22050
    t = np.arange(int(round(duration * fps))) / fps
    x = np.repeat(REST[None], len(t), axis=0) + rng.normal(0, 20, size=(1, 13, 3))
    bow = 250.0 * np.sin(2 * np.pi * np.cumsum(rng.uniform(0.5, 3.0) * np.ones_like(t)) / fps)
    x[:, 5, 0] += bow
    x[:, 3, 0] += 0.5 * bow
    x[:, :11, 1] += 10.0 * np.sin(2 * np.pi * 0.3 * t)[:, None]
    ts = np.arange(int(round(duration * sr))) / sr
    speed = np.abs(np.interp(ts, t, np.gradient(bow, t)))
    audio = (0.3 * speed / speed.max() * np.sin(2 * np.pi * 440.0 * ts)).astype(np.float32)
    return Take(x, audio, fps, sr, take_id=f"fake-{seed}", performer_id=f"perf-{performer}")


# --------------------------------------------------------------------------- windows and categories
def test_window_shapes_per_tau():
    assert [n_input_frames(f) for f in TAUS.values()] == [150, 75, 51]
    assert len(window_start_times(22.0)) == 20 and len(window_start_times(2.9)) == 0
    np.testing.assert_allclose(window_start_times(5.5), [0.0, 1.0, 2.0])
    x = np.arange(22 * 17 * 2, dtype=float).reshape(-1, 2)[: 22 * 17 - 4]  # a 17 fps track of ~21.8 s
    w = slice_windows(x, 17.0, [0.0, 1.0, 18.0])
    assert w.shape == (3, 51, 2)
    np.testing.assert_array_equal(w[1, 0], x[17])
    with pytest.raises(ValueError, match="frames"):
        slice_windows(x, 17.0, [19.0])


def test_categories_on_hand_made_motion():
    t = np.arange(150) / 50.0
    linear = np.repeat(REST[None], 150, axis=0) + (np.array([200.0, -50.0, 30.0]) * t[:, None])[:, None, :]
    assert nonlinearity_mm(linear) < 1e-6
    fast = np.repeat(REST[None], 150, axis=0)
    fast[:, 5, 0] += 50.0 * np.sin(2 * np.pi * 4.0 * t)  # 4 Hz: a 17 fps linear interpolator misses it
    slow = np.repeat(REST[None], 150, axis=0)
    slow[:, 5, 0] += 50.0 * np.sin(2 * np.pi * 0.2 * t)
    nl = np.array([nonlinearity_mm(linear), nonlinearity_mm(fast), nonlinearity_mm(slow)])
    assert nl[1] > 3 * FINE_THRESHOLD_MM and nl[2] < 0.2 * FINE_THRESHOLD_MM
    # RMS miss of linear interpolation through 17 fps knots of a 4 Hz, 50 mm sinusoid: ~7 mm
    assert 5.0 < nl[1] < 10.0
    cats = categorize(nl, [False, False, False])
    np.testing.assert_array_equal(cats, [CATEGORY_GROSS, CATEGORY_FINE, CATEGORY_GROSS])
    cats = categorize(nl, [True, False, True])
    np.testing.assert_array_equal(cats, [CATEGORY_INVERSION, CATEGORY_FINE, CATEGORY_INVERSION])


def test_process_track_shapes_labels_and_determinism():
    take = fake_take(3, duration=6.0)
    feats = np.random.default_rng(0).normal(size=(301, 35)).astype(np.float32)
    gt_before = take.poses.copy()
    a = process_track(take.poses, feats, REALISTIC.replace(variants=3, drop_rate=0.05, swap_per_min=20.0), (1, 2))
    b = process_track(take.poses, feats, REALISTIC.replace(variants=3, drop_rate=0.05, swap_per_min=20.0), (1, 2))
    np.testing.assert_array_equal(take.poses, gt_before)
    m, n = 4, 12
    assert a["gt"].shape == (m, 150, 13, 3) and a["audio"].shape == (m, 150, 35)
    np.testing.assert_array_equal(a["audio"][1], feats[50:200])
    np.testing.assert_allclose(a["gt"][2], take.poses[100:250], atol=1e-3)
    for key, t_in in zip(TAUS, (150, 75, 51)):
        assert a[f"inputs_{key}"].shape == (n, t_in, 13, 3) and a[f"inputs_{key}"].dtype == np.float32
        assert a[f"conf_{key}"].shape == (n, t_in, 13)
        assert a[f"drop_{key}"].shape == (n, t_in)
        np.testing.assert_array_equal(np.isnan(a[f"inputs_{key}"]).all(axis=(2, 3)), a[f"drop_{key}"])
        inv = a[f"swap_{key}"].any(axis=(1, 2))
        np.testing.assert_array_equal(a[f"category_{key}"] == CATEGORY_INVERSION, inv)
        np.testing.assert_array_equal(a[f"inputs_{key}"], b[f"inputs_{key}"])
    assert a["swap_tau033"].any()
    np.testing.assert_array_equal(a["clip"], np.repeat(np.arange(m), 3))
    # at tau=1 a clean frame of variant 0 sits near the GT of its clip (realistic error is ~tens of mm)
    err = np.nanmean(np.linalg.norm(a["inputs_tau100"][0] - a["gt"][0], axis=-1))
    assert 10.0 < err < 150.0


def test_assign_splits_is_by_performer():
    take_perf, perf_split = assign_splits(200, 20, seed=0)
    assert np.bincount(perf_split, minlength=3).tolist() == [16, 2, 2]
    split_of_take = perf_split[take_perf]
    for s in range(3):
        for t in range(3):
            if s != t:
                assert not set(take_perf[split_of_take == s]) & set(take_perf[split_of_take == t])
    assert take_seed(0, 1) != take_seed(0, 2) and take_seed(0, 1) != take_seed(1, 1)


# --------------------------------------------------------------------------- the builder (fake takes)
def _spec(**kw):
    base = dict(preset="paper", takes=4, take_duration_s=5.0, seed=3, variants=2, performers=4)
    base.update(kw)
    return BuildSpec(**base)


def test_build_no_leak_deterministic_and_refuses_mixing(tmp_path):
    out1, out2 = tmp_path / "a", tmp_path / "b"
    meta = build_mapdat(out1, _spec(), progress=False, take_fn=fake_take)
    build_mapdat(out2, _spec(), workers=2, progress=False, take_fn=fake_take)
    for name in ("meta.json", "card.md", "train/gt.npy", "test/inputs_tau033.npy", "val/category_tau050.npy"):
        assert (out1 / name).is_file(), name
    assert "| train |" in (out1 / "card.md").read_text()
    takes, perfs = {}, {}
    for split in ("train", "val", "test"):
        d1, d2 = load_split(out1, split), load_split(out2, split)
        assert sorted(d1) == sorted(d2)
        for k in d1:
            np.testing.assert_array_equal(d1[k], d2[k], err_msg=f"{split}/{k}")  # 1 vs 2 workers: identical
        takes[split], perfs[split] = set(d1["take_id"]), set(d1["performer_id"])
        n = len(d1["take_id"])
        assert n == meta["counts"][split]["windows"] == 3 * 2 * meta["counts"][split]["takes"]
        assert d1["gt"].shape == (n // 2, 150, 13, 3) and d1["inputs_tau050"].shape == (n, 75, 13, 3)
        np.testing.assert_array_equal(d1["take_id"], d1["clip_take_id"][d1["clip_index"]])
    for s in ("train", "val", "test"):
        for t in ("train", "val", "test"):
            if s < t:
                assert not takes[s] & takes[t] and not perfs[s] & perfs[t]
    assert all(takes.values())  # 4 performers -> 2/1/1: every split has a take
    # an identical build is recognised; a different one is refused unless overwrite
    again = build_mapdat(out1, _spec(), progress=False, take_fn=fake_take)
    assert again["already_built"]
    with pytest.raises(BuildExistsError, match="seed"):
        build_mapdat(out1, _spec(seed=4), progress=False, take_fn=fake_take)
    meta4 = build_mapdat(out1, _spec(seed=4), overwrite=True, progress=False, take_fn=fake_take)
    assert meta4["seed"] == 4 and json.loads((out1 / "meta.json").read_text())["seed"] == 4
    assert not np.array_equal(load_split(out1, "train")["inputs_tau100"][:1], load_split(out2, "train")["inputs_tau100"][:1])
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "notes.txt").write_text("mine")
    with pytest.raises(BuildExistsError, match="not empty"):
        build_mapdat(tmp_path / "c", _spec(), progress=False, take_fn=fake_take)


def _crashing_take(seed, **kw):
    """A take whose simulation kills its worker process, as a segfault in a compiled library does."""
    import faulthandler
    import os
    import signal
    faulthandler.disable()  # pytest's traceback dump of the dying worker is noise here
    os.kill(os.getpid(), signal.SIGSEGV)


def test_build_with_a_crashing_worker_fails_clearly_instead_of_hanging(tmp_path):
    out = tmp_path / "crash"
    with pytest.raises(RuntimeError, match="worker process died.*--workers 1"):
        build_mapdat(out, _spec(), workers=2, progress=False, take_fn=_crashing_take)
    assert not out.exists()  # nothing half-built is left to block the next build


def test_build_spec_errors():
    with pytest.raises(ValueError, match="takes"):
        BuildSpec(takes=0)
    with pytest.raises(ValueError, match="takes"):
        BuildSpec(takes=-3)
    with pytest.raises(ValueError, match="take_duration_s"):
        BuildSpec(take_duration_s=2.0)
    with pytest.raises(ValueError, match="soundfont"):
        BuildSpec(renderer="synth", soundfont="x.sf2")


# --------------------------------------------------------------------------- the CLI
def _cli(*args, timeout=600):
    return subprocess.run([sys.executable, str(REPO / "tools" / "build_mapdat.py"), *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, cwd=REPO)


@pytest.mark.parametrize("takes", ["0", "-2", "two"])
def test_cli_rejects_bad_take_counts(tmp_path, takes):
    r = _cli("--out", tmp_path / "x", "--takes", takes)
    assert r.returncode == 2 and "--takes" in r.stderr and "positive integer" in r.stderr
    assert not (tmp_path / "x").exists()


def test_cli_rejects_missing_soundfont(tmp_path):
    r = _cli("--out", tmp_path / "x", "--renderer", "soundfont", "--soundfont", tmp_path / "nope.sf2")
    assert r.returncode == 2 and "does not exist" in r.stderr


def _simulator_available() -> bool:
    try:
        from training.simulator import simulate_take  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.skipif(not _simulator_available(), reason="training.simulator.simulate_take not written yet")
def test_cli_reports_an_unreadable_soundfont(tmp_path):
    bad = tmp_path / "bad.sf2"
    bad.write_bytes(np.random.default_rng(0).bytes(2000))
    r = _cli("--out", tmp_path / "x", "--takes", 1, "--duration", 3, "--renderer", "soundfont", "--soundfont", bad,
             "--no-progress")
    assert r.returncode == 2 and "error:" in r.stderr and "soundfont" in r.stderr.lower()
    assert "Traceback" not in r.stderr and not (tmp_path / "x").exists()


@pytest.mark.slow
@pytest.mark.skipif(not _simulator_available(), reason="training.simulator.simulate_take not written yet")
def test_cli_end_to_end_with_the_real_simulator(tmp_path):
    out = tmp_path / "mapdat"
    args = ("--preset", "realistic", "--out", out, "--takes", 3, "--duration", 4, "--variants", 2, "--seed", 5,
            "--no-progress")
    r = _cli(*args)
    assert r.returncode == 0, r.stderr
    assert "| test |" in r.stdout and (out / "card.md").is_file()
    meta = json.loads((out / "meta.json").read_text())
    ids = [set(meta["counts"][s]["take_ids"]) for s in ("train", "val", "test")]
    assert all(ids) and not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    assert [len(v) for v in meta["split_performers"].values()] == [1, 1, 1]
    test = load_split(out, "test")
    assert test["inputs_tau033"].shape == (2 * 2, 51, 13, 3) and test["audio"].shape == (2, 150, 35)
    assert np.isfinite(test["audio"]).all() and np.abs(test["audio"]).sum() > 0
    r2 = _cli(*args)
    assert r2.returncode == 0 and "already holds this build" in r2.stdout
    r3 = _cli(*args[:-3], "--seed", 6, "--no-progress")
    assert r3.returncode == 2 and "different MAPdat build" in r3.stderr and "--overwrite" in r3.stderr
    out2 = tmp_path / "again"
    assert _cli(*[out2 if a == out else a for a in args]).returncode == 0
    for split in ("train", "test"):
        a, b = load_split(out, split), load_split(out2, split)
        for k in ("gt", "audio", "inputs_tau050", "conf_tau100", "swap_tau033"):
            np.testing.assert_array_equal(a[k], b[k])


# --------------------------------------------------------------------------- real-motion sets
def test_real_loaders(shared_data):
    from training.realsets import load_dance, load_mocap_toolbox, resample

    rs = load_mocap_toolbox("walk1", root=shared_data)
    assert rs.poses.shape[1:] == (13, 3) and rs.audio is None and np.isfinite(rs.poses).all()
    assert abs(rs.duration - 351 / 60) < 0.05
    np.testing.assert_allclose(rs.poses[0, 12], 0.0)  # origin at the first frame's left toe
    assert 1300 < rs.poses[0, 0, 2] < 1700  # C7 height in mm, z up
    assert rs.poses[0, 7, 0] > rs.poses[0, 8, 0]  # right hip at +x (facing +y)
    d = load_dance("DANCE_C_2", root=shared_data, with_audio=False)
    assert d.poses.shape == (int(np.floor(1889 / 25 * 50)) + 1, 13, 3)
    assert 1200 < d.poses[0, 0, 2] < 1700 and d.poses[0, 1, 0] > d.poses[0, 2, 0]
    x = np.sin(np.arange(100) / 25.0 * 2 * np.pi)[:, None, None] * np.ones((1, 2, 3))
    y = resample(x, 25.0, 50.0)
    np.testing.assert_allclose(y[::2], x, atol=1e-9)
    np.testing.assert_allclose(y[1::2], np.sin((np.arange(1, 198, 2) / 50.0) * 2 * np.pi)[:, None, None]
                               * np.ones((1, 2, 3)), atol=2e-3)


def test_real_set_build_mocap_toolbox(tmp_path, shared_data):
    from training.realsets import REAL_SPLITS, RealSpec, build_real_set

    spec = RealSpec(source="mocap_toolbox", preset="paper", variants=1, sequences=("walk1", "walk2", "dance2"),
                    root=str(shared_data))
    meta = build_real_set(tmp_path / "mt", spec, progress=False)
    assert meta["split_sequences"] == {"train": ["walk1"], "val": ["walk2"], "test": ["dance2"]}
    assert REAL_SPLITS["mocap_toolbox"]["test"] == ("dance2",)
    test = load_split(tmp_path / "mt", "test")
    assert test["gt"].shape == (23, 150, 13, 3) and not test["has_audio"].any()
    assert np.all(test["audio"] == 0)
    assert test["inputs_tau033"].shape == (23, 51, 13, 3)
    assert set(test["take_id"]) == {"mocap_toolbox:dance2"}
    with pytest.raises(ValueError, match="unknown"):
        RealSpec(source="mocap_toolbox", sequences=("walk9",)).all_sequences()
