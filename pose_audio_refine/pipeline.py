"""The refinement pipeline's model stages, shared by every caller.

Data flows one way: audio + poses -> canonical frame (:mod:`pose_audio_refine.canonical`) -> **windows ->
model -> guard -> noise gate -> output smoothing** (this module) -> blend (:mod:`pose_audio_refine.blending`) -> original frame. The Refiner (and
through it the MMPose refiners and the video tool) and the benchmark (:mod:`training.benchmark`) call
:func:`refine_windows` on their windows, so the benchmark scores exactly what users get.

A window is a 3 s span of the 50 fps output grid (150 slots). Its input is the sparse input frames that fall
inside it, at their true timestamps (relative to the window's start). :func:`grid_windows` undoes left/right
swaps in those frames at their own rate (optional, :mod:`pose_audio_refine.swaps`) and then interpolates them
onto the 150 slots; the network refines the gridded windows; :func:`guard_windows` replaces windows whose
output strays implausibly far from their own input; :func:`gate_windows` lets the network's change through in
proportion to the white jitter the input frames evidently carry (:func:`white_noise_mm`), so that a clean track
comes back as it went in; :func:`smooth_windows` then smooths what the network left of that jitter, as widely as
the jitter is large, and the audio-driven detail only lightly, so the bow changes the sound put in stay sharp.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from .interpolate import interp_track
from .skeletons import TELMI13_PAIRS
from .swaps import unswap_windows
from .windows import N_SLOTS, OUT_FPS

__all__ = ["SLOT_TIMES", "GUARD_MIN_MM", "GUARD_RATIO", "GUARD_SIGMA_SLOTS", "GUARD_FALLBACK_SIGMA_SLOTS",
           "NOISE_GATE_MM", "GATE_POWER", "GATE_SHARE", "GATE_MIN_SAMPLES", "SMOOTH_JITTER_MM", "SMOOTH_SHARE",
           "SMOOTH_MAX_SLOTS", "SMOOTH_HEAVY", "DETAIL_SMOOTH_SLOTS", "DETAIL_SMOOTH_HEAVY_SLOTS",
           "DETAIL_SMOOTH_HEAVY_MM", "detail_smoothing_widths", "NonFiniteOutputError", "grid_windows", "run_network",
           "guard_windows", "white_noise_mm", "jitter_share", "window_noise_mm", "gate_windows", "smoothing_widths",
           "smooth_windows", "refine_windows"]

#: Slot times of one window relative to its start, s.
SLOT_TIMES: np.ndarray = np.arange(N_SLOTS) / OUT_FPS
#: Out-of-distribution guard: a window whose refined output strays from a Gaussian smoothing of its own input
#: (sigma GUARD_SIGMA_SLOTS) by more than ``max(GUARD_MIN_MM, GUARD_RATIO x the input's scatter around that
#: smoothing)`` (medians over frames and joints, mm) is replaced by a light smoothing of its input (sigma
#: GUARD_FALLBACK_SIGMA_SLOTS, which keeps fast motion). Why: the model was trained on violin playing (plus a
#: little real dance and mocap) and on motion unlike it -- measured on real dance test windows -- its raw output
#: can be hundreds of mm off; a smoother is never that wrong.
GUARD_MIN_MM: float = 100.0
GUARD_RATIO: float = 3.0
GUARD_SIGMA_SLOTS: float = 10.0
GUARD_FALLBACK_SIGMA_SLOTS: float = 2.0
#: Noise gate: the network's change to a window's joint is scaled by ``n^4 / (n^4 + NOISE_GATE_MM^4)``, where ``n``
#: is the white jitter its input frames evidently carry (:func:`white_noise_mm`, RMS 3-D distance, mm). Why: the
#: network cannot tell real fast motion from jitter at low rates and, trained mostly on a violinist, it moves clean
#: real motion by several mm (MoCap Toolbox at 25 fps: 2.7 mm where linear interpolation is 0.6 mm). White jitter
#: has a signature real motion lacks -- its second differences are anti-correlated at lags 1 and 2 -- so a clean
#: track (n ~ 0) comes back as it went in, 3 mm of evident jitter passes 24 % of the change, 5 mm 71 %, 10 mm 97 %.
#: Chosen on measurements (README, "Do no harm"): n^2 / (n^2 + 6^2) protected clean motion as well but let only
#: 74 % through at 10 mm, which cost the de-jittering of `realistic` noise (acceleration error at 50 fps 6.1 vs 2.5
#: mm/frame^2 ungated; with this gate 2.7).
NOISE_GATE_MM: float = 4.0
#: Exponent of the gate's gain (see :data:`NOISE_GATE_MM`): a sharper step between "clean" and "jittery".
GATE_POWER: int = 4
#: The gate's second factor: a ramp from 0 to 1 over this range of the jitter's share of the input's frame-to-frame
#: bends (:func:`jitter_share`). Why: real motion that changes as fast as the frame rate resolves (dance, mocap at
#: 12.5-15 fps) reads as 5-13 mm of "jitter", which opened the gate on clean real tracks, but its bends are mostly
#: its own (share 0.1-0.3) where jitter's are not (10 mm of white jitter on a violinist: ~1.0; on real dance at
#: 12.5 fps: ~0.55). Measured on the do-no-harm sweep's clean real dance at 12.5 fps: 4.5 mm -> 3.5 mm (linear 2.8).
GATE_SHARE: tuple[float, float] = (0.2, 0.5)
#: Fewer usable second-difference products than this in a window (short or gappy input): no evidence either way,
#: the network's change passes whole (the behaviour without the gate).
GATE_MIN_SAMPLES: int = 8
#: Output smoothing (:func:`smooth_windows`): the evident input jitter (mm, :func:`white_noise_mm`) at which the
#: smoothing of the network's non-audio output starts and at which it reaches :data:`SMOOTH_MAX_SLOTS`. Why: the
#: network removes most of the jitter but leaves a frame-to-frame residue -- kinks at the input samples, where the
#: interpolated input bends -- that makes its tracks 3-5x jerkier than a tuned Gaussian's (the do-no-harm sweep's
#: acceleration error). Below the first value nothing is smoothed, so a clean track still comes back as it went in;
#: fast clean real motion that reads as more "jitter" than that (real dance at 12.5 fps: ~5 mm) is kept by the share
#: ramp below (its share is 0.1-0.3). Measured on the do-no-harm sweep (cells at or below the best tuned filter, on
#: its 100 test windows / on 100 others with other noise draws): (8, 25) mm with a share ramp of (0.6, 1.0), the
#: previous setting, 79 / 80; (8, 25) with (0.5, 0.9) 82 / 82; (5, 15) 85 / 84; (3, 15) 86 / 85 -- the violinist's
#: 10 mm of jitter is smoothed fully, which takes its acceleration error below the Gaussian's (0.56 -> 0.34
#: mm/frame^2 at 25 fps). The fast-stroke audio scores did not move (bow-change F1 0.61-0.77 either way).
SMOOTH_JITTER_MM: tuple[float, float] = (3.0, 15.0)
#: ... and the ramp in the jitter's share of the input's frame-to-frame bends (:func:`jitter_share`): real dance at
#: 12.5 fps with 10 mm of jitter has a share of ~0.55 and gets worse when smoothed much (9.2 -> 9.5 mm at a width of
#: 1 slot, measured on the test windows), a violinist with the same jitter ~1.0 and gains.
SMOOTH_SHARE: tuple[float, float] = (0.5, 0.9)
#: Output smoothing at :data:`SMOOTH_JITTER_MM`'s upper end, slots of the 50 fps grid (Gaussian standard deviation,
#: around the window's straight-line trend so that travel is kept; see :func:`smooth_windows`).
SMOOTH_MAX_SLOTS: float = 2.0
#: Heavy jitter (the paper's 300 mm noise reads as ~500 mm) takes wider smoothing: another ``SMOOTH_HEAVY[1]`` slots
#: ramped in over ``SMOOTH_HEAVY[0]`` mm. Measured on the sweep's test windows, best width per window and joint:
#: ~2 slots at 30 mm of jitter (real dance, MoCap Toolbox; wider loses real motion), 6-8 at the paper's noise;
#: the do-no-harm sweep's cells at or below the best filter: 72 without it, 77 with 4 slots more, 79 with 6.
#: Session 24 (stage 9 weights): the ramp stretched to 40-400 mm with 10 slots at its end -- about the same width at the
#: tens of mm of `realistic` noise, wider at the paper's ~500 mm, where the violin's tuned filters smooth over 0.5-1 s --
#: took the sweep from 88 to 90 cells on its reference noise draw and from 79 to 82 on another (``--seed 1``); 12 slots
#: 89 / 83 (real dance at paper noise, 25 fps, lost), 40-200 mm with 10 slots 88 / 82 (real dance at `realistic` lost).
SMOOTH_HEAVY: tuple[tuple[float, float], float] = ((40.0, 400.0), 10.0)
#: Smoothing of the audio-driven detail, slots: it takes out slot-to-slot ripple and keeps a bow change within the
#: ±30 ms the bow-change timing allows (measured on the fast-stroke test windows: 1 slot cost bow-change F1 0.02-0.03,
#: 0.5 slot nothing, and it lowers the bowing wrist's velocity error by 4-6 mm/s against no smoothing of the detail).
DETAIL_SMOOTH_SLOTS: float = 0.5
#: ... plus this many slots more, ramped in over :data:`DETAIL_SMOOTH_HEAVY_MM` of evident jitter, where the input is so
#: noisy that the detail's timing -- it also reads the pose -- is no longer sharp. Measured on the do-no-harm sweep's
#: violin at the paper's noise (~500 mm of evident jitter): acceleration error 2.5 / 2.3 x the best filter's -> 1.5 /
#: 1.2 x at 12.5 / 25 fps, MPJPE unchanged (8 slots: the same). Ramped over 40-200 mm (the pose smoothing's heavy
#: range) it also reached the tail of the fast-stroke passages (``realistic_blur``: 9-32 mm for 80 % of windows, more
#: for some) and cost their bowing-wrist velocity error 1-3 mm/s and bow-change F1 0.01; over 100-400 mm, nothing.
DETAIL_SMOOTH_HEAVY_SLOTS: float = 4.0
DETAIL_SMOOTH_HEAVY_MM: tuple[float, float] = (100.0, 400.0)


class NonFiniteOutputError(RuntimeError):
    """The network returned NaN or inf where its input was observed (a broken or diverged checkpoint).

    Raised by :func:`run_network` instead of letting NaN flow on: the guard's medians would then warn about
    all-NaN slices and the caller would get all-NaN poses with no word on why.
    """


def grid_windows(frames: np.ndarray | Sequence[np.ndarray], times: np.ndarray | Sequence[np.ndarray], *,
                 unswap: bool) -> np.ndarray:
    """Put windows of sparse input frames onto the 150-slot grid.

    Parameters
    ----------
    frames : np.ndarray, shape (B, T_in, 13, 3), or a sequence of B arrays ``(T_b, 13, 3)``
        Canonical telmi13 input frames of each window, mm; NaN = missing joint.
    times : np.ndarray, shape (T_in,), or a sequence of B arrays ``(T_b,)``
        Their timestamps relative to the window start, s (one shared array for an array ``frames``).
    unswap : bool
        Undo left/right swaps in each window's frames first, at their own rate (before interpolation smears a
        swap into a ramp).

    Returns
    -------
    np.ndarray, shape (B, 150, 13, 3)
        float64, NaN for joints never observed in a window.
    """
    if isinstance(frames, np.ndarray):  # windows sharing their input times: one vectorised track
        x = np.asarray(frames, dtype=np.float64)
        if unswap:
            x = unswap_windows(x, TELMI13_PAIRS)
        b, t_in, j, _ = x.shape
        track = x.transpose(1, 0, 2, 3).reshape(t_in, b * j, 3)
        grid = interp_track(track, np.asarray(times, dtype=np.float64), SLOT_TIMES)
        return grid.reshape(N_SLOTS, b, j, 3).transpose(1, 0, 2, 3)
    out = []
    for win, t in zip(frames, times):
        if unswap:
            win = unswap_windows(win[None], TELMI13_PAIRS)[0]
        out.append(interp_track(win, t, SLOT_TIMES))
    return np.stack(out)


def run_network(net: torch.nn.Module, grids: np.ndarray, audio: np.ndarray | None, *,
                return_detail: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Refine gridded windows with a network (eval mode, no gradients, on the network's device).

    Parameters
    ----------
    net : torch.nn.Module
        Maps ``(B, 150, 13, 3)`` mm and ``(B, 150, F)`` audio features (or None) to ``(B, 150, 13, 3)`` mm.
    grids : np.ndarray, shape (B, 150, 13, 3)
        mm, NaN for joints never observed in a window.
    audio : np.ndarray, shape (B, 150, F), or None
        Audio features on the same slots; None: pose-only.
    return_detail : bool
        Also return the part of the change the network's audio-driven detail made (``net.detail``; zeros for a
        network without one).

    Returns
    -------
    np.ndarray, shape (B, 150, 13, 3)
        float64: the float32 network's correction added to the float64 input, so round-off touches only the
        correction.
    np.ndarray, shape (B, 150, 13, 3), only with ``return_detail``
        The audio detail's share of that correction, mm.

    Raises
    ------
    NonFiniteOutputError
        The output is NaN/inf at a slot and joint whose input was observed.
    """
    device = next(iter(net.parameters()), torch.empty(0)).device
    poses = torch.from_numpy(grids.astype(np.float32)).to(device)
    au = None if audio is None else torch.from_numpy(np.asarray(audio, dtype=np.float32)).to(device)
    has_detail = getattr(net, "detail", None) is not None
    was_training = net.training
    net.eval()
    try:
        with torch.inference_mode():
            if has_detail:
                res, detail = net(poses, au, return_detail=True)
                detail = detail.double().cpu().numpy()
            else:
                res, detail = net(poses, au), None
            delta = (res - poses).double().cpu().numpy()
    finally:
        net.train(was_training)
    out = grids + delta
    observed = np.isfinite(grids)
    n_bad = int(np.count_nonzero(observed & ~np.isfinite(out)))
    if n_bad:
        raise NonFiniteOutputError(f"the network returned NaN/inf for {n_bad} of {int(observed.sum())} observed "
                                   "coordinates of its input windows")
    if not return_detail:
        return out
    return out, (np.zeros_like(out) if detail is None else np.where(np.isfinite(detail), detail, 0.0))


