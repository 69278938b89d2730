"""The paper's 35-dim audio features (MAPnet §3.4), one row per pose frame.

Columns (see :data:`FEATURE_NAMES` and the slice constants):

====== ========================== ===============================================================
column  name                       what
====== ========================== ===============================================================
0       ``onset_env``              spectral-flux onset strength (``librosa.onset.onset_strength``)
1-20    ``mfcc_0`` .. ``mfcc_19``  20 MFCCs of the 128-band log-mel spectrogram
21-32   ``cens_C`` .. ``cens_B``   chroma energy normalised statistics (CENS), C, C#, ..., B
33      ``onset_peak``             1.0 on frames where an onset peak is picked, else 0.0
34      ``rms``                    RMS of the 2048-sample frame (linear amplitude, full scale = 1)
====== ========================== ===============================================================

Time grid
    Row ``t`` describes time ``t / fps`` seconds: every analysis frame is centred (``center=True``) on sample
    ``t * sr / fps``. With ``hop = sr / fps`` (882 samples at 44.1 kHz and 50 fps) the number of rows is
    ``T = floor(n_samples * fps / sr)`` (:func:`n_feature_frames`): 3 s at 44.1 kHz gives exactly 150 rows,
    the paper's ``A in R^{150 x 35}``. librosa would give ``1 + n_samples // hop`` centred frames; the last
    one, centred on the very last sample, is dropped so that T depends on the duration only.

    When ``sr / fps`` is not a whole number (e.g. 44.1 kHz at 29.97 fps) the signal is first resampled (soxr)
    to ``sr' = fps * ceil(sr / fps)`` (44115.84 Hz, hop 1472, at 29.97 fps) so that the hop is a whole number
    of samples and no interpolation is needed; n_fft etc. stay in samples. Chroma is always computed on its
    own exact grid (below).

Spectral parameters
    librosa defaults at the paper's 44.1 kHz: ``n_fft = 2048`` Hann frames (46 ms), 128 mel bands, 20 MFCCs,
    RMS over 2048 samples, CENS with 36 bins/octave over 7 octaves from C1 and a 41-frame smoothing window.
    CENS needs a CQT, whose octave-by-octave downsampling requires a hop divisible by 2**6; the signal is
    therefore resampled (soxr) to ``sr_c = fps * hop_c`` with ``hop_c`` the multiple of 64 nearest to
    ``22050 / fps`` (22.4 kHz, ``hop_c = 448`` at 50 fps). The CQT tops out near 4 kHz, so nothing is lost.

Deviations from plain librosa calls, so that features do not depend on the rest of the file
(which makes chunked processing of long files exact, and a 3 s window's features independent of the file
it was cut from):

* log-mel uses a fixed floor of :data:`MEL_FLOOR_DB` (-40 dB) instead of ``top_db=80`` below the file's own
  maximum (a full-scale sine peaks at +39 dB in this mel spectrogram, so this is librosa's behaviour for a
  file that peaks at full scale). MFCC and onset strength both use this log-mel.
* chroma uses ``tuning=0`` (A = 440 Hz) instead of estimating the tuning from the whole signal.
* onset peaks are picked (``librosa.onset.onset_detect``, default windows and ``delta = 0.07``) on the
  envelope min-max normalised over the 3 s (:data:`ONSET_NORM_SECONDS`) centred on each frame instead of over
  the whole signal (the paper normalised per 3 s clip; on 9 dance tracks and the MOSA violin 80-97 % of these
  peaks coincide with per-3 s-clip librosa peaks). The normaliser is floored at 1 dB of flux.

Normalisation
    Values are raw (not standardised): onset strength in dB of positive flux averaged over mel bands, MFCCs
    of dB values, CENS rows of unit L2 norm (zero rows in silence), RMS in linear full-scale units. A model
    should standardise the columns (:data:`FEATURE_MEAN`, :data:`FEATURE_STD`; MAPnet's ``audio_norm=True``). Digital silence gives finite
    features (CENS rows of zeros, MFCCs of the floor, zero onset/RMS).

Long signals
    :func:`audio_features` processes the signal in chunks of ``chunk_seconds`` with ``margin_seconds`` of extra
    context on each side (the features of the margin rows are discarded), so intermediates are bounded by
    the chunk size. The longest-reaching operations are the lowest CQT filter (about 0.8 s each side at C1)
    plus the 41-frame CENS smoothing (0.4 s each side at 50 fps) and the onset normalisation window (1.5 s
    each side plus 0.1 s of peak picking); the default 5 s margin covers them with
    room to spare, and chunked results match a whole-signal computation to float32 round-off
    (see ``tests/test_audio.py``). :func:`features_from_file` does the same while decoding the file
    incrementally with one ffmpeg process.
"""
from __future__ import annotations

