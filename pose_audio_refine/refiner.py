"""The Python way in: ``Refiner().refine(poses, audio, fps=...)`` for any estimator, frame rate and length.

Pipeline (one person; several people are refined one after the other with the same audio):

1. **Check** the input (shape, skeleton, units, rate, NaN/inf, confidence, audio; errors name the argument).
   Joints whose ``confidence`` is below ``min_confidence`` become NaN (missing) before anything else.
2. **Canonicalise**: map to ``telmi13`` (:func:`~pose_audio_refine.skeletons.to_telmi13`), then fit and apply
   one similarity per track (mm, z up, the player facing +y, left toe at the origin; a mirrored input frame
   such as MMPose's is un-mirrored here; :mod:`pose_audio_refine.canonical`).
3. **Window**: 3 s windows on the 50 fps output grid, starting every second (:mod:`pose_audio_refine.blending`).
   Each window's input frames (those inside it, at their true timestamps) go through the model stages of
   :func:`pose_audio_refine.pipeline.refine_windows` (unswap, grid, network, guard), exactly as the benchmark
   runs them. The audio features (§3.4, computed once for the whole recording, in chunks) are cut at the same
   slots.
4. **Blend** the overlapping outputs with raised-cosine weights, so there are no seams.
5. **Restore**: invert the canonical map exactly and carry the joints ``telmi13`` lacks back onto the input's
   skeleton (:func:`~pose_audio_refine.skeletons.from_telmi13`); resample to ``out_fps`` if it is not 50.

Missing data: a joint is output as NaN at times more than :data:`SUPPORT_S` (1.5 s) from its nearest
observation (nothing is invented far from the data); shorter gaps are filled by the model. Long inputs keep
memory bounded: the audio features are computed in chunks (streamed from disk for a path), windows are
refined batch by batch into running sums, and the restore step works on 10-minute chunks.
"""
from __future__ import annotations

import math
import os
import warnings as _warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .audio import AudioDecodeError, NoAudioStreamError, audio_features, features_from_blocks, features_from_file
from .audio.features import RMS
from .blending import HOP_SLOTS, OverlapAdd, window_starts
from .canonical import fit_canonical, from_canonical, from_right_handed, to_canonical, to_right_handed
from .checkpoint import DEFAULT_CHECKPOINT, check_device, load_weights
from .interpolate import interp_track, nearest_observation_s
from .pipeline import (GUARD_FALLBACK_SIGMA_SLOTS, GUARD_MIN_MM, GUARD_RATIO, GUARD_SIGMA_SLOTS, NOISE_GATE_MM,
                       NonFiniteOutputError, guard_windows, refine_windows)
from .result import RefineResult
from .skeletons import Skeleton, from_telmi13, get_skeleton, infer_skeleton, to_telmi13
from .units import check_units
from .validation import as_float_array, audio_level_note, check_audio, check_poses, check_rate
from .windows import N_SLOTS, OUT_FPS

__all__ = ["Refiner", "RefineResult", "FPS_RANGE", "MIN_DURATION_S", "MIN_FRAMES", "SUPPORT_S", "SILENCE_RMS",
           "MAX_AV_MISMATCH_S", "AUDIO_SR", "guard_windows", "GUARD_MIN_MM", "GUARD_RATIO", "GUARD_SIGMA_SLOTS",
           "GUARD_FALLBACK_SIGMA_SLOTS", "HOP_SLOTS"]

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
#: Output slots restored per chunk (10 min at 50 fps): bounds the temporaries of the restore step.
_CHUNK_SLOTS: int = 30000
#: Inputs at least this long (s) show a progress bar when ``progress=None``.
_AUTO_PROGRESS_S: float = 300.0
#: Samples of a caller's audio array resampled per step (about 24 s at 44.1 kHz): bounds the resampling copies.
_RESAMPLE_BLOCK: int = 1 << 20


def _n_frames(duration_s: float, rate: float) -> int:
    """``floor(duration * rate)`` robust to round-off (3 s at 50 fps is 150, not 149)."""
    return int(math.floor(duration_s * rate + 1e-9))


