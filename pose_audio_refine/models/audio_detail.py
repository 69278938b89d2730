"""The audio-driven detail: fast, sound-making motion that the pose samples cannot hold.

A camera at 10-30 fps aliases a sautillé, a tremolo or a fast string crossing (8-18 strokes/s), and motion blur
shrinks and lags what it does catch; the sound still carries one onset or loudness pulse per bow change
(``design/violin-physics.md``, "Fast strokes"). The do-no-harm correction (:mod:`.correction`) may only move the
input by a few times its *evident* noise, so on a clean but aliased track it cannot add the missing strokes. This
branch can: a dilated 1-D convolution over the 50 fps audio features, the input pose and the transformer's own
per-slot output (its global view of the window) predicts a displacement of every joint that is

* **bounded** by :data:`DETAIL_MAX_MM` (a stroke of the bow moves the wrist at most a few cm at these rates),
* **mean-free over the window** (it adds motion; it never relocates the person), and
* **exactly zero without audio** -- for ``audio=None``, audio dropout, and pose-only checkpoints -- so the
  pose-only refinement is the same network's, and shuffled audio shows what the sound contributes.

Why a convolution: the mapping from a bow change's sound to the wrist's reversal is local in time and the same
everywhere in the window (translation-equivariant), which a few dilated layers learn far faster than attention
over rebalanced tokens; the four base blocks' receptive field (±0.34 s) spans several strokes, enough to tell
their rate and phase from the aliased pose samples, and the shipped model's three extra blocks (``extra_dilations``,
±2.6 s) let a whole passage's samples vote on which way its strokes go.
"""
from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

__all__ = ["DETAIL_MAX_MM", "AudioDetail", "audio_present"]

#: Largest displacement the audio may add to any joint coordinate, mm.
DETAIL_MAX_MM: float = 60.0


def audio_present(audio: torch.Tensor) -> torch.Tensor:
    """``(B, 1, 1, 1)`` 1.0 where a window's (prepared) audio is not all zeros, else 0.0.

    All-zero audio is what ``audio=None``, audio dropout and a missing soundtrack feed the network.
    """
    return (audio.abs().amax(dim=(1, 2)) > 0).to(audio.dtype).view(-1, 1, 1, 1)


class _Block(nn.Module):
    def __init__(self, channels: int, dilation: int, identity: bool = False):
        super().__init__()
        self.conv = nn.Conv1d(channels, channels, 3, padding=dilation, dilation=dilation)
        self.mix = nn.Conv1d(channels, channels, 1)
        if identity:  # the residual branch starts at zero: the block passes its input through unchanged
            nn.init.zeros_(self.mix.weight)
            nn.init.zeros_(self.mix.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.mix(F.gelu(self.conv(x)))


class AudioDetail(nn.Module):
    """Dilated 1-D convolutions: ``(B, T, in_dim)`` per-slot features -> ``(B, T, J, 3)`` bounded displacement.

    Parameters
    ----------
    in_dim : int
        Features per 50 fps slot (audio + pose + transformer output).
    n_joints : int
        Joints of the output.
    channels : int
        Width of the convolutions.
    dilations : tuple of int
        One residual block per entry (kernel 3).
    max_disp : float
        Bound of the output, in the units the caller works in (mm / pose_scale).
    extra_dilations : tuple of int
        More residual blocks after ``dilations``, each starting as the identity (its residual branch zero), so
        that a trained detail loaded into the wider net computes exactly what it did and training widens its
        view from there. Why wider: the sound gives a stroke's timing and speed but not its direction, which
        must come from the pose samples of the whole passage (one sign per run of alternating strokes);
        dilations 16, 32 and 64 stretch the receptive field from +-0.34 s to +-2.6 s, the whole window.
    """

    def __init__(self, in_dim: int, n_joints: int, channels: int = 96, dilations: tuple[int, ...] = (1, 2, 4, 8),
                 max_disp: float = DETAIL_MAX_MM / 1000.0, extra_dilations: tuple[int, ...] = ()):
        super().__init__()
        self.n_joints, self.max_disp = int(n_joints), float(max_disp)
        if any(int(d) < 1 for d in tuple(dilations) + tuple(extra_dilations)):
            raise ValueError(f"dilations must be >= 1, got {dilations!r} + {extra_dilations!r}")
        self.inp = nn.Conv1d(in_dim, channels, 5, padding=2)
        self.blocks = nn.ModuleList([_Block(channels, int(d)) for d in dilations]
                                    + [_Block(channels, int(d), identity=True) for d in extra_dilations])
        self.out = nn.Conv1d(channels, n_joints * 3, 1)
        nn.init.normal_(self.out.weight, std=1e-3)  # starts as no detail: the net begins as its pose-only self
        nn.init.zeros_(self.out.bias)

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        x = F.gelu(self.inp(feats.transpose(1, 2)))
        for block in self.blocks:
            x = block(x)
        h = self.out(x).transpose(1, 2)  # (B, T, J*3)
        b, t, _ = h.shape
        h = self.max_disp * torch.tanh(h / self.max_disp)
        return h.view(b, t, self.n_joints, 3)
