"""Gain-invariant audio features (pose_audio_refine.audio.level) and the recording-chain augmentation
(training.simulator.effects), checked against a real violin recording (issue 14, item 4)."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import scipy.fft
import scipy.signal
import torch

from pose_audio_refine.audio import (
    CHROMA,
    FEATURE_NAMES,
    LEVEL_FEATURE_MEAN,
    LEVEL_FEATURE_STD,
    MEL_FLOOR_DB,
    N_FEATURES,
    audio_features,
    relative_level,
)
from pose_audio_refine.audio.level import MEL_RANGE_DB, RMS_FLOOR, WINDOW_ROWS
from training.audio_domain import (
    column_coverage,
    feature_windows,
    real_windows,
    simulated_windows,
)
from training.simulator import simulate_take
from training.simulator.effects import (
    _biquad,
    add_noise,
    augment_audio,
    band_limit,
    colour,
    pink_noise,
)

SR = 44100
LEVEL, RMS = 1, N_FEATURES - 1
UNCHANGED = [c for c in range(N_FEATURES) if c not in (LEVEL, RMS)]
REAL_VIOLIN = Path(__file__).resolve().parents[2] / "shared" / "data" / "violin_audio" / "mosa_de2_violin.wav"


@pytest.fixture(autouse=True)
def _one_thread():
    """The machine's cores are shared: one torch thread keeps timings stable."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _features_with_flat_spectra(levels_db: np.ndarray, rms: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(T, 35) rows whose log-mel is flat at ``levels_db[t]`` dB in every band (so 20 MFCCs hold it exactly)."""
    T = levels_db.size
    log_mel = np.repeat(levels_db[:, None], 128, axis=1)
    f = rng.uniform(0.0, 1.0, size=(T, N_FEATURES))
    f[:, 1:21] = scipy.fft.dct(log_mel, axis=1, type=2, norm="ortho")[:, :20]
    f[:, RMS] = rms
    return f


# ----------------------------------------------------------------------------------------------- relative_level


def test_flat_spectra_give_level_relative_to_the_windows_percentile(rng):
    # A flat log-mel is reconstructed exactly from its MFCCs, so the relative level is known in closed form:
    # max(level - P95(level), -MEL_RANGE_DB) dB; rms is divided by its own P95.
    levels = rng.uniform(-10.0, 30.0, size=WINDOW_ROWS)
    rms = rng.uniform(0.01, 0.3, size=WINDOW_ROWS)
    f = _features_with_flat_spectra(levels, rms, rng)
    out = relative_level(f)
    ref = max(np.percentile(levels, 95), MEL_FLOOR_DB + MEL_RANGE_DB)
    np.testing.assert_allclose(out[:, LEVEL], np.maximum(levels - ref, -MEL_RANGE_DB), atol=1e-9)
    np.testing.assert_allclose(out[:, RMS], rms / np.percentile(rms, 95), rtol=1e-12)
    np.testing.assert_array_equal(out[:, UNCHANGED], f[:, UNCHANGED])


def test_a_gain_on_flat_spectra_changes_nothing(rng):
    levels = rng.uniform(0.0, 30.0, size=WINDOW_ROWS)
    rms = rng.uniform(0.01, 0.3, size=WINDOW_ROWS)
    base = relative_level(_features_with_flat_spectra(levels, rms, rng))
    # -15 dB keeps the reference above MEL_FLOOR_DB + MEL_RANGE_DB, so no floor is crossed: exact invariance
    quiet = relative_level(_features_with_flat_spectra(levels - 15.0, rms * 10 ** (-15 / 20), rng))
    np.testing.assert_allclose(quiet[:, [LEVEL, RMS]], base[:, [LEVEL, RMS]], atol=1e-9)


def test_silence_stays_small_and_finite():
    # Digital silence: MFCCs of the -40 dB floor, zero rms. The floors keep it at the bottom of the range.
    silent = _features_with_flat_spectra(np.full(WINDOW_ROWS, MEL_FLOOR_DB), np.zeros(WINDOW_ROWS),
                                         np.random.default_rng(1))
    out = relative_level(silent)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out[:, LEVEL], -MEL_RANGE_DB)
    np.testing.assert_array_equal(out[:, RMS], 0.0)
    # A faint hiss far below RMS_FLOOR stays far below 1 instead of being blown up to the window's scale.
    hiss = silent.copy()
    hiss[:, RMS] = RMS_FLOOR / 100
    assert relative_level(hiss)[:, RMS].max() <= 0.01 + 1e-12


