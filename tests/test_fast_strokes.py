"""Fast strokes in the simulator and the motion blur of video (issue: the audio must recover what the poses cannot).

The physics they must follow is ``../shared/design/violin-physics.md``, "Fast strokes".
"""
from __future__ import annotations

import numpy as np
import pytest

from training.noise import REALISTIC, NoiseConfig, downsample, get_preset, observe
from training.simulator import simulate_take
from training.simulator.bowing import CTL_RATE, bow_state
from training.simulator.lefthand import left_hand_state
from training.simulator.performer import sample_performer
from training.simulator.score import FAST_RATE_HZ, FAST_STROKES, generate_score

FS = 1000.0  # the control rate the bow state is rendered at


def _reversals(x: np.ndarray, min_excursion: float) -> np.ndarray:
    """Indices of the direction reversals of ``x`` with hysteresis."""
    out, ext_i, ext, direction = [], 0, x[0], 0
    for i, v in enumerate(x):
        if direction >= 0 and v > ext or direction < 0 and v < ext:
            ext, ext_i = v, i
        elif abs(v - ext) >= min_excursion:
            if direction != 0:
                out.append(ext_i)
            direction = -1 if v < ext else 1
            ext, ext_i = v, i
    return np.asarray(out)


@pytest.fixture(scope="module")
def fast_state():
    rng_seed = 4
    perf = sample_performer(2)
    score = generate_score(np.random.default_rng(rng_seed), 40.0, fast_strokes=1.0)
    n_ctl = int(40.0 * CTL_RATE) + 2
    return score, bow_state(score, perf, np.random.default_rng(rng_seed + 1), n_ctl)


def test_old_takes_are_unchanged_when_fast_strokes_is_off():
    a = simulate_take(3, 6.0)
    b = simulate_take(3, 6.0, fast_strokes=0.0)
    np.testing.assert_array_equal(a.poses, b.poses)
    np.testing.assert_array_equal(a.audio, b.audio)
    assert not set(a.state["articulation"]) & set(FAST_STROKES)


def test_every_fast_stroke_is_played_at_its_physical_rate(fast_state):
    score, ctl = fast_state
    seen = set()
    for passage in sorted({n.passage for n in score.notes}):
        notes = [n for n in score.notes if n.passage == passage]
        artic = notes[0].articulation
        assert artic in FAST_STROKES
        seen.add(artic)
        rate = len(notes) / (notes[-1].end - notes[0].start)
        lo, hi = FAST_RATE_HZ[artic]
        assert lo * 0.95 <= rate <= hi * 1.05, (artic, rate)
        if artic != "ricochet":  # every note is a stroke: one bow change each
            assert len({n.stroke for n in notes}) == len(notes)
    assert seen == set(FAST_STROKES)


def test_fast_strokes_reverse_the_bow_at_the_note_rate_with_strokes_of_a_few_cm(fast_state):
    score, ctl = fast_state
    for artic in ("sautille", "tremolo", "fast_detache"):
        first = next(n for n in score.notes if n.articulation == artic)
        notes = [n for n in score.notes if n.passage == first.passage]
        i0, i1 = int(notes[0].start * FS), int(notes[-1].end * FS)
        segment = ctl["bow_pos"][i0:i1]
        rev = _reversals(segment, 3.0)
        expected = len(notes) - 1
        assert abs(len(rev) - expected) <= max(2, 0.15 * expected), (artic, len(rev), expected)
        excursions = np.abs(np.diff(segment[rev]))
        assert 5.0 < np.median(excursions) < 150.0, (artic, np.median(excursions))


def test_bariolage_alternates_strings_fast_enough_to_move_the_arm(fast_state):
    score, ctl = fast_state
    first = next(n for n in score.notes if n.articulation == "bariolage")
    notes = [n for n in score.notes if n.passage == first.passage]
    assert len({n.string for n in notes}) == 2
    i0, i1 = int(notes[0].start * FS) + 100, int(notes[-1].end * FS) - 100
    arm = ctl["arm_string"][i0:i1]
    # the arm follows most of each crossing (a 150 ms glide would leave it near the middle)
    assert np.percentile(arm, 95) - np.percentile(arm, 5) > 0.5


