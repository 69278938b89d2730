"""Benchmark evaluation (training/evaluation.py, tools/benchmark.py) on a tiny MAPdat build made here."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from pose_audio_refine.checkpoint import save_weights
from pose_audio_refine.filters import fill_gaps, refine_classical
from pose_audio_refine.models import build_model
from pose_audio_refine.windows import to_grid
from training.evaluation import (CLASSICAL, DEFAULT_PARAMS, BuildMissingError, _as_tracks, _fast_classical,
                                 _upsample_matrix, evaluate_set, format_markdown, open_set, predict_classical,
                                 predict_model, score_windows, shuffled_audio_clips, subset_indices, summarize,
                                 swap_restoration, target_checks, window_batch)
from training.mapdat import BuildSpec, build_mapdat
from training.noise import TELMI13_PAIRS
from training.windows import TAUS

REPO = Path(__file__).resolve().parents[1]
TINY_NET = dict(type="MAPnet", t_in=150, h1=32, h2=20, n_heads=4, pose_layers=1, audio_layers=1, fusion_layers=1,
                residual=True)


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """Small-batch inference on a shared 2-core machine is far faster on one thread; restored afterwards."""
    import torch
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    """6 takes x 6 s, 2 variants, 3 performers: the test and val splits hold one performer with 2 takes."""
    out = tmp_path_factory.mktemp("mapdat") / "tiny_realistic"
    build_mapdat(out, BuildSpec(preset="realistic", takes=6, take_duration_s=6, variants=2, performers=3),
                 workers=1, progress=False)
    return out


@pytest.fixture(scope="module")
def tiny_ckpt(tmp_path_factory) -> Path:
    import torch
    torch.manual_seed(0)
    net = build_model(**TINY_NET)
    path = tmp_path_factory.mktemp("weights") / "mapnet_tiny.pth"
    save_weights(net, TINY_NET, path, input_mode="grid", use_audio=True)
    return path


def _linear_motion(n_frames: int, fps: float, rng) -> np.ndarray:
    """(n, 13, 3) mm: every joint moves on its own straight line at constant speed."""
    t = np.arange(n_frames) / fps
    start, vel = rng.normal(0, 300, (13, 3)), rng.normal(0, 200, (13, 3))
    return start[None] + t[:, None, None] * vel[None]


# --------------------------------------------------------------------------- correctness on constructed cases
def test_linear_interpolation_of_clean_linear_motion_is_exact(rng):
    gt = _linear_motion(150, 50.0, rng)[None]                               # (1, 150, 13, 3)
    for tau, fps in TAUS.items():
        t_in = int(round(3 * fps))
        inputs = to_grid(gt[0], np.arange(150) / 50.0, np.arange(t_in) / fps)[None]
        inputs[0, t_in // 2] = np.nan                                       # a dropped frame is bridged exactly
        before = inputs.copy()
        pred = predict_classical("linear", inputs, fps)
        np.testing.assert_array_equal(inputs, before)                       # input untouched
        inside = np.arange(150) / 50.0 <= (t_in - 1) / fps + 1e-9         # after the last input frame: held
        assert np.abs(pred[0, inside] - gt[0, inside]).max() < 1e-9
    # at τ = 1 every output frame has an input frame: MPJPE and MPJAE are 0 through the scoring path
    inputs = gt.copy()
    inputs[0, 70] = np.nan
    batch = {"inputs": inputs, "gt": gt, "swap": np.zeros((1, 150, 13), bool), "category": np.array([0]),
             "fps": 50.0}
    s = summarize(score_windows(predict_classical("linear", inputs, 50.0), batch))
    assert s["mpjpe"] < 1e-9 and s["mpjae"] < 1e-9
    assert s["swap_restored"] is None and s["swap_flagged"] == 0


def _swapped_input(gt: np.ndarray, fps: float, rng):
    """Clean input at ``fps`` from ``gt`` (N, 150, 13, 3) with left/right swaps on random spans of frames."""
    n = gt.shape[0]
    t_in = int(round(3 * fps))
    x = np.stack([to_grid(g, np.arange(150) / 50.0, np.arange(t_in) / fps) for g in gt])
    swap = np.zeros((n, t_in, 13), bool)
    for w in range(n):
        for _ in range(3):  # overlapping events on one pair keep it swapped (OR), as in training.noise
            left, right = TELMI13_PAIRS[rng.integers(len(TELMI13_PAIRS))]
            a = int(rng.integers(0, t_in - 10))
            swap[w, a:a + int(rng.integers(3, 10)), [left, right]] = True
    for left, right in TELMI13_PAIRS:
        m = swap[..., left]
        x[m, left], x[m, right] = x[m, right], x[m, left].copy()
    return x, swap


@pytest.mark.parametrize("tau", ["tau100", "tau033"])
def test_swap_restoration_is_0_for_identity_and_100_for_gt(tiny, tau, rng):
    data, _ = open_set(tiny, "test")
    gt = np.asarray(data["gt"], dtype=np.float64)
    fps = TAUS[tau]
    inputs, swap = _swapped_input(gt, fps, rng)
    near = np.clip(np.round(np.arange(150) * fps / 50.0).astype(int), 0, inputs.shape[1] - 1)
    identity = inputs[:, near]                         # a "method" that keeps the input as it is, swaps included
    restored, flagged, out_sw, judged = swap_restoration(identity, gt, swap, fps, inputs)
    assert flagged.sum() > 0
    assert restored.sum() == 0
    assert out_sw.sum() >= flagged.sum()
    restored, flagged, out_sw, _ = swap_restoration(gt.copy(), gt, swap, fps, inputs)
    assert restored.sum() == flagged.sum() > 0 and out_sw.sum() == 0
    # a dropped nearest input frame shows no swap, so it is not counted
    dropped = inputs.copy()
    dropped[swap.any(axis=-1)] = np.nan
    assert swap_restoration(gt.copy(), gt, swap, fps, dropped)[1].sum() == 0
    batch = {"inputs": inputs, "gt": gt, "swap": swap, "category": np.zeros(len(gt), int), "fps": fps}
    assert summarize(score_windows(identity, batch))["swap_restored"] == 0.0
    assert summarize(score_windows(gt.copy(), batch))["swap_restored"] == 1.0


def test_shuffled_audio_never_pairs_a_window_with_its_own_take(tiny):
    data, _ = open_set(tiny, "test")
    clip = np.asarray(data["clip_index"])
    take = np.asarray(data["clip_take_index"])
    assert np.unique(take).size >= 2
    for seed in range(5):
        other = shuffled_audio_clips(data, clip, seed)
        assert other.shape == clip.shape
        assert (take[other] != take[clip]).all()
    np.testing.assert_array_equal(shuffled_audio_clips(data, clip, 3), shuffled_audio_clips(data, clip, 3))


def test_batched_classical_equals_per_window_refine_classical(tiny):
    data, _ = open_set(tiny, "val")
    idx = subset_indices(int(data["clip_index"].shape[0]), 5)
    for tau, fps in TAUS.items():
        b = window_batch(data, tau, idx)
        raw = _as_tracks(b["inputs"])
        filled, w = fill_gaps(raw), _upsample_matrix(raw.shape[0], fps)
        for name in CLASSICAL:
            params = DEFAULT_PARAMS[tau][name]
            batched = predict_classical(name, b["inputs"], fps, params)
            one = np.stack([refine_classical(name, x, fps, 50.0, **params)[0][:150] for x in b["inputs"]])
            np.testing.assert_allclose(batched, one, atol=1e-8)
            np.testing.assert_allclose(_fast_classical(name, filled, len(idx), fps, params, w, raw), batched,
                                       atol=1e-8)


# --------------------------------------------------------------------------- a whole set
def test_evaluate_set_classical_and_checkpoint_tables_add_up(tiny, tiny_ckpt):
    from pose_audio_refine.checkpoint import load_weights
    models = {"MAPnet-tiny": load_weights(tiny_ckpt)}
    grids = {"sma": [{"window": 3}, {"window": 9}], "gaussian": [{"sigma": 1.0}, {"sigma": 4.0}],
             "one_euro": [{"min_cutoff": 1.0, "beta": 0.0}], "savgol": [{"window": 7, "polyorder": 2}]}
    res = evaluate_set(tiny, models, max_windows=12, tune=True, tune_windows=6, seed=1, grids=grids)
    labels = set(res["methods"])
    assert {"Linear interp.", "Cubic spline", "SMA (paper)", "One Euro", "Savitzky-Golay", "Gaussian"} <= labels
    assert {"MAPnet-tiny", "MAPnet-tiny (pose-only)", "MAPnet-tiny (shuffled audio)"} <= labels
    assert set(res["windows"]) == set(TAUS) and all(n == 12 for n in res["windows"].values())
    for tau in TAUS:
        tuned = res["classical_params"][tau]
        assert tuned["gaussian"]["tuned"] and tuned["gaussian"]["params"] in grids["gaussian"]
        assert tuned["sma"]["params"] in grids["sma"] and tuned["linear"]["params"] == {}
        for label, m in res["methods"].items():
            s = m["taus"][tau]
            assert np.isfinite(s["mpjpe"]) and s["mpjpe"] > 0 and np.isfinite(s["mpjae"])
            cats = s["categories"]
            assert sum(c["n"] for c in cats.values()) == s["n"] == 12
            for key in ("mpjpe", "mpjae"):  # count-weighted category means give the overall mean
                total = sum(c["n"] * c[key] for c in cats.values() if c["n"])
                assert total / s["n"] == pytest.approx(s[key], rel=1e-9)
    # the audio changes a MAPnet's output, so the three variants differ
    v = [res["methods"][f"MAPnet-tiny{x}"]["taus"]["tau033"]["mpjpe"]
         for x in ("", " (pose-only)", " (shuffled audio)")]
    assert len(set(v)) == 3
    checks = target_checks({"sets": {res["name"]: res}}, "MAPnet-tiny", None)
    assert {c["status"] for c in checks} <= {"PASS", "FAIL", "n/a"}
    pot = [c for c in checks if c["check"] == "MAPnet / PoT MPJPE"]
    assert len(pot) == 3 and all(c["status"] == "n/a" for c in pot)
    ctl = [c for c in checks if c["check"].startswith("shuffled")]
    for c in ctl:
        m, sh = (res["methods"][lab]["taus"][c["tau"]]["categories"]["fine"]["mpjpe"]
                 for lab in ("MAPnet-tiny", "MAPnet-tiny (shuffled audio)"))
        if m is not None:
            assert c["value"] == pytest.approx(sh / m)
    for label, m in res["methods"].items():  # per-joint errors average to the overall MPJPE
        s = m["taus"]["tau033"]
        assert len(s["joints"]) == 13 and np.mean(s["joints"]) == pytest.approx(s["mpjpe"], rel=1e-9)
    md = format_markdown({"sets": {res["name"]: res}, "targets": checks})
    assert "Table 2" in md and "Table 3" in md and "Shuffled-audio control" in md and "Target checks" in md
    assert "per joint" in md and "**RMWR**" in md and "MAPnet-tiny (pose-only): " in md


def test_audio_bound_zeroes_exactly_the_sound_making_joints():
    from training.evaluation import AUDIO_DRIVEN_JOINTS, TELMI13_NAMES, audio_bound
    joints = [10.0] * 13
    for name in AUDIO_DRIVEN_JOINTS:
        joints[TELMI13_NAMES.index(name)] = 100.0
    assert audio_bound(joints) == pytest.approx(10.0 * 9 / 13)
    with pytest.raises(ValueError, match="13 per-joint"):
        audio_bound([1.0] * 12)


def test_native_net_runs_only_at_its_rate_and_inputs_are_untouched(tiny, tmp_path):
    from pose_audio_refine.checkpoint import load_weights
    cfg = dict(TINY_NET, t_in=51, residual=False)
    path = save_weights(build_model(**cfg), cfg, tmp_path / "native.pth", input_mode="native", use_audio=False)
    net, meta = load_weights(path)
    res = evaluate_set(tiny, {"PoT-like": (net, meta)}, max_windows=4, tune=False, classical=("linear",))
    assert set(res["methods"]["PoT-like"]["taus"]) == {"tau033"}           # 51 frames = 17 fps only
    assert "PoT-like (shuffled audio)" not in res["methods"]                # use_audio False: no variants
    data, _ = open_set(tiny, "test")
    b = window_batch(data, "tau100", [0, 1])
    before = b["inputs"].copy()
    with pytest.raises(ValueError, match="t_in"):
        predict_model(net, meta, b["inputs"], 50.0, None)
    np.testing.assert_array_equal(b["inputs"], before)


def test_missing_build_names_the_build_command(tmp_path):
    with pytest.raises(BuildMissingError, match="build_mapdat.py --real dance"):
        open_set(tmp_path / "real_dance")
    with pytest.raises(BuildMissingError, match="--preset paper"):
        open_set(tmp_path / "mapdat_paper")


def test_benchmark_cli_writes_results(tiny, tiny_ckpt, tmp_path, capsys):
    sys.path.insert(0, str(REPO / "tools"))
    import benchmark
    out, md = tmp_path / "r.json", tmp_path / "r.md"
    benchmark.main(["--data-root", str(tiny), "--no-real", "--max-windows", "6", "--no-tune", "--no-default-model",
                    "--threads", "1",
                    "--model", f"MAPnet-tiny={tiny_ckpt}", "--classical", "linear,sma", "--quiet",
                    "--out", str(out), "--markdown", str(md)])
    res = json.loads(out.read_text())
    assert res["run"]["mapnet"] == "MAPnet-tiny" and res["run"]["wall_s"] > 0
    assert set(res["sets"]) == {tiny.name}
    assert "MAPnet-tiny (shuffled audio)" in res["sets"][tiny.name]["methods"]
    assert "benchmark wall time" in capsys.readouterr().out and "Table 2" in md.read_text()
    with pytest.raises(SystemExit, match="build_mapdat.py"):
        benchmark.main(["--data-root", str(tmp_path / "nothing"), "--no-real", "--no-default-model", "--quiet"])
    capsys.readouterr()
    with pytest.raises(SystemExit):
        benchmark.parse_args(["--model", "nopath"])
    assert "NAME=PATH" in capsys.readouterr().err


def test_audio_stats_tool_matches_numpy_and_reference_scale(tiny, capsys):
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import audio_stats
    finally:
        sys.path.remove(str(REPO / "tools"))
    from pose_audio_refine.audio import FEATURE_MEAN, FEATURE_STD
    mean, std = audio_stats.main([str(tiny), "--split", "train"])
    rows = np.asarray(load_audio_rows(tiny)).reshape(-1, 35)
    np.testing.assert_allclose(mean, rows.mean(0), rtol=1e-9)
    np.testing.assert_allclose(std, rows.std(0), rtol=1e-9)
    assert "FEATURE_MEAN = (" in capsys.readouterr().out
    # the shipped reference statistics describe the same kind of audio: every column within 3 reference
    # standard deviations of this tiny build's mean, and no column's spread off by 10x
    z = np.abs(mean - np.array(FEATURE_MEAN)) / np.array(FEATURE_STD)
    assert z.max() < 3.0
    ratio = std / np.array(FEATURE_STD)
    assert (ratio > 0.1).all() and (ratio < 10).all()


def load_audio_rows(root):
    data, _ = open_set(root, "train")
    return np.asarray(data["audio"], dtype=np.float64)


def test_audio_information_tool_runs_on_a_build_and_reports_both_fits(tiny, capsys):
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import audio_information
    finally:
        sys.path.remove(str(REPO / "tools"))
    rows = audio_information.main(["--data-root", str(tiny), "--windows", "20"])
    assert [r["tau"] for r in rows] == ["tau100", "tau033"]
    for r in rows:
        vals = [r[k] for k in ("motion_mm", "pose_only_mm", "pose_audio_mm", "pose_shuffled_mm")]
        assert all(np.isfinite(v) and v > 0 for v in vals)
        assert r["gain"] == pytest.approx(1 - r["pose_audio_mm"] / r["pose_only_mm"])
    assert "| tiny_realistic | 50 fps |" in capsys.readouterr().out
