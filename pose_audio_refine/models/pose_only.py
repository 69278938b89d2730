"""Learned baselines, all with MAPnet's signature ``forward(poses, audio=None, input_times=None)``.

* :class:`PoT` - the paper's pose-only transformer: MAPnet's pose branch, rebalancing, fusion stack and head.
* :class:`LSTMPo` / :class:`LSTMPA` - the paper's LSTM baselines: the input is linearly upsampled to the 150
  output frames, then an LSTM runs over pose (Po) or pose and audio concatenated per output frame (PA).
* :class:`SmoothNetMLP` - a SmoothNet-style (Zeng et al. 2022) temporal MLP applied to each joint coordinate
  over the time axis of the linearly upsampled input, predicting a residual.
* :class:`DeciWatch` - a DeciWatch-style (Zeng et al. 2022) sparse-to-dense transformer: denoise the sparse input
  frames, then recover the dense frames with a transformer decoder over the 150 output slots initialised by
  interpolating the denoised sparse frames.

All take poses in mm (NaN = missing), normalise them like MAPnet (window centre, /1000) and return
``(B, 150, 13, 3)`` mm at 50 fps. Pose-only models accept and ignore ``audio``.
"""
from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

from .layers import PositionalEncoding, TransformerStack, denormalize_poses, interp_time, \
    normalize_poses
from .mapnet import AUDIO_DIM, AUDIO_FRAMES, N_JOINTS, OUT_FPS, POSE_SCALE, T_OUT, WINDOW_S, MAPnet, check_model_inputs

__all__ = ["PoT", "LSTMPo", "LSTMPA", "SmoothNetMLP", "DeciWatch"]


class PoT(MAPnet):
    """Pose-only transformer (paper's PoT): :class:`MAPnet` with ``use_audio=False``; ``audio`` is ignored.

    Accepts every :class:`MAPnet` argument except ``use_audio``/``audio_*``; the fusion stack runs over the
    ``H2`` rebalanced pose tokens only.
    """

    def __init__(self, **kwargs):
        for key in ("use_audio", "audio_dropout", "audio_layers"):
            kwargs.pop(key, None)
        super().__init__(use_audio=False, **kwargs)


class _UpsampledBase(nn.Module):
    """Shared front end: normalise, fill NaN, linearly upsample to the output times (MAPnet's fixed window)."""

    t_out, n_joints, window_s, out_fps, pose_scale = T_OUT, N_JOINTS, WINDOW_S, OUT_FPS, POSE_SCALE

    def __init__(self):
        super().__init__()
        self.register_buffer("output_times", torch.arange(self.t_out, dtype=torch.float32) / self.out_fps,
                             persistent=False)

    def _upsampled(self, poses: torch.Tensor, input_times: torch.Tensor | None):
        """Return (upsampled (B, T_out, 39), upsampled validity (B, T_out, J), center (B, 1, 1, 3))."""
        times = check_model_inputs(poses, input_times, self.n_joints, self.window_s)
        x, valid, center = normalize_poses(poses, self.pose_scale, times)
        t_out = self.output_times.to(x.dtype)
        up = interp_time(x.flatten(2), times, t_out)
        up_valid = interp_time(valid.to(x.dtype), times, t_out)
        return up, up_valid, center

    def _finish(self, out: torch.Tensor, center: torch.Tensor) -> torch.Tensor:
        return denormalize_poses(out.view(out.shape[0], self.t_out, self.n_joints, 3), center, self.pose_scale)


class LSTMPo(_UpsampledBase):
    """LSTM over the pose track upsampled to the output frames (paper's LSTM-Po).

    Parameters
    ----------
    hidden : int
        LSTM hidden size.
    n_layers : int
        Stacked LSTM layers.
    bidirectional : bool
        Run the LSTM both ways (an offline refiner may look ahead).
    dropout : float
        Dropout between LSTM layers.

    It predicts the poses directly, as the paper's. LSTM-PA pairs audio frame ``k`` with output frame ``k``
    (150 of each).
    """

    use_audio = False
    audio_dim, audio_frames = AUDIO_DIM, AUDIO_FRAMES

    def __init__(self, hidden: int = 128, n_layers: int = 2, bidirectional: bool = True, dropout: float = 0.1):
        super().__init__()
        in_dim = 4 * self.n_joints + (self.audio_dim if self.use_audio else 0)  # 39 coords + 13 validity (+ audio)
        self.lstm = nn.LSTM(in_dim, hidden, n_layers, batch_first=True, bidirectional=bidirectional,
                            dropout=dropout if n_layers > 1 else 0.0)
        self.out = nn.Linear(hidden * (2 if bidirectional else 1), 3 * self.n_joints)

    def forward(self, poses: torch.Tensor, audio: torch.Tensor | None = None,
                input_times: torch.Tensor | None = None) -> torch.Tensor:
        """``poses`` ``(B, T_in, 13, 3)`` mm, ``audio`` ``(B, 150, 35)`` (LSTM-PA only) -> ``(B, 150, 13, 3)`` mm."""
        up, up_valid, center = self._upsampled(poses, input_times)
        feats = [up, up_valid]
        if self.use_audio:
            shape = (up.shape[0], self.audio_frames, self.audio_dim)
            if audio is None:
                audio = up.new_zeros(shape)
            elif tuple(audio.shape) != shape:
                raise ValueError(f"audio must be {shape}, got {tuple(audio.shape)}")
            feats.append(torch.nan_to_num(audio.to(up.dtype)))
        h, _ = self.lstm(torch.cat(feats, dim=-1))
        return self._finish(self.out(h), center)


