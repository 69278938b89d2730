"""A DDP wrapper that also works on the CPU (gloo), for ``torchrun --nproc_per_node=2`` on 2 cores.

mmengine's Runner always passes ``device_ids=[LOCAL_RANK]`` to the wrapper; torch's DDP rejects
``device_ids`` for CPU modules, so this wrapper drops them when the module has no CUDA parameters.
"""
from __future__ import annotations

from mmengine.model import MMDistributedDataParallel

from .registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class CPUFriendlyDDP(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` that ignores ``device_ids`` for CPU modules."""

    def __init__(self, module, device_ids=None, **kwargs):
        on_cuda = any(p.is_cuda for p in module.parameters())
        super().__init__(module=module, device_ids=device_ids if on_cuda else None, **kwargs)
