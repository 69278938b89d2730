"""Decode audio from any file ffmpeg reads (audio or video containers) to mono float32.

The ffmpeg binary is the one bundled with ``imageio-ffmpeg`` (``imageio_ffmpeg.get_ffmpeg_exe()``). It ships no
``ffprobe``, so :func:`audio_info` probes a file by running ``ffmpeg -i FILE`` without an output and parsing the
stream listing it prints on stderr. Decoding builds the command with ``ffmpeg-python`` and reads raw ``f32le``
samples from a pipe.

Conventions (shared by :func:`load_audio` and :func:`stream_audio`):

* the first audio stream of the file is used (``-map 0:a:0``);
* channels are averaged to mono (like ``librosa.load``; ffmpeg's own ``-ac 1`` down-mix would instead scale a
  stereo pair by 1/sqrt(2) each, i.e. 3 dB louder than the mean);
* resampling is done by ffmpeg's soxr resampler (``aresample=resampler=soxr``);
* ``offset``/``duration`` are seconds from the file's first decoded sample, applied sample-exactly after
  resampling (ffmpeg ``atrim``), so ``load_audio(f, offset=a, duration=d)`` equals a slice of ``load_audio(f)``.
"""
from __future__ import annotations

import dataclasses
import re
import subprocess
import tempfile
import warnings
from pathlib import Path
from typing import Iterator

import numpy as np

from ..validation import check_rate

__all__ = [
    "AudioDecodeError",
    "AudioInfo",
    "NoAudioStreamError",
    "audio_info",
    "load_audio",
    "stream_audio",
]


class NoAudioStreamError(ValueError):
    """The file is a readable media file but holds no audio stream (e.g. a silent-film video).

    Callers that can work without audio (the video tool) catch this and fall back to pose-only refinement.
    """


class AudioDecodeError(ValueError):
    """ffmpeg could not read the file, or it decoded no samples (corrupt, truncated or not a media file)."""


@dataclasses.dataclass(frozen=True)
class AudioInfo:
    """What ``ffmpeg -i`` reports about a file's first audio stream.

    Attributes
    ----------
    has_audio : bool
        Whether the file has at least one audio stream.
    duration : float or None
        Container duration in seconds (``None`` when ffmpeg prints ``N/A``). For some formats (e.g. mp3
        without a Xing header) ffmpeg estimates it from the bit rate, so treat it as approximate.
    sr : int or None
        Native sample rate of the first audio stream, in Hz.
    channels : int or None
        Channel count of the first audio stream (``None`` if the layout name was not recognised).
    codec : str or None
        Codec name of the first audio stream, e.g. ``"mp3"``, ``"aac"``, ``"pcm_s16le"``.
    """

    has_audio: bool
    duration: float | None
    sr: int | None
    channels: int | None
    codec: str | None


# Channel counts of ffmpeg's named layouts (libavutil/channel_layout.c); "N channels" is parsed separately.
_LAYOUT_CHANNELS = {
    "mono": 1, "stereo": 2, "downmix": 2, "2.1": 3, "3.0": 3, "3.0(back)": 3, "4.0": 4, "quad": 4,
    "quad(side)": 4, "3.1": 4, "5.0": 5, "5.0(side)": 5, "4.1": 5, "5.1": 6, "5.1(side)": 6, "6.0": 6,
    "6.0(front)": 6, "hexagonal": 6, "3.1.2": 6, "6.1": 7, "6.1(back)": 7, "6.1(front)": 7, "7.0": 7,
    "7.0(front)": 7, "7.1": 8, "7.1(wide)": 8, "7.1(wide-side)": 8, "5.1.2": 8, "octagonal": 8,
    "cube": 8, "5.1.4": 10, "7.1.2": 10, "7.1.4": 12, "7.2.3": 12, "9.1.4": 14, "hexadecagonal": 16,
    "22.2": 24,
}
_AUDIO_STREAM = re.compile(r"^\s*Stream #\d+:\d+\S*: Audio: (.*)$", re.MULTILINE)
_DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_INPUT = re.compile(r"^Input #0", re.MULTILINE)


