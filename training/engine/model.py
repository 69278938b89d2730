"""The mmengine wrapper that trains any :mod:`pose_audio_refine.models` network (``type='PoseRefiner'``)."""
from __future__ import annotations

import torch
from mmengine.model import BaseModel

from pose_audio_refine.models import build_model, refinement_loss
from pose_audio_refine.skeletons import TELMI13_SOUND_JOINTS as SOUND_JOINTS

from .registry import MODELS


@MODELS.register_module()
class PoseRefiner(BaseModel):
    """Wrap a refinement network for mmengine's Runner.

    Parameters
    ----------
    net : dict
        ``dict(type=<name in pose_audio_refine.models.NETWORKS>, **kwargs)``.
    vel_weight, acc_weight : float
        Weights of the velocity / acceleration loss terms added to MPJPE (SmoothNet-style; 0 = the paper's
        pure MPJPE loss).
    use_audio : bool
        Feed the batch's audio features (False: the network gets ``audio=None``).
    relative_loss_floor_mm : float, optional
        Weigh each sample's loss by ``1 / (its input's MPJPE + floor)``: the loss becomes "error relative to doing
        nothing", so that a clean or lightly noisy window (input error ~1 mm) counts as much as one with the
        paper's 300 mm jitter -- without it the clean windows' few mm vanish beside the noisy windows' hundreds,
        and the net learns to smooth everything. None: the plain mean (earlier models).
    sound_joint_weight : float
        Add this times the loss of the sound-making joints alone (bowing wrist and elbow, left wrist): their fast
        motion is a small share of a 13-joint MPJPE, and it is the motion the audio can explain.
    init_from : str, optional
        An exported ``.pth`` (:func:`pose_audio_refine.checkpoint.save_checkpoint`) or a training checkpoint
        (``work_dirs/.../iter_N.pth``) to start the net from; weights
        it lacks (a branch added since) keep their initialisation, weights it has that the net lacks are an error.
    trainable : sequence of str, optional
        Train only the net's top-level submodules of these names (e.g. ``["detail"]``, MAPnet's audio-driven
        detail); every other parameter is frozen (``requires_grad=False``: no gradient, so the optimiser leaves it
        exactly as loaded, whatever its schedule). None: train everything.
    """

    def __init__(self, net: dict, vel_weight: float = 0.0, acc_weight: float = 0.0, use_audio: bool = True,
                 relative_loss_floor_mm: float | None = None, data_preprocessor: dict | None = None,
                 init_from: str | None = None, sound_joint_weight: float = 0.0, trainable=None):
        super().__init__(data_preprocessor=data_preprocessor)
        net = dict(net)
        self.net_cfg = dict(net)
        self.net = build_model(net.pop("type"), **net)
        if init_from is not None:  # start from exported weights; parts the file lacks keep their initialisation
            state = torch.load(init_from, map_location="cpu", weights_only=False)  # our own files only
            if "state_dict" in state:  # an mmengine checkpoint of a PoseRefiner: keep its net's weights
                state = {k[4:]: v for k, v in state["state_dict"].items() if k.startswith("net.")}
            # feature statistics belong to this net's config (raw or level-relative audio), not to the start point
            state = {k: v for k, v in state.items() if k not in ("audio_mean", "audio_std")}
            missing, unexpected = self.net.load_state_dict(state, strict=False)
            if unexpected:
                raise ValueError(f"init_from {init_from} has weights this net lacks: {unexpected[:5]}")
            print(f"PoseRefiner: initialised from {init_from}; new: {sorted({k.split('.')[0] for k in missing})}")
        if trainable is not None:
            names = {name for name, _ in self.net.named_children()}
            unknown = sorted(set(trainable) - names)
            if unknown or not trainable:
                raise ValueError(f"trainable must name some of the net's submodules {sorted(names)}, got {trainable!r}")
            for name, p in self.net.named_parameters():
                p.requires_grad_(name.split(".")[0] in set(trainable))
        self.vel_weight, self.acc_weight, self.use_audio = float(vel_weight), float(acc_weight), bool(use_audio)
        if relative_loss_floor_mm is not None and relative_loss_floor_mm <= 0:
            raise ValueError(f"relative_loss_floor_mm must be > 0 mm, got {relative_loss_floor_mm}")
        self.relative_floor = None if relative_loss_floor_mm is None else float(relative_loss_floor_mm)
        self.sound_joint_weight = float(sound_joint_weight)

    def forward(self, poses: torch.Tensor, gt: torch.Tensor, audio: torch.Tensor | None = None,
                input_times: torch.Tensor | None = None, mode: str = "tensor", **meta):
        """``poses`` ``(B, T_in, 13, 3)`` mm, ``gt`` ``(B, 150, 13, 3)`` mm, ``audio`` ``(B, 150, 35)``.

        ``mode='loss'`` returns the loss dict, ``'predict'`` a list of per-window dicts for the metric,
        ``'tensor'`` the raw ``(B, 150, 13, 3)`` prediction.
        """
        pred = self.net(poses, audio if self.use_audio else None, input_times)
        if mode == "loss":
            def loss_fn(p: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
                loss = refinement_loss(p, g, vel_weight=self.vel_weight, acc_weight=self.acc_weight)
                if self.sound_joint_weight:
                    j = list(SOUND_JOINTS)
                    loss = loss + self.sound_joint_weight * refinement_loss(
                        p[:, :, j], g[:, :, j], vel_weight=self.vel_weight, acc_weight=self.acc_weight)
                return loss
            if self.relative_floor is None:
                return {"loss": loss_fn(pred, gt)}
            with torch.no_grad():  # each window's input error (grid input: the same 150 slots as gt)
                err_in = torch.linalg.vector_norm(poses - gt, dim=-1).nanmean(dim=(1, 2)) if \
                    poses.shape == gt.shape else torch.zeros(gt.shape[0], device=gt.device, dtype=gt.dtype)
                weight = 1.0 / (torch.nan_to_num(err_in, nan=0.0) + self.relative_floor)
            per_sample = torch.stack([loss_fn(pred[b:b + 1], gt[b:b + 1]) for b in range(gt.shape[0])])
            return {"loss": (weight * per_sample).mean()}
        if mode == "predict":
            category = meta.get("category")
            return [{"pred": pred[b].detach().cpu(), "gt": gt[b].detach().cpu(),
                     "category": int(category[b]) if category is not None else -1} for b in range(pred.shape[0])]
        return pred
