"""Video files: probing, frame reading (OpenCV) and H.264 writing with the original audio muxed back in.

Frames are decoded with ``cv2.VideoCapture`` (BGR ``uint8``). Writing pipes raw frames to the ffmpeg binary
bundled with ``imageio-ffmpeg`` (there is no system ffmpeg), which encodes H.264 (``libx264``, ``yuv420p``,
so every player reads it) and copies the first audio stream of another file, when it has one.
"""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

__all__ = ["VideoInfo", "VideoReadError", "video_info", "iter_frames", "write_video"]


class VideoReadError(ValueError):
    """The file is not a video OpenCV/ffmpeg can decode (not a media file, audio only, corrupt)."""


@dataclass(frozen=True)
class VideoInfo:
    """What a video file holds.

    Attributes
    ----------
    path : Path
    fps : float
        Frame rate, Hz.
    n_frames : int
        Number of frames (counted by decoding when the container does not say).
    width, height : int
        Frame size, pixels.
    duration : float
        ``n_frames / fps``, s.
    has_audio : bool
        Whether ffmpeg lists an audio stream.
    """

    path: Path
    fps: float
    n_frames: int
    width: int
    height: int
    duration: float
    has_audio: bool


def _ffmpeg() -> str:
    import imageio_ffmpeg  # noqa: PLC0415 - only needed when writing or probing audio

    return imageio_ffmpeg.get_ffmpeg_exe()


def _open(path: Path):
    import cv2  # noqa: PLC0415 - heavy import, only for video work

    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        cap.release()
        raise VideoReadError(f"{path} is not a video that can be read (OpenCV/ffmpeg could not open it)")
    return cap


def video_info(path) -> VideoInfo:
    """Probe a video file.

    Parameters
    ----------
    path : str or Path
        Any video ffmpeg reads (mp4, avi, mkv, mov, ...).

    Returns
    -------
    VideoInfo

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    VideoReadError
        (a ``ValueError``) The file cannot be opened as a video, has no decodable frame, or no frame rate.
    """
    import cv2  # noqa: PLC0415

    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"video not found (or not a file): {p}")
    cap = _open(p)
    try:
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        ok, frame = cap.read()
        if not ok or frame is None:
            raise VideoReadError(f"{p} has no decodable video frame (not a video, audio only, or corrupt)")
        h, w = frame.shape[:2]
        if n <= 0:  # some containers do not store a frame count: count by decoding (grab does not convert)
            n = 1
            while cap.grab():
                n += 1
    finally:
        cap.release()
    if not np.isfinite(fps) or fps <= 0:
        raise VideoReadError(f"{p} reports no frame rate (fps={fps}); re-encode it with a constant frame rate")
    from ..audio import AudioDecodeError, audio_info  # noqa: PLC0415

    try:
        has_audio = audio_info(p).has_audio
    except AudioDecodeError:
        has_audio = False
    return VideoInfo(p, fps, n, int(w), int(h), n / fps, has_audio)


def iter_frames(path, indices: Iterable[int] | None = None,
                stop: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """Decode frames in order, yielding only the wanted ones.

    Parameters
    ----------
    path : str or Path
        Video file.
    indices : iterable of int, optional
        Increasing frame numbers to yield (others are skipped with ``grab``, which does not convert them);
        default: every frame.
    stop : int, optional
        Stop before this frame number.

    Yields
    ------
    (int, np.ndarray)
        Frame number and the frame ``(H, W, 3)`` BGR ``uint8``.
    """
    cap = _open(Path(path))
    wanted = None if indices is None else iter(sorted(set(int(i) for i in indices)))
    nxt = None if wanted is None else next(wanted, None)
    i = 0
    try:
        while stop is None or i < stop:
            if wanted is not None:
                if nxt is None:
                    return
                if i < nxt:
                    if not cap.grab():
                        return
                    i += 1
                    continue
            ok, frame = cap.read()
            if not ok:
                return
            yield i, frame
            i += 1
            if wanted is not None:
                nxt = next(wanted, None)
    finally:
        cap.release()


def write_video(frames: Iterable[np.ndarray], path, fps: float, size: tuple[int, int], audio_from=None,
                duration: float | None = None, crf: int = 23) -> Path:
    """Encode BGR frames to an H.264 mp4, optionally with the first audio stream of another file.

    Parameters
    ----------
    frames : iterable of np.ndarray
        ``(H, W, 3)`` BGR ``uint8`` frames, all of ``size``.
    path : str or Path
        Output ``.mp4``.
    fps : float
        Frame rate, Hz.
    size : (int, int)
        ``(width, height)`` in pixels; both are made even for ``yuv420p`` by padding.
    audio_from : str or Path, optional
        Media file whose first audio stream is muxed in (AAC), starting at its beginning. Silently none when
        that file has no audio stream.
    duration : float, optional
        Cut the audio at this many seconds (the video part's length).
    crf : int
        x264 quality (lower is better and bigger).

    Returns
    -------
    Path
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    w, h = int(size[0]), int(size[1])
    cmd = [_ffmpeg(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
           "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{w}x{h}", "-r", f"{fps:.6f}", "-i", "pipe:0"]
    if audio_from is not None:
        cmd += (["-t", f"{duration:.6f}"] if duration is not None else []) + ["-i", str(audio_from)]
    # Even sizes for yuv420p; "+faststart" so the file plays while downloading.
    cmd += ["-map", "0:v:0", "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-c:v", "libx264", "-preset", "veryfast",
            "-crf", str(int(crf)), "-pix_fmt", "yuv420p", "-movflags", "+faststart"]
    if audio_from is not None:
        cmd += ["-map", "1:a:0?", "-c:a", "aac", "-b:a", "96k", "-shortest"]
    cmd.append(str(path))
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for frame in frames:
            if frame.shape[:2] != (h, w):
                raise ValueError(f"frames must all be {w}x{h}, got {frame.shape[1]}x{frame.shape[0]}")
            proc.stdin.write(np.ascontiguousarray(frame, dtype=np.uint8).tobytes())
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    finally:
        if proc.stdin and not proc.stdin.closed:
            try:
                proc.stdin.close()
            except BrokenPipeError:
                pass
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.wait() != 0:
        raise RuntimeError(f"ffmpeg failed to write {path}: {err.strip()[-600:]}")
    return path