def _ffmpeg_exe() -> str:
    # Imported here, not at module level: code that never decodes a file (training on prebuilt arrays, the
    # refiner on arrays) then runs where the ~30 MB ffmpeg binary wheel is not installed.
    import imageio_ffmpeg  # noqa: PLC0415

    return imageio_ffmpeg.get_ffmpeg_exe()


def _check_path(path) -> Path:
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path must be a str or pathlib.Path, got {type(path).__name__}")
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"audio/video file not found: {p}")
    if not p.is_file():
        raise ValueError(f"path is not a regular file: {p}")
    return p.resolve()  # absolute: ffmpeg would read a relative "name:rest" as a protocol URL


def _stderr_tail(text: str, n: int = 4) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return " | ".join(lines[-n:]) if lines else "(ffmpeg printed nothing)"


def _parse_audio_stream(desc: str) -> tuple[int | None, int | None, str | None]:
    """(sr, channels, codec) from the text after ``Audio:`` in ffmpeg's stream listing."""
    fields = [f.strip() for f in desc.split(",")]
    codec = fields[0].split()[0] if fields and fields[0] else None
    sr = channels = None
    for i, field in enumerate(fields):
        m = re.fullmatch(r"(\d+) Hz", field)
        if m:
            sr = int(m.group(1))
            if i + 1 < len(fields):
                layout = fields[i + 1]
                n = re.fullmatch(r"(\d+) channels.*", layout)
                channels = int(n.group(1)) if n else _LAYOUT_CHANNELS.get(layout)
            break
    return sr, channels, codec


def audio_info(path) -> AudioInfo:
    """Probe a media file's first audio stream without decoding it.

    Runs ``ffmpeg -i path`` (header only, milliseconds) and parses the stream listing.

    Parameters
    ----------
    path : str or pathlib.Path
        Any file ffmpeg can open: wav, mp3, flac, ogg, m4a, mp4, avi, mkv, ...

    Returns
    -------
    AudioInfo
        ``has_audio``, ``duration`` (s), ``sr`` (Hz), ``channels``, ``codec``.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    AudioDecodeError
        ffmpeg cannot open the file (not a media file, or corrupt/truncated header).
    """
    p = _check_path(path)
    proc = subprocess.run(
        [_ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(p)],
        capture_output=True,
        text=True,
        errors="replace",
    )
    err = proc.stderr
    if not _INPUT.search(err):  # ffmpeg did not even recognise a container
        raise AudioDecodeError(
            f"ffmpeg cannot read {p} (corrupt, truncated or not a media file): {_stderr_tail(err)}"
        )
    m = _DURATION.search(err)
    duration = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3)) if m else None
    streams = _AUDIO_STREAM.findall(err)
    if not streams:
        return AudioInfo(has_audio=False, duration=duration, sr=None, channels=None, codec=None)
    sr, channels, codec = _parse_audio_stream(streams[0])
    return AudioInfo(has_audio=True, duration=duration, sr=sr, channels=channels, codec=codec)


def _check_window(offset, duration) -> tuple[float, float | None]:
    if isinstance(offset, bool) or not isinstance(offset, (int, float, np.integer, np.floating)):
        raise TypeError(f"offset must be a number of seconds, got {type(offset).__name__}")
    offset = float(offset)
    if not np.isfinite(offset) or offset < 0:
        raise ValueError(f"offset must be a finite number of seconds >= 0, got {offset}")
    if duration is not None:
        duration = check_rate(duration, "duration")  # positive finite number
    return offset, duration


