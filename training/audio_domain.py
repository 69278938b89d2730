"""Does real violin audio fall inside the simulator's feature range? (issue 14, item 4)

For every feature column, the share of a real recording's frames that lie inside the 1-99 % range of the
same column over simulated takes. A column whose real frames mostly fall outside the simulated range is one a
model trained on the simulator has never seen values of. ``tools/audio_domain_check.py`` prints the table,
``docs/audio_domain.md`` records it, and ``tests/test_audio_level.py`` asserts it.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from pose_audio_refine.audio import N_FEATURES, audio_features, load_audio
from pose_audio_refine.audio.level import WINDOW_ROWS

__all__ = ["FPS", "column_coverage", "feature_windows", "real_windows", "simulated_windows"]

FPS = 50.0  # feature rows per second, MAPnet's
REAL_SR = 44100  # real files are decoded (resampled) to the simulator's rate


def feature_windows(features: np.ndarray, hop: int = WINDOW_ROWS) -> np.ndarray:
    """Cut ``(T, 35)`` feature rows into windows of :data:`WINDOW_ROWS` rows.

    Parameters
    ----------
    features : np.ndarray, shape (T, 35)
        Rows at 50 fps.
    hop : int
        Rows between window starts (150: back to back; smaller: overlapping).

    Returns
    -------
    np.ndarray, shape (n, 150, 35)
        ``n = 1 + (T - 150) // hop`` windows (0 when ``T < 150``); the tail shorter than a hop is dropped.
    """
    f = np.asarray(features)
    if f.ndim != 2 or f.shape[1] != N_FEATURES:
        raise ValueError(f"features must have shape (T, {N_FEATURES}), got {f.shape}")
    if hop < 1:
        raise ValueError(f"hop must be >= 1, got {hop}")
    starts = range(0, f.shape[0] - WINDOW_ROWS + 1, hop)
    return np.stack([f[s : s + WINDOW_ROWS] for s in starts]) if len(starts) else np.zeros((0, WINDOW_ROWS, N_FEATURES),
                                                                                            dtype=f.dtype)


def simulated_windows(n_takes: int, duration_s: float, seed: int = 0, augment: bool = True,
                      renderers: tuple[str, ...] = ("synth", "soundfont"), fast_strokes: float = 0.3) -> np.ndarray:
    """Feature windows of simulated takes, optionally through random recording chains.

    Parameters
    ----------
    n_takes : int
        Takes to simulate; take ``i`` has seed ``seed + i`` and renderer ``renderers[i % len(renderers)]``.
    duration_s : float
        Length of each take, s.
    seed : int
        First take seed; the augmentation of take ``i`` draws from ``default_rng([seed, i])``.
    augment : bool
        Pass each take through :func:`training.simulator.effects.augment_audio` (gain, room, noise,
        microphone, band limit) before computing features.
    renderers : tuple of str
        Simulator renderers to alternate.
    fast_strokes : float
        ``simulate_take(fast_strokes=...)``.

    Returns
    -------
    np.ndarray, shape (N, 150, 35), float32
        Back-to-back windows of every take's 50 fps features.
    """
    from training.simulator import simulate_take
    from training.simulator.effects import augment_audio

    out = []
    for i in range(n_takes):
        take = simulate_take(seed + i, duration_s, renderer=renderers[i % len(renderers)], fast_strokes=fast_strokes)
        y = take.audio
        if augment:
            y = augment_audio(y, int(take.sr), np.random.default_rng([seed, i]))
        out.append(feature_windows(audio_features(y, take.sr, fps=FPS)))
    return np.concatenate(out, axis=0)


def real_windows(path, hop: int = 50, gain_db: float = 0.0) -> np.ndarray:
    """Feature windows of a real recording decoded at 44.1 kHz.

    Parameters
    ----------
    path : str or Path
        Audio file (anything ffmpeg reads).
    hop : int
        Rows between window starts; the default 50 (1 s) overlaps windows so that every frame is seen in
        several window contexts and no frame near the end is dropped for a 16 s file.
    gain_db : float
        Gain applied to the decoded signal (dB), then clipped to [-1, 1] as a recorder would: the same
        performance recorded with another preamp setting.

    Returns
    -------
    np.ndarray, shape (n, 150, 35), float32
    """
    y, sr = load_audio(Path(path), sr=REAL_SR)
    if gain_db != 0.0:
        y = np.clip(y * np.float32(10.0 ** (gain_db / 20.0)), -1.0, 1.0)
    return feature_windows(audio_features(y, sr, fps=FPS), hop=hop)


def column_coverage(sim: np.ndarray, real: np.ndarray, lo_pct: float = 1.0, hi_pct: float = 99.0) -> np.ndarray:
    """Share of ``real`` rows inside the ``[lo_pct, hi_pct]`` percentile range of ``sim``, per column.

    Parameters
    ----------
    sim, real : np.ndarray, shape (..., 35)
        Simulated and real feature rows (any leading shape; windows are flattened).
    lo_pct, hi_pct : float
        Percentiles (0-100) of the simulated values that bound the range (inclusive).

    Returns
    -------
    np.ndarray, shape (35,)
        Fraction in [0, 1] of the real rows inside the simulated range, per column.
    """
    s = np.asarray(sim, dtype=np.float64).reshape(-1, N_FEATURES)
    r = np.asarray(real, dtype=np.float64).reshape(-1, N_FEATURES)
    if s.shape[0] == 0 or r.shape[0] == 0:
        raise ValueError("need at least one simulated and one real row")
    lo, hi = np.percentile(s, [lo_pct, hi_pct], axis=0)
    return ((r >= lo) & (r <= hi)).mean(axis=0)
