"""Estimator-noise models (training.noise): statistics of both presets, masks, rates, input safety."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from training.noise import (PAPER, REALISTIC, TELMI13_PAIRS, NoiseConfig, apply_noise, config_hash, downsample,
                            get_preset, mpjpe, sample_events)

# telmi13 rest pose, mm: C7, RSHO, LSHO, RMEL, LMEL, RMWR, LMWR, RBWT, LBWT, RKNE, LKNE, RTOE, LTOE
REST = np.array([[150, 0, 1450], [330, 0, 1400], [-30, 0, 1400], [420, 80, 1150], [-150, 150, 1200],
                 [350, 250, 1050], [-100, 450, 1350], [250, -30, 1000], [50, -30, 1000], [260, 30, 500],
                 [40, 30, 500], [260, 100, 0], [0, 100, 0]], float)


def violin_like(seed: int, duration: float = 60.0, fps: float = 50.0) -> np.ndarray:
    """Smooth violinist-like telmi13 motion: bowing right arm at a varying stroke rate, sway, vibrato."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(round(duration * fps))) / fps
    x = np.repeat(REST[None], len(t), axis=0)
    rate = np.clip(1.0 + 1.5 * np.sin(2 * np.pi * t / 7 + rng.uniform(0, 6)), 0.3, None)  # strokes pairs / s
    bow = 300.0 * np.sin(2 * np.pi * np.cumsum(rate) / fps)
    d = np.array([0.9, -0.3, 0.1]) / np.linalg.norm([0.9, -0.3, 0.1])
    x[:, 5] += bow[:, None] * d
    x[:, 3] += 0.5 * bow[:, None] * d
    x[:, 6, 1] += 3.0 * np.sin(2 * np.pi * 6 * t)
    x[:, :11, 0] += 15.0 * np.sin(2 * np.pi * 0.2 * t + rng.uniform(0, 6))[:, None]
    return x


@pytest.fixture(scope="module")
def long_track() -> np.ndarray:
    return violin_like(0, duration=20 * 60.0)  # 20 minutes at 50 fps


def test_paper_jitter_std_per_coordinate(long_track):
    cfg = PAPER.replace(swap_per_min=0.0)
    nt = apply_noise(long_track, 50.0, cfg, np.random.default_rng(1))
    err = nt.poses - long_track
    assert abs(err.std() - 300.0) < 3.0
    assert np.abs(err.mean()) < 3.0
    # per-axis too: i.i.d. per coordinate, not per joint norm
    assert np.allclose(err.reshape(-1, 3).std(axis=0), 300.0, rtol=0.02)
    norm_cfg = cfg.replace(jitter_mode="norm")
    nt2 = apply_noise(long_track, 50.0, norm_cfg, np.random.default_rng(1))
    rms_norm = np.sqrt(np.mean(np.sum((nt2.poses - long_track) ** 2, axis=-1)))
    assert abs(rms_norm - 300.0) < 3.0
    assert not nt.drop_mask.any() and np.all(nt.confidence == 1.0)


def test_paper_swap_rate_and_durations(long_track):
    n_events, durations = [], []
    for seed in range(5):
        ev = sample_events(20 * 60.0, PAPER, np.random.default_rng(seed))
        n_events.append(len(ev.swaps))
        durations += [d for _, d, _ in ev.swaps]
    rate = np.mean(n_events) / 20.0
    assert 4.3 < rate < 5.7  # 5 / min; 500 expected events in all -> 3 sigma ~ 0.67 / min
    assert min(durations) >= 0.5 and max(durations) <= 3.0
    assert abs(np.mean(durations) - 1.75) < 0.12
    # the mask matches the events, and swapped joints really show their partner
    cfg = PAPER.replace(jitter_std_mm=0.0)
    nt = apply_noise(long_track, 50.0, cfg, np.random.default_rng(3))
    t = np.arange(len(long_track)) / 50.0
    start, length, p = nt.events.swaps[0]
    a, b = TELMI13_PAIRS[p]
    inside = (t >= start) & (t < start + length)
    assert nt.swap_mask[inside][:, [a, b]].all()
    np.testing.assert_array_equal(nt.poses[inside, a], long_track[inside, b])
    np.testing.assert_array_equal(nt.poses[~nt.swap_mask], long_track[~nt.swap_mask])
    assert 5 * PAPER.swap_per_min * 20 > len(nt.events.swaps) > 0


@pytest.mark.parametrize("fps", [50.0, 25.0, 17.0])
def test_realistic_error_size_depth_and_confidence(long_track, fps):
    x, times = downsample(long_track[: 50 * 240], 50.0, fps)  # 4 minutes
    nt = apply_noise(x, fps, REALISTIC, np.random.default_rng(7), times=times)
    assert 40.0 <= mpjpe(nt.poses, x) <= 100.0
    err = nt.poses - x
    clean = ~(nt.swap_mask | nt.outlier_mask | nt.drop_mask[:, None])
    med = [np.median(np.abs(err[..., k][clean])) for k in range(3)]
    assert med[1] > 1.8 * med[0] and med[1] > 1.8 * med[2]  # depth (y, camera axis) 2-3x the image plane
    assert med[1] < 3.5 * max(med[0], med[2])
    # frame-to-frame jitter of the error, 5-20 mm typical
    both = clean[1:] & clean[:-1]
    step = np.median(np.linalg.norm(np.diff(err, axis=0), axis=-1)[both])
    assert 5.0 <= step <= 25.0
    e = np.linalg.norm(err, axis=-1)
    seen = ~nt.drop_mask
    rho = spearmanr(nt.confidence[seen].ravel(), e[seen].ravel())[0]
    assert rho < -0.2
    assert nt.confidence.min() >= 0.0 and nt.confidence.max() <= 1.0
    per_joint = np.nanmean(e, axis=0)
    assert per_joint[[5, 6]].mean() > per_joint[[0, 7, 8]].mean()  # wrists worse than torso


