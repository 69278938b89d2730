"""Gain-invariant audio features: the level columns re-expressed relative to each 3 s window.

A recording's gain (microphone distance, preamp setting, normalisation) is arbitrary, so the absolute level
that :func:`~pose_audio_refine.audio.audio_features` measures says more about the recording chain than about
the bow. :func:`relative_level` rewrites the gain-dependent columns of a window of feature rows relative to
that window's own loud frames, so a model sees "how loud is this frame compared with the playing around it".

How each column is treated, and why
-----------------------------------
``rms`` (34)
    Linear amplitude: a gain ``g`` multiplies it exactly by ``g``. Divided by the window's
    :data:`LEVEL_PERCENTILE`-th percentile (a robust "loud" level: the 8th loudest of 150 frames, so one
    transient does not set the scale), floored at :data:`RMS_FLOOR` so that a silent window stays near zero
    instead of turning its noise into full-scale values. Exactly gain-invariant while the window's
    reference is above the floor.
``mfcc_0`` (1)
    The mean over the 128 mel bands of the log-mel in dB, times ``sqrt(128)`` (orthonormal DCT). A gain
    shifts every band by ``20 log10 g`` dB -- but only bands above the extractor's fixed floor
    (:data:`~pose_audio_refine.audio.MEL_FLOOR_DB`, -40 dB), and on simulated violin 30-60 % of the bands sit
    at that floor. Simply subtracting the window's percentile therefore leaves quiet frames compressed
    differently at each gain. Instead the cepstrally smoothed log-mel is rebuilt from the 20 MFCCs (the
    DCT is orthonormal, so this is its projection on the first 20 cosines), the window's reference level is
    the percentile of the per-frame peak band, and every band is floored at :data:`MEL_RANGE_DB` below that
    reference before averaging. A floor that moves with the reference is what makes the mean gain-free: as
    long as it lies above the extractor's fixed floor (reference > -40 + ``MEL_RANGE_DB`` dB) both floors
    agree at every gain. The new column is in dB relative to the reference, in ``[-MEL_RANGE_DB, ~+5]``.
``mfcc_1`` .. ``mfcc_19`` (2-20)
    A gain is a constant over bands, which the DCT puts in ``mfcc_0`` only, so these depend on the gain
    only through the fixed floor. Re-flooring them like ``mfcc_0`` roughly halved that dependence on
    simulated takes, but it discarded the spectral detail below the relative floor and narrowed the
    simulator's high-order MFCCs so far that a real violin recording fell outside their range (74 % / 79 % of
    its frames inside for ``mfcc_18`` / ``mfcc_19``, against 100 % / 90 % untouched; ``docs/audio_domain.md``).
    They are left unchanged; gain augmentation in training (``training.simulator.effects.augment_audio``)
    covers the rest.
``onset_env`` (0)
    Spectral flux of dB values: a difference of logs, gain-free above the floor. Left unchanged.
``cens_*`` (21-32)
    Chroma normalised per frame: gain-free by construction (measured differences < 0.005 at -20 dB).
``onset_peak`` (33)
    Picked on an envelope min-max normalised over 3 s: already relative. Left unchanged.

After the transform the columns are standardised with :data:`LEVEL_FEATURE_MEAN` / :data:`LEVEL_FEATURE_STD`
(not :data:`~pose_audio_refine.audio.FEATURE_MEAN`, which describes the raw columns).
"""
from __future__ import annotations

import math

import numpy as np
import torch

from .features import MEL_FLOOR_DB, N_FEATURES, N_MELS, N_MFCC

__all__ = [
    "LEVEL_FEATURE_MEAN",
    "LEVEL_FEATURE_STD",
    "LEVEL_PERCENTILE",
    "MEL_RANGE_DB",
    "RMS_FLOOR",
    "WINDOW_ROWS",
    "relative_level",
]

#: Rows per window the statistics are taken over: 3 s at 50 fps, MAPnet's audio window.
WINDOW_ROWS = 150
#: Percentile of a window's frames that defines its reference ("loud") level.
LEVEL_PERCENTILE = 95.0
#: Floor of the rms reference (linear full-scale amplitude, -60 dBFS): far below any playing level (the
#: simulator's takes sit near -25 dBFS, real recordings -35 to -15) but well above dither, so a silent window
#: keeps tiny relative values.
RMS_FLOOR = 1e-3
#: Dynamic range (dB below the window's reference) kept in the relative level. Smaller ranges leave more
#: headroom above the extractor's -40 dB floor (the reference can drop to -40 + MEL_RANGE_DB dB before the
#: two floors disagree) and are less affected by the 20-coefficient smoothing; on simulated takes 20 dB gave
#: the smallest change between a take and the take at -20 dB (mean 1.0 dB, against 1.8 dB at 25 and 3.0 dB
#: at 30; the raw mean level moved 7 dB).
MEL_RANGE_DB = 20.0

# Standardisation statistics of relative_level(features) per column, measured on augmented simulated audio
# (training.simulator.effects.augment_audio; 96 takes x 21 s, both renderers, fast_strokes=0.3). Reprint with
#     python tools/audio_level_stats.py
# A model that copies them into its state_dict is unaffected by later edits here.
LEVEL_FEATURE_MEAN: tuple[float, ...] = (
    1.2252, -18.2942, 42.4519, -22.3532, -1.5682, 2.6255, -5.8862, -8.8568, -5.2027, -3.3581, -3.3142,
    -4.8812, -5.3062, -2.4528, -1.0692, -1.9361, -2.4252, -1.3863, -0.6587, 0.221, -0.2489,
    0.1943, 0.2141, 0.22, 0.1935, 0.2163, 0.1818, 0.1719, 0.1737, 0.1839, 0.213, 0.1716, 0.1846,
    0.1052, 0.5443,
)
LEVEL_FEATURE_STD: tuple[float, ...] = (
    2.4718, 1.9726, 43.1589, 25.0928, 13.2309, 14.142, 11.7494, 11.174, 10.5579, 10.7282, 11.795,
    13.1305, 13.7433, 13.769, 14.1455, 13.7925, 13.479, 13.292, 13.1155, 11.9639, 11.4189,
    0.2077, 0.2229, 0.229, 0.1962, 0.2227, 0.2114, 0.2087, 0.2108, 0.2017, 0.2347, 0.2039, 0.2117,
    0.3068, 0.3531,
)


