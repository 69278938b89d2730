"""The output smoothing (pose_audio_refine.pipeline.smooth_windows): what the network leaves of the input's jitter is
smoothed as widely as that jitter is large, the audio detail only lightly; clean input, travel and every window's
mean are left alone."""
import numpy as np
import pytest
import torch

from pose_audio_refine.pipeline import (DETAIL_SMOOTH_HEAVY_MM, DETAIL_SMOOTH_HEAVY_SLOTS, DETAIL_SMOOTH_SLOTS, SMOOTH_HEAVY, SMOOTH_JITTER_MM,
                                        SMOOTH_MAX_SLOTS, SMOOTH_SHARE, detail_smoothing_widths, jitter_share,
                                        refine_windows, smooth_windows, smoothing_widths)


def _accel(x: np.ndarray) -> float:
    return float(np.abs(np.diff(x, 2, axis=1)).mean())


def test_widths_follow_the_evident_jitter_and_its_share():
    lo, hi = SMOOTH_JITTER_MM
    (h_lo, h_hi), extra = SMOOTH_HEAVY
    assert hi <= h_lo
    noise = np.array([[0.0, lo, (lo + hi) / 2, hi, (h_lo + h_hi) / 2, 10 * h_hi, np.inf]])
    w = smoothing_widths(noise, np.ones_like(noise))
    top = SMOOTH_MAX_SLOTS
    np.testing.assert_allclose(w, [[0.0, 0.0, top / 2, top, top + extra / 2, top + extra, top]])
    s_lo, s_hi = SMOOTH_SHARE
    share = np.array([[0.0, s_lo, (s_lo + s_hi) / 2, s_hi]])
    np.testing.assert_allclose(smoothing_widths(np.full((1, 4), hi), share),  # moderate jitter, the share's ramp
                               [[0.0, 0.0, SMOOTH_MAX_SLOTS / 2, SMOOTH_MAX_SLOTS]])
    with pytest.raises(ValueError, match="jitter_mm"):
        smoothing_widths(noise, noise, (5.0, 5.0))
    with pytest.raises(ValueError, match="max_slots"):
        smoothing_widths(noise, noise, max_slots=-1.0)


def test_detail_smoothing_widens_only_under_heavy_jitter():
    """The audio detail keeps its sharp bow changes at the jitter of fast-stroke video (up to ~30 mm) and is smoothed
    more only where the input is so noisy that its timing is not sharp (the paper's noise)."""
    h_lo, h_hi = DETAIL_SMOOTH_HEAVY_MM
    noise = np.array([[0.0, 30.0, h_lo, (h_lo + h_hi) / 2, h_hi, 10 * h_hi, np.inf]])
    w = detail_smoothing_widths(noise)
    d, extra = DETAIL_SMOOTH_SLOTS, DETAIL_SMOOTH_HEAVY_SLOTS
    np.testing.assert_allclose(w, [[d, d, d, d + extra / 2, d + extra, d + extra, d]])
    assert extra > 0 and h_lo > 30.0
    with pytest.raises(ValueError, match="detail smoothing"):
        detail_smoothing_widths(noise, heavy_mm=(50.0, 50.0))
    with pytest.raises(ValueError, match="detail smoothing"):
        detail_smoothing_widths(noise, heavy_slots=-1.0)


def test_jitter_share_tells_jitter_from_fast_motion():
    rng = np.random.default_rng(5)
    t = np.arange(38) / 12.5
    fast = 150.0 * np.sin(2 * np.pi * 2.5 * t)[:, None, None] * np.ones((1, 13, 3))  # 2.5 Hz at 12.5 fps
    jitter = rng.normal(0, 10 / np.sqrt(3), fast.shape)
    slow = 150.0 * np.sin(2 * np.pi * 0.3 * t)[:, None, None] * np.ones((1, 13, 3))
    assert np.median(jitter_share(slow + jitter)) > 0.8          # bends all jitter: smooth
    assert np.median(jitter_share(fast + jitter)) < 0.4          # bends mostly real motion: leave it
    assert np.median(jitter_share(fast)) < 0.3


def test_zero_width_and_no_detail_is_the_identity():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 50, (2, 150, 13, 3))
    out = smooth_windows(x, np.zeros_like(x), np.zeros((2, 13)))
    np.testing.assert_allclose(out, x, atol=1e-9)
    assert out is not x


