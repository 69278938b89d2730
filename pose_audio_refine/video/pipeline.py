"""The end-to-end job behind ``tools/refine_video.py``: video in; refined 3D poses, a plot and an overlay out.

1. Probe the video; decode its audio (44.1 kHz mono) unless ``no_audio`` (no audio stream: pose-only, warned;
   silent audio: the refiner warns and goes pose-only).
2. 3D poses: MediaPipe on every frame, or on frames at ``estimator_fps`` (:mod:`.estimator`); or a ``poses``
   file (our ``.npz``/``.json``/``.csv`` result format, an MMPose 3D prediction ``.json``, or a plain array:
   ``np.save`` ``.npy`` / ``np.savez(poses=...)`` ``.npz``), which must span the video.
3. Refine with :class:`~pose_audio_refine.Refiner` (50 fps by default).
4. Write ``<stem>_refined.{npz,json,csv}``, ``<stem>_raw.npz``, ``<stem>_wrists.png``, ``<stem>_bowing.png``
   (the bowing wrist: truth when a ``truth`` file is given, raw, pose-only refinement with
   ``compare_pose_only``, audio-informed refinement, bow changes) and, with ``render``, ``<stem>_refined.mp4``;
   return a summary.

Poses files may carry an optional ``image_points`` array ``(T, J, 2)`` (the joints in the image, normalised
to the frame's width/height, NaN where unknown) next to ``poses``: with it, ``render`` places the refined
skeleton on the frames as it does with MediaPipe's image landmarks. The bundled demo's file has it.
"""
from __future__ import annotations

import json
import math
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..interpolate import interp_track
from ..validation import check_output_path, check_rate
from .io import VideoInfo, iter_frames, video_info, write_video

__all__ = ["LoadedPoses", "load_poses_file", "refine_video", "AUDIO_SR"]

#: Sample rate the audio is decoded at, Hz (the refiner's).
AUDIO_SR: int = 44100
#: The refiner's input rate range, Hz: videos above it are thinned to an integer fraction of their rate.
_MAX_TRACK_FPS: float = 60.0


@dataclass
class LoadedPoses:
    """A pose track read from a ``--poses`` file.

    Attributes
    ----------
    poses : np.ndarray, shape (T, J, 3)
        In ``units``, NaN where missing.
    fps : float
        Frame rate, Hz (frame ``i`` at ``i / fps`` s from the video's first frame).
    skeleton : str or Skeleton
    units : str
    image_points : np.ndarray or None
        ``(T, J, 2)`` normalised image coordinates, or None.
    mirror_y : bool
        MMPose's demo frame is a mirror image: y is negated before refining and after (see
        :mod:`pose_audio_refine.mmpose`).
    source : str
        ``"result"``, ``"mmpose"`` or ``"array"``.
    """

    poses: np.ndarray
    fps: float
    skeleton: object
    units: str
    image_points: np.ndarray | None = None
    mirror_y: bool = False
    source: str = "result"


def load_poses_file(path, default_fps: float | None = None, fps: float | None = None) -> LoadedPoses:
    """Read a ``--poses`` file.

    Parameters
    ----------
    path : str or Path
        ``.npz``/``.json``/``.csv`` written by :meth:`RefineResult.save` (its ``poses`` at its ``fps``; an
        ``image_points`` array in an ``.npz`` is read too), an MMPose 3D prediction ``.json`` (first
        instance of each frame; h36m, metres, MMPose's demo frame), or a plain array ``(T, J, 3)``: a ``.npy``
        (``np.save``) or an ``.npz`` with a ``poses`` entry (``np.savez(f, poses=..., fps=25)``; optional
        ``fps``, ``skeleton`` and ``units`` entries; the skeleton is otherwise inferred from J and the units
        are the skeleton's default).
    default_fps : float, optional
        Frame rate for files that do not record one (MMPose files, plain arrays): the video's.
    fps : float, optional
        Frame rate of a plain array file (overrides its ``fps`` entry and ``default_fps``).

    Returns
    -------
    LoadedPoses

    Raises
    ------
    FileNotFoundError, ValueError
        Missing file; a file that is neither format (the message says what was tried).
    """
    from ..refiner import RefineResult  # noqa: PLC0415 - torch only when used

    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"poses file not found: {p}")
    if p.suffix.lower() not in (".npz", ".npy", ".json", ".csv"):
        raise ValueError(f"poses file must be .npz, .npy, .json or .csv, got {p.name!r}")
    if p.suffix.lower() in (".npz", ".npy"):
        plain = _load_plain_array(p, fps, default_fps)
        if plain is not None:
            return plain
    try:
        res = RefineResult.load(p)
    except Exception as exc:  # noqa: BLE001 - any failure: maybe it is an MMPose file
        if p.suffix.lower() != ".json":
            raise ValueError(f"{p} is not a pose_audio_refine poses file: {exc}") from exc
        return _load_mmpose(p, default_fps, exc)
    poses = np.asarray(res.poses, dtype=np.float64)
    if poses.ndim != 3:
        raise ValueError(f"{p}: poses must be one person (T, J, 3), got shape {poses.shape}")
    image = None
    if p.suffix.lower() == ".npz":
        with np.load(p, allow_pickle=False) as z:
            if "image_points" in z.files:
                image = np.asarray(z["image_points"], dtype=np.float64)
                if image.shape != poses.shape[:2] + (2,):
                    raise ValueError(f"{p}: image_points must have shape {poses.shape[:2] + (2,)}, "
                                     f"got {image.shape}")
    return LoadedPoses(poses, float(res.fps), res.skeleton, res.units, image)


