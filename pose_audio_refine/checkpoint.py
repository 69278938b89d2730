"""Shipped and exported model weights: a plain ``state_dict`` file plus a JSON sidecar.

``NAME.pth`` holds only tensors and is always read with ``torch.load(weights_only=True)``. ``NAME.json``
holds the network config (``net``: ``dict(type=..., **kwargs)`` for :func:`pose_audio_refine.models.build_model`),
the input mode, the file's SHA-256, and training provenance. Loading checks the hash first (a tampered or
truncated file is refused), then loads strictly into a fresh network (a checkpoint from another config is
refused), so a failed load never leaves a half-loaded model behind.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch
from torch import nn

from .models import build_model

#: Folder of the weights bundled with the package, and the default checkpoint's name.
WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
DEFAULT_CHECKPOINT = WEIGHTS_DIR / "mapnet_fast.pth"
#: SHA-256 of the bundled weights, fixed in code so that a modified file *and* sidecar are refused too.
DEFAULT_SHA256 = "c0c0cd61fe807711bad03816724d170ce4ba8b05a7432b43857bf9e7c629a1d6"


class CheckpointError(ValueError):
    """A checkpoint that is missing, tampered with, truncated, or made for another config."""


def check_device(device) -> torch.device:
    """The ``torch.device`` for ``device``, checked to be one this machine can run a network on.

    Parameters
    ----------
    device : str, int or torch.device
        ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ...

    Returns
    -------
    torch.device

    Raises
    ------
    ValueError
        Naming ``device``: not a device name, ``"meta"`` (shapes only, no data), a CUDA device on a machine
        without CUDA or with fewer GPUs, or any other device torch cannot allocate on here.
    """
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError) as exc:
        raise ValueError(f"device must be a torch device such as 'cpu' or 'cuda', got {device!r} ({exc})") from None
    if dev.type == "meta":
        raise ValueError("device='meta' holds shapes but no data: a network cannot run there; use 'cpu' or 'cuda'")
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device={device!r} but CUDA is not available on this machine; use device='cpu'")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(f"device={device!r} but this machine has {torch.cuda.device_count()} CUDA device(s)")
    try:
        torch.zeros(1, device=dev)  # any other backend: does it exist and work here?
    except Exception as exc:  # noqa: BLE001 - each backend fails in its own way
        raise ValueError(f"device={device!r} cannot be used on this machine: {exc}") from None
    return dev


def sha256_file(path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sidecar_path(path) -> Path:
    """The JSON metadata file that belongs to a ``.pth`` weights file."""
    return Path(path).with_suffix(".json")


def save_weights(net: nn.Module, net_cfg: dict, path, **meta) -> Path:
    """Write ``net``'s state_dict to ``path`` and its config, hash and ``meta`` to the JSON sidecar.

    Parameters
    ----------
    net : nn.Module
        The trained network.
    net_cfg : dict
        ``dict(type=..., **kwargs)`` that rebuilds ``net`` with :func:`~pose_audio_refine.models.build_model`.
    path : str or Path
        Output ``.pth`` path.
    **meta
        Extra JSON-serialisable provenance (input mode, config file, command, scores...).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().clone() for k, v in net.state_dict().items()}
    torch.save(state, path)
    info = dict(meta, net=dict(net_cfg), sha256=sha256_file(path), format="pose_audio_refine.weights/1")
    sidecar_path(path).write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")
    return path


def load_weights(path=None, device: str | torch.device = "cpu") -> tuple[nn.Module, dict]:
    """Load a weights file into a fresh network (eval mode).

    Parameters
    ----------
    path : str or Path, optional
        ``.pth`` file with its ``.json`` sidecar; default: the bundled :data:`DEFAULT_CHECKPOINT`.
    device : str or torch.device

    Returns
    -------
    net : nn.Module
    meta : dict
        The sidecar's contents.

    Raises
    ------
    FileNotFoundError
        The file or its sidecar is missing.
    TypeError
        ``path`` is not a path.
    ValueError
        ``device`` cannot be used here (:func:`check_device`).
    CheckpointError
        Hash mismatch (tampered/truncated), unreadable file, a config with options this version does not take
        (a dropped variant; the message names them), or weights that do not fit the config.
    """
    if path is not None and not isinstance(path, (str, Path)) and not hasattr(path, "__fspath__"):
        raise TypeError(f"checkpoint must be a path to a .pth weights file or None, got {type(path).__name__}")
    device = check_device(device)
    path = Path(DEFAULT_CHECKPOINT if path is None else path)
    side = sidecar_path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    if not side.is_file():
        raise FileNotFoundError(f"checkpoint metadata not found: {side} (expected beside {path.name})")
    try:
        meta = json.loads(side.read_text())
        net_cfg = dict(meta["net"])
        expected = meta["sha256"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise CheckpointError(f"checkpoint metadata {side} is malformed: {exc}") from exc
    actual = sha256_file(path)
    if path.resolve() == DEFAULT_CHECKPOINT.resolve():
        expected = DEFAULT_SHA256
    if actual != expected:
        raise CheckpointError(f"checkpoint {path} does not match its recorded SHA-256 (expected {expected[:12]}…, "
                              f"got {actual[:12]}…): the file was modified or truncated")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means an unusable file
        raise CheckpointError(f"checkpoint {path} could not be read as a weights-only state_dict: {exc}") from exc
    if not isinstance(state, dict):
        raise CheckpointError(f"checkpoint {path} holds a {type(state).__name__}, not a state_dict")
    try:
        net = build_model(net_cfg.pop("type", None), **net_cfg)
    except (TypeError, ValueError) as exc:  # an option or value this version does not have (a dropped variant)
        raise CheckpointError(f"checkpoint {path}: its config {meta['net']} cannot be built: {exc}") from exc
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise CheckpointError(f"checkpoint {path} does not fit its config {meta['net']}: {exc}") from exc
    return net.to(device).eval(), meta
