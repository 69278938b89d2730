"""Shared fixtures: paths to the real data beside the repo, and seeded generators."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
# A telmi13 violinist in the training frame (mm, z up, facing +y, left toe at the origin), and the same player as
# an h36m skeleton (root, r hip/knee/ankle, l hip/knee/ankle, spine, thorax, neck_base, head, l shoulder/elbow/wrist,
# r shoulder/elbow/wrist), mm: the pose the refiner tests animate.
TELMI = np.array([
    [200, -200, 1300], [400, -190, 1250], [0, -190, 1250], [480, -100, 1000], [-80, 50, 1150], [450, 100, 1050],
    [-50, 250, 1300], [300, -220, 900], [100, -220, 900], [350, -50, 480], [50, -50, 480], [400, 0, 0],
    [0, 0, 0]], dtype=float)
H36M = np.array([
    [200, -200, 920], [300, -220, 900], [350, -50, 480], [400, -130, 50], [100, -220, 900], [50, -50, 480],
    [0, -130, 50], [200, -210, 1100], [200, -200, 1300], [200, -170, 1420], [200, -180, 1520], [0, -190, 1250],
    [-80, 50, 1150], [-50, 250, 1300], [400, -190, 1250], [480, -100, 1000], [450, 100, 1050]], dtype=float)


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


@pytest.fixture(scope="session")
def ckpt(tmp_path_factory) -> Path:
    """A tiny random MAPnet (grid input, 150 slots) saved as a weights file."""
    import torch

    from pose_audio_refine.checkpoint import save_weights
    from pose_audio_refine.models import build_model

    torch.manual_seed(0)
    cfg = dict(type="MAPnet", t_in=150, h1=32, h2=20, n_heads=4, pose_layers=1, audio_layers=1, fusion_layers=1,
               residual=True)
    return save_weights(build_model(**cfg), cfg, tmp_path_factory.mktemp("ckpt") / "w.pth", input_mode="grid")


def import_tool(name: str):
    """Import ``tools/<name>.py`` as a module (the tools are scripts, not a package)."""
    import sys

    sys.path.insert(0, str(REPO / "tools"))
    try:
        return __import__(name)
    finally:
        sys.path.remove(str(REPO / "tools"))
