"""MAPnet (seed paper §3): music-assisted refinement of sparse, noisy 3D pose windows.

Data flow for one 3 s window (shapes without the batch axis)::

    poses (T_in, 13, 3) mm --normalise, fill NaN--> (T_in, 39 + 13 validity) --Linear--> (T_in, H1) + PE
        --pose transformer--> --rebalance--> (H2, H1) ─┐
    audio (150, 35)        --Linear--> (150, H1) + PE  │ concat -> (2·H2, H1) --fusion transformer (no PE)-->
        --audio transformer--> --rebalance--> (H2, H1) ┘
    --3 FC layers--> (T_out=150, 39) --de-normalise--> (150, 13, 3) mm at 50 fps

Normalisation: every window is centred on the mean of its observed joint positions and divided by
``pose_scale`` (1000 mm); the output is multiplied back and re-centred, so the model's input and output are
millimetres in the caller's frame.

Missing input (NaN joints/frames): filled by linear interpolation in time between observed frames (edges held;
a joint never seen in the window sits at the window centre), and 13 extra input channels carry the per-joint
validity so the model knows which values were invented.

Options beyond the paper (each off by default, each a measured row in the README or the model card):
``audio_norm`` standardises the 35 columns, ``loudness_integral`` appends the signed loudness integral (a trace of
the bow along the stroke), and ``residual="gated"`` predicts ``correction + gate * smoothed input`` instead of the
poses.

The shuffled-audio control (audio from a different take at test time) needs nothing here: pass another window's
``audio`` to :meth:`MAPnet.forward`.
"""
from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

from ..audio.features import FEATURE_MEAN, FEATURE_STD, ONSET_PEAKS, RMS
from ..audio.level import LEVEL_FEATURE_MEAN, LEVEL_FEATURE_STD, relative_level
from .audio_detail import DETAIL_MAX_MM, AudioDetail, audio_present
from .correction import (IDENTITY_LOGIT, MAX_GAIN, NOISE_FLOOR_MM, bounded_correction, evident_noise, mean_free,
                         root_relative, smoothing_mixture)
from .layers import (PositionalEncoding, Rebalance, TransformerStack, default_times, denormalize_poses,
                     gaussian_time, interp_time, normalize_poses, unswap_pairs)
from ..skeletons import TELMI13_JOINTS, TELMI13_PAIRS


RMS_COLUMN, ONSET_PEAK_COLUMN = RMS.start, ONSET_PEAKS.start

#: The window every model works on: 3 s, 150 output frames at 50 fps, 13 telmi13 joints, 150 x 35 audio features,
#: poses normalised by 1000 mm.
WINDOW_S, OUT_FPS, T_OUT = 3.0, 50.0, 150
N_JOINTS, AUDIO_FRAMES, AUDIO_DIM, POSE_SCALE = len(TELMI13_JOINTS), 150, len(FEATURE_MEAN), 1000.0

__all__ = ["MAPnet", "signed_loudness_integral", "FUSION_LAYERS", "MAPNET_PRESETS", "mapnet_config", "OutputHead",
           "check_model_inputs", "WINDOW_S", "OUT_FPS", "T_OUT", "N_JOINTS", "AUDIO_FRAMES", "AUDIO_DIM", "POSE_SCALE"]

#: (pose/audio layers, fusion layers) of the paper's fusion ablation (Table 4).
FUSION_LAYERS: dict[str, tuple[int, int]] = {"early": (2, 12), "balanced": (7, 7), "late": (12, 2)}

#: Sizes: the paper's (H1=160, H2=150, late fusion, as in Table 2) and a small one that trains on a CPU.
MAPNET_PRESETS: dict[str, dict] = {
    "paper": dict(h1=160, h2=150, n_heads=8, pose_layers=12, audio_layers=12, fusion_layers=2),
    "small": dict(h1=64, h2=50, n_heads=4, pose_layers=2, audio_layers=2, fusion_layers=2),
}


