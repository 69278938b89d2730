"""Estimator-error models: what a 3D pose estimator does to a clean mocap track.

Two presets (see ``docs/mapdat.md``):

* ``paper`` -- the seed paper's §4.3: Gaussian jitter (σ = 300 mm) and left/right joint swaps arriving
  as a Poisson process (5 / min) that last U(0.5, 3.0) s each.
* ``realistic`` -- modelled on monocular estimators (MediaPipe, VideoPose3D): small frame-to-frame jitter,
  2-3x larger along the camera (depth) axis, temporally correlated drift, a per-track bone-length scale
  error, per-joint error scales (wrists/ankles worst, torso best), motion blur that grows with joint speed
  and exposure (worst for the fast bowing wrist at low frame rates), outlier frames, dropped frames (NaN),
  swaps that favour the arms, and a per-joint confidence that falls where the error is large.

Noise is applied to a track *at the estimator's frame rate*: downsample the ground truth first
(:func:`downsample`), then call :func:`apply_noise`, because an estimator errs once per frame it sees and
its blur depends on its exposure time. Events that live in continuous time (swaps, drop bursts) can be drawn
once with :func:`sample_events` and shared between frame rates so a noise *variant* has the same swaps at
every τ.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field

import numpy as np

from pose_audio_refine.interpolate import interp_track
from pose_audio_refine.skeletons import TELMI13_PAIRS  # noqa: F401  (re-exported: training code imports it here)
from pose_audio_refine.validation import check_poses, check_rate


#: Per-joint error scale for ``telmi13`` in the ``realistic`` preset: torso smallest, wrists and the
#: ankle/toe joints largest (monocular estimators' per-joint error ranking).
TELMI13_JOINT_SCALE: tuple[float, ...] = (0.6, 0.7, 0.7, 1.0, 1.0, 1.6, 1.5, 0.6, 0.6, 0.9, 0.9, 1.4, 1.4)

_JITTER_MODES = ("coordinate", "norm")


@dataclass(frozen=True)
class NoiseConfig:
    """Parameters of an estimator-error model. All lengths in millimetres, times in seconds.

    Attributes
    ----------
    name : str
        Preset name (informational; part of :func:`config_hash`).
    jitter_std_mm : float
        Standard deviation of the white (per-frame, i.i.d.) jitter.
    jitter_mode : {"coordinate", "norm"}
        ``"coordinate"``: every coordinate gets N(0, σ²) independently, so a joint's 3D error has RMS norm
        σ·√3 (the paper's preset uses this reading of "σ = 300 mm"). ``"norm"``: σ is the RMS of the 3D error
        norm, i.e. each coordinate gets N(0, σ²/3).
    depth_axis : int or None
        Axis (0=x, 1=y, 2=z) that points away from the camera. In ``telmi13`` the player faces +y, so a
        camera in front of the player has depth along y (1). ``None``: isotropic.
    depth_factor : float
        Multiplier for jitter/drift along ``depth_axis`` (monocular depth is 2-3x worse).
    joint_scale : tuple of float or None
        Per-joint multiplier of jitter, drift, blur and outlier size; length must equal the number of joints.
    drift_std_mm, drift_tau_s : float
        Per-joint Ornstein-Uhlenbeck drift: stationary std and time constant.
    global_drift_std_mm, global_drift_tau_s : float
        Whole-body OU drift (a shared offset of every joint, e.g. a wrong root depth).
    bone_scale_std : float
        Std of a per-track scale factor applied to every joint's offset from the pelvis (the mean of joints
        ``pelvis_joints``): an estimator that gets the performer's size wrong by a few %.
    pelvis_joints : tuple of int
        Joints whose mean is the centre of the bone-scale error (telmi13: RBWT, LBWT).
    exposure : float
        Motion blur as video makes it: the shutter is open for this fraction of the frame period (0 = off, 1 = a
        360° shutter), ending at the frame's time, and the estimator reports the middle of the smear -- the
        mean position over the exposure (:func:`observe`). Fast motion comes out lagged by half the exposure
        and with its excursion shrunk (a 13 Hz sautillé at 15 fps with a 0.8 exposure keeps ~20 % of it).
    blur_gain, shutter : float
        Random blur error: each joint is displaced along its velocity by ``blur_gain · |v| · shutter / fps · u`` with
        u ~ N(0, 1) plus a quarter of that isotropically, where ``shutter/fps`` is the exposure time. A fast
        wrist at a low frame rate is the worst case.
    outlier_rate : float
        Probability that a frame is an outlier frame; in such a frame each joint is displaced with
        probability ``outlier_joint_prob`` by a random vector of norm U(``outlier_mm``).
    drop_rate : float
        Probability that a frame is dropped (all joints NaN).
    drop_burst_per_min, drop_burst_s : float, (float, float)
        Poisson rate of drop bursts (e.g. the person leaves the frame) and U(lo, hi) burst length.
    swap_per_min, swap_duration_s : float, (float, float)
        Poisson rate of left/right swap events and U(lo, hi) event length.
    swap_pair_weights : tuple of float or None
        Relative probability of each left/right pair being the swapped one (same order as the ``pairs`` given
        to :func:`apply_noise`); ``None``: uniform.
    confidence : bool
        If False every observed joint has confidence 1 (the paper provides none); dropped joints are 0.
    conf_scale_mm : float
        Error norm at which the confidence is 0.5 (``conf = 1 / (1 + (e / conf_scale_mm)²)``, times a
        random factor in [``conf_floor_noise``, 1]).
    conf_floor_noise : float
        Lower bound of the multiplicative confidence noise (an estimator's confidence is only a rough
        indicator of its error).
    """

    name: str = "custom"
    jitter_std_mm: float = 0.0
    jitter_mode: str = "coordinate"
    depth_axis: int | None = None
    depth_factor: float = 1.0
    joint_scale: tuple[float, ...] | None = None
    drift_std_mm: float = 0.0
    drift_tau_s: float = 1.0
    global_drift_std_mm: float = 0.0
    global_drift_tau_s: float = 3.0
    bone_scale_std: float = 0.0
    pelvis_joints: tuple[int, ...] = (7, 8)
    blur_gain: float = 0.0
    shutter: float = 0.5
    exposure: float = 0.0
    outlier_rate: float = 0.0
    outlier_joint_prob: float = 0.5
    outlier_mm: tuple[float, float] = (150.0, 500.0)
    drop_rate: float = 0.0
    drop_burst_per_min: float = 0.0
    drop_burst_s: tuple[float, float] = (0.1, 0.5)
    swap_per_min: float = 0.0
    swap_duration_s: tuple[float, float] = (0.5, 3.0)
    swap_pair_weights: tuple[float, ...] | None = None
    confidence: bool = False
    conf_scale_mm: float = 40.0
    conf_floor_noise: float = 0.8
    variants: int = 10

    def __post_init__(self) -> None:
        if self.jitter_mode not in _JITTER_MODES:
            raise ValueError(f"jitter_mode must be one of {_JITTER_MODES}, got {self.jitter_mode!r}")
        if self.depth_axis is not None and self.depth_axis not in (0, 1, 2):
            raise ValueError(f"depth_axis must be 0, 1, 2 or None, got {self.depth_axis!r}")
        for name in ("jitter_std_mm", "depth_factor", "drift_std_mm", "global_drift_std_mm", "bone_scale_std",
                     "blur_gain", "swap_per_min", "drop_burst_per_min"):
            if not np.isfinite(getattr(self, name)) or getattr(self, name) < 0:
                raise ValueError(f"{name} must be a finite number >= 0, got {getattr(self, name)}")
        for name in ("outlier_rate", "outlier_joint_prob", "drop_rate", "conf_floor_noise", "exposure"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        for name in ("swap_duration_s", "drop_burst_s", "outlier_mm"):
            lo, hi = getattr(self, name)
            if not 0 <= lo <= hi:
                raise ValueError(f"{name} must be (lo, hi) with 0 <= lo <= hi, got {(lo, hi)}")
        if self.drift_tau_s <= 0 or self.global_drift_tau_s <= 0 or self.conf_scale_mm <= 0:
            raise ValueError("drift_tau_s, global_drift_tau_s and conf_scale_mm must be > 0")
        if int(self.variants) < 1:
            raise ValueError(f"variants must be >= 1, got {self.variants}")

    def replace(self, **changes) -> "NoiseConfig":
        """Return a copy with some fields changed (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)


