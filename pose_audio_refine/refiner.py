"""The Python way in: ``Refiner().refine(poses, audio, fps=...)`` for any estimator, frame rate and length.

Pipeline (one person; several people are refined one after the other with the same audio):

1. **Check** the input (shape, skeleton, units, rate, NaN/inf, confidence, audio; errors name the argument).
   Joints whose ``confidence`` is below ``min_confidence`` become NaN (missing) before anything else.
2. **Canonicalise**: map to ``telmi13`` (:func:`~pose_audio_refine.skeletons.to_telmi13`), then fit and apply
   one similarity per track (mm, z up, the player facing +y, left toe at the origin;
   :mod:`pose_audio_refine.canonical`).
3. **Window**: 3 s windows on the 50 fps output grid, starting every second (:mod:`pose_audio_refine.blending`).
   Each window's input frames (those inside it, at their true timestamps) are linearly interpolated onto its
   150 slots, exactly as in training (:func:`~pose_audio_refine.windows.to_grid`). The audio features (§3.4,
   computed once for the whole recording, in chunks) are cut at the same slots.
4. **Refine** the windows in batches (deterministic, ``torch.inference_mode``) and **blend** the overlapping
   outputs with raised-cosine weights, so there are no seams.
5. **Restore**: invert the canonical map exactly and carry the joints ``telmi13`` lacks back onto the input's
   skeleton (:func:`~pose_audio_refine.skeletons.from_telmi13`); resample to ``out_fps`` if it is not 50.

Missing data: a joint is output as NaN at times more than :data:`SUPPORT_S` (1.5 s) from its nearest
observation (nothing is invented far from the data); shorter gaps are filled by the model. Long inputs keep
memory bounded: the audio features are computed in chunks (streamed from disk for a path), windows are
refined batch by batch into running sums, and the restore step works on 10-minute chunks.
"""
from __future__ import annotations

import json
import math
import os
import warnings as _warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .audio import AudioDecodeError, NoAudioStreamError, audio_features, features_from_file
from .audio.features import RMS
from .blending import HOP_SLOTS, OverlapAdd, window_starts
from .canonical import fit_canonical, from_canonical, to_canonical
from .checkpoint import load_weights
from .skeletons import TELMI13_PAIRS, Skeleton, from_telmi13, get_skeleton, infer_skeleton, to_telmi13
from .swaps import unswap_windows
from .units import check_units
from .validation import as_float_array, check_rate
from .windows import N_SLOTS, OUT_FPS, to_grid

__all__ = ["Refiner", "RefineResult", "FPS_RANGE", "MIN_DURATION_S", "MIN_FRAMES", "SUPPORT_S", "SILENCE_RMS",
           "MAX_AV_MISMATCH_S", "AUDIO_SR"]

#: Supported input frame rates, Hz.
FPS_RANGE: tuple[float, float] = (10.0, 60.0)
#: Shortest input: at least this many frames *and* this many seconds (below, refinement is meaningless).
MIN_FRAMES: int = 2
MIN_DURATION_S: float = 0.2
#: Output is NaN for a joint farther than this (s) from its nearest observation.
SUPPORT_S: float = 1.5
#: Audio whose overall RMS (full scale = 1) is below this counts as silent -> pose-only.
SILENCE_RMS: float = 1e-4
#: Largest allowed difference (s) between the audio's and the poses' duration without ``trim=True``.
MAX_AV_MISMATCH_S: float = 0.5
#: Sample rate the audio features are computed at (the training data's), Hz.
AUDIO_SR: int = 44100
#: Out-of-distribution guard: a window whose refined output strays from a Gaussian smoothing of its own input
#: (sigma GUARD_SIGMA_SLOTS) by more than ``max(GUARD_MIN_MM, GUARD_RATIO x the input's scatter around that
#: smoothing)`` (medians over frames and joints, mm) is replaced by a light smoothing of its input (sigma
#: GUARD_FALLBACK_SIGMA_SLOTS, which keeps fast motion). Why: the model was trained on violin playing (plus a
#: little real dance and mocap) and on motion unlike it -- measured on real dance test windows -- its raw output
#: can be hundreds of mm off; a smoother is never that wrong. Set ``guard=False`` on the Refiner to disable.
GUARD_MIN_MM: float = 100.0
GUARD_RATIO: float = 3.0
GUARD_SIGMA_SLOTS: float = 10.0
GUARD_FALLBACK_SIGMA_SLOTS: float = 2.0
#: Output slots restored per chunk (10 min at 50 fps): bounds the temporaries of the restore step.
_CHUNK_SLOTS: int = 30000
#: Inputs at least this long (s) show a progress bar when ``progress=None``.
_AUTO_PROGRESS_S: float = 300.0
_RESULT_FORMAT = "pose_audio_refine.result/1"


