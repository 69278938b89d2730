"""Registry hook for mmengine's scope switching (part of the MMPose glue, not of the core).

When a config says ``_scope_='pose_audio_refine'``, mmengine imports ``pose_audio_refine.registry`` to find
that scope's registries; this module points it at the glue's. Nothing in the core imports this module.
"""
from .mmpose import REFINERS  # noqa: F401 - importing registers the refiners