#: The seed paper's §4.3 noise: σ = 300 mm Gaussian jitter per coordinate, 5 swaps / min of U(0.5, 3) s on a
#: uniformly chosen left/right pair, 10 variants per take.
PAPER = NoiseConfig(name="paper", jitter_std_mm=300.0, jitter_mode="coordinate", swap_per_min=5.0,
                    swap_duration_s=(0.5, 3.0), variants=10)

#: A monocular-estimator-like model (MediaPipe / VideoPose3D on good video), telmi13-specific (joint scales,
#: pelvis, swap weights). Pair weights favour the arms (shoulders 1, elbows 2, wrists 3), legs/hips 0.5.
REALISTIC = NoiseConfig(
    name="realistic", jitter_std_mm=4.0, jitter_mode="coordinate", depth_axis=1, depth_factor=2.5,
    joint_scale=TELMI13_JOINT_SCALE, drift_std_mm=12.0, drift_tau_s=0.8, global_drift_std_mm=18.0,
    global_drift_tau_s=3.0, bone_scale_std=0.03, pelvis_joints=(7, 8), blur_gain=0.6, shutter=0.5,
    outlier_rate=0.005, outlier_joint_prob=0.4, outlier_mm=(150.0, 500.0), drop_rate=0.01,
    drop_burst_per_min=1.0, drop_burst_s=(0.1, 0.5), swap_per_min=2.0, swap_duration_s=(0.2, 1.5),
    swap_pair_weights=(1.0, 2.0, 3.0, 0.5, 0.5, 0.5), confidence=True, conf_scale_mm=30.0,
    conf_floor_noise=0.85, variants=10)

