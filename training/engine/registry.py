"""MMEngine registries for training, scoped ``training`` (configs set ``default_scope='training'``).

As in MMPose's ``mmpose/registry.py``, every registry a Runner touches gets a child here, so mmengine's
own components (loops, hooks, optimisers, samplers) stay reachable through the parent and the Runner
finds the ``training`` scope in each registry tree. Our own modules register into MODELS, DATASETS,
METRICS and MODEL_WRAPPERS.
"""
from mmengine import registry as mmr
from mmengine.registry import Registry

_LOC = ["training.engine"]


def _child(name: str, parent: Registry) -> Registry:
    return Registry(name, parent=parent, scope="training", locations=_LOC)


RUNNERS = _child("runner", mmr.RUNNERS)
RUNNER_CONSTRUCTORS = _child("runner constructor", mmr.RUNNER_CONSTRUCTORS)
LOOPS = _child("loop", mmr.LOOPS)
HOOKS = _child("hook", mmr.HOOKS)
LOG_PROCESSORS = _child("log_processor", mmr.LOG_PROCESSORS)
DATASETS = _child("dataset", mmr.DATASETS)
DATA_SAMPLERS = _child("data sampler", mmr.DATA_SAMPLERS)
TRANSFORMS = _child("transform", mmr.TRANSFORMS)
MODELS = _child("model", mmr.MODELS)
MODEL_WRAPPERS = _child("model_wrapper", mmr.MODEL_WRAPPERS)
WEIGHT_INITIALIZERS = _child("weight initializer", mmr.WEIGHT_INITIALIZERS)
OPTIMIZERS = _child("optimizer", mmr.OPTIMIZERS)
OPTIM_WRAPPERS = _child("optim_wrapper", mmr.OPTIM_WRAPPERS)
OPTIM_WRAPPER_CONSTRUCTORS = _child("optimizer wrapper constructor", mmr.OPTIM_WRAPPER_CONSTRUCTORS)
PARAM_SCHEDULERS = _child("parameter scheduler", mmr.PARAM_SCHEDULERS)
METRICS = _child("metric", mmr.METRICS)
EVALUATOR = _child("evaluator", mmr.EVALUATOR)
VISUALIZERS = _child("visualizer", mmr.VISUALIZERS)
VISBACKENDS = _child("vis_backend", mmr.VISBACKENDS)
FUNCTIONS = _child("function", mmr.FUNCTIONS)
