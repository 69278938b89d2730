"""pose_audio_refine: music-assisted 3D pose refinement (MAPnet)."""

__version__ = "0.1.0"
