"""Helpers shared by ``tools/train.py`` and ``tools/test.py``."""
from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def ensure_repo_on_path() -> None:
    """Make ``pose_audio_refine`` and ``training`` importable when a tool runs from any folder."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))


@contextlib.contextmanager
def trusted_local_checkpoint_load():
    """Let torch unpickle a *local training checkpoint written by this project* (resume, or a fine-tune's ``load_from``).

    torch >= 2.6 loads weights-only by default; mmengine 0.10.7's resume checkpoints hold optimiser and
    message-hub state that weights-only loading rejects (``UnpicklingError ... getattr``). This opts out for
    the duration of the resume call only. Shipped weights are plain state_dicts and are always loaded with
    ``weights_only=True`` (see ``pose_audio_refine.checkpoint``). Never use this on files you did not write.
    """
    key = "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"
    old = os.environ.get(key)
    os.environ[key] = "1"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = old