def _decode_cmd(path: Path, sr: int, channels: int | None, offset: float, duration: float | None) -> list[str]:
    """The ffmpeg argv that writes raw little-endian float32 PCM of the first audio stream to stdout."""
    # Trim with atrim *after* resampling, counting output samples: the result is then sample-for-sample a
    # slice of the full decode. Input seeking (-ss) is faster but lands up to a few ms off in some
    # containers (measured: 468 samples early on an avi, garbage-primed frames on mp3), which would shift the
    # audio features against the poses. The cost is decoding the skipped part (roughly 100x real time).
    filters = [f"aresample={sr}:resampler=soxr"]
    if offset > 0 or duration is not None:
        trim = f"atrim=start_sample={round(offset * sr)}"
        if duration is not None:
            trim += f":end_sample={round(offset * sr) + max(1, round(duration * sr))}"
        filters.append(trim)
    # Keep the native channel count (averaged to mono in numpy); if ffmpeg's layout name was not recognised,
    # let ffmpeg down-mix instead.
    out_kwargs = {"map": "0:a:0", "format": "f32le", "acodec": "pcm_f32le",
                  "af": ",".join(filters), "ac": channels if channels else 1}
    import ffmpeg  # noqa: PLC0415 - see _ffmpeg_exe

    stream = ffmpeg.input(str(path)).output("pipe:", **out_kwargs)
    stream = stream.global_args("-hide_banner", "-nostdin", "-nostats", "-loglevel", "warning")
    return ffmpeg.compile(stream, cmd=_ffmpeg_exe())


def _to_mono(raw: bytes | np.ndarray, channels: int) -> np.ndarray:
    data = np.frombuffer(raw, dtype="<f4") if isinstance(raw, (bytes, bytearray)) else raw
    if channels > 1:
        data = data[: data.size - data.size % channels].reshape(-1, channels).mean(axis=1)
    return np.ascontiguousarray(data, dtype=np.float32)


def _probe_for_decode(path, sr, offset, duration):
    p = _check_path(path)
    sr_f = check_rate(sr, "sr", low=1000, high=384000)
    if sr_f != int(sr_f):
        raise ValueError(f"sr must be a whole number of Hz, got {sr}")
    sr = int(sr_f)
    offset, duration = _check_window(offset, duration)
    info = audio_info(p)
    if not info.has_audio:
        raise NoAudioStreamError(f"{p} has no audio stream (video only?); fall back to pose-only processing")
    return p, sr, offset, duration, info


def _decode_failure(p: Path, rc: int, err: str, offset: float) -> AudioDecodeError:
    hint = f" (offset={offset} s may be past the end of the file)" if offset > 0 else ""
    return AudioDecodeError(f"ffmpeg failed to decode audio from {p} (exit code {rc}){hint}: {_stderr_tail(err)}")


def load_audio(
    path, sr: int = 44100, offset: float = 0.0, duration: float | None = None
) -> tuple[np.ndarray, int]:
    """Decode the first audio stream of a media file to a mono float32 signal at ``sr``.

    Parameters
    ----------
    path : str or pathlib.Path
        Audio or video file in any container ffmpeg reads (wav, mp3, flac, m4a, mp4, avi, mkv, ...).
    sr : int, default 44100
        Target sample rate in Hz (the paper's features use 44.1 kHz). The file is resampled with soxr.
    offset : float, default 0
        Start reading this many seconds after the first sample.
    duration : float or None, default None
        Read at most this many seconds (``None``: to the end).

    Returns
    -------
    y : np.ndarray, shape (n_samples,), float32
        Mono signal (channel mean), nominally in [-1, 1].
    sr : int
        The sample rate of ``y`` in Hz (equal to the ``sr`` argument).

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    NoAudioStreamError
        The file opens but contains no audio stream (a ``ValueError`` subclass).
    AudioDecodeError
        The file is corrupt/truncated/not media, ffmpeg failed, no samples were decoded (e.g. ``offset`` past
        the end), or the decoded samples are not finite (a ``ValueError`` subclass).

    Warns
    -----
    UserWarning
        When, reading from the start to the end, far fewer seconds are decoded than the container declares
        (a file truncated after a valid header still decodes the part that is there).
    """
    p, sr, offset, duration, info = _probe_for_decode(path, sr, offset, duration)
    cmd = _decode_cmd(p, sr, info.channels, offset, duration)
    proc = subprocess.run(cmd, capture_output=True)
    err = proc.stderr.decode("utf-8", errors="replace")
    if proc.returncode != 0:
        raise _decode_failure(p, proc.returncode, err, offset)
    y = _to_mono(proc.stdout, info.channels or 1)
    if y.size == 0:
        where = f" at offset {offset} s" if offset > 0 else ""
        raise AudioDecodeError(f"no audio samples could be decoded from {p}{where}: {_stderr_tail(err)}")
    if not np.isfinite(y).all():
        raise AudioDecodeError(f"decoded audio from {p} contains NaN/inf samples")
    _warn_if_short(p, y.size / sr, info, offset, duration, err)
    return y, sr


