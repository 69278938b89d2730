"""Sliding windows over a long track and seam-free overlap blending of the per-window outputs.

The model refines fixed 3 s windows (150 slots at 50 fps). A track of ``K`` output slots is covered by windows
starting every ``hop`` slots (default 50 = 1 s, so every slot lies in up to three windows), plus one last window
ending exactly at the track's end. A clip shorter than one window gets a single window at slot 0 whose tail
lies past the end (the caller pads the input; the extra slots are cropped here).

Blending: each window's output is weighted per slot by a raised cosine (Hann) that falls to nearly zero at
the window's edges, ``w[n] = sin^2(pi (n + 1/2) / 150)``, and the weighted sum is divided by the sum of the
weights. A window's contribution therefore fades in and out smoothly, so two windows that disagree by a few
mm hand over without a step (no seam): the blend is a smooth partition of unity. The window edges, where the
model has the least context (and where its input was edge-held), get the least weight. Weights can also
be masked per joint (a joint the model never saw in a window contributes nothing from that window).
"""
from __future__ import annotations

import numpy as np

from .windows import N_SLOTS

__all__ = ["HOP_SLOTS", "window_starts", "blend_weights", "OverlapAdd"]

#: Default hop between window starts, in 50 fps slots (1 s, the training windows' hop).
HOP_SLOTS: int = 50


def window_starts(n_slots: int, window: int = N_SLOTS, hop: int = HOP_SLOTS) -> np.ndarray:
    """First slot of every window covering ``n_slots`` output slots.

    Parameters
    ----------
    n_slots : int
        Output length ``K`` in slots (>= 1).
    window : int
        Slots per window (150).
    hop : int
        Slots between consecutive window starts (1 <= hop <= window).

    Returns
    -------
    np.ndarray, shape (n_windows,), int
        ``0, hop, 2 hop, ...`` while the window fits, then ``K - window`` if the last one does not end at ``K``;
        ``[0]`` when ``K <= window`` (one padded window).
    """
    for name, v, low in (("n_slots", n_slots, 1), ("window", window, 1), ("hop", hop, 1)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
            raise ValueError(f"{name} must be an int >= {low}, got {v!r}")
    if hop > window:
        raise ValueError(f"hop ({hop}) must not exceed window ({window}): slots would be left uncovered")
    if n_slots <= window:
        return np.zeros(1, dtype=np.int64)
    starts = np.arange(0, n_slots - window + 1, hop, dtype=np.int64)
    if starts[-1] != n_slots - window:
        starts = np.append(starts, n_slots - window)
    return starts


def blend_weights(window: int = N_SLOTS) -> np.ndarray:
    """Raised-cosine slot weights ``sin^2(pi (n + 1/2) / window)``, shape ``(window,)``, in (0, 1].

    Never exactly zero (the first slot of a track is covered by one window only), smooth, and symmetric.
    """
    n = np.arange(window)
    return np.sin(np.pi * (n + 0.5) / window) ** 2


class OverlapAdd:
    """Accumulate weighted window outputs and return their normalised blend.

    Parameters
    ----------
    n_slots : int
        Output length ``K`` in slots.
    n_joints : int
        Joints per slot.
    window : int
        Slots per window.

    Examples
    --------
    >>> acc = OverlapAdd(200, 13)
    >>> for s in window_starts(200):
    ...     acc.add(s, np.zeros((150, 13, 3)))
    >>> acc.result().shape
    (200, 13, 3)
    """

    def __init__(self, n_slots: int, n_joints: int, window: int = N_SLOTS):
        self.n_slots, self.window = int(n_slots), int(window)
        self.weights = blend_weights(window)
        self._sum = np.zeros((self.n_slots, int(n_joints), 3))
        self._wsum = np.zeros((self.n_slots, int(n_joints)))

    def add(self, start: int, values: np.ndarray, joint_mask: np.ndarray | None = None) -> None:
        """Add one window.

        Parameters
        ----------
        start : int
            First slot of the window (slots past ``n_slots`` are dropped).
        values : np.ndarray, shape (window, J, 3)
            The window's output; entries whose weight is zero may be NaN.
        joint_mask : np.ndarray of bool, shape (J,), optional
            False for joints that must not contribute from this window.
        """
        stop = min(self.n_slots, start + self.window)
        n = stop - start
        w = np.broadcast_to(self.weights[:n, None], (n, self._wsum.shape[1])).copy()
        if joint_mask is not None:
            w *= np.asarray(joint_mask, dtype=bool)[None, :]
        v = np.where(w[..., None] > 0, values[:n], 0.0)  # NaN where unweighted must not poison the sum
        self._sum[start:stop] += w[..., None] * v
        self._wsum[start:stop] += w

    def result(self) -> np.ndarray:
        """``(n_slots, J, 3)`` blended values; NaN where no window contributed."""
        with np.errstate(invalid="ignore", divide="ignore"):
            out = self._sum / self._wsum[..., None]
        out[self._wsum == 0] = np.nan
        return out
