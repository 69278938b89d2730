"""Metrics where audio can help (training/benchmark/sound.py) on synthetic signals with known answers, and the
audio benchmark tool (tools/benchmark_audio.py) end to end on a tiny fake MAPdat folder."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import import_tool
from training.benchmark.sound import (LEFT_WRIST, SOUND_JOINTS, bow_axis, bow_change_counts, f1_from_counts,
                                      reversal_intervals, reversal_times, shift_errors, sound_joint_errors,
                                      vibrato_errors, window_stroke_type)

REPO = Path(__file__).resolve().parents[1]
FPS = 50.0
T = np.arange(150) / FPS  # one 3 s window at 50 fps
RMWR = SOUND_JOINTS["RMWR"]


def _poses(n: int, rng) -> np.ndarray:
    """``(n, 150, 13, 3)`` smooth random motion (mm)."""
    return np.cumsum(rng.normal(scale=2.0, size=(n, 150, 13, 3)), axis=1) + 500.0


def _bowing(freq_hz: float, amp_mm: float, phase: float = 0.3, t: np.ndarray = T):
    """A sinusoidal bow and the wrist that follows it along a slanted axis, plus its known reversal times."""
    bow = 325.0 + amp_mm * np.sin(2 * np.pi * freq_hz * t + phase)
    axis = np.array([0.6, -0.48, 0.64])
    wrist = np.array([400.0, 100.0, 1050.0]) - axis * bow[:, None]  # the hand holds the frog
    wrist[:, 2] += 3.0 * np.sin(2 * np.pi * 0.4 * t)  # slow arm-height drift across the bow
    # extrema of sin(2π f t + φ): 2π f t + φ = π/2 + mπ
    m = np.arange(-2, int(2 * freq_hz * t[-1]) + 3)
    times = (np.pi / 2 + m * np.pi - phase) / (2 * np.pi * freq_hz)
    return bow, wrist, times[(times > 0) & (times < t[-1])], axis


# ----------------------------------------------------------------------------------------- joint errors
def test_bias_free_mpjpe_ignores_a_constant_offset_and_velocity_error_sees_a_drift(rng):
    gt = _poses(3, rng)
    offset = gt + np.array([30.0, -40.0, 0.0])  # 50 mm, constant
    e = sound_joint_errors(offset, gt, SOUND_JOINTS.values(), fps=FPS)
    np.testing.assert_allclose(e["mpjpe"], 50.0)
    np.testing.assert_allclose(e["bias_free_mpjpe"], 0.0, atol=1e-9)
    np.testing.assert_allclose(e["velocity_error"], 0.0, atol=1e-9)
    assert e["joint_mpjpe"].shape == (3, 3)

    v = 120.0  # mm/s drift of the scored joints only
    drift = gt.copy()
    drift[:, :, list(SOUND_JOINTS.values()), 1] += v * T[None, :, None]
    e = sound_joint_errors(drift, gt, SOUND_JOINTS.values(), fps=FPS)
    np.testing.assert_allclose(e["velocity_error"], v)
    np.testing.assert_allclose(e["mpjpe"], v * T.mean())
    np.testing.assert_allclose(e["bias_free_mpjpe"], v * np.abs(T - T.mean()).mean())
    # the unscored joints' error is not looked at; fps scales the velocity
    other = gt.copy()
    other[:, :, 0] += 1000.0
    assert sound_joint_errors(other, gt, SOUND_JOINTS.values())["mpjpe"].max() == 0.0
    np.testing.assert_allclose(sound_joint_errors(drift, gt, SOUND_JOINTS.values(), fps=25.0)["velocity_error"],
                               v / 2)


# ------------------------------------------------------------------------------------------- bow changes
def test_reversal_times_are_the_extrema_to_sub_frame_precision_and_ignore_small_wiggles():
    bow, _, times, _ = _bowing(2.0, 150.0)
    found = reversal_times(bow, FPS, 2.0)
    # the first and last extremum are found as long as the bow has moved back from them by 2 mm
    assert found.shape == times.shape
    np.testing.assert_allclose(found, times, atol=1e-3)  # 1 ms, a twentieth of a frame
    wiggly = bow + 1.5 * np.sign(np.sin(2 * np.pi * 12.5 * T + 0.1))  # 3 mm peak-to-peak square wiggle
    assert reversal_times(wiggly, FPS, 5.0).shape == times.shape
    # a slowly drawn bow (20 mm/s) with the same wiggle: a reversal every wiggle at 1 mm, none at 5 mm
    slow = 300.0 + 20.0 * T + 1.5 * np.sign(np.sin(2 * np.pi * 12.5 * T + 0.1))
    assert reversal_times(slow, FPS, 5.0).size == 0
    assert reversal_times(slow, FPS, 1.0).size > 50


def test_bow_axis_is_the_direction_the_wrist_follows():
    bow, wrist, _, axis = _bowing(2.0, 150.0)
    d = bow_axis(wrist, bow)
    assert np.linalg.norm(d) == pytest.approx(1.0)
    assert abs(d @ axis) > 0.999
    np.testing.assert_array_equal(bow_axis(wrist, np.full(150, 300.0)), 0.0)


def test_bow_change_f1_is_one_for_the_truth_and_drops_for_late_or_sparse_predictions():
    bow, wrist, times, _ = _bowing(2.0, 150.0)
    tp, n_pred, n_true = bow_change_counts(wrist, wrist, bow, FPS)
    inside = ((times >= 0.03) & (times <= T[-1] - 0.03)).sum()
    assert n_true == inside and (tp, n_pred) == (n_true, n_true)
    assert f1_from_counts(tp, n_pred, n_true) == (1.0, 1.0, 1.0)

    # 40 ms late, outside the ±30 ms tolerance: every bow change missed, every predicted one false
    late = np.stack([np.interp(T - 0.04, T, wrist[:, c]) for c in range(3)], axis=1)
    tp, n_pred, n_true = bow_change_counts(late, wrist, bow, FPS)
    assert tp == 0 and n_pred > 0 and f1_from_counts(tp, n_pred, n_true)[2] == 0.0
    # 20 ms late is inside the tolerance
    early = np.stack([np.interp(T - 0.02, T, wrist[:, c]) for c in range(3)], axis=1)
    assert f1_from_counts(*bow_change_counts(early, wrist, bow, FPS))[2] > 0.9

    # a 10 Hz fast stroke (20 mm of bow) seen at 12 fps and linearly interpolated: the strokes alias away
    bow10, wrist10, _, _ = _bowing(10.0, 10.0)
    assert f1_from_counts(*bow_change_counts(wrist10, wrist10, bow10, FPS)) == (1.0, 1.0, 1.0)
    t12 = np.arange(0, T[-1] + 1e-9, 1 / 12.0)
    _, w12, _, _ = _bowing(10.0, 10.0, t=t12)
    interp = np.stack([np.interp(T, t12, w12[:, c]) for c in range(3)], axis=1)
    _, r, f1 = f1_from_counts(*bow_change_counts(interp, wrist10, bow10, FPS))
    assert r < 0.5 and f1 < 0.5


def test_a_stop_is_one_bow_change_found_anywhere_in_it():
    # a martelé-like bow: strokes of 150 mm with 0.3 s stops between them; the wrist drifts 3 mm during each stop
    seg = [np.linspace(0, 150, 20), np.full(15, 150.0), np.linspace(150, 0, 20), np.full(15, 0.0)]
    bow = 200.0 + np.tile(np.concatenate(seg), 3)[:150]
    wrist = np.zeros((150, 3))
    wrist[:, 0] = bow + 0.2 * np.arange(150)  # a slow drift along the bow: each stop slants by 3 mm
    iv = reversal_intervals(bow, FPS, 2.0)
    still = np.flatnonzero(bow[:60] == bow[:60].max())  # the first stop's frames
    assert iv[0] == pytest.approx(still[[0, -1]] / FPS)  # the whole stop, first to last still frame
    assert (iv[:, 1] - iv[:, 0] > 0.25).all()
    # the drifting wrist turns at one end of each stop, the bow changes across the stop: all found
    tp, n_pred, n_true = bow_change_counts(wrist, wrist, bow, FPS)
    assert n_true == len(iv) and tp == n_pred == n_true
    # a smooth reversal is an instant
    smooth = _bowing(2.0, 150.0)[0]
    np.testing.assert_array_equal(np.diff(reversal_intervals(smooth, FPS, 2.0), axis=1), 0.0)


def test_bow_changes_near_the_window_edges_are_ignored():
    bow, wrist, _, _ = _bowing(2.0, 150.0, phase=np.pi / 2 - 2 * np.pi * 2.0 * 0.05)  # a maximum at 50 ms
    first = reversal_times(bow, FPS, 2.0)[0]
    assert first == pytest.approx(0.05, abs=1e-3)
    n_true = bow_change_counts(wrist, wrist, bow, FPS, tol_s=0.03)[2]
    assert bow_change_counts(wrist, wrist, bow, FPS, tol_s=0.06)[2] == n_true - 1  # 50 ms < 60 ms: dropped


def test_f1_from_counts():
    assert f1_from_counts(3, 4, 6) == pytest.approx((0.75, 0.5, 0.6))
    p, r, f = f1_from_counts(0, 0, 2)
    assert np.isnan(p) and r == 0.0 and f == 0.0
    with pytest.raises(ValueError):
        f1_from_counts(3, 2, 5)


# ------------------------------------------------------------------------------------------------ vibrato
def _vibrato(amp: float, rate: float) -> np.ndarray:
    """``(150, 3)`` left wrist: a 0.4 Hz sway of 40 mm plus vibrato along the neck."""
    neck = np.array([0.8, 0.6, 0.0])
    base = np.array([-50.0, 250.0, 1300.0]) + 40.0 * np.sin(2 * np.pi * 0.4 * T)[:, None] * np.array([0, 0, 1.0])
    return base + amp * np.sin(2 * np.pi * rate * T)[:, None] * neck


def test_vibrato_amplitude_and_rate_errors_of_a_known_6_hz_oscillation(rng):
    gt = np.repeat(_poses(1, rng), 4, axis=0)
    gt[:, :, LEFT_WRIST] = _vibrato(3.0, 6.0)
    gt[3, :, LEFT_WRIST] = _vibrato(0.0, 6.0)  # no vibrato: nothing to score
    pred = gt.copy()
    pred[1, :, LEFT_WRIST] = _vibrato(1.5, 6.0)  # half the width
    pred[2, :, LEFT_WRIST] = _vibrato(3.0, 7.0)  # 1 Hz fast
    v = vibrato_errors(pred, gt, FPS)
    np.testing.assert_allclose(v["amp_true"][:3], 3.0 / np.sqrt(2), rtol=0.05)  # RMS of a sine
    np.testing.assert_allclose(v["rate_true"][:3], 6.0, atol=0.05)
    np.testing.assert_allclose(v["amp_error"][:3], [0.0, 0.5, 0.0], atol=0.05)
    np.testing.assert_allclose(v["rate_error"][:3], [0.0, 0.0, 1.0], atol=0.05)
    assert np.isnan(v["amp_error"][3]) and np.isnan(v["rate_error"][3])
    # vibrato in the wrong direction does not pass for vibrato
    across = gt.copy()
    across[0, :, LEFT_WRIST] = _vibrato(0.0, 6.0) + 3.0 * np.sin(2 * np.pi * 6.0 * T)[:, None] * [-0.6, 0.8, 0]
    assert vibrato_errors(across, gt, FPS)["amp_error"][0] > 0.95


def test_shift_travel_and_timing_errors_of_a_known_shift(rng):
    """A 40 mm shift at 1.5 s (a raised-cosine glide of 100 ms); the wrist follows the hand along a fixed axis."""
    u = np.clip((T - 1.45) / 0.1, 0.0, 1.0)
    hand = 40.0 * (0.5 - 0.5 * np.cos(np.pi * u))
    axis = np.array([0.6, -0.8, 0.0])
    gt = np.repeat(_poses(1, rng), 4, axis=0)
    gt[:, :, LEFT_WRIST] = 100.0 + hand[:, None] * axis
    hands = np.repeat(hand[None], 4, axis=0)
    pred = gt.copy()
    pred[1, :, LEFT_WRIST] = 100.0 + 0.5 * hand[:, None] * axis  # half the travel
    late = np.clip((T - 1.53) / 0.1, 0.0, 1.0)
    pred[2, :, LEFT_WRIST] = 100.0 + 40.0 * (0.5 - 0.5 * np.cos(np.pi * late))[:, None] * axis  # 80 ms late
    hands[3] = 0.0  # no shift in this window
    e = shift_errors(pred, gt, hands, FPS)
    assert list(e["n_shifts"]) == [1, 1, 1, 0]
    np.testing.assert_allclose(e["travel_error"][:2], [0.0, 0.5], atol=0.02)
    assert e["timing_error"][0] == 0.0 and abs(e["timing_error"][2] - 0.08) <= 1 / FPS + 1e-9  # frame resolution
    assert e["travel_error"][2] > 0.2  # the late wrist has not finished the shift when the hand has
    assert np.isnan(e["travel_error"][3]) and np.isnan(e["timing_error"][3])


# ------------------------------------------------------------------------------------------- stroke types
def test_window_stroke_type_is_the_articulation_of_most_sounding_frames():
    names = ("detache", "slur", "tremolo")
    codes = np.full((3, 150), -1, dtype=np.int8)
    codes[0, :40], codes[0, 40:70] = 2, 1  # 40 tremolo, 30 slur, 80 rest: tremolo (rest does not compete)
    codes[1, :] = 0
    types = window_stroke_type(codes, names)
    assert list(types) == ["tremolo", "detache", "rest"]
    from training.simulator.score import ARTICULATIONS
    assert window_stroke_type(np.zeros((1, 150), dtype=np.int8))[0] == ARTICULATIONS[0]
    with pytest.raises(ValueError):
        window_stroke_type(np.full((1, 150), 3), names)


# ------------------------------------------------------------------------------------------ the audio tool
def _fake_mapdat(root: Path, rng) -> Path:
    """A MAPdat-format folder with just what the audio benchmark reads: 2 takes per split, a player whose bowing
    wrist follows a simulated-looking ``bow_pos`` (fast strokes in half the clips) and whose left wrist does 6 Hz
    vibrato, random audio, and per-frame stroke codes."""
    from conftest import TELMI
    from training.simulator.score import ARTICULATIONS

    (root / "meta.json").parent.mkdir(parents=True, exist_ok=True)
    (root / "meta.json").write_text(json.dumps({"format": "mapdat", "kind": "simulated", "preset": "clean"}))
    for split, m in (("test", 6), ("val", 4)):
        d = root / split
        d.mkdir()
        gt = np.repeat(np.repeat(TELMI[None, None], m, axis=0), 150, axis=1).copy()
        bow = np.empty((m, 150))
        stroke = np.full((m, 150), -1, dtype=np.int8)
        for c in range(m):
            fast = c % 2 == 1
            freq, amp = (10.0, 10.0) if fast else (1.5, 150.0)
            bow[c], wrist, _, _ = _bowing(freq, amp, phase=rng.uniform(0, 2 * np.pi))
            gt[c, :, RMWR] = wrist
            gt[c, :, LEFT_WRIST] = _vibrato(3.0, 6.0)
            stroke[c, 10:] = len(ARTICULATIONS) - 1 if fast else 0
        gt += np.cumsum(rng.normal(scale=0.3, size=gt.shape), axis=1)  # a little body motion everywhere
        arrays = {"gt": gt.astype(np.float32), "bow_pos": bow.astype(np.float32), "stroke": stroke,
                  "audio": rng.normal(size=(m, 150, 35)).astype(np.float32), "has_audio": np.ones(m, bool),
                  "fine": np.arange(m) % 3 != 0, "clip_take_index": (np.arange(m) >= m // 2).astype(np.int32),
                  "clip_index": np.arange(m, dtype=np.int32),
                  "inputs_tau100": np.zeros((m, 1, 13, 3), np.float32)}  # marks a finished split for open_set
        for name, arr in arrays.items():
            np.save(d / f"{name}.npy", arr)
    return root



def test_audio_benchmark_tool_on_a_fake_build(tmp_path, ckpt, torch_one_thread, capsys):
    tool = import_tool("benchmark_audio")
    from training.simulator.score import ARTICULATIONS

    root = _fake_mapdat(tmp_path / "fake", np.random.default_rng(3))
    out, md = tmp_path / "r.json", tmp_path / "r.md"
    res = tool.run(["--data-root", str(root), "--rates", "50,12.5", "--noise", "clean", "--no-default-model",
                    "--model", f"tiny={ckpt}", "--pose-only-model", f"tiny-noaudio={ckpt}", "--classical",
                    "linear,gaussian", "--max-windows", "5", "--tune-windows", "4", "--threads", "1", "--quiet",
                    "--out", str(out), "--markdown", str(md)])
    assert json.loads(out.read_text())["windows"] == res["windows"] == 5 and "## Ratios" in md.read_text()
    assert res["rates_results"]["12.5"]["groups"]["all"]["methods"][tool.TRUTH]["bow"]["f1"] == 1.0
    assert "| Linear interp. |" in capsys.readouterr().out
    clean = res["rates_results"]["50"]["groups"]
    # clean input at 50 fps: linear interpolation returns the truth itself
    lin = clean["all"]["methods"]["Linear interp."]
    assert lin["sound_mpjpe"] == pytest.approx(0.0, abs=1e-3) and lin["vel"]["RMWR"] == pytest.approx(0.0, abs=0.1)
    assert lin["bow"]["f1"] == 1.0 and lin["bow"]["n_true"] > 0
    assert lin["vib_n"] == 5 and lin["vib_amp"] == pytest.approx(0.0, abs=1e-3)
    # 12.5 fps of a 10 Hz stroke: the bow changes alias away in the fast-stroke windows only
    sparse = res["rates_results"]["12.5"]["groups"]
    assert set(sparse) == {"all", ARTICULATIONS[0], ARTICULATIONS[-1]}
    assert sparse[ARTICULATIONS[-1]]["n"] == 2 and sparse[ARTICULATIONS[0]]["n"] == 3
    assert sparse[ARTICULATIONS[-1]]["methods"]["Linear interp."]["bow"]["f1"] < 0.5
    assert sparse[ARTICULATIONS[0]]["methods"]["Linear interp."]["bow"]["f1"] > 0.9
    # every variant ran, and the ratios are the quotients of the reported means
    methods = sparse["all"]["methods"]
    assert {"tiny", "tiny (pose-only)", "tiny (shuffled audio)", "tiny-noaudio", "Gaussian"} <= set(methods)
    r = sparse["all"]["ratios"]["tiny"]
    assert r["wrist_vel_audio_over_no_audio"] == pytest.approx(
        methods["tiny"]["vel"]["RMWR"] / methods["tiny (pose-only)"]["vel"]["RMWR"])
    assert r["fine_shuffled_over_matched"] == pytest.approx(
        methods["tiny (shuffled audio)"]["fine_mpjpe"] / methods["tiny"]["fine_mpjpe"])
    assert methods["tiny"]["fine_n"] == 4  # the 5 evenly spaced clips are 0, 1, 2, 4, 5; every third is not fine
    # the same net fed no audio twice (pose-only variant and pose-only model) gives the same prediction
    assert r["wrist_vel_audio_over_pose_only_model"]["tiny-noaudio"] == pytest.approx(
        r["wrist_vel_audio_over_no_audio"])

    # user mistakes: an error line and exit code 2, no traceback
    assert tool.main(["--data-root", str(tmp_path / "missing"), "--no-default-model", "--quiet"]) == 2
    assert "error:" in capsys.readouterr().err
    assert tool.main(["--data-root", str(root), "--noise", "loud", "--no-default-model", "--quiet"]) == 2
    assert "preset must be one of" in capsys.readouterr().err
