"""Video in, refined 3D poses out: MediaPipe estimation, I/O, plots, overlay rendering and the whole job.

``refine_video(path)`` (:mod:`.pipeline`) is what ``tools/refine_video.py`` runs. Submodules import their
heavy dependencies (OpenCV, MediaPipe, matplotlib, torch) only inside the functions that need them.
"""
from .estimator import MIN_DETECTION_RATE, NoPersonError, PoseEstimate, estimate_poses, select_frames
from .io import VideoInfo, VideoReadError, iter_frames, video_info, write_video
from .pipeline import LoadedPoses, load_poses_file, refine_video

__all__ = ["VideoInfo", "VideoReadError", "iter_frames", "video_info", "write_video", "LoadedPoses",
           "load_poses_file", "refine_video", "NoPersonError", "PoseEstimate", "estimate_poses",
           "select_frames", "MIN_DETECTION_RATE"]
