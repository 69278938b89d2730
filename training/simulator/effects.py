"""Optional room reverb and background noise applied to a rendered take."""
from __future__ import annotations

import numpy as np
from scipy.signal import fftconvolve

from pose_audio_refine.validation import check_audio, check_rate


def room_impulse_response(sr: int, rt60: float, rng: np.random.Generator, predelay: float = 0.01) -> np.ndarray:
    """Exponentially decaying noise impulse response.

    Parameters
    ----------
    sr : int
        Sample rate (Hz).
    rt60 : float
        Time (s) for the tail to decay by 60 dB.
    rng : np.random.Generator
        Noise source.
    predelay : float
        Gap (s) between the direct sound and the tail.

    Returns
    -------
    np.ndarray
        ``(n,)`` float64 response with a unit direct-path tap at index 0 and unit-energy tail.
    """
    sr = int(check_rate(sr, "sr"))
    rt60 = check_rate(rt60, "rt60", 0.05, 5.0)
    n = int(sr * (predelay + rt60))
    t = np.arange(n) / sr
    tail = rng.standard_normal(n) * np.exp(-6.91 * t / rt60)  # ln(1000) = 6.91: -60 dB at rt60
    tail[: int(predelay * sr)] = 0.0
    tail /= np.sqrt(np.sum(tail ** 2)) + 1e-12
    ir = tail
    ir[0] = 1.0
    return ir


def add_reverb(y: np.ndarray, sr: int, rng: np.random.Generator, rt60: float = 0.6, wet: float = 0.25) -> np.ndarray:
    """Convolve ``y`` (``(n,)``, float) with a room response; returns a new float32 array of the same length.

    ``wet`` (0..1) sets the tail's energy relative to the direct sound.
    """
    y = check_audio(y, "y").astype(np.float64)
    if not 0.0 <= wet <= 1.0:
        raise ValueError(f"wet must be in [0, 1], got {wet}")
    ir = room_impulse_response(sr, rt60, rng)
    ir[1:] *= np.sqrt(wet)
    ir[0] = np.sqrt(1.0 - wet)
    out = fftconvolve(y, ir)[: y.size]
    peak = np.max(np.abs(out))
    if peak > 0.99:
        out *= 0.99 / peak
    return out.astype(np.float32)


def add_noise(y: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    """Add white background noise at ``snr_db`` (dB, relative to the mean power of ``y``).

    Returns a new float32 array ``(n,)``; ``y`` is not modified.
    """
    y = check_audio(y, "y").astype(np.float64)
    if not np.isfinite(snr_db):
        raise ValueError(f"noise_snr_db must be finite, got {snr_db}")
    p_sig = float(np.mean(y ** 2))
    if p_sig == 0.0:
        return y.astype(np.float32)
    noise = rng.standard_normal(y.size) * np.sqrt(p_sig / 10.0 ** (snr_db / 10.0))
    return (y + noise).astype(np.float32)