# ------------------------------------------------------------------------------------------------ result
@dataclass
class RefineResult:
    """Refined poses plus what is needed to use and save them.

    Attributes
    ----------
    poses : np.ndarray, shape (T_out, J, 3) or (N, T_out, J, 3)
        Refined poses in the input's skeleton, units and coordinate frame; NaN where a joint had no
        observation within :data:`SUPPORT_S` s.
    times : np.ndarray, shape (T_out,)
        Output timestamps ``k / fps`` in seconds, on the input's clock (input frame 0 is at 0 s).
    fps : float
        Output frame rate, Hz.
    skeleton : str
        Skeleton name (joint order of ``poses``).
    units : str
        ``"mm"``, ``"cm"`` or ``"m"``.
    audio_used : bool
        Whether the audio informed the refinement (False: none given, no audio stream, silent, or a pose-only
        checkpoint).
    warnings : list of str
        Everything that was warned about during refinement.
    joint_names : tuple of str
        Names of the J joints.
    input_poses : np.ndarray or None
        The input as refined: a float64 copy, ``(T, J, 3)`` or ``(N, T, J, 3)``, input units, with joints below
        ``min_confidence`` set to NaN.
    input_times : np.ndarray or None
        ``(T,)`` input timestamps ``arange(T) / fps_in``, s.
    """

    poses: np.ndarray
    times: np.ndarray
    fps: float
    skeleton: str
    units: str
    audio_used: bool
    warnings: list[str] = field(default_factory=list)
    joint_names: tuple[str, ...] = ()
    input_poses: np.ndarray | None = None
    input_times: np.ndarray | None = None

    def _meta(self) -> dict:
        return {"format": _RESULT_FORMAT, "fps": float(self.fps), "skeleton": self.skeleton, "units": self.units,
                "audio_used": bool(self.audio_used), "warnings": list(self.warnings),
                "joint_names": list(self.joint_names)}

    def save(self, path) -> Path:
        """Write the result; the format follows the suffix.

        ``.npz``: every array (input included when present) plus the metadata, exact.
        ``.json``: one object with the metadata, ``times`` and ``poses`` (nested lists, NaN as ``null``; input
        included when present), exact (17 significant digits).
        ``.csv``: metadata as ``# key: value`` comment lines, then one row per output frame (and person):
        ``person, frame, time, <joint>_x, <joint>_y, <joint>_z, ...``; NaN as an empty cell; the input is not
        written.

        Parameters
        ----------
        path : str or Path
            Output file ending in ``.npz``, ``.json`` or ``.csv``.

        Returns
        -------
        Path
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".npz", ".json", ".csv"):
            raise ValueError(f"path must end in .npz, .json or .csv, got {path.name!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = self._meta()
        if suffix == ".npz":
            arrays = {"poses": self.poses, "times": self.times, "meta": np.array(json.dumps(meta))}
            if self.input_poses is not None:
                arrays.update(input_poses=self.input_poses, input_times=self.input_times)
            with open(path, "wb") as f:
                np.savez(f, **arrays)
        elif suffix == ".json":
            obj = dict(meta, times=self.times.tolist(), poses=_nan_to_none(self.poses))
            if self.input_poses is not None:
                obj.update(input_poses=_nan_to_none(self.input_poses), input_times=self.input_times.tolist())
            path.write_text(json.dumps(obj, allow_nan=False))
        else:
            _write_csv(self, path, meta)
        return path

    @classmethod
    def load(cls, path) -> "RefineResult":
        """Read a file written by :meth:`save` (format from the suffix)."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".npz":
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                extra = {k: z[k] for k in ("input_poses", "input_times") if k in z.files}
                poses, times = z["poses"], z["times"]
        elif suffix == ".json":
            obj = json.loads(path.read_text())
            meta = obj
            poses = _none_to_nan(obj["poses"])
            times = np.asarray(obj["times"], dtype=np.float64)
            extra = {}
            if "input_poses" in obj:
                extra = {"input_poses": _none_to_nan(obj["input_poses"]),
                         "input_times": np.asarray(obj["input_times"], dtype=np.float64)}
        elif suffix == ".csv":
            meta, poses, times = _read_csv(path)
            extra = {}
        else:
            raise ValueError(f"path must end in .npz, .json or .csv, got {path.name!r}")
        if meta.get("format") != _RESULT_FORMAT:
            raise ValueError(f"{path} is not a pose_audio_refine result (format {meta.get('format')!r})")
        return cls(poses=poses, times=times, fps=float(meta["fps"]), skeleton=meta["skeleton"], units=meta["units"],
                   audio_used=bool(meta["audio_used"]), warnings=list(meta["warnings"]),
                   joint_names=tuple(meta["joint_names"]), **extra)


