"""The benchmark on MAPdat-format window sets: the paper's Tables 2-5 and the issue-4 targets.

Every method turns the stored noisy input of one τ (``inputs_<τ>``, ``(T_in, 13, 3)`` mm, NaN = dropped
frame) into the 150-frame 50 fps window and is scored against the window's ground truth ``gt``.

One concept per module:

* :mod:`~training.benchmark.data` -- open a build, pick windows, read them (``open_set``, ``window_batch``).
* :mod:`~training.benchmark.predict` -- classical refiners (batched) and learned grid-input networks, which run
  through :func:`pose_audio_refine.pipeline.refine_windows`, the Refiner's own stages.
* :mod:`~training.benchmark.score` -- MPJPE, MPJAE and swapped frames restored per window, and their means.
* :mod:`~training.benchmark.tune` -- classical parameters: defaults and the val-split grid search.
* :mod:`~training.benchmark.run` -- :func:`evaluate_set`, one set end to end.
* :mod:`~training.benchmark.targets` -- the issue-4 target checks and their thresholds.
* :mod:`~training.benchmark.report` -- the Markdown tables.
* :mod:`~training.benchmark.results` -- labels and look-ups in an ``evaluate_set`` result.

``tools/benchmark.py`` is the command line.
"""
from __future__ import annotations

from .data import BuildMissingError, build_command, open_set, shuffled_audio_clips, subset_indices, window_batch
from .predict import CLASSICAL, CLASSICAL_LABELS, model_accepts, predict_classical, predict_model
from .report import AUDIO_DRIVEN_JOINTS, TELMI13_NAMES, audio_bound, format_markdown
from .results import TAU_VALUE, variant_label
from .run import evaluate_set
from .score import score_windows, summarize, swap_restoration
from .targets import target_checks
from .tune import DEFAULT_PARAMS, PARAM_GRIDS, tune_classical

__all__ = [
    "BuildMissingError", "build_command", "open_set", "subset_indices", "window_batch", "shuffled_audio_clips",
    "CLASSICAL", "CLASSICAL_LABELS", "model_accepts", "predict_classical", "predict_model",
    "swap_restoration", "score_windows", "summarize",
    "DEFAULT_PARAMS", "PARAM_GRIDS", "tune_classical",
    "evaluate_set", "target_checks", "format_markdown",
    "AUDIO_DRIVEN_JOINTS", "TELMI13_NAMES", "audio_bound", "TAU_VALUE", "variant_label",
]
