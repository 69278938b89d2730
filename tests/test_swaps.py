"""Left/right swaps undone by continuity in sparse input frames (pose_audio_refine.swaps)."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from pose_audio_refine.swaps import least_motion_labels, unswap_windows


def _pair_track(n: int = 51, fps: float = 17.0, seed: int = 0) -> np.ndarray:
    """Two wrists ~300 mm apart, bowing-like sweeps, 3 mm jitter: ``(1, n, 2, 3)`` mm."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / fps
    x = np.zeros((1, n, 2, 3))
    x[0, :, 0, 0] = -150.0 + 150.0 * np.sin(2 * np.pi * 0.7 * t)
    x[0, :, 1, 0] = 150.0 + 60.0 * np.sin(2 * np.pi * 0.3 * t)
    x[0, :, :, 1] = 120.0 * np.cos(2 * np.pi * 0.5 * t)[:, None]
    return x + rng.normal(0, 3, x.shape)


def test_least_motion_labels_is_the_exact_minimum():
    rng = np.random.default_rng(1)
    a, b = rng.normal(0, 100, (1, 6, 1, 3)), rng.normal(0, 100, (1, 6, 1, 3))
    cost = np.full((1, 1), 5.0)

    def total(flips):
        f = np.array(flips, bool)[:, None]
        ya, yb = np.where(f, b[0, :, 0], a[0, :, 0]), np.where(f, a[0, :, 0], b[0, :, 0])
        return (np.linalg.norm(np.diff(ya, axis=0), axis=1).sum() + np.linalg.norm(np.diff(yb, axis=0), axis=1).sum()
                + 5.0 * f.sum())

    best = min(itertools.product([0, 1], repeat=6), key=total)
    got = least_motion_labels(a, b, cost)[0, :, 0]
    assert total(got.astype(int)) == pytest.approx(total(best))


def test_long_swap_with_gaps_is_undone_and_the_input_is_untouched():
    truth = _pair_track()
    x = truth.copy()
    x[0, 15:38] = x[0, 15:38, ::-1]  # 23 of 51 frames (1.35 s at 17 fps) swapped
    x[0, 20:23] = np.nan  # a drop burst inside the swap
    x[0, 40, 1] = np.nan  # one joint missing in one frame
    before = x.copy()
    out = unswap_windows(x, [(0, 1)])
    np.testing.assert_array_equal(x, before)
    expect = truth.copy()
    expect[0, 20:23] = np.nan
    expect[0, 40, 1] = np.nan
    np.testing.assert_allclose(out, expect)


def test_continuous_motion_and_very_noisy_input_keep_their_labels():
    # a half turn: the two joints rotate through 180 degrees and pass each other's places continuously
    ang = np.linspace(0, np.pi, 51)
    turn = np.zeros((1, 51, 2, 3))
    turn[0, :, 0, 0], turn[0, :, 0, 1] = -200 * np.cos(ang), -200 * np.sin(ang)
    turn[0, :, 1] = -turn[0, :, 0]
    np.testing.assert_allclose(unswap_windows(turn, [(0, 1)]), turn)
    # feet crossing: one joint walks past the other
    cross = _pair_track()
    cross[0, :, 0, 0] = np.linspace(-400, 400, 51)
    np.testing.assert_allclose(unswap_windows(cross, [(0, 1)]), cross)
    # the paper's 300 mm jitter with a swap: continuity means nothing there, nothing is touched
    noisy = _pair_track() + np.random.default_rng(2).normal(0, 300, (1, 51, 2, 3))
    noisy[0, 10:20] = noisy[0, 10:20, ::-1]
    np.testing.assert_allclose(unswap_windows(noisy, [(0, 1)]), noisy)


def test_unswap_windows_shapes_and_edge_cases():
    x = _pair_track()
    np.testing.assert_allclose(unswap_windows(x, []), x)
    np.testing.assert_allclose(unswap_windows(x[:, :1], [(0, 1)]), x[:, :1])
    gone = x.copy()
    gone[0, :, 1] = np.nan  # one joint never seen: nothing to compare against
    np.testing.assert_allclose(unswap_windows(gone, [(0, 1)]), gone)
    with pytest.raises(ValueError, match=r"\(N, T, J, 3\)"):
        unswap_windows(x[0], [(0, 1)])
    with pytest.raises(ValueError, match="max_jump"):
        unswap_windows(x, [(0, 1)], max_jump=0.0)
