"""Refining the per-frame ``PoseDataSample`` lists of MMPose's 3D inferencer."""
from __future__ import annotations

import copy
from typing import Sequence

import numpy as np
from mmengine.structures import InstanceData
from mmpose.structures import PoseDataSample

from ..validation import check_rate
from .refiners import BaseRefiner, _as_refiner
from .tracks import _refine_frames, assign_tracks


def _np(x) -> np.ndarray:
    return x.detach().cpu().numpy() if hasattr(x, "detach") else np.asarray(x)


def _sample_keypoints(sample, i: int) -> np.ndarray:
    if not isinstance(sample, PoseDataSample):
        raise TypeError(f"samples[{i}] must be a PoseDataSample, got {type(sample).__name__}")
    if "pred_instances" not in sample or "keypoints" not in sample.pred_instances:
        return np.zeros((0, 0, 3))
    kp = _np(sample.pred_instances.keypoints).astype(np.float64)
    if kp.ndim == 4 and kp.shape[1] == 1:  # (N, 1, K, C), as lifters emit before the inferencer squeezes it
        kp = kp[:, 0]
    if kp.ndim != 3:
        raise ValueError(f"samples[{i}].pred_instances.keypoints must have shape (N, K, 3), got {kp.shape}")
    if kp.shape[-1] == 2:
        raise ValueError(f"samples[{i}].pred_instances.keypoints are 2D (shape {kp.shape}); pass the samples "
                         "of a 3D inferencer (MMPoseInferencer(pose3d=...))")
    if kp.shape[-1] != 3:
        raise ValueError(f"samples[{i}].pred_instances.keypoints must end in 3 coordinates, got {kp.shape}")
    return kp


def _check_joint_counts(keypoints: list[np.ndarray], refiner: BaseRefiner, what: str) -> None:
    want = refiner.skeleton.num_joints
    for i, kp in enumerate(keypoints):
        if len(kp) and kp.shape[1] != want:
            raise ValueError(f"{what} {i} has {kp.shape[1]} keypoints per instance but skeleton="
                             f"{refiner.skeleton.name!r} has {want}; MMPose's 3D lifters output H36M's 17 "
                             "keypoints, other joint sets need their skeleton= in the refiner config")


def refine_data_samples(samples: Sequence[PoseDataSample], audio=None, *, fps: float, sr: int | None = None,
                        refiner=None) -> list[PoseDataSample]:
    """Refine the per-frame ``PoseDataSample``\\ s of an MMPose 3D inferencer.

    Parameters
    ----------
    samples : sequence of PoseDataSample
        One per video frame, in order, each with ``pred_instances.keypoints`` ``(N, 17, 3)`` (H36M order,
        the inferencer's z-up rebased frame, metres) and optionally ``keypoint_scores``, ``bboxes``, ... and
        a per-instance ``track_id``. A sample without ``pred_instances`` is a frame with nobody in it.
    audio : str, Path, np.ndarray or None
        The video (or its audio) starting at the first frame; a mono array needs ``sr``. MAPnet uses it,
        classical refiners ignore it.
    fps : float
        Frame rate of ``samples`` (Hz).
    sr : int, optional
        Sample rate of an audio array (Hz).
    refiner : BaseRefiner, config stanza, Config/file, or None
        Default: ``MAPnetRefiner()`` with the bundled checkpoint.

    Returns
    -------
    list of PoseDataSample
        A new list at the refiner's ``out_fps``. Sample ``k`` has metainfo ``frame_id=k``,
        ``timestamp=k/out_fps`` (s), ``fps``, ``source_frame_id`` (index of the nearest input sample, whose
        other metainfo it copies) and ``pred_instances`` with refined ``keypoints`` ``(M, 17, 3)`` float32,
        ``track_id`` ``(M,)`` and the other per-instance fields of the nearest input frame, sorted by
        ``track_id``. The inputs are not modified.
    """
    if isinstance(samples, PoseDataSample) or not isinstance(samples, Sequence) or isinstance(samples, str):
        raise TypeError(f"samples must be a list of PoseDataSample (one per frame), got {type(samples).__name__}")
    if len(samples) == 0:
        raise ValueError("samples is empty")
    refiner = _as_refiner(refiner)
    fps = check_rate(fps, "fps")
    kps = [_sample_keypoints(s, i) for i, s in enumerate(samples)]
    _check_joint_counts(kps, refiner, "samples")
    J = refiner.skeleton.num_joints
    kps = [k if len(k) else np.zeros((0, J, 3)) for k in kps]
    has_ids = all("pred_instances" in s and "track_id" in s.pred_instances for s, k in zip(samples, kps) if len(k))
    ids = [(_np(s.pred_instances.track_id) if len(k) else np.zeros(0)) for s, k in zip(samples, kps)] \
        if has_ids else None
    labels = assign_tracks(kps, ids, units=refiner.units)
    ref = _refine_frames(kps, labels, refiner, audio, fps, sr)
    out = []
    for k, insts in enumerate(ref.frames):
        src = samples[ref.source_index[k]]
        meta = dict(src.metainfo, frame_id=k, timestamp=float(ref.times[k]), fps=float(ref.fps),
                    source_frame_id=int(ref.source_index[k]))
        new = PoseDataSample(metainfo=meta)
        insts = sorted(insts, key=lambda r: r[0])
        pred = InstanceData()
        pred.keypoints = np.array([r[1] for r in insts], dtype=np.float32).reshape(len(insts), J, 3)
        pred.track_id = np.array([r[0] for r in insts], dtype=np.int64)
        if insts and "pred_instances" in src:
            rows = [r[3] for r in insts]
            for key in src.pred_instances.keys():
                if key in ("keypoints", "track_id"):
                    continue
                pred.set_field(copy.deepcopy(_np(src.pred_instances.get(key))[rows]), key)
        new.pred_instances = pred
        out.append(new)
    return out
