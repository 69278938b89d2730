"""Additive bowed-string synthesizer (numpy, vectorised).

The sound is computed from the bow state, never from the score directly: a Helmholtz (sawtooth-like)
wave with harmonics ~1/n, shaped by the violin body (resonances near 280 and 450 Hz, bridge hill at
2–3 kHz), whose amplitude follows bow speed / beta while the bow is on the string. A short noisy attack
(20–50 ms) marks each bow change and new note; slurred pitch changes get a softer one.
"""
from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

from .bowing import CTL_RATE

N_HARMONICS = 40
F_MAX_HARMONIC = 10000.0  # Hz; the body's roll-off leaves nothing audible above (harmonics are skipped)
#: Body resonances (centre Hz, Q, gain): main air and wood modes, and the broad "bridge hill".
BODY_MODES = ((280.0, 6.0, 2.2), (450.0, 5.0, 2.0), (2500.0, 1.2, 1.6))

#: A second instrument and player for ``renderer="synth_alt"``, used only to test that a model generalises to a
#: synthesis it never heard: another body (modes at other frequencies and strengths, a higher bridge hill), darker
#: strings (harmonics falling as 1/n^1.4 instead of 1/n), half the scratch at each bow change and a slower
#: Helmholtz build-up (8 ms instead of 4).
ALT_VOICE = {"body_modes": ((300.0, 8.0, 1.6), (520.0, 4.0, 2.6), (3100.0, 1.5, 2.2)), "rolloff": 1.4,
             "attack_gain": 0.5, "buildup_s": 0.008}


def body_gain(freq: np.ndarray, modes=BODY_MODES) -> np.ndarray:
    """Linear gain of the violin body at ``freq`` (Hz, any shape): resonant peaks over a smooth floor,
    rolled off below the lowest mode and above ~5 kHz."""
    f = np.asarray(freq, dtype=np.float64)
    g = np.full(f.shape, 0.35)
    for fc, q, a in modes:
        g = g + a / (1.0 + (q * (f / fc - fc / np.maximum(f, 1.0))) ** 2)
    g = g / (1.0 + (180.0 / np.maximum(f, 1.0)) ** 4)  # little radiation below the air mode
    return g / (1.0 + (f / 5000.0) ** 4)


def _upsample(x: np.ndarray, n: int, sr: int) -> np.ndarray:
    """Linear interpolation of a control-rate signal to ``n`` audio samples."""
    tc = np.arange(x.size) / CTL_RATE
    return np.interp(np.arange(n) / sr, tc, x)


def amplitude_target(bow_speed: np.ndarray, beta: np.ndarray, on_string: np.ndarray) -> np.ndarray:
    """Helmholtz amplitude (arbitrary units, ~0..1) ∝ |v_bow| / beta while the bow touches the string."""
    a = np.abs(bow_speed) / 1000.0 * (0.08 / np.maximum(beta, 0.02)) * 0.35
    return np.where(on_string, a, 0.0)


def attack_envelope(events: np.ndarray, strengths: np.ndarray, n_ctl: int, rng: np.random.Generator) -> np.ndarray:
    """Sum of decaying bursts (20–50 ms) starting at ``events`` (s) with ``strengths``, at ``CTL_RATE``."""
    env = np.zeros(n_ctl)
    taus = rng.uniform(0.007, 0.017, size=len(events))  # 3 tau = 20–50 ms
    length = int(0.06 * CTL_RATE)
    k = np.arange(length) / CTL_RATE
    for t0, a, tau in zip(events, strengths, taus):
        j = int(round(t0 * CTL_RATE))
        if 0 <= j < n_ctl:
            seg = a * (1 - np.exp(-k / 0.002)) * np.exp(-k / tau)
            m = min(length, n_ctl - j)
            env[j:j + m] += seg[:m]
    return env