def test_torch_and_numpy_agree_batch_dims_dtype_and_input_untouched(rng):
    f = rng.normal(size=(2, 3, WINDOW_ROWS, N_FEATURES)).astype(np.float32)
    f[..., RMS] = np.abs(f[..., RMS])
    f.setflags(write=False)  # read-only input must be accepted and left alone
    before = f.copy()
    out_np = relative_level(f)
    t = torch.from_numpy(f.copy())
    out_t = relative_level(t)
    assert isinstance(out_np, np.ndarray) and out_np.dtype == np.float32 and out_np.shape == f.shape
    assert isinstance(out_t, torch.Tensor) and out_t.dtype == torch.float32
    np.testing.assert_array_equal(f, before)
    np.testing.assert_array_equal(t.numpy(), before)
    np.testing.assert_allclose(out_t.numpy(), out_np, atol=1e-6)
    # each window is normalised by its own statistics only
    np.testing.assert_allclose(relative_level(f[1, 2]), out_np[1, 2], atol=1e-6)
    assert relative_level(f.astype(np.float64)).dtype == np.float64


@pytest.mark.parametrize("bad", [np.zeros((WINDOW_ROWS, 34)), np.zeros(N_FEATURES), np.zeros((0, N_FEATURES))])
def test_bad_shapes_are_refused(bad):
    with pytest.raises(ValueError, match="shape"):
        relative_level(bad)