def _load_plain_array(p: Path, fps: float | None, default_fps: float | None) -> LoadedPoses | None:
    """A plain ``(T, J, 3)`` array file, or None when ``p`` is one of our result files (it has ``meta``)."""
    from ..skeletons import get_skeleton, infer_skeleton  # noqa: PLC0415

    how = ("a poses file is our result file (RefineResult.save) or a plain (T, J, 3) array: "
           "np.save('poses.npy', poses) or np.savez('poses.npz', poses=poses, fps=25)")
    try:
        z = np.load(p, allow_pickle=False)
    except Exception as exc:  # noqa: BLE001 - corrupt file, pickled objects, not numpy at all
        raise ValueError(f"{p} could not be read as a numpy file ({exc}); {how}") from None
    entries: dict = {}
    if isinstance(z, np.lib.npyio.NpzFile):
        with z:
            if "meta" in z.files:
                return None  # our own result format: RefineResult.load reads it
            if "poses" not in z.files:
                raise ValueError(f"{p} has no 'poses' entry (entries: {', '.join(z.files) or 'none'}); {how}")
            entries = {k: z[k] for k in ("poses", "fps", "skeleton", "units") if k in z.files}
    else:
        entries = {"poses": z}
    poses = np.asarray(entries["poses"])
    if poses.ndim != 3 or poses.shape[-1] != 3:
        raise ValueError(f"{p}: poses must be one person's (T, J, 3) array, got shape {poses.shape}")
    if fps is None:
        fps = float(entries["fps"]) if "fps" in entries else default_fps
    if fps is None:
        raise ValueError(f"{p}: a plain array records no frame rate: pass --fps (or save it: np.savez(..., fps=25))")
    fps = check_rate(fps, f"fps of {p.name}")
    try:
        skel = get_skeleton(str(entries["skeleton"])) if "skeleton" in entries else infer_skeleton(poses.shape[1])
    except ValueError as exc:
        raise ValueError(f"{p}: {exc} (save a 'skeleton' entry: np.savez(..., skeleton='h36m'))") from None
    units = str(entries["units"]) if "units" in entries else skel.units
    return LoadedPoses(np.asarray(poses, dtype=np.float64), fps, skel.name, units, None, source="array")


def _load_mmpose(p: Path, default_fps: float | None, first_error: Exception) -> LoadedPoses:
    try:
        from ..mmpose import read_predictions  # noqa: PLC0415 - needs mmengine/mmpose
        from ..skeletons import get_skeleton  # noqa: PLC0415
    except ImportError as exc:
        raise ValueError(f"{p} is not a pose_audio_refine result ({first_error}) and MMPose files cannot be "
                         f"read here: {exc}") from exc
    try:
        preds = read_predictions(p)
    except ValueError as exc:
        raise ValueError(f"{p} is neither a pose_audio_refine result ({first_error}) nor an MMPose prediction "
                         f"file ({exc})") from exc
    fps = preds.fps or default_fps
    if fps is None:
        raise ValueError(f"{p}: MMPose prediction files do not record the frame rate; none given")
    ids = preds.frame_ids
    kps = preds.keypoints
    J = next((k.shape[1] for k in kps if len(k)), None)
    if J is None:
        raise ValueError(f"{p}: no instance in any frame")
    poses = np.full((int(ids[-1] - ids[0]) + 1, J, 3), np.nan)
    for fid, k in zip(ids, kps):
        if len(k):
            poses[fid - ids[0]] = k[0]  # one person: the first instance
    if J != 17:
        raise ValueError(f"{p}: MMPose 3D predictions must have H36M's 17 keypoints, got {J}")
    skel = get_skeleton("h36m", up_axis="z")
    return LoadedPoses(poses, float(fps), skel, "m", None, mirror_y=True, source="mmpose")