def render_synth(ctl: dict, sr: int, n_samples: int, rng: np.random.Generator, body_modes=BODY_MODES,
                 rolloff: float = 1.0, attack_gain: float = 1.0, buildup_s: float = 0.004) -> np.ndarray:
    """Render audio from control-rate state.

    Parameters
    ----------
    ctl : dict
        Control-rate (``CTL_RATE``) arrays: ``bow_speed`` (mm/s), ``beta``, ``on_string`` (bool),
        ``pitch_hz`` (Hz, with vibrato), ``midi`` (nominal pitch), plus event lists ``attacks`` (s, first
        contact of each stroke), ``note_onsets`` (s) and ``note_onset_slurred`` (bool).
    sr : int
        Audio sample rate (Hz).
    n_samples : int
        Output length.
    rng : np.random.Generator
        Noise for the attack bursts and the bow hiss.
    body_modes, rolloff, attack_gain, buildup_s
        The voice: body resonances (see :data:`BODY_MODES`), harmonic amplitudes ``1 / n**rolloff``, scale of the
        bow-change scratch, Helmholtz build-up time constant (s). Defaults: the training synthesizer;
        :data:`ALT_VOICE`: the held-out one.

    Returns
    -------
    np.ndarray
        ``(n_samples,)`` float32 mono audio in about [-1, 1].
    """
    n_ctl = ctl["bow_speed"].size
    amp = amplitude_target(ctl["bow_speed"], ctl["beta"], ctl["on_string"])
    # the Helmholtz motion builds up and dies down over a few ms (one-pole smoothing, tau ~4 ms)
    pole = np.exp(-1.0 / (buildup_s * CTL_RATE))
    amp = lfilter([1 - pole], [1, -pole], amp)
    # attack transients: full at bow changes and articulated new notes, softer for slurred pitch changes
    onsets = np.asarray(ctl["note_onsets"], dtype=np.float64)
    slurred = np.asarray(ctl["note_onset_slurred"], dtype=bool)
    bow_changes = np.asarray(ctl["attacks"], dtype=np.float64)
    ev_t = np.concatenate([bow_changes, onsets[slurred]])
    ev_a = np.concatenate([np.ones(bow_changes.size), np.full(int(slurred.sum()), 0.35)])
    # the burst scales with how hard the stroke starts (the stroke's peak speed over the next 60 ms)
    idx = np.clip((ev_t * CTL_RATE).round().astype(int), 0, n_ctl - 1)
    win = int(0.06 * CTL_RATE)
    peak = np.array([amplitude_target(ctl["bow_speed"][i:i + win], ctl["beta"][i:i + win],
                                      np.ones(min(win, n_ctl - i), bool)).max(initial=0.0) for i in idx])
    burst = attack_gain * attack_envelope(ev_t, ev_a * np.maximum(peak, 0.02), n_ctl, rng)

    f0 = _upsample(ctl["pitch_hz"], n_samples, sr)
    a = _upsample(amp, n_samples, sr)
    b = _upsample(burst, n_samples, sr)
    # per-harmonic gain, constant within a note (from its nominal pitch) and normalised so every note has
    # the same loudness for the same bow: loudness should come from the bow, not from the note
    # gains per distinct note (a few dozen), then looked up per sample
    notes_midi, inv = np.unique(np.round(ctl["midi"], 3), return_inverse=True)
    f_nom = 440.0 * 2.0 ** ((notes_midi - 69.0) / 12.0)
    harm = np.arange(1, N_HARMONICS + 1)
    fh = f_nom[:, None] * harm[None]
    g = body_gain(fh, body_modes) / harm[None] ** rolloff * (fh < 0.45 * sr)
    g = g / np.sqrt(0.5 * np.sum(g ** 2, axis=1, keepdims=True))
    g = np.ascontiguousarray(g.T)  # (harmonic, note)
    ci = inv.reshape(-1)[np.minimum((np.arange(n_samples) * (CTL_RATE / sr)).astype(np.int64), n_ctl - 1)]
    phase = 2 * np.pi * np.cumsum(f0 / sr)
    wave = np.zeros(n_samples)
    chunk = 16384  # chunks keep the working set in cache and let high notes skip inaudible harmonics
    for c0 in range(0, n_samples, chunk):
        sl = slice(c0, min(c0 + chunk, n_samples))
        n_h = int(np.clip(F_MAX_HARMONIC / max(float(f0[sl].max()), 1.0), 1, N_HARMONICS))
        z1 = np.exp(1j * phase[sl])
        z = z1.copy()
        ci_c = ci[sl]
        acc = wave[sl]
        for h in range(n_h):  # z = exp(i*(h+1)*phase) by repeated multiplication (cheaper than sin)
            acc += g[h][ci_c] * z.imag
            z *= z1
    # bow noise: a little hiss while bowing, plus the broadband scratch of each attack
    noise = rng.standard_normal(n_samples)
    hiss = lfilter([1.0, -0.6], [1.0], noise)  # gentle high-pass: rosin noise is bright
    y = 0.5 * (a * wave + (0.04 * a + 1.2 * b) * hiss + 0.6 * b * wave * noise)  # ~-20 dBFS RMS
    peak_abs = np.max(np.abs(y)) if y.size else 0.0
    if peak_abs > 0.99:  # keep within full scale without changing the shape of the envelope
        y *= 0.99 / peak_abs
    return y.astype(np.float32)