def _stray_windows(grids: np.ndarray, refined: np.ndarray) -> np.ndarray:
    """``(B,)`` True for the windows :func:`guard_windows` replaces."""
    from scipy.ndimage import gaussian_filter1d

    smooth = gaussian_filter1d(grids, GUARD_SIGMA_SLOTS, axis=1, mode="nearest")
    scatter = np.nanmedian(np.linalg.norm(grids - smooth, axis=-1), axis=(1, 2))
    stray = np.nanmedian(np.linalg.norm(refined - smooth, axis=-1), axis=(1, 2))
    return stray > np.maximum(GUARD_MIN_MM, GUARD_RATIO * scatter)


def guard_windows(grids: np.ndarray, refined: np.ndarray, bad: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """Replace implausible windows by a light Gaussian smoothing of their input (see :data:`GUARD_MIN_MM`).

    Parameters
    ----------
    grids, refined : np.ndarray, shape (B, 150, 13, 3)
        Canonical mm, NaN for joints never observed in a window.
    bad : np.ndarray, shape (B,), optional
        The windows to replace, when the caller has already found them; default: found here.

    Returns
    -------
    refined : np.ndarray, shape (B, 150, 13, 3)
        A new array when any window was replaced.
    n_replaced : int
    """
    from scipy.ndimage import gaussian_filter1d

    bad = _stray_windows(grids, refined) if bad is None else np.asarray(bad, dtype=bool)
    if not bad.any():
        return refined, 0
    light = gaussian_filter1d(grids[bad], GUARD_FALLBACK_SIGMA_SLOTS, axis=1, mode="nearest")
    out = refined.copy()
    out[bad] = np.where(np.isnan(light), refined[bad], light)
    return out, int(bad.sum())


def white_noise_mm(frames: np.ndarray) -> np.ndarray:
    """The white jitter a window's input frames evidently carry, per joint, at their own rate.

    For a track ``y = s + n`` with white noise ``n`` of variance ``v`` per coordinate, the second differences
    ``d[t] = y[t+1] - 2 y[t] + y[t-1]`` have autocovariances ``g0, g1, g2`` = ``6 v, -4 v, v`` from the noise plus the
    smooth motion's own; ``(3 g0 - 4 g1 + g2) / 35`` cancels any motion whose acceleration's autocovariance is
    quadratic in the lag and returns ``v``. Real motion that changes faster than the frame rate resolves (dance at
    10-15 fps) still leaks in, so this over-estimates the jitter of fast clean motion at low rates -- the gate then
    errs toward letting the network act, as it did without a gate.

    Parameters
    ----------
    frames : np.ndarray, shape (T, J, 3)
        One window's input frames in time order, mm; NaN = missing. Near-uniform timing is assumed (the index is
        the clock); irregular timing reads as jitter, which again errs toward letting the network act.

    Returns
    -------
    np.ndarray, shape (J,)
        RMS 3-D jitter, mm (``sqrt(3 v)``); inf where fewer than :data:`GATE_MIN_SAMPLES` products were usable.
    """
    return _jitter_evidence(frames)[0]


def jitter_share(frames: np.ndarray) -> np.ndarray:
    """The share of a window's second-difference power that is white jitter, per joint (see :func:`white_noise_mm`).

    ``6 v / g0``: about 1 where the jitter dominates the frame-to-frame bends (a slow violinist seen through 10 mm of
    jitter), about 0 for clean motion, and in between where the motion itself changes as fast as the frame rate
    resolves (real dance at 12.5 fps, 0.1-0.3 clean and ~0.5 with 10 mm of jitter): there, smoothing would take out
    real motion with the jitter (:func:`smoothing_widths`).

    Parameters
    ----------
    frames : np.ndarray, shape (T, J, 3)
        One window's input frames in time order, mm; NaN = missing.

    Returns
    -------
    np.ndarray, shape (J,)
        Dimensionless, clipped to [0, 1]; 1 where there are too few usable products (as if all jitter: the
        widest smoothing, the behaviour of :func:`white_noise_mm`'s inf).
    """
    return _jitter_evidence(frames)[1]


def _jitter_evidence(frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(frames, dtype=np.float64)
    d2 = x[2:] - 2.0 * x[1:-1] + x[:-2]  # (T-2, J, 3); NaN where any of the three frames is missing
    noise, share = np.full(x.shape[1], np.inf), np.ones(x.shape[1])
    if d2.shape[0] < 3:
        return noise, share
    gam, n_ok = [], None
    for lag in (0, 1, 2):
        prod = (d2[lag:] * d2[:d2.shape[0] - lag]).sum(-1)  # (T-2-lag, J), summed over the 3 coordinates
        ok = np.isfinite(prod)
        n = ok.sum(0)
        n_ok = n if n_ok is None else np.minimum(n_ok, n)
        gam.append(np.where(ok, prod, 0.0).sum(0) / np.maximum(n, 1))
    v3 = np.maximum((3.0 * gam[0] - 4.0 * gam[1] + gam[2]) / 35.0, 0.0)  # summed over 3 coordinates: 3 v
    enough = n_ok >= GATE_MIN_SAMPLES
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(gam[0] > 0, 6.0 * v3 / gam[0], 0.0)
    return np.where(enough, np.sqrt(v3), noise), np.where(enough, np.clip(ratio, 0.0, 1.0), share)


def window_noise_mm(frames: np.ndarray | Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Each window's evident jitter and its share of the bends: :func:`white_noise_mm` and :func:`jitter_share`.

    Returns
    -------
    noise : np.ndarray, shape (B, 13)
        mm; inf where there is too little data.
    share : np.ndarray, shape (B, 13)
        In [0, 1].
    """
    ev = [_jitter_evidence(f) for f in frames]
    return np.stack([e[0] for e in ev]), np.stack([e[1] for e in ev])


def gate_windows(frames: np.ndarray | Sequence[np.ndarray], grids: np.ndarray, refined: np.ndarray,
                 gate_mm: float = NOISE_GATE_MM, noise: np.ndarray | None = None,
                 share: np.ndarray | None = None) -> np.ndarray:
    """Scale each window's change to each joint by ``n^4 / (n^4 + gate_mm^4)`` (see :data:`NOISE_GATE_MM`) times a
    ramp in the jitter's share of the bends (:data:`GATE_SHARE`).

    Parameters
    ----------
    frames : np.ndarray, shape (B, T_in, 13, 3), or a sequence of B arrays ``(T_b, 13, 3)``
        The windows' input frames (as given to :func:`grid_windows`), mm.
    grids, refined : np.ndarray, shape (B, 150, 13, 3)
        The network's input and output windows, mm.
    gate_mm : float
        Evident jitter (mm) at which half of the change passes; > 0.
    noise, share : np.ndarray, shape (B, 13), optional
        :func:`window_noise_mm` of ``frames``, when the caller has them already (both or neither).

    Returns
    -------
    np.ndarray, shape (B, 150, 13, 3)
        A new array: ``grids + gain * (refined - grids)`` (``refined`` where the input was never observed).
    """
    if noise is None or share is None:
        noise, share = window_noise_mm(frames)
    gain = _gate_gain(noise, share, gate_mm)
    change = refined - grids
    return np.where(np.isfinite(change), grids + gain[:, None, :, None] * change, refined)


def _gate_gain(noise: np.ndarray, share: np.ndarray, gate_mm: float) -> np.ndarray:
    if not gate_mm > 0:
        raise ValueError(f"gate_mm must be > 0 mm, got {gate_mm!r}")
    lo, hi = GATE_SHARE
    with np.errstate(invalid="ignore"):
        q = (noise / gate_mm) ** GATE_POWER
        by_noise = np.where(np.isinf(noise), 1.0, q / (1.0 + q))
    return by_noise * np.clip((share - lo) / (hi - lo), 0.0, 1.0)


def smoothing_widths(noise: np.ndarray, share: np.ndarray, jitter_mm: tuple[float, float] = SMOOTH_JITTER_MM,
                     share_range: tuple[float, float] = SMOOTH_SHARE, max_slots: float = SMOOTH_MAX_SLOTS,
                     heavy: tuple[tuple[float, float], float] = SMOOTH_HEAVY) -> np.ndarray:
    """Width of the output smoothing for each window and joint, from the jitter its input evidently carries.

    The width is ``max_slots`` times a ramp in the jitter (mm; 0 below ``jitter_mm``, 1 above it), so clean motion
    is left alone, plus ``heavy[1]`` times a second such ramp over ``heavy[0]``, all times a ramp in the jitter's
    share of the frame-to-frame bends, so fast real motion seen at a low rate -- whose own bends read partly as
    jitter -- is not smoothed away with it.

    Parameters
    ----------
    noise, share : np.ndarray, shape (B, J)
        :func:`window_noise_mm`: mm (inf: unknown, treated as large) and the share in [0, 1].
    jitter_mm : (float, float)
        The jitter ramp; ``0 <= lo < hi``.
    share_range : (float, float)
        The share ramp; ``0 <= lo < hi``.
    max_slots : float
        Gaussian standard deviation at ``jitter_mm[1]``, slots of the 50 fps grid; >= 0.
    heavy : ((float, float), float)
        The heavy-jitter ramp (mm) and the slots it adds; ``0 <= lo < hi``, slots >= 0.

    Returns
    -------
    np.ndarray, shape (B, J)
        Standard deviations, slots.
    """
    (lo, hi), (s_lo, s_hi), (h_lo, h_hi) = ((float(a), float(b)) for a, b in (jitter_mm, share_range, heavy[0]))
    if not (0.0 <= lo < hi and 0.0 <= s_lo < s_hi and 0.0 <= h_lo < h_hi) or not max_slots >= 0 \
            or not heavy[1] >= 0:
        raise ValueError(f"smoothing needs 0 <= lo < hi for jitter_mm, share_range and heavy, and widths >= 0; got "
                         f"jitter_mm={jitter_mm!r}, share_range={share_range!r}, max_slots={max_slots!r}, "
                         f"heavy={heavy!r}")
    n = np.where(np.isfinite(noise), noise, hi)  # unknown jitter (too little data): the moderate width

    def ramp(x, a, b):
        return np.clip((x - a) / (b - a), 0.0, 1.0)

    width = max_slots * ramp(n, lo, hi) + float(heavy[1]) * ramp(n, h_lo, h_hi)
    return width * ramp(share, s_lo, s_hi)


def detail_smoothing_widths(noise: np.ndarray, base: float = DETAIL_SMOOTH_SLOTS,
                            heavy_slots: float = DETAIL_SMOOTH_HEAVY_SLOTS,
                            heavy_mm: tuple[float, float] = DETAIL_SMOOTH_HEAVY_MM) -> np.ndarray:
    """Width of the audio detail's smoothing for each window and joint: ``base`` slots, plus ``heavy_slots`` ramped
    in over ``heavy_mm`` of evident jitter (see :data:`DETAIL_SMOOTH_HEAVY_SLOTS`).

    Parameters
    ----------
    noise : np.ndarray, shape (B, J)
        :func:`window_noise_mm`'s jitter, mm (inf: unknown, treated as moderate -- no extra width).
    base, heavy_slots : float
        Slots of the 50 fps grid; >= 0.
    heavy_mm : (float, float)
        The ramp, mm; ``0 <= lo < hi``.

    Returns
    -------
    np.ndarray, shape (B, J)
        Standard deviations, slots.
    """
    lo, hi = (float(v) for v in heavy_mm)
    if not (0.0 <= lo < hi) or not base >= 0 or not heavy_slots >= 0:
        raise ValueError(f"detail smoothing needs 0 <= lo < hi and widths >= 0; got base={base!r}, "
                         f"heavy_slots={heavy_slots!r}, heavy_mm={heavy_mm!r}")
    n = np.where(np.isfinite(noise), noise, lo)
    return float(base) + float(heavy_slots) * np.clip((n - lo) / (hi - lo), 0.0, 1.0)


def _smooth_detrended(x: np.ndarray, sigma_slots: float) -> np.ndarray:
    """Gaussian smoothing over time (axis 1) of ``(B, T, ...)`` around each channel's straight-line trend, with
    each channel's mean kept exactly (the edges of a smoothing shift it slightly)."""
    from scipy.ndimage import gaussian_filter1d

    if sigma_slots <= 0:
        return x
    t = np.linspace(-1.0, 1.0, x.shape[1]).reshape((1, -1) + (1,) * (x.ndim - 2))
    mean = x.mean(axis=1, keepdims=True)
    trend = mean + ((x - mean) * t).sum(axis=1, keepdims=True) / np.square(t).sum() * t
    resid = gaussian_filter1d(x - trend, sigma_slots, axis=1, mode="nearest")
    return trend + resid - resid.mean(axis=1, keepdims=True)


def _smooth_varying(x: np.ndarray, widths: np.ndarray, step: float = 0.5) -> np.ndarray:
    """:func:`_smooth_detrended` of ``(B, T, J, 3)`` with a width per window and joint ``(B, J)``: each width between
    two multiples of ``step`` is a linear blend of the smoothings at those two."""
    lo = np.floor(widths / step)
    frac = (widths / step - lo)[:, None, :, None]
    out = np.zeros_like(x)
    for k in np.unique(np.concatenate([lo, lo + 1]).astype(int)):
        weight = np.where(lo[:, None, :, None] == k, 1.0 - frac, 0.0) + np.where(lo[:, None, :, None] == k - 1,
                                                                                 frac, 0.0)
        if not weight.any():
            continue
        rows = np.flatnonzero(weight.any(axis=(1, 2, 3)))
        out[rows] += weight[rows] * _smooth_detrended(x[rows], k * step)
    return out


def smooth_windows(refined: np.ndarray, detail: np.ndarray, widths: np.ndarray,
                   detail_slots: float | np.ndarray = DETAIL_SMOOTH_SLOTS) -> np.ndarray:
    """Smooth refined windows: the non-audio part per joint by ``widths``, the audio detail by ``detail_slots``.

    Each smoothing is a Gaussian around the window's straight-line trend (a travelling body keeps its path and the
    window's edges are not pulled back) and keeps every window's mean, so it never relocates anyone. A width
    between two of the half-slot steps it computes is a linear blend of their smoothings.

    Parameters
    ----------
    refined : np.ndarray, shape (B, 150, J, 3)
        The gated network output, mm (NaN: a joint never observed in the window; it stays NaN).
    detail : np.ndarray, shape (B, 150, J, 3)
        The audio detail's share of ``refined`` (:func:`run_network`), mm.
    widths : np.ndarray, shape (B, J)
        Standard deviations for the rest, slots (:func:`smoothing_widths`).
    detail_slots : float or np.ndarray, shape (B, J)
        Standard deviation(s) for the detail, slots (one for all, or one per window and joint); >= 0.

    Returns
    -------
    np.ndarray, shape (B, 150, J, 3)
        A new array.
    """
    widths = np.asarray(widths, dtype=np.float64)
    d_widths = np.broadcast_to(np.asarray(detail_slots, dtype=np.float64), widths.shape)
    if not np.all(d_widths >= 0):
        raise ValueError(f"detail_slots must be >= 0, got {detail_slots!r}")
    base = refined - detail
    missing = ~np.isfinite(base)
    base = np.where(missing, 0.0, base)
    out = _smooth_varying(base, widths) + _smooth_varying(np.where(missing, 0.0, detail), d_widths)
    return np.where(missing, np.nan, out)


def refine_windows(net: torch.nn.Module, frames, times, audio: np.ndarray | None, *, unswap: bool,
                   guard: bool, gate_mm: float | None = NOISE_GATE_MM, smooth: bool | None = None,
                   ) -> tuple[np.ndarray, np.ndarray, int]:
    """Windows of sparse canonical input frames -> refined 150-slot windows: grid, network, guard, noise gate,
    output smoothing.

    Parameters
    ----------
    net : torch.nn.Module
        See :func:`run_network`.
    frames, times
        See :func:`grid_windows`.
    audio : np.ndarray, shape (B, 150, F), or None
        The windows' audio features; None: pose-only.
    unswap : bool
        See :func:`grid_windows`.
    guard : bool
        Apply :func:`guard_windows`.
    gate_mm : float or None
        Apply :func:`gate_windows` with this half-gain jitter (mm); None: no gate.
    smooth : bool, optional
        Apply :func:`smooth_windows` with the default widths (:data:`SMOOTH_JITTER_MM`,
        :data:`SMOOTH_MAX_SLOTS`, :func:`detail_smoothing_widths`); default: where the gate is on (both act on the
        jitter the input evidently carries, and a bare network, whose gate is off, is returned as it is).

    Returns
    -------
    refined : np.ndarray, shape (B, 150, 13, 3)
        mm.
    grids : np.ndarray, shape (B, 150, 13, 3)
        The network's input (NaN marks joints never observed in a window).
    n_guarded : int
        Windows replaced by the guard.
    """
    smooth = gate_mm is not None if smooth is None else bool(smooth)
    grids = grid_windows(frames, times, unswap=unswap)
    refined, detail = run_network(net, grids, audio, return_detail=True)
    n_guarded = 0
    if guard:
        stray = _stray_windows(grids, refined)
        if stray.any():
            refined, n_guarded = guard_windows(grids, refined, stray)
            detail[stray] = 0.0  # a replaced window holds no network output, so no detail either
    if gate_mm is None and not smooth:
        return refined, grids, n_guarded
    noise, share = window_noise_mm(frames)
    if gate_mm is not None:
        refined = gate_windows(frames, grids, refined, gate_mm, noise=noise, share=share)
        detail = detail * _gate_gain(noise, share, gate_mm)[:, None, :, None]
    if smooth:
        refined = smooth_windows(refined, detail, smoothing_widths(noise, share), detail_smoothing_widths(noise))
    return refined, grids, n_guarded
