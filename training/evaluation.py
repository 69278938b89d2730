"""Benchmark evaluation on MAPdat-format window sets: the paper's Tables 2-5 and the issue-4 targets.

Every method turns the stored noisy input of one τ (``inputs_<τ>``, ``(T_in, 13, 3)`` mm, NaN = dropped
frame) into the 150-frame 50 fps window and is scored against the window's ground truth ``gt``:

* **MPJPE** (mm) and **MPJAE** (mm/frame² at 50 fps, :mod:`pose_audio_refine.metrics`) per window, then
  averaged over windows -- overall and per Table-3 category (``category_<τ>``: gross, fine, inversion).
  All windows have the same 150 x 13 valid entries, so the mean of window means is the pooled mean and the
  count-weighted category means add up to the overall one.
* **swapped frames restored**: over every output frame and left/right pair whose *nearest input frame*
  showed that pair swapped (``swap_<τ>``, frame not dropped), the fraction where the output is *not* swapped
  w.r.t. the ground truth (:func:`pose_audio_refine.metrics.swapped_pairs`). ``swap_out_rate`` is the
  fraction of all (frame, pair) entries the output has swapped, for context (with the paper's 300 mm jitter
  a noisy output can look "swapped" by chance).

Methods: the classical refiners of :mod:`pose_audio_refine.filters` (parameters per τ tuned on the
validation split by a small grid search, or :data:`DEFAULT_PARAMS`), and learned networks loaded with
:func:`pose_audio_refine.checkpoint.load_weights`, with their audio variants (pose-only, shuffled audio from a
different take) for audio-using nets.

Classical methods run on many windows at once: each window's joints become extra "joints" of one track
``(T_in, N·13, 3)``. Every classical refiner treats joints independently along time, so this is exactly
the per-window result, only faster (``tests/test_evaluation.py`` checks it).
"""
from __future__ import annotations

import itertools
import json
import math
import time
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from pose_audio_refine import filters as F
from pose_audio_refine.filters import fill_gaps, refine_classical
from pose_audio_refine.metrics import mpjae, mpjpe, swapped_pairs
from pose_audio_refine.skeletons import TELMI13_JOINTS
from pose_audio_refine.swaps import unswap_windows
from pose_audio_refine.windows import N_SLOTS, OUT_FPS, grid_times, to_grid
from training.engine.dataset import shuffled_other_take
from training.mapdat import load_split
from training.noise import TELMI13_PAIRS
from training.windows import CATEGORY_NAMES, TAUS

__all__ = [
    "CLASSICAL", "CLASSICAL_LABELS", "DEFAULT_PARAMS", "PARAM_GRIDS", "TAU_VALUE", "BuildMissingError", "build_command",
    "open_set", "subset_indices", "window_batch", "predict_classical", "predict_model", "model_accepts",
    "shuffled_audio_clips", "swap_restoration", "windows_on_grid", "score_windows", "summarize", "tune_classical",
    "evaluate_set", "target_checks", "format_markdown", "AUDIO_DRIVEN_JOINTS", "TELMI13_NAMES", "audio_bound",
]

#: Classical methods, in table order, and their table labels.
CLASSICAL: tuple[str, ...] = ("linear", "cubic", "sma", "one_euro", "savgol", "gaussian")
CLASSICAL_LABELS: dict[str, str] = {
    "linear": "Linear interp.", "cubic": "Cubic spline", "sma": "SMA (paper)", "one_euro": "One Euro",
    "savgol": "Savitzky-Golay", "gaussian": "Gaussian",
}
#: telmi13 joints whose motion the simulator's sound depends on: the bowing arm's elbow and wrist (bow speed ->
#: loudness, bow changes -> onsets, string -> arm height) and the left elbow and wrist (hand position along the
#: neck -> pitch, vibrato -> pitch wobble). The shoulders and everything below them move with sway and breath,
#: which make no sound.
AUDIO_DRIVEN_JOINTS: tuple[str, ...] = ("RMEL", "RMWR", "LMEL", "LMWR")
TELMI13_NAMES: tuple[str, ...] = TELMI13_JOINTS
#: τ value of each rate key (fps / 50).
TAU_VALUE: dict[str, float] = {"tau100": 1.0, "tau050": 0.5, "tau033": 0.33}


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


class BuildMissingError(FileNotFoundError):
    """A window set that has not been built (the message says how to build it)."""


def build_command(root) -> str:
    """The `tools/build_mapdat.py` command that builds the window set expected at ``root``."""
    root = Path(root)
    name = root.name.lower()
    if "dance" in name:
        cmd = f"python tools/build_mapdat.py --real dance --preset realistic --out {root}"
    elif "mocap" in name:
        cmd = f"python tools/build_mapdat.py --real mocap_toolbox --preset realistic --out {root}"
    else:
        preset = "paper" if "paper" in name else "realistic"
        cmd = f"python tools/build_mapdat.py --preset {preset} --out {root} --workers 2"
    return cmd