#: The levels of the do-no-harm sweep (issue: "clean, 10 mm and 30 mm white jitter, 30 mm jitter with drift and
#: swaps, realistic, paper"). White jitter is stated as the RMS of the 3D error norm.
CLEAN = NoiseConfig(name="clean", variants=1)
WHITE10 = NoiseConfig(name="white10", jitter_std_mm=10.0, jitter_mode="norm", variants=1)
WHITE30 = NoiseConfig(name="white30", jitter_std_mm=30.0, jitter_mode="norm", variants=1)
DRIFT_SWAPS30 = NoiseConfig(name="drift_swaps30", jitter_std_mm=30.0, jitter_mode="norm", drift_std_mm=20.0,
                            drift_tau_s=1.0, global_drift_std_mm=20.0, global_drift_tau_s=3.0, swap_per_min=4.0,
                            swap_duration_s=(0.2, 1.5), variants=1)

#: ``realistic`` plus the motion blur of video (issue "the audio must recover what the poses cannot"): the shutter
#: open 80 % of the frame period, so a fast bowing wrist is lagged and its excursion shrunk, worst at low rates.
REALISTIC_BLUR = REALISTIC.replace(name="realistic_blur", exposure=0.8)

PRESETS: dict[str, NoiseConfig] = {"paper": PAPER, "realistic": REALISTIC, "clean": CLEAN, "white10": WHITE10,
                                   "white30": WHITE30, "drift_swaps30": DRIFT_SWAPS30,
                                   "realistic_blur": REALISTIC_BLUR}
