"""The registry (a child of ``mmpose.registry.MODELS`` scoped ``pose_audio_refine``), the four refiners and
:func:`build_refiner`."""
from __future__ import annotations

import copy
import difflib
import numbers
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
from mmengine.config import Config, ConfigDict
from mmengine.registry import DefaultScope, Registry
from mmpose.registry import MODELS as MMPOSE_MODELS
from mmpose.structures import PoseDataSample

from ..filters import refine_classical
from ..skeletons import Skeleton, get_skeleton
from ..units import check_units, convert_units
from ..validation import check_poses, check_rate

#: Registry scope of this plugin (the ``_scope_`` of a refiner stanza).
SCOPE = "pose_audio_refine"
#: Coordinate conventions a refiner accepts, and the up axis each hands to the skeleton code.
FRAMES: dict[str, str] = {"mmpose": "z", "z_up": "z", "camera": "-y"}


class RefinerConfigError(KeyError, ValueError):
    """A refiner stanza that cannot be built (unknown ``type``, missing ``_scope_``).

    Subclasses ``KeyError`` (what mmengine raises for an unknown type) and ``ValueError``.
    """

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""


class _RefinerRegistry(Registry):
    """A child registry that names the registered refiners when a ``type`` is not found."""

    def _lookup(self, key):
        try:
            return super().get(key)
        except RuntimeError:  # mmengine's last resort (import by dotted path) failed
            return None

    def get(self, key):
        obj = self._lookup(key)
        if obj is None:
            known = sorted(self._module_dict)
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise RefinerConfigError(f"unknown refiner type {key!r} in scope {SCOPE!r}; registered refiners: "
                                     f"{', '.join(known)}.{hint}")
        return obj

    def __contains__(self, key) -> bool:
        return self._lookup(key) is not None


#: ``pose_audio_refine``'s refiner registry, a child of ``mmpose.registry.MODELS`` (so MMPose's own ``MODELS.build``
#: finds our refiners through the ``_scope_``).
REFINERS = _RefinerRegistry("model", parent=MMPOSE_MODELS, scope=SCOPE, locations=["pose_audio_refine.mmpose"])


# ----------------------------------------------------------------------------------------------------------------
# Refiners

@dataclass(frozen=True)
class RefinedTrack:
    """What every refiner returns.

    Attributes
    ----------
    poses : np.ndarray
        ``(T_out, J, 3)`` or ``(N, T_out, J, 3)``, in the input's units and frame.
    times : np.ndarray
        ``(T_out,)`` seconds from the first input frame.
    fps : float
        Output frame rate (Hz).
    """

    poses: np.ndarray
    times: np.ndarray
    fps: float


def _check_choice(value, name: str, choices) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}, got {value!r}")
    return value


