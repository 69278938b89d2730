"""Torch models: MAPnet (seed paper §3), its learned baselines, and their losses.

All models share ``forward(poses, audio=None, input_times=None) -> (B, 150, 13, 3)`` with poses in mm, so a
training loop (or an mmengine ``BaseModel`` wrapper) can treat them alike. Build one by name with
:func:`build_model`.
"""
from __future__ import annotations

import inspect

from torch import nn

from .layers import PositionalEncoding, Rebalance, TransformerStack, interp_time, normalize_poses
from .losses import mpjpe_loss, refinement_loss, velocity_loss
from .mapnet import FUSION_LAYERS, MAPNET_PRESETS, MAPnet, mapnet_config
from .pose_only import DeciWatch, LSTMPA, LSTMPo, PoT, SmoothNetMLP

#: Model classes by name (config ``type``).
NETWORKS: dict[str, type[nn.Module]] = {
    "MAPnet": MAPnet, "PoT": PoT, "LSTMPo": LSTMPo, "LSTMPA": LSTMPA, "SmoothNetMLP": SmoothNetMLP,
    "DeciWatch": DeciWatch,
}


def model_options(type: str) -> list[str]:  # noqa: A002
    """The keyword arguments a model type takes (PoT: MAPnet's, less the audio ones it drops)."""
    if type not in NETWORKS:
        raise ValueError(f"unknown model type {type!r}; expected one of {sorted(NETWORKS)}")
    names = []
    for cls in NETWORKS[type].__mro__:
        init = cls.__dict__.get("__init__")
        if init is None:
            continue
        params = inspect.signature(init).parameters.values()
        names += [p.name for p in params if p.name != "self" and p.kind is p.POSITIONAL_OR_KEYWORD]
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    return sorted(set(names))


def build_model(type: str, **kwargs) -> nn.Module:  # noqa: A002 - "type" mirrors mmengine config dicts
    """Instantiate a model from a config dict such as ``dict(type="MAPnet", **mapnet_config("small"))``.

    An option the model does not take is a ``ValueError`` naming it (options of variants that were measured and
    dropped, such as ``rebalance_mode`` or ``time_pe``, are listed in ``pose_audio_refine/weights/MODEL_CARD.md``).
    """
    unknown = sorted(set(kwargs) - set(model_options(type)))
    if unknown:
        raise ValueError(f"{type} has no option(s) {unknown} (dropped variants: pose_audio_refine/weights/"
                         f"MODEL_CARD.md); it takes {model_options(type)}")
    return NETWORKS[type](**kwargs)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


__all__ = [
    "MAPnet", "PoT", "LSTMPo", "LSTMPA", "SmoothNetMLP", "DeciWatch", "NETWORKS", "build_model", "model_options",
    "count_parameters",
    "mapnet_config", "MAPNET_PRESETS", "FUSION_LAYERS", "mpjpe_loss", "velocity_loss", "refinement_loss",
    "PositionalEncoding", "Rebalance", "TransformerStack", "interp_time", "normalize_poses",
]
