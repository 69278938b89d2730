"""MMPose 1.x plugin: refiner stanzas in MMPose configs, and refinement of MMPose's 3D outputs.

MMPose 1.x lifts 3D poses frame by frame and has no temporal filter (the 0.x ``filter_cfg``/``--smooth``
options were dropped at 1.0). This module is the only one that imports MMPose. It registers four refiners
with one interface into a registry scoped ``pose_audio_refine`` that is a child of
``mmpose.registry.MODELS``, so that a config stanza builds through MMPose's own registry::

    custom_imports = dict(imports=['pose_audio_refine.mmpose'], allow_failed_imports=False)
    refiner = dict(_scope_='pose_audio_refine', type='MAPnetRefiner', checkpoint=None,
                   skeleton='h36m', out_fps=50)

    from mmpose.registry import MODELS
    refiner = MODELS.build(cfg.refiner)     # or build_refiner(cfg), which explains stanza mistakes

Switch method with one word: ``type='OneEuroRefiner'``, ``'SavitzkyGolayRefiner'``, ``'GaussianRefiner'``.
Only ``mmpose.registry`` and ``mmpose.structures`` are imported (never ``mmpose.models``/``mmpose.apis``,
which need compiled mmcv ops).

Coordinates (``frame=``)
------------------------
``"mmpose"`` (default): what ``Pose3DInferencer`` and ``demo/body3d_pose_lifter_demo.py`` output. They take
the lifter's camera-frame keypoints ``(x right, y down, z away)`` to ``(-x, z, -y)`` (z up) and, unless told
not to, shift each pose so its lowest keypoint has z = 0 ("rebase"). That map is a mirror image (det -1),
so before MAPnet sees a track its y axis is negated (giving a right-handed, z-up frame with the subject's
right on +x when facing the camera) and negated back afterwards. ``"camera"``: the lifter's raw output.
``"z_up"``: a right-handed z-up frame. Classical filters act per coordinate and ignore the frame.
Units default to metres (H36M lifters in MMPose 1.x output metres).

Tracks
------
MMPose merges per-person results into one sample per frame and drops ``track_id``
(``split_instances`` writes only keypoints, scores and boxes). Instances are grouped into tracks by
:func:`assign_tracks`: by ``track_id`` when every instance has one (files written by this module do);
otherwise, when no frame holds more than one instance, everything is one track; otherwise greedily,
frame by frame, each instance joins the track (seen within ``max_gap`` frames) whose last pose is nearest
in mean keypoint distance, up to ``max_distance_mm``; instances left over start new tracks. Gaps inside
a track are missing data (classical filters interpolate over them, MAPnet fills up to 1.5 s from an
observation and leaves NaN beyond); an output frame carries a track only when the input frame nearest to it
observed that track.

Time
----
Input frame ``frame_id`` is at ``(frame_id - first_frame_id) / fps`` seconds, and audio time 0 is the first
frame (the demo numbers video frames from 1, the inferencer from 0). Output frame ``k`` is at
``k / out_fps`` and gets ``frame_id = first_frame_id + k``; every output frame also records ``timestamp``
(s), ``fps`` and ``source_frame_id`` (the input frame nearest to it, whose scores and boxes it copies).
"""
from __future__ import annotations

from .files import MMPosePredictions, read_predictions, refine_predictions, write_predictions
from .refiners import (
    FRAMES,
    REFINERS,
    SCOPE,
    BaseRefiner,
    GaussianRefiner,
    MAPnetRefiner,
    OneEuroRefiner,
    RefinedTrack,
    RefinerConfigError,
    SavitzkyGolayRefiner,
    build_refiner,
)
from .samples import refine_data_samples
from .tracks import assign_tracks

__all__ = [
    "SCOPE", "REFINERS", "FRAMES", "RefinerConfigError", "RefinedTrack", "BaseRefiner",
    "MAPnetRefiner", "OneEuroRefiner", "SavitzkyGolayRefiner", "GaussianRefiner", "build_refiner",
    "assign_tracks", "MMPosePredictions", "read_predictions", "write_predictions", "refine_predictions",
    "refine_data_samples",
]