class BaseRefiner:
    """Shared interface: ``refine`` a pose track, or ``refine_data_samples`` of an MMPose 3D inferencer.

    Parameters
    ----------
    skeleton : str
        Joint set of the keypoints (``"h36m"`` for MMPose's 3D lifters).
    units : {"m", "cm", "mm"}
        Units of the keypoints.
    frame : {"mmpose", "z_up", "camera"}
        Coordinate convention (see the module docstring).
    out_fps : float
        Output frame rate (Hz).
    """

    #: Short method name, written into refined prediction files.
    method = "base"

    def __init__(self, *, skeleton: str = "h36m", units: str = "m", frame: str = "mmpose", out_fps: float = 50.0):
        # MMPose's frame is a mirror image: the Refiner un-mirrors it (canonical.to_right_handed) and back
        self.skeleton: Skeleton = get_skeleton(skeleton, units=check_units(units), up_axis=FRAMES[
            _check_choice(frame, "frame", FRAMES)], mirror_y=frame == "mmpose")
        self.units = units
        self.frame = frame
        self.out_fps = check_rate(out_fps, "out_fps")

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(skeleton={self.skeleton.name!r}, units={self.units!r}, "
                f"frame={self.frame!r}, out_fps={self.out_fps:g})")

    # -- input checks shared by every refiner --
    def _check_track(self, poses) -> np.ndarray:
        arr = np.asarray(poses) if not hasattr(poses, "detach") else poses.detach().cpu().numpy()
        if arr.ndim not in (3, 4):
            raise ValueError(f"poses must have shape (T, J, 3) or (N, T, J, 3), got {arr.shape}")
        if arr.shape[-1] == 2:
            raise ValueError(f"poses hold 2D keypoints (shape {arr.shape}); refiners need 3D keypoints (x, y, z)")
        one = arr if arr.ndim == 3 else arr.reshape((-1,) + arr.shape[2:])
        checked = check_poses(one, "poses").reshape(arr.shape)
        n_joints = self.skeleton.num_joints
        if checked.shape[-2] != n_joints:
            raise ValueError(f"poses have {checked.shape[-2]} keypoints per pose but skeleton="
                             f"{self.skeleton.name!r} has {n_joints}; MMPose's 3D lifters output H36M's 17 "
                             "keypoints, other joint sets need their skeleton= in the refiner config")
        return checked

    def refine(self, poses, audio=None, *, fps: float, sr: int | None = None, confidence=None) -> RefinedTrack:
        """Refine one track ``(T, J, 3)`` or a batch ``(N, T, J, 3)`` sampled at ``fps``.

        Parameters
        ----------
        poses : array_like
            Keypoints in ``self.units`` and ``self.frame``; NaN marks missing values.
        audio : str, Path, np.ndarray or None
            Media file or mono signal ``(n_samples,)`` starting with the first frame (used by MAPnet only).
        fps : float
            Frame rate of ``poses`` (Hz).
        sr : int, optional
            Sample rate of an audio array (Hz).
        confidence : array_like, optional
            ``(T, J)``/``(N, T, J)`` keypoint confidences in [0, 1] (used by MAPnet only).

        Returns
        -------
        RefinedTrack
            Poses at ``self.out_fps`` in the input's units and frame.
        """
        raise NotImplementedError

    def refine_data_samples(self, samples: Sequence[PoseDataSample], audio=None, *, fps: float,
                            sr: int | None = None) -> list[PoseDataSample]:
        """Refine per-frame MMPose ``PoseDataSample``\\ s with this refiner; see
        :func:`pose_audio_refine.mmpose.refine_data_samples`."""
        from .samples import refine_data_samples  # the samples module builds on this one

        return refine_data_samples(samples, audio, fps=fps, sr=sr, refiner=self)


class _ClassicalRefiner(BaseRefiner):
    """Smooth at the input rate with :func:`pose_audio_refine.filters.refine_classical`, then upsample."""

    _filter_name = ""

    def __init__(self, *, checkpoint=None, skeleton="h36m", units="m", frame="mmpose", out_fps=50.0, **params):
        # ``checkpoint`` is accepted (None only) so that the documented MAPnet stanza switches with one word.
        if checkpoint is not None:
            raise ValueError(f"{type(self).__name__} has no checkpoint (got {checkpoint!r}); remove checkpoint= "
                             "or use type='MAPnetRefiner'")
        super().__init__(skeleton=skeleton, units=units, frame=frame, out_fps=out_fps)
        self.params = dict(params)
        # Run the filter once on a still pose so that a bad parameter fails when the stanza is built.
        window = self.params.get("window", 0)
        probe = np.zeros((max(64, window + 1 if isinstance(window, int) else 0), 1, 3))
        refine_classical(self._filter_name, probe, 25.0, 50.0, **self.params)

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return super().__repr__()[:-1] + extra + ")"

    def refine(self, poses, audio=None, *, fps, sr=None, confidence=None) -> RefinedTrack:
        x = self._check_track(poses)
        fps = check_rate(fps, "fps")
        batch = x if x.ndim == 4 else x[None]
        mm = convert_units(batch, self.units, "mm")  # filter parameters (1€ beta) are per mm
        outs, times = [], None
        for track in mm:
            out, times = refine_classical(self._filter_name, track, fps, self.out_fps, **self.params)
            outs.append(out)
        res = convert_units(np.stack(outs), "mm", self.units)
        return RefinedTrack(res if x.ndim == 4 else res[0], times, self.out_fps)


