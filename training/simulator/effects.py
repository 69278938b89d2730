"""Recording effects for a rendered take: room reverb, background noise, microphone colouring, gain.

:func:`add_reverb` and :func:`add_noise` are the simulator's optional effects (``simulate_take(reverb=...,
noise_snr_db=...)``). :func:`augment_audio` chains random versions of all of them, so that training audio
spans the gains, rooms, background noise and microphones of real recordings (issue 14: on a real violin
recording the level features sat outside the range of the simulator's clean renders).
"""
from __future__ import annotations

import numpy as np
from scipy.signal import butter, fftconvolve, sosfilt

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


def add_noise(y: np.ndarray, snr_db: float, rng: np.random.Generator, kind: str = "white") -> np.ndarray:
    """Add background noise at ``snr_db`` (dB, relative to the mean power of ``y``).

    Parameters
    ----------
    y : np.ndarray
        ``(n,)`` float signal; not modified.
    snr_db : float
        Signal-to-noise ratio in dB.
    rng : np.random.Generator
        Noise source.
    kind : {"white", "pink"}
        Flat spectrum (electrical/preamp hiss) or 1/f power (room background, :func:`pink_noise`).

    Returns
    -------
    np.ndarray
        New float32 array ``(n,)``.
    """
    if kind not in ("white", "pink"):
        raise ValueError(f"kind must be 'white' or 'pink', got {kind!r}")
    y = check_audio(y, "y").astype(np.float64)
    if not np.isfinite(snr_db):
        raise ValueError(f"noise_snr_db must be finite, got {snr_db}")
    p_sig = float(np.mean(y ** 2))
    if p_sig == 0.0:
        return y.astype(np.float32)
    unit = rng.standard_normal(y.size) if kind == "white" else pink_noise(y.size, rng)
    noise = unit * np.sqrt(p_sig / 10.0 ** (snr_db / 10.0))
    return (y + noise).astype(np.float32)


