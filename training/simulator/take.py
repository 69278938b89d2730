"""The unit the simulator produces and the MAPdat builder consumes."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Take:
    """One simulated performance: motion, the sound it caused, and the hidden state that made both.

    Attributes
    ----------
    poses : np.ndarray
        ``(T, 13, 3)`` float64, ``telmi13`` joints in millimetres at ``fps`` (50), in the paper's frame:
        origin at the left toe (LTOE) of the first frame, z up, y forward (the way the player faces),
        x to the player's right.
    audio : np.ndarray
        ``(n_samples,)`` mono float32 at ``sr`` (44100 Hz); ``n_samples == round(T / fps * sr)``.
    fps, sr : float, int
        Pose frame rate and audio sample rate.
    take_id : str
        Unique id of the take (used for leak-free splits).
    performer_id : str
        Id of the simulated performer (body proportions, style).
    state : dict
        Hidden per-frame state at ``fps``, each a ``(T,)`` array unless noted: ``"string"`` (0=G..3=E,
        -1 off the string), ``"bow_pos"`` (mm from the frog), ``"bow_speed"`` (mm/s, signed: + down-bow),
        ``"sounding"`` (bool), ``"pitch_hz"``, and ``"bow_changes"`` / ``"note_onsets"`` (times in s) plus
        ``"articulation"`` (per-frame label str) and ``"notes"`` (list of dicts).
    """

    poses: np.ndarray
    audio: np.ndarray
    fps: float
    sr: int
    take_id: str
    performer_id: str
    state: dict = field(default_factory=dict)

    @property
    def duration(self) -> float:
        """Duration in seconds (``T / fps``)."""
        return self.poses.shape[0] / self.fps
