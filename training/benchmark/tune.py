"""Classical parameters for the benchmark: untuned defaults per τ, and a grid search on the val split.

The search scores every grid entry by MPJPE on a validation batch. It is fast because the smoothers run at the
input rate on gap-filled tracks once per entry and the upsampling to 50 fps, being linear in the data, is one
matrix product (:func:`fast_classical`, equal to :func:`training.benchmark.predict.predict_classical`; the
tests check it).
"""
from __future__ import annotations

import itertools
from typing import Iterable

import numpy as np

from pose_audio_refine import filters as F
from pose_audio_refine.filters import fill_gaps, refine_classical
from pose_audio_refine.windows import OUT_FPS
from training.take_windows import TAUS

from .predict import CLASSICAL, as_tracks, fit_slots, from_tracks

__all__ = ["DEFAULT_PARAMS", "PARAM_GRIDS", "upsample_matrix", "fast_classical", "tune_classical"]


def _odd(n: float, low: int = 3) -> int:
    n = max(low, int(round(n)))
    return n if n % 2 else n + 1


def _default_params(fps: float) -> dict[str, dict]:
    """Untuned defaults, chosen in seconds so they mean the same at every rate: SMA over ~0.1 s, a
    quadratic Savitzky-Golay over ~0.3 s, a Gaussian of σ ~0.04 s, and the 1€ paper's suggested start
    (``min_cutoff`` 1 Hz) with a small speed coefficient (mm/s units)."""
    return {
        "linear": {}, "cubic": {},
        "sma": {"window": _odd(0.1 * fps)},
        "one_euro": {"min_cutoff": 1.0, "beta": 0.001, "d_cutoff": 1.0},
        "savgol": {"window": _odd(0.3 * fps, 5), "polyorder": 2},
        "gaussian": {"sigma": round(0.04 * fps, 2)},
    }


#: Default (untuned) parameters per τ key and classical method.
DEFAULT_PARAMS: dict[str, dict[str, dict]] = {tau: _default_params(fps) for tau, fps in TAUS.items()}

#: Validation grids (windows and σ in input frames; cutoffs in Hz; beta per mm/s). Entries that do not fit
#: a τ's window length are dropped there.
PARAM_GRIDS: dict[str, list[dict]] = {
    "linear": [{}],
    "cubic": [{}],
    "sma": [{"window": w} for w in (1, 3, 5, 7, 9, 15, 25, 35, 49, 75, 101, 149)],
    "one_euro": [{"min_cutoff": c, "beta": b, "d_cutoff": 1.0}
                 for c, b in itertools.product((0.1, 0.3, 1.0, 3.0, 10.0), (0.0, 0.001, 0.01, 0.1))],
    "savgol": [{"window": w, "polyorder": p} for w, p in itertools.product((5, 7, 11, 15, 21, 31, 45, 61, 91), (2, 3))],
    "gaussian": [{"sigma": s} for s in (0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0, 12.0, 18.0, 27.0, 40.0, 60.0)],
}


def upsample_matrix(t_in: int, fps: float) -> np.ndarray:
    """``(150, T_in)`` matrix of ``filters.upsample(..., "linear")`` (then ``fit_slots``) for gap-free
    input at ``arange(T_in) / fps``: upsampling is linear in the data, so pushing unit impulses through the
    library function gives exactly its map."""
    eye = np.repeat(np.eye(t_in)[:, :, None], 3, axis=2)  # "joint" i = an impulse at input frame i
    y, _ = F.upsample(eye, fps, OUT_FPS, "linear")
    return np.ascontiguousarray(fit_slots(y)[:, :, 0])  # (a strided view would bypass BLAS)


def fast_classical(name: str, filled: np.ndarray, n: int, fps: float, params: dict, w: np.ndarray,
                   raw: np.ndarray | None = None) -> np.ndarray:
    """``predict_classical`` for tuning: the library smoother at the input rate, then the upsampling as one
    matrix product ``w`` (:func:`upsample_matrix`).

    Parameters
    ----------
    name : str
        One of :data:`training.benchmark.predict.CLASSICAL`.
    filled : np.ndarray
        ``(T_in, n·13, 3)`` gap-filled tracks (``filters.fill_gaps`` of ``as_tracks(inputs)``).
    n : int
        Windows in the tracks.
    fps : float
        Input rate, Hz.
    params : dict
        The method's parameters.
    w : np.ndarray
        ``(150, T_in)`` from :func:`upsample_matrix`.
    raw : np.ndarray, optional
        ``(T_in, n·13, 3)`` tracks with their gaps (needed for ``"cubic"``).

    Returns
    -------
    np.ndarray
        ``(n, 150, 13, 3)`` mm.
    """
    if name == "cubic":
        return from_tracks(fit_slots(refine_classical("cubic", raw, fps, OUT_FPS)[0]), n)
    if name == "linear":
        smoothed = filled
    elif name == "sma":
        smoothed = F.sma(filled, **params)
    elif name == "one_euro":
        smoothed = F.one_euro(filled, fps, **params)
    elif name == "savgol":
        smoothed = F.savgol(filled, **params)
    elif name == "gaussian":
        smoothed = F.gaussian(filled, **params)
    else:
        raise ValueError(f"unknown classical method {name!r}")
    t, m, _ = smoothed.shape
    return from_tracks((w @ smoothed.reshape(t, m * 3)).reshape(w.shape[0], m, 3), n)


def _fits(params: dict, t_in: int) -> bool:
    w = params.get("window")
    return w is None or w <= t_in


def tune_classical(batch: dict, grids: dict[str, list[dict]] | None = None,
                   methods: Iterable[str] = CLASSICAL) -> dict[str, dict]:
    """Grid-search each classical method's parameters on a (validation) batch by MPJPE.

    Parameters
    ----------
    batch : dict
        From :func:`training.benchmark.data.window_batch` (use the validation split: tune on val, report on test).
    grids : dict, optional
        Method -> list of parameter dicts (default :data:`PARAM_GRIDS`).
    methods : iterable of str

    Returns
    -------
    dict
        Method -> ``{"params": best, "val_mpjpe": its MPJPE, "grid": [(params, mpjpe), ...]}``.
    """
    grids = PARAM_GRIDS if grids is None else grids
    x, fps = batch["inputs"], batch["fps"]
    raw = as_tracks(x)
    filled = fill_gaps(raw)
    w = upsample_matrix(x.shape[1], fps)
    out = {}
    for name in methods:
        tried = []
        for params in grids.get(name, [{}]):
            if not _fits(params, x.shape[1]):
                continue
            pred = fast_classical(name, filled, x.shape[0], fps, params, w, raw)
            # = metrics.mpjpe (the ground truth has no gaps), without its input checks and copies
            err = float(np.linalg.norm(pred - batch["gt"], axis=-1).mean())
            tried.append((dict(params), err))
        if not tried:
            raise ValueError(f"no {name} parameters fit T_in={x.shape[1]}")
        best = min(tried, key=lambda pe: pe[1])
        out[name] = {"params": best[0], "val_mpjpe": best[1], "grid": tried}
    return out