def pink_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """Unit-power pink (1/f power) noise.

    Parameters
    ----------
    n : int
        Number of samples (>= 1).
    rng : np.random.Generator
        Noise source.

    Returns
    -------
    np.ndarray
        ``(n,)`` float64 with mean power 1; power spectral density falls 3 dB per octave, like the broadband
        hum of ventilation and traffic that dominates a real room's background.
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(spec.size, dtype=np.float64)
    f[0] = 1.0  # no DC boost: the 0 Hz bin keeps the weight of the first non-zero bin
    spec /= np.sqrt(f)
    x = np.fft.irfft(spec, n)
    p = float(np.mean(x ** 2))
    return x / np.sqrt(p) if p > 0 else x


def _biquad(kind: str, f0: float, gain_db: float, q: float, sr: float) -> np.ndarray:
    """One second-order section ``(6,)`` (b0, b1, b2, 1, a1, a2) from the RBJ Audio EQ Cookbook.

    ``kind`` is ``"low_shelf"``, ``"high_shelf"`` or ``"peak"``; ``f0`` in Hz, ``gain_db`` in dB; ``q`` is the
    peaking filter's quality factor (shelves use the cookbook's shelf slope S = 1).
    """
    a = 10.0 ** (gain_db / 40.0)
    w0 = 2.0 * np.pi * f0 / sr
    cw, sw = np.cos(w0), np.sin(w0)
    if kind == "peak":
        alpha = sw / (2.0 * q)
        b = [1 + alpha * a, -2 * cw, 1 - alpha * a]
        den = [1 + alpha / a, -2 * cw, 1 - alpha / a]
    else:
        alpha = sw / 2.0 * np.sqrt(2.0)  # shelf slope S = 1: the steepest shelf without a bump
        s = 2.0 * np.sqrt(a) * alpha
        if kind == "low_shelf":
            b = [a * ((a + 1) - (a - 1) * cw + s), 2 * a * ((a - 1) - (a + 1) * cw), a * ((a + 1) - (a - 1) * cw - s)]
            den = [(a + 1) + (a - 1) * cw + s, -2 * ((a - 1) + (a + 1) * cw), (a + 1) + (a - 1) * cw - s]
        elif kind == "high_shelf":
            b = [a * ((a + 1) + (a - 1) * cw + s), -2 * a * ((a - 1) + (a + 1) * cw), a * ((a + 1) + (a - 1) * cw - s)]
            den = [(a + 1) - (a - 1) * cw + s, 2 * ((a - 1) - (a + 1) * cw), (a + 1) - (a - 1) * cw - s]
        else:
            raise ValueError(f"unknown biquad kind {kind!r}")
    return np.array(b + den, dtype=np.float64) / den[0]


def colour(y: np.ndarray, sr: int, rng: np.random.Generator, max_db: float = 6.0) -> np.ndarray:
    """Random microphone/room colouring: a low shelf, a high shelf and two peaking bands.

    Real microphones and rooms are not flat: proximity effect and room modes lift or cut the lows, capsule
    and air absorption tilt the highs, and capsule/body resonances add broad bumps. Each is a biquad (RBJ
    cookbook) with a gain drawn uniformly in ``[-max_db, max_db]``:

    * low shelf at 80-400 Hz (log-uniform), high shelf at 2-8 kHz;
    * two peaking bands at 200 Hz-6 kHz, Q 0.7-3.

    Parameters
    ----------
    y : np.ndarray
        ``(n,)`` float signal; not modified.
    sr : int
        Sample rate in Hz.
    rng : np.random.Generator
        Draws the filters.
    max_db : float
        Largest boost/cut of any band, dB.

    Returns
    -------
    np.ndarray
        New float32 array ``(n,)``.
    """
    y = check_audio(y, "y").astype(np.float64)
    sr = int(check_rate(sr, "sr"))
    if not (np.isfinite(max_db) and max_db >= 0):
        raise ValueError(f"max_db must be a finite non-negative number of dB, got {max_db}")
    nyq = 0.45 * sr  # keep every centre frequency safely below Nyquist at low sample rates

    def g() -> float:
        return float(rng.uniform(-max_db, max_db))

    def logu(lo: float, hi: float) -> float:
        return float(np.exp(rng.uniform(np.log(lo), np.log(min(hi, nyq)))))

    sos = [_biquad("low_shelf", logu(80.0, 400.0), g(), 0.7, sr),
           _biquad("high_shelf", logu(2000.0, 8000.0), g(), 0.7, sr)]
    for _ in range(2):
        sos.append(_biquad("peak", logu(200.0, 6000.0), g(), float(rng.uniform(0.7, 3.0)), sr))
    return sosfilt(np.stack(sos), y).astype(np.float32)


def band_limit(y: np.ndarray, sr: int, cutoff_hz: float) -> np.ndarray:
    """Steep low-pass at ``cutoff_hz`` (Hz): a recording chain with a lower sample rate or a lossy codec.

    A 10th-order Butterworth (60 dB/octave) stands in for a resampler's or codec's brick-wall filter.
    Returns a new float32 array ``(n,)``; ``y`` is not modified. A cutoff at or above 0.45 ``sr`` returns a
    copy unchanged.
    """
    y = check_audio(y, "y").astype(np.float64)
    sr = int(check_rate(sr, "sr"))
    cutoff_hz = check_rate(cutoff_hz, "cutoff_hz")
    if cutoff_hz >= 0.45 * sr:
        return y.astype(np.float32)
    return sosfilt(butter(10, cutoff_hz, btype="low", fs=sr, output="sos"), y).astype(np.float32)


def augment_audio(y: np.ndarray, sr: int, rng: np.random.Generator) -> np.ndarray:
    """A random recording of a rendered take: room, background noise, microphone, recorder gain.

    Applied in the order the sound travels:

    1. reverb with probability 0.5 (:func:`add_reverb`, RT60 0.3-1.2 s, tail energy 10-50 % of the direct
       sound): rooms from a practice room to a small hall;
    2. background noise with probability 0.5 (:func:`add_noise`, SNR 15-50 dB, white or pink with equal
       odds): preamp hiss or room background;
    3. colouring (:func:`colour`, +-6 dB bands): the microphone and its placement;
    4. band limit with probability 0.3 (:func:`band_limit`, cutoff 7-16 kHz): many real recordings were
       made or stored at 16-32 kHz sample rates or through lossy codecs (MP3/AAC cut near 16 kHz or lower),
       so nothing reaches the mel bands above the cutoff;
    5. gain drawn uniformly in +-20 dB: where the recordist set the input level. A recordist avoids
       clipping, so the gain is capped so that the peak sits at most 1 dB over full scale; the few samples
       above it are hard-clipped to [-1, 1] as a recorder would.

    Parameters
    ----------
    y : np.ndarray
        ``(n,)`` float signal, nominally in [-1, 1]; not modified.
    sr : int
        Sample rate in Hz.
    rng : np.random.Generator
        Draws every random choice; the same generator state gives the same output.

    Returns
    -------
    np.ndarray
        New float32 array ``(n,)`` in [-1, 1].
    """
    out = check_audio(y, "y").astype(np.float32)  # a copy: the input is never touched
    sr = int(check_rate(sr, "sr"))
    if rng.random() < 0.5:
        out = add_reverb(out, sr, rng, rt60=float(rng.uniform(0.3, 1.2)), wet=float(rng.uniform(0.1, 0.5)))
    if rng.random() < 0.5:
        kind = "pink" if rng.random() < 0.5 else "white"
        out = add_noise(out, float(rng.uniform(15.0, 50.0)), rng, kind=kind)
    out = colour(out, sr, rng)
    if rng.random() < 0.3:
        out = band_limit(out, sr, float(np.exp(rng.uniform(np.log(7000.0), np.log(16000.0)))))
    out = out.astype(np.float64)
    gain_db = float(rng.uniform(-20.0, 20.0))
    peak = float(np.max(np.abs(out)))
    if peak > 0:
        gain_db = min(gain_db, 1.0 - 20.0 * np.log10(peak))
    out = np.clip(out * 10.0 ** (gain_db / 20.0), -1.0, 1.0)
    return out.astype(np.float32)
