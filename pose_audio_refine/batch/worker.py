"""One item, start to finish, in whichever process runs it (a local worker or a Ray task).

:func:`run_item` writes the item into ``DIR/.<name>.tmp-<pid>/``, adds the ``done.json`` marker, and only then
renames the folder to ``DIR/<name>/`` (an existing folder of that name is first moved aside, then removed). A
process killed at any point leaves either the previous state or a hidden temporary folder that the next attempt
at that item removes: never a ``DIR/<name>/`` that looks done but is not.

A video item is :func:`pose_audio_refine.video.refine_video` (the job behind ``tools/refine_video.py``), so it
writes the same files. A poses-only item (a manifest row without a video) is refined with
:class:`~pose_audio_refine.Refiner` and written as ``<stem>_refined.{npz,json,csv}``, ``<stem>_raw.npz`` and
``<stem>_summary.json`` (no plot or overlay: there are no frames).

Heavy modules (numpy, torch, the video pipeline) are imported inside the functions, after :func:`pin_threads`
has set the thread counts.
"""
from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import sys
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

from .items import BatchItem, poses_stem
from .manifest import DONE_MARKER, make_record, write_marker

__all__ = ["ItemOptions", "run_item", "pin_threads", "init_worker", "THREAD_ENV_VARS"]

#: Environment variables that set the thread pools of OpenMP, BLAS libraries and numexpr.
THREAD_ENV_VARS: tuple[str, ...] = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                    "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


@dataclass(frozen=True)
class ItemOptions:
    """Run-wide settings of every item (what ``tools/refine_video.py`` takes as flags).

    Attributes
    ----------
    checkpoint : str or None
        Refiner weights (None: the bundled checkpoint).
    out_fps : float
        Output frame rate, Hz.
    device : str
        Torch device.
    render : bool
        Also write the overlay video (video items).
    no_audio : bool
        Pose-only refinement of every item.
    max_seconds : float or None
        Process only the first seconds of each item.
    threads : int
        Torch/BLAS threads per worker.
    """

    checkpoint: str | None = None
    out_fps: float = 50.0
    device: str = "cpu"
    render: bool = False
    no_audio: bool = False
    max_seconds: float | None = None
    threads: int = 1

    def describe(self) -> dict:
        """The options that change an item's outputs (for its fingerprint).

        Returns
        -------
        dict
        """
        from .. import __version__  # noqa: PLC0415

        d = asdict(self)
        d.pop("threads")
        d["version"] = __version__
        return d


def pin_threads(threads: int = 1) -> None:
    """Limit this process to ``threads`` compute threads (torch intra/inter-op, OpenMP, BLAS).

    The environment variables only act on libraries not loaded yet; torch is set directly.

    Parameters
    ----------
    threads : int
    """
    for var in THREAD_ENV_VARS:
        os.environ[var] = str(threads)
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        torch.set_num_threads(threads)
        try:
            torch.set_num_interop_threads(threads)
        except RuntimeError:  # only settable before the first parallel work
            pass


def init_worker(threads: int = 1) -> None:
    """Initializer of a local worker process: pin its threads, quiet native loggers, load torch.

    Parameters
    ----------
    threads : int
    """
    pin_threads(threads)
    os.environ.setdefault("GLOG_minloglevel", "2")  # MediaPipe's native logging
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import torch  # noqa: F401, PLC0415 - loaded once per worker, with the thread counts above

    pin_threads(threads)


def _remove_stale(out_root: Path, name: str) -> None:
    """Temporary and moved-aside folders of earlier, interrupted attempts at this item."""
    for pattern in (f".{glob.escape(name)}.tmp-*", f".{glob.escape(name)}.old-*"):
        for p in out_root.glob(pattern):
            shutil.rmtree(p, ignore_errors=True)


def _publish(tmp: Path, final: Path) -> None:
    """Rename the finished temporary folder to its final name, replacing what was there."""
    old = None
    if final.exists() or final.is_symlink():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        if old.exists():
            shutil.rmtree(old)
        os.replace(final, old)
    os.replace(tmp, final)
    if old is not None:
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)


def _refine_video_item(item: BatchItem, out: Path, options: ItemOptions) -> dict:
    from ..video import refine_video  # noqa: PLC0415 - heavy

    est = item.estimator_fps if item.poses is None else None
    return refine_video(item.video, out_dir=out, poses=item.poses, estimator_fps=est,
                        max_seconds=options.max_seconds, no_audio=options.no_audio or item.no_audio,
                        render=options.render, checkpoint=options.checkpoint, out_fps=options.out_fps,
                        device=options.device, progress=False)