def test_smoothing_keeps_means_and_straight_line_travel_and_removes_jitter():
    rng = np.random.default_rng(1)
    t = np.arange(150) / 50.0
    travel = 1500.0 * t[None, :, None, None] * np.array([1.0, 0.3, 0.0]) + rng.normal(0, 300, (1, 1, 13, 3))
    out = smooth_windows(travel, np.zeros_like(travel), np.full((1, 13), 2.0))
    np.testing.assert_allclose(out, travel, atol=1e-6)           # a body crossing the floor is not pulled back
    jittery = travel + rng.normal(0, 10, travel.shape)
    before = jittery.copy()
    out = smooth_windows(jittery, np.zeros_like(jittery), np.full((1, 13), 2.0))
    np.testing.assert_array_equal(jittery, before)               # the input is not modified
    np.testing.assert_allclose(out.mean(axis=1), jittery.mean(axis=1), atol=1e-6)   # nobody is relocated
    assert _accel(out) < 0.2 * _accel(jittery)
    assert np.abs(out - travel).mean() < 0.6 * np.abs(jittery - travel).mean()


def test_detail_is_smoothed_only_lightly_and_widths_blend():
    t = np.arange(150) / 50.0
    stroke = 20.0 * np.sign(np.sin(2 * np.pi * 5.0 * t))        # a 10 bow changes/s square wave, mm
    detail = np.zeros((1, 150, 13, 3))
    detail[0, :, 5, 0] = stroke
    out = smooth_windows(detail, detail, np.full((1, 13), SMOOTH_MAX_SLOTS))
    kept = out[0, :, 5, 0]
    assert np.corrcoef(kept, stroke)[0, 1] > 0.9                 # the strokes survive
    assert np.abs(kept).max() > 15.0
    as_base = smooth_windows(detail, np.zeros_like(detail), np.full((1, 13), SMOOTH_MAX_SLOTS))[0, :, 5, 0]
    assert np.abs(as_base).max() < np.abs(kept).max()           # the same motion as the non-audio part: smoothed more
    assert DETAIL_SMOOTH_SLOTS < SMOOTH_MAX_SLOTS
    x = np.random.default_rng(2).normal(0, 30, (1, 150, 13, 3))
    zero = np.zeros_like(x)
    a, b = (smooth_windows(x, zero, np.full((1, 13), w)) for w in (1.0, 1.5))
    np.testing.assert_allclose(smooth_windows(x, zero, np.full((1, 13), 1.25)), (a + b) / 2, atol=1e-9)


def test_never_observed_joints_stay_missing():
    x = np.random.default_rng(3).normal(0, 30, (1, 150, 13, 3))
    x[0, :, 4] = np.nan
    out = smooth_windows(x, np.zeros_like(x), np.full((1, 13), 2.0))
    assert np.isnan(out[0, :, 4]).all() and np.isfinite(np.delete(out, 4, axis=2)).all()


class _Jitter(torch.nn.Module):
    """A stand-in network that adds 30 mm of slot-to-slot jitter: what the smoothing must take out."""

    def __init__(self):
        super().__init__()
        self.p = torch.nn.Parameter(torch.zeros(1))

    def forward(self, poses, audio):
        g = torch.Generator().manual_seed(0)
        return poses + 30.0 * torch.randn(poses.shape, generator=g, dtype=poses.dtype)


def test_refine_windows_smooths_jittery_input_and_leaves_clean_input_and_bare_nets_alone():
    rng = np.random.default_rng(4)
    times = np.arange(45) / 15.0
    smooth_track = 300.0 * np.sin(2 * np.pi * 0.5 * times)[None, :, None, None] + rng.normal(0, 200, (1, 1, 13, 3))
    noisy = smooth_track + rng.normal(0, 40 / np.sqrt(3), (1, 45, 13, 3))
    on, grids, _ = refine_windows(_Jitter(), noisy, times, None, unswap=False, guard=False)
    off, _, _ = refine_windows(_Jitter(), noisy, times, None, unswap=False, guard=False, smooth=False)
    assert _accel(on) < 0.3 * _accel(off)
    bare, _, _ = refine_windows(_Jitter(), noisy, times, None, unswap=False, guard=False, gate_mm=None)
    np.testing.assert_allclose(bare, off, atol=0.05)             # no gate (gain 0.9999 here): no smoothing either
    clean, grids, _ = refine_windows(_Jitter(), smooth_track, times, None, unswap=False, guard=False)
    np.testing.assert_allclose(clean, grids, atol=1e-3)          # clean input: gated out, nothing smoothed