class LSTMPA(LSTMPo):
    """LSTM over pose and audio features concatenated per output frame (paper's LSTM-PA).

    ``audio`` ``(B, 150, 35)``; None feeds zeros. Same parameters as :class:`LSTMPo`.
    """

    use_audio = True


class SmoothNetMLP(_UpsampledBase):
    """SmoothNet-style temporal MLP: one shared MLP over the time axis of each joint coordinate.

    The linearly upsampled input ``(B, 150, 39)`` is read as 39 independent signals of 150 samples; the MLP maps
    a signal to a correction of the same length (residual), so it learns a data-driven temporal filter. Audio is
    ignored.

    Parameters
    ----------
    hidden : int
        Width of the MLP over time.
    n_blocks : int
        Residual blocks (Linear, LeakyReLU, Dropout).
    dropout : float
        Dropout in the blocks.
    """

    def __init__(self, hidden: int = 256, n_blocks: int = 3, dropout: float = 0.1):
        super().__init__()
        self.inp = nn.Linear(self.t_out, hidden)
        self.blocks = nn.ModuleList(nn.Sequential(nn.Linear(hidden, hidden), nn.LeakyReLU(0.1), nn.Dropout(dropout))
                                    for _ in range(n_blocks))
        self.outp = nn.Linear(hidden, self.t_out)
        nn.init.normal_(self.outp.weight, std=1e-3)  # start as the identity filter
        nn.init.zeros_(self.outp.bias)

    def forward(self, poses: torch.Tensor, audio: torch.Tensor | None = None,
                input_times: torch.Tensor | None = None) -> torch.Tensor:
        """``poses`` ``(B, T_in, 13, 3)`` mm -> ``(B, 150, 13, 3)`` mm; ``audio`` ignored."""
        up, _, center = self._upsampled(poses, input_times)
        sig = up.transpose(1, 2)  # (B, 39, T_out): time is the feature axis
        h = F.leaky_relu(self.inp(sig), 0.1)
        for block in self.blocks:
            h = h + block(h)
        return self._finish((sig + self.outp(h)).transpose(1, 2), center)


class DeciWatch(_UpsampledBase):
    """DeciWatch-style sparse-to-dense transformer (pose only).

    Stage 1 (denoise): an encoder over the sparse input frames (time-aware positional encoding) predicts a
    correction of each sparse frame. Stage 2 (recover): the denoised sparse frames are linearly interpolated to
    the 150 output slots; a transformer decoder over those slots (time-aware encoding), cross-attending to the
    stage-1 features, predicts a correction of the interpolation. Any input length/fps works.

    Parameters
    ----------
    dim : int
        Model width.
    n_heads : int
        Attention heads.
    enc_layers, dec_layers : int
        Depth of the denoiser and of the recovery decoder.
    dropout : float
        Transformer dropout.
    """

    def __init__(self, dim: int = 64, n_heads: int = 4, enc_layers: int = 2, dec_layers: int = 2,
                 dropout: float = 0.1):
        super().__init__()
        n_coord = 3 * self.n_joints
        self.embed_sparse = nn.Linear(4 * self.n_joints, dim)  # coords + validity
        self.pe = PositionalEncoding(dim, "time")  # 50 positions a second
        self.encoder = TransformerStack(dim, enc_layers, n_heads, 4 * dim, dropout)
        self.denoise_out = nn.Linear(dim, n_coord)
        self.embed_dense = nn.Linear(n_coord, dim)
        layer = nn.TransformerDecoderLayer(dim, n_heads, 4 * dim, dropout, activation="gelu", batch_first=True)
        self.decoder = nn.TransformerDecoder(layer, dec_layers)
        self.recover_out = nn.Linear(dim, n_coord)
        for lin in (self.denoise_out, self.recover_out):  # both stages start as "no correction"
            nn.init.normal_(lin.weight, std=1e-3)
            nn.init.zeros_(lin.bias)

    def forward(self, poses: torch.Tensor, audio: torch.Tensor | None = None,
                input_times: torch.Tensor | None = None, return_sparse: bool = False):
        """Refine a batch.

        Parameters
        ----------
        poses : torch.Tensor
            ``(B, T_in, 13, 3)`` mm, NaN = missing.
        audio : ignored
        input_times : torch.Tensor, optional
            ``(B, T_in)`` or ``(T_in,)`` seconds; default: frames fill the window evenly.
        return_sparse : bool
            Also return the stage-1 denoised sparse frames ``(B, T_in, 13, 3)`` mm (for a DeciWatch-style
            two-term loss).

        Returns
        -------
        torch.Tensor or tuple
            ``(B, 150, 13, 3)`` mm (and the sparse frames when ``return_sparse``).
        """
        times = check_model_inputs(poses, input_times, self.n_joints, self.window_s)
        x, valid, center = normalize_poses(poses, self.pose_scale, times)
        B, T = x.shape[:2]
        sparse = x.flatten(2)
        mem = self.encoder(self.pe(self.embed_sparse(torch.cat((sparse, valid.to(x.dtype)), -1)), times))
        denoised = sparse + self.denoise_out(mem)
        t_out = self.output_times.to(x.dtype)
        dense0 = interp_time(denoised, times, t_out)
        tgt = self.pe(self.embed_dense(dense0), t_out)
        dense = self._finish(dense0 + self.recover_out(self.decoder(tgt, mem)), center)
        if return_sparse:
            return dense, denormalize_poses(denoised.view(B, T, self.n_joints, 3), center, self.pose_scale)
        return dense