def _check_span(loaded: LoadedPoses, info: VideoInfo, poses_path) -> None:
    """The poses must cover the video: frame count within one frame (of either rate) of the video's length."""
    T = loaded.poses.shape[0]
    expected = info.duration * loaded.fps
    if abs(T - expected) > 1.0 + loaded.fps / info.fps + 1e-6:
        raise ValueError(
            f"--poses {Path(poses_path).name} has {T} frames at {loaded.fps:g} fps ({T / loaded.fps:.2f} s) but the "
            f"video {info.path.name} lasts {info.duration:.2f} s ({info.n_frames} frames at {info.fps:g} fps): "
            f"expected about {round(expected)} frames. Was it estimated on another video, or at another fps?")


def _save_raw(path: Path, raw: np.ndarray, fps: float, skeleton, units: str, **extra) -> Path:
    """The raw estimate in our result format (``RefineResult.load`` reads it) plus extra arrays."""
    from ..refiner import RefineResult  # noqa: PLC0415
    from ..skeletons import get_skeleton  # noqa: PLC0415

    skel = get_skeleton(skeleton)
    res = RefineResult(poses=raw, times=np.arange(raw.shape[0]) / fps, fps=fps, skeleton=skel.name, units=units,
                       audio_used=False, joint_names=tuple(skel.joint_names))
    res.save(path)
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays.update(extra)
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    return path