import math
import numbers
import warnings
from fractions import Fraction
from typing import Iterable, Iterator

import librosa
import numpy as np
import scipy.ndimage

from ..validation import check_audio, check_finite_signal, check_rate
from .io import stream_audio

__all__ = [
    "CHROMA",
    "FEATURE_MEAN",
    "FEATURE_NAMES",
    "FEATURE_STD",
    "MEL_FLOOR_DB",
    "MFCC",
    "N_FEATURES",
    "ONSET_ENV",
    "ONSET_NORM_FLOOR_DB",
    "ONSET_NORM_SECONDS",
    "ONSET_PEAKS",
    "RMS",
    "audio_features",
    "features_from_blocks",
    "features_from_file",
    "n_feature_frames",
]

PITCH_CLASSES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
FEATURE_NAMES: tuple[str, ...] = (
    ("onset_env",)
    + tuple(f"mfcc_{i}" for i in range(20))
    + tuple(f"cens_{p}" for p in PITCH_CLASSES)
    + ("onset_peak", "rms")
)
N_FEATURES = len(FEATURE_NAMES)  # 35
ONSET_ENV = slice(0, 1)
MFCC = slice(1, 21)
CHROMA = slice(21, 33)
ONSET_PEAKS = slice(33, 34)
RMS = slice(34, 35)

# Reference column statistics for standardising the features before a network sees them. The raw columns
# span five orders of magnitude (mfcc_0 ~ -350 +- 90, rms ~ 0.05 +- 0.05), so an unscaled linear embedding
# hears little but mfcc_0 -- and rms and onsets are what bowing causes. Measured over the MAPdat `realistic`
# train split (3 200 windows x 150 rows, both renderers; `python tools/audio_stats.py data_build/mapdat_realistic`
# reprints them). Models copy them into their state_dict, so changing these later never alters shipped weights.
FEATURE_MEAN: tuple[float, ...] = (
    1.2568, -346.9275, 13.4844, -22.3733, -7.5455, 10.1075, -9.8341, -10.2545, -6.1943, -6.7836, -5.2696,
    -4.3979, -4.2711, -2.6032, -1.9886, -1.8101, -1.5478, -1.5976, -1.6483, -0.9428, 0.1518,
    0.1957, 0.1999, 0.2148, 0.1921, 0.2016, 0.1708, 0.1659, 0.1725, 0.1715, 0.1857, 0.1697, 0.1911,
    0.06, 0.0542,
)
FEATURE_STD: tuple[float, ...] = (
    3.6969, 89.0892, 25.7503, 17.1301, 6.1511, 12.6511, 9.0919, 8.6764, 8.3348, 11.1686, 12.8312,
    13.2023, 14.6566, 16.3287, 17.0742, 16.8291, 16.8496, 16.3462, 15.5034, 14.435, 13.8642,
    0.2236, 0.2289, 0.2424, 0.2172, 0.2314, 0.2119, 0.2016, 0.211, 0.2019, 0.2248, 0.2132, 0.2317,
    0.2375, 0.0492,
)

N_FFT = 2048
N_MELS = 128
N_MFCC = 20
MEL_FLOOR_DB = -40.0
# Onset peaks are picked on the envelope min-max normalised over a sliding window of this length (centred),
# with the normaliser floored at ONSET_NORM_FLOOR_DB so near-silence does not turn into unit-height noise.
ONSET_NORM_SECONDS = 3.0
ONSET_NORM_FLOOR_DB = 1.0
CENS_WIN = 41
_CQT_OCTAVES = 7
_CQT_BINS_PER_OCTAVE = 36
_CQT_MULT = 2 ** (_CQT_OCTAVES - 1)  # librosa's CQT halves the hop once per octave