def _warn_if_short(p: Path, got: float, info: AudioInfo, offset: float, duration: float | None, err: str) -> None:
    if info.duration is None or offset > 0 or duration is not None:
        return
    # 0.5 s slack covers encoder delay/padding and start-time offsets; real truncation loses far more.
    if got < 0.9 * info.duration - 0.5:
        warnings.warn(
            f"decoded only {got:.2f} s of audio from {p} but the container declares {info.duration:.2f} s: "
            f"the file is probably truncated ({_stderr_tail(err, 2)})",
            UserWarning,
            stacklevel=3,
        )


def stream_audio(path, sr: int = 44100, block_seconds: float = 10.0, offset: float = 0.0,
                 duration: float | None = None) -> Iterator[np.ndarray]:
    """Decode a media file block by block with one ffmpeg process, in bounded memory.

    Yields exactly the samples :func:`load_audio` would return for the same arguments, cut into consecutive
    blocks (all ``round(block_seconds * sr)`` samples long except possibly the last one).

    Parameters
    ----------
    path : str or pathlib.Path
        Audio or video file (see :func:`load_audio`).
    sr : int, default 44100
        Target sample rate in Hz.
    block_seconds : float, default 10
        Block length in seconds.
    offset, duration : float
        As in :func:`load_audio`.

    Yields
    ------
    block : np.ndarray, shape (n,), float32
        Mono samples at ``sr``.

    Raises
    ------
    FileNotFoundError, NoAudioStreamError, AudioDecodeError
        As :func:`load_audio` (raised when iteration starts, or when ffmpeg fails mid-stream).
    """
    p, sr, offset, duration, info = _probe_for_decode(path, sr, offset, duration)
    block_seconds = check_rate(block_seconds, "block_seconds")
    channels = info.channels or 1
    frame_bytes = 4 * channels
    block_bytes = max(1, round(block_seconds * sr)) * frame_bytes
    cmd = _decode_cmd(p, sr, info.channels, offset, duration)
    # stderr goes to a temporary file: a pipe that nobody drains could fill up and stall ffmpeg.
    with tempfile.TemporaryFile() as errfile:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errfile)
        n_total = 0
        try:
            while True:
                raw = _read_exactly(proc.stdout, block_bytes)
                usable = len(raw) - len(raw) % frame_bytes
                if usable:
                    block = _to_mono(raw[:usable], channels)
                    if not np.isfinite(block).all():
                        raise AudioDecodeError(f"decoded audio from {p} contains NaN/inf samples")
                    n_total += block.size
                    yield block
                if len(raw) < block_bytes:
                    break
        finally:
            if proc.poll() is None:  # consumer stopped early: stop ffmpeg
                proc.kill()
            proc.stdout.close()
            rc = proc.wait()
        errfile.seek(0)
        err = errfile.read().decode("utf-8", errors="replace")
    if rc != 0:
        raise _decode_failure(p, rc, err, offset)
    if n_total == 0:
        raise AudioDecodeError(f"no audio samples could be decoded from {p}: {_stderr_tail(err)}")
    _warn_if_short(p, n_total / sr, info, offset, duration, err)


def _read_exactly(pipe, n: int) -> bytes:
    """Read ``n`` bytes from a pipe, fewer only at end of stream."""
    parts, got = [], 0
    while got < n:
        chunk = pipe.read(n - got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)