def _nan_to_none(a: np.ndarray) -> list:
    obj = np.asarray(a, dtype=np.float64).astype(object)
    obj[np.isnan(np.asarray(a, dtype=np.float64))] = None
    return obj.tolist()


def _none_to_nan(nested) -> np.ndarray:
    return np.array(nested, dtype=object).astype(np.float64)  # None -> nan


def _write_csv(res: RefineResult, path: Path, meta: dict) -> None:
    poses = res.poses if res.poses.ndim == 4 else res.poses[None]
    n, t, j, _ = poses.shape
    names = list(res.joint_names) or [f"j{i}" for i in range(j)]
    header = ["person", "frame", "time"] + [f"{nm}_{c}" for nm in names for c in "xyz"]
    with open(path, "w", newline="") as f:
        for k in ("format", "fps", "skeleton", "units", "audio_used"):
            f.write(f"# {k}: {json.dumps(meta[k])}\n")
        f.write(f"# warnings: {json.dumps(meta['warnings'])}\n")
        f.write(f"# joint_names: {json.dumps(meta['joint_names'])}\n")
        f.write(",".join(header) + "\n")
        for p in range(n):
            flat = poses[p].reshape(t, j * 3)
            for i in range(t):
                vals = ",".join("" if np.isnan(v) else repr(float(v)) for v in flat[i])
                f.write(f"{p},{i},{float(res.times[i])!r},{vals}\n")


def _read_csv(path: Path) -> tuple[dict, np.ndarray, np.ndarray]:
    meta = {}
    with open(path) as f:
        n_comment = 0
        for line in f:
            if not line.startswith("#"):
                break
            key, _, value = line[1:].strip().partition(":")
            meta[key.strip()] = json.loads(value.strip())
            n_comment += 1
    data = np.genfromtxt(path, delimiter=",", skip_header=n_comment + 1, dtype=np.float64, ndmin=2)
    person = data[:, 0].astype(int)
    n = int(person.max()) + 1
    t = data.shape[0] // n
    j = (data.shape[1] - 3) // 3
    poses = data[:, 3:].reshape(n, t, j, 3)
    times = data[:t, 2].copy()
    return meta, (poses[0] if n == 1 else poses), times


# ------------------------------------------------------------------------------------------------ helpers
def _interp_observed(x: np.ndarray, t_in: np.ndarray, t_out: np.ndarray, support_s: float) -> np.ndarray:
    """Per joint, linear interpolation between the frames where it is observed (edges held); NaN at output
    times farther than ``support_s`` from the nearest observation. ``x`` ``(T, J, 3)`` -> ``(len(t_out), J, 3)``.

    At an output time equal to an observed input time the input value is returned exactly.
    """
    out = np.full((t_out.size, x.shape[1], 3), np.nan)
    valid = np.isfinite(x).all(axis=2)
    for j in range(x.shape[1]):
        ok = np.flatnonzero(valid[:, j])
        if ok.size == 0:
            continue
        tj, xj = t_in[ok], x[ok, j]
        nxt = np.searchsorted(tj, t_out, side="right")
        lo, hi = np.clip(nxt - 1, 0, ok.size - 1), np.clip(nxt, 0, ok.size - 1)
        span = tj[hi] - tj[lo]
        with np.errstate(invalid="ignore", divide="ignore"):
            w = np.where(span > 0, (t_out - tj[lo]) / np.where(span > 0, span, 1.0), 0.0)
        w = np.clip(w, 0.0, 1.0)[:, None]
        vals = xj[lo] + w * (xj[hi] - xj[lo])
        dist = np.minimum(np.abs(t_out - tj[lo]), np.abs(tj[hi] - t_out))
        vals[dist > support_s + 1e-9] = np.nan
        out[:, j] = vals
    return out


