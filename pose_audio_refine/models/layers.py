"""Building blocks shared by MAPnet and the learned baselines.

Everything here is a plain ``torch.nn.Module`` or a tensor function, so mmengine (or anything else) can wrap
the models without this package importing mmengine.

Conventions: tensors are batch-first, ``(B, T, ...)``; times are seconds; poses are millimetres until
:func:`normalize_poses` maps them to the model's unit-free frame.
"""
from __future__ import annotations

import math

import torch
from torch import nn
import torch.nn.functional as F

from ..swaps import FLIP_COST, least_motion_labels

__all__ = [
    "sinusoidal_encoding",
    "PositionalEncoding",
    "TransformerStack",
    "Rebalance",
    "interp_time",
    "gaussian_time",
    "unswap_pairs",
    "fill_missing",
    "normalize_poses",
    "denormalize_poses",
    "default_times",
]


# ----------------------------------------------------------------------------------------------------------------
# Positional encodings
# ----------------------------------------------------------------------------------------------------------------
def sinusoidal_encoding(positions: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal encoding of real-valued positions (Vaswani et al. 2017).

    Parameters
    ----------
    positions : torch.Tensor
        ``(..., T)`` positions; need not be integers (the time-aware encoding passes ``seconds * rate``).
    dim : int
        Encoding width (even or odd; an odd width drops the last cosine).

    Returns
    -------
    torch.Tensor
        ``(..., T, dim)`` in ``[-1, 1]``, same dtype/device as ``positions`` (float32 if it was an int tensor).
    """
    pos = positions.to(torch.float32 if not positions.is_floating_point() else positions.dtype)
    half = (dim + 1) // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, device=pos.device, dtype=pos.dtype) * 2.0 / dim)
    angles = pos.unsqueeze(-1) * freqs  # (..., T, half)
    enc = torch.stack((angles.sin(), angles.cos()), dim=-1).flatten(-2)  # interleave sin/cos
    return enc[..., :dim]


class PositionalEncoding(nn.Module):
    """Add a sinusoidal positional encoding by frame index or by timestamp.

    Parameters
    ----------
    dim : int
        Feature width.
    mode : {"index", "time"}
        ``"index"``: position = frame index (the paper's encoding; tied to one input fps).
        ``"time"``: position = ``times * rate`` with ``times`` in seconds, so frames that happen at the same
        instant get the same code whatever the input fps (one model for 10-60 fps input). With the default
        ``rate=50`` the two modes coincide for a 50 fps track starting at 0 s.
    rate : float
        Positions per second in ``"time"`` mode.
    dropout : float
        Dropout applied after the addition.
    """

    def __init__(self, dim: int, mode: str = "index", rate: float = 50.0, dropout: float = 0.0):
        super().__init__()
        if mode not in ("index", "time"):
            raise ValueError(f"mode must be 'index' or 'time', got {mode!r}")
        self.dim, self.mode, self.rate = int(dim), mode, float(rate)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, times: torch.Tensor | None = None) -> torch.Tensor:
        """``x`` ``(B, T, dim)``; ``times`` ``(B, T)`` or ``(T,)`` seconds (required in ``"time"`` mode)."""
        if self.mode == "time":
            if times is None:
                raise ValueError("times is required for the time-aware positional encoding")
            pos = times.to(x.dtype) * self.rate
        else:
            pos = torch.arange(x.shape[1], device=x.device, dtype=x.dtype)
        return self.drop(x + sinusoidal_encoding(pos, self.dim))


# ----------------------------------------------------------------------------------------------------------------
# Transformer stack and rebalancing
# ----------------------------------------------------------------------------------------------------------------
class TransformerStack(nn.Module):
    """``n_layers`` of ``nn.TransformerEncoderLayer`` (batch first); identity when ``n_layers == 0``.

    Post-norm layers, as the paper's ("normalization and residual computed after each layer", §3.2).
    """

    def __init__(self, dim: int, n_layers: int, n_heads: int, ff_dim: int | None = None, dropout: float = 0.1):
        super().__init__()
        if n_layers < 0:
            raise ValueError(f"n_layers must be >= 0, got {n_layers}")
        if dim % n_heads:
            raise ValueError(f"hidden size {dim} must be divisible by n_heads={n_heads}")
        self.n_layers = int(n_layers)
        if n_layers == 0:
            self.encoder = None
            return
        layer = nn.TransformerEncoderLayer(dim, n_heads, ff_dim or 4 * dim, dropout, activation="gelu",
                                           batch_first=True, norm_first=False)
        # enable_nested_tensor only matters with padding masks, which we never pass; off avoids a warning.
        self.encoder = nn.TransformerEncoder(layer, n_layers, norm=None, enable_nested_tensor=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(B, T, dim) -> (B, T, dim)``."""
        return x if self.encoder is None else self.encoder(x)


class Rebalance(nn.Module):
    """Bring a ``(B, T, H1)`` embedding to ``(B, H2, H1)`` (MAPnet's rebalancing layer, §3.5): a learned linear map
    over the time axis (``t_in -> H2``), then GELU and LayerNorm.

    Parameters
    ----------
    dim : int
        Feature width ``H1``.
    n_out : int
        Output length ``H2``.
    t_in : int
        Input length ``T`` (fixed).
    """

    def __init__(self, dim: int, n_out: int, t_in: int):
        super().__init__()
        if n_out < 1:
            raise ValueError(f"n_out (H2) must be >= 1, got {n_out}")
        if t_in is None or t_in < 1:
            raise ValueError("rebalancing needs a fixed input length t_in >= 1")
        self.dim, self.n_out, self.t_in = int(dim), int(n_out), int(t_in)
        self.time_map = nn.Linear(self.t_in, self.n_out)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` ``(B, T, H1)`` -> ``(B, H2, H1)``."""
        if x.shape[1] != self.t_in:
            raise ValueError(f"this rebalancing layer was built for {self.t_in} input frames, got {x.shape[1]}")
        return self.norm(F.gelu(self.time_map(x.transpose(1, 2)).transpose(1, 2)))


# ----------------------------------------------------------------------------------------------------------------
# Time handling, missing frames, normalisation
# ----------------------------------------------------------------------------------------------------------------
def default_times(n_frames: int, window_s: float, device=None, dtype=torch.float32) -> torch.Tensor:
    """Timestamps ``arange(n) * window_s / n`` (s) of ``n`` evenly spaced frames filling a window.

    ``n=150, window_s=3`` gives 50 fps; 75 gives 25 fps; 51 gives 17 fps (the paper's τ = 1, 0.5, 0.33).
    """
    return torch.arange(n_frames, device=device, dtype=dtype) * (float(window_s) / n_frames)


def unswap_pairs(x: torch.Tensor, pairs, in_place: float = 1.0, max_jump: float = 0.2) -> torch.Tensor:
    """Undo left/right swaps frame by frame.

    Two rules, one per kind of window:

    * **Smooth tracks** (each joint's median frame-to-frame step is below ``max_jump`` times the two joints'
      median distance apart): the labelling with the least total motion, found exactly by a
      two-state Viterbi pass (kept / exchanged per frame,
      :func:`pose_audio_refine.swaps.least_motion_labels`), with a tiny cost per
      exchanged frame so that the majority of the window keeps its labels. A swap makes both joints jump by the
      pair's separation twice, which no real motion does; a dancer who turns round or crosses the feet moves
      continuously and keeps the labels given.
    * **Noisy tracks that stay in place** (the paper's 300 mm jitter; the two joints' median distances from their
      medians add up to less than ``in_place`` times the distance between the medians): a pair ``(a, b)`` is
      exchanged in a frame when ``|x_a - med_b| + |x_b - med_a| < |x_a - med_a| + |x_b - med_b|``, i.e. when the
      swapped assignment sits closer to where the two joints spend the window.

    Anything else is left as it is. (Measured on the real dance set: the median rule applied to smooth windows
    too -- feet and hands pass each other's medians -- cost the shipped model 8-10 mm MPJPE.)

    Parameters
    ----------
    x : torch.Tensor
        ``(B, T, J, 3)``.
    pairs : sequence of (int, int)
        Left/right joint index pairs.
    in_place : float
        Spread-to-separation ratio below which a window counts as in place (see above).
    max_jump : float
        Step-to-distance ratio below which a window is unswapped by continuity; 0 turns that rule off.

    Returns
    -------
    torch.Tensor
        ``(B, T, J, 3)``, a new tensor.
    """
    out = x.clone()
    if not pairs:
        return out
    med = x.median(dim=1, keepdim=True).values  # (B, 1, J, 3)
    a = torch.tensor([p[0] for p in pairs], device=x.device)
    b = torch.tensor([p[1] for p in pairs], device=x.device)
    xa, xb, ma, mb = x[:, :, a], x[:, :, b], med[:, :, a], med[:, :, b]
    da, db = (xa - ma).norm(dim=-1), (xb - mb).norm(dim=-1)  # (B, T, P): distance from own median
    kept = da + db
    swapped = (xa - mb).norm(dim=-1) + (xb - ma).norm(dim=-1)
    spread = da.median(dim=1).values + db.median(dim=1).values  # (B, P)
    separation = (ma - mb).norm(dim=-1)[:, 0]  # (B, P)
    steady = spread < in_place * separation
    smooth = torch.zeros_like(steady)
    if max_jump > 0 and x.shape[1] > 1:
        step = torch.maximum((xa[:, 1:] - xa[:, :-1]).norm(dim=-1).median(dim=1).values,
                             (xb[:, 1:] - xb[:, :-1]).norm(dim=-1).median(dim=1).values)  # (B, P)
        apart = (xa - xb).norm(dim=-1).median(dim=1).values  # (B, P): unchanged by swaps, unlike the medians
        smooth = step < max_jump * apart
    flip = (swapped < kept) & (steady & ~smooth)[:, None]  # (B, T, P)
    if bool(smooth.any()):  # a discrete choice, made in numpy; gradients flow through the positions it selects
        labels = least_motion_labels(xa.detach().double().cpu().numpy(), xb.detach().double().cpu().numpy(),
                                     (FLIP_COST * apart).detach().double().cpu().numpy())
        flip = torch.where(smooth[:, None], torch.from_numpy(labels).to(flip.device), flip)
    flip = flip.unsqueeze(-1)  # (B, T, P, 1)
    out[:, :, a] = torch.where(flip, xb, xa)
    out[:, :, b] = torch.where(flip, xa, xb)
    return out


def gaussian_time(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Gaussian smoothing along time with edge-replicated padding (as ``scipy.ndimage.gaussian_filter1d``
    with ``mode='nearest'``, truncated at 4 sigma).

    Parameters
    ----------
    x : torch.Tensor
        ``(B, T, C)``.
    sigma : float
        Standard deviation in frames (0: ``x`` unchanged).

    Returns
    -------
    torch.Tensor
        ``(B, T, C)``; differentiable in ``x``.
    """
    if sigma < 0:
        raise ValueError(f"sigma must be >= 0 frames, got {sigma}")
    if sigma == 0:
        return x
    radius = max(1, int(4.0 * sigma + 0.5))
    k = torch.arange(-radius, radius + 1, device=x.device, dtype=x.dtype)
    kernel = torch.exp(-0.5 * (k / sigma) ** 2)
    kernel = (kernel / kernel.sum()).view(1, 1, -1)
    B, T, C = x.shape
    y = x.transpose(1, 2).reshape(B * C, 1, T)
    y = F.pad(y, (radius, radius), mode="replicate")
    return F.conv1d(y, kernel).view(B, C, T).transpose(1, 2)


def interp_time(x: torch.Tensor, t_src: torch.Tensor, t_dst: torch.Tensor) -> torch.Tensor:
    """Linear interpolation along time with batched, possibly non-uniform timestamps; edges held.

    Parameters
    ----------
    x : torch.Tensor
        ``(B, S, C)`` values at ``t_src``.
    t_src : torch.Tensor
        ``(B, S)`` or ``(S,)`` increasing timestamps (s).
    t_dst : torch.Tensor
        ``(B, D)`` or ``(D,)`` query timestamps (s).

    Returns
    -------
    torch.Tensor
        ``(B, D, C)``; differentiable in ``x``.
    """
    B, S, C = x.shape
    t_src = t_src.to(x.dtype).expand(B, S).contiguous()
    t_dst = t_dst.to(x.dtype)
    t_dst = t_dst.expand(B, t_dst.shape[-1]).contiguous()
    if S == 1:
        return x.expand(B, t_dst.shape[1], C)
    hi = torch.searchsorted(t_src, t_dst, right=True).clamp(1, S - 1)
    lo = hi - 1
    t0, t1 = t_src.gather(1, lo), t_src.gather(1, hi)
    w = ((t_dst - t0) / (t1 - t0).clamp_min(1e-9)).clamp(0.0, 1.0).unsqueeze(-1)
    x0 = x.gather(1, lo.unsqueeze(-1).expand(-1, -1, C))
    x1 = x.gather(1, hi.unsqueeze(-1).expand(-1, -1, C))
    return x0 + w * (x1 - x0)


def fill_missing(poses: torch.Tensor, times: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Fill NaN joints by linear interpolation in time between the nearest observed frames (edges held).

    A joint that is a NaN in any coordinate counts as missing. A joint missing from the whole window is set
    to 0 (which, after :func:`normalize_poses`, is the window's centre).

    Parameters
    ----------
    poses : torch.Tensor
        ``(B, T, J, 3)``, NaN where missing.
    times : torch.Tensor, optional
        ``(B, T)`` or ``(T,)`` timestamps (s) used as interpolation weights; frame indices if omitted.

    Returns
    -------
    filled : torch.Tensor
        ``(B, T, J, 3)`` without NaN (a new tensor).
    valid : torch.Tensor
        ``(B, T, J)`` bool, True where the joint was observed.
    """
    B, T, J, _ = poses.shape
    valid = ~torch.isnan(poses).any(-1)
    x = torch.nan_to_num(poses, nan=0.0)
    if bool(valid.all()):
        return x, valid
    t = (torch.arange(T, device=poses.device, dtype=x.dtype) if times is None else times.to(x.dtype))
    t = t.expand(B, T).unsqueeze(-1).expand(B, T, J)
    idx = torch.arange(T, device=poses.device).view(1, T, 1).expand(B, T, J)
    prev = torch.where(valid, idx, torch.full_like(idx, -1)).cummax(dim=1).values
    nxt = torch.where(valid, idx, torch.full_like(idx, T)).flip(1).cummin(dim=1).values.flip(1)
    has_prev, has_next = prev >= 0, nxt < T
    prev_c, nxt_c = prev.clamp(0, T - 1), nxt.clamp(0, T - 1)
    x_prev = x.gather(1, prev_c.unsqueeze(-1).expand(-1, -1, -1, 3))
    x_next = x.gather(1, nxt_c.unsqueeze(-1).expand(-1, -1, -1, 3))
    t_prev, t_next = t.gather(1, prev_c), t.gather(1, nxt_c)
    w = ((t - t_prev) / (t_next - t_prev).clamp_min(1e-9)).clamp(0, 1)
    both = has_prev & has_next
    w = torch.where(both, w, torch.where(has_next, torch.ones_like(w), torch.zeros_like(w))).unsqueeze(-1)
    interp = x_prev + w * (x_next - x_prev)
    interp = torch.where((has_prev | has_next).unsqueeze(-1), interp, torch.zeros_like(interp))
    return torch.where(valid.unsqueeze(-1), x, interp), valid


def normalize_poses(poses: torch.Tensor, scale: float = 1000.0, times: torch.Tensor | None = None
                    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Centre a window on its mean observed joint position and divide by ``scale``.

    The centre is the mean over all observed frames and joints of the window (a robust stand-in for "the mean
    root position": telmi13 has no pelvis joint and the mean over 13 joints moves with the body). With
    ``scale=1000`` mm the model works in metres around the body, so inputs are O(1).
    Invert with :func:`denormalize_poses`.

    Parameters
    ----------
    poses : torch.Tensor
        ``(B, T, J, 3)`` mm, NaN where missing.
    scale : float
        Millimetres per model unit.
    times : torch.Tensor, optional
        ``(B, T)`` or ``(T,)`` seconds, used to interpolate missing joints.

    Returns
    -------
    x : torch.Tensor
        ``(B, T, J, 3)`` normalised, missing joints filled (see :func:`fill_missing`).
    valid : torch.Tensor
        ``(B, T, J)`` bool observation mask.
    center : torch.Tensor
        ``(B, 1, 1, 3)`` mm.
    """
    valid = ~torch.isnan(poses).any(-1)
    w = valid.unsqueeze(-1).to(poses.dtype)
    total = (torch.nan_to_num(poses, nan=0.0) * w).sum(dim=(1, 2), keepdim=True)
    count = w.sum(dim=(1, 2), keepdim=True).clamp_min(1.0)
    center = total / count
    filled, valid = fill_missing((poses - center) / scale, times)
    return filled, valid, center


def denormalize_poses(x: torch.Tensor, center: torch.Tensor, scale: float = 1000.0) -> torch.Tensor:
    """Inverse of :func:`normalize_poses`: ``x * scale + center`` (mm)."""
    return x * scale + center