# --------------------------------------------------------------------------- data
def open_set(root, split: str = "test") -> tuple[dict, dict]:
    """Open one split of a MAPdat-format build (memory-mapped).

    Parameters
    ----------
    root : str or Path
        Build folder (holds ``meta.json``).
    split : {"train", "val", "test"}

    Returns
    -------
    data : dict
        Array name -> array, see ``docs/mapdat.md``.
    meta : dict
        The build's ``meta.json``.

    Raises
    ------
    BuildMissingError
        When the folder holds no finished build or not this split; the message gives the build command.
    """
    root = Path(root)
    if not (root / "meta.json").is_file():
        raise BuildMissingError(f"no finished window set at {root} (no meta.json). Build it with:\n    "
                                f"{build_command(root)}")
    data = load_split(root, split)
    if not data or f"inputs_{next(iter(TAUS))}" not in data:
        raise BuildMissingError(f"{root} has no {split!r} split. Rebuild it with:\n"
                                f"    {build_command(root)} --overwrite")
    return data, json.loads((root / "meta.json").read_text())


def subset_indices(n: int, max_windows: int | None) -> np.ndarray:
    """``(k,)`` evenly spaced sample indices (all ``n`` when ``max_windows`` is None or >= n)."""
    if n < 1:
        raise ValueError("the split holds no windows")
    if max_windows is None or max_windows >= n:
        return np.arange(n)
    if max_windows < 1:
        raise ValueError(f"max_windows must be >= 1, got {max_windows}")
    return np.unique(np.linspace(0, n - 1, int(max_windows)).round().astype(int))


def window_batch(data: dict, tau: str, idx) -> dict[str, np.ndarray]:
    """Read samples ``idx`` of one τ into memory.

    Returns
    -------
    dict
        ``inputs`` ``(N, T_in, 13, 3)`` float64 mm (NaN = dropped), ``gt`` ``(N, 150, 13, 3)`` float64 mm,
        ``swap`` ``(N, T_in, 13)`` bool, ``category`` ``(N,)`` int, ``clip`` ``(N,)`` int (row of ``gt``/``audio``),
        ``fps`` (float).
    """
    if tau not in TAUS:
        raise ValueError(f"tau must be one of {sorted(TAUS)}, got {tau!r}")
    idx = np.asarray(idx, dtype=np.intp)
    clip = np.asarray(data["clip_index"])[idx].astype(np.intp)
    return {
        "inputs": np.asarray(data[f"inputs_{tau}"][idx], dtype=np.float64),
        "gt": np.asarray(data["gt"][clip], dtype=np.float64),
        "swap": np.asarray(data[f"swap_{tau}"][idx], dtype=bool),
        "category": np.asarray(data[f"category_{tau}"][idx], dtype=int),
        "clip": clip,
        "fps": float(TAUS[tau]),
    }


def shuffled_audio_clips(data: dict, clip: np.ndarray, seed: int = 0) -> np.ndarray:
    """For every window's clip, the clip whose audio the shuffled-audio control feeds it: a window of a
    different take of the same split (``training.engine.dataset.shuffled_other_take``).

    Returns
    -------
    np.ndarray
        ``(N,)`` clip indices; ``clip_take_index`` differs from the window's own everywhere.
    """
    return shuffled_other_take(np.asarray(clip), np.asarray(data["clip_take_index"]), seed)


# --------------------------------------------------------------------------- methods
def _as_tracks(x: np.ndarray) -> np.ndarray:
    """``(N, T, J, 3)`` -> one track ``(T, N·J, 3)`` (windows become extra joints)."""
    n, t, j, _ = x.shape
    return np.ascontiguousarray(x.transpose(1, 0, 2, 3).reshape(t, n * j, 3))


