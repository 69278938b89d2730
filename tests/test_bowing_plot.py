"""The bowing-wrist figure of tools/refine_video.py (pose_audio_refine.video.plots) and the truth file it reads:
the figure's artists are inspected (curves, bow-change lines, shaded passages), not its pixels; the truth file
written by tools/make_demo.py round-trips its extra arrays."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
DEMO_TRUTH = REPO / "demo" / "violin_demo_truth.npz"

pytest.importorskip("matplotlib")
from pose_audio_refine import RefineResult  # noqa: E402
from pose_audio_refine.skeletons import TELMI13_JOINTS  # noqa: E402
from pose_audio_refine.video.plots import (  # noqa: E402
    FAST_STROKES,
    Truth,
    bowing_figure,
    check_truth,
    choose_excerpt,
    fast_spans,
    load_truth,
    plot_bowing_wrist,
)

RMWR = TELMI13_JOINTS.index("RMWR")
NAMES = ("detache", "slur", "sautille", "tremolo")


def _make_demo():
    spec = importlib.util.spec_from_file_location("make_demo_tool", REPO / "tools" / "make_demo.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _scene(seconds: float = 6.0):
    """A bowing wrist moving 100 mm along a known axis, detaché for 2 s, then 10 Hz sautillé, then a rest; the
    truth (50 fps) with its bow changes and codes, a raw 15 fps copy with dropped frames, two "refinements"."""
    t = np.arange(int(seconds * 50)) / 50.0
    codes = np.where(t < 2.0, 0, np.where(t < 4.0, 2, -1)).astype(np.int8)
    # Detaché: a reversal every 0.5 s; sautillé: every 0.1 s (5 Hz triangle-ish sine = 10 strokes per second).
    phase = np.where(t < 2.0, np.pi * t / 0.5, np.pi * 2.0 / 0.5 + np.pi * (t - 2.0) / 0.1)
    s = np.where(codes >= 0, 50.0 * np.cos(phase), 50.0 * np.cos(phase[t < 4.0][-1]))
    axis = np.array([0.6, 0.8, 0.0])
    poses = np.tile(np.arange(13 * 3, dtype=float).reshape(1, 13, 3) * 10, (t.size, 1, 1))
    poses[:, RMWR] = np.array([400.0, 100.0, 1050.0]) + s[:, None] * axis
    bow = np.concatenate([np.arange(0.5, 2.0, 0.5), np.arange(2.0, 4.0, 0.1)])
    truth = Truth(poses, t, "telmi13", "mm", bow, codes.astype(np.int64), NAMES)
    t15 = np.arange(int(seconds * 15)) / 15.0
    raw = np.stack([np.stack([np.interp(t15, t, poses[:, j, c]) for c in range(3)], -1) for j in range(13)], 1)
    raw[[5, 6, 20]] = np.nan  # dropped frames: no dot there
    return truth, raw, t15, poses + 3.0, poses - 3.0


def test_fast_strokes_match_the_simulators():
    score = pytest.importorskip("training.simulator.score")
    assert FAST_STROKES == tuple(score.FAST_STROKES)


def test_figure_has_the_four_curves_bow_changes_and_fast_passages():
    import matplotlib.pyplot as plt

    truth, raw, t15, audio_ref, pose_only = _scene()
    fig, info = bowing_figure(audio_ref / 1000.0, truth.times, raw / 1000.0, t15, "telmi13", "m",
                              pose_only=pose_only / 1000.0, truth=truth, excerpt_s=3.0)
    try:
        ex_pos, all_pos, ex_speed, all_speed = fig.axes[0], fig.axes[1], fig.axes[2], fig.axes[3]
        for ax in (ex_pos, all_pos, ex_speed, all_speed):
            curves = {ln.get_gid() for ln in ax.lines} - {"bow_change"}
            assert curves == {"truth", "raw", "pose_only", "audio"}
        # Whole clip: every true bow change is one thin vertical line, in both rows.
        for ax in (all_pos, all_speed):
            xs = sorted(ln.get_xdata()[0] for ln in ax.lines if ln.get_gid() == "bow_change")
            np.testing.assert_allclose(xs, truth.bow_changes)
        assert info["bow_change_source"] == "truth"
        np.testing.assert_allclose(info["bow_changes"], truth.bow_changes)
        # The fast passage (sautillé, 2-4 s) is shaded and named; the detaché is not shaded.
        assert info["fast_spans"] == [(2.0, pytest.approx(4.0), "sautille")]
        shaded = [p for p in all_pos.patches if p.get_gid() == "fast"]
        assert len(shaded) == 1
        assert any(t.get_text() == "sautille" for t in all_pos.texts)
        # The excerpt is the 3 s that hold the fast strokes, and the panel shows it.
        lo, hi = info["excerpt"]
        assert hi - lo == pytest.approx(3.0) and lo <= 2.0 + 0.05 and hi >= 4.0 - 0.05
        assert ex_speed.get_xlim() == pytest.approx((lo, hi))
        # Positions along the PCA axis of the refinement: the truth's excursion (+-50 mm) comes back in mm.
        truth_line = next(ln for ln in all_pos.lines if ln.get_gid() == "truth")
        y = np.asarray(truth_line.get_ydata())
        assert np.ptp(y) == pytest.approx(100.0, rel=0.02)
        assert abs(abs(info["axis"] @ np.array([0.6, 0.8, 0.0])) - 1) < 1e-6
        # Raw: dots at its sample times only where seen (3 dropped frames).
        raw_line = next(ln for ln in all_pos.lines if ln.get_gid() == "raw")
        assert raw_line.get_linestyle() == "None" and len(raw_line.get_xdata()) == t15.size - 3
        # Errors against the truth: the refinements are 3 mm off in every coordinate (3 * sqrt(3) mm).
        assert info["wrist_error"]["audio"]["position_mm"] == pytest.approx(3 * np.sqrt(3))
        assert info["wrist_error"]["pose_only"]["velocity_mm_s"] == pytest.approx(0.0, abs=1e-6)
        legend = [t.get_text() for t in fig.legends[0].get_texts()]
        assert any(s.startswith("bow changes: truth (") for s in legend)
        assert any(s.startswith("audio-informed refinement") for s in legend)
        assert any(s.startswith("pose-only refinement") for s in legend)
    finally:
        plt.close(fig)


def test_without_truth_bow_changes_are_audio_onsets(tmp_path):
    _, raw, t15, audio_ref, _ = _scene(3.0)
    sr = 22050
    y = np.zeros(3 * sr, dtype=np.float32)
    clicks = (0.5, 1.3, 2.1)
    for c in clicks:  # decaying tone bursts: clear onsets
        n = np.arange(int(0.3 * sr))
        y[int(c * sr):int(c * sr) + n.size] = 0.5 * np.sin(2 * np.pi * 440 * n / sr) * np.exp(-n / (0.05 * sr))
    info = plot_bowing_wrist(tmp_path / "b.png", audio_ref, np.arange(audio_ref.shape[0]) / 50.0, raw, t15,
                             "telmi13", "mm", audio=y, sr=sr)
    assert info["path"].is_file() and info["path"].stat().st_size > 10_000
    assert info["bow_change_source"] == "audio onsets (librosa)"
    assert set(info["curves"]) == {"raw", "audio"} and info["wrist_error"] == {}
    assert len(info["bow_changes"]) == len(clicks)
    assert np.abs(np.sort(info["bow_changes"]) - clicks).max() < 0.05
    assert info["excerpt"][0] == 0.0  # no fast passages known: the start


def test_choose_excerpt_prefers_the_most_fast_bow_changes():
    spans = [(0.5, 3.0, "bariolage"), (6.0, 8.0, "tremolo")]
    slow = np.arange(0.5, 3.0, 0.15)  # 17 changes over 2.5 s
    fast = np.arange(6.0, 8.0, 0.07)  # 29 over 2 s
    lo, hi = choose_excerpt(10.0, spans, np.concatenate([slow, fast]), 3.0)
    assert lo <= 6.0 and hi >= 8.0 - 0.07 and hi - lo == pytest.approx(3.0)
    lo, hi = choose_excerpt(10.0, spans, None, 3.0)  # no events: the longest fast time wins
    assert lo <= 0.5 + 1e-9 and hi >= 3.0 - 1e-9
    assert choose_excerpt(10.0, [], None, 3.0) == (0.0, 3.0)
    assert choose_excerpt(2.0, spans, None, 3.0) == (0.0, 2.0)


def test_fast_spans_split_at_each_articulation():
    t = np.arange(10) / 10.0
    codes = np.array([0, 2, 2, 3, 3, -1, 3, 1, 1, 2])
    truth = Truth(np.zeros((10, 13, 3)), t, "telmi13", "mm", None, codes, NAMES)
    got = fast_spans(truth)
    assert [(round(a, 6), round(b, 6), n) for a, b, n in got] == [
        (0.1, 0.3, "sautille"), (0.3, 0.5, "tremolo"), (0.6, 0.7, "tremolo"), (0.9, 1.0, "sautille")]
    assert fast_spans(Truth(np.zeros((10, 13, 3)), t, "telmi13", "mm")) == []


def test_truth_file_round_trips_its_arrays(tmp_path):
    """tools/make_demo.py's writer: poses and times as RefineResult reads them, plus bow changes and codes."""
    md = _make_demo()
    truth, *_ = _scene()
    path = tmp_path / "truth.npz"
    RefineResult(poses=truth.poses, times=truth.times, fps=50.0, skeleton="telmi13", units="mm",
                 audio_used=False, joint_names=TELMI13_JOINTS).save(path)
    state = {"bow_changes": truth.bow_changes, "articulation_code": truth.articulation_code}
    extra = md.truth_annotations(state)
    md._add_arrays(path, **extra)
    assert extra["articulation_code"].dtype == np.int8
    res = RefineResult.load(path)  # the extra arrays do not disturb the result format
    np.testing.assert_array_equal(res.poses, truth.poses)
    back = load_truth(path)
    np.testing.assert_array_equal(back.poses, truth.poses)
    np.testing.assert_array_equal(back.bow_changes, truth.bow_changes)
    np.testing.assert_array_equal(back.articulation_code, truth.articulation_code)
    from training.simulator.score import ARTICULATIONS

    assert back.articulation_names == tuple(ARTICULATIONS)
    # Codes of the wrong length, or without their names, are refused with the file named.
    md._add_arrays(path, articulation_code=np.zeros(3, np.int8))
    with pytest.raises(ValueError, match=r"truth.npz: articulation_code must have shape"):
        load_truth(path)
    with pytest.raises(FileNotFoundError, match="truth file not found"):
        load_truth(tmp_path / "missing.npz")


def test_check_truth_refuses_another_skeleton():
    truth = Truth(np.zeros((5, 17, 3)), np.arange(5) / 50.0, "h36m", "mm")
    with pytest.raises(ValueError, match="skeleton 'h36m'"):
        check_truth(truth, "telmi13")


def test_bundled_demo_truth_has_fast_strokes_and_bow_changes():
    truth = load_truth(DEMO_TRUTH)
    assert truth.articulation_code is not None and truth.bow_changes is not None
    assert truth.articulation_code.shape == truth.times.shape
    assert fast_spans(truth), "the demo should show fast strokes"
    assert np.all(np.diff(truth.bow_changes) > 0)
    assert 0 <= truth.bow_changes[0] and truth.bow_changes[-1] <= truth.times[-1] + 0.02