# ------------------------------------------------------------------------------------------------ refiner
def _check_gate(value, allow_auto: bool = False):
    """``value`` if it is a valid ``noise_gate_mm`` (a number of mm > 0, None, or "auto" where allowed)."""
    if value is None or (allow_auto and isinstance(value, str) and value == "auto"):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not 0 < value < np.inf:
        raise ValueError(f"noise_gate_mm must be a number of mm > 0, None (no gate) or 'auto'; got {value!r}")
    return value


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
    noise_gate_mm : float, None or "auto"
        Let the network change a window's joint only in proportion to the white jitter its input evidently
        carries: gain ``n^4 / (n^4 + noise_gate_mm^4)`` with ``n`` the jitter (mm) measured from the input frames'
        second differences at their own rate, times a ramp in the jitter's share of those bends
        (:func:`~pose_audio_refine.pipeline.gate_windows`). A clean track comes back as it went in (swaps still
        fixed), and so does fast clean motion whose bends read as jitter; at 4 mm, 3 mm of jitter passes 24 % of the
        change, 10 mm 97 %. With the gate, what the network leaves of the jitter is then smoothed as widely as it
        is large (:func:`~pose_audio_refine.pipeline.smooth_windows`; the audio detail by 0.5 slot, wider only under heavy jitter). None: no
        gate and no smoothing (the network's change passes whole). "auto": as the checkpoint's sidecar says
        (``noise_gate_mm``; default :data:`~pose_audio_refine.pipeline.NOISE_GATE_MM`, 4 mm, for every weights file),
        off for a bare ``nn.Module`` (its output is used as it is).

    Attributes
    ----------
    use_audio : bool
        Whether the network takes audio: False when the sidecar says ``use_audio: false`` (the SmoothNet- and
        DeciWatch-style baselines) or the network's ``use_audio`` attribute is False (PoT). Then audio is
        ignored (with a warning), no features are computed and ``RefineResult.audio_used`` is False.
    checkpoint_name : str
        How errors name the checkpoint (its path, the bundled one, or the module passed in).

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

    Threads: ``refine`` is reentrant. A call keeps all its state (notes, guard counts, progress bar) in local
    variables and the network only runs in eval mode without gradients, so one Refiner may serve several
    threads at once; each result carries only its own call's warnings. (Torch's own intra-op threads are
    shared by the process, so two concurrent calls are not faster than two in a row on the same cores.)
    """

    def __init__(self, checkpoint=None, device: str | torch.device = "cpu", batch_size: int = 64,
                 progress: bool | None = None, min_confidence: float = 0.3, hop_s: float = 1.0,
                 guard: bool = True, unswap: bool | None = None, noise_gate_mm: float | None | str = "auto"):
        self.guard = bool(guard)
        _check_gate(noise_gate_mm, allow_auto=True)
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be an int >= 1, got {batch_size!r}")
        if progress is not None and not isinstance(progress, bool):
            raise TypeError(f"progress must be True, False or None, got {type(progress).__name__}")
        if isinstance(min_confidence, bool) or not isinstance(min_confidence, (int, float, np.floating)) \
                or not 0.0 <= min_confidence <= 1.0:
            raise ValueError(f"min_confidence must be a number in [0, 1], got {min_confidence!r}")
        if checkpoint is not None and not isinstance(checkpoint, (str, os.PathLike, nn.Module)):
            raise TypeError(f"checkpoint must be a path to a .pth weights file, an nn.Module or None, got "
                            f"{type(checkpoint).__name__}")
        hop = check_rate(hop_s, "hop_s", low=1.0 / OUT_FPS, high=N_SLOTS / OUT_FPS) * OUT_FPS
        if abs(hop - round(hop)) > 1e-6:
            raise ValueError(f"hop_s must be a multiple of {1 / OUT_FPS} s, got {hop_s}")
        self.device = check_device(device)
        if isinstance(checkpoint, nn.Module):
            self.net, self.meta = checkpoint.to(self.device).eval(), {}
            self.checkpoint_name = f"the network passed as checkpoint ({type(checkpoint).__name__})"
        else:
            self.net, self.meta = load_weights(checkpoint, self.device)
            self.checkpoint_name = (f"the bundled checkpoint ({DEFAULT_CHECKPOINT.name})" if checkpoint is None
                                    else f"checkpoint {checkpoint}")
        self._check_net()
        # Audio is computed only for a network that takes it: the sidecar says so for trained weights
        # (SmoothNet/DeciWatch-style nets have no attribute), the attribute for MAPnet/PoT and bare modules.
        self.use_audio = self.meta.get("use_audio", True) is not False and getattr(self.net, "use_audio", True)
        self.unswap = bool(self.meta.get("unswap_input", False)) if unswap is None else bool(unswap)
        if isinstance(noise_gate_mm, str):  # "auto"
            bare = isinstance(checkpoint, nn.Module)
            noise_gate_mm = None if bare else _check_gate(self.meta.get("noise_gate_mm", NOISE_GATE_MM))
        self.noise_gate_mm = None if noise_gate_mm is None else float(noise_gate_mm)
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
            pose-only refinement. A masked array's masked samples are used as silence (warned); an array peaking
            above 2 is warned about (integer PCM stored as float?) and used as given. Ignored (warned) by a
            pose-only checkpoint. Not modified.
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
            Per-joint scores in [0, 1]; joints below the refiner's ``min_confidence`` (and NaN or masked scores)
            count as missing.
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
            0.5 s without ``trim``, NaN/inf audio, an unreadable audio file, wrong ``confidence`` shape or values
            outside [0, 1], coordinates beyond 1e12 (:data:`~pose_audio_refine.validation.MAX_ABS_COORD`).
        TypeError
            Non-numeric (strings, complex) arrays, wrong argument types.
        RuntimeError
            The network returned NaN/inf for observed input (the message names the checkpoint).
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
            # a NaN stretch (no observation nearby) stays NaN: never bridge more than one 50 fps slot
            out = np.stack([interp_track(o, times, t_dst, max_gap_s=1.0 / OUT_FPS) for o in out])
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
        arr = check_poses(poses, "poses", ndim=(3, 4))
        multi = arr.ndim == 4
        return (arr if multi else arr[None]), multi

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
        scores = conf[~np.isnan(conf)]
        if scores.size and (scores.min() < 0.0 or scores.max() > 1.0):
            raise ValueError(f"confidence must be in [0, 1] (NaN for missing), got values in [{scores.min():g}, "
                             f"{scores.max():g}]; scores on a 0-100 scale need dividing by 100")
        low = ~(conf >= self.min_confidence)  # NaN scores count as missing
        arr[np.broadcast_to(low if multi else low[None], arr.shape[:3])] = np.nan
        for p in range(arr.shape[0]):
            if np.isnan(arr[p]).all():
                raise ValueError(f"confidence is below min_confidence={self.min_confidence:g} everywhere"
                                 + (f" for person {p}" if multi else "") + ": nothing left to refine")

    def _audio(self, audio, sr, duration: float, n_rows: int, trim: bool, notes: list[str]) -> np.ndarray | None:
        """``(n_rows, 35)`` audio features on the 50 fps output grid, or None (pose-only; ``notes`` says why)."""
        if audio is None:
            if self.use_audio:
                notes.append("no audio given: pose-only refinement")
            return None
        pose_only = ("the checkpoint is a pose-only model (use_audio false): the audio is not used; "
                     f"{self.checkpoint_name}")
        if isinstance(audio, (str, os.PathLike)):
            path = Path(audio)
            if not path.is_file():
                raise ValueError(f"audio file not found (or not a file): {path}")
            if not self.use_audio:
                notes.append(pose_only)
                return None
            feats = self._file_features(path, notes)
            if feats is None:
                return None
            self._check_duration(feats.shape[0] / OUT_FPS, duration, trim)
        else:
            if np.ma.isMaskedArray(audio):
                n_masked = int(np.ma.count_masked(audio))
                if n_masked:
                    notes.append(f"audio is a masked array: its {n_masked} masked samples are used as silence")
                audio = audio.filled(0) if n_masked else np.ma.getdata(audio)
            y = check_audio(audio, "audio", copy=False)
            if sr is None:
                raise ValueError("sr is required when audio is an array (its sample rate in Hz)")
            sr = check_rate(sr, "sr", low=1000, high=384000)
            self._check_duration(y.size / sr, duration, trim)  # before the (costly) features
            if not self.use_audio:
                notes.append(pose_only)
                return None
            level = audio_level_note(y, "audio")
            if level:
                notes.append(level)
            n_out = y.size if sr == AUDIO_SR else int(math.ceil(y.size * (AUDIO_SR / sr)))
            if n_out < AUDIO_SR / OUT_FPS:
                raise ValueError(f"audio is too short: {y.size / sr:.4f} s is less than one feature frame "
                                 f"({1 / OUT_FPS} s)")
            if sr == AUDIO_SR:
                feats = audio_features(y, AUDIO_SR, fps=OUT_FPS)  # chunked: no copy of the caller's array
            else:  # resampled and featurised piece by piece: memory bounded whatever the length
                feats = features_from_blocks(_resampled_blocks(y, sr, AUDIO_SR), AUDIO_SR, fps=OUT_FPS,
                                             where="audio")
        rms = float(np.sqrt(np.mean(np.square(feats[:, RMS], dtype=np.float64))))
        if rms < SILENCE_RMS:
            notes.append(f"the audio is silent (RMS {rms:.2g} < {SILENCE_RMS:g}): pose-only refinement")
            return None
        out = np.zeros((n_rows, feats.shape[1]), dtype=np.float32)  # zeros = "no audio" (training's dropout)
        n = min(n_rows, feats.shape[0])
        out[:n] = feats[:n]
        return out

    @staticmethod
    def _file_features(path: Path, notes: list[str]) -> np.ndarray | None:
        """Features of a media file; the decoder's warnings (a truncated file) go into ``notes``."""
        with _warnings.catch_warnings(record=True) as caught:
            _warnings.simplefilter("always")
            try:
                feats = features_from_file(path, sr=AUDIO_SR, fps=OUT_FPS)
            except NoAudioStreamError:
                notes.append(f"{path.name} has no audio stream: pose-only refinement")
                return None
            except (AudioDecodeError, ValueError, OSError) as exc:
                raise ValueError(f"audio could not be read from {path}: {exc}") from exc
        for w in caught:
            if issubclass(w.category, UserWarning):
                notes.append(f"audio: {w.message}")
            else:  # not ours to judge: passed on as it came
                _warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        return feats

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
        x = to_right_handed(x, skel)  # a mirror-image frame (MMPose's) is un-mirrored here, and back at the end
        telmi = to_telmi13(x, skel)
        if np.isnan(telmi).all():
            raise ValueError(f"{who} has no frame where any telmi13 joint can be computed (too much missing)")
        frame = fit_canonical(telmi, skel.units, skel.up_axis)
        notes.extend(f"{who}: {w}" for w in frame.warnings)
        canon = to_canonical(telmi, frame)
        del telmi
        acc = OverlapAdd(n_slots, canon.shape[1])
        last = (N_SLOTS - 1) / OUT_FPS
        n_guarded = 0
        for b0 in range(0, len(starts), self.batch_size):
            frames, times, keep = [], [], []
            for s in starts[b0:b0 + self.batch_size]:
                w0 = s / OUT_FPS
                i0 = np.searchsorted(t_in, w0 - 1e-9, side="left")
                i1 = np.searchsorted(t_in, w0 + last + 1e-9, side="right")
                if i1 <= i0 or np.isnan(canon[i0:i1]).all():
                    continue  # nothing observed in this window: it contributes nothing
                frames.append(canon[i0:i1])
                times.append(t_in[i0:i1] - w0)
                keep.append(int(s))
            if frames:
                audio = None if feats is None else np.stack([feats[s:s + N_SLOTS] for s in keep])
                try:
                    refined, grids, n_bad = refine_windows(self.net, frames, times, audio, unswap=self.unswap,
                                                           guard=self.guard, gate_mm=self.noise_gate_mm)
                except NonFiniteOutputError as exc:
                    raise RuntimeError(f"{self.checkpoint_name} returned NaN/inf on {who}: {exc}") from None
                n_guarded += n_bad
                for s, values, grid in zip(keep, refined, grids):
                    acc.add(s, values, ~np.isnan(grid).any(axis=(0, 2)))
            if bar is not None:
                bar.update(len(starts[b0:b0 + self.batch_size]))
        blended = acc.result()
        del acc
        if n_guarded:
            notes.append(f"{who}: {n_guarded} of {len(starts)} windows looked unlike the motion the model was "
                         "trained on (its output strayed far from the smoothed input); they use a light Gaussian "
                         "smoothing of the input instead")
        t_out = np.arange(n_slots) / OUT_FPS
        # Nothing far from an observation: NaN where a telmi13 joint's nearest observation is > SUPPORT_S away.
        blended[nearest_observation_s(canon, t_in, t_out) > SUPPORT_S + 1e-9] = np.nan
        out = np.full((n_slots, x.shape[1], 3), np.nan)
        for a in range(0, n_slots, _CHUNK_SLOTS):
            b = min(n_slots, a + _CHUNK_SLOTS)
            refined_in = from_canonical(blended[a:b], frame)
            if np.isnan(refined_in).all():
                continue  # a stretch with nothing observed stays NaN
            # the input's own joints at the output times: what joints telmi13 lacks are carried on
            orig = interp_track(x, t_in, t_out[a:b], support_s=SUPPORT_S) if skel.carry else None
            out[a:b] = from_telmi13(refined_in, orig, skel)
        return from_right_handed(out, skel)


