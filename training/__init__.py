"""Dataset building (MAPdat), training and evaluation for pose_audio_refine."""
