"""mmengine glue: registries (scope ``training``), dataset, model wrapper, metric, CPU-friendly DDP.

Importing this package registers everything; configs do it with
``custom_imports = dict(imports=['training.engine'], allow_failed_imports=False)``.
"""
from .dataset import ConcatWindows, MAPdatWindows
from .ddp import CPUFriendlyDDP
from .hooks import RankProgressHook
from .metric import PoseMetric
from .model import PoseRefiner
from .registry import DATASETS, METRICS, MODEL_WRAPPERS, MODELS

__all__ = ["MAPdatWindows", "ConcatWindows", "CPUFriendlyDDP", "RankProgressHook", "PoseMetric", "PoseRefiner", "DATASETS", "METRICS", "MODELS",
           "MODEL_WRAPPERS"]
