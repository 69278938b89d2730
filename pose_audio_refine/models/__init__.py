"""Torch models: MAPnet (seed paper §3), its learned baselines, and their losses.

All models share ``forward(poses, audio=None, input_times=None) -> (B, 150, 13, 3)`` with poses in mm, so a
training loop (or an mmengine ``BaseModel`` wrapper) can treat them alike. Build one by name with
:func:`build_model`.
"""
from __future__ import annotations

from torch import nn

from .layers import PositionalEncoding, Rebalance, TransformerStack, interp_time, normalize_poses
from .losses import mpjpe_loss, refinement_loss, velocity_loss
from .mapnet import FUSION_LAYERS, MAPNET_PRESETS, MAPnet, mapnet_config
from .pose_only import DeciWatch, LSTMPA, LSTMPo, PoT, SmoothNetMLP

#: Model classes by name (config ``type``).
MODELS: dict[str, type[nn.Module]] = {
    "MAPnet": MAPnet, "PoT": PoT, "LSTMPo": LSTMPo, "LSTMPA": LSTMPA, "SmoothNetMLP": SmoothNetMLP,
    "DeciWatch": DeciWatch,
}


def build_model(type: str, **kwargs) -> nn.Module:  # noqa: A002 - "type" mirrors mmengine config dicts
    """Instantiate a model from a config dict such as ``dict(type="MAPnet", **mapnet_config("small"))``."""
    if type not in MODELS:
        raise ValueError(f"unknown model type {type!r}; expected one of {sorted(MODELS)}")
    return MODELS[type](**kwargs)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


__all__ = [
    "MAPnet", "PoT", "LSTMPo", "LSTMPA", "SmoothNetMLP", "DeciWatch", "MODELS", "build_model", "count_parameters",
    "mapnet_config", "MAPNET_PRESETS", "FUSION_LAYERS", "mpjpe_loss", "velocity_loss", "refinement_loss",
    "PositionalEncoding", "Rebalance", "TransformerStack", "interp_time", "normalize_poses",
]