def test_non_finite_and_bad_parameters_are_refused():
    f = np.zeros((WINDOW_ROWS, N_FEATURES))
    f[3, 5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        relative_level(f)
    with pytest.raises(ValueError, match="percentile"):
        relative_level(np.zeros((WINDOW_ROWS, N_FEATURES)), percentile=120)
    with pytest.raises(ValueError, match="positive"):
        relative_level(np.zeros((WINDOW_ROWS, N_FEATURES)), mel_range_db=0)


def test_standardisation_constants_have_one_positive_entry_per_column():
    assert len(LEVEL_FEATURE_MEAN) == len(LEVEL_FEATURE_STD) == N_FEATURES
    assert all(s > 0 and math.isfinite(s) for s in LEVEL_FEATURE_STD)
    # the relative level lives in [-MEL_RANGE_DB, a few dB]; its mean must too
    assert -MEL_RANGE_DB <= LEVEL_FEATURE_MEAN[LEVEL] <= 0


def test_gain_invariance_on_simulated_takes():
    """(a) A take, the take 20 dB quieter, and 9.5 dB louder (clipped): relative_level agrees.

    Tolerances: rms is linear, so at -20 dB its ratio to the window's reference is exact up to float32
    round-off (1e-4). Clipping at +9.5 dB squashes the loudest frames of the synth take (~1 % of its samples
    clip): within a tenth of the reference there, exact elsewhere (median). The relative level must stay within
    2 dB on average (a tenth of the 20 dB step and of MEL_RANGE_DB: the extractor's fixed -40 dB floor
    erases the quiet bands of the -20 dB copy, which only the 20 MFCCs' smoothed spectrum can re-floor) and
    must remove at least two thirds of the raw mean-level change. Chroma is gain-free (copied unchanged).
    """
    for seed, renderer in ((3, "synth"), (4, "soundfont")):
        y = simulate_take(seed, 6.0, renderer=renderer, fast_strokes=0.3).audio
        raw = [feature_windows(audio_features(v, SR, fps=50)) for v in (y, y * 0.1, np.clip(y * 3.0, -1.0, 1.0))]
        rel = [relative_level(w) for w in raw]
        for k in (1, 2):
            d = np.abs(rel[k] - rel[0])
            raw_shift = np.abs(raw[k][..., LEVEL] - raw[0][..., LEVEL]).mean() / math.sqrt(128)  # mean band, dB
            assert d[..., LEVEL].mean() <= 2.0, (renderer, k, d[..., LEVEL].mean())
            assert d[..., LEVEL].mean() <= raw_shift / 3, (renderer, k, d[..., LEVEL].mean(), raw_shift)
            if k == 1:
                assert d[..., RMS].max() <= 1e-4
                assert d[..., CHROMA].max() <= 1e-3
            else:
                assert d[..., RMS].max() <= 0.1 and np.median(d[..., RMS]) <= 1e-3
                assert d[..., CHROMA].max() <= 0.1  # clipping adds a few harmonics


def test_real_violin_recording_inside_the_simulated_range():
    """(b) Every feature column of a real violin recording (MOSA, 16 s, 22.05 kHz) inside the 1-99 % range of
    augmented simulated takes after relative_level: >= 85 % of its frames, also when the same recording is
    made 10 dB hotter (clipped), where the raw rms falls outside (docs/audio_domain.md).

    Exception, measured and explained in docs/audio_domain.md: chroma (CENS) is gain-free and untouched by
    relative_level, but the simulator's chroma is less concentrated on one pitch class than this recording's
    (notes change faster and blend under CENS's 0.8 s smoothing), so the pitch classes this piece dwells on
    stay below 85 % whatever the recording chain. That is musical content, not the recording; for chroma the
    test only checks that relative_level changes nothing.
    """
    path = REAL_VIOLIN
    if not path.is_file():
        pytest.skip(f"{path} is not there (see ../shared/data/README.md)")
    sim = simulated_windows(24, 6.0, seed=0, augment=True)
    sim_rel = relative_level(sim)
    chroma = list(range(CHROMA.start, CHROMA.stop))
    others = [c for c in range(N_FEATURES) if c not in chroma]
    for gain_db in (0.0, 10.0):
        real = real_windows(path, gain_db=gain_db)
        cov = column_coverage(sim_rel, relative_level(real))
        low = {FEATURE_NAMES[c]: round(float(cov[c]), 3) for c in others if cov[c] < 0.85}
        assert not low, (gain_db, low)
        np.testing.assert_array_equal(cov[chroma], column_coverage(sim, real)[chroma])
    # without the transform and augmentation, the hotter recording's rms leaves the simulator's range
    clean = simulated_windows(6, 6.0, seed=0, augment=False)
    assert column_coverage(clean, real_windows(path, gain_db=10.0))[RMS] < 0.85


# -------------------------------------------------------------------------------------------------- effects


def test_augment_audio_is_a_new_seeded_float32_signal_spanning_the_gains():
    y = (0.1 * np.sin(2 * np.pi * 440 * np.arange(SR // 2) / SR)).astype(np.float32)
    y0 = y.copy()
    outs = [augment_audio(y, SR, np.random.default_rng(s)) for s in range(40)]
    np.testing.assert_array_equal(y, y0)
    for o in outs:
        assert o.dtype == np.float32 and o.shape == y.shape and np.abs(o).max() <= 1.0 and np.isfinite(o).all()
        assert not np.shares_memory(o, y)
    np.testing.assert_array_equal(outs[0], augment_audio(y, SR, np.random.default_rng(0)))
    assert not np.array_equal(outs[0], outs[1])
    gain_db = [10 * np.log10(np.mean(o.astype(np.float64) ** 2) / np.mean(y.astype(np.float64) ** 2)) for o in outs]
    # +-20 dB drawn uniformly (colouring adds a few dB): both ends must be visited in 40 draws
    assert min(gain_db) < -10 and max(gain_db) > 10


def test_biquads_reach_their_gain_where_the_cookbook_says():
    g = 5.0
    for kind, f0, probe in (("low_shelf", 200.0, 0.0), ("high_shelf", 4000.0, SR / 2), ("peak", 1000.0, 1000.0)):
        sos = _biquad(kind, f0, g, 1.5, SR)[None, :]
        _, h = scipy.signal.sosfreqz(sos, worN=[probe], fs=SR)
        assert 20 * np.log10(abs(h[0])) == pytest.approx(g, abs=0.05), kind


def test_colour_is_bounded_and_identity_at_zero_db(rng):
    x = rng.standard_normal(SR).astype(np.float32)
    np.testing.assert_allclose(colour(x, SR, np.random.default_rng(0), max_db=0.0), x, atol=1e-5)
    y = colour(x, SR, np.random.default_rng(0))
    f, pxx = scipy.signal.welch(x, SR, nperseg=4096)
    _, pyy = scipy.signal.welch(y, SR, nperseg=4096)
    band = (f > 50) & (f < 15000)
    # four bands of at most 6 dB each; Welch estimates of white noise wobble by ~1 dB
    assert np.abs(10 * np.log10(pyy[band] / pxx[band])).max() < 4 * 6 + 2
    assert np.abs(10 * np.log10(pyy[band] / pxx[band])).max() > 0.5  # it does colour


def test_pink_noise_falls_3_db_per_octave_and_pink_snr_is_exact(rng):
    n = pink_noise(8 * SR, rng)
    assert np.mean(n ** 2) == pytest.approx(1.0)
    f, p = scipy.signal.welch(n, SR, nperseg=8192)
    band = (f > 100) & (f < 10000)
    slope_per_octave = np.polyfit(np.log2(f[band]), 10 * np.log10(p[band]), 1)[0]
    assert slope_per_octave == pytest.approx(-10 * np.log10(2), abs=0.3)
    y = np.sin(2 * np.pi * 440 * np.arange(SR) / SR).astype(np.float32)
    noisy = add_noise(y, 20.0, np.random.default_rng(0), kind="pink")
    snr = 10 * np.log10(np.mean(y.astype(np.float64) ** 2) / np.mean((noisy - y).astype(np.float64) ** 2))
    assert snr == pytest.approx(20.0, abs=0.1)
    with pytest.raises(ValueError, match="kind"):
        add_noise(y, 20.0, rng, kind="brown")


def test_band_limit_removes_what_lies_above_the_cutoff():
    t = np.arange(SR) / SR
    lo = np.sin(2 * np.pi * 1000 * t).astype(np.float32)
    hi = np.sin(2 * np.pi * 15000 * t).astype(np.float32)
    power_db = lambda v: 10 * np.log10(np.mean(v[SR // 10 :].astype(np.float64) ** 2))
    assert power_db(band_limit(lo, SR, 8000.0)) == pytest.approx(power_db(lo), abs=0.1)
    assert power_db(band_limit(hi, SR, 8000.0)) < power_db(hi) - 60
    np.testing.assert_array_equal(band_limit(hi, SR, 21000.0), hi)