class OneEuroRefiner(_ClassicalRefiner):
    """The 1€ filter (``min_cutoff`` Hz, ``beta`` per mm/s, ``d_cutoff`` Hz), then linear upsampling."""

    method = "one_euro"
    _filter_name = "one_euro"

    def __init__(self, *, min_cutoff: float = 1.0, beta: float = 0.01, d_cutoff: float = 1.0, **kwargs):
        super().__init__(min_cutoff=min_cutoff, beta=beta, d_cutoff=d_cutoff, **kwargs)


class SavitzkyGolayRefiner(_ClassicalRefiner):
    """Savitzky-Golay smoothing (odd ``window`` frames, ``polyorder``), then linear upsampling."""

    method = "savgol"
    _filter_name = "savgol"

    def __init__(self, *, window: int = 11, polyorder: int = 3, **kwargs):
        super().__init__(window=window, polyorder=polyorder, **kwargs)


class GaussianRefiner(_ClassicalRefiner):
    """Gaussian smoothing (``sigma`` frames), then linear upsampling."""

    method = "gaussian"
    _filter_name = "gaussian"

    def __init__(self, *, sigma: float = 2.0, **kwargs):
        super().__init__(sigma=sigma, **kwargs)


class MAPnetRefiner(BaseRefiner):
    """Audio-assisted refinement with MAPnet (:class:`pose_audio_refine.refiner.Refiner`).

    Parameters
    ----------
    checkpoint : str or Path, optional
        Weights file (with its ``.json`` sidecar); default: the bundled checkpoint. Loaded on first use.
    skeleton, units, frame, out_fps
        See :class:`BaseRefiner`.
    device : str
        Torch device.
    batch_size : int
        Windows per forward pass.
    trim : bool
        Passed to the engine: allow audio whose duration differs from the predictions' by more than 0.5 s
        (longer audio is cut, shorter audio padded with silence). Within 0.5 s it is always trimmed/padded;
        a file without an audio stream, or silent audio, gives a warning and pose-only refinement. These are
        the :class:`~pose_audio_refine.refiner.Refiner`'s rules, the same for every way in.
    """

    method = "mapnet"

    def __init__(self, *, checkpoint=None, skeleton: str = "h36m", units: str = "m", frame: str = "mmpose",
                 out_fps: float = 50.0, device: str = "cpu", batch_size: int = 64, trim: bool = False):
        super().__init__(skeleton=skeleton, units=units, frame=frame, out_fps=out_fps)
        if checkpoint is not None:
            if not isinstance(checkpoint, (str, Path)):
                raise TypeError(f"checkpoint must be a path or None, got {type(checkpoint).__name__}")
            if not Path(checkpoint).is_file():
                raise FileNotFoundError(f"checkpoint not found: {checkpoint}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        from ..checkpoint import check_device  # lazy: torch only for MAPnet

        check_device(device)  # a device this machine lacks fails when the stanza is built, not mid-run
        self.checkpoint = checkpoint
        self.device = device
        self.batch_size = int(batch_size)
        self.trim = bool(trim)
        self._engine = None

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + f", checkpoint={self.checkpoint!r}, device={self.device!r})"

    @property
    def engine(self):
        """The :class:`pose_audio_refine.refiner.Refiner` (weights loaded on first access)."""
        if self._engine is None:
            from ..refiner import Refiner  # lazy: torch model and weights only when refining

            self._engine = Refiner(checkpoint=self.checkpoint, device=self.device, batch_size=self.batch_size)
        return self._engine

    def refine(self, poses, audio=None, *, fps, sr=None, confidence=None) -> RefinedTrack:
        x = self._check_track(poses)
        fps = check_rate(fps, "fps")
        # Audio length, missing audio stream, silence: the Refiner's rules (one rule for every way in)
        res = self.engine.refine(x, audio, fps=fps, sr=sr, skeleton=self.skeleton, units=self.units,
                                 confidence=confidence, out_fps=self.out_fps, trim=self.trim)
        return RefinedTrack(np.array(res.poses, dtype=np.float64), np.array(res.times, dtype=np.float64), float(res.fps))


for _cls in (MAPnetRefiner, OneEuroRefiner, SavitzkyGolayRefiner, GaussianRefiner):
    REFINERS.register_module(module=_cls)


def _stanza_of(cfg):
    if isinstance(cfg, (str, Path)):
        if not Path(cfg).is_file():
            if str(cfg) in REFINERS.module_dict:
                raise RefinerConfigError(
                    f"build_refiner got {str(cfg)!r}, a refiner type, where it takes a config stanza or a config "
                    f"file: write build_refiner(dict(_scope_={SCOPE!r}, type={str(cfg)!r}))")
            raise FileNotFoundError(f"refiner config file not found: {cfg}")
        try:
            cfg = Config.fromfile(str(cfg))
        except Exception as exc:  # noqa: BLE001 - syntax errors, bad imports, unknown suffixes: all the user's file
            raise RefinerConfigError(f"refiner config {cfg} could not be read: {type(exc).__name__}: {exc}") from None
    if isinstance(cfg, Config):
        if "refiner" not in cfg:
            raise RefinerConfigError(f"config {cfg.filename} has no `refiner` stanza; add e.g. refiner = "
                                     f"dict(_scope_={SCOPE!r}, type='MAPnetRefiner', checkpoint=None, "
                                     "skeleton='h36m', out_fps=50)")
        cfg = cfg.refiner
    if not isinstance(cfg, dict):
        raise TypeError(f"refiner config must be a dict, a Config or a config file, got {type(cfg).__name__}")
    if "type" not in cfg:
        raise RefinerConfigError("refiner stanza has no `type`; registered refiners: "
                                 f"{', '.join(sorted(REFINERS.module_dict))}")
    return ConfigDict(copy.deepcopy(dict(cfg)))


def build_refiner(cfg) -> BaseRefiner:
    """Build a refiner from a config stanza through ``mmpose.registry.MODELS``.

    The same as ``MODELS.build(cfg.refiner)`` with mmpose's ``MODELS``, plus clear errors for the usual
    stanza mistakes.

    Parameters
    ----------
    cfg : dict, ConfigDict, Config, str or Path
        The stanza (``dict(_scope_='pose_audio_refine', type=..., **kwargs)``), or a config (file) holding
        it as ``refiner``.

    Returns
    -------
    BaseRefiner

    Raises
    ------
    RefinerConfigError
        No ``type``, an unknown ``type``, or a stanza without ``_scope_='pose_audio_refine'`` while the
        default scope is another (e.g. ``mmpose``): MMPose's registry would then search its own models
        (importing ``mmpose.models``) and never find ours.
    """
    stanza = _stanza_of(cfg)
    scope = stanza.get("_scope_")
    current = DefaultScope.get_current_instance()
    default = current.scope_name if current is not None else None
    if scope is None and default != SCOPE:
        raise RefinerConfigError(
            f"the refiner stanza (type={stanza['type']!r}) has no _scope_, and the default scope is {default!r}: "
            f"mmpose's MODELS would look for {stanza['type']!r} among MMPose's own models (importing "
            f"mmpose.models) and not find it. Fix: add _scope_={SCOPE!r} to the stanza, e.g. refiner = "
            f"dict(_scope_={SCOPE!r}, type={stanza['type']!r}, ...), and keep "
            f"custom_imports = dict(imports=['pose_audio_refine.mmpose'], allow_failed_imports=False)")
    if scope is not None and scope != SCOPE:
        raise RefinerConfigError(f"refiner stanza has _scope_={scope!r}; our refiners are registered in scope "
                                 f"{SCOPE!r}: set _scope_={SCOPE!r}")
    return MMPOSE_MODELS.build(stanza)


def _as_refiner(refiner) -> BaseRefiner:
    if refiner is None:
        return MAPnetRefiner()
    if isinstance(refiner, BaseRefiner):
        return refiner
    if isinstance(refiner, (dict, Config, str, Path)):
        return build_refiner(refiner)
    raise TypeError(f"refiner must be a BaseRefiner, a config stanza/file or None, got {type(refiner).__name__}")