def _window_grid(x: np.ndarray, t: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Linear interpolation of the frames ``x`` ``(n, 13, 3)`` at times ``t`` onto slot times ``g`` (edges held,
    NaN for a joint never observed): :func:`~pose_audio_refine.windows.to_grid`, vectorised when nothing is
    missing."""
    if x.shape[0] == 1:
        return np.repeat(x, g.size, axis=0)
    if np.isnan(x).any():
        return to_grid(x, t, g)
    hi = np.clip(np.searchsorted(t, g, side="right"), 1, t.size - 1)
    lo = hi - 1
    w = np.clip((g - t[lo]) / (t[hi] - t[lo]), 0.0, 1.0)[:, None, None]
    return x[lo] + w * (x[hi] - x[lo])


def _resample(y: np.ndarray, t_src: np.ndarray, t_dst: np.ndarray) -> np.ndarray:
    """Linear resampling along time that keeps NaN gaps (NaN neighbours give NaN; exact hits are copied)."""
    if y.shape[0] == 1:
        return np.repeat(y, t_dst.size, axis=0)
    lo = np.clip(np.searchsorted(t_src, t_dst, side="right") - 1, 0, t_src.size - 2)
    w = np.clip((t_dst - t_src[lo]) / (t_src[lo + 1] - t_src[lo]), 0.0, 1.0)
    w = w.reshape((-1,) + (1,) * (y.ndim - 1))
    a, b = y[lo], y[lo + 1]
    with np.errstate(invalid="ignore"):
        mid = a + w * (b - a)
    return np.where(w == 0, a, np.where(w == 1, b, mid))


def _finite_check(y: np.ndarray, name: str) -> None:
    """NaN/inf check in blocks, without a signal-sized temporary."""
    step = 1 << 22
    for i in range(0, y.size, step):
        block = y[i:i + step]
        if not np.isfinite(block).all():
            bad = "NaN" if np.isnan(block).any() else "inf"
            raise ValueError(f"{name} contains {bad} values (first bad block starts at sample {i})")


def _n_frames(duration_s: float, rate: float) -> int:
    """``floor(duration * rate)`` robust to round-off (3 s at 50 fps is 150, not 149)."""
    return int(math.floor(duration_s * rate + 1e-9))


# ------------------------------------------------------------------------------------------------ refiner
class Refiner:
    """Refine 3D pose tracks from any estimator, at any frame rate and length, with the audio (MAPnet).

    Parameters
    ----------
    checkpoint : str, Path, nn.Module or None
        Weights file (``.pth`` with its ``.json`` sidecar, see :mod:`pose_audio_refine.checkpoint`); None: the
        bundled default. An ``nn.Module`` is used as is (it must map ``(B, 150, 13, 3)`` mm grid windows and
        ``(B, 150, 35)`` audio features to ``(B, 150, 13, 3)`` mm).
    device : str or torch.device
        Where the network runs (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ...).
    batch_size : int
        Windows per forward pass.
    progress : bool or None
        Show a tqdm progress bar; None: only for inputs of 5 minutes or more.
    min_confidence : float
        With ``confidence=`` given, joints scoring below this are treated as missing (NaN) before refining.
    hop_s : float
        Seconds between window starts (1 s: every output frame is blended from up to three windows; at most
        3 s, a multiple of 0.02 s).
    guard : bool
        Replace windows whose refined output strays implausibly far from a smoothing of their own input (motion
        unlike the training data) by that smoothing, with a warning (see :data:`GUARD_MIN_MM`).
    unswap : bool or None
        Undo left/right joint swaps in each window's input frames, at their own rate, before they are
        interpolated onto the grid (:func:`~pose_audio_refine.swaps.unswap_windows`: the labelling with the least
        motion, on tracks smooth enough for that to mean something). None: as the checkpoint's sidecar says
        (``unswap_input``; on for the bundled model), off for a bare ``nn.Module``.

    Examples
    --------
    ::

        import numpy as np
        from pose_audio_refine import Refiner, RefineResult

        refiner = Refiner()                                # bundled checkpoint, CPU
        poses = np.load("violinist_h36m.npy")             # (T, 17, 3) metres, camera frame, 25 fps
        result = refiner.refine(poses, "performance.mp4", # any audio or video file, or an array with sr=
                                fps=25, skeleton="h36m")  # 17 joints is ambiguous (h36m/coco): say which
        result.poses.shape                                 # (2 * T, 17, 3): 50 fps, same skeleton/units/frame
        result.times[:3]                                   # array([0.  , 0.02, 0.04]) seconds
        result.save("refined.csv")                         # or .npz / .json; RefineResult.load("refined.csv")

    Pose-only (a warning says so): ``refiner.refine(poses, None, fps=25, skeleton="h36m")``. Several people:
    pass ``(N, T, J, 3)``; each is refined with the same audio. Missing joints/frames may be NaN.
    """

    def __init__(self, checkpoint=None, device: str | torch.device = "cpu", batch_size: int = 64,
                 progress: bool | None = None, min_confidence: float = 0.3, hop_s: float = 1.0,
                 guard: bool = True, unswap: bool | None = None):
        self.guard, self._guarded = bool(guard), 0
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be an int >= 1, got {batch_size!r}")
        if progress is not None and not isinstance(progress, bool):
            raise TypeError(f"progress must be True, False or None, got {type(progress).__name__}")
        if isinstance(min_confidence, bool) or not isinstance(min_confidence, (int, float, np.floating)) \
                or not np.isfinite(min_confidence):
            raise ValueError(f"min_confidence must be a finite number, got {min_confidence!r}")
        hop = check_rate(hop_s, "hop_s", low=1.0 / OUT_FPS, high=N_SLOTS / OUT_FPS) * OUT_FPS
        if abs(hop - round(hop)) > 1e-6:
            raise ValueError(f"hop_s must be a multiple of {1 / OUT_FPS} s, got {hop_s}")
        self.device = torch.device(device)
        if isinstance(checkpoint, nn.Module):
            self.net, self.meta = checkpoint.to(self.device).eval(), {}
        else:
            self.net, self.meta = load_weights(checkpoint, self.device)
        self._check_net()
        self.unswap = bool(self.meta.get("unswap_input", False)) if unswap is None else bool(unswap)
        self.batch_size, self.progress = int(batch_size), progress
        self.min_confidence, self.hop = float(min_confidence), int(round(hop))

    def _check_net(self) -> None:
        mode = self.meta.get("input_mode")
        t_in = getattr(self.net, "t_in", N_SLOTS)
        if (mode is not None and mode != "grid") or t_in not in (N_SLOTS, None) \
                or getattr(self.net, "t_out", N_SLOTS) != N_SLOTS or getattr(self.net, "n_joints", 13) != 13:
            raise ValueError(f"checkpoint must be a grid-input model (150 input and output slots, 13 joints); got "
                             f"input_mode={mode!r}, t_in={t_in}, t_out={getattr(self.net, 't_out', '?')}")

    # -------------------------------------------------------------------------------------------- public
    def refine(self, poses, audio=None, *, fps: float, sr: float | None = None,
               skeleton: str | Skeleton | None = None, units: str | None = None, confidence=None,
               out_fps: float = 50.0, trim: bool = False) -> RefineResult:
        """Refine one track ``(T, J, 3)`` or several people ``(N, T, J, 3)``.

        Parameters
        ----------
        poses : array_like, shape (T, J, 3) or (N, T, J, 3)
            Joint positions at ``fps``, frame ``i`` at ``i / fps`` s, in any coordinate frame (camera frame,
            root-relative, z-up...); NaN marks missing frames or joints. Not modified.
        audio : str, Path, array_like or None
            A path to any audio or video file (decoded with ffmpeg at 44.1 kHz), a mono float signal
            ``(n_samples,)`` with ``sr``, or None (pose-only, with a warning). Sample 0 is at pose time 0. A file
            without an audio stream, or silent audio (RMS below :data:`SILENCE_RMS`), gives a warning and
            pose-only refinement. Not modified.
        fps : float
            Input frame rate, Hz, in [10, 60].
        sr : float, optional
            Sample rate (Hz) of an ``audio`` array (required then; resampled to 44.1 kHz if different). Ignored
            for paths.
        skeleton : str or Skeleton, optional
            Joint set of ``poses`` (:data:`~pose_audio_refine.skeletons.SKELETONS`); inferred from J when
            unambiguous. A :class:`~pose_audio_refine.skeletons.Skeleton` (e.g. ``get_skeleton("h36m",
            up_axis="z")`` for MMPose's re-axed demo output) sets the up axis too.
        units : {"mm", "cm", "m"}, optional
            Units of ``poses``; default: the skeleton's (metres for h36m, coco, mediapipe33).
        confidence : array_like, shape (T, J) or (N, T, J), optional
            Per-joint scores; joints below the refiner's ``min_confidence`` (and NaN scores) count as missing.
        out_fps : float
            Output rate, Hz (default 50). Other rates are resampled linearly from the 50 fps refinement.
        trim : bool
            Allow audio whose duration differs from the poses' (``T / fps``) by more than 0.5 s: longer audio is
            cut at the poses' end, shorter audio is padded with silence features (zeros, the model's "no audio"
            input). Differences up to 0.5 s are always trimmed/padded this way.

        Returns
        -------
        RefineResult
            ``poses`` ``(T_out, J, 3)`` (or ``(N, T_out, J, 3)``) in the input's skeleton, units and frame, with
            ``T_out = floor(T / fps * out_fps)``; ``times`` ``k / out_fps`` s.

        Raises
        ------
        ValueError
            Naming the argument: wrong shape, J matching no skeleton or an ambiguous one, all-NaN or inf poses,
            fewer than 2 frames or under 0.2 s, ``fps`` outside [10, 60], audio/pose duration mismatch over
            0.5 s without ``trim``, NaN/inf audio, an unreadable audio file, wrong ``confidence`` shape.
        TypeError
            Non-numeric arrays, wrong argument types.
        """
        fps = check_rate(fps, "fps", *FPS_RANGE)
        out_fps = check_rate(out_fps, "out_fps", low=1.0, high=1000.0)
        if not isinstance(trim, bool):
            raise TypeError(f"trim must be a bool, got {type(trim).__name__}")
        arr, multi = self._check_poses(poses)
        skel = self._resolve_skeleton(skeleton, units, arr.shape[2])
        n_people, T = arr.shape[:2]
        duration = T / fps
        if T < MIN_FRAMES or duration < MIN_DURATION_S - 1e-9:
            raise ValueError(f"poses is too short: {T} frame(s) at {fps:g} fps ({duration:.3g} s); the minimum is "
                             f"{MIN_FRAMES} frames and {MIN_DURATION_S} s")
        if confidence is not None:
            self._apply_confidence(arr, confidence, multi)
        notes: list[str] = []
        n_slots = _n_frames(duration, OUT_FPS)
        starts = window_starts(n_slots, N_SLOTS, self.hop)
        feats = self._audio(audio, sr, duration, int(starts[-1]) + N_SLOTS, trim, notes)
        if feats is not None and not getattr(self.net, "use_audio", True):
            notes.append("the checkpoint is a pose-only model: the audio is not used")
            feats = None
        show = self.progress if self.progress is not None else duration * n_people >= _AUTO_PROGRESS_S
        bar = _progress(len(starts) * n_people, show)
        t_in = np.arange(T) / fps
        outs = []
        try:
            for p in range(n_people):
                outs.append(self._refine_one(arr[p], t_in, skel, n_slots, starts, feats, notes, bar,
                                             who=f"poses[{p}]" if multi else "poses"))
        finally:
            if bar is not None:
                bar.close()
        out = np.stack(outs)
        times = np.arange(n_slots) / OUT_FPS
        if out_fps != OUT_FPS:
            t_dst = np.arange(_n_frames(duration, out_fps)) / out_fps
            out = np.stack([_resample(o, times, t_dst) for o in out])
            times = t_dst
        for note in dict.fromkeys(notes):  # each distinct note once, in order
            _warnings.warn(note, UserWarning, stacklevel=2)
        return RefineResult(poses=out if multi else out[0], times=times, fps=out_fps, skeleton=skel.name,
                            units=skel.units, audio_used=feats is not None, warnings=list(dict.fromkeys(notes)),
                            joint_names=tuple(skel.joint_names), input_poses=arr if multi else arr[0],
                            input_times=t_in)

    # -------------------------------------------------------------------------------------------- checks
    @staticmethod
    def _check_poses(poses) -> tuple[np.ndarray, bool]:
        arr = as_float_array(poses, "poses", ndim=(3, 4))
        if arr.shape[-1] != 3:
            raise ValueError(f"poses must have shape (T, J, 3) or (N, T, J, 3), got {arr.shape}")
        if np.isinf(arr).any():
            raise ValueError("poses contains inf values")
        multi = arr.ndim == 4
        arr = arr if multi else arr[None]
        for p in range(arr.shape[0]):
            if np.isnan(arr[p]).all():
                who = f"poses[{p}]" if multi else "poses"
                raise ValueError(f"{who} is all NaN: no joint was observed in any frame")
        return arr, multi

    @staticmethod
    def _resolve_skeleton(skeleton, units, n_joints: int) -> Skeleton:
        if skeleton is None:
            try:
                skel = infer_skeleton(n_joints)
            except ValueError as exc:
                raise ValueError(f"poses has {n_joints} joints: {exc}") from None
        else:
            skel = get_skeleton(skeleton)
            if skel.num_joints != n_joints:
                raise ValueError(f"poses has {n_joints} joints but skeleton {skel.name!r} has {skel.num_joints}")
        if units is not None:
            skel = get_skeleton(skel, units=check_units(units, "units"))
        return skel

    def _apply_confidence(self, arr: np.ndarray, confidence, multi: bool) -> None:
        """Set low-confidence joints of ``arr`` (our own copy) to NaN."""
        conf = as_float_array(confidence, "confidence")
        want = arr.shape[:3] if multi else arr.shape[1:3]
        if conf.shape != want:
            raise ValueError(f"confidence must have shape {want} (one score per frame and joint), got {conf.shape}")
        if np.isinf(conf).any():
            raise ValueError("confidence contains inf values")
        low = ~(conf >= self.min_confidence)  # NaN scores count as missing
        arr[np.broadcast_to(low if multi else low[None], arr.shape[:3])] = np.nan
        for p in range(arr.shape[0]):
            if np.isnan(arr[p]).all():
                raise ValueError(f"confidence is below min_confidence={self.min_confidence:g} everywhere"
                                 + (f" for person {p}" if multi else "") + ": nothing left to refine")

    def _audio(self, audio, sr, duration: float, n_rows: int, trim: bool, notes: list[str]) -> np.ndarray | None:
        """``(n_rows, 35)`` audio features on the 50 fps output grid, or None (pose-only; ``notes`` says why)."""
        if audio is None:
            notes.append("no audio given: pose-only refinement")
            return None
        if isinstance(audio, (str, os.PathLike)):
            path = Path(audio)
            if not path.is_file():
                raise ValueError(f"audio file not found (or not a file): {path}")
            try:
                feats = features_from_file(path, sr=AUDIO_SR, fps=OUT_FPS)
            except NoAudioStreamError:
                notes.append(f"{path.name} has no audio stream: pose-only refinement")
                return None
            except (AudioDecodeError, ValueError, OSError) as exc:
                raise ValueError(f"audio could not be read from {path}: {exc}") from exc
            self._check_duration(feats.shape[0] / OUT_FPS, duration, trim)
        else:
            y = self._check_signal(audio)
            if sr is None:
                raise ValueError("sr is required when audio is an array (its sample rate in Hz)")
            sr = check_rate(sr, "sr", low=1000, high=384000)
            self._check_duration(y.size / sr, duration, trim)  # before the (costly) features
            if sr != AUDIO_SR:
                import librosa  # noqa: PLC0415 - only needed for this case
                y = librosa.resample(np.asarray(y, dtype=np.float32), orig_sr=sr, target_sr=AUDIO_SR,
                                     res_type="soxr_hq")
            if y.size < AUDIO_SR / OUT_FPS:
                raise ValueError(f"audio is too short: {y.size / AUDIO_SR:.4f} s is less than one feature frame "
                                 f"({1 / OUT_FPS} s)")
            feats = audio_features(y, AUDIO_SR, fps=OUT_FPS)
        rms = float(np.sqrt(np.mean(np.square(feats[:, RMS], dtype=np.float64))))
        if rms < SILENCE_RMS:
            notes.append(f"the audio is silent (RMS {rms:.2g} < {SILENCE_RMS:g}): pose-only refinement")
            return None
        out = np.zeros((n_rows, feats.shape[1]), dtype=np.float32)  # zeros = "no audio" (training's dropout)
        n = min(n_rows, feats.shape[0])
        out[:n] = feats[:n]
        return out

    @staticmethod
    def _check_signal(audio) -> np.ndarray:
        y = audio if isinstance(audio, np.ndarray) else None
        if y is None:
            try:
                y = np.asarray(audio)
            except Exception as exc:  # noqa: BLE001 - ragged or exotic input
                raise TypeError(f"audio must be a path, a float array or None, got {type(audio).__name__}") from exc
        if y.ndim == 0 or y.dtype == object:
            raise TypeError(f"audio must be a path, a float array or None, got {type(audio).__name__}")
        if not np.issubdtype(y.dtype, np.floating):
            if np.issubdtype(y.dtype, np.integer):
                raise TypeError(f"audio must be a float array (nominally in [-1, 1]), got dtype {y.dtype}; "
                                "convert integer PCM first, e.g. y / 32768")
            raise TypeError(f"audio must be a path, a float array or None, got {type(audio).__name__} "
                            f"of dtype {y.dtype}")
        if y.ndim != 1:
            raise ValueError(f"audio must be a mono signal of shape (n_samples,), got shape {y.shape}; "
                             "average the channels first")
        if y.size == 0:
            raise ValueError("audio is empty (0 samples)")
        _finite_check(y, "audio")
        return y

    @staticmethod
    def _check_duration(audio_s: float, poses_s: float, trim: bool) -> None:
        if abs(audio_s - poses_s) > MAX_AV_MISMATCH_S and not trim:
            raise ValueError(f"audio lasts {audio_s:.2f} s but poses last {poses_s:.2f} s (frames / fps): they "
                             f"differ by more than {MAX_AV_MISMATCH_S} s. Check fps, or pass trim=True to cut/pad "
                             "the audio to the poses' duration")

    # -------------------------------------------------------------------------------------------- core
    def _refine_one(self, x: np.ndarray, t_in: np.ndarray, skel: Skeleton, n_slots: int, starts: np.ndarray,
                    feats: np.ndarray | None, notes: list[str], bar, who: str) -> np.ndarray:
        """One person: ``x`` ``(T, J, 3)`` input units/frame -> ``(n_slots, J, 3)`` at 50 fps, same units/frame."""
        telmi = to_telmi13(x, skel)
        if np.isnan(telmi).all():
            raise ValueError(f"{who} has no frame where any telmi13 joint can be computed (too much missing)")
        frame = fit_canonical(telmi, skel.units, skel.up_axis)
        notes.extend(f"{who}: {w}" for w in frame.warnings)
        canon = to_canonical(telmi, frame)
        del telmi
        acc = OverlapAdd(n_slots, canon.shape[1])
        slot = np.arange(N_SLOTS) / OUT_FPS
        last = (N_SLOTS - 1) / OUT_FPS
        for b0 in range(0, len(starts), self.batch_size):
            batch = starts[b0:b0 + self.batch_size]
            grids, masks, keep = [], [], []
            for s in batch:
                w0 = s / OUT_FPS
                i0 = np.searchsorted(t_in, w0 - 1e-9, side="left")
                i1 = np.searchsorted(t_in, w0 + last + 1e-9, side="right")
                win = canon[i0:i1]
                if i1 <= i0 or np.isnan(win).all():
                    continue  # nothing observed in this window: it contributes nothing
                if self.unswap:  # at the input's own rate, before interpolation smears a swap into a ramp
                    win = unswap_windows(win[None], TELMI13_PAIRS)[0]
                grid = _window_grid(win, t_in[i0:i1], w0 + slot)
                grids.append(grid)
                masks.append(~np.isnan(grid).any(axis=(0, 2)))
                keep.append(int(s))
            if grids:
                refined = self._run(np.stack(grids), keep, feats)
                if self.guard:
                    refined, n_bad = guard_windows(np.stack(grids), refined)
                    if n_bad:
                        self._guarded += n_bad
                for s, values, mask in zip(keep, refined, masks):
                    acc.add(s, values, mask)
            if bar is not None:
                bar.update(len(batch))
        blended = acc.result()
        del acc
        if self._guarded:
            notes.append(f"{who}: {self._guarded} of {len(starts)} windows looked unlike the motion the model was "
                         "trained on (its output strayed far from the smoothed input); they use a light Gaussian "
                         "smoothing of the input instead")
            self._guarded = 0
        t_out = np.arange(n_slots) / OUT_FPS
        # Nothing far from an observation: NaN where a telmi13 joint's nearest observation is > SUPPORT_S away.
        support = np.isfinite(_interp_observed(canon, t_in, t_out, SUPPORT_S)).all(axis=2)
        blended[~support] = np.nan
        out = np.full((n_slots, x.shape[1], 3), np.nan)
        for a in range(0, n_slots, _CHUNK_SLOTS):
            b = min(n_slots, a + _CHUNK_SLOTS)
            orig = _interp_observed(x, t_in, t_out[a:b], SUPPORT_S)
            refined_in = from_canonical(blended[a:b], frame)
            if np.isnan(orig).all() or np.isnan(refined_in).all():
                continue  # a stretch with nothing observed stays NaN
            out[a:b] = from_telmi13(refined_in, orig, skel)
        return out

    def _run(self, grids: np.ndarray, starts: list[int], feats: np.ndarray | None) -> np.ndarray:
        """Refine ``(B, 150, 13, 3)`` canonical grid windows; float64 output with the same NaN joints."""
        poses = torch.from_numpy(grids.astype(np.float32)).to(self.device)
        audio = None
        if feats is not None:
            audio = torch.from_numpy(np.stack([feats[s:s + N_SLOTS] for s in starts])).to(self.device)
        with torch.inference_mode():
            out = self.net(poses, audio)
            # Add the float32 correction to the float64 input: float32 round-off touches the correction only.
            delta = (out - poses).double().cpu().numpy()
        return grids + delta


def guard_windows(grids: np.ndarray, refined: np.ndarray) -> tuple[np.ndarray, int]:
    """Replace implausible windows by a Gaussian smoothing of their input (see :data:`GUARD_MIN_MM`).

    ``grids``/``refined``: ``(B, 150, 13, 3)`` canonical mm, NaN for joints never observed in a window.
    Returns the (new) refined array and how many windows were replaced.
    """
    from scipy.ndimage import gaussian_filter1d

    smooth = gaussian_filter1d(grids, GUARD_SIGMA_SLOTS, axis=1, mode="nearest")
    scatter = np.nanmedian(np.linalg.norm(grids - smooth, axis=-1), axis=(1, 2))
    stray = np.nanmedian(np.linalg.norm(refined - smooth, axis=-1), axis=(1, 2))
    bad = stray > np.maximum(GUARD_MIN_MM, GUARD_RATIO * scatter)
    if not bad.any():
        return refined, 0
    light = gaussian_filter1d(grids[bad], GUARD_FALLBACK_SIGMA_SLOTS, axis=1, mode="nearest")
    out = refined.copy()
    out[bad] = np.where(np.isnan(light), refined[bad], light)
    return out, int(bad.sum())


def _progress(total: int, show: bool):
    if not show:
        return None
    from tqdm.auto import tqdm  # noqa: PLC0415 - optional UI dependency, imported when used

    return tqdm(total=total, desc="refining", unit="window")
