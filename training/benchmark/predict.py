"""Benchmark predictions: every method turns windows of noisy input into 150-slot 50 fps windows.

* Classical refiners (:mod:`pose_audio_refine.filters`) run on many windows at once: each window's joints
  become extra "joints" of one track ``(T_in, N·13, 3)``. Every classical refiner treats joints independently
  along time, so this is exactly the per-window result, only faster (``tests/test_benchmark.py`` checks it).
* Learned networks run through :func:`pose_audio_refine.pipeline.refine_windows` -- the Refiner's own
  unswap -> grid -> network -> guard stages -- so the benchmark scores what users get.
"""
from __future__ import annotations

import numpy as np

from pose_audio_refine.filters import refine_classical
from pose_audio_refine.pipeline import NOISE_GATE_MM, refine_windows
from pose_audio_refine.windows import N_SLOTS, OUT_FPS

__all__ = ["CLASSICAL", "CLASSICAL_LABELS", "predict_classical", "model_accepts", "predict_model"]

#: Classical methods, in table order, and their table labels.
CLASSICAL: tuple[str, ...] = ("linear", "cubic", "sma", "one_euro", "savgol", "gaussian")
CLASSICAL_LABELS: dict[str, str] = {
    "linear": "Linear interp.", "cubic": "Cubic spline", "sma": "SMA (paper)", "one_euro": "One Euro",
    "savgol": "Savitzky-Golay", "gaussian": "Gaussian",
}


def as_tracks(x: np.ndarray) -> np.ndarray:
    """``(N, T, J, 3)`` -> one track ``(T, N·J, 3)`` (windows become extra joints)."""
    n, t, j, _ = x.shape
    return np.ascontiguousarray(x.transpose(1, 0, 2, 3).reshape(t, n * j, 3))


