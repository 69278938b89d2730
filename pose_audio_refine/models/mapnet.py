"""MAPnet (seed paper §3): music-assisted refinement of sparse, noisy 3D pose windows.

Data flow for one 3 s window (shapes without the batch axis)::

    poses (T_in, 13, 3) mm --normalise, fill NaN--> (T_in, 39 [+13 validity]) --Linear--> (T_in, H1) + PE
        --pose transformer--> --rebalance--> (H2, H1) ─┐
    audio (150, 35)        --Linear--> (150, H1) + PE  │ concat -> (2·H2, H1) --fusion transformer (no PE)-->
        --audio transformer--> --rebalance--> (H2, H1) ┘
    --3 FC layers--> (T_out=150, 39) --de-normalise--> (150, 13, 3) mm at 50 fps

Normalisation: every window is centred on the mean of its observed joint positions and divided by
``pose_scale`` (1000 mm); the output is multiplied back and re-centred, so the model's input and output are
millimetres in the caller's frame.

Missing input (NaN joints/frames): filled by linear interpolation in time between observed frames (edges held;
a joint never seen in the window sits at the window centre) and, with ``mask_channel=True``, 13 extra input
channels carry the per-joint validity so the model knows which values were invented.

Options beyond the paper (each off by default, each a measured row in the README): ``audio_norm`` standardises
the 35 columns, ``loudness_integral`` appends the signed loudness integral (a trace of the bow along the
stroke), and ``residual="gated"`` predicts ``correction + gate * smoothed input`` instead of the poses.

The shuffled-audio control (audio from a different take at test time) needs nothing here: pass another window's
``audio`` to :meth:`MAPnet.forward`.
"""
from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

from ..audio.features import FEATURE_MEAN, FEATURE_STD, ONSET_PEAKS, RMS
from .layers import (PositionalEncoding, Rebalance, TransformerStack, default_times, denormalize_poses,
                     gaussian_time, interp_time, normalize_poses, unswap_pairs)
from ..skeletons import TELMI13_JOINTS, TELMI13_PAIRS


RMS_COLUMN, ONSET_PEAK_COLUMN = RMS.start, ONSET_PEAKS.start

__all__ = ["MAPnet", "signed_loudness_integral", "FUSION_LAYERS", "MAPNET_PRESETS", "mapnet_config", "OutputHead",
           "check_model_inputs"]

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
        Any other :class:`MAPnet` argument (``rebalance=False``, ``residual=True``, ...).
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

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.gelu(self.fc1(x))
        x = F.gelu(self.fc2(x.transpose(1, 2)).transpose(1, 2))
        return self.fc3(x)


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


def signed_loudness_integral(audio: torch.Tensor) -> torch.Tensor:
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
    return (z - z.mean(dim=1, keepdim=True)) / LOUDNESS_INTEGRAL_SCALE


