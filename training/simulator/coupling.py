"""Measure how strongly a take's sound follows its motion (the simulator's reason to exist).

Two figures, both computed from the take's poses and audio plus its hidden bow state:

* ``rms_speed_r``: Pearson correlation, over frames of sustained playing (bow on the string in détaché
  or long sustained bows, away from string crossings), between audio RMS (``librosa.feature.rms``, hop = sr / fps = 882 samples, so
  one RMS value per pose frame) and the speed of the right wrist (RMWR) from the poses.
* ``onset_hit_rate``: fraction of bow changes in détaché passages with a detected onset
  (``librosa.onset.onset_detect`` at hop 441, half a pose frame) within ``tol`` s (40 ms).
"""
from __future__ import annotations

import numpy as np

from .take import Take

RMWR = 5
SUSTAINED = ("detache", "sustained")


def frame_rms(take: Take) -> np.ndarray:
    """``(T,)`` audio RMS per pose frame (hop ``sr / fps``, centred frames of 2048 samples)."""
    import librosa

    hop = int(round(take.sr / take.fps))
    rms = librosa.feature.rms(y=np.asarray(take.audio, dtype=np.float32), frame_length=2048, hop_length=hop,
                              center=True)[0]
    T = take.poses.shape[0]
    return np.pad(rms, (0, max(0, T - rms.size)))[:T]


def wrist_speed(take: Take) -> np.ndarray:
    """``(T,)`` right-wrist speed in mm/s (central differences of the poses)."""
    return np.linalg.norm(np.gradient(take.poses[:, RMWR], axis=0), axis=-1) * take.fps


def detect_onsets(take: Take, hop: int | None = None, backtrack: bool = False) -> np.ndarray:
    """Onset times (s) detected in the audio by ``librosa.onset.onset_detect``.

    ``hop`` defaults to half a pose frame (441 samples at 44.1 kHz / 50 fps): at a full frame (882) the
    onset-strength peak of a slowly speaking sample (~40 ms attack) can land one frame past the 40 ms
    tolerance, so onsets are localised on the finer grid. ``backtrack`` is passed to librosa.
    """
    import librosa

    hop = int(round(take.sr / take.fps / 2)) if hop is None else int(hop)
    return librosa.onset.onset_detect(y=np.asarray(take.audio, dtype=np.float32), sr=take.sr, hop_length=hop,
                                      units="time", backtrack=backtrack)


def sustained_mask(take: Take, crossing_margin: float = 0.12) -> np.ndarray:
    """``(T,)`` bool: bow on the string in a détaché or sustained passage, away from string crossings.

    Frames within ``crossing_margin`` s of a string change are left out: there the wrist also moves to
    tilt the bow onto the next string, a motion that does not drive the string.
    """
    st = take.state
    string = np.asarray(st["string"])
    mask = np.isin(st["articulation"], SUSTAINED) & (string >= 0)
    played = np.flatnonzero(string >= 0)
    cross = played[1:][np.diff(string[played]) != 0]
    k = int(round(crossing_margin * take.fps))
    for c in cross:
        mask[max(0, c - k): c + k + 1] = False
    return mask


def measure_coupling(take: Take, tol: float = 0.04) -> dict:
    """Coupling figures of one take.

    Parameters
    ----------
    take : Take
        A simulated take (poses, audio and hidden state).
    tol : float
        Onset matching tolerance in s.

    Returns
    -------
    dict
        ``rms_speed_r`` (Pearson r on sustained frames, NaN if < 10 such frames), ``n_sustained_frames``,
        ``onset_hit_rate`` (détaché bow changes with an onset within ``tol``; NaN if none),
        ``n_detache_bow_changes``, ``onset_hit_rate_hop882`` (the same with onsets at hop 882, one pose
        frame), ``onset_median_err_s`` (median |nearest onset - bow change| over those
        bow changes), ``onset_precision`` (detected onsets within ``tol`` of any true note onset or
        bow change), ``rest_rms_ratio`` (mean RMS in rests, from 0.15 s after the lift, over mean RMS
        while sounding).
    """
    st = take.state
    rms = frame_rms(take)
    speed = wrist_speed(take)
    mask = sustained_mask(take)
    r = float(np.corrcoef(rms[mask], speed[mask])[0, 1]) if mask.sum() >= 10 else float("nan")

    onsets = detect_onsets(take)
    bc = np.asarray(st["bow_changes"], dtype=np.float64)
    det = bc[np.asarray(st["bow_change_articulation"]) == "detache"]
    det = det[(det > 0.05) & (det < take.duration - 0.05)]

    def nearest(times: np.ndarray, ref: np.ndarray) -> np.ndarray:
        if ref.size == 0:
            return np.full(times.shape, np.inf)
        return np.min(np.abs(times[:, None] - ref[None, :]), axis=1)

    err = nearest(det, onsets)
    err882 = nearest(det, detect_onsets(take, hop=int(round(take.sr / take.fps))))
    truth = np.concatenate([bc, np.asarray(st["note_onsets"], dtype=np.float64), np.asarray(st["attacks"])])
    prec = float(np.mean(nearest(onsets, truth) <= tol)) if onsets.size else float("nan")

    # rest silence: frames more than 0.15 s into a rest (the string has stopped ringing by then)
    t = np.arange(take.poses.shape[0]) / take.fps
    rest = np.zeros(t.size, dtype=bool)
    for r0, r1 in st["rests"]:
        rest |= (t >= r0 + 0.15) & (t < r1 - 0.03)  # the 2048-sample RMS frame reaches 23 ms ahead
    sounding = np.asarray(st["sounding"], dtype=bool)
    ratio = float(rms[rest].mean() / rms[sounding].mean()) if rest.any() and sounding.any() else float("nan")
    return {
        "rms_speed_r": r,
        "n_sustained_frames": int(mask.sum()),
        "onset_hit_rate": float(np.mean(err <= tol)) if det.size else float("nan"),
        "n_detache_bow_changes": int(det.size),
        "onset_hit_rate_hop882": float(np.mean(err882 <= tol)) if det.size else float("nan"),
        "onset_median_err_s": float(np.median(err)) if det.size else float("nan"),
        "onset_precision": prec,
        "rest_rms_ratio": ratio,
    }