def test_mapnet_returns_its_audio_detail_on_request():
    from pose_audio_refine.checkpoint import load_weights

    net, _ = load_weights()
    torch.manual_seed(0)
    poses = torch.randn(2, 150, 13, 3) * 50 + 300
    audio = torch.randn(2, 150, 35)
    with torch.inference_mode():
        plain = net(poses, audio)
        out, detail = net(poses, audio, return_detail=True)
        _, silent = net(poses, None, return_detail=True)
    assert torch.equal(out, plain)
    assert detail.abs().max() > 0.01 and torch.equal(silent, torch.zeros_like(silent))


class _StrayWithDetail(torch.nn.Module):
    """A stand-in for a net with an audio detail whose output strays 1 m from its input: the guard must replace the
    window, and the detail with it."""

    def __init__(self):
        super().__init__()
        self.p = torch.nn.Parameter(torch.zeros(1))
        self.detail = torch.nn.Identity()  # run_network asks nets that have one for their detail

    def forward(self, poses, audio, return_detail=False):
        g = torch.Generator().manual_seed(1)
        detail = 30.0 * torch.randn(poses.shape, generator=g, dtype=poses.dtype)  # slot-to-slot: smoothed apart
        out = poses + 1000.0 + detail
        return (out, detail) if return_detail else out


def test_a_guarded_window_keeps_no_detail():
    from scipy.ndimage import gaussian_filter1d

    from pose_audio_refine.pipeline import GUARD_FALLBACK_SIGMA_SLOTS, grid_windows, window_noise_mm

    rng = np.random.default_rng(6)
    times = np.arange(45) / 15.0
    frames = rng.normal(0, 200, (1, 1, 13, 3)) + rng.normal(0, 40, (1, 45, 13, 3))
    out, grids, n_guarded = refine_windows(_StrayWithDetail(), frames, times, None, unswap=False, guard=True,
                                           gate_mm=None, smooth=True)
    assert n_guarded == 1
    light = gaussian_filter1d(grid_windows(frames, times, unswap=False), GUARD_FALLBACK_SIGMA_SLOTS, axis=1,
                              mode="nearest")
    widths = smoothing_widths(*window_noise_mm(frames))
    assert widths.min() > 0                                      # the jitter is smoothed as usual ...
    np.testing.assert_allclose(out, smooth_windows(light, np.zeros_like(light), widths), atol=1e-6)  # ... no detail


class _Identity(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.p = torch.nn.Parameter(torch.zeros(1))

    def forward(self, poses, audio):
        return poses + 0.0 * self.p


def test_ten_mm_of_jitter_on_slow_motion_is_smoothed():
    """A violinist's slow motion seen through 10 mm of white jitter at 25 fps (the do-no-harm sweep's white10 level):
    the jitter's share of the bends is ~1, so what the network leaves of it is smoothed -- here by a network that
    changes nothing, the jerk of the interpolated noisy frames more than halves and the track moves closer to the
    truth. (With the previous ramps, (8, 25) mm and a share of (0.6, 1.0), it was cut by 8 %: this test failed.)"""
    from pose_audio_refine.pipeline import SLOT_TIMES

    rng = np.random.default_rng(7)
    times = np.arange(75) / 25.0
    phase = rng.uniform(0, 2 * np.pi, (1, 1, 13, 3))
    truth_at = lambda t: 120.0 * np.sin(2 * np.pi * 0.4 * t[None, :, None, None] + phase)  # noqa: E731
    noisy = truth_at(times) + rng.normal(0, 10 / np.sqrt(3), (1, 75, 13, 3))
    gt = truth_at(SLOT_TIMES)
    out, grids, _ = refine_windows(_Identity(), noisy, times, None, unswap=False, guard=False)

    def errors(pred):
        return (float(np.abs(np.diff(pred - gt, 2, axis=1)).mean()), float(np.linalg.norm(pred - gt, axis=-1).mean()))

    (accel, pos), (accel_in, pos_in) = errors(out), errors(grids)
    assert accel < 0.5 * accel_in
    assert pos < pos_in