class MAPnet(nn.Module):
    """Music Assisted Pose network (paper §3) with optional, off-by-default improvements.

    Parameters
    ----------
    t_in : int or None
        Input frames per window (150/75/51 for 50/25/17 fps over 3 s). Needed by linear rebalancing and by
        ``rebalance=False``; may be None with ``time_pe=True`` and ``rebalance_mode`` "attention"/"interp".
    t_out : int
        Output frames (150 = 3 s at ``out_fps`` 50).
    n_joints : int
        13 (telmi13).
    audio_frames, audio_dim : int
        Audio feature shape per window (150, 35; §3.4).
    h1, h2 : int
        Embedding width and rebalanced length (paper: 160, 150).
    n_heads : int
        Attention heads in every transformer.
    pose_layers, audio_layers, fusion_layers : int
        Transformer depths (paper, late fusion: 12, 12, 2; see :data:`FUSION_LAYERS`).
    ff_dim : int, optional
        Feed-forward width (default ``4 * h1``).
    dropout : float
        Dropout inside the transformers.
    rebalance : bool
        With rebalancing (paper) the fusion input is ``(2·H2, H1)``; without, pose and audio tokens are
        concatenated along time, ``(T_in + 150, H1)``, and the head maps from that length.
    rebalance_mode : {"linear", "attention", "interp"}
        See :class:`~pose_audio_refine.models.layers.Rebalance`. "linear" is the paper-like fixed map.
    time_pe : bool
        Positional encoding from timestamps (s) instead of indices, so one model serves any input fps.
    pe_rate : float
        Positions per second of the time-aware encoding (50: identical to the index encoding at 50 fps).
    residual : bool or {"interp", "smooth"}
        Predict a correction instead of the poses. True / "interp": a correction of the linear interpolation
        of the (filled) input at the output times -- that correction must cancel every frame's noise, which
        the narrow output head cannot carry (with the paper's noise it never left the interpolation's error).
        "smooth": a correction of that interpolation Gaussian-smoothed over ``residual_sigma_s``. Measured: it
        also stays at its starting error under the paper's noise (the correction must cancel the smoothed
        noise). "gated": ``net + g * smoothed`` with a per-frame, per-coordinate gate ``g`` in (0, 1) that the
        net predicts (starting open): it can keep the smoothed input where it is good (realistic noise, motion
        unlike violin playing) and drop it where it is noise.
    loudness_integral : bool
        Append one derived audio channel: the running sum of RMS over the window with its sign flipped at every
        picked onset, mean removed (:func:`signed_loudness_integral`). On a bowed string, RMS follows bow
        speed and bow changes are onsets, so this traces the bow -- and the bowing wrist -- along the stroke
        (|r| 0.80 median against the simulated wrist's main motion axis over 3 s windows). A transformer would
        have to learn that integration; this hands it over. Needs the 35 standard columns.
    residual_unswap : bool
        With ``residual`` "smooth"/"gated": undo left/right swaps in the input (:func:`unswap_pairs`, against
        each joint's median over the window, telmi13 pairs) before smoothing it into the base, so the base does
        not carry the estimator's swaps into the output.
    residual_sigma_s : float
        Width (s, standard deviation) of the "smooth" residual's Gaussian.
    residual_gate : {"sigmoid", "hard", "mix"}
        How the "gated" residual uses its gate ``g``. "sigmoid": ``net + sigmoid(logit) * smoothed``; it never
        reaches 1: starting at 0.98 it stays there wherever the smoothed input is right (its gradient is 0.02),
        so the correction has to add back the missing 2 % of the (centred) input -- measured on the real dance
        set, window-constant offsets of 28-34 mm at the elbows, wrists and toes, the joints furthest from the
        centre. "hard": the same with ``hardsigmoid`` (exactly 1 from logit 3 on); trained, its gates still
        stayed at 0.96 on dance and the offsets remained. "mix": ``g * smoothed + (1 - g) * net`` with
        ``g = sigmoid(logit)``, a blend of two complete pose estimates, so a gate short of 1 costs only its
        share of the net's own estimate instead of a compensation the net must get exactly right.
    audio_dropout : float
        Training only: probability that a sample's audio features are replaced by zeros, which is also what
        ``audio=None`` feeds, so the model learns to work pose-only.
    mask_channel : bool
        Feed the per-joint validity (13 channels) next to the 39 coordinates.
    use_audio : bool
        False builds no audio branch (the pose-only transformer baseline, PoT).
    window_s, out_fps : float
        Window length (s) and output frame rate (T_out = window_s * out_fps).
    pose_scale : float
        Millimetres per model unit in the normalisation.
    norm_first : bool
        Pre-norm transformer layers (False: the paper's post-norm).
    audio_norm : bool
        Standardise the 35 audio columns with the reference statistics
        (:data:`pose_audio_refine.audio.FEATURE_MEAN` / ``FEATURE_STD``, stored in the state_dict) before the
        audio embedding. Off reproduces the paper's raw features, whose scales differ by 10^4 (mfcc_0 drowns
        out rms and the onsets). Zeroed audio (dropout, ``audio=None``) stays zeros *after* standardising, so
        "no audio" is the same input either way.
    """

    def __init__(self, t_in: int | None = 150, t_out: int = 150, n_joints: int = 13, audio_frames: int = 150,
                 audio_dim: int = 35, h1: int = 160, h2: int = 150, n_heads: int = 8, pose_layers: int = 12,
                 audio_layers: int = 12, fusion_layers: int = 2, ff_dim: int | None = None, dropout: float = 0.1,
                 rebalance: bool = True, rebalance_mode: str = "linear", time_pe: bool = False,
                 pe_rate: float = 50.0, residual: bool = False, audio_dropout: float = 0.0,
                 mask_channel: bool = True, use_audio: bool = True, window_s: float = 3.0, out_fps: float = 50.0,
                 pose_scale: float = 1000.0, norm_first: bool = False, audio_norm: bool = False,
                 residual_sigma_s: float = 0.1, loudness_integral: bool = False, residual_unswap: bool = False,
                 residual_gate: str = "sigmoid"):
        super().__init__()
        if not 0.0 <= audio_dropout <= 1.0:
            raise ValueError(f"audio_dropout must be in [0, 1], got {audio_dropout}")
        needs_fixed = (not rebalance) or rebalance_mode == "linear"
        if needs_fixed and t_in is None:
            raise ValueError("t_in is required unless rebalance=True with rebalance_mode 'attention' or 'interp'")
        if time_pe and needs_fixed:
            raise ValueError("time_pe=True serves a variable input length: use rebalance=True with "
                             "rebalance_mode='attention' or 'interp'")
        self.t_in, self.t_out, self.n_joints = t_in, int(t_out), int(n_joints)
        self.audio_frames, self.audio_dim = int(audio_frames), int(audio_dim)
        if residual not in (False, True, "interp", "smooth", "gated"):
            raise ValueError(f"residual must be False, True, 'interp', 'smooth' or 'gated', got {residual!r}")
        if residual_sigma_s < 0:
            raise ValueError(f"residual_sigma_s must be >= 0 s, got {residual_sigma_s}")
        self.residual_mode = {True: "interp", False: None}.get(residual, residual)
        if residual_gate not in ("sigmoid", "hard", "mix"):
            raise ValueError(f"residual_gate must be 'sigmoid', 'hard' or 'mix', got {residual_gate!r}")
        self.residual_gate = residual_gate
        self.residual_sigma = float(residual_sigma_s) * float(out_fps)  # in output frames
        self.residual_unswap = bool(residual_unswap)
        if self.residual_unswap and n_joints != len(TELMI13_JOINTS):
            raise ValueError("residual_unswap uses the telmi13 left/right pairs: n_joints must be 13")
        self.rebalance, self.residual, self.use_audio = bool(rebalance), bool(residual), bool(use_audio)
        self.mask_channel, self.audio_dropout = bool(mask_channel), float(audio_dropout)
        self.window_s, self.out_fps, self.pose_scale = float(window_s), float(out_fps), float(pose_scale)
        pe_mode = "time" if time_pe else "index"
        self.time_pe = bool(time_pe)
        self.audio_norm = bool(audio_norm) and bool(use_audio)
        self.loudness_integral = bool(loudness_integral) and bool(use_audio)

        in_dim = n_joints * 3 + (n_joints if mask_channel else 0)
        self.pose_embed = nn.Linear(in_dim, h1)
        self.pose_pe = PositionalEncoding(h1, pe_mode, pe_rate)
        self.pose_tf = TransformerStack(h1, pose_layers, n_heads, ff_dim, dropout, norm_first)
        reb = dict(dim=h1, n_out=h2, mode=rebalance_mode, n_heads=n_heads, window_s=window_s, pe_rate=pe_rate)
        self.pose_rebalance = Rebalance(t_in=t_in, **reb) if rebalance else None
        length = h2 if rebalance else t_in
        # both options read columns by their meaning, so they need the standard feature layout
        need_standard = [n for n, on in (("audio_norm", self.audio_norm), ("loudness_integral", self.loudness_integral))
                         if on]
        if need_standard and audio_dim != len(FEATURE_MEAN):
            raise ValueError(f"{' and '.join(need_standard)}=True need the {len(FEATURE_MEAN)} standard audio columns "
                             f"(the reference features), got audio_dim={audio_dim}")
        if use_audio:
            self.audio_embed = nn.Linear(audio_dim + int(self.loudness_integral), h1)
            self.audio_pe = PositionalEncoding(h1, pe_mode, pe_rate)
            self.audio_tf = TransformerStack(h1, audio_layers, n_heads, ff_dim, dropout, norm_first)
            self.audio_rebalance = Rebalance(t_in=audio_frames, **reb) if rebalance else None
            if self.audio_norm:
                self.register_buffer("audio_mean", torch.tensor(FEATURE_MEAN, dtype=torch.float32))
                self.register_buffer("audio_std", torch.tensor(FEATURE_STD, dtype=torch.float32))
            length += h2 if rebalance else audio_frames
        self.fusion_tf = TransformerStack(h1, fusion_layers, n_heads, ff_dim, dropout, norm_first)
        gated = self.residual_mode == "gated"
        self.head = OutputHead(length, h1, self.t_out, n_joints * 3 * (2 if gated else 1), small_init=bool(residual))
        if gated:  # gates start open (sigmoid(4) = hardsigmoid(2.9) = 0.98): the net begins as the smoother it can
            # then overrule
            nn.init.constant_(self.head.fc3.bias[n_joints * 3:], 2.9 if residual_gate == "hard" else 4.0)
        self.register_buffer("audio_times", default_times(audio_frames, window_s), persistent=False)
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
        raw = audio
        if self.audio_norm:
            audio = (audio - self.audio_mean.to(ref.dtype)) / self.audio_std.to(ref.dtype)
        if self.loudness_integral:
            audio = torch.cat((audio, signed_loudness_integral(raw).unsqueeze(-1)), dim=-1)
        if self.training and self.audio_dropout > 0:
            keep = (torch.rand(batch, 1, 1, device=audio.device) >= self.audio_dropout).to(audio.dtype)
            audio = audio * keep
        return audio

    def forward(self, poses: torch.Tensor, audio: torch.Tensor | None = None,
                input_times: torch.Tensor | None = None) -> torch.Tensor:
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
            frames fill the window evenly. Used by the time-aware encoding, the residual and NaN filling.

        Returns
        -------
        torch.Tensor
            ``(B, T_out, 13, 3)`` refined poses at ``out_fps``, mm, frame ``k`` at ``k / out_fps`` s.
        """
        times = check_model_inputs(poses, input_times, self.n_joints, self.window_s)
        B, T = poses.shape[:2]
        if not (self.rebalance and self.pose_rebalance.mode != "linear") and T != self.t_in:
            raise ValueError(f"this model was built for t_in={self.t_in} input frames, got {T}")
        x, valid, center = normalize_poses(poses, self.pose_scale, times)
        feat = x.flatten(2)
        if self.mask_channel:
            feat = torch.cat((feat, valid.to(feat.dtype)), dim=-1)
        p = self.pose_tf(self.pose_pe(self.pose_embed(feat), times))
        tokens = [self.pose_rebalance(p, times) if self.rebalance else p]
        if self.use_audio:
            a = self._prepare_audio(audio, B, feat)
            a = self.audio_tf(self.audio_pe(self.audio_embed(a), self.audio_times.to(a.dtype)))
            tokens.append(self.audio_rebalance(a, self.audio_times.to(a.dtype)) if self.rebalance else a)
        out = self.head(self.fusion_tf(torch.cat(tokens, dim=1)))
        if self.residual:
            base = interp_time(x.flatten(2), times, self.output_times.to(x.dtype))
            if self.residual_unswap and self.residual_mode in ("smooth", "gated"):
                base = unswap_pairs(base.view(B, self.t_out, self.n_joints, 3), TELMI13_PAIRS).flatten(2)
            if self.residual_mode in ("smooth", "gated"):
                base = gaussian_time(base, self.residual_sigma)
            if self.residual_mode == "gated":
                out, gate = out.chunk(2, dim=-1)
                gate = F.hardsigmoid(gate) if self.residual_gate == "hard" else torch.sigmoid(gate)
                if self.residual_gate == "mix":
                    out = out * (1.0 - gate)
                base = gate * base
            out = out + base
        return denormalize_poses(out.view(B, self.t_out, self.n_joints, 3), center, self.pose_scale)
