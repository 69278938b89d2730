"""Hooks for training runs."""
from __future__ import annotations

import json
from pathlib import Path

from mmengine.dist import get_rank
from mmengine.hooks import Hook

from .registry import HOOKS


@HOOKS.register_module()
class RankProgressHook(Hook):
    """Record, per process, how many optimiser steps it took (``WORK_DIR/rank_progress/rank<R>.json``).

    mmengine logs from rank 0 only; this is how a DDP run shows that every rank really stepped.
    """

    priority = "VERY_LOW"

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        d = Path(runner.work_dir) / "rank_progress"
        d.mkdir(parents=True, exist_ok=True)
        loss = outputs.get("loss") if isinstance(outputs, dict) else None
        (d / f"rank{get_rank()}.json").write_text(json.dumps(
            {"rank": get_rank(), "iter": runner.iter + 1, "loss": None if loss is None else float(loss)}))
