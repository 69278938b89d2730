"""The noise gate (pose_audio_refine.pipeline.gate_windows): the network's change passes in proportion to the white
jitter the input frames evidently carry, so a clean track comes back as it went in and a jittery one is refined."""
import numpy as np
import pytest
import torch

from pose_audio_refine import Refiner
from pose_audio_refine.pipeline import (GATE_POWER, GATE_SHARE, NOISE_GATE_MM, gate_windows, jitter_share,
                                        refine_windows, white_noise_mm)


def _smooth_window(fps: float = 15.0, seconds: float = 3.0) -> np.ndarray:
    """(T, 13, 3) mm: every joint on its own slow curve (a body moving at 0.3-1.2 Hz, hundreds of mm)."""
    t = np.arange(int(seconds * fps)) / fps
    j = np.arange(13)[None, :, None]
    c = np.arange(3)[None, None, :]
    return 300.0 * np.sin(2 * np.pi * (0.3 + 0.07 * j) * t[:, None, None] + 0.5 * c + 0.3 * j) + 40.0 * j


def _jitter(rng, shape, rms_mm: float) -> np.ndarray:
    return rng.normal(0.0, rms_mm / np.sqrt(3.0), shape)  # RMS 3-D length rms_mm


def test_white_noise_estimate_sees_jitter_and_not_smooth_motion():
    rng = np.random.default_rng(0)
    x = _smooth_window()
    assert white_noise_mm(x).max() < 3.0     # hundreds of mm of smooth motion at up to 1.1 Hz: (almost) no jitter
    est = np.concatenate([white_noise_mm(x + _jitter(rng, x.shape, 10.0)) for _ in range(20)])
    assert np.median(est) == pytest.approx(10.0, rel=0.1)        # 10 mm of jitter reads as 10 mm
    est30 = np.concatenate([white_noise_mm(x + _jitter(rng, x.shape, 30.0)) for _ in range(20)])
    assert np.median(est30) == pytest.approx(30.0, rel=0.1)
    assert np.isinf(white_noise_mm(x[:6])).all()                 # too few frames: no evidence
    gappy = x + _jitter(rng, x.shape, 10.0)
    gappy[::3, 4] = np.nan                                       # every third frame of a joint missing
    est_gappy = white_noise_mm(gappy)
    assert np.isinf(est_gappy[4]) and np.isfinite(np.delete(est_gappy, 4)).all()


def test_gate_passes_nothing_on_clean_input_and_nearly_all_on_jitter():
    rng = np.random.default_rng(1)
    t = np.arange(45) / 15.0                                     # a still pose walked at 1.2 m/s: no jitter at all
    clean = (rng.normal(0, 300, (13, 3))[None] + 1200.0 * t[:, None, None] * np.array([1.0, 0.0, 0.0]))[None]
    grids = rng.normal(0, 100, (1, 150, 13, 3))
    refined = grids + 20.0
    np.testing.assert_allclose(gate_windows(clean, grids, refined), grids, atol=1e-6)   # identity
    noisy = clean + _jitter(rng, clean.shape, 100.0)
    out = gate_windows(noisy, grids, refined)
    gain = (out - grids) / 20.0
    assert gain.min() > 0.98 and gain.max() <= 1.0
    grids_nan = grids.copy()
    grids_nan[:, :, 3] = np.nan                                  # a joint never observed: the network's value
    assert np.array_equal(gate_windows(clean, grids_nan, refined)[:, :, 3], refined[:, :, 3])
    with pytest.raises(ValueError, match="gate_mm"):
        gate_windows(clean, grids, refined, gate_mm=0.0)


class _Shift(torch.nn.Module):
    """A stand-in network that moves every joint by +25 mm in x: a change the gate must scale."""

    def __init__(self):
        super().__init__()
        self.p = torch.nn.Parameter(torch.zeros(1))  # run_network finds the device from the parameters

    def forward(self, poses, audio):
        return poses + torch.tensor([25.0, 0.0, 0.0])


def test_refine_windows_gate_matches_its_formula():
    rng = np.random.default_rng(2)
    frames = _smooth_window()[None] + _jitter(rng, (1, 45, 13, 3), 6.0)
    times = np.arange(45) / 15.0
    ungated, grids, _ = refine_windows(_Shift(), frames, times, None, unswap=False, guard=False, gate_mm=None)
    gated, _, _ = refine_windows(_Shift(), frames, times, None, unswap=False, guard=False, smooth=False)  # the gate alone
    n, share = white_noise_mm(frames[0]), jitter_share(frames[0])
    lo, hi = GATE_SHARE
    expected = n ** GATE_POWER / (n ** GATE_POWER + NOISE_GATE_MM ** GATE_POWER) * np.clip((share - lo) / (hi - lo), 0, 1)
    assert ((0.05 < expected) & (expected < 0.95)).any()    # the jitter sits where the gate is partly open
    np.testing.assert_allclose(ungated - grids, np.broadcast_to([25.0, 0.0, 0.0], grids.shape), atol=1e-4)
    np.testing.assert_allclose((gated - grids)[0, :, :, 0], np.broadcast_to(25.0 * expected, (150, 13)), atol=1e-4)


@pytest.mark.parametrize("bad", [0, -1.0, float("inf"), float("nan"), True, "6", "on"])
def test_refiner_rejects_a_bad_gate(bad):
    with pytest.raises(ValueError, match="noise_gate_mm"):
        Refiner(noise_gate_mm=bad)


def test_gate_is_on_for_weights_files_and_off_for_a_bare_module():
    from pose_audio_refine.pipeline import NOISE_GATE_MM as default

    assert Refiner(progress=False).noise_gate_mm == default           # the bundled weights: on
    assert Refiner(progress=False, noise_gate_mm=None).noise_gate_mm is None
    assert Refiner(progress=False, noise_gate_mm=3).noise_gate_mm == 3.0
    assert Refiner(torch.nn.Identity(), progress=False).noise_gate_mm is None   # a bare module: as it is


def test_gate_stays_shut_on_clean_fast_motion_that_reads_as_jitter():
    """Real motion as fast as the frame rate resolves (here 2.5 Hz at 12.5 fps) reads as tens of mm of "jitter", but its
    bends are its own: the jitter's share shuts the gate, while the same motion with real jitter on it opens it."""
    rng = np.random.default_rng(3)
    t = np.arange(38) / 12.5
    fast = (150.0 * np.sin(2 * np.pi * 2.5 * t)[:, None, None] * np.ones((1, 13, 3)))[None]
    grids = rng.normal(0, 100, (1, 150, 13, 3))
    refined = grids + 20.0
    assert np.median(white_noise_mm(fast[0])) > 2 * NOISE_GATE_MM                 # reads as jitter ...
    np.testing.assert_allclose(gate_windows(fast, grids, refined), grids, atol=1e-6)  # ... but the gate stays shut
    slow = (150.0 * np.sin(2 * np.pi * 0.3 * t)[:, None, None] * np.ones((1, 13, 3)))[None]
    out = gate_windows(slow + _jitter(rng, slow.shape, 30.0), grids, refined)
    assert np.median((out - grids) / 20.0) > 0.9
