"""The benchmark (training/benchmark/, tools/benchmark.py): every score is checked against numbers worked out
by hand or computed independently with numpy, so a wrong (e.g. doubled) metric fails."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.ndimage import gaussian_filter1d

from pose_audio_refine.checkpoint import load_weights, save_weights
from pose_audio_refine.filters import fill_gaps, refine_classical
from pose_audio_refine.models import build_model
from pose_audio_refine.pipeline import GUARD_FALLBACK_SIGMA_SLOTS, refine_windows
from pose_audio_refine.skeletons import TELMI13_PAIRS
from pose_audio_refine.windows import to_grid
from training.benchmark import (CLASSICAL, DEFAULT_PARAMS, AUDIO_DRIVEN_JOINTS, TELMI13_NAMES, BuildMissingError,
                                audio_bound, evaluate_set, format_markdown, open_set, predict_classical,
                                predict_model, score_windows, shuffled_audio_clips, subset_indices, summarize,
                                swap_restoration, target_checks, window_batch)
from training.benchmark.predict import as_tracks
from training.benchmark.tune import fast_classical, upsample_matrix
from training.mapdat import BuildSpec, build_mapdat
from training.take_windows import CATEGORY_FINE, CATEGORY_GROSS, TAUS
from conftest import import_tool

REPO = Path(__file__).resolve().parents[1]
TINY_NET = dict(type="MAPnet", t_in=150, h1=32, h2=20, n_heads=4, pose_layers=1, audio_layers=1, fusion_layers=1,
                residual=True)


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread(torch_one_thread):
    """Small-batch inference on a shared 2-core machine is far faster on one thread."""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    """6 takes x 6 s, 2 variants, 3 performers: the test and val splits hold one performer with 2 takes (the
    session-wide ``mini_build`` has one take in test, too few for the shuffled-audio control)."""
    out = tmp_path_factory.mktemp("mapdat") / "tiny_realistic"
    build_mapdat(out, BuildSpec(preset="realistic", takes=6, take_duration_s=6, variants=2, performers=3),
                 workers=1, progress=False)
    return out


@pytest.fixture(scope="module")
def tiny_ckpt(tmp_path_factory) -> Path:
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("weights") / "mapnet_tiny.pth"
    save_weights(build_model(**TINY_NET), TINY_NET, path, input_mode="grid", use_audio=True)
    return path


def _mpjpe(pred, gt) -> float:
    """Independent MPJPE: mean Euclidean distance over windows, frames and joints (mm)."""
    return float(np.linalg.norm(pred - gt, axis=-1).mean())


def _mpjae(pred, gt) -> float:
    """Independent MPJAE: mean norm of the second-difference error (mm/frame²)."""
    acc = lambda x: x[:, 2:] - 2 * x[:, 1:-1] + x[:, :-2]  # noqa: E731
    return float(np.linalg.norm(acc(pred) - acc(gt), axis=-1).mean())


def _smooth_gt(n: int, rng) -> np.ndarray:
    """(n, 150, 13, 3) mm: joints on slow sinusoids around a body-sized layout."""
    t = np.arange(150)[None, :, None, None] / 50.0
    base = rng.normal(0, 300, (n, 1, 13, 3))
    amp, freq = rng.uniform(10, 80, (n, 1, 13, 3)), rng.uniform(0.2, 1.5, (n, 1, 13, 3))
    return base + amp * np.sin(2 * np.pi * freq * t)


def _batch(gt, inputs=None, swap=None, category=None, fps=50.0) -> dict:
    n = gt.shape[0]
    return {"gt": gt, "inputs": gt.copy() if inputs is None else inputs,
            "swap": np.zeros(gt.shape[:3], bool) if swap is None else swap,
            "category": np.zeros(n, int) if category is None else np.asarray(category), "fps": fps}


# --------------------------------------------------------------------------- scores on hand-made predictions
def test_score_windows_gives_the_hand_computed_mpjpe_and_mpjae(rng):
    gt = _smooth_gt(3, rng)
    pred = gt.copy()
    pred[0] += [3.0, 4.0, 0.0]          # every joint 5 mm off, constant: MPJPE 5, MPJAE 0
    pred[1, :, 5] += [0.0, 0.0, 12.0]   # one joint 12 mm off: MPJPE 12 / 13, that joint's error 12
    pred[2, 70, 0] += [6.0, 8.0, 0.0]   # one 10 mm spike: acceleration errors 10, 20, 10 at frames 69, 70, 71
    s = score_windows(pred, _batch(gt, category=[CATEGORY_FINE, CATEGORY_GROSS, CATEGORY_FINE]))
    np.testing.assert_allclose(s["mpjpe"], [5.0, 12.0 / 13, 10.0 / (150 * 13)], rtol=1e-9)
    np.testing.assert_allclose(s["mpjae"], [0.0, 0.0, 40.0 / (148 * 13)], atol=1e-9)
    np.testing.assert_allclose(s["joint_mpjpe"][1], [0.0] * 5 + [12.0] + [0.0] * 7, atol=1e-9)
    summary = summarize(s)
    assert summary["n"] == 3
    assert summary["mpjpe"] == pytest.approx((5.0 + 12.0 / 13 + 10.0 / 1950) / 3, rel=1e-9)
    assert summary["mpjae"] == pytest.approx(40.0 / (148 * 13) / 3, rel=1e-9)
    assert summary["categories"]["fine"] == pytest.approx({"n": 2, "mpjpe": (5.0 + 10.0 / 1950) / 2,
                                                           "mpjae": 20.0 / (148 * 13)}, rel=1e-9)
    assert summary["categories"]["gross"] == pytest.approx({"n": 1, "mpjpe": 12.0 / 13, "mpjae": 0.0}, abs=1e-9)
    assert summary["categories"]["inversion"] == {"n": 0, "mpjpe": None, "mpjae": None}
    assert summary["joints"][5] == pytest.approx((5.0 + 12.0 + 0.0) / 3, rel=1e-9)
    assert summary["swap_restored"] is None and summary["swap_flagged"] == 0 and summary["swap_out_rate"] == 0.0


def test_swap_restoration_counts_hand_made_swaps(rng):
    gt = _smooth_gt(1, rng)
    left, right = TELMI13_PAIRS[2]
    gt[0, :, left], gt[0, :, right] = [200.0, 0.0, 0.0], [-200.0, 0.0, 0.0]  # a pair far apart: swaps are clear
    swap = np.zeros((1, 150, 13), bool)
    swap[0, 10:20, [left, right]] = True                       # input frames 10..19 show that pair swapped
    pred = gt.copy()
    pred[0, 10:14, left], pred[0, 10:14, right] = gt[0, 10:14, right], gt[0, 10:14, left]  # 4 left swapped
    counts = lambda *args: tuple(int(c[0]) for c in swap_restoration(*args))  # noqa: E731
    assert counts(pred, gt, swap, 50.0, gt) == (6, 10, 4, 150 * len(TELMI13_PAIRS))
    s = summarize(score_windows(pred, _batch(gt, swap=swap)))
    assert s["swap_restored"] == pytest.approx(0.6) and s["swap_flagged"] == 10
    assert s["swap_out_rate"] == pytest.approx(4 / (150 * len(TELMI13_PAIRS)))
    dropped = gt.copy()
    dropped[0, 15] = np.nan                                    # a dropped input frame shows no swap
    assert counts(pred, gt, swap, 50.0, dropped)[:2] == (5, 9)
    # at 25 fps, output frame k looks at input frame round(k / 2): input frames 10..19 cover output 19..39 (numpy
    # rounds halves to even, so 19 -> 10 and 39 -> 20 is out)
    swap25 = np.zeros((1, 75, 13), bool)
    swap25[0, 10:20, [left, right]] = True
    assert counts(gt, gt, swap25, 25.0)[:2] == (20, 20)


# --------------------------------------------------------------------------- classical methods
def test_linear_interpolation_of_clean_linear_motion_is_exact(rng):
    t = np.arange(150) / 50.0
    start, vel = rng.normal(0, 300, (13, 3)), rng.normal(0, 200, (13, 3))
    gt = (start[None] + t[:, None, None] * vel[None])[None]
    for fps in TAUS.values():
        t_in = int(round(3 * fps))
        inputs = to_grid(gt[0], t, np.arange(t_in) / fps)[None]
        inputs[0, t_in // 2] = np.nan                                       # a dropped frame is bridged exactly
        before = inputs.copy()
        pred = predict_classical("linear", inputs, fps)
        np.testing.assert_array_equal(inputs, before)                       # input untouched
        inside = t <= (t_in - 1) / fps + 1e-9                               # after the last input frame: held
        assert np.abs(pred[0, inside] - gt[0, inside]).max() < 1e-9


def test_batched_classical_equals_per_window_refine_classical(tiny):
    data, _ = open_set(tiny, "val")
    idx = subset_indices(int(data["clip_index"].shape[0]), 5)
    for tau, fps in TAUS.items():
        b = window_batch(data, tau, idx)
        raw = as_tracks(b["inputs"])
        filled, w = fill_gaps(raw), upsample_matrix(raw.shape[0], fps)
        for name in CLASSICAL:
            params = DEFAULT_PARAMS[tau][name]
            batched = predict_classical(name, b["inputs"], fps, params)
            one = np.stack([refine_classical(name, x, fps, 50.0, **params)[0][:150] for x in b["inputs"]])
            np.testing.assert_allclose(batched, one, atol=1e-8)
            np.testing.assert_allclose(fast_classical(name, filled, len(idx), fps, params, w, raw), batched,
                                       atol=1e-8)


# --------------------------------------------------------------------------- learned models
class _Offset(torch.nn.Module):
    """A "network" that moves every joint by ``offset`` mm and, when given audio, by its mean along x."""

    def __init__(self, offset: float):
        super().__init__()
        self.offset = offset

    def forward(self, poses, audio=None):
        out = poses + self.offset
        if audio is not None:
            out = out + audio.mean(dim=(1, 2))[:, None, None, None] * torch.tensor([1.0, 0.0, 0.0])
        return out


def test_predict_model_grids_runs_and_guards_as_the_pipeline(tiny):
    data, _ = open_set(tiny, "test")
    b = window_batch(data, "tau050", np.arange(6))
    audio = np.asarray(data["audio"])[b["clip"]]
    times = np.arange(75) / 25.0
    grid = np.stack([to_grid(x, times, np.arange(150) / 50.0) for x in b["inputs"]])
    meta = {"input_mode": "grid", "use_audio": False, "noise_gate_mm": None}  # the gate scales the change: off here
    before = b["inputs"].copy()
    out = predict_model(_Offset(7.0), meta, b["inputs"], 25.0, audio, batch_size=4)
    np.testing.assert_array_equal(b["inputs"], before)                     # input untouched
    np.testing.assert_allclose(out, grid + 7.0, atol=1e-3)                  # audio ignored: use_audio False
    assert _mpjpe(out, grid) == pytest.approx(7.0 * np.sqrt(3), rel=1e-5)
    with_audio = predict_model(_Offset(7.0), dict(meta, use_audio=True), b["inputs"], 25.0, audio)
    np.testing.assert_allclose(with_audio[..., 0] - out[..., 0],
                               np.broadcast_to(audio.mean(axis=(1, 2))[:, None, None], out.shape[:3]), atol=1e-3)
    # far off its input, a guarded window falls back to a light smoothing of the gridded input
    stray = predict_model(_Offset(5000.0), dict(meta, guard=True), b["inputs"], 25.0, None)
    np.testing.assert_allclose(stray, gaussian_filter1d(grid, GUARD_FALLBACK_SIGMA_SLOTS, axis=1, mode="nearest"),
                               atol=1e-9)
    # the Refiner's per-window path (frames and times per window) gives the same
    ref, _, n_guarded = refine_windows(_Offset(5000.0), list(b["inputs"]), [times] * 6, None, unswap=False,
                                       guard=True, gate_mm=None)
    assert n_guarded == 6 and np.abs(ref - stray).max() < 1e-9
    with pytest.raises(ValueError, match="grid-input"):
        predict_model(_Offset(0.0), {"input_mode": "native"}, b["inputs"], 25.0, None)
    with pytest.raises(ValueError, match="one window per input window"):
        predict_model(_Offset(0.0), dict(meta, use_audio=True), b["inputs"], 25.0, audio[:2])


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


# --------------------------------------------------------------------------- a whole set
def test_evaluate_set_scores_equal_independent_numpy(tiny, tiny_ckpt):
    net, meta = load_weights(tiny_ckpt)
    models = {"MAPnet-tiny": (net, meta), "Native": (_Offset(0.0), {"input_mode": "native"})}
    grids = {"sma": [{"window": 3}, {"window": 9}], "gaussian": [{"sigma": 1.0}, {"sigma": 4.0}],
             "one_euro": [{"min_cutoff": 1.0, "beta": 0.0}], "savgol": [{"window": 7, "polyorder": 2}]}
    res = evaluate_set(tiny, models, max_windows=12, tune=True, tune_windows=6, seed=1, grids=grids)
    assert any("Native: not a grid-input net" in n for n in res["notes"]) and "Native" not in res["methods"]
    assert {"MAPnet-tiny", "MAPnet-tiny (pose-only)", "MAPnet-tiny (shuffled audio)"} <= set(res["methods"])
    data, _ = open_set(tiny, "test")
    val, _ = open_set(tiny, "val")
    idx = subset_indices(int(data["clip_index"].shape[0]), 12)
    val_idx = subset_indices(int(val["clip_index"].shape[0]), 6)
    audio_all = np.asarray(data["audio"])
    for tau, fps in TAUS.items():
        b = window_batch(data, tau, idx)
        assert res["windows"][tau] == 12
        # classical scores: the tuned parameters were the val optimum, and the test scores are plain numpy
        vb = window_batch(val, tau, val_idx)
        for m, label in (("gaussian", "Gaussian"), ("linear", "Linear interp.")):
            chosen = res["classical_params"][tau][m]
            val_err = {json.dumps(p): _mpjpe(predict_classical(m, vb["inputs"], fps, p), vb["gt"])
                       for p in grids.get(m, [{}])}
            assert chosen["tuned"] and chosen["val_mpjpe"] == pytest.approx(min(val_err.values()), rel=1e-7)
            assert val_err[json.dumps(chosen["params"])] == pytest.approx(min(val_err.values()), rel=1e-7)
            pred = predict_classical(m, b["inputs"], fps, chosen["params"])
            s = res["methods"][label]["taus"][tau]
            assert s["mpjpe"] == pytest.approx(_mpjpe(pred, b["gt"]), rel=1e-9)
            assert s["mpjae"] == pytest.approx(_mpjae(pred, b["gt"]), rel=1e-9)
        # the learned net, run window by window as the Refiner runs it
        frames, times = list(b["inputs"]), [np.arange(b["inputs"].shape[1]) / fps] * len(idx)
        for label, audio in (("MAPnet-tiny", audio_all[b["clip"]]), ("MAPnet-tiny (pose-only)", None)):
            ref = refine_windows(net, frames, times, audio, unswap=bool(meta.get("unswap_input")), guard=True)[0]
            assert res["methods"][label]["taus"][tau]["mpjpe"] == pytest.approx(_mpjpe(ref, b["gt"]), rel=1e-6)
        for label, m in res["methods"].items():
            s = m["taus"][tau]
            assert sum(c["n"] for c in s["categories"].values()) == s["n"] == 12
            for key in ("mpjpe", "mpjae"):  # count-weighted category means give the overall mean
                total = sum(c["n"] * c[key] for c in s["categories"].values() if c["n"])
                assert total / s["n"] == pytest.approx(s[key], rel=1e-9)
            assert np.mean(s["joints"]) == pytest.approx(s["mpjpe"], rel=1e-9)
    v = [res["methods"][f"MAPnet-tiny{x}"]["taus"]["tau033"]["mpjpe"]
         for x in ("", " (pose-only)", " (shuffled audio)")]
    assert len(set(v)) == 3  # the audio changes a MAPnet's output
    lin = [res["methods"]["Linear interp."]["taus"][t]["mpjpe"] for t in TAUS]
    md = format_markdown({"sets": {res["name"]: res}})
    assert "| Linear interp. | " + " | ".join(f"{x:.2f}" for x in lin) + " |" in md
    assert "Table 2" in md and "Table 3" in md and "Shuffled-audio control" in md
    assert "per joint" in md and "**RMWR**" in md and "MAPnet-tiny (pose-only): " in md


def _method(family: str, base: str, variant: str, **taus) -> dict:
    return {"family": family, "base": base, "variant": variant, "taus": taus}


def _entry(mpjpe: float, fine: float | None = None, swap_restored: float | None = None) -> dict:
    return {"n": 10, "mpjpe": mpjpe, "mpjae": 1.0, "swap_restored": swap_restored, "swap_flagged": 50,
            "swap_out_rate": 0.0, "categories": {"fine": {"n": 5, "mpjpe": fine, "mpjae": 1.0},
                                                 "gross": {"n": 5, "mpjpe": mpjpe, "mpjae": 1.0},
                                                 "inversion": {"n": 0, "mpjpe": None, "mpjae": None}}}


def test_target_checks_on_hand_made_results():
    sim = {"kind": "simulated", "windows": {"tau033": 10}, "methods": {
        "SMA (paper)": _method("classical", "sma", "classical", tau033=_entry(90.0)),
        "Gaussian": _method("classical", "gaussian", "classical", tau033=_entry(100.0)),
        "MAPnet": _method("learned", "MAPnet", "matched", tau033=_entry(30.0, fine=32.0, swap_restored=0.94)),
        "MAPnet (shuffled audio)": _method("learned", "MAPnet", "shuffled", tau033=_entry(35.0, fine=44.0)),
        "PoT": _method("learned", "PoT", "matched", tau033=_entry(60.0))}}
    dance = {"kind": "real", "has_audio": True, "windows": {"tau100": 10}, "methods": {
        "Gaussian": _method("classical", "gaussian", "classical", tau100=_entry(55.0)),
        "MAPnet": _method("learned", "MAPnet", "matched", tau100=_entry(50.0)),
        "MAPnet (pose-only)": _method("learned", "MAPnet", "pose_only", tau100=_entry(49.0))}}
    checks = {c["check"]: c for c in target_checks({"sets": {"mapdat_x": sim, "real_dance": dance}}, "MAPnet", "PoT")}
    expect = {"MAPnet / PoT MPJPE": (0.5, "PASS"), "MAPnet / best classical MPJPE": (30 / 90, "FAIL"),
              "shuffled / matched audio MPJPE on fine": (44 / 32, "PASS"), "swapped frames restored (%)": (94.0, "FAIL"),
              "real dance: with music / pose-only MPJPE": (50 / 49, "FAIL"),
              "real dance: with music / best classical MPJPE": (50 / 55, "PASS")}
    assert set(checks) == set(expect)
    for name, (value, status) in expect.items():
        assert checks[name]["value"] == pytest.approx(value, rel=1e-12) and checks[name]["status"] == status, name
    assert "best classical SMA (paper)=90.00 mm" in checks["MAPnet / best classical MPJPE"]["detail"]
    no_pot = target_checks({"sets": {"mapdat_x": sim}}, "MAPnet", None)
    assert [c["status"] for c in no_pot if c["check"] == "MAPnet / PoT MPJPE"] == ["n/a"]
    md = format_markdown({"sets": {}, "targets": list(checks.values())})
    assert "| MAPnet / PoT MPJPE | mapdat_x | 0.33 | 0.500 | <= 0.6 | PASS |" in md
    assert "| swapped frames restored (%) | mapdat_x | 0.33 | 94.0 | >= 95 | FAIL |" in md


def test_audio_bound_zeroes_exactly_the_sound_making_joints():
    joints = [10.0] * 13
    for name in AUDIO_DRIVEN_JOINTS:
        joints[TELMI13_NAMES.index(name)] = 100.0
    assert audio_bound(joints) == pytest.approx(10.0 * 9 / 13)
    with pytest.raises(ValueError, match="13 per-joint"):
        audio_bound([1.0] * 12)


def test_missing_build_names_the_build_command(tmp_path):
    with pytest.raises(BuildMissingError, match="build_mapdat.py --real dance"):
        open_set(tmp_path / "real_dance")
    with pytest.raises(BuildMissingError, match="--preset paper"):
        open_set(tmp_path / "mapdat_paper")


# --------------------------------------------------------------------------- tools

def test_benchmark_cli_writes_results(tiny, tiny_ckpt, tmp_path, capsys):
    benchmark = import_tool("benchmark")
    out, md = tmp_path / "r.json", tmp_path / "r.md"
    benchmark.main(["--data-root", str(tiny), "--no-real", "--max-windows", "6", "--no-tune", "--no-default-model",
                    "--threads", "1",
                    "--model", f"MAPnet-tiny={tiny_ckpt}", "--classical", "linear,sma", "--quiet",
                    "--out", str(out), "--markdown", str(md)])
    res = json.loads(out.read_text())
    assert res["run"]["mapnet"] == "MAPnet-tiny" and res["run"]["wall_s"] > 0
    assert set(res["sets"]) == {tiny.name}
    methods = res["sets"][tiny.name]["methods"]
    assert "MAPnet-tiny (shuffled audio)" in methods
    data, _ = open_set(tiny, "test")
    b = window_batch(data, "tau050", subset_indices(int(data["clip_index"].shape[0]), 6))
    sma = predict_classical("sma", b["inputs"], 25.0, DEFAULT_PARAMS["tau050"]["sma"])
    assert methods["SMA (paper)"]["taus"]["tau050"]["mpjpe"] == pytest.approx(_mpjpe(sma, b["gt"]), rel=1e-9)
    assert "benchmark wall time" in capsys.readouterr().out and "Table 2" in md.read_text()
    with pytest.raises(SystemExit, match="build_mapdat.py"):
        benchmark.main(["--data-root", str(tmp_path / "nothing"), "--no-real", "--no-default-model", "--quiet"])
    capsys.readouterr()
    with pytest.raises(SystemExit):
        benchmark.parse_args(["--model", "nopath"])
    assert "NAME=PATH" in capsys.readouterr().err


def test_audio_stats_tool_matches_numpy_and_reference_scale(tiny, capsys):
    audio_stats = import_tool("audio_stats")
    from pose_audio_refine.audio import FEATURE_MEAN, FEATURE_STD
    mean, std = audio_stats.main([str(tiny), "--split", "train"])
    data, _ = open_set(tiny, "train")
    rows = np.asarray(data["audio"], dtype=np.float64).reshape(-1, 35)
    np.testing.assert_allclose(mean, rows.mean(0), rtol=1e-9)
    np.testing.assert_allclose(std, rows.std(0), rtol=1e-9)
    assert "FEATURE_MEAN = (" in capsys.readouterr().out
    # the shipped reference statistics describe the same kind of audio: every column within 3 reference
    # standard deviations of this tiny build's mean, and no column's spread off by 10x
    z = np.abs(mean - np.array(FEATURE_MEAN)) / np.array(FEATURE_STD)
    assert z.max() < 3.0
    ratio = std / np.array(FEATURE_STD)
    assert (ratio > 0.1).all() and (ratio < 10).all()


def test_audio_information_tool_runs_on_a_build_and_reports_both_fits(tiny, capsys):
    audio_information = import_tool("audio_information")
    rows = audio_information.main(["--data-root", str(tiny), "--windows", "20"])
    assert [r["tau"] for r in rows] == ["tau100", "tau033"]
    data, _ = open_set(tiny, "test")
    gt = window_batch(data, "tau100", subset_indices(int(data["clip_index"].shape[0]), 20))["gt"]
    gt = gt[:, :, audio_information.WRIST]
    for r in rows:
        vals = [r[k] for k in ("motion_mm", "pose_only_mm", "pose_audio_mm", "pose_shuffled_mm")]
        assert all(np.isfinite(v) and v > 0 for v in vals)
        assert r["gain"] == pytest.approx(1 - r["pose_audio_mm"] / r["pose_only_mm"])
        # the wrist's motion along one axis is at most its 3D motion about its mean
        assert r["motion_mm"] <= np.linalg.norm(gt - gt.mean(axis=1, keepdims=True), axis=-1).mean() + 1e-9
    assert "| tiny_realistic | 50 fps |" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------ do-no-harm sweep
def test_sweep_scores_and_checks():
    from training.benchmark.sweep import score_sweep
    from training.benchmark.sweep_report import format_sweep_markdown, sweep_checks

    rng = np.random.default_rng(0)
    gt = rng.normal(scale=100.0, size=(4, 150, 13, 3))
    shifted = gt + np.array([30.0, 40.0, 0.0])  # a constant 50 mm offset of the whole body
    s = score_sweep(shifted, gt)
    np.testing.assert_allclose(s["mpjpe"], 50.0)
    np.testing.assert_allclose(s["mpjpe_rootrel"], 0.0, atol=1e-9)  # root-relative ignores where the body is
    np.testing.assert_allclose(s["mpjae"], 0.0, atol=1e-9)
    jitter = gt.copy()
    jitter[:, 1::2] += np.array([0.0, 0.0, 10.0])  # alternate frames up 10 mm: accel 20 mm/frame² inside
    assert score_sweep(jitter, gt)["mpjae"].mean() == pytest.approx(20.0)

    row = {"Linear interp.": dict(mpjpe=10.0, mpjpe_rootrel=8.0, mpjae=4.0),
           "Gaussian": dict(mpjpe=6.0, mpjpe_rootrel=5.0, mpjae=1.0),
           "Savitzky-Golay": dict(mpjpe=7.0, mpjpe_rootrel=6.0, mpjae=2.0),
           "One Euro": dict(mpjpe=8.0, mpjpe_rootrel=7.0, mpjae=3.0),
           "M": dict(mpjpe=5.0, mpjpe_rootrel=5.5, mpjae=0.5)}
    clean = {k: {m: v * 0.1 for m, v in r.items()} for k, r in row.items()}
    clean["M"] = dict(mpjpe=2.9, mpjpe_rootrel=0.1, mpjae=0.1)  # worse than linear, inside the 3 mm tolerance
    sweeps = {"set": {"name": "set", "results": {"white10@25": row, "clean@25": clean}, "by_speed": {}}}
    checks = {(c["key"], c["metric"]): c for c in sweep_checks(sweeps, ["M"])}
    assert checks[("white10@25", "mpjpe")]["ok"] and checks[("white10@25", "mpjpe")]["ratio"] == pytest.approx(5 / 6)
    assert not checks[("white10@25", "mpjpe_rootrel")]["ok"]  # 5.5 > the Gaussian's 5.0
    assert checks[("white10@25", "mpjpe_rootrel")]["best_method"] == "Gaussian"
    assert checks[("clean@25", "mpjpe")]["ok"]  # 2.9 <= max(1.5 x 0.6, 3)
    assert "5 of 6" in format_sweep_markdown(sweeps, ["M"])


def test_sweep_batch_clean_level_is_the_sampled_truth():
    from training.benchmark.sweep import sweep_batch

    rng = np.random.default_rng(1)
    gt = np.cumsum(rng.normal(size=(3, 150, 13, 3)), axis=1)
    data = {"gt": gt}
    b = sweep_batch(data, np.arange(3), "clean", 25.0)
    assert b["inputs"].shape == (3, 75, 13, 3) and b["fps"] == 25.0
    np.testing.assert_array_equal(b["inputs"], gt[:, ::2])  # 25 fps = every other 50 fps frame, no noise
    noisy = sweep_batch(data, np.arange(3), "white30", 25.0)
    err = np.linalg.norm(noisy["inputs"] - gt[:, ::2], axis=-1)
    assert 25.0 < np.sqrt((err ** 2).mean()) < 35.0  # 30 mm RMS 3D jitter
    np.testing.assert_array_equal(noisy["inputs"], sweep_batch(data, np.arange(3), "white30", 25.0)["inputs"])