def from_tracks(y: np.ndarray, n: int) -> np.ndarray:
    """Inverse of :func:`as_tracks`: ``(T, N·J, 3)`` -> ``(N, T, J, 3)``."""
    t, nj, _ = y.shape
    return y.reshape(t, n, nj // n, 3).transpose(1, 0, 2, 3)


def fit_slots(out: np.ndarray) -> np.ndarray:
    """Trim or edge-pad an output track to the window's 150 slots."""
    if out.shape[0] >= N_SLOTS:
        return out[:N_SLOTS]
    return np.concatenate((out, np.repeat(out[-1:], N_SLOTS - out.shape[0], axis=0)))


def predict_classical(name: str, inputs: np.ndarray, fps: float, params: dict | None = None,
                      filled: np.ndarray | None = None, chunk: int = 1000) -> np.ndarray:
    """Refine windows with a classical method (:func:`pose_audio_refine.filters.refine_classical`).

    Parameters
    ----------
    name : str
        One of :data:`CLASSICAL`.
    inputs : np.ndarray
        ``(N, T_in, 13, 3)`` mm, NaN = missing; frame ``i`` at ``i / fps`` s.
    fps : float
        Input rate, Hz.
    params : dict, optional
        The method's parameters.
    filled : np.ndarray, optional
        ``(T_in, N·13, 3)`` gap-filled tracks (``filters.fill_gaps`` of :func:`as_tracks` of ``inputs``) to
        reuse across calls. Every smoother and SMA fills gaps linearly first and linear interpolation is the
        same on filled input, so only ``"cubic"`` (a spline through the observed frames) ignores it.
    chunk : int
        Windows per call (bounds memory).

    Returns
    -------
    np.ndarray
        ``(N, 150, 13, 3)`` mm at 50 fps.
    """
    if name not in CLASSICAL:
        raise ValueError(f"unknown classical method {name!r}; expected one of {CLASSICAL}")
    x = np.asarray(inputs, dtype=np.float64)
    if x.ndim != 4 or x.shape[-1] != 3:
        raise ValueError(f"inputs must be (N, T_in, J, 3), got {x.shape}")
    n, _, j, _ = x.shape
    params = dict(params or {})
    out = np.empty((n, N_SLOTS, j, 3))
    for a in range(0, n, chunk):
        b = min(n, a + chunk)
        track = filled[:, a * j:b * j] if filled is not None and name != "cubic" else as_tracks(x[a:b])
        y, _ = refine_classical(name, track, fps, OUT_FPS, **params)
        out[a:b] = from_tracks(fit_slots(y), b - a)
    return out


def model_accepts(meta: dict) -> bool:
    """Whether the benchmark can run a network with sidecar ``meta``: grid-input nets only (``input_mode``
    'grid': the input is put on the 150-slot grid first, as the Refiner does). No kept model uses the per-τ
    'native' input mode any more."""
    return meta.get("input_mode") == "grid"


def predict_model(net, meta: dict, inputs: np.ndarray, fps: float, audio: np.ndarray | None,
                  batch_size: int = 128) -> np.ndarray:
    """Refine windows with a learned grid-input network, through the Refiner's own stages
    (:func:`pose_audio_refine.pipeline.refine_windows`: unswap, grid, network, guard, noise gate).

    Parameters
    ----------
    net : torch.nn.Module
        From :func:`pose_audio_refine.checkpoint.load_weights`.
    meta : dict
        Its sidecar: ``input_mode`` (must be 'grid'), ``use_audio``, ``unswap_input`` (undo left/right swaps in
        the input frames first, :mod:`pose_audio_refine.swaps`), ``guard`` (apply the Refiner's
        out-of-distribution guard, :func:`pose_audio_refine.pipeline.guard_windows`; default on, as in the
        Refiner) and ``noise_gate_mm`` (the Refiner's noise gate, :func:`pose_audio_refine.pipeline.gate_windows`;
        default :data:`~pose_audio_refine.pipeline.NOISE_GATE_MM`, None: off).
    inputs : np.ndarray
        ``(N, T_in, 13, 3)`` mm, NaN = dropped; frame ``i`` at ``i / fps`` s in every window. Not modified.
    fps : float
        Input rate, Hz.
    audio : np.ndarray or None
        ``(N, 150, 35)`` audio features, or None (pose-only). Ignored when ``meta['use_audio']`` is False.
    batch_size : int
        Windows per network call.

    Returns
    -------
    np.ndarray
        ``(N, 150, 13, 3)`` mm; NaN for a joint never observed in a window (as the Refiner).

    Raises
    ------
    ValueError
        A net that is not a grid-input net (see :func:`model_accepts`), or audio with the wrong window count.
    """
    if not model_accepts(meta):
        raise ValueError(f"only grid-input nets are supported (input_mode 'grid'), got "
                         f"input_mode={meta.get('input_mode')!r}")
    x = np.asarray(inputs, dtype=np.float64)
    if x.ndim != 4 or x.shape[-1] != 3:
        raise ValueError(f"inputs must be (N, T_in, J, 3), got {x.shape}")
    n, t_in = x.shape[:2]
    if not meta.get("use_audio", True):
        audio = None
    if audio is not None:
        audio = np.asarray(audio, dtype=np.float32)
        if audio.shape[0] != n:
            raise ValueError(f"audio must have one window per input window ({n}), got {audio.shape[0]}")
    times = np.arange(t_in) / float(fps)  # MAPdat windows share their input times
    # the Refiner's defaults (guard on, noise gate on), so that the benchmark scores what users get
    unswap, guard = bool(meta.get("unswap_input", False)), bool(meta.get("guard", True))
    gate_mm = meta.get("noise_gate_mm", NOISE_GATE_MM)
    out = np.empty((n, N_SLOTS) + x.shape[2:])
    for a in range(0, n, batch_size):
        b = min(n, a + batch_size)
        out[a:b] = refine_windows(net, x[a:b], times, None if audio is None else audio[a:b], unswap=unswap,
                                  guard=guard, gate_mm=gate_mm)[0]
    return out
