"""Body-shape augmentation: the same motion on a body with other proportions.

The simulated violinists' proportions differ from those of real capture sets by up to a factor of two per
segment (telmi13 hip width 335-357 mm simulated vs 198-213 mm in the real dance and MoCap Toolbox sets, forearm
258 vs 116 mm in the dance set, whose wrist joint sits mid-forearm). A model trained on one set of proportions
learns them as a prior and "corrects" other bodies towards them: on the real dance test windows the shipped
model's output sat 28-34 mm (window-constant) away from its own smoothed input at the elbows, wrists and toes.
Rescaling every segment by a random factor, before the estimator noise is made, takes that prior away.
"""
from __future__ import annotations

import numpy as np

__all__ = ["segment_scales", "rescale_segments"]


def segment_scales(rng: np.random.Generator, parents, pairs, log_std: float) -> np.ndarray:
    """Random scale factors per segment, shared by the two sides of each left/right pair.

    Parameters
    ----------
    rng : np.random.Generator
    parents : sequence of int
        ``(J,)`` parent of each joint (-1 for the root); the segment of joint ``j`` is parent -> ``j``.
    pairs : sequence of (int, int)
        Left/right pairs; both joints of a pair get the same factor (bodies are nearly symmetric).
    log_std : float
        Standard deviation of the natural log of each factor (0.2: most factors in 0.67-1.5).

    Returns
    -------
    np.ndarray
        ``(J,)`` factors; 1 for the root.
    """
    if log_std < 0:
        raise ValueError(f"log_std must be >= 0, got {log_std}")
    scales = np.exp(rng.normal(0.0, log_std, len(parents)))
    for a, b in pairs:
        scales[b] = scales[a]
    scales[np.asarray(parents) < 0] = 1.0
    return scales


def rescale_segments(poses: np.ndarray, parents, scales: np.ndarray) -> np.ndarray:
    """Scale every segment's length about its parent joint, carrying the children along.

    Parameters
    ----------
    poses : np.ndarray
        ``(T, J, 3)`` poses (any unit). Not modified.
    parents : sequence of int
        ``(J,)`` parent of each joint, each parent listed before its children (-1 for the root).
    scales : np.ndarray
        ``(J,)`` factor for the segment parent -> joint.

    Returns
    -------
    np.ndarray
        ``(T, J, 3)`` new poses: the root where it was, every offset from a parent multiplied by the factor.
    """
    x = np.asarray(poses, dtype=np.float64)
    parents = list(parents)
    if x.ndim != 3 or x.shape[1] != len(parents) or len(scales) != len(parents):
        raise ValueError(f"poses must be (T, {len(parents)}, 3) with one scale per joint, got {x.shape} "
                         f"and {len(scales)} scales")
    out = x.copy()
    for j, p in enumerate(parents):
        if p >= 0:
            if p >= j:
                raise ValueError("parents must be listed before their children")
            out[:, j] = out[:, p] + scales[j] * (x[:, j] - x[:, p])
    return out
