"""3D pose estimation from video frames with MediaPipe Pose (offline, ``model_complexity=1``).

MediaPipe gives per frame 33 *world* landmarks (metres, origin between the hips, axes of the camera: x right
in the image, y down, z away from the camera; skeleton ``mediapipe33``) and 33 *image* landmarks
(x, y normalised to the frame width/height), which the renderer uses to place the refined 3D skeleton over
the frames. Only ``model_complexity=1`` is used: its weights ship with the wheel (0 and 2 download theirs).

Running the estimator on fewer frames (``estimator_fps``) is MAPnet's point: a cheap, sparse estimate plus the
continuous audio; the refiner restores 50 fps. Frames not estimated stay NaN in the returned track, which is
on the video's frame grid, so every estimate keeps its exact timestamp.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..validation import check_rate

__all__ = ["PoseEstimate", "NoPersonError", "MIN_DETECTION_RATE", "select_frames", "estimate_poses"]

#: Below this fraction of estimated frames with a person, the estimate is refused (:class:`NoPersonError`).
MIN_DETECTION_RATE: float = 0.5


class NoPersonError(ValueError):
    """MediaPipe found a person in too few of the frames it looked at."""


@dataclass
class PoseEstimate:
    """MediaPipe's output on a video's frame grid.

    Attributes
    ----------
    world : np.ndarray, shape (T, 33, 3)
        World landmarks, metres, ``mediapipe33`` camera-oriented frame; NaN where not estimated/detected.
    image : np.ndarray, shape (T, 33, 2)
        Image landmarks ``(x, y)`` normalised to the frame width/height; NaN likewise.
    visibility : np.ndarray, shape (T, 33)
        MediaPipe's per-landmark visibility in [0, 1]; NaN likewise.
    estimated : np.ndarray, shape (T,)
        Frames the estimator ran on.
    detected : np.ndarray, shape (T,)
        Frames where it found a person.
    fps : float
        Frame rate of the grid (the video's), Hz.
    seconds : float
        Wall-clock time of the estimation (decoding included), s.
    """

    world: np.ndarray
    image: np.ndarray
    visibility: np.ndarray
    estimated: np.ndarray
    detected: np.ndarray
    fps: float
    seconds: float

    @property
    def detection_rate(self) -> float:
        """Fraction of estimated frames with a detection."""
        n = int(self.estimated.sum())
        return float(self.detected.sum()) / n if n else 0.0


def select_frames(n_frames: int, video_fps: float, estimator_fps: float | None = None) -> np.ndarray:
    """Frame numbers to run the estimator on.

    Parameters
    ----------
    n_frames : int
        Frames in the video (or in the part processed).
    video_fps : float
        Video frame rate, Hz.
    estimator_fps : float, optional
        Target estimator rate, Hz; None (or at least ``video_fps``): every frame. Otherwise the frame nearest
        to each time ``k / estimator_fps``; when ``video_fps / estimator_fps`` is not an integer the spacing
        alternates (e.g. 25 -> 10 fps: every 2nd or 3rd frame), timestamps stay exact.

    Returns
    -------
    np.ndarray, shape (n,)
        Increasing, unique frame numbers.
    """
    if isinstance(n_frames, bool) or not isinstance(n_frames, (int, np.integer)) or n_frames < 1:
        raise ValueError(f"n_frames must be a positive int, got {n_frames!r}")
    video_fps = check_rate(video_fps, "video_fps")
    if estimator_fps is None:
        return np.arange(n_frames)
    estimator_fps = check_rate(estimator_fps, "estimator_fps")
    if estimator_fps >= video_fps:
        return np.arange(n_frames)
    times = np.arange(math.floor((n_frames - 1) / video_fps * estimator_fps + 1e-9) + 1) / estimator_fps
    return np.unique(np.clip(np.round(times * video_fps).astype(int), 0, n_frames - 1))


def estimate_poses(path, indices, n_frames: int, fps: float, *, progress: bool = True,
                   min_detection_rate: float = MIN_DETECTION_RATE, min_visibility: float = 0.0) -> PoseEstimate:
    """Run MediaPipe Pose (``model_complexity=1``, tracking mode) on the chosen frames of a video.

    Parameters
    ----------
    path : str or Path
        Video file.
    indices : array_like of int
        Frames to estimate (see :func:`select_frames`), all below ``n_frames``.
    n_frames : int
        Length of the returned grid (frames of the video part processed).
    fps : float
        Video frame rate, Hz (recorded in the result).
    progress : bool
        Show a tqdm bar.
    min_detection_rate : float
        Raise :class:`NoPersonError` when fewer of the estimated frames have a person.
    min_visibility : float
        Landmarks whose visibility is below this become NaN (0: keep all).

    Returns
    -------
    PoseEstimate

    Raises
    ------
    NoPersonError
        (a ``ValueError``) Detection rate below ``min_detection_rate``; the message gives the rate.
    """
    import cv2  # noqa: PLC0415 - heavy imports only when estimating
    import mediapipe as mp  # noqa: PLC0415

    from .io import iter_frames  # noqa: PLC0415

    idx = np.asarray(indices, dtype=int)
    if idx.ndim != 1 or idx.size == 0 or (idx < 0).any() or (idx >= n_frames).any():
        raise ValueError(f"indices must be a non-empty list of frame numbers in [0, {n_frames}), got {idx!r}")
    world = np.full((n_frames, 33, 3), np.nan)
    image = np.full((n_frames, 33, 2), np.nan)
    vis = np.full((n_frames, 33), np.nan)
    estimated = np.zeros(n_frames, bool)
    detected = np.zeros(n_frames, bool)
    bar = None
    if progress:
        from tqdm.auto import tqdm  # noqa: PLC0415

        bar = tqdm(total=idx.size, desc="estimating poses (MediaPipe)", unit="frame")
    t0 = time.perf_counter()
    with mp.solutions.pose.Pose(model_complexity=1, static_image_mode=False, smooth_landmarks=True,
                                min_detection_confidence=0.5, min_tracking_confidence=0.5) as pose:
        try:
            for i, frame in iter_frames(path, idx, stop=n_frames):
                res = pose.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
                estimated[i] = True
                if res.pose_world_landmarks is not None and res.pose_landmarks is not None:
                    detected[i] = True
                    world[i] = [(p.x, p.y, p.z) for p in res.pose_world_landmarks.landmark]
                    image[i] = [(p.x, p.y) for p in res.pose_landmarks.landmark]
                    vis[i] = [p.visibility for p in res.pose_world_landmarks.landmark]
                if bar is not None:
                    bar.update(1)
        finally:
            if bar is not None:
                bar.close()
    if min_visibility > 0:
        low = ~(vis >= min_visibility)
        world[low] = np.nan
        image[low] = np.nan
    est = PoseEstimate(world, image, vis, estimated, detected, float(fps), time.perf_counter() - t0)
    n_est = int(estimated.sum())
    if n_est == 0:
        raise ValueError(f"no frame could be decoded from {Path(path)}")
    if est.detection_rate < min_detection_rate:
        raise NoPersonError(
            f"no person detected in most frames of {Path(path).name}: MediaPipe found one in "
            f"{int(detected.sum())} of {n_est} frames ({100 * est.detection_rate:.0f} %, below "
            f"{100 * min_detection_rate:.0f} %). Use a video with one person fully in view, or pass --poses.")
    return est
