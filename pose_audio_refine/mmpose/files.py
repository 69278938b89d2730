"""MMPose 3D prediction files: ``body3d_pose_lifter_demo.py --save-predictions`` and
``MMPoseInferencer(pred_out_dir=...)``; read, refine and write back in the same layout."""
from __future__ import annotations

import copy
import json
import numbers
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..validation import check_rate
from .refiners import _as_refiner
from .samples import _check_joint_counts
from .tracks import _refine_frames, assign_tracks


@dataclass
class MMPosePredictions:
    """The contents of an MMPose 3D prediction file.

    Attributes
    ----------
    layout : {"demo", "inferencer"}
        ``"demo"``: ``demo/body3d_pose_lifter_demo.py --save-predictions``, a dict
        ``{"meta_info": ..., "instance_info": [{"frame_id", "instances"}, ...]}``. ``"inferencer"``:
        ``MMPoseInferencer(pred_out_dir=...)`` on a video, a list ``[{"frame_id", "instances"}, ...]``.
    frames : list of dict
        The frame entries as read (``frame_id``, ``instances`` and anything else).
    keypoints : list of np.ndarray
        Per frame, ``(N_i, K, 3)`` float64.
    top : dict
        Top-level keys besides ``instance_info`` (``meta_info``...; empty for the inferencer layout).
    fps : float or None
        Frame rate recorded in the file (only in files this module wrote).
    """

    layout: str
    frames: list[dict]
    keypoints: list[np.ndarray]
    top: dict = field(default_factory=dict)
    fps: float | None = None

    @property
    def frame_ids(self) -> np.ndarray:
        """``(T,)`` frame ids."""
        return np.array([f["frame_id"] for f in self.frames], dtype=np.int64)