def test_shifts_glide_in_pitch_with_the_hand():
    perf = sample_performer(1)
    score = generate_score(np.random.default_rng(9), 30.0)
    n_ctl = int(30.0 * CTL_RATE) + 2
    stepped = left_hand_state(score, perf, np.random.default_rng(3), n_ctl)
    glided = left_hand_state(score, perf, np.random.default_rng(3), n_ctl, glide=True)
    shifts = np.flatnonzero(np.diff([n.shift for n in score.notes]) != 0)
    assert shifts.size, "the score has no shift to test"
    for k in shifts:
        t = int(score.notes[k + 1].start * CTL_RATE)
        seg = slice(t - 60, t + 60)
        jump_stepped = np.max(np.abs(np.diff(12 * np.log2(stepped["pitch_hz"][seg]))))
        jump_glided = np.max(np.abs(np.diff(12 * np.log2(glided["pitch_hz"][seg]))))
        if abs(score.notes[k + 1].midi - score.notes[k].midi) >= 1:
            assert jump_glided < 0.5 * jump_stepped  # the pitch slides with the finger instead of jumping


def test_bow_changes_make_loudness_pulses_in_the_sound():
    take = simulate_take(21, 12.0, fast_strokes=1.0)
    y = take.audio.astype(np.float64)
    hop = int(take.sr * 0.005)
    rms = np.sqrt(np.convolve(y ** 2, np.ones(hop) / hop, mode="same"))[::hop]
    fast = [t for t, a in zip(take.state["bow_changes"], take.state["bow_change_articulation"])
            if a in ("sautille", "tremolo", "fast_detache")]
    assert len(fast) > 20
    dips = 0
    for t in fast:
        c = int(round(t / 0.005))
        if c < 10 or c + 10 >= rms.size:
            continue
        near = rms[c - 3:c + 4].min()
        around = np.median(rms[c - 10:c + 11])
        dips += near < 0.8 * around
    assert dips >= 0.8 * len(fast)  # one loudness pulse per bow change: the sound marks the reversal


@pytest.mark.parametrize("fps", [12.5, 15.0, 25.0])
def test_motion_blur_lags_and_shrinks_fast_motion_like_a_camera(fps):
    f, exposure = 9.0, 0.8
    t = np.arange(0, 4.0, 1 / 50.0)
    x = np.zeros((t.size, 2, 3))
    x[:, 0, 0] = 20.0 * np.sin(2 * np.pi * f * t)
    plain, times = downsample(x, 50.0, fps)
    blurred, times_b = observe(x, 50.0, fps, REALISTIC.replace(exposure=exposure))
    np.testing.assert_array_equal(times, times_b)
    e = exposure / fps
    # the mean over the exposure [t - e, t]: a sine of amplitude sinc(f e), delayed by e / 2
    expect = 20.0 * np.sinc(f * e) * np.sin(2 * np.pi * f * (times - e / 2))
    ok = times > e + 0.05
    # the 50 fps ground truth is interpolated linearly inside the exposure, which costs up to ~7 % of a 9 Hz
    # sine's amplitude; unblurred sampling is much farther from the expected smear
    assert np.max(np.abs(blurred[ok, 0, 0] - expect[ok])) < 0.1 * 20.0
    assert np.max(np.abs(plain[ok, 0, 0] - expect[ok])) > 0.25 * 20.0
    assert np.std(blurred[ok, 0, 0]) < np.std(plain[ok, 0, 0])
    np.testing.assert_array_equal(observe(x, 50.0, fps, REALISTIC)[0], plain)  # no exposure: plain sampling


def test_exposure_is_validated_and_old_presets_keep_their_hash():
    with pytest.raises(ValueError, match="exposure"):
        NoiseConfig(exposure=1.5)
    from training.noise import config_hash
    assert config_hash(get_preset("realistic")) != config_hash(get_preset("realistic_blur"))
    assert get_preset("realistic_blur").exposure > 0 and get_preset("realistic").exposure == 0


def test_the_held_out_synthesis_plays_the_same_motion_with_another_voice():
    a = simulate_take(5, 4.0, fast_strokes=0.5)
    b = simulate_take(5, 4.0, fast_strokes=0.5, renderer="synth_alt")
    np.testing.assert_array_equal(a.poses, b.poses)  # the motion is the renderer's input, not its output

    def centroid(y, sr):
        spec = np.abs(np.fft.rfft(y.astype(np.float64)))
        f = np.fft.rfftfreq(y.size, 1.0 / sr)
        return float((spec * f).sum() / spec.sum())

    ca, cb = centroid(a.audio, a.sr), centroid(b.audio, b.sr)
    assert abs(ca - cb) / ca > 0.1  # a different instrument: darker strings, another body
    # both voices still follow the bow: louder where the bow moves faster
    for take in (a, b):
        hop = take.sr // 50
        rms = np.sqrt(np.convolve(take.audio.astype(np.float64) ** 2, np.ones(hop) / hop, mode="same")[::hop])
        speed = np.abs(take.state["bow_speed"])[: rms.size] * take.state["on_string"][: rms.size]
        assert np.corrcoef(rms[: speed.size], speed)[0, 1] > 0.5
