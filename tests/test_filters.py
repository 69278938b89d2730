"""Classical baselines: interpolation exactness, smoothing behaviour, SMA midpoints, errors, no mutation."""
import numpy as np
import pytest

from pose_audio_refine import filters
from pose_audio_refine.filters import (FILTERS, fill_gaps, gaussian, one_euro, refine_classical, savgol, sma,
                                       sma_upsample, upsample)

RNG = np.random.default_rng(0)


def _track(fn, fps, n, joints=3):
    """Track whose joint j, coordinate c follows ``(j + 1) * (c + 1) * fn(t)`` + offset, sampled at ``fps``."""
    t = np.arange(n) / fps
    scale = (np.arange(joints)[:, None] + 1) * (np.arange(3)[None, :] + 1)
    return fn(t)[:, None, None] * scale + 100.0 * scale, t


@pytest.mark.parametrize("fps_in,n", [(25, 75), (17, 51), (50, 150)])
def test_linear_upsample_of_linear_motion_is_exact(fps_in, n):
    x, _ = _track(lambda t: 300.0 * t - 20.0, fps_in, n)
    out, t_out = upsample(x, fps_in, 50)
    assert out.shape == (150, 3, 3) and np.allclose(t_out, np.arange(150) / 50)
    inside = t_out <= (n - 1) / fps_in
    expected, _ = _track(lambda t: 300.0 * t - 20.0, 50, 150)
    np.testing.assert_allclose(out[inside], expected[inside], atol=1e-9)
    # past the last input frame the last value is held
    np.testing.assert_allclose(out[~inside], np.broadcast_to(x[-1], out[~inside].shape))


def test_cubic_upsample_of_cubic_is_exact_and_beats_linear():
    poly = lambda t: 40.0 * t ** 3 - 90.0 * t ** 2 + 30.0 * t  # noqa: E731
    x, _ = _track(poly, 17, 51)
    out_c, t_out = upsample(x, 17, 50, kind="cubic")
    out_l, _ = upsample(x, 17, 50, kind="linear")
    expected, _ = _track(poly, 50, 150)
    inside = (t_out >= 2 / 17) & (t_out <= 48 / 17)
    np.testing.assert_allclose(out_c[inside], expected[inside], atol=1e-8)
    assert np.abs(out_l[inside] - expected[inside]).max() > 1e-3  # linear is not exact: the test can fail


def test_upsample_fills_nan_gaps_by_interpolation():
    x, _ = _track(lambda t: 100.0 * t, 25, 75)
    holed = x.copy()
    holed[10:14] = np.nan  # whole frames missing
    holed[30, 1] = np.nan  # one joint missing
    out, _ = upsample(holed, 25, 50)
    ref, _ = upsample(x, 25, 50)
    np.testing.assert_allclose(out, ref, atol=1e-9)  # linear motion: the gap is recovered exactly
    out_c, _ = upsample(holed, 25, 50, kind="cubic")
    assert np.isfinite(out_c).all()


def test_upsample_with_times_in_and_frame_count():
    x, t = _track(lambda t: 50.0 * t, 20, 60)
    out, t_out = upsample(x, 20, 30, times_in=t)
    assert out.shape[0] == 90 and np.allclose(t_out, np.arange(90) / 30)  # floor(3.0 s * 30)
    # dropped frames given by timestamps: still exact for linear motion
    keep = np.r_[0:20, 25:60]
    out2, _ = upsample(x[keep], 20, 30, times_in=t[keep])
    np.testing.assert_allclose(out2, out, atol=1e-9)


def test_sma_upsample_matches_hand_computed_midpoints():
    # 1 joint, x coordinate 0, 3, 6, 12 at 25 fps; SMA window 3 centred, shrinking at the ends:
    # s = [(0+3)/2, (0+3+6)/3, (3+6+12)/3, (6+12)/2] = [1.5, 3, 7, 9]
    x = np.zeros((4, 1, 3))
    x[:, 0, 0] = [0, 3, 6, 12]
    np.testing.assert_allclose(sma(x, 3)[:, 0, 0], [1.5, 3, 7, 9])
    out, t_out = sma_upsample(x, 25, 50, window=3)
    # midpoints inserted, last SMA value held to fill 4 frames * 2 = 8 output frames
    np.testing.assert_allclose(out[:, 0, 0], [1.5, 2.25, 3, 5, 7, 8, 9, 9])
    np.testing.assert_allclose(t_out, np.arange(8) / 50)
    # tau = 1/3: two intermediate points
    out3, _ = sma_upsample(x, 50 / 3, 50, window=3)
    np.testing.assert_allclose(out3[:4, 0, 0], [1.5, 2.0, 2.5, 3.0])
    # trailing SMA: s = [0, 1.5, 3, 7]
    np.testing.assert_allclose(sma(x, 3, centered=False)[:, 0, 0], [0, 1.5, 3, 7])


def test_sma_upsample_integer_ratio_equals_linear_between_sma_points():
    x = RNG.normal(size=(75, 13, 3)) * 50
    out, t = sma_upsample(x, 25, 50, window=5)
    ref, t_ref = upsample(sma(x, 5), 25, 50)
    np.testing.assert_allclose(out, ref, atol=1e-9)
    assert out.shape == (150, 13, 3)
    out17, _ = sma_upsample(x[:51], 17, 50, window=5)  # non-integer ratio path
    assert out17.shape == (150, 13, 3)


