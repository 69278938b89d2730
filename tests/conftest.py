"""Shared fixtures: paths to the real data beside the repo, and seeded generators."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the repo (real data nobody here made; never copied into the repo)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"real data folder not found at {SHARED_DATA}: clone the repo beside ../shared")
    return SHARED_DATA


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture(scope="module")
def torch_one_thread():
    """The test machine's cores are shared: keep torch to one thread for a module (deterministic speed)."""
    import torch
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@pytest.fixture(scope="session")
def mini_build(tmp_path_factory) -> Path:
    """A tiny simulated MAPdat build (4 takes x 5 s, realistic noise, 1 variant), made once per test run."""
    from training.mapdat import BuildSpec, build_mapdat

    out = tmp_path_factory.mktemp("mapdat")
    build_mapdat(out, BuildSpec(preset="realistic", takes=4, take_duration_s=5.0, seed=3, variants=1, performers=4),
                 workers=1, progress=False)
    return out