def _refine_poses_item(item: BatchItem, out: Path, options: ItemOptions) -> dict:
    """A poses file without a video: load, refine with its audio (if any), write like ``refine_video``."""
    import numpy as np  # noqa: PLC0415

    from .. import Refiner, RefineResult  # noqa: PLC0415
    from ..video import load_poses_file  # noqa: PLC0415

    t_start = time.perf_counter()
    seconds: dict[str, float] = {}
    notes: list[str] = []
    loaded = load_poses_file(item.poses, default_fps=item.fps)
    fps = float(item.fps or loaded.fps)
    skeleton = item.skeleton or loaded.skeleton
    units = item.units or loaded.units
    raw = np.asarray(loaded.poses, dtype=np.float64)
    if options.max_seconds is not None:
        raw = raw[:max(2, int(round(options.max_seconds * fps)))]
    seconds["loading poses"] = time.perf_counter() - t_start
    audio = None if (options.no_audio or item.no_audio) else item.audio
    if options.no_audio or item.no_audio:
        notes.append("no audio asked for: pose-only refinement")
    elif audio is None:
        notes.append("no audio given with the poses: pose-only refinement")
    if options.render:
        notes.append("no overlay: a poses-only item has no video to draw on")
    t0 = time.perf_counter()
    refiner = Refiner(checkpoint=options.checkpoint, device=options.device, progress=False)
    flip = np.array([1.0, -1.0, 1.0])
    x = raw * flip if loaded.mirror_y else raw
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = refiner.refine(x, audio, fps=fps, skeleton=skeleton, units=units, out_fps=options.out_fps,
                             trim=True)
    for w in caught:
        msg = str(w.message)
        if audio is not None or "audio" not in msg:  # our own note already said "pose-only"
            notes.append(msg)
    if loaded.mirror_y:
        res.poses = res.poses * flip
        if res.input_poses is not None:
            res.input_poses = res.input_poses * flip
    seconds["refinement"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    stem = poses_stem(item.poses)
    paths = {f"refined_{s}": str(res.save(out / f"{stem}_refined.{s}")) for s in ("npz", "json", "csv")}
    raw_res = RefineResult(poses=raw, times=np.arange(raw.shape[0]) / fps, fps=fps, skeleton=res.skeleton,
                           units=res.units, audio_used=False, joint_names=tuple(res.joint_names))
    paths["raw_npz"] = str(raw_res.save(out / f"{stem}_raw.npz"))
    seconds["writing"] = time.perf_counter() - t0
    seconds["total"] = time.perf_counter() - t_start
    duration = raw.shape[0] / fps
    summary = {"video": None, "poses": item.poses, "audio": audio, "fps_in": fps, "pose_frames_in": int(raw.shape[0]),
               "fps_out": float(res.fps), "frames_out": int(res.poses.shape[0]), "audio_used": bool(res.audio_used),
               "skeleton": res.skeleton, "units": res.units, "warnings": list(dict.fromkeys(notes)),
               "duration_s": duration, "seconds": {k: round(v, 3) for k, v in seconds.items()},
               "realtime_factor": seconds["total"] / duration, "paths": paths}
    summary_path = out / f"{stem}_summary.json"
    summary_path.write_text(json.dumps(summary, indent=2) + "\n")
    summary["paths"]["summary"] = str(summary_path)
    return summary


def _error_message(exc: BaseException) -> str:
    if isinstance(exc, (ValueError, FileNotFoundError, TypeError)):
        return str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {exc}"


def run_item(item: BatchItem, out_root, options: ItemOptions, key: str) -> dict:
    """Refine one item into ``out_root/<name>/`` through a temporary folder; never raises for the item's errors.

    Parameters
    ----------
    item : BatchItem
    out_root : str or Path
        The batch's output folder (shared by every worker).
    options : ItemOptions
    key : str
        The item's :func:`~pose_audio_refine.batch.manifest.fingerprint`, stored in its ``done.json``.

    Returns
    -------
    dict
        Its :func:`~pose_audio_refine.batch.manifest.make_record`: ``done`` with outputs, or ``failed`` with the
        error (a bad or unreadable input, a failure inside the pipeline).
    """
    pin_threads(options.threads)
    t0 = time.perf_counter()
    out_root = Path(out_root)
    worker = f"{socket.gethostname()}:{os.getpid()}"
    final = out_root / item.name
    tmp = out_root / f".{item.name}.tmp-{os.getpid()}"
    try:
        _remove_stale(out_root, item.name)
        tmp.mkdir(parents=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the pipeline's warnings are in its summary
            summary = (_refine_video_item if item.video else _refine_poses_item)(item, tmp, options)
        # The summary file names the temporary folder: point it at the final one.
        rel = {k: Path(v).resolve().relative_to(tmp.resolve()).as_posix() for k, v in summary["paths"].items()}
        summary["paths"] = {k: str(final / r) for k, r in rel.items()}
        if "summary" in rel:
            (tmp / rel["summary"]).write_text(json.dumps(summary, indent=2) + "\n")
        files = [p.relative_to(tmp).as_posix() for p in sorted(tmp.rglob("*")) if p.is_file()]
        seconds = time.perf_counter() - t0
        record = make_record(item, "done", outputs={k: f"{item.name}/{r}" for k, r in rel.items()},
                             seconds=seconds, media_seconds=summary.get("duration_s"),
                             warnings=summary.get("warnings", []), worker=worker)
        write_marker(tmp, [f for f in files if f != DONE_MARKER], key=key, record=record)
        _publish(tmp, final)
        return record
    except Exception as exc:  # noqa: BLE001 - an item's failure is recorded, the batch goes on
        shutil.rmtree(tmp, ignore_errors=True)
        return make_record(item, "failed", error=_error_message(exc), error_type=type(exc).__name__,
                           seconds=time.perf_counter() - t0, worker=worker)
