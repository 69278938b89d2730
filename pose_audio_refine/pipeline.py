"""The refinement pipeline's model stages, shared by every caller.

Data flows one way: audio + poses -> canonical frame (:mod:`pose_audio_refine.canonical`) -> **windows ->
model -> guard -> noise gate** (this module) -> blend (:mod:`pose_audio_refine.blending`) -> original frame. The Refiner (and
through it the MMPose refiners and the video tool) and the benchmark (:mod:`training.benchmark`) call
:func:`refine_windows` on their windows, so the benchmark scores exactly what users get.

A window is a 3 s span of the 50 fps output grid (150 slots). Its input is the sparse input frames that fall
inside it, at their true timestamps (relative to the window's start). :func:`grid_windows` undoes left/right
swaps in those frames at their own rate (optional, :mod:`pose_audio_refine.swaps`) and then interpolates them
onto the 150 slots; the network refines the gridded windows; :func:`guard_windows` replaces windows whose
output strays implausibly far from their own input; :func:`gate_windows` lets the network's change through in
proportion to the white jitter the input frames evidently carry (:func:`white_noise_mm`), so that a clean track
comes back as it went in.
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
           "NOISE_GATE_MM", "GATE_POWER", "GATE_MIN_SAMPLES", "NonFiniteOutputError", "grid_windows", "run_network", "guard_windows",
           "white_noise_mm", "gate_windows", "refine_windows"]

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
#: Fewer usable second-difference products than this in a window (short or gappy input): no evidence either way,
#: the network's change passes whole (the behaviour without the gate).
GATE_MIN_SAMPLES: int = 8


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


def run_network(net: torch.nn.Module, grids: np.ndarray, audio: np.ndarray | None) -> np.ndarray:
    """Refine gridded windows with a network (eval mode, no gradients, on the network's device).

    Parameters
    ----------
    net : torch.nn.Module
        Maps ``(B, 150, 13, 3)`` mm and ``(B, 150, F)`` audio features (or None) to ``(B, 150, 13, 3)`` mm.
    grids : np.ndarray, shape (B, 150, 13, 3)
        mm, NaN for joints never observed in a window.
    audio : np.ndarray, shape (B, 150, F), or None
        Audio features on the same slots; None: pose-only.

    Returns
    -------
    np.ndarray, shape (B, 150, 13, 3)
        float64: the float32 network's correction added to the float64 input, so round-off touches only the
        correction.

    Raises
    ------
    NonFiniteOutputError
        The output is NaN/inf at a slot and joint whose input was observed.
    """
    device = next(iter(net.parameters()), torch.empty(0)).device
    poses = torch.from_numpy(grids.astype(np.float32)).to(device)
    au = None if audio is None else torch.from_numpy(np.asarray(audio, dtype=np.float32)).to(device)
    was_training = net.training
    net.eval()
    try:
        with torch.inference_mode():
            delta = (net(poses, au) - poses).double().cpu().numpy()
    finally:
        net.train(was_training)
    out = grids + delta
    observed = np.isfinite(grids)
    n_bad = int(np.count_nonzero(observed & ~np.isfinite(out)))
    if n_bad:
        raise NonFiniteOutputError(f"the network returned NaN/inf for {n_bad} of {int(observed.sum())} observed "
                                   "coordinates of its input windows")
    return out


def guard_windows(grids: np.ndarray, refined: np.ndarray) -> tuple[np.ndarray, int]:
    """Replace implausible windows by a light Gaussian smoothing of their input (see :data:`GUARD_MIN_MM`).

    Parameters
    ----------
    grids, refined : np.ndarray, shape (B, 150, 13, 3)
        Canonical mm, NaN for joints never observed in a window.

    Returns
    -------
    refined : np.ndarray, shape (B, 150, 13, 3)
        A new array when any window was replaced.
    n_replaced : int
    """
    from scipy.ndimage import gaussian_filter1d

    smooth = gaussian_filter1d(grids, GUARD_SIGMA_SLOTS, axis=1, mode="nearest")
    scatter = np.nanmedian(np.linalg.norm(grids - smooth, axis=-1), axis=(1, 2))
    stray = np.nanmedian(np.linalg.norm(refined - smooth, axis=-1), axis=(1, 2))
    bad = stray > np.maximum(GUARD_MIN_MM, GUARD_RATIO * scatter)
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
    x = np.asarray(frames, dtype=np.float64)
    d2 = x[2:] - 2.0 * x[1:-1] + x[:-2]  # (T-2, J, 3); NaN where any of the three frames is missing
    out = np.full(x.shape[1], np.inf)
    if d2.shape[0] < 3:
        return out
    gam, n_ok = [], None
    for lag in (0, 1, 2):
        prod = (d2[lag:] * d2[:d2.shape[0] - lag]).sum(-1)  # (T-2-lag, J), summed over the 3 coordinates
        ok = np.isfinite(prod)
        n = ok.sum(0)
        n_ok = n if n_ok is None else np.minimum(n_ok, n)
        gam.append(np.where(ok, prod, 0.0).sum(0) / np.maximum(n, 1))
    v3 = np.maximum((3.0 * gam[0] - 4.0 * gam[1] + gam[2]) / 35.0, 0.0)  # summed over 3 coordinates: 3 v
    return np.where(n_ok >= GATE_MIN_SAMPLES, np.sqrt(v3), out)


def gate_windows(frames: np.ndarray | Sequence[np.ndarray], grids: np.ndarray, refined: np.ndarray,
                 gate_mm: float = NOISE_GATE_MM) -> np.ndarray:
    """Scale each window's change to each joint by ``n^4 / (n^4 + gate_mm^4)`` (see :data:`NOISE_GATE_MM`).

    Parameters
    ----------
    frames : np.ndarray, shape (B, T_in, 13, 3), or a sequence of B arrays ``(T_b, 13, 3)``
        The windows' input frames (as given to :func:`grid_windows`), mm.
    grids, refined : np.ndarray, shape (B, 150, 13, 3)
        The network's input and output windows, mm.
    gate_mm : float
        Evident jitter (mm) at which half of the change passes; > 0.

    Returns
    -------
    np.ndarray, shape (B, 150, 13, 3)
        A new array: ``grids + gain * (refined - grids)`` (``refined`` where the input was never observed).
    """
    if not gate_mm > 0:
        raise ValueError(f"gate_mm must be > 0 mm, got {gate_mm!r}")
    noise = np.stack([white_noise_mm(f) for f in frames])  # (B, 13)
    with np.errstate(invalid="ignore"):
        q = (noise / gate_mm) ** GATE_POWER
        gain = np.where(np.isinf(noise), 1.0, q / (1.0 + q))
    change = refined - grids
    return np.where(np.isfinite(change), grids + gain[:, None, :, None] * change, refined)


def refine_windows(net: torch.nn.Module, frames, times, audio: np.ndarray | None, *, unswap: bool,
                   guard: bool, gate_mm: float | None = NOISE_GATE_MM) -> tuple[np.ndarray, np.ndarray, int]:
    """Windows of sparse canonical input frames -> refined 150-slot windows: grid, network, guard, noise gate.

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

    Returns
    -------
    refined : np.ndarray, shape (B, 150, 13, 3)
        mm.
    grids : np.ndarray, shape (B, 150, 13, 3)
        The network's input (NaN marks joints never observed in a window).
    n_guarded : int
        Windows replaced by the guard.
    """
    grids = grid_windows(frames, times, unswap=unswap)
    refined = run_network(net, grids, audio)
    n_guarded = 0
    if guard:
        refined, n_guarded = guard_windows(grids, refined)
    if gate_mm is not None:
        refined = gate_windows(frames, grids, refined, gate_mm)
    return refined, grids, n_guarded