def mapnet_config(size: str = "small", fusion: str | None = None, **overrides) -> dict:
    """Keyword arguments of :class:`MAPnet` for a preset.

    Parameters
    ----------
    size : {"paper", "small"}
        Width/depth preset (:data:`MAPNET_PRESETS`).
    fusion : {"early", "balanced", "late"}, optional
        Replace the layer counts by the paper's fusion ablation (:data:`FUSION_LAYERS`).
    **overrides
        Any other :class:`MAPnet` argument (``rebalance=False``, ``residual="gated"``, ...).
    """
    if size not in MAPNET_PRESETS:
        raise ValueError(f"size must be one of {sorted(MAPNET_PRESETS)}, got {size!r}")
    cfg = dict(MAPNET_PRESETS[size])
    if fusion is not None:
        if fusion not in FUSION_LAYERS:
            raise ValueError(f"fusion must be one of {sorted(FUSION_LAYERS)}, got {fusion!r}")
        branch, fuse = FUSION_LAYERS[fusion]
        cfg.update(pose_layers=branch, audio_layers=branch, fusion_layers=fuse)
    cfg.update(overrides)
    return cfg


class OutputHead(nn.Module):
    """The three fully connected layers: ``(B, L, H1) -> (B, T_out, out_dim)``.

    FC1 mixes features per token (H1 -> H1), FC2 maps the token axis to the output frames (L -> T_out),
    FC3 maps features to coordinates (H1 -> out_dim); GELU between them.
    """

    def __init__(self, length: int, dim: int, t_out: int, out_dim: int, small_init: bool = False):
        super().__init__()
        self.fc1 = nn.Linear(dim, dim)
        self.fc2 = nn.Linear(length, t_out)
        self.fc3 = nn.Linear(dim, out_dim)
        if small_init:  # residual models start close to the interpolated input
            nn.init.normal_(self.fc3.weight, std=1e-3)
            nn.init.zeros_(self.fc3.bias)

    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, L, H1) -> (B, T_out, H1)``: the per-output-frame features before FC3."""
        x = F.gelu(self.fc1(x))
        return F.gelu(self.fc2(x.transpose(1, 2)).transpose(1, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc3(self.hidden(x))


def check_model_inputs(poses: torch.Tensor, input_times: torch.Tensor | None, n_joints: int, window_s: float
                       ) -> torch.Tensor:
    """Validate ``poses`` ``(B, T, J, 3)`` and return timestamps ``(B, T)`` or ``(T,)`` in seconds.

    Without ``input_times`` the ``T`` frames are taken to fill the window evenly (``T / window_s`` fps).
    """
    if not isinstance(poses, torch.Tensor) or not poses.is_floating_point():
        raise TypeError(f"poses must be a floating-point torch.Tensor, got {type(poses).__name__}")
    if poses.ndim != 4 or poses.shape[2] != n_joints or poses.shape[3] != 3:
        raise ValueError(f"poses must be (B, T_in, {n_joints}, 3), got {tuple(poses.shape)}")
    if poses.shape[1] < 1:
        raise ValueError("poses has no frames")
    if torch.isinf(poses).any():
        raise ValueError("poses contains inf values")
    B, T = poses.shape[:2]
    if input_times is None:
        return default_times(T, window_s, poses.device, poses.dtype)
    if not isinstance(input_times, torch.Tensor):
        input_times = torch.as_tensor(input_times, dtype=poses.dtype, device=poses.device)
    if input_times.shape not in ((T,), (B, T)):
        raise ValueError(f"input_times must be ({T},) or ({B}, {T}) seconds, got {tuple(input_times.shape)}")
    if not torch.isfinite(input_times).all():
        raise ValueError("input_times must be finite")
    if T > 1 and (torch.diff(input_times, dim=-1) <= 0).any():
        raise ValueError("input_times must be strictly increasing")
    return input_times.to(device=poses.device, dtype=poses.dtype)


#: Scale of :func:`signed_loudness_integral`'s output: the integral of a typical RMS (0.05) over 0.5 s at 50 fps.
LOUDNESS_INTEGRAL_SCALE = 1.25


def signed_loudness_integral(audio: torch.Tensor, scale: float = LOUDNESS_INTEGRAL_SCALE) -> torch.Tensor:
    """Running sum of RMS whose sign flips at every picked onset, mean removed, in units of
    :data:`LOUDNESS_INTEGRAL_SCALE`.

    On a bowed string the RMS follows bow speed and a bow change is an onset, so the result is proportional
    to bow position along the stroke up to an unknown sign and scale (the pose input supplies both). Slurred
    note changes are onsets without a bow change and flip it wrongly; the network learns how far to trust it.

    Parameters
    ----------
    audio : torch.Tensor
        ``(B, T, 35)`` raw (unstandardised) features in :data:`pose_audio_refine.audio.FEATURE_NAMES` order;
        uses ``onset_peak`` (column 33) and ``rms`` (column 34).

    Returns
    -------
    torch.Tensor
        ``(B, T)``; zeros for all-zero (absent or dropped) audio.
    """
    rms, onset = audio[..., RMS_COLUMN], audio[..., ONSET_PEAK_COLUMN] > 0.5
    sign = 1.0 - 2.0 * torch.remainder(torch.cumsum(onset.to(audio.dtype), dim=1), 2.0)
    z = torch.cumsum(rms * sign, dim=1)
    return (z - z.mean(dim=1, keepdim=True)) / scale


class MAPnet(nn.Module):
    """Music Assisted Pose network (paper §3) with the options the configs in ``configs/`` use.

    The window is fixed: 3 s, ``T_OUT = 150`` output frames at 50 fps, 13 telmi13 joints, 150 × 35 audio
    features (:data:`WINDOW_S`, :data:`OUT_FPS`, :data:`T_OUT`, :data:`N_JOINTS`, :data:`AUDIO_FRAMES`,
    :data:`AUDIO_DIM`); the instance carries them as attributes (``t_out``, ``n_joints``, ...). Options that were
    measured and dropped (the "mix" and sigmoid gates, the "smooth" residual, attention/interpolation
    rebalancing with a time-aware encoding, pre-norm layers, no validity channel) are listed with their numbers in
    ``pose_audio_refine/weights/MODEL_CARD.md``.

    Parameters
    ----------
    t_in : int
        Input frames per window (150 on the 50 fps grid; 75/51 for native 25/17 fps input over 3 s).
    h1, h2 : int
        Embedding width and rebalanced length (paper: 160, 150).
    n_heads : int
        Attention heads in every transformer.
    pose_layers, audio_layers, fusion_layers : int
        Transformer depths (paper, late fusion: 12, 12, 2; see :data:`FUSION_LAYERS`).
    ff_dim : int, optional
        Feed-forward width (default ``4 * h1``).
    dropout : float
        Dropout inside the transformers (post-norm layers, as the paper).
    rebalance : bool
        With rebalancing (paper) the fusion input is ``(2·H2, H1)``: a learned linear map over time per branch
        (:class:`~pose_audio_refine.models.layers.Rebalance`); without, pose and audio tokens are concatenated along
        time, ``(T_in + 150, H1)``, and the head maps from that length.
    residual : {False, True, "gated", "correction"}
        False: the paper's head predicts the poses. "correction" (the shipped model, do no harm): the input
        interpolated to the output times plus a correction that is bounded by the window's evident noise per
        joint and mean-free over the window (:mod:`pose_audio_refine.models.correction`), with the pose fed
        root-relative per frame plus the root's path: a zero correction is exactly the identity, a clean input
        cannot be moved, and the body is never relocated. "gated" (the model shipped before): ``net + g * base`` with a
        per-frame, per-coordinate gate ``g = hardsigmoid(logit)`` that the net predicts (starting at 0.98, able to
        open completely), ``base`` the input linearly interpolated to the output times and Gaussian-smoothed over
        ``residual_sigma_s``. True: a correction of that interpolation, unsmoothed and ungated; with its small
        initial output layer an untrained net returns its input's interpolation (the tests' and the random-init
        benchmark's fixture; trained, it never left the interpolation's error on the paper's noise).
    residual_gate : {"hard"}, optional
        The gate of ``residual="gated"``, which needs it: "hard", the only gate left. It is required rather than
        defaulted because a config or sidecar without it meant the dropped sigmoid gate, whose weights must not
        load as a hard-gated net.
    residual_sigma_s : float
        Width (s, standard deviation) of the gated residual's Gaussian base.
    residual_unswap : bool
        With ``residual="gated"``: undo left/right swaps in the interpolated input (:func:`unswap_pairs`, telmi13
        pairs) before smoothing it into the base, so the base does not carry the estimator's swaps into the output.
    audio_dropout : float
        Training only: probability that a sample's audio features are replaced by zeros, which is also what
        ``audio=None`` feeds, so the model learns to work pose-only.
    audio_norm : bool
        Standardise the 35 audio columns with the reference statistics
        (:data:`pose_audio_refine.audio.FEATURE_MEAN` / ``FEATURE_STD``, stored in the state_dict) before the
        audio embedding. Off reproduces the paper's raw features, whose scales differ by 10^4 (mfcc_0 drowns
        out rms and the onsets). Zeroed audio (dropout, ``audio=None``) stays zeros *after* standardising, so
        "no audio" is the same input either way.
    loudness_integral : bool
        Append one derived audio channel: the running sum of RMS over the window with its sign flipped at every
        picked onset, mean removed (:func:`signed_loudness_integral`). On a bowed string, RMS follows bow
        speed and bow changes are onsets, so this traces the bow -- and the bowing wrist -- along the stroke
        (|r| 0.80 median against the simulated wrist's main motion axis over 3 s windows).
    use_audio : bool
        False builds no audio branch (the pose-only transformer baseline, PoT).
    smoothing_sigmas_s : tuple of float, optional
        With ``residual="correction"``: the widths (s) of the smoothing bank the net mixes with its input
        (:func:`~pose_audio_refine.models.correction.smoothing_mixture`); None: no bank.
    audio_detail : bool
        With ``residual="correction"`` and audio: add the audio-driven detail
        (:class:`~pose_audio_refine.models.audio_detail.AudioDetail`), a bounded, mean-free displacement that is
        exactly zero without audio -- the fast strokes an aliased, blurred pose track misses.
    audio_level : bool
        Make the audio features gain-invariant per window before standardising them
        (:func:`pose_audio_refine.audio.relative_level`): real recordings have other gains than the simulator's.
    detail_extra_dilations : tuple of int
        With ``audio_detail``: more identity-initialised blocks for the detail's convolution
        (:class:`~pose_audio_refine.models.audio_detail.AudioDetail` ``extra_dilations``), widening its view.
    """

    #: The fixed window (see the class docstring); instance attributes too, for code that reads them off a net.
    t_out, n_joints, audio_frames, audio_dim = T_OUT, N_JOINTS, AUDIO_FRAMES, AUDIO_DIM
    window_s, out_fps, pose_scale = WINDOW_S, OUT_FPS, POSE_SCALE

    def __init__(self, t_in: int = 150, h1: int = 160, h2: int = 150, n_heads: int = 8, pose_layers: int = 12,
                 audio_layers: int = 12, fusion_layers: int = 2, ff_dim: int | None = None, dropout: float = 0.1,
                 rebalance: bool = True, residual: bool | str = False, residual_gate: str | None = None,
                 residual_sigma_s: float = 0.04, residual_unswap: bool = False, audio_dropout: float = 0.0,
                 audio_norm: bool = False, loudness_integral: bool = False, use_audio: bool = True,
                 smoothing_sigmas_s: tuple[float, ...] | None = None, audio_detail: bool = False,
                 audio_level: bool = False, detail_extra_dilations: tuple[int, ...] = ()):
        super().__init__()
        if not 0.0 <= audio_dropout <= 1.0:
            raise ValueError(f"audio_dropout must be in [0, 1], got {audio_dropout}")
        if t_in is None or int(t_in) < 1:
            raise ValueError(f"t_in (input frames per window) must be an int >= 1, got {t_in!r}")
        if residual not in (False, True, "gated", "correction"):
            raise ValueError(f"residual must be False, True, 'gated' or 'correction', got {residual!r} ('interp' is True; "
                             "'smooth' was dropped: see pose_audio_refine/weights/MODEL_CARD.md)")
        if residual_gate not in (None, "hard") or (residual == "gated" and residual_gate is None):
            raise ValueError(f"residual='gated' takes residual_gate='hard', got {residual_gate!r} (the 'sigmoid' "
                             "gate, the default before, and the 'mix' gate were dropped: see "
                             "pose_audio_refine/weights/MODEL_CARD.md)")
        if residual_sigma_s < 0:
            raise ValueError(f"residual_sigma_s must be >= 0 s, got {residual_sigma_s}")
        self.t_in = int(t_in)
        self.residual_mode = {True: "interp", False: None}.get(residual, residual)
        self.residual_gate = residual_gate
        self.residual_sigma = float(residual_sigma_s) * float(self.out_fps)  # in output frames
        self.residual_unswap = bool(residual_unswap)
        self.rebalance, self.residual, self.use_audio = bool(rebalance), bool(residual), bool(use_audio)
        self.audio_dropout = float(audio_dropout)
        self.audio_norm = bool(audio_norm) and bool(use_audio)
        self.loudness_integral = bool(loudness_integral) and bool(use_audio)

        n_joints = self.n_joints
        self.root_relative = self.residual_mode == "correction"
        # 39 coordinates + 13 validity channels (+ the root's path, 3, when the pose is fed root-relative)
        self.pose_embed = nn.Linear(n_joints * 4 + 3 * int(self.root_relative), h1)
        self.pose_pe = PositionalEncoding(h1)
        self.pose_tf = TransformerStack(h1, pose_layers, n_heads, ff_dim, dropout)
        self.pose_rebalance = Rebalance(h1, h2, self.t_in) if rebalance else None
        length = h2 if rebalance else self.t_in
        if use_audio:
            self.audio_embed = nn.Linear(self.audio_dim + int(self.loudness_integral), h1)
            self.audio_pe = PositionalEncoding(h1)
            self.audio_tf = TransformerStack(h1, audio_layers, n_heads, ff_dim, dropout)
            self.audio_rebalance = Rebalance(h1, h2, self.audio_frames) if rebalance else None
            if self.audio_norm:  # the statistics of the columns as the net sees them (raw or level-relative)
                mean, std = (LEVEL_FEATURE_MEAN, LEVEL_FEATURE_STD) if audio_level else (FEATURE_MEAN, FEATURE_STD)
                self.register_buffer("audio_mean", torch.tensor(mean, dtype=torch.float32))
                self.register_buffer("audio_std", torch.tensor(std, dtype=torch.float32))
            length += h2 if rebalance else self.audio_frames
        self.fusion_tf = TransformerStack(h1, fusion_layers, n_heads, ff_dim, dropout)
        gated = self.residual_mode == "gated"
        if smoothing_sigmas_s is not None and (self.residual_mode != "correction" or not len(smoothing_sigmas_s)
                                               or min(smoothing_sigmas_s) <= 0):
            raise ValueError(f"smoothing_sigmas_s needs residual='correction' and widths > 0 s, got "
                             f"{smoothing_sigmas_s!r}")
        self.smoothing_sigmas = None if smoothing_sigmas_s is None else \
            tuple(float(s) * float(self.out_fps) for s in smoothing_sigmas_s)  # in output frames
        n_bank = 0 if self.smoothing_sigmas is None else n_joints * (len(self.smoothing_sigmas) + 1)
        self.head = OutputHead(length, h1, self.t_out, n_joints * 3 * (2 if gated else 1) + n_bank,
                               small_init=bool(residual))
        if n_bank:  # the bank starts at the identity: an untrained net returns its input
            nn.init.constant_(self.head.fc3.bias[n_joints * 3::len(self.smoothing_sigmas) + 1], IDENTITY_LOGIT)
        if gated:  # gates start open (hardsigmoid(2.9) = 0.98): the net begins as the smoother it can then overrule
            nn.init.constant_(self.head.fc3.bias[n_joints * 3:], 2.9)
        if audio_detail and (self.residual_mode != "correction" or not use_audio):
            raise ValueError("audio_detail needs residual='correction' and use_audio=True")
        self.audio_level = bool(audio_level) and bool(use_audio)
        self.detail = None
        if audio_detail:
            a_dim = self.audio_dim + int(self.loudness_integral)
            self.detail = AudioDetail(a_dim + n_joints * 3 + 3 + h1, n_joints,
                                      max_disp=DETAIL_MAX_MM / self.pose_scale,
                                      extra_dilations=tuple(detail_extra_dilations))
        self.register_buffer("output_times", torch.arange(self.t_out, dtype=torch.float32) / self.out_fps,
                             persistent=False)

    # ------------------------------------------------------------------------------------------------------------
    def _prepare_audio(self, audio: torch.Tensor | None, batch: int, ref: torch.Tensor) -> torch.Tensor:
        shape = (batch, self.audio_frames, self.audio_dim)
        if audio is None:  # pose-only use: the same zeros that audio dropout trains on
            return ref.new_zeros(shape[:2] + (shape[2] + int(self.loudness_integral),))
        if not isinstance(audio, torch.Tensor):
            raise TypeError(f"audio must be a torch.Tensor or None, got {type(audio).__name__}")
        if tuple(audio.shape) != shape:
            raise ValueError(f"audio must be {shape} (batch, frames, features), got {tuple(audio.shape)}")
        audio = torch.nan_to_num(audio.to(ref.dtype), nan=0.0, posinf=0.0, neginf=0.0)
        # all-zero rows are "no audio" (the Refiner pads a short soundtrack with them, silent sets store them):
        # they must reach the network as zeros, as audio=None and dropout do, not as standardised constants
        heard = (audio.abs().amax(dim=-1, keepdim=True) > 0).to(audio.dtype)  # (B, T, 1)
        if self.audio_level:
            audio = relative_level(audio)
        raw = audio
        if self.audio_norm:
            audio = (audio - self.audio_mean.to(ref.dtype)) / self.audio_std.to(ref.dtype)
        if self.loudness_integral:
            # on level-relative audio the RMS column is ~10x the raw one (its mean over the simulator's audio)
            scale = LOUDNESS_INTEGRAL_SCALE * (LEVEL_FEATURE_MEAN[RMS_COLUMN] / FEATURE_MEAN[RMS_COLUMN]
                                               if self.audio_level else 1.0)
            audio = torch.cat((audio, signed_loudness_integral(raw, scale).unsqueeze(-1)), dim=-1)
        audio = audio * heard
        if self.training and self.audio_dropout > 0:
            keep = (torch.rand(batch, 1, 1, device=audio.device) >= self.audio_dropout).to(audio.dtype)
            audio = audio * keep
        return audio

    def forward(self, poses: torch.Tensor, audio: torch.Tensor | None = None,
                input_times: torch.Tensor | None = None, *, return_detail: bool = False
                ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """Refine a batch of windows.

        Parameters
        ----------
        poses : torch.Tensor
            ``(B, T_in, 13, 3)`` noisy poses, mm; NaN marks missing joints/frames.
        audio : torch.Tensor, optional
            ``(B, 150, 35)`` audio features of the same 3 s windows (§3.4). None: zeros (pose-only).
            Ignored when ``use_audio=False``.
        input_times : torch.Tensor, optional
            ``(B, T_in)`` or ``(T_in,)`` timestamps (s) of the input frames inside the window; default: the
            frames fill the window evenly. Used by the residual base and NaN filling.
        return_detail : bool
            Also return the audio-driven detail on its own (zeros for a net without one), so that the pipeline
            can smooth the rest of the correction without smoothing away the bow changes the sound put in.

        Returns
        -------
        torch.Tensor
            ``(B, T_out, 13, 3)`` refined poses at ``out_fps``, mm, frame ``k`` at ``k / out_fps`` s.
        torch.Tensor, only with ``return_detail``
            ``(B, T_out, 13, 3)`` mm: the part of the output's change that the audio detail made (already included
            in the poses).
        """
        times = check_model_inputs(poses, input_times, self.n_joints, self.window_s)
        B, T = poses.shape[:2]
        if T != self.t_in:
            raise ValueError(f"this model was built for t_in={self.t_in} input frames, got {T}")
        x, valid, center = normalize_poses(poses, self.pose_scale, times)
        if self.root_relative:
            pose, root = root_relative(x)
            feat = torch.cat((pose.flatten(2), root, valid.to(x.dtype)), dim=-1)
        else:
            feat = torch.cat((x.flatten(2), valid.to(x.dtype)), dim=-1)
        p = self.pose_tf(self.pose_pe(self.pose_embed(feat)))
        tokens = [self.pose_rebalance(p) if self.rebalance else p]
        if self.use_audio:
            a_in = self._prepare_audio(audio, B, feat)
            a = self.audio_tf(self.audio_pe(self.audio_embed(a_in)))
            tokens.append(self.audio_rebalance(a) if self.rebalance else a)
        hidden = self.head.hidden(self.fusion_tf(torch.cat(tokens, dim=1)))
        out = self.head.fc3(hidden)
        if self.residual:
            base = interp_time(x.flatten(2), times, self.output_times.to(x.dtype))
            if self.residual_mode == "correction":
                b4 = base.view(B, self.t_out, self.n_joints, 3)
                noise = evident_noise(b4 * self.pose_scale).clamp_min(NOISE_FLOOR_MM) / self.pose_scale
                head, bank = out[..., :self.n_joints * 3], out[..., self.n_joints * 3:]
                delta = bounded_correction(head.view(B, self.t_out, self.n_joints, 3), noise)
                if self.smoothing_sigmas is not None:
                    logits = bank.view(B, self.t_out, self.n_joints, len(self.smoothing_sigmas) + 1)
                    mix = smoothing_mixture(b4, logits, self.smoothing_sigmas)
                    bound = noise * MAX_GAIN  # the same do-no-harm bound as the correction's
                    delta = delta + mean_free(bound * torch.tanh(mix / bound))
                detail = torch.zeros_like(delta)
                if self.detail is not None:
                    pose_b, root_b = root_relative(b4)
                    ctx = torch.cat((a_in, pose_b.flatten(2), root_b, hidden), dim=-1)
                    detail = audio_present(a_in) * mean_free(self.detail(ctx))
                out = denormalize_poses(b4 + (delta + detail), center, self.pose_scale)
                return (out, detail * self.pose_scale) if return_detail else out
            if self.residual_mode == "gated":
                if self.residual_unswap:
                    base = unswap_pairs(base.view(B, self.t_out, self.n_joints, 3), TELMI13_PAIRS).flatten(2)
                base = gaussian_time(base, self.residual_sigma)
                out, gate = out.chunk(2, dim=-1)
                base = F.hardsigmoid(gate) * base
            out = out + base
        out = denormalize_poses(out.view(B, self.t_out, self.n_joints, 3), center, self.pose_scale)
        return (out, torch.zeros_like(out)) if return_detail else out
