"""pose_audio_refine: music-assisted 3D pose refinement (MAPnet).

``from pose_audio_refine import Refiner, RefineResult`` is the way in (see :mod:`pose_audio_refine.refiner`).
They are imported lazily, so ``import pose_audio_refine.skeletons`` and friends do not pay for torch/librosa.
"""

__version__ = "0.1.0"

__all__ = ["Refiner", "RefineResult", "__version__"]


def __getattr__(name: str):
    if name in ("Refiner", "RefineResult"):
        from . import refiner

        return getattr(refiner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