def n_feature_frames(n_samples: int, sr: float, fps: float) -> int:
    """Number of feature rows for a signal: ``floor(n_samples * fps / sr)``.

    Parameters
    ----------
    n_samples : int
        Signal length in samples.
    sr : float
        Sample rate in Hz.
    fps : float
        Feature (pose) frame rate in Hz.

    Returns
    -------
    int
        ``T``; e.g. 150 for 3 s at any ``sr`` with ``fps = 50``.
    """
    if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral) or n_samples < 0:
        raise ValueError(f"n_samples must be a non-negative integer, got {n_samples!r}")
    sr = check_rate(sr, "sr")
    fps = check_rate(fps, "fps")
    # The tiny slack keeps exact products (132300 * 50 / 44100 = 150) from flooring to 149 by round-off.
    return int(math.floor(n_samples * fps / sr + 1e-9))


def _row_sample(row: int, sr: float, fps: float) -> int:
    """First sample of a segment whose row 0 is global row ``row`` (exact when sr/fps is a whole number)."""
    return int(round(row * sr / fps))


def _chroma_grid(fps: float) -> tuple[float, int]:
    """(sr_c, hop_c): a CQT-friendly rate and hop with hop_c / sr_c == 1 / fps exactly."""
    hop_c = _CQT_MULT * max(1, int(round(22050.0 / (_CQT_MULT * fps))))
    return hop_c * fps, hop_c


def _fit_rows(x: np.ndarray, n: int) -> np.ndarray:
    """First ``n`` columns of a (d, frames) array, repeating the last frame if it is short by a frame or so."""
    if x.shape[1] >= n:
        return x[:, :n]
    return np.pad(x, ((0, 0), (0, n - x.shape[1])), mode="edge")


def _segment_features(y: np.ndarray, sr: float, fps: float, n_rows: int | None = None) -> np.ndarray:
    """Features of one finite float32 segment: (n_rows, 35), row t centred at sample t*sr/fps.

    ``n_rows`` defaults to ``n_feature_frames(len(y))``; chunks pass it explicitly because with a fractional
    hop a segment's own row count can differ by one from the rows it is meant to cover.
    """
    T = n_feature_frames(y.size, sr, fps) if n_rows is None else n_rows
    y_in, sr_in = y, sr
    if not float(sr / fps).is_integer():
        hop = int(math.ceil(sr / fps))
        y, sr = librosa.resample(y, orig_sr=sr, target_sr=fps * hop, res_type="soxr_hq"), fps * hop
    hop = int(round(sr / fps))
    with warnings.catch_warnings():
        # librosa warns when n_fft exceeds a very short signal; the zero padding it applies is what we want.
        warnings.filterwarnings("ignore", message=r"n_fft=\d+ is too large", category=UserWarning)
        mel = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=N_FFT, hop_length=hop, n_mels=N_MELS, center=True)
        log_mel = librosa.power_to_db(mel, ref=1.0, amin=10.0 ** (MEL_FLOOR_DB / 10.0), top_db=None)
        env = librosa.onset.onset_strength(S=log_mel, sr=sr, hop_length=hop, n_fft=N_FFT, center=True)
        mfcc = librosa.feature.mfcc(S=log_mel, n_mfcc=N_MFCC)
        rms = librosa.feature.rms(y=y, frame_length=N_FFT, hop_length=hop, center=True)
        peaks_idx = librosa.onset.onset_detect(
            onset_envelope=_local_normalise(env, sr / hop), sr=sr, hop_length=hop, normalize=False, units="frames"
        )
        sr_c, hop_c = _chroma_grid(fps)
        y_c = librosa.resample(y_in, orig_sr=sr_in, target_sr=sr_c, res_type="soxr_hq")
        cens = librosa.feature.chroma_cens(
            y=y_c, sr=sr_c, hop_length=hop_c, tuning=0.0, n_chroma=12,
            n_octaves=_CQT_OCTAVES, bins_per_octave=_CQT_BINS_PER_OCTAVE, win_len_smooth=CENS_WIN,
        )
    cont = _fit_rows(np.vstack([env[None, :], mfcc, rms]), T)  # (22, T)
    peaks = np.zeros(T, dtype=np.float32)
    peaks[peaks_idx[peaks_idx < T]] = 1.0
    cens = _fit_rows(cens, T)
    out = np.empty((T, N_FEATURES), dtype=np.float32)
    out[:, ONSET_ENV] = cont[0:1].T
    out[:, MFCC] = cont[1 : 1 + N_MFCC].T
    out[:, CHROMA] = cens.T
    out[:, ONSET_PEAKS] = peaks[:, None]
    out[:, RMS] = cont[1 + N_MFCC :].T
    return out