def _is_int(x) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _parse_frames(entries, where: str) -> tuple[list[dict], list[np.ndarray]]:
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{where}: expected a non-empty list of frames, got {type(entries).__name__}"
                         + (" (empty)" if isinstance(entries, list) else ""))
    if all(isinstance(e, dict) and "keypoints" in e and "frame_id" not in e for e in entries):
        raise ValueError(f"{where}: this file holds one image's instances (no frame_id/instances per frame); "
                         "refinement needs the predictions of a video")
    frames, kps = [], []
    n_joints = None
    for i, e in enumerate(entries):
        if not isinstance(e, dict) or "frame_id" not in e or "instances" not in e:
            raise ValueError(f"{where}: frame entry {i} must be a dict with 'frame_id' and 'instances', got "
                             f"{type(e).__name__}" + (f" with keys {sorted(e)}" if isinstance(e, dict) else ""))
        if not _is_int(e["frame_id"]):
            raise ValueError(f"{where}: frame entry {i} has a non-integer frame_id {e['frame_id']!r}")
        if i and e["frame_id"] <= frames[-1]["frame_id"]:
            raise ValueError(f"{where}: frame ids must increase; entry {i} has {e['frame_id']} after "
                             f"{frames[-1]['frame_id']}")
        insts = e["instances"]
        if not isinstance(insts, list):
            raise ValueError(f"{where}: frame {e['frame_id']}: 'instances' must be a list")
        rows = []
        for a, inst in enumerate(insts):
            tag = f"{where}: frame {e['frame_id']}, instance {a}"
            if not isinstance(inst, dict) or "keypoints" not in inst:
                raise ValueError(f"{tag}: expected a dict with 'keypoints'")
            try:
                kp = np.array(inst["keypoints"], dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{tag}: keypoints are not a numeric (K, 3) list") from exc
            if kp.ndim != 2 or kp.shape[-1] not in (2, 3):
                raise ValueError(f"{tag}: keypoints must have shape (K, 3), got {kp.shape}")
            if kp.shape[-1] == 2:
                raise ValueError(f"{tag}: keypoints are 2D (shape {kp.shape}); refine the 3D predictions of "
                                 "body3d_pose_lifter_demo.py --save-predictions or MMPoseInferencer(pose3d=...)")
            if n_joints is None:
                n_joints = kp.shape[0]
            elif kp.shape[0] != n_joints:
                raise ValueError(f"{tag}: {kp.shape[0]} keypoints where earlier instances have {n_joints}")
            rows.append(kp)
        frames.append(e)
        kps.append(np.stack(rows) if rows else np.zeros((0, n_joints or 0, 3)))
    return frames, kps


def read_predictions(path_or_obj) -> MMPosePredictions:
    """Read an MMPose 3D prediction file (either layout; see :class:`MMPosePredictions`).

    Parameters
    ----------
    path_or_obj : str, Path, dict or list
        A JSON file, or its already-loaded contents. ``json_tricks`` arrays in ``meta_info`` (as the demo
        writes them) are kept as they are.

    Returns
    -------
    MMPosePredictions

    Raises
    ------
    FileNotFoundError
        ``path_or_obj`` is a path and not a file.
    ValueError
        Not JSON text, another structure, 2D keypoints, inconsistent keypoint counts, or frame ids that do not
        increase.
    """
    where = "predictions"
    obj = path_or_obj
    if isinstance(path_or_obj, (str, Path)):
        where = str(path_or_obj)
        path = Path(path_or_obj)
        if not path.is_file():
            raise FileNotFoundError(f"predictions file not found (or not a file): {path}")
        try:
            obj = json.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError as exc:
            raise ValueError(f"{where}: not a JSON text file (byte {exc.start} is not UTF-8 text; a binary "
                             "file?)") from None
        except json.JSONDecodeError as exc:
            raise ValueError(f"{where}: not valid JSON ({exc})") from exc
    if isinstance(obj, dict):
        if "instance_info" not in obj:
            raise ValueError(f"{where}: a dict prediction file must have 'instance_info' (as written by "
                             f"body3d_pose_lifter_demo.py --save-predictions); found keys {sorted(obj)}")
        layout, entries = "demo", obj["instance_info"]
        top = {k: v for k, v in obj.items() if k != "instance_info"}
    elif isinstance(obj, list):
        layout, entries, top = "inferencer", obj, {}
    else:
        raise ValueError(f"{where}: expected a JSON object or list, got {type(obj).__name__}")
    frames, kps = _parse_frames(entries, where)
    rates = {f.get("fps") for f in frames} - {None}
    fps = (top.get("refine_info") or {}).get("fps") if layout == "demo" else None
    if fps is None and len(rates) == 1:
        fps = rates.pop()
    return MMPosePredictions(layout, copy.deepcopy(frames), kps, copy.deepcopy(top),
                             float(fps) if fps is not None else None)


def write_predictions(preds: MMPosePredictions, path) -> Path:
    """Write predictions in the layout they were read in (``indent`` as MMPose: tab for the demo, two
    spaces for the inferencer).

    Returns
    -------
    Path
        ``path``.
    """
    if preds.layout == "demo":
        obj, indent = dict(preds.top, instance_info=preds.frames), "\t"
    elif preds.layout == "inferencer":
        obj, indent = preds.frames, "  "
    else:
        raise ValueError(f"layout must be 'demo' or 'inferencer', got {preds.layout!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=indent) + "\n")
    return path


def refine_predictions(predictions, audio=None, *, fps: float | None = None, sr: int | None = None,
                       refiner=None) -> MMPosePredictions:
    """Refine an MMPose 3D prediction file's tracks and return them in the same layout.

    Parameters
    ----------
    predictions : MMPosePredictions, str, Path, dict or list
        What :func:`read_predictions` reads.
    audio : str, Path, np.ndarray or None
        The video (or its audio), starting at the first frame.
    fps : float, optional
        Frame rate of the predictions (Hz); required unless the file records it.
    sr : int, optional
        Sample rate of an audio array (Hz).
    refiner : BaseRefiner, config stanza, Config/file, or None
        Default: ``MAPnetRefiner()``.

    Returns
    -------
    MMPosePredictions
        At the refiner's ``out_fps``: frame ``k`` has ``frame_id = first_frame_id + k``, ``timestamp``,
        ``fps``, ``source_frame_id``; each instance has refined ``keypoints``, a ``track_id`` and the other
        fields (``keypoint_scores``, ``bbox``...) of the nearest input frame. The demo layout also gets a
        top-level ``refine_info``.
    """
    preds = predictions if isinstance(predictions, MMPosePredictions) else read_predictions(predictions)
    if fps is None:
        if preds.fps is None:
            raise ValueError("fps is required: MMPose prediction files do not record the video frame rate")
        fps = preds.fps
    fps = check_rate(fps, "fps")
    refiner = _as_refiner(refiner)
    _check_joint_counts(preds.keypoints, refiner, "frame entry")
    J = refiner.skeleton.num_joints
    ids = preds.frame_ids
    first = int(ids[0])
    T = int(ids[-1]) - first + 1
    # Dense frame list: frame ids missing from the file are frames with nobody in them.
    dense_kp = [np.zeros((0, J, 3)) for _ in range(T)]
    dense_inst: list[list[dict]] = [[] for _ in range(T)]
    for fr, kp in zip(preds.frames, preds.keypoints):
        dense_kp[fr["frame_id"] - first] = kp if len(kp) else np.zeros((0, J, 3))
        dense_inst[fr["frame_id"] - first] = fr["instances"]
    insts_all = [inst for fr in dense_inst for inst in fr]
    has_ids = bool(insts_all) and all("track_id" in inst for inst in insts_all)
    tids = [np.array([inst["track_id"] for inst in fr], dtype=np.int64) for fr in dense_inst] if has_ids else None
    labels = assign_tracks(dense_kp, tids, units=refiner.units)
    ref = _refine_frames(dense_kp, labels, refiner, audio, fps, sr)
    frames, out_kp = [], []
    for k, insts in enumerate(ref.frames):
        new_insts = []
        insts = sorted(insts, key=lambda r: r[0])  # MMPose orders instances by track id
        out_kp.append(np.array([r[1] for r in insts], dtype=np.float64).reshape(len(insts), J, 3))
        for tid, kp, i, a in insts:
            inst = copy.deepcopy(dense_inst[i][a])
            inst["keypoints"] = np.asarray(kp, dtype=np.float64).tolist()
            inst["track_id"] = int(tid)
            new_insts.append(inst)
        frames.append(dict(frame_id=first + k, timestamp=round(float(ref.times[k]), 6), fps=float(ref.fps),
                           source_frame_id=first + int(ref.source_index[k]), instances=new_insts))
    top = copy.deepcopy(preds.top)
    if preds.layout == "demo":
        top["refine_info"] = dict(fps=float(ref.fps), source_fps=fps, first_frame_id=first,
                                  refiner=type(refiner).__name__, method=refiner.method,
                                  time="(frame_id - first_frame_id) / fps seconds from the first video frame")
    return MMPosePredictions(preds.layout, frames, out_kp, top, float(ref.fps))
