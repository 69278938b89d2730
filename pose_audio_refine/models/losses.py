"""Training losses: MPJPE (the paper's loss, §3.6) and SmoothNet-style velocity/acceleration terms."""
from __future__ import annotations

import torch

__all__ = ["mpjpe_loss", "velocity_loss", "refinement_loss"]


def _check_pair(pred: torch.Tensor, gt: torch.Tensor) -> None:
    if pred.shape != gt.shape or pred.ndim != 4 or pred.shape[-1] != 3:
        raise ValueError(f"pred and gt must both be (B, T, J, 3), got {tuple(pred.shape)} and {tuple(gt.shape)}")


def _weights(mask: torch.Tensor | None, shape: tuple[int, ...], ref: torch.Tensor) -> torch.Tensor | None:
    """Broadcast a ``(B, T)`` or ``(B, T, J)`` mask to ``shape`` (``(B, T, J)``) as float weights."""
    if mask is None:
        return None
    m = mask.to(ref.dtype)
    if m.ndim == 2:
        m = m.unsqueeze(-1)
    if m.ndim != 3:
        raise ValueError(f"mask must be (B, T) or (B, T, J), got {tuple(mask.shape)}")
    return m.expand(shape)


def _masked_mean(err: torch.Tensor, w: torch.Tensor | None) -> torch.Tensor:
    if w is None:
        return err.mean()
    return (err * w).sum() / w.sum().clamp_min(1.0)


def mpjpe_loss(pred: torch.Tensor, gt: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Mean per-joint position error: mean Euclidean distance between predicted and true joints.

    Parameters
    ----------
    pred, gt : torch.Tensor
        ``(B, T, J, 3)``, same unit (mm for the models here, so the loss is in mm).
    mask : torch.Tensor, optional
        ``(B, T)`` or ``(B, T, J)``; 1/True where the ground truth is valid. Masked joints do not count.

    Returns
    -------
    torch.Tensor
        Scalar loss.
    """
    _check_pair(pred, gt)
    err = torch.linalg.vector_norm(pred - gt, dim=-1)  # (B, T, J)
    return _masked_mean(err, _weights(mask, err.shape, err))


def velocity_loss(pred: torch.Tensor, gt: torch.Tensor, order: int = 1, mask: torch.Tensor | None = None
                  ) -> torch.Tensor:
    """Mean Euclidean error of the ``order``-th finite difference along time (1: velocity, 2: acceleration).

    Differences are per frame (unit per frame, not per second), as in SmoothNet. A difference counts only when
    every frame it uses is valid in ``mask``.

    Parameters
    ----------
    pred, gt : torch.Tensor
        ``(B, T, J, 3)`` with ``T > order``.
    order : int
        1 or 2.
    mask : torch.Tensor, optional
        ``(B, T)`` or ``(B, T, J)`` validity of the ground truth.

    Returns
    -------
    torch.Tensor
        Scalar loss.
    """
    _check_pair(pred, gt)
    if order not in (1, 2):
        raise ValueError(f"order must be 1 or 2, got {order}")
    if pred.shape[1] <= order:
        raise ValueError(f"need more than {order} frames for an order-{order} difference, got {pred.shape[1]}")
    dp, dg = torch.diff(pred, n=order, dim=1), torch.diff(gt, n=order, dim=1)
    err = torch.linalg.vector_norm(dp - dg, dim=-1)
    w = _weights(mask, pred.shape[:3], pred)
    if w is not None:
        for _ in range(order):  # a difference is valid when both of its inputs are
            w = w[:, 1:] * w[:, :-1]
    return _masked_mean(err, w)


def refinement_loss(pred: torch.Tensor, gt: torch.Tensor, mask: torch.Tensor | None = None,
                    vel_weight: float = 0.0, acc_weight: float = 0.0) -> torch.Tensor:
    """``mpjpe + vel_weight * velocity + acc_weight * acceleration`` (weights 0 give the paper's loss)."""
    loss = mpjpe_loss(pred, gt, mask)
    if vel_weight:
        loss = loss + vel_weight * velocity_loss(pred, gt, 1, mask)
    if acc_weight:
        loss = loss + acc_weight * velocity_loss(pred, gt, 2, mask)
    return loss