def _from_tracks(y: np.ndarray, n: int) -> np.ndarray:
    t, nj, _ = y.shape
    return y.reshape(t, n, nj // n, 3).transpose(1, 0, 2, 3)


def _fit_slots(out: np.ndarray) -> np.ndarray:
    """Trim or edge-pad the output track to the window's 150 slots."""
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
        ``(T_in, N·13, 3)`` gap-filled tracks (``filters.fill_gaps`` of :func:`_as_tracks` of ``inputs``) to
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
        if filled is not None and name != "cubic":
            track = filled[:, a * j:b * j]
        else:
            track = _as_tracks(x[a:b])
        y, _ = refine_classical(name, track, fps, OUT_FPS, **params)
        out[a:b] = _from_tracks(_fit_slots(y), b - a)
    return out


def windows_on_grid(inputs: np.ndarray, fps: float) -> np.ndarray:
    """``(N, T_in, J, 3)`` windows sampled at ``fps`` (frame ``i`` at ``i / fps`` s) -> ``(N, 150, J, 3)`` on the
    50 fps grid (:func:`pose_audio_refine.windows.to_grid`). All windows share their input times, so they are
    interpolated as one ``(T_in, N·J, 3)`` track."""
    x = np.asarray(inputs, dtype=np.float64)
    return _from_tracks(to_grid(_as_tracks(x), np.arange(x.shape[1]) / float(fps), grid_times()), x.shape[0])


def model_accepts(meta: dict, t_in: int) -> bool:
    """Whether a network with sidecar ``meta`` can take a window of ``t_in`` native input frames
    ('grid' nets always can: their input is put on the 150-slot grid first)."""
    if meta.get("input_mode", "native") == "grid":
        return True
    net_t_in = meta.get("net", {}).get("t_in")
    return net_t_in is None or int(net_t_in) == int(t_in)


def predict_model(net, meta: dict, inputs: np.ndarray, fps: float, audio: np.ndarray | None,
                  batch_size: int = 128) -> np.ndarray:
    """Refine windows with a learned network (eval mode, no gradients).

    Parameters
    ----------
    net : torch.nn.Module
        From :func:`pose_audio_refine.checkpoint.load_weights`.
    meta : dict
        Its sidecar: ``input_mode`` 'grid' (inputs interpolated onto the 150-slot grid, input times =
        ``grid_times()``) or 'native' (the stored frames at ``arange(T_in) / fps``); ``use_audio``;
        ``unswap_input`` (undo left/right swaps in the input frames first, :mod:`pose_audio_refine.swaps`); ``guard``
        (grid mode: apply the Refiner's out-of-distribution guard, :func:`pose_audio_refine.refiner.guard_windows`).
    inputs : np.ndarray
        ``(N, T_in, 13, 3)`` mm, NaN = dropped.
    fps : float
        Input rate, Hz.
    audio : np.ndarray or None
        ``(N, 150, 35)`` audio features, or None (pose-only). Ignored when ``meta['use_audio']`` is False.
    batch_size : int

    Returns
    -------
    np.ndarray
        ``(N, 150, 13, 3)`` mm.

    Raises
    ------
    ValueError
        A native-mode net whose ``t_in`` does not match ``T_in`` (see :func:`model_accepts`).
    """
    import torch

    x = np.asarray(inputs, dtype=np.float64)
    n, t_in, j, _ = x.shape
    if not model_accepts(meta, t_in):
        raise ValueError(f"this native-mode net takes t_in={meta['net'].get('t_in')} frames, got {t_in}")
    if meta.get("unswap_input"):  # what the Refiner does before gridding (pose_audio_refine.swaps)
        x = unswap_windows(x, TELMI13_PAIRS)
    if meta.get("input_mode", "native") == "grid":
        x = windows_on_grid(x, fps)
        times = grid_times()
    else:
        times = np.arange(t_in) / float(fps)
    if not meta.get("use_audio", True):
        audio = None
    if audio is not None:
        audio = np.asarray(audio, dtype=np.float32)
        if audio.shape[0] != n:
            raise ValueError(f"audio must have one window per input window ({n}), got {audio.shape[0]}")
    device = next(iter(net.parameters()), torch.empty(0)).device
    t = torch.as_tensor(times, dtype=torch.float32, device=device)
    out = np.empty((n, N_SLOTS, j, 3))
    was_training = net.training
    net.eval()
    try:
        with torch.no_grad():
            for a in range(0, n, batch_size):
                b = min(n, a + batch_size)
                p = torch.as_tensor(x[a:b], dtype=torch.float32, device=device)
                au = None if audio is None else torch.as_tensor(audio[a:b], device=device)
                out[a:b] = net(p, au, t).double().cpu().numpy()
    finally:
        net.train(was_training)
    if meta.get("guard") and meta.get("input_mode") == "grid":
        # what the Refiner does: implausible windows fall back to a light smoothing of their input
        from pose_audio_refine.refiner import guard_windows
        out, _ = guard_windows(x, out)
    return out


# --------------------------------------------------------------------------- scoring
def swap_restoration(pred: np.ndarray, gt: np.ndarray, swap_in: np.ndarray, fps_in: float,
                     inputs: np.ndarray | None = None, pairs=TELMI13_PAIRS) -> tuple[np.ndarray, ...]:
    """Per window: how many swapped input (frame, pair) entries the output restored.

    Output frame ``k`` (at ``k / 50`` s) is matched to its nearest input frame ``round(k·fps_in/50)``. A pair
    counts when either of its joints is flagged swapped there (and, with ``inputs``, that frame was not
    dropped); it is restored when the output pair is not swapped w.r.t. ``gt``
    (:func:`pose_audio_refine.metrics.swapped_pairs`).

    Parameters
    ----------
    pred, gt : np.ndarray
        ``(N, 150, J, 3)`` mm.
    swap_in : np.ndarray of bool
        ``(N, T_in, J)`` swap flags of the input.
    fps_in : float
        Input rate, Hz.
    inputs : np.ndarray, optional
        ``(N, T_in, J, 3)``; dropped (NaN) input joints do not count as shown swaps.
    pairs : sequence of (int, int)
        Left/right pairs (telmi13's by default).

    Returns
    -------
    restored, flagged, out_swapped, judged : np.ndarray
        ``(N,)`` int counts: restored entries, flagged entries, output-swapped entries, judged entries.
    """
    swap_in = np.asarray(swap_in, dtype=bool)
    t_in = swap_in.shape[1]
    k = np.arange(np.asarray(gt).shape[1])
    near = np.clip(np.round(k * float(fps_in) / OUT_FPS).astype(int), 0, t_in - 1)
    pr = np.asarray(pairs, dtype=int)
    flag = swap_in[:, near][..., pr[:, 0]] | swap_in[:, near][..., pr[:, 1]]  # (N, 150, P)
    if inputs is not None:
        seen = np.isfinite(np.asarray(inputs)).all(axis=-1)[:, near]
        flag &= seen[..., pr[:, 0]] & seen[..., pr[:, 1]]
    swapped, judged = swapped_pairs(pred, gt, [tuple(p) for p in pr])
    flag &= judged
    restored = flag & ~swapped
    return (restored.sum(axis=(1, 2)), flag.sum(axis=(1, 2)), swapped.sum(axis=(1, 2)), judged.sum(axis=(1, 2)))


def score_windows(pred: np.ndarray, batch: dict, chunk: int = 500) -> dict[str, np.ndarray]:
    """Per-window scores of a prediction.

    Parameters
    ----------
    pred : np.ndarray
        ``(N, 150, 13, 3)`` mm.
    batch : dict
        From :func:`window_batch`.

    Returns
    -------
    dict
        ``(N,)`` arrays ``mpjpe`` (mm), ``mpjae`` (mm/frame²), ``swap_restored``, ``swap_flagged``,
        ``swap_out``, ``swap_judged`` (counts, see :func:`swap_restoration`), and ``category``; ``joint_mpjpe``
        ``(N, J)`` (mm, per joint).
    """
    gt = batch["gt"]
    if pred.shape != gt.shape:
        raise ValueError(f"pred must have the ground truth's shape {gt.shape}, got {pred.shape}")
    n = gt.shape[0]
    res = {k: np.zeros(n) for k in ("mpjpe", "mpjae")}
    res["joint_mpjpe"] = np.zeros((n, gt.shape[2]))
    res.update({k: np.zeros(n, dtype=np.int64) for k in ("swap_restored", "swap_flagged", "swap_out", "swap_judged")})
    for a in range(0, n, chunk):
        b = min(n, a + chunk)
        p, g = pred[a:b], gt[a:b]
        err = mpjpe(p, g, reduce="none")  # (n, T, J)
        res["mpjpe"][a:b] = np.nanmean(err, axis=(1, 2))
        res["joint_mpjpe"][a:b] = np.nanmean(err, axis=1)
        res["mpjae"][a:b] = np.nanmean(mpjae(p, g, reduce="none"), axis=(1, 2))
        r, f, o, j = swap_restoration(p, g, batch["swap"][a:b], batch["fps"], batch["inputs"][a:b])
        res["swap_restored"][a:b], res["swap_flagged"][a:b] = r, f
        res["swap_out"][a:b], res["swap_judged"][a:b] = o, j
    res["category"] = np.asarray(batch["category"]).copy()
    return res


def summarize(scores: dict[str, np.ndarray]) -> dict:
    """Average per-window scores overall and per category.

    Returns
    -------
    dict
        ``n``, ``mpjpe``, ``mpjae``, ``swap_restored`` (fraction, None when no swapped input frame),
        ``swap_flagged``, ``swap_out_rate``, ``joints`` (per-joint MPJPE, mm, when the scores have
        ``joint_mpjpe``), and ``categories``: name -> ``{n, mpjpe, mpjae}`` (means None for an empty category).
    """
    cat = scores["category"]
    flagged = int(scores["swap_flagged"].sum())
    out = {
        "n": int(cat.shape[0]),
        "mpjpe": float(scores["mpjpe"].mean()),
        "mpjae": float(scores["mpjae"].mean()),
        "swap_restored": float(scores["swap_restored"].sum() / flagged) if flagged else None,
        "swap_flagged": flagged,
        "swap_out_rate": float(scores["swap_out"].sum() / max(1, scores["swap_judged"].sum())),
        "categories": {},
    }
    if "joint_mpjpe" in scores:
        out["joints"] = [float(v) for v in scores["joint_mpjpe"].mean(axis=0)]
    for code, name in enumerate(CATEGORY_NAMES):
        m = cat == code
        out["categories"][name] = {
            "n": int(m.sum()),
            "mpjpe": float(scores["mpjpe"][m].mean()) if m.any() else None,
            "mpjae": float(scores["mpjae"][m].mean()) if m.any() else None,
        }
    return out


# --------------------------------------------------------------------------- tuning
def _upsample_matrix(t_in: int, fps: float) -> np.ndarray:
    """``(150, T_in)`` matrix of ``filters.upsample(..., "linear")`` (then :func:`_fit_slots`) for gap-free
    input at ``arange(T_in) / fps``: upsampling is linear in the data, so pushing unit impulses through the
    library function gives exactly its map."""
    eye = np.repeat(np.eye(t_in)[:, :, None], 3, axis=2)  # "joint" i = an impulse at input frame i
    y, _ = F.upsample(eye, fps, OUT_FPS, "linear")
    return np.ascontiguousarray(_fit_slots(y)[:, :, 0])  # (a strided view would bypass BLAS)


def _fast_classical(name: str, filled: np.ndarray, n: int, fps: float, params: dict, w: np.ndarray,
                    raw: np.ndarray | None = None) -> np.ndarray:
    """:func:`predict_classical` for tuning: the library smoother at the input rate, then the upsampling as one
    matrix product (equal to :func:`predict_classical`, checked in tests; ``raw`` tracks are needed for cubic)."""
    if name == "cubic":
        return _from_tracks(_fit_slots(refine_classical("cubic", raw, fps, OUT_FPS)[0]), n)
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
    return _from_tracks((w @ smoothed.reshape(t, m * 3)).reshape(w.shape[0], m, 3), n)


def _fits(name: str, params: dict, t_in: int) -> bool:
    w = params.get("window")
    return w is None or w <= t_in


def tune_classical(batch: dict, grids: dict[str, list[dict]] | None = None,
                   methods: Iterable[str] = CLASSICAL) -> dict[str, dict]:
    """Grid-search each classical method's parameters on a (validation) batch by MPJPE.

    Parameters
    ----------
    batch : dict
        From :func:`window_batch` (use the validation split: tune on val, report on test).
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
    raw = _as_tracks(x)
    filled = fill_gaps(raw)
    w = _upsample_matrix(x.shape[1], fps)
    out = {}
    for name in methods:
        tried = []
        for params in grids.get(name, [{}]):
            if not _fits(name, params, x.shape[1]):
                continue
            pred = _fast_classical(name, filled, x.shape[0], fps, params, w, raw)
            # = metrics.mpjpe (the ground truth has no gaps), without its input checks and copies
            err = float(np.linalg.norm(pred - batch["gt"], axis=-1).mean())
            tried.append((dict(params), err))
        if not tried:
            raise ValueError(f"no {name} parameters fit T_in={x.shape[1]}")
        best = min(tried, key=lambda pe: pe[1])
        out[name] = {"params": best[0], "val_mpjpe": best[1], "grid": tried}
    return out


# --------------------------------------------------------------------------- one set
def _label(name: str, variant: str) -> str:
    return {"matched": name, "pose_only": f"{name} (pose-only)", "shuffled": f"{name} (shuffled audio)"}[variant]


def evaluate_set(root, models: dict | None = None, max_windows: int | None = None, tune: bool = True,
                 tune_windows: int | None = 300, seed: int = 0, taus: Iterable[str] = tuple(TAUS),
                 classical: Iterable[str] = CLASSICAL, grids: dict[str, list[dict]] | None = None,
                 log: Callable[[str], None] | None = None) -> dict:
    """Evaluate every method on one window set's test split.

    Parameters
    ----------
    root : str or Path
        MAPdat-format build folder.
    models : dict, optional
        Display name -> ``(net, meta)`` from :func:`pose_audio_refine.checkpoint.load_weights`.
    max_windows : int, optional
        Evenly spaced subset of test windows per τ (None: all).
    tune : bool
        Grid-search the classical parameters on the val split (else :data:`DEFAULT_PARAMS`).
    tune_windows : int, optional
        Evenly spaced val windows used for tuning (None: all).
    seed : int
        Seeds the shuffled-audio pairing.
    taus : iterable of str
        Rate keys of :data:`training.windows.TAUS`.
    classical : iterable of str
        Classical methods to run.
    grids : dict, optional
        Tuning grids (default :data:`PARAM_GRIDS`).
    log : callable, optional
        Progress messages.

    Returns
    -------
    dict
        ``name``, ``root``, ``kind``, ``preset``, ``has_audio``, ``n_test_windows``, ``windows`` (per τ),
        ``classical_params`` (τ -> method -> params and val MPJPE), ``methods`` (label -> ``{family, base,
        variant, taus: τ -> summary}``, see :func:`summarize`), ``seconds`` (label -> inference s),
        ``notes``, ``wall_s``.
    """
    t0 = time.perf_counter()
    classical = tuple(classical)
    say = log or (lambda msg: None)
    root = Path(root)
    data, meta = open_set(root, "test")
    models = dict(models or {})
    has_audio = bool(np.asarray(data["has_audio"]).all())
    n_total = int(np.asarray(data["clip_index"]).shape[0])
    idx = subset_indices(n_total, max_windows)
    res = {"name": root.name, "root": str(root), "kind": meta.get("kind"), "preset": meta.get("preset"),
           "has_audio": has_audio, "n_test_windows": n_total, "windows": {}, "classical_params": {},
           "methods": {}, "seconds": {}, "notes": []}
    if not has_audio:
        res["notes"].append("no audio in this set: audio-using nets run pose-only; matched and shuffled-audio "
                            "variants are skipped")
    val = None
    if tune:
        try:
            val, _ = open_set(root, "val")
        except BuildMissingError:
            res["notes"].append("no val split: classical methods use the untuned defaults")
    val_idx = None if val is None else subset_indices(int(np.asarray(val["clip_index"]).shape[0]), tune_windows)
    audio_all = np.asarray(data["audio"])
    shuffled = shuffled_audio_clips(data, np.asarray(data["clip_index"])[idx], seed) if (
        has_audio and np.unique(np.asarray(data["clip_take_index"])).size > 1) else None
    if has_audio and shuffled is None:
        res["notes"].append("one take in the test split: the shuffled-audio control is skipped")

    def add(label: str, family: str, base: str, variant: str, tau: str, summary: dict, secs: float):
        entry = res["methods"].setdefault(label, {"family": family, "base": base, "variant": variant, "taus": {}})
        entry["taus"][tau] = summary
        res["seconds"][label] = res["seconds"].get(label, 0.0) + secs

    for tau in taus:
        batch = window_batch(data, tau, idx)
        res["windows"][tau] = int(idx.shape[0])
        if val is not None:
            say(f"{root.name} {tau}: tuning classical parameters on {len(val_idx)} val windows")
            tuned = tune_classical(window_batch(val, tau, val_idx), grids, methods=classical)
            params = {m: tuned[m]["params"] for m in classical}
            res["classical_params"][tau] = {m: {"params": tuned[m]["params"], "val_mpjpe": tuned[m]["val_mpjpe"],
                                                "tuned": True} for m in classical}
        else:
            params = {m: DEFAULT_PARAMS[tau][m] for m in classical}
            res["classical_params"][tau] = {m: {"params": params[m], "val_mpjpe": None, "tuned": False}
                                            for m in classical}
        filled = fill_gaps(_as_tracks(batch["inputs"]))
        for m in classical:
            t1 = time.perf_counter()
            pred = predict_classical(m, batch["inputs"], batch["fps"], params[m], filled=filled)
            add(CLASSICAL_LABELS[m], "classical", m, "classical", tau, summarize(score_windows(pred, batch)),
                time.perf_counter() - t1)
        say(f"{root.name} {tau}: classical done ({len(idx)} windows)")
        for name, (net, nmeta) in models.items():
            if not model_accepts(nmeta, batch["inputs"].shape[1]):
                res["notes"].append(f"{name}: native net with t_in={nmeta['net'].get('t_in')}, skipped at {tau}")
                continue
            uses_audio = bool(nmeta.get("use_audio", True))
            variants = ["matched"]
            if uses_audio:
                variants = ["matched", "pose_only", "shuffled"] if has_audio else ["pose_only"]
                if shuffled is None and "shuffled" in variants:
                    variants.remove("shuffled")
            for v in variants:
                audio = None
                if uses_audio and v == "matched":
                    audio = audio_all[batch["clip"]]
                elif uses_audio and v == "shuffled":
                    audio = audio_all[shuffled]
                t1 = time.perf_counter()
                pred = predict_model(net, nmeta, batch["inputs"], batch["fps"], audio)
                add(_label(name, v), "learned", name, v, tau, summarize(score_windows(pred, batch)),
                    time.perf_counter() - t1)
            say(f"{root.name} {tau}: {name} done ({', '.join(variants)})")
    res["wall_s"] = time.perf_counter() - t0
    return res


# --------------------------------------------------------------------------- targets
def _mpjpe(setres: dict, label: str, tau: str, category: str | None = None) -> float | None:
    entry = setres["methods"].get(label, {}).get("taus", {}).get(tau)
    if entry is None:
        return None
    return entry["mpjpe"] if category is None else entry["categories"][category]["mpjpe"]


def _best_classical(setres: dict, tau: str) -> tuple[str | None, float | None]:
    best = (None, None)
    for label, m in setres["methods"].items():
        if m["family"] == "classical" and tau in m["taus"]:
            v = m["taus"][tau]["mpjpe"]
            if best[1] is None or v < best[1]:
                best = (label, v)
    return best


def _check(name: str, setname: str, tau: str, value: float | None, op: str, target: float, detail: str) -> dict:
    if value is None or not math.isfinite(value):
        return {"check": name, "set": setname, "tau": tau, "value": None, "target": f"{op} {target:g}",
                "status": "n/a", "detail": detail}
    ok = value <= target if op == "<=" else value >= target
    return {"check": name, "set": setname, "tau": tau, "value": float(value), "target": f"{op} {target:g}",
            "status": "PASS" if ok else "FAIL", "detail": detail}


def target_checks(results: dict, mapnet: str | None, pot: str | None) -> list[dict]:
    """The issue-4 targets as measured ratios with PASS / FAIL / n/a.

    Parameters
    ----------
    results : dict
        ``{"sets": name -> evaluate_set result}``.
    mapnet, pot : str or None
        Display names of the MAPnet model and of the PoT model (None: their checks read n/a).

    Returns
    -------
    list of dict
        ``check``, ``set``, ``tau``, ``value`` (the ratio), ``target``, ``status``, ``detail``.
    """
    out = []
    no_m = "no model named MAPnet* (pass --model MAPnet...=PATH or --mapnet)"
    no_p = "no model named PoT* (pass --model PoT...=PATH or --pot)"
    for setname, s in results["sets"].items():
        taus = list(s["windows"])
        if s.get("kind") == "simulated":
            for tau in taus:
                m = _mpjpe(s, mapnet, tau) if mapnet else None
                p = _mpjpe(s, pot, tau) if pot else None
                out.append(_check("MAPnet / PoT MPJPE", setname, tau, None if m is None or p is None else m / p,
                                  "<=", 0.6, f"{mapnet}={_fmt(m)} mm, {pot}={_fmt(p)} mm" if mapnet and pot
                                  else (no_m if not mapnet else no_p)))
            for tau in taus:
                m = _mpjpe(s, mapnet, tau) if mapnet else None
                bl, bv = _best_classical(s, tau)
                out.append(_check("MAPnet / best classical MPJPE", setname, tau,
                                  None if m is None or bv is None else m / bv, "<=", 0.3,
                                  f"{mapnet}={_fmt(m)} mm, best classical {bl}={_fmt(bv)} mm" if mapnet else no_m))
            for tau in taus:
                m = _mpjpe(s, mapnet, tau, "fine") if mapnet else None
                sh = _mpjpe(s, _label(mapnet, "shuffled"), tau, "fine") if mapnet else None
                out.append(_check("shuffled / matched audio MPJPE on fine", setname, tau,
                                  None if m is None or sh is None else sh / m, ">=", 1.25,
                                  f"matched={_fmt(m)} mm, shuffled={_fmt(sh)} mm" if mapnet else no_m))
            for tau in taus:
                e = s["methods"].get(mapnet, {}).get("taus", {}).get(tau) if mapnet else None
                r = None if e is None or e["swap_restored"] is None else 100.0 * e["swap_restored"]
                out.append(_check("swapped frames restored (%)", setname, tau, r, ">=", 95.0,
                                  f"{e['swap_flagged']} swapped input (frame, pair) entries" if e else no_m))
        elif "dance" in setname and s.get("has_audio"):
            for tau in taus:
                m = _mpjpe(s, mapnet, tau) if mapnet else None
                po = _mpjpe(s, _label(mapnet, "pose_only"), tau) if mapnet else None
                out.append(_check("real dance: with music / pose-only MPJPE", setname, tau,
                                  None if m is None or po is None else m / po, "<=", 1.02,
                                  f"with music={_fmt(m)} mm, pose-only={_fmt(po)} mm" if mapnet else no_m))
                bl, bv = _best_classical(s, tau)
                out.append(_check("real dance: with music / best classical MPJPE", setname, tau,
                                  None if m is None or bv is None else m / bv, "<=", 1.0,
                                  f"with music={_fmt(m)} mm, best classical {bl}={_fmt(bv)} mm" if mapnet else no_m))
    return out


# --------------------------------------------------------------------------- tables
def _fmt(v, digits: int = 2) -> str:
    return "—" if v is None else f"{v:.{digits}f}"


def _tau_head(taus: list[str]) -> str:
    return " | ".join(f"τ = {TAU_VALUE.get(t, t)} ({TAUS[t]:g} fps)" for t in taus)


def _method_table(s: dict, key: str, taus: list[str]) -> list[str]:
    lines = [f"| method | {_tau_head(taus)} |", "|---|" + "---:|" * len(taus)]
    for label, m in s["methods"].items():
        vals = [_fmt(m["taus"][t][key]) if t in m["taus"] else "—" for t in taus]
        lines.append(f"| {label} | " + " | ".join(vals) + " |")
    return lines


def _category_table(s: dict, tau: str, key: str = "mpjpe") -> list[str]:
    any_entry = next(iter(s["methods"].values()))["taus"].get(tau)
    counts = any_entry["categories"] if any_entry else {}
    head = " | ".join(f"{c} (n={counts.get(c, {}).get('n', 0)})" for c in ("fine", "gross", "inversion"))
    lines = [f"| method | {head} | all |", "|---|---:|---:|---:|---:|"]
    for label, m in s["methods"].items():
        e = m["taus"].get(tau)
        if e is None:
            continue
        lines.append(f"| {label} | " + " | ".join(_fmt(e["categories"][c][key]) for c in ("fine", "gross", "inversion"))
                     + f" | {_fmt(e[key])} |")
    return lines


def _control_table(s: dict, taus: list[str]) -> list[str]:
    lines = ["| model | τ | matched | pose-only | shuffled audio | shuffled / matched | fine: matched | "
             "fine: shuffled | fine: shuffled / matched |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    bases = [label for label, m in s["methods"].items() if m["family"] == "learned" and m["variant"] == "matched"
             and any(x["base"] == m["base"] and x["variant"] == "shuffled" for x in s["methods"].values())]
    for base in bases:
        for t in taus:
            m, po, sh = (_mpjpe(s, _label(base, v), t) for v in ("matched", "pose_only", "shuffled"))
            mf, shf = _mpjpe(s, base, t, "fine"), _mpjpe(s, _label(base, "shuffled"), t, "fine")
            ratio = None if m is None or sh is None else sh / m
            ratio_f = None if mf is None or shf is None else shf / mf
            lines.append(f"| {base} | {TAU_VALUE[t]} | {_fmt(m)} | {_fmt(po)} | {_fmt(sh)} | {_fmt(ratio, 3)} | "
                         f"{_fmt(mf)} | {_fmt(shf)} | {_fmt(ratio_f, 3)} |")
    return lines if bases else []


def _swap_table(s: dict, taus: list[str]) -> list[str]:
    lines = [f"| method | {_tau_head(taus)} |", "|---|" + "---:|" * len(taus)]
    for label, m in s["methods"].items():
        cells = []
        for t in taus:
            e = m["taus"].get(t)
            cells.append("—" if e is None or e["swap_restored"] is None else
                         f"{100 * e['swap_restored']:.1f} % ({100 * e['swap_out_rate']:.1f} %)")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def _joint_table(s: dict, tau: str) -> list[str]:
    """Per-joint MPJPE of the learned nets (all variants) and the best classical method at ``tau``."""
    bl, _ = _best_classical(s, tau)
    rows = [label for label, m in s["methods"].items() if (m["family"] == "learned" or label == bl)
            and "joints" in m["taus"].get(tau, {})]
    if not rows:
        return []
    names = [f"**{j}**" if j in AUDIO_DRIVEN_JOINTS else j for j in TELMI13_NAMES]
    lines = ["| method | " + " | ".join(names) + " | all |", "|---|" + "---:|" * (len(names) + 1)]
    for label in rows:
        e = s["methods"][label]["taus"][tau]
        lines.append(f"| {label} | " + " | ".join(f"{v:.1f}" for v in e["joints"]) + f" | {e['mpjpe']:.2f} |")
    return lines


def audio_bound(joints: list[float]) -> float:
    """MPJPE (mm) a method would reach if its :data:`AUDIO_DRIVEN_JOINTS` were perfect and every other joint
    kept its error: the most that audio, which carries nothing about the other joints, can take off.

    Parameters
    ----------
    joints : list of float
        Per-joint MPJPE (mm) in telmi13 order (``summarize(...)["joints"]``).
    """
    if len(joints) != len(TELMI13_NAMES):
        raise ValueError(f"expected {len(TELMI13_NAMES)} per-joint errors, got {len(joints)}")
    keep = [e for name, e in zip(TELMI13_NAMES, joints) if name not in AUDIO_DRIVEN_JOINTS]
    return float(sum(keep) / len(joints))


def _audio_bound_lines(s: dict, tau: str) -> list[str]:
    out = []
    for label, m in s["methods"].items():
        e = m["taus"].get(tau, {})
        if m["family"] != "learned" or m["variant"] not in ("matched", "pose_only") or "joints" not in e:
            continue
        if m["variant"] == "matched" and any(x["base"] == m["base"] and x["variant"] == "pose_only"
                                             for x in s["methods"].values()):
            continue  # audio nets: the bound is about the pose-only output
        b = audio_bound(e["joints"])
        out.append(f"- {label}: {e['mpjpe']:.2f} mm -> {b:.2f} mm with {', '.join(AUDIO_DRIVEN_JOINTS)} perfect "
                   f"(ratio {b / e['mpjpe']:.3f})")
    return out


def format_markdown(results: dict) -> str:
    """All tables of a benchmark run as Markdown (what ``tools/benchmark.py`` prints and writes)."""
    lines: list[str] = []
    for setname, s in results["sets"].items():
        taus = list(s["windows"])
        nwin = ", ".join(f"{TAU_VALUE[t]}: {n}" for t, n in s["windows"].items())
        lines += [f"## {setname} ({s.get('kind')}, {s.get('preset')} noise) — test windows per τ {nwin} "
                  f"of {s['n_test_windows']}", ""]
        for note in s["notes"]:
            lines.append(f"*Note: {note}.*")
        if s["notes"]:
            lines.append("")
        lines += ["**MPJPE (mm) per input rate** (Table 2)", ""] + _method_table(s, "mpjpe", taus) + [""]
        cat_tau = "tau033" if "tau033" in taus else taus[-1]
        lines += [f"**MPJPE (mm) per category at τ = {TAU_VALUE[cat_tau]}** (Table 3)", ""] + \
            _category_table(s, cat_tau) + [""]
        lines += ["**MPJAE (mm/frame² at 50 fps) per input rate** (Tables 4–5 metric)", ""] + \
            _method_table(s, "mpjae", taus) + [""]
        lines += [f"**MPJAE (mm/frame²) per category at τ = {TAU_VALUE[cat_tau]}**", ""] + \
            _category_table(s, cat_tau, "mpjae") + [""]
        jt = _joint_table(s, cat_tau)
        if jt:
            lines += [f"**MPJPE (mm) per joint at τ = {TAU_VALUE[cat_tau]}** (bold: the joints whose motion makes "
                      "sound in the simulator; learned nets and the best classical method)", ""] + jt + [""]
            bound = _audio_bound_lines(s, cat_tau) if s.get("kind") == "simulated" else []
            if bound:
                lines += ["Bound on what audio can add: a pose-only output with the sound-making joints made "
                          "perfect (every other joint keeps its error):", ""] + bound + [""]
        ctl = _control_table(s, taus)
        if ctl:
            lines += ["**Shuffled-audio control** (MPJPE, mm; audio from a window of a different take)", ""]
            lines += ctl + [""]
        lines += ["**Swapped frames restored** (share of swapped input (frame, pair) entries whose output is not "
                  "swapped; in brackets the share of all output entries that are swapped)", ""] + \
            _swap_table(s, taus) + [""]
        lines += ["Classical parameters (" + ("tuned on the val split" if any(
            v["tuned"] for p in s["classical_params"].values() for v in p.values()) else "untuned defaults") + "):", ""]
        for t, pm in s["classical_params"].items():
            lines.append(f"- τ = {TAU_VALUE[t]}: " + "; ".join(
                f"{CLASSICAL_LABELS[m]} {_params_str(v['params'])}" for m, v in pm.items() if v["params"]))
        lines.append("")
    checks = results.get("targets", [])
    if checks:
        lines += ["## Target checks (issue 4)", "", "| check | set | τ | measured | target | status | detail |",
                  "|---|---|---|---:|---|---|---|"]
        for c in checks:
            digits = 1 if "%" in c["check"] else 3
            lines.append(f"| {c['check']} | {c['set']} | {TAU_VALUE.get(c['tau'], c['tau'])} | "
                         f"{_fmt(c['value'], digits)} | {c['target']} | {c['status']} | {c['detail']} |")
        lines.append("")
    return "\n".join(lines)


def _params_str(p: dict) -> str:
    return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in p.items()
                     if k != "d_cutoff" or v != 1.0)