def _mfcc_basis(dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """Orthonormal DCT-II rows ``(N_MFCC, N_MELS)``: ``mfcc = basis @ log_mel`` as in librosa (``norm='ortho'``)."""
    k = torch.arange(N_MFCC, dtype=torch.float64)[:, None]
    n = torch.arange(N_MELS, dtype=torch.float64)[None, :]
    basis = torch.cos(math.pi * k * (2.0 * n + 1.0) / (2.0 * N_MELS)) * math.sqrt(2.0 / N_MELS)
    basis[0] = math.sqrt(1.0 / N_MELS)
    return basis.to(dtype=dtype, device=device)


def _percentile(x: torch.Tensor, q: float) -> torch.Tensor:
    """``q``-th percentile over the last axis with linear interpolation (numpy's default), keepdim.

    Sorting instead of ``torch.quantile``, which refuses inputs of more than 2**24 elements (large batches).
    """
    s = torch.sort(x, dim=-1).values
    pos = (s.shape[-1] - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, s.shape[-1] - 1)
    frac = pos - lo
    return s[..., lo : lo + 1] * (1.0 - frac) + s[..., hi : hi + 1] * frac


def relative_level(features, percentile: float = LEVEL_PERCENTILE, mel_range_db: float = MEL_RANGE_DB,
                   rms_floor: float = RMS_FLOOR):
    """Rewrite the gain-dependent feature columns relative to each window's loud frames.

    Parameters
    ----------
    features : torch.Tensor or np.ndarray, shape (..., T, 35)
        Raw :func:`~pose_audio_refine.audio.audio_features` rows; each ``(T, 35)`` slice is one window
        (MAPnet's: ``T = WINDOW_ROWS = 150`` rows, 3 s at 50 fps) and is normalised by its own statistics.
        Not modified.
    percentile : float, default :data:`LEVEL_PERCENTILE`
        Percentile (0-100) of the window's frames that sets its reference level.
    mel_range_db : float, default :data:`MEL_RANGE_DB`
        dB below the reference at which the relative level is floored (> 0).
    rms_floor : float, default :data:`RMS_FLOOR`
        Smallest rms reference, linear full-scale amplitude (> 0).

    Returns
    -------
    torch.Tensor or np.ndarray, shape (..., T, 35)
        Same type, dtype (float32 for non-float input) and device as the input. Column 1 (``mfcc_0``)
        becomes the mean band level in dB relative to the window's reference, in ``[-mel_range_db, ~+5]``;
        column 34 (``rms``) becomes rms divided by the window's reference rms (dimensionless, ~[0, 1.5]);
        the other 33 columns are copied unchanged (see the module docstring for why).

    Raises
    ------
    ValueError
        Not ``(..., T, 35)`` with ``T >= 1``, non-finite values, or bad parameters.
    """
    is_numpy = not isinstance(features, torch.Tensor)
    x = torch.tensor(np.asarray(features)) if is_numpy else features  # a copy: read-only arrays are fine
    if not torch.is_floating_point(x):
        x = x.to(torch.float32)
    if x.ndim < 2 or x.shape[-1] != N_FEATURES or x.shape[-2] < 1:
        raise ValueError(f"features must have shape (..., T, {N_FEATURES}) with T >= 1, got {tuple(x.shape)}")
    if not 0.0 <= float(percentile) <= 100.0:
        raise ValueError(f"percentile must be in [0, 100], got {percentile}")
    if not (math.isfinite(mel_range_db) and mel_range_db > 0 and math.isfinite(rms_floor) and rms_floor > 0):
        raise ValueError(f"mel_range_db and rms_floor must be positive, got {mel_range_db}, {rms_floor}")
    if not bool(torch.isfinite(x).all()):
        raise ValueError("features contain NaN or inf")

    # Half precision would lose the dB arithmetic; compute in at least float32 and cast back at the end.
    work = x.to(torch.promote_types(x.dtype, torch.float32))
    log_mel = work[..., 1 : 1 + N_MFCC] @ _mfcc_basis(work.dtype, work.device)  # (..., T, 128) dB, smoothed
    peak = log_mel.amax(dim=-1)  # (..., T) loudest band of each frame
    # The reference never drops below the point where the relative floor would sink under the extractor's
    # fixed floor: below it the window is mostly floor anyway and no reference could undo the clipping.
    ref = _percentile(peak, percentile).clamp_min(MEL_FLOOR_DB + mel_range_db)  # (..., 1)
    level = (log_mel - ref[..., None]).clamp_min(-mel_range_db).mean(dim=-1)  # (..., T) dB re reference

    rms = work[..., N_FEATURES - 1]
    rms_ref = _percentile(rms, percentile).clamp_min(rms_floor)

    out = work.clone()
    out[..., 1] = level
    out[..., N_FEATURES - 1] = rms / rms_ref
    out = out.to(x.dtype)
    return out.numpy() if is_numpy else out