def _local_normalise(env: np.ndarray, frame_rate: float) -> np.ndarray:
    """``librosa.onset.onset_detect``'s min-max normalisation, done over a centred sliding window.

    Whole-file normalisation would make every peak depend on the loudest moment of the file (and chunked
    results differ from whole ones); the paper computed features per 3 s clip, so the peaks it saw were
    normalised over 3 s. Normalising each frame by the min/max of the 3 s centred on it reproduces that
    without fixing where the clips start.
    """
    size = 2 * int(round(ONSET_NORM_SECONDS * frame_rate / 2)) + 1
    hi = scipy.ndimage.maximum_filter1d(env, size, mode="nearest")
    lo = scipy.ndimage.minimum_filter1d(env, size, mode="nearest")
    return (env - lo) / np.maximum(hi - lo, ONSET_NORM_FLOOR_DB)


def _check_signal(y) -> np.ndarray:
    """Validate a mono signal without copying a possibly huge array; return it as an ndarray view."""
    arr = y if isinstance(y, np.ndarray) else np.asarray(y)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise TypeError(f"y must be a real numeric array, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"y must be a mono signal of shape (n_samples,), got shape {arr.shape}; "
                         "average the channels first (e.g. y.mean(axis=0))")
    if arr.size == 0:
        raise ValueError("y is empty (0 samples)")
    if np.issubdtype(arr.dtype, np.floating):
        check_finite_signal(arr, "y", "clean the signal before computing features")
    return arr


def _check_chunking(chunk_seconds, margin_seconds, sr: float, fps: float) -> tuple[int, int]:
    """Rows per chunk and margin rows.

    Both are rounded up to a multiple of the smallest row count ``q`` spanning a whole number of samples, so
    every segment starts exactly on a row boundary (q = 1 when sr / fps is whole; q = 333 rows = 11.1 s at
    44.1 kHz and 29.97 fps). If q is absurd (an fps like 29.971234), segments start at the nearest sample and
    chunked results differ from whole ones by that sub-sample shift.
    """
    chunk_seconds = check_rate(chunk_seconds, "chunk_seconds")
    margin_seconds = check_rate(margin_seconds, "margin_seconds")
    rows = max(1, int(round(chunk_seconds * fps)))
    margin = max(1, int(math.ceil(margin_seconds * fps)))
    q = (Fraction(sr).limit_denominator(10**6) / Fraction(fps).limit_denominator(10**6)).denominator
    if 1 < q <= 600 * fps:  # an aligned step of at most 10 min
        rows, margin = q * math.ceil(rows / q), q * math.ceil(margin / q)
    return rows, margin


def _plan(T: int, rows: int, margin: int, r_start: int = 0) -> Iterator[tuple[int, int, int, int]]:
    """Chunks (r0, r1, a, b): output rows [r0, r1) computed from a segment covering rows [a, b)."""
    for r0 in range(r_start, T, rows):
        r1 = min(T, r0 + rows)
        yield r0, r1, max(0, r0 - margin), min(T, r1 + margin)


def _segment_bounds(a: int, b: int, T: int, n: int, sr: float, fps: float) -> tuple[int, int]:
    """Sample range of the segment for rows [a, b): the last chunk runs to the end of the signal so its
    final rows see the same end padding as a whole-signal computation."""
    s0 = _row_sample(a, sr, fps)
    s1 = n if b == T else min(n, s0 + int(math.ceil((b - a) * sr / fps - 1e-9)))
    return s0, s1


