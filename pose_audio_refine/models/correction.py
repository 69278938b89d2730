"""The do-no-harm output: the input track plus a bounded, mean-free correction.

A refiner must not damage a good track nor relocate a person (issue "never harm a good input"). With
``residual="correction"`` a network's output is built so that both hold by construction, whatever the weights:

``output = input + correction``, where the input is the window's (unswapped) input interpolated onto the output
slots -- so a zero correction is exactly the identity -- and the correction

1. is **tied to the input's evident noise**: per window and joint, the head's output ``h`` is scaled by the
   scatter ``s`` of the input around a short Gaussian smoothing of itself (:func:`evident_noise`) and bounded,
   ``s * C * tanh(h / C)`` with ``C =`` :data:`MAX_GAIN`. A clean or still input has almost no scatter, so it
   can barely be moved (:data:`NOISE_FLOOR_MM` bounds that); a jittery one can be corrected by up to ``C`` times
   its own jitter;
2. is **mean-free over the window** per joint and coordinate (:func:`mean_free`): the network removes jitter,
   blur and (with the pipeline's unswap) swaps, but it never moves where the person is on average. Constant
   bias, which no temporal method can see, stays the estimator's.

With a **smoothing bank** (``smoothing_sigmas_s``), the network also mixes, per frame and joint, the input with
Gaussian smoothings of itself at several widths (softmax weights it predicts, starting at the identity): the
tuned filter a user would pick is one of its choices, so matching the best filter at every noise level only
takes choosing the width from the evident noise -- and the bounded correction goes beyond it. The mixture's
deviation from the input is bounded by the same ``C * s`` and mean-free too.

And the network sees the body **root-relative per frame** (:func:`root_relative`): the pose around its own
waist at every slot, plus the waist's path around its window mean, so that a dancer crossing the floor looks
like a dancer in place.
"""
from __future__ import annotations

import torch

from .layers import gaussian_time

__all__ = ["MAX_GAIN", "NOISE_FLOOR_MM", "NOISE_SIGMA_SLOTS", "ROOT_JOINTS", "IDENTITY_LOGIT", "evident_noise",
           "mean_free", "bounded_correction", "smoothing_mixture", "root_relative", "linear_trend", "smooth_detrended"]

#: Largest correction, in units of the window's evident noise per joint.
MAX_GAIN: float = 6.0
#: Floor of the evident noise, mm: a perfectly still or perfectly linear input can move by at most
#: ``MAX_GAIN * NOISE_FLOOR_MM`` (0.6 mm).
NOISE_FLOOR_MM: float = 0.1
#: Width (slots of the 50 fps grid, standard deviation) of the smoothing the evident noise is measured around:
#: 0.06 s, about one frame period of a 15 fps input.
NOISE_SIGMA_SLOTS: float = 3.0
#: Initial logit of the identity in the smoothing bank (the smoothings start at 0): weight ~0.9 with 5 widths.
IDENTITY_LOGIT: float = 4.0
#: telmi13 joints whose mean is the per-frame root (RBWT, LBWT: the waist).
ROOT_JOINTS: tuple[int, int] = (7, 8)


def linear_trend(x: torch.Tensor) -> torch.Tensor:
    """The least-squares straight line through each ``(B, T, C)`` channel over time (dim 1)."""
    t = torch.linspace(-1.0, 1.0, x.shape[1], device=x.device, dtype=x.dtype).view(1, -1, 1)
    mean = x.mean(dim=1, keepdim=True)
    slope = ((x - mean) * t).sum(dim=1, keepdim=True) / t.square().sum()
    return mean + slope * t


def smooth_detrended(x: torch.Tensor, sigma_slots: float) -> torch.Tensor:
    """Gaussian smoothing along time of ``(B, T, C)`` that keeps straight-line motion exactly, edges included.

    Why: edge-replicated smoothing pulls a travelling body (a dancer crossing the floor) back toward where it was
    at the window's edges, by about its speed times the width; smoothing only the deviation from the window's
    straight-line trend does not.
    """
    trend = linear_trend(x)
    return trend + gaussian_time(x - trend, sigma_slots)


def evident_noise(x: torch.Tensor, sigma_slots: float = NOISE_SIGMA_SLOTS) -> torch.Tensor:
    """RMS distance of each joint from a Gaussian smoothing of its own track, per window.

    Parameters
    ----------
    x : torch.Tensor
        ``(B, T, J, 3)`` gap-filled positions (any unit).
    sigma_slots : float
        Smoothing width in slots.

    Returns
    -------
    torch.Tensor
        ``(B, 1, J, 1)`` in the units of ``x``.
    """
    b, t, j, _ = x.shape
    smooth = smooth_detrended(x.reshape(b, t, j * 3), sigma_slots).reshape(b, t, j, 3)
    return (x - smooth).square().sum(-1).mean(1, keepdim=True).sqrt().unsqueeze(-1)


def mean_free(delta: torch.Tensor) -> torch.Tensor:
    """``delta`` ``(B, T, J, 3)`` minus its mean over time (dim 1)."""
    return delta - delta.mean(dim=1, keepdim=True)


def bounded_correction(head: torch.Tensor, noise: torch.Tensor, max_gain: float = MAX_GAIN) -> torch.Tensor:
    """The correction ``noise * C * tanh(head / C)``, mean-free over time.

    Parameters
    ----------
    head : torch.Tensor
        ``(B, T, J, 3)`` raw head output (units of ``noise``).
    noise : torch.Tensor
        ``(B, 1, J, 1)`` evident noise (:func:`evident_noise`), floored by the caller.
    max_gain : float
        ``C``.

    Returns
    -------
    torch.Tensor
        ``(B, T, J, 3)``.
    """
    return mean_free(noise * max_gain * torch.tanh(head / max_gain))


def smoothing_mixture(x: torch.Tensor, logits: torch.Tensor, sigmas_slots) -> torch.Tensor:
    """The deviation from ``x`` of a per-frame, per-joint softmax mixture of ``x`` and its Gaussian smoothings
    (:func:`smooth_detrended`, so straight-line travel is kept).

    Parameters
    ----------
    x : torch.Tensor
        ``(B, T, J, 3)``.
    logits : torch.Tensor
        ``(B, T, J, K + 1)``: the identity first, then one per width.
    sigmas_slots : sequence of float
        The K widths, slots.

    Returns
    -------
    torch.Tensor
        ``(B, T, J, 3)``: ``sum_k w_k (G_k(x) - x)``.
    """
    b, t, j, _ = x.shape
    flat = x.reshape(b, t, j * 3)
    smooth = torch.stack([smooth_detrended(flat, float(s)).reshape(b, t, j, 3) - x for s in sigmas_slots], dim=-1)
    w = torch.softmax(logits, dim=-1)[..., 1:].unsqueeze(-2)  # (B, T, J, 1, K): the identity adds nothing
    return (smooth * w).sum(-1)


def root_relative(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Split window-centred poses into the pose around its per-frame root and the root's path.

    Parameters
    ----------
    x : torch.Tensor
        ``(B, T, J, 3)`` gap-filled, window-centred positions.

    Returns
    -------
    pose : torch.Tensor
        ``(B, T, J, 3)``: each joint minus the frame's root (mean of :data:`ROOT_JOINTS`).
    root : torch.Tensor
        ``(B, T, 3)``: the root minus its mean over the window.
    """
    root = x[:, :, list(ROOT_JOINTS)].mean(dim=2)
    return x - root.unsqueeze(2), root - root.mean(dim=1, keepdim=True)
