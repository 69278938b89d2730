"""Validation/test metric: MPJPE and MPJAE overall and per Table-3 category (``type='PoseMetric'``)."""
from __future__ import annotations

import numpy as np
from mmengine.evaluator import BaseMetric

from pose_audio_refine.metrics import mpjae, mpjpe
from training.take_windows import CATEGORY_NAMES

from .registry import METRICS


@METRICS.register_module()
class PoseMetric(BaseMetric):
    """MPJPE (mm) and MPJAE (mm/frame²) of refined 50 fps windows against ground truth."""

    default_prefix = "pose"

    def process(self, data_batch, data_samples) -> None:
        for s in data_samples:
            pred, gt = s["pred"].numpy(), s["gt"].numpy()
            self.results.append({"mpjpe": mpjpe(pred, gt), "mpjae": mpjae(pred, gt), "category": s["category"]})

    def compute_metrics(self, results: list) -> dict:
        out = {}
        cats = np.array([r["category"] for r in results])
        for key in ("mpjpe", "mpjae"):
            vals = np.array([r[key] for r in results])
            out[key] = float(vals.mean())
            for code, name in enumerate(CATEGORY_NAMES):
                if (cats == code).any():
                    out[f"{key}_{name}"] = float(vals[cats == code].mean())
        return out
