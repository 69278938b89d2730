"""Benchmark scores of a prediction against the windows' ground truth.

* **MPJPE** (mm) and **MPJAE** (mm/frame² at 50 fps, :mod:`pose_audio_refine.metrics`) per window, then
  averaged over windows -- overall and per Table-3 category (``category_<τ>``: gross, fine, inversion).
  All windows have the same 150 x 13 valid entries, so the mean of window means is the pooled mean and the
  count-weighted category means add up to the overall one.
* **swapped frames restored**: over every output frame and left/right pair whose *nearest input frame*
  showed that pair swapped (``swap_<τ>``, frame not dropped), the fraction where the output is *not* swapped
  w.r.t. the ground truth (:func:`pose_audio_refine.metrics.swapped_pairs`). ``swap_out_rate`` is the
  fraction of all (frame, pair) entries the output has swapped, for context (with the paper's 300 mm jitter
  a noisy output can look "swapped" by chance).
"""
from __future__ import annotations

import numpy as np

from pose_audio_refine.metrics import mpjae, mpjpe, swapped_pairs
from pose_audio_refine.skeletons import TELMI13_PAIRS
from pose_audio_refine.windows import OUT_FPS
from training.take_windows import CATEGORY_NAMES

__all__ = ["swap_restoration", "score_windows", "summarize"]


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
        From :func:`training.benchmark.data.window_batch` (``gt``, ``inputs``, ``swap``, ``category``, ``fps``).
    chunk : int
        Windows per step (bounds memory).

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