def _resampled_blocks(y: np.ndarray, sr: float, target: int):
    """``librosa.resample(float32(y), orig_sr=sr, target_sr=target, res_type="soxr_hq")``, piece by piece.

    soxr's streaming resampler gives the same samples as its one-shot call (librosa's), and the length is fixed
    to librosa's ``ceil(n * target / sr)``; only one block of the caller's array is converted at a time.
    """
    import soxr  # noqa: PLC0415 - librosa's resampler; only needed for this case

    stream = soxr.ResampleStream(sr, target, 1, dtype="float32", quality="HQ")
    n_out = int(math.ceil(y.size * (float(target) / sr)))
    sent = 0
    for i in range(0, y.size, _RESAMPLE_BLOCK):
        block = np.asarray(y[i:i + _RESAMPLE_BLOCK], dtype=np.float32)
        out = stream.resample_chunk(block, last=i + _RESAMPLE_BLOCK >= y.size)[:max(0, n_out - sent)]
        sent += out.size
        yield out
    if sent < n_out:
        yield np.zeros(n_out - sent, dtype=np.float32)


def _progress(total: int, show: bool):
    if not show:
        return None
    from tqdm.auto import tqdm  # noqa: PLC0415 - optional UI dependency, imported when used

    return tqdm(total=total, desc="refining", unit="window")