def refine_video(video, *, out_dir=None, poses=None, estimator_fps: float | None = None,
                 max_seconds: float | None = None, no_audio: bool = False, render: bool = False,
                 checkpoint=None, out_fps: float = 50.0, device: str = "cpu", progress: bool = True,
                 min_detection_rate: float = 0.5, render_height: int = 480, poses_fps: float | None = None,
                 truth=None, compare_pose_only: bool = False) -> dict:
    """Run the whole job on one video.

    Parameters
    ----------
    video : str or Path
        Any video ffmpeg reads.
    out_dir : str or Path, optional
        Output folder (default ``outputs/<video stem>/``).
    poses : str or Path, optional
        Pose file to use instead of running MediaPipe (see :func:`load_poses_file`); it must span the video.
    estimator_fps : float, optional
        Run MediaPipe on frames at about this rate (>= 10 Hz, the refiner's lowest input rate); default all.
    max_seconds : float, optional
        Process only the first seconds of the video.
    no_audio : bool
        Ignore the audio (pose-only refinement).
    render : bool
        Also write the overlay video.
    checkpoint : str or Path, optional
        Refiner weights (default: the bundled checkpoint).
    out_fps : float
        Output frame rate of the refined poses, Hz.
    device : str
        Torch device of the refiner.
    progress : bool
        Show progress bars.
    min_detection_rate : float
        Refuse MediaPipe estimates with a person in fewer of the frames.
    render_height : int
        Height of the overlay video, pixels.
    poses_fps : float, optional
        Frame rate of a plain array ``poses`` file (default: its ``fps`` entry, else the video's).
    truth : str or Path, optional
        Ground-truth poses of the same video (:func:`~pose_audio_refine.video.plots.load_truth`; same skeleton
        as the poses): drawn in the bowing-wrist plot, with its bow changes and fast-stroke passages when it
        carries them.
    compare_pose_only : bool
        Also refine without the audio (twice the refinement time) and draw that beside the audio-informed
        refinement in the bowing-wrist plot.

    Returns
    -------
    dict
        ``video``, ``frames`` (video frames processed), ``video_fps``, ``fps_in`` (the refiner's input rate),
        ``frames_estimated``, ``detection_rate``, ``fps_out``, ``frames_out``, ``audio_used``,
        ``audio_seconds`` (how much of the video the audio covers; None without audio), ``warnings``,
        ``seconds`` (per stage and ``total``), ``duration_s``, ``realtime_factor`` (total time / video
        seconds processed), ``smoothness`` (mean acceleration raw-upsampled vs refined, mm/s²; MPJPE refined
        vs raw-upsampled, mm), ``bowing_wrist`` (what the bowing-wrist plot shows: ``bow_change_source``,
        ``excerpt_s``, ``truth``, ``wrist_error`` per curve against the truth) and ``paths``.

    Raises
    ------
    FileNotFoundError
        Missing video or poses file.
    ValueError
        Not a video (:class:`~pose_audio_refine.video.io.VideoReadError`), no person in most frames
        (:class:`~pose_audio_refine.video.estimator.NoPersonError`), a poses file of the wrong length, bad
        options, an ``out_dir`` that is a file or sits under one, a ``device`` this machine lacks.
    RuntimeError
        The refiner's network returned NaN/inf.

    Warns
    -----
    UserWarning
        Pose-only refinement (no audio stream, ``no_audio``, silent audio), audio that covers less of the
        video than the poses (a truncated file: the audio is used where it exists, pose-only after), few
        frames with a person.
    """
    from .. import Refiner  # noqa: PLC0415 - torch only when running
    from ..refiner import MAX_AV_MISMATCH_S  # noqa: PLC0415
    from ..audio import AudioDecodeError, NoAudioStreamError, load_audio  # noqa: PLC0415
    from ..metrics import mean_acceleration, mpjpe  # noqa: PLC0415
    from ..skeletons import get_skeleton  # noqa: PLC0415
    from ..units import MM_PER_UNIT  # noqa: PLC0415
    from .plots import check_truth, load_truth, plot_bowing_wrist, plot_wrists  # noqa: PLC0415

    t_start = time.perf_counter()
    seconds: dict[str, float] = {}
    notes: list[str] = []

    def note(msg: str) -> None:
        notes.append(msg)
        warnings.warn(msg, UserWarning, stacklevel=3)

    out_fps = check_rate(out_fps, "out_fps", low=1.0, high=1000.0)
    if estimator_fps is not None:
        estimator_fps = check_rate(estimator_fps, "estimator_fps", low=10.0)
        if poses is not None:
            raise ValueError("estimator_fps applies to MediaPipe; it cannot be combined with poses=")
    if max_seconds is not None:
        max_seconds = check_rate(max_seconds, "max_seconds")
    if poses_fps is not None and poses is None:
        raise ValueError("poses_fps is the frame rate of a poses file; it needs poses=")
    if out_dir is not None:
        check_output_path(out_dir, "out_dir", folder=True)
    # Built first: a bad checkpoint or device fails before minutes of estimation, not after.
    refiner = Refiner(checkpoint=checkpoint, device=device, progress=progress)
    info = video_info(video)
    n_frames = info.n_frames
    if max_seconds is not None:
        n_frames = max(1, min(n_frames, int(math.floor(max_seconds * info.fps + 1e-9))))
    duration = n_frames / info.fps
    out = Path(out_dir) if out_dir is not None else check_output_path(Path("outputs") / info.path.stem, "out_dir",
                                                                       folder=True)
    out.mkdir(parents=True, exist_ok=True)
    stem = info.path.stem

    # ---- audio
    t0 = time.perf_counter()
    audio = None
    if no_audio:
        note("--no-audio: pose-only refinement")
    elif not info.has_audio:
        note(f"{info.path.name} has no audio stream: pose-only refinement")
    else:
        with warnings.catch_warnings(record=True) as caught:  # the decoder's (a truncated file) go in the notes
            warnings.simplefilter("always")
            try:
                audio, _ = load_audio(info.path, sr=AUDIO_SR, duration=duration)
            except NoAudioStreamError:
                note(f"{info.path.name} has no audio stream: pose-only refinement")
            except AudioDecodeError as exc:
                note(f"the audio of {info.path.name} could not be decoded ({exc}): pose-only refinement")
        for w in caught:
            if issubclass(w.category, UserWarning):
                note(str(w.message))
            else:  # not about the input: passed on as it came
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        if audio is not None and audio.size < AUDIO_SR * 0.25:
            note(f"the audio track of {info.path.name} is only {audio.size / AUDIO_SR:.2f} s long: pose-only")
            audio = None
        if audio is not None and audio.size / AUDIO_SR < duration - MAX_AV_MISMATCH_S:
            # The refiner (trim=True) pads it with silence features, the model's "no audio" input: say so.
            note(f"the audio of {info.path.name} covers only {audio.size / AUDIO_SR:.2f} s of the "
                 f"{duration:.2f} s processed (a truncated file?): audio is used for the first "
                 f"{audio.size / AUDIO_SR:.2f} s, pose-only refinement after")
    seconds["audio"] = time.perf_counter() - t0

    # ---- poses
    t0 = time.perf_counter()
    image_px = None
    frames_estimated = detection_rate = None
    if poses is not None:
        loaded = load_poses_file(poses, default_fps=info.fps, fps=poses_fps)
        _check_span(loaded, info, poses)
        check_rate(loaded.fps, "fps of the poses file", 10.0, _MAX_TRACK_FPS)
        T = min(loaded.poses.shape[0], max(2, int(round(duration * loaded.fps))))  # --max-seconds cuts it
        raw = loaded.poses[:T]
        # MMPose's mirror-image frame is undone inside the Refiner (skeleton.mirror_y; canonical.to_right_handed)
        track_fps, units = loaded.fps, loaded.units
        skel = get_skeleton(loaded.skeleton, mirror_y=loaded.mirror_y)
        if loaded.image_points is not None:
            image_px = loaded.image_points[:T] * (info.width, info.height)
        extra = {}
    else:
        from .estimator import estimate_poses, select_frames  # noqa: PLC0415

        step = max(1, math.ceil(info.fps / _MAX_TRACK_FPS - 1e-9))
        track_fps = info.fps / step
        idx = select_frames(n_frames, info.fps, estimator_fps if estimator_fps is not None
                            else (track_fps if step > 1 else None))
        est = estimate_poses(info.path, idx, n_frames, info.fps, progress=progress,
                             min_detection_rate=min_detection_rate)
        frames_estimated, detection_rate = int(est.estimated.sum()), est.detection_rate
        # Onto the refiner's grid (the video's, unless the video is faster than 60 fps).
        T = int(math.ceil(n_frames / step))
        slot = np.minimum(np.round(np.arange(n_frames) / step).astype(int), T - 1)
        raw = np.full((T, 33, 3), np.nan)
        image_px = np.full((T, 33, 2), np.nan)
        keep = est.detected
        raw[slot[keep]] = est.world[keep]
        image_px[slot[keep]] = est.image[keep] * (info.width, info.height)
        skel, units = get_skeleton("mediapipe33"), "m"
        extra = {"image_points": image_px / (info.width, info.height), "estimated": np.bincount(
            slot[est.estimated], minlength=T) > 0, "video_fps": np.array(info.fps)}
        if detection_rate < 0.9:
            note(f"MediaPipe found a person in only {100 * detection_rate:.0f} % of the frames it looked at; "
                 "the rest are missing data")
    seconds["estimation" if poses is None else "loading poses"] = time.perf_counter() - t0
    if T / track_fps < 0.2 or T < 2:
        raise ValueError(f"the video part processed is too short ({T} pose frames, {T / track_fps:.2f} s); "
                         "the refiner needs at least 0.2 s")
    truth_track = None
    if truth is not None:  # read before refining: a wrong file fails in a second, not after the refinement
        truth_track = load_truth(truth)
        check_truth(truth_track, skel)

    # ---- refine
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = refiner.refine(raw, audio, fps=track_fps, sr=AUDIO_SR if audio is not None else None, skeleton=skel,
                             units=units, out_fps=out_fps, trim=True)
    for w in caught:
        msg = str(w.message)
        if not (no_audio or audio is None) or "audio" not in msg:  # our own note already said "pose-only"
            note(msg)
    seconds["refinement"] = time.perf_counter() - t0
    pose_only = None
    if compare_pose_only and res.audio_used:  # without audio the refinement above is the pose-only one
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the same input as above: only "pose-only" news, which is the point
            pose_only = refiner.refine(raw, None, fps=track_fps, skeleton=skel, units=units, out_fps=out_fps,
                                       trim=True).poses
        seconds["pose-only refinement"] = time.perf_counter() - t0

    # ---- write
    t0 = time.perf_counter()
    paths = {}
    for suffix in ("npz", "json", "csv"):
        paths[f"refined_{suffix}"] = str(res.save(out / f"{stem}_refined.{suffix}"))
    paths["raw_npz"] = str(_save_raw(out / f"{stem}_raw.npz", raw, track_fps, skel, units, **extra))
    t_raw = np.arange(T) / track_fps
    paths["plot"] = str(plot_wrists(
        out / f"{stem}_wrists.png", res.poses, res.times, raw, t_raw, skel, units, audio, AUDIO_SR,
        title=f"{info.path.name}: wrists, raw estimate ({_n_obs(raw)} frames, {track_fps:g} fps grid) vs refined "
              f"({out_fps:g} fps){'' if res.audio_used else ' - pose-only'}"))
    bowing = plot_bowing_wrist(out / f"{stem}_bowing.png", res.poses, res.times, raw, t_raw, skel, units,
                               pose_only=pose_only, truth=truth_track, audio=audio, sr=AUDIO_SR,
                               audio_used=res.audio_used)
    paths["bowing_plot"] = str(bowing["path"])
    seconds["writing"] = time.perf_counter() - t0

    # ---- smoothness (mm): refined vs the raw estimate linearly upsampled to the output times
    k = MM_PER_UNIT[units]
    up = interp_track(raw, t_raw, res.times) * k
    ref_mm = res.poses * k
    both = np.isfinite(up).all(-1) & np.isfinite(ref_mm).all(-1)
    smooth = {}
    if both.sum() >= 3 and res.times.size >= 3:
        smooth = {"mean_accel_raw_upsampled_mm_s2": float(mean_acceleration(up, mask=both, fps=out_fps)),
                  "mean_accel_refined_mm_s2": float(mean_acceleration(ref_mm, mask=both, fps=out_fps)),
                  "mpjpe_refined_vs_raw_upsampled_mm": float(mpjpe(ref_mm, up, mask=both))}

    # ---- render
    if render:
        t0 = time.perf_counter()
        # The original sound goes back in even with --no-audio (that flag is about the refinement).
        paths["video"] = str(_render(info, n_frames, res, raw, t_raw, skel, image_px, out / f"{stem}_refined.mp4",
                                     audio_from=info.path if info.has_audio else None,
                                     height=render_height, progress=progress, note=note))
        seconds["rendering"] = time.perf_counter() - t0

    seconds["total"] = time.perf_counter() - t_start
    summary = {
        "video": str(info.path), "frames": n_frames, "video_fps": info.fps, "fps_in": track_fps,
        "pose_frames_in": int(T), "frames_estimated": frames_estimated, "detection_rate": detection_rate,
        "estimator_fps": estimator_fps, "fps_out": float(res.fps), "frames_out": int(res.poses.shape[0]),
        "audio_used": bool(res.audio_used), "skeleton": skel.name, "units": units,
        "audio_seconds": None if audio is None or not res.audio_used else min(audio.size / AUDIO_SR, duration),
        "warnings": list(dict.fromkeys(notes)), "duration_s": duration,
        "seconds": {k_: round(v, 3) for k_, v in seconds.items()},
        "realtime_factor": seconds["total"] / duration, "smoothness": smooth, "paths": paths,
        "bowing_wrist": {"bow_change_source": bowing["bow_change_source"], "excerpt_s": list(bowing["excerpt"]),
                         "truth": None if truth is None else str(truth), "pose_only": pose_only is not None,
                         "wrist_error": bowing["wrist_error"]},
    }
    (out / f"{stem}_summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    summary["paths"]["summary"] = str(out / f"{stem}_summary.json")
    return summary


def _n_obs(raw: np.ndarray) -> int:
    return int(np.isfinite(raw).all(-1).any(-1).sum())


def _render(info: VideoInfo, n_frames: int, res, raw: np.ndarray, t_raw: np.ndarray, skel, image_px,
            path: Path, audio_from, height: int, progress: bool, note) -> Path:
    from .render import fit_projection, render_frames  # noqa: PLC0415

    projection = None
    if image_px is not None:
        try:
            projection = fit_projection(raw, image_px, t_raw)
        except ValueError as exc:
            note(f"overlay skipped: {exc}")
    else:
        note("the poses file has no image_points: the overlay shows the 3D view only")
    height = min(int(height), info.height) // 2 * 2
    width = int(round(info.width * height / info.height / 2)) * 2 + height
    bar = None
    if progress:
        from tqdm.auto import tqdm  # noqa: PLC0415

        bar = tqdm(total=n_frames, desc="rendering", unit="frame")
    try:
        frames = render_frames(iter_frames(info.path, stop=n_frames), info.fps, res.poses, res.times, skel,
                               projection, raw=raw, raw_times=t_raw, height=height, progress=bar)
        write_video(frames, path, info.fps, (width, height), audio_from=audio_from, duration=n_frames / info.fps)
    finally:
        if bar is not None:
            bar.close()
    return path