def _chunk_rows(seg: np.ndarray, sr: float, fps: float, r0: int, r1: int, a: int) -> np.ndarray:
    feats = _segment_features(check_audio(seg, "y"), sr, fps, n_rows=r1 - a)
    return feats[r0 - a :]


def audio_features(y, sr: float, fps: float = 50, chunk_seconds: float = 60.0,
                   margin_seconds: float = 5.0) -> np.ndarray:
    """The paper's 35 audio features per pose frame (MAPnet §3.4).

    Parameters
    ----------
    y : np.ndarray, shape (n_samples,)
        Mono audio, float (nominally in [-1, 1]); not modified.
    sr : float
        Sample rate of ``y`` in Hz (the paper uses 44100).
    fps : float, default 50
        Feature frame rate in Hz; row ``t`` describes time ``t / fps`` s (the paper: 150 rows per 3 s).
    chunk_seconds : float, default 60
        Long signals are processed in chunks of this many seconds (bounded memory).
    margin_seconds : float, default 5
        Context added on each side of a chunk and then discarded. Keep it >= 2 s (the reach of the CQT,
        CENS smoothing and onset normalisation) for chunked results to equal whole-signal ones.

    Returns
    -------
    np.ndarray, shape (T, 35), float32
        ``T = n_feature_frames(len(y), sr, fps)``; columns as :data:`FEATURE_NAMES`.

    Raises
    ------
    TypeError
        ``y`` is not a real numeric array.
    ValueError
        ``y`` is not 1-D, is empty, contains NaN/inf, or is shorter than one frame (``sr / fps`` samples);
        ``sr``/``fps``/chunk arguments are not positive, or ``fps`` is outside [1, 1000] Hz.
    """
    sr = check_rate(sr, "sr", low=1000, high=384000)
    fps = check_rate(fps, "fps", low=1, high=1000)
    arr = _check_signal(y)
    T = n_feature_frames(arr.size, sr, fps)
    if T == 0:
        raise ValueError(f"y is too short: {arr.size} samples is less than one frame ({sr / fps:g} samples "
                         f"at sr={sr:g}, fps={fps:g})")
    rows, margin = _check_chunking(chunk_seconds, margin_seconds, sr, fps)
    out = np.empty((T, N_FEATURES), dtype=np.float32)
    for r0, r1, a, b in _plan(T, rows, margin):
        s0, s1 = _segment_bounds(a, b, T, arr.size, sr, fps)
        out[r0:r1] = _chunk_rows(arr[s0:s1], sr, fps, r0, r1, a)
    return out


def features_from_file(path, sr: int = 44100, fps: float = 50, chunk_seconds: float = 60.0,
                       margin_seconds: float = 5.0, offset: float = 0.0,
                       duration: float | None = None) -> np.ndarray:
    """Decode a media file and compute :func:`audio_features` chunk by chunk, in bounded memory.

    One ffmpeg process streams the decoded samples; only about ``chunk_seconds + 2 * margin_seconds`` of
    audio is held at a time, so hour-long recordings cost the same memory as a minute. The result equals
    ``audio_features(*load_audio(path, sr, offset, duration), fps, chunk_seconds, margin_seconds)``.

    Parameters
    ----------
    path : str or pathlib.Path
        Audio or video file (anything ffmpeg reads).
    sr : int, default 44100
        Decoding sample rate in Hz.
    fps : float, default 50
        Feature frame rate in Hz.
    chunk_seconds, margin_seconds : float
        As in :func:`audio_features`.
    offset, duration : float
        Seconds to skip / to read at most (see :func:`pose_audio_refine.audio.load_audio`).

    Returns
    -------
    np.ndarray, shape (T, 35), float32
        ``T = n_feature_frames(n_decoded_samples, sr, fps)``.

    Raises
    ------
    FileNotFoundError, NoAudioStreamError, AudioDecodeError
        As :func:`pose_audio_refine.audio.load_audio`.
    ValueError
        Bad rates/chunk sizes, NaN/inf in the decoded audio, or less than one frame of audio.
    """
    fps = check_rate(fps, "fps", low=1, high=1000)
    check_rate(sr, "sr", low=1000, high=384000)
    _check_chunking(chunk_seconds, margin_seconds, sr, fps)  # bad arguments fail before ffmpeg starts
    blocks = stream_audio(path, sr=sr, block_seconds=max(1.0, min(chunk_seconds, 30.0)),
                          offset=offset, duration=duration)
    return features_from_blocks(blocks, sr, fps, chunk_seconds, margin_seconds, where=str(path))