def test_one_euro_reduces_jitter_on_constant_signal_and_tracks_it():
    truth = np.full((300, 13, 3), 250.0)
    noisy = truth + RNG.normal(scale=20.0, size=truth.shape)
    out = one_euro(noisy, fps=50, min_cutoff=0.5, beta=0.0)
    err_in = np.abs(noisy - truth)[50:].mean()
    err_out = np.abs(out - truth)[50:].mean()
    assert err_out < 0.3 * err_in
    assert np.diff(out, axis=0).std() < 0.2 * np.diff(noisy, axis=0).std()


def test_one_euro_beta_reduces_lag_on_a_ramp():
    ramp, _ = _track(lambda t: 2000.0 * t, 50, 100, joints=1)
    slow = one_euro(ramp, 50, min_cutoff=0.5, beta=0.0)
    fast = one_euro(ramp, 50, min_cutoff=0.5, beta=0.05)
    assert np.abs(fast - ramp)[-1].max() < np.abs(slow - ramp)[-1].max()


@pytest.mark.parametrize("fn,kw", [(savgol, dict(window=9, polyorder=2)), (gaussian, dict(sigma=3.0)),
                                   (sma, dict(window=5))])
def test_smoothers_preserve_a_line_and_reduce_noise(fn, kw):
    line, _ = _track(lambda t: 120.0 * t + 5.0, 50, 120)
    out = fn(line, **kw)
    # savgol is exact everywhere (mode="interp"); gaussian/sma are exact away from the edges
    inner = slice(13, -13)  # gaussian sigma 3 reaches 4 sigma = 12 frames
    np.testing.assert_allclose(out[inner], line[inner], atol=1e-8)
    noisy = line + RNG.normal(scale=10.0, size=line.shape)
    assert np.abs(fn(noisy, **kw) - line)[inner].mean() < 0.6 * np.abs(noisy - line)[inner].mean()


def test_fill_gaps_and_nan_aware_smoothers():
    x, _ = _track(lambda t: 100.0 * t, 50, 40)
    holed = x.copy()
    holed[0:3, 0] = np.nan
    holed[20:25] = np.nan
    filled = fill_gaps(holed)
    np.testing.assert_allclose(filled[20:25], x[20:25], atol=1e-9)  # interior gap: interpolated
    np.testing.assert_allclose(filled[0:3, 0], np.broadcast_to(x[3, 0], (3, 3)))  # leading gap: held
    for name in FILTERS:
        out, _ = refine_classical(name, holed, 50, 50)
        assert np.isfinite(out).all(), name


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_registry_common_signature_and_no_mutation(name):
    x = RNG.normal(size=(51, 13, 3)) * 30 + 500
    x[7, 3] = np.nan
    before = x.copy()
    out, t = refine_classical(name, x, 17, 50)
    assert out.shape == (150, 13, 3) and t.shape == (150,)
    np.testing.assert_array_equal(x, before)  # NaN-equal too


def test_direct_functions_do_not_modify_input():
    x = RNG.normal(size=(60, 13, 3))
    x[5, 2] = np.nan
    before = x.copy()
    for f in (lambda a: sma(a, 5), lambda a: one_euro(a, 30), lambda a: savgol(a, 7, 2),
              lambda a: gaussian(a, 1.0), lambda a: upsample(a, 30, 50, "cubic"), fill_gaps,
              lambda a: sma_upsample(a, 30, 60, 3)):
        f(x)
        np.testing.assert_array_equal(x, before)


def test_bad_input_errors():
    x = RNG.normal(size=(20, 13, 3))
    with pytest.raises(ValueError, match="window"):
        sma(x, 21)
    with pytest.raises(ValueError, match="odd"):
        savgol(x, 8, 2)
    with pytest.raises(ValueError, match="polyorder"):
        savgol(x, 5, 5)
    with pytest.raises(ValueError, match="longer than the track"):
        savgol(x, 21, 2)
    with pytest.raises(ValueError, match="sigma"):
        gaussian(x, 0.0)
    with pytest.raises(ValueError, match="min_cutoff"):
        one_euro(x, 50, min_cutoff=-1)
    with pytest.raises(ValueError, match="beta"):
        one_euro(x, 50, beta=-0.1)
    with pytest.raises(ValueError, match="fps_in"):
        upsample(x, 0, 50)
    with pytest.raises(ValueError, match="kind"):
        upsample(x, 25, 50, kind="quadratic")
    with pytest.raises(ValueError, match=r"\(T, J, 3\)"):
        upsample(x[..., :2], 25, 50)
    with pytest.raises(ValueError, match="times_in"):
        upsample(x, 25, 50, times_in=np.arange(20)[::-1])
    with pytest.raises(ValueError, match="unknown classical method"):
        refine_classical("kalman", x, 25)
    with pytest.raises(TypeError, match="window"):
        sma(x, 2.5)
    holed = x.copy()
    holed[:, 4] = np.nan
    with pytest.raises(ValueError, match="joint"):
        fill_gaps(holed)
    with pytest.raises(ValueError, match="all NaN"):
        upsample(np.full((5, 13, 3), np.nan), 25, 50)


def test_module_exports():
    assert set(filters.__all__) >= {"upsample", "sma_upsample", "one_euro", "savgol", "gaussian",
                                    "refine_classical", "FILTERS"}