#: The noise sweep of the benchmark, mildest first.
SWEEP: tuple[str, ...] = ("clean", "white10", "white30", "drift_swaps30", "realistic", "paper")


def scale_noise(clean: np.ndarray, track: "NoisyTrack", alpha: float) -> np.ndarray:
    """A track between the clean one (``alpha = 0``) and the noisy one (``alpha = 1``).

    Continuous errors (jitter, drift, blur, outliers, bone scale) are scaled by ``alpha``; a left/right swap is
    all or nothing, so swapped joints keep their partner's noisy position whenever ``alpha > 0``; dropped frames
    stay dropped. Used to train on a continuum of noise levels down to none.

    Parameters
    ----------
    clean : np.ndarray, shape (T, J, 3)
        The clean track the noise was applied to, mm.
    track : NoisyTrack
        :func:`apply_noise`'s result for ``clean``.
    alpha : float
        In [0, 1].

    Returns
    -------
    np.ndarray, shape (T, J, 3)
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    out = clean + alpha * (track.poses - clean)
    if alpha > 0:
        out[track.swap_mask] = track.poses[track.swap_mask]
    return out


def get_preset(name: str) -> NoiseConfig:
    """Return a :class:`NoiseConfig` preset by name (see :data:`PRESETS`)."""
    if name not in PRESETS:
        raise ValueError(f"preset must be one of {sorted(PRESETS)}, got {name!r}")
    return PRESETS[name]


def config_hash(config: NoiseConfig) -> str:
    """A short stable hash of every field of ``config`` (used to tell builds apart)."""
    fields = dataclasses.asdict(config)
    if fields["exposure"] == 0.0:  # added later: left out when off, so older builds keep their hash
        del fields["exposure"]
    blob = json.dumps(fields, sort_keys=True, default=list)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass
class NoiseEvents:
    """Noise events in continuous time, shareable between frame rates of one variant.

    Attributes
    ----------
    swaps : list of (start_s, duration_s, pair_index)
        Left/right swap events; ``pair_index`` indexes the ``pairs`` passed to :func:`apply_noise`.
    drop_bursts : list of (start_s, duration_s)
        Intervals in which every frame is dropped.
    bone_scale : float
        Per-track bone-length scale factor (1 = exact).
    """

    swaps: list = field(default_factory=list)
    drop_bursts: list = field(default_factory=list)
    bone_scale: float = 1.0


@dataclass
class NoisyTrack:
    """What :func:`apply_noise` returns.

    Attributes
    ----------
    poses : np.ndarray
        ``(T, J, 3)`` float64 noisy poses in mm; dropped frames are all-NaN.
    confidence : np.ndarray
        ``(T, J)`` float32 in [0, 1]; 0 where dropped.
    swap_mask : np.ndarray
        ``(T, J)`` bool, True where a joint shows its left/right partner's position.
    drop_mask : np.ndarray
        ``(T,)`` bool, True where the frame was dropped.
    outlier_mask : np.ndarray
        ``(T, J)`` bool, True where a joint got an outlier displacement.
    events : NoiseEvents
        The continuous-time events used.
    """

    poses: np.ndarray
    confidence: np.ndarray
    swap_mask: np.ndarray
    drop_mask: np.ndarray
    outlier_mask: np.ndarray
    events: NoiseEvents


def _poisson_intervals(rng: np.random.Generator, duration_s: float, per_min: float,
                       length_s: tuple[float, float]) -> list[tuple[float, float]]:
    """Start times of a homogeneous Poisson process on [0, duration_s) with U(length_s) lengths."""
    if per_min <= 0 or duration_s <= 0:
        return []
    n = rng.poisson(per_min * duration_s / 60.0)
    # Given the count, Poisson arrival times are i.i.d. uniform: exact and needs no loop.
    starts = np.sort(rng.uniform(0.0, duration_s, size=n))
    lengths = rng.uniform(length_s[0], length_s[1], size=n)
    return [(float(s), float(d)) for s, d in zip(starts, lengths)]


def sample_events(duration_s: float, config: NoiseConfig, rng: np.random.Generator,
                  n_pairs: int = len(TELMI13_PAIRS)) -> NoiseEvents:
    """Draw the continuous-time events of one noise variant.

    Parameters
    ----------
    duration_s : float
        Track duration in seconds.
    config : NoiseConfig
    rng : np.random.Generator
    n_pairs : int
        Number of left/right pairs a swap can pick from.

    Returns
    -------
    NoiseEvents
    """
    duration_s = check_rate(duration_s, "duration_s")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator, got {type(rng).__name__}")
    if n_pairs < 0:
        raise ValueError(f"n_pairs must be >= 0, got {n_pairs}")
    swaps = []
    if n_pairs > 0:
        weights = np.ones(n_pairs) if config.swap_pair_weights is None else np.asarray(config.swap_pair_weights, float)
        if weights.shape != (n_pairs,):
            raise ValueError(f"config.swap_pair_weights has {weights.size} entries but there are {n_pairs} pairs")
        for start, length in _poisson_intervals(rng, duration_s, config.swap_per_min, config.swap_duration_s):
            swaps.append((start, length, int(rng.choice(n_pairs, p=weights / weights.sum()))))
    bursts = _poisson_intervals(rng, duration_s, config.drop_burst_per_min, config.drop_burst_s)
    scale = float(1.0 + config.bone_scale_std * rng.standard_normal()) if config.bone_scale_std > 0 else 1.0
    return NoiseEvents(swaps=swaps, drop_bursts=bursts, bone_scale=scale)


def _ou(rng: np.random.Generator, times: np.ndarray, shape: tuple[int, ...], std: float, tau: float) -> np.ndarray:
    """Stationary Ornstein-Uhlenbeck noise sampled exactly at (possibly irregular) ``times``.

    Returns ``(len(times), *shape)``; std ``std``, correlation exp(-|Δt| / tau).
    """
    z = rng.standard_normal((len(times),) + shape)
    decay = np.exp(-np.diff(times) / tau)
    if len(decay) and np.allclose(decay, decay[0]):
        # Regular sampling: the AR(1) recursion is a first-order IIR filter (much faster than a loop).
        from scipy.signal import lfilter

        e = std * z
        e[1:] *= np.sqrt(1.0 - decay[0] ** 2)
        return lfilter([1.0], [1.0, -decay[0]], e, axis=0)
    out = np.empty_like(z)
    out[0] = std * z[0]
    for k in range(1, len(times)):  # irregular times: exact transition per step
        out[k] = decay[k - 1] * out[k - 1] + std * np.sqrt(1.0 - decay[k - 1] ** 2) * z[k]
    return out


def _check_pairs(pairs, n_joints: int) -> tuple[tuple[int, int], ...]:
    try:
        pairs = tuple((int(a), int(b)) for a, b in pairs)
    except (TypeError, ValueError) as exc:
        raise TypeError("pairs must be a sequence of (left, right) joint-index pairs") from exc
    for a, b in pairs:
        if not (0 <= a < n_joints and 0 <= b < n_joints) or a == b:
            raise ValueError(f"pairs contains {(a, b)}, not two distinct joints of a {n_joints}-joint skeleton")
    return pairs


def apply_noise(poses, fps: float, config: NoiseConfig, rng: np.random.Generator,
                pairs=TELMI13_PAIRS, times=None, events: NoiseEvents | None = None) -> NoisyTrack:
    """Corrupt a clean pose track the way a pose estimator running at ``fps`` would.

    Parameters
    ----------
    poses : array_like
        ``(T, J, 3)`` clean poses in mm at the estimator's frame rate (downsample first). Not modified.
    fps : float
        Frame rate of ``poses`` (sets the exposure time of motion blur and the default ``times``).
    config : NoiseConfig
        Error model, e.g. :data:`PAPER` or :data:`REALISTIC`.
    rng : np.random.Generator
        Source of randomness (seed it for reproducibility).
    pairs : sequence of (int, int)
        Left/right joint pairs a swap can exchange (default: telmi13's six pairs).
    times : array_like, optional
        ``(T,)`` frame times in s (default ``arange(T) / fps``); events are placed on this time axis.
    events : NoiseEvents, optional
        Continuous-time events from :func:`sample_events`; drawn from ``rng`` when omitted. Pass the same
        events for every frame rate of one variant so they share their swaps.

    Returns
    -------
    NoisyTrack
        Noisy poses ``(T, J, 3)`` mm (NaN where dropped), confidence ``(T, J)``, swap mask ``(T, J)``,
        drop mask ``(T,)``, outlier mask ``(T, J)``, and the events.
    """
    x = check_poses(poses, "poses", allow_nan=False)
    fps = check_rate(fps, "fps")
    if not isinstance(config, NoiseConfig):
        raise TypeError(f"config must be a NoiseConfig, got {type(config).__name__}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy Generator, got {type(rng).__name__}")
    n_frames, n_joints, _ = x.shape
    pairs = _check_pairs(pairs, n_joints)
    if times is None:
        times = np.arange(n_frames) / fps
    else:
        times = np.asarray(times, dtype=np.float64)
        if times.shape != (n_frames,) or not np.all(np.isfinite(times)) or np.any(np.diff(times) <= 0):
            raise ValueError(f"times must be ({n_frames},) increasing finite seconds, got shape {times.shape}")
    jscale = np.ones(n_joints) if config.joint_scale is None else np.asarray(config.joint_scale, dtype=np.float64)
    if jscale.shape != (n_joints,):
        raise ValueError(f"config.joint_scale has {jscale.size} entries but poses have {n_joints} joints")
    if events is None:
        duration = max(float(times[-1] - times[0]) + 1.0 / fps, 1.0 / fps)
        events = sample_events(duration, config, rng, len(pairs))
        events = NoiseEvents([(s + times[0], d, p) for s, d, p in events.swaps],
                             [(s + times[0], d) for s, d in events.drop_bursts], events.bone_scale)
    axis_scale = np.ones(3)
    if config.depth_axis is not None:
        axis_scale[config.depth_axis] = config.depth_factor
    # Per-joint, per-axis std multiplier (J, 3).
    scale = jscale[:, None] * axis_scale[None, :]

    clean = x
    noisy = x.copy()
    # 1. Size error: scale every joint's offset from the pelvis (a wrong bone-length estimate).
    if events.bone_scale != 1.0:
        centre = clean[:, list(config.pelvis_joints)].mean(axis=1, keepdims=True)
        noisy = centre + events.bone_scale * (noisy - centre)
    # 2. Swaps: a joint reports its partner's position (applied to the scaled pose, before per-frame noise).
    swap_mask = np.zeros((n_frames, n_joints), dtype=bool)
    for start, length, p in events.swaps:
        if p >= len(pairs):
            raise ValueError(f"events.swaps refers to pair {p} but only {len(pairs)} pairs were given")
        inside = (times >= start) & (times < start + length)
        for j in pairs[p]:
            swap_mask[inside, j] = True  # overlapping events on one pair: still just swapped (OR, not XOR)
    swap_offset = np.zeros_like(noisy)
    if swap_mask.any():
        swapped = noisy.copy()
        for a, b in pairs:
            m = swap_mask[:, a] & swap_mask[:, b]
            swapped[m, a], swapped[m, b] = noisy[m, b], noisy[m, a]
        swap_offset = swapped - noisy
        noisy = swapped
    # Transient error: the part a per-frame confidence can "see" (jitter, blur, outliers, swaps), as
    # opposed to the slowly varying drift and size error an estimator is unaware of.
    transient = np.zeros_like(noisy)
    # 3. White jitter.
    if config.jitter_std_mm > 0:
        sigma = config.jitter_std_mm / (np.sqrt(3.0) if config.jitter_mode == "norm" else 1.0)
        transient += sigma * scale * rng.standard_normal(noisy.shape)
    # 4. Motion blur: error along the velocity, proportional to the distance moved during the exposure.
    if config.blur_gain > 0 and n_frames > 1:
        vel = np.gradient(clean, times, axis=0)  # mm/s, per joint
        smear = vel * (config.shutter / fps)
        transient += config.blur_gain * jscale[None, :, None] * (
            smear * rng.standard_normal((n_frames, n_joints, 1))
            + 0.25 * np.linalg.norm(smear, axis=-1, keepdims=True) * rng.standard_normal(noisy.shape))
    # 5. Outlier frames: some joints jump far away.
    outlier_mask = np.zeros((n_frames, n_joints), dtype=bool)
    if config.outlier_rate > 0:
        frames = rng.random(n_frames) < config.outlier_rate
        outlier_mask = frames[:, None] & (rng.random((n_frames, n_joints)) < config.outlier_joint_prob)
        k = int(outlier_mask.sum())
        if k:
            direction = rng.standard_normal((k, 3))
            direction /= np.linalg.norm(direction, axis=1, keepdims=True)
            size = rng.uniform(*config.outlier_mm, size=(k, 1)) * jscale[np.nonzero(outlier_mask)[1]][:, None]
            transient[outlier_mask] += direction * size
    noisy = noisy + transient
    # 6. Slow drift (per joint and whole body), correlated in time.
    joint_drift = np.zeros_like(noisy)
    if config.drift_std_mm > 0:
        joint_drift = _ou(rng, times, (n_joints, 3), config.drift_std_mm, config.drift_tau_s) * scale
        noisy += joint_drift
    if config.global_drift_std_mm > 0:
        noisy += _ou(rng, times, (1, 3), config.global_drift_std_mm, config.global_drift_tau_s) * axis_scale
    # 7. Confidence from the per-joint error (what the estimator's heatmaps can notice: jitter, blur,
    # outliers, swaps, a joint's own drift); the whole-body drift and the size error stay invisible to it.
    if config.confidence:
        err = np.linalg.norm(transient + swap_offset + joint_drift, axis=-1)
        confidence = 1.0 / (1.0 + (err / config.conf_scale_mm) ** 2)
        confidence *= rng.uniform(config.conf_floor_noise, 1.0, size=confidence.shape)
    else:
        confidence = np.ones((n_frames, n_joints))
    # 8. Dropped frames: NaN everywhere, confidence 0.
    drop_mask = np.zeros(n_frames, dtype=bool)
    if config.drop_rate > 0:
        drop_mask |= rng.random(n_frames) < config.drop_rate
    for start, length in events.drop_bursts:
        drop_mask |= (times >= start) & (times < start + length)
    if drop_mask.all():
        drop_mask[rng.integers(n_frames)] = False  # keep one frame so the track is never all-NaN
    noisy[drop_mask] = np.nan
    confidence[drop_mask] = 0.0
    return NoisyTrack(poses=noisy, confidence=confidence.astype(np.float32), swap_mask=swap_mask,
                      drop_mask=drop_mask, outlier_mask=outlier_mask, events=events)


def downsample(poses, fps_in: float = 50.0, fps_out: float = 25.0, method: str = "linear",
               start_s: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Resample a ground-truth track to an estimator's frame rate.

    Output frames sit at ``times = start_s + k / fps_out`` for every ``k`` with ``times <= (T-1)/fps_in``.
    When ``fps_in / fps_out`` is an integer these fall exactly on input frames (plain decimation, e.g.
    50 -> 25 fps). Otherwise (50 -> 17 fps) ``method="linear"`` interpolates the ground truth linearly
    between its two neighbouring frames (at 50 fps the interpolation error is far below estimator noise)
    and ``method="nearest"`` takes the nearest ground-truth frame (exact mocap samples, but with up to
    ``0.5 / fps_in`` of timing error).

    Parameters
    ----------
    poses : array_like
        ``(T, J, 3)`` ground truth in mm at ``fps_in``. Not modified.
    fps_in, fps_out : float
        Input and output rates (Hz); ``fps_out`` in (0, fps_in].
    method : {"linear", "nearest"}
    start_s : float
        Time of the first output frame, relative to input frame 0.

    Returns
    -------
    poses_out : np.ndarray
        ``(T_out, J, 3)`` float64 mm.
    times : np.ndarray
        ``(T_out,)`` sample times in s (relative to input frame 0).
    """
    x = check_poses(poses, "poses", allow_nan=False)
    fps_in = check_rate(fps_in, "fps_in")
    fps_out = check_rate(fps_out, "fps_out", high=fps_in)
    if method not in ("linear", "nearest"):
        raise ValueError(f"method must be 'linear' or 'nearest', got {method!r}")
    t_end = (x.shape[0] - 1) / fps_in
    if not 0 <= start_s <= t_end:
        raise ValueError(f"start_s must be in [0, {t_end}] s, got {start_s}")
    n_out = int(np.floor((t_end - start_s) * fps_out + 1e-9)) + 1
    times = start_s + np.arange(n_out) / fps_out
    pos = times * fps_in
    near = np.rint(pos)
    if method == "nearest" or np.allclose(pos, near, atol=1e-6):
        return x[near.astype(int)].copy(), times
    lo = np.clip(np.floor(pos).astype(int), 0, x.shape[0] - 2)
    w = (pos - lo)[:, None, None]
    return (1.0 - w) * x[lo] + w * x[lo + 1], times


#: Sub-samples per exposure when averaging the ground truth over it.
EXPOSURE_SUBSAMPLES = 9


def observe(poses, fps_in: float, fps_out: float, config: NoiseConfig, start_s: float = 0.0
            ) -> tuple[np.ndarray, np.ndarray]:
    """What a camera at ``fps_out`` records of a ground-truth track: :func:`downsample`, then the motion blur of
    ``config.exposure`` (each frame the mean of the track over the exposure that ends at the frame's time).

    Parameters
    ----------
    poses : array_like
        ``(T, J, 3)`` ground truth in mm at ``fps_in``. Not modified.
    fps_in, fps_out : float
        Ground-truth and camera rates (Hz), ``fps_out <= fps_in``.
    config : NoiseConfig
        Supplies ``exposure`` (0: plain :func:`downsample`, bit for bit).
    start_s : float
        Time of the first camera frame, s.

    Returns
    -------
    poses_out : np.ndarray
        ``(T_out, J, 3)`` float64 mm.
    times : np.ndarray
        ``(T_out,)`` frame times in s.
    """
    sparse, times = downsample(poses, fps_in, fps_out, start_s=start_s)
    if config.exposure <= 0:
        return sparse, times
    x = np.asarray(poses, dtype=np.float64)
    offsets = (np.arange(EXPOSURE_SUBSAMPLES) + 0.5) / EXPOSURE_SUBSAMPLES * config.exposure / fps_out
    sub = (times[:, None] - offsets[None, :]).ravel()  # before the first frame the track is held
    smeared = interp_track(x, np.arange(x.shape[0]) / fps_in, sub)
    return smeared.reshape((times.size, EXPOSURE_SUBSAMPLES) + x.shape[1:]).mean(axis=1), times


def mpjpe(pred, target) -> float:
    """Mean per-joint position error (mm) over the joints observed in both (NaN ignored)."""
    p = np.asarray(pred, dtype=np.float64)
    t = np.asarray(target, dtype=np.float64)
    if p.shape != t.shape:
        raise ValueError(f"pred and target shapes differ: {p.shape} vs {t.shape}")
    err = np.linalg.norm(p - t, axis=-1)
    if np.isnan(err).all():
        raise ValueError("pred has no observed joint")
    return float(np.nanmean(err))