def features_from_blocks(blocks: Iterable[np.ndarray], sr: float, fps: float = 50, chunk_seconds: float = 60.0,
                         margin_seconds: float = 5.0, where: str = "audio") -> np.ndarray:
    """:func:`audio_features` of a signal that arrives block by block, in bounded memory.

    Only about ``chunk_seconds + 2 * margin_seconds`` of audio (plus one block) is held at a time, whatever the
    signal's length; the result equals ``audio_features(np.concatenate(list(blocks)), sr, fps, ...)``.
    :func:`features_from_file` feeds it a decoder's blocks; the Refiner feeds it a caller's array resampled
    piece by piece.

    Parameters
    ----------
    blocks : iterable of np.ndarray
        Consecutive pieces ``(n_i,)`` of one mono float signal (any lengths, finite).
    sr : float
        Sample rate of the signal, Hz.
    fps, chunk_seconds, margin_seconds
        As in :func:`audio_features`.
    where : str
        What the signal is, for error messages.

    Returns
    -------
    np.ndarray, shape (T, 35), float32
        ``T = n_feature_frames(total_samples, sr, fps)``.

    Raises
    ------
    ValueError
        Bad rates/chunk sizes, NaN/inf samples, or less than one frame of audio in all.
    """
    fps = check_rate(fps, "fps", low=1, high=1000)
    sr = check_rate(sr, "sr", low=1000, high=384000)
    rows, margin = _check_chunking(chunk_seconds, margin_seconds, sr, fps)
    blocks = iter(blocks)
    buf = np.zeros(0, dtype=np.float32)  # samples [buf_start, buf_start + buf.size) of the signal
    buf_start = 0
    eof = False
    parts: list[np.ndarray] = []
    r0 = 0
    while True:
        r1 = r0 + rows
        # Enough samples to know whether rows [r0, r1 + margin) all exist, i.e. T > r1 + margin.
        need = int(math.ceil((r1 + margin + 1) * sr / fps)) + 1
        pending = [buf]  # joined once: appending block by block would copy the buffer for every block
        have = buf_start + buf.size
        while not eof and have < need:
            try:
                block = next(blocks)
            except StopIteration:
                eof = True
            else:
                pending.append(np.asarray(block, dtype=np.float32).reshape(-1))
                have += pending[-1].size
        buf = np.concatenate(pending) if len(pending) > 1 else buf
        if eof:
            n = buf_start + buf.size
            T = n_feature_frames(n, sr, fps)
            if T == 0:
                raise ValueError(f"{where}: {n} samples, less than one frame ({sr / fps:g} samples)")
            for c0, c1, a, b in _plan(T, rows, margin, r_start=r0):
                s0, s1 = _segment_bounds(a, b, T, n, sr, fps)
                parts.append(_chunk_rows(buf[s0 - buf_start : s1 - buf_start], sr, fps, c0, c1, a))
            break
        # Not at the end: rows [r0, r1 + margin) all exist and none of them is the last row.
        a, b = max(0, r0 - margin), r1 + margin
        s0, s1 = _segment_bounds(a, b, b + 1, need, sr, fps)
        parts.append(_chunk_rows(buf[s0 - buf_start : s1 - buf_start], sr, fps, r0, r1, a))
        r0 = r1
        keep_from = _row_sample(max(0, r0 - margin), sr, fps)
        buf = buf[keep_from - buf_start :].copy()
        buf_start = keep_from
    return np.concatenate(parts, axis=0)