def test_blur_makes_fast_right_wrist_worst_at_low_fps(long_track):
    cfg = NoiseConfig(name="blur-only", blur_gain=0.6, shutter=0.5)
    errs = {}
    for fps in (50.0, 17.0):
        x, times = downsample(long_track[: 50 * 120], 50.0, fps)
        nt = apply_noise(x, fps, cfg, np.random.default_rng(0), times=times)
        errs[fps] = np.linalg.norm(nt.poses - x, axis=-1).mean(axis=0)
    assert errs[17.0][5] > 2.0 * errs[50.0][5]
    assert np.argmax(errs[17.0]) == 5  # RMWR


def test_realistic_swaps_favour_the_arms():
    counts = np.zeros(len(TELMI13_PAIRS))
    for seed in range(10):
        for _, _, p in sample_events(3600.0, REALISTIC, np.random.default_rng(seed)).swaps:
            counts[p] += 1
    assert counts[[0, 1, 2]].sum() > 3 * counts[[3, 4, 5]].sum()
    assert counts[2] > counts[5]


def test_drops_are_nan_where_flagged(long_track):
    cfg = REALISTIC.replace(drop_rate=0.05, drop_burst_per_min=4.0)
    x = long_track[:3000]
    nt = apply_noise(x, 50.0, cfg, np.random.default_rng(2))
    assert nt.drop_mask.any() and not nt.drop_mask.all()
    assert np.isnan(nt.poses[nt.drop_mask]).all()
    assert not np.isnan(nt.poses[~nt.drop_mask]).any()
    assert np.all(nt.confidence[nt.drop_mask] == 0.0)
    t = np.arange(len(x)) / 50.0
    for start, length in nt.events.drop_bursts:
        assert nt.drop_mask[(t >= start) & (t < start + length)].all()


def test_input_untouched_and_deterministic(long_track):
    x = long_track[:1000].copy()
    before = x.copy()
    a = apply_noise(x, 50.0, REALISTIC, np.random.default_rng(11))
    b = apply_noise(x, 50.0, REALISTIC, np.random.default_rng(11))
    c = apply_noise(x, 50.0, REALISTIC, np.random.default_rng(12))
    np.testing.assert_array_equal(x, before)
    np.testing.assert_array_equal(a.poses, b.poses)
    np.testing.assert_array_equal(a.confidence, b.confidence)
    assert not np.allclose(np.nan_to_num(a.poses), np.nan_to_num(c.poses))
    y, _ = downsample(x, 50.0, 17.0)
    np.testing.assert_array_equal(x, before)
    assert y.base is None or y.base is not x


def test_shared_events_give_the_same_swaps_at_every_rate(long_track):
    x = long_track[:1500]
    ev = sample_events(30.0, PAPER, np.random.default_rng(5))
    assert ev.swaps
    masks = {}
    for fps in (50.0, 25.0, 17.0):
        xs, times = downsample(x, 50.0, fps)
        nt = apply_noise(xs, fps, PAPER, np.random.default_rng(1), times=times, events=ev)
        masks[fps] = (times, nt.swap_mask.any(axis=1))
    # a frame at the same time is swapped at one rate iff it is at another
    t50, m50 = masks[50.0]
    t25, m25 = masks[25.0]
    np.testing.assert_array_equal(m25, m50[np.rint(t25 * 50).astype(int)])


def test_downsample_rates_and_times():
    x = violin_like(1, duration=10.0)
    y, t = downsample(x, 50.0, 25.0)
    np.testing.assert_array_equal(y, x[::2])
    np.testing.assert_allclose(t, np.arange(250) / 25.0)
    y, t = downsample(x, 50.0, 17.0)
    assert len(t) == int(np.floor(9.98 * 17)) + 1
    np.testing.assert_allclose(t, np.arange(len(t)) / 17.0)
    k = 7  # t = 7/17 s lies between frames 20 and 21
    w = 7 / 17 * 50 - 20
    np.testing.assert_allclose(y[k], (1 - w) * x[20] + w * x[21])
    yn, _ = downsample(x, 50.0, 17.0, method="nearest")
    np.testing.assert_array_equal(yn[k], x[21])
    y, t = downsample(x, 50.0, 12.5)
    np.testing.assert_array_equal(y, x[::4])
    with pytest.raises(ValueError, match="fps_out"):
        downsample(x, 50.0, 60.0)
    with pytest.raises(ValueError, match="method"):
        downsample(x, 50.0, 25.0, method="cubic")


def test_bad_input():
    x = violin_like(0, duration=2.0)
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="jitter_mode"):
        NoiseConfig(jitter_mode="joint")
    with pytest.raises(ValueError, match="drop_rate"):
        PAPER.replace(drop_rate=1.5)
    with pytest.raises(ValueError, match="poses"):
        apply_noise(x[..., :2], 50.0, PAPER, rng)
    with pytest.raises(ValueError, match="pairs"):
        apply_noise(x, 50.0, PAPER, rng, pairs=[(1, 20)])
    with pytest.raises(TypeError, match="rng"):
        apply_noise(x, 50.0, PAPER, 0)
    with pytest.raises(ValueError, match="joint_scale"):
        apply_noise(x[:, :5], 50.0, REALISTIC, rng, pairs=[(1, 2)])
    with pytest.raises(ValueError, match="preset"):
        get_preset("mediapipe")
    assert config_hash(PAPER) != config_hash(REALISTIC)
    assert config_hash(PAPER) == config_hash(PAPER.replace())
