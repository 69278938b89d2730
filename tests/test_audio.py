"""Tests for pose_audio_refine.audio: decoding (io) and the paper's 35-dim features (features)."""
from __future__ import annotations

import subprocess
import warnings
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
import soundfile as sf

from conftest import SHARED_DATA
from pose_audio_refine.audio import (
    CHROMA,
    FEATURE_NAMES,
    MFCC,
    N_FEATURES,
    ONSET_ENV,
    ONSET_PEAKS,
    RMS,
    AudioDecodeError,
    NoAudioStreamError,
    audio_features,
    audio_info,
    features_from_file,
    load_audio,
    n_feature_frames,
    stream_audio,
)

DATA = SHARED_DATA
VIOLIN = DATA / "violin_audio" / "mosa_de2_violin.wav"
DANCER = DATA / "video" / "dancer.avi"
SILENT_VIDEO = DATA / "video" / "sports2d_demo_silent.mp4"
MP3 = DATA / "dance_with_melody" / "DANCE_W_1.mp3"
SR = 44100


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared test data not available: {path}")
    return path


def tone(freq: float, seconds: float, amp: float = 0.5, sr: int = SR) -> np.ndarray:
    t = np.arange(int(round(seconds * sr))) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def click_train(times, seconds: float, sr: int = SR) -> np.ndarray:
    y = np.zeros(int(round(seconds * sr)), dtype=np.float32)
    for c in times:
        i = int(round(c * sr))
        y[i : i + 20] = 1.0  # 0.45 ms rectangular click
    return y


def synthetic_music(seconds: float, seed: int = 0, sr: int = SR) -> np.ndarray:
    """Four notes a second (random pitches, decaying), a slow loudness swell and a little noise."""
    rng = np.random.default_rng(seed)
    n = int(seconds * sr)
    t = np.arange(n) / sr
    note = np.minimum((t * 4).astype(int), int(seconds * 4) - 1)
    f0 = 220 * 2 ** (rng.integers(0, 24, int(seconds * 4)) / 12)
    phase = np.cumsum(2 * np.pi * f0[note] / sr)
    env = np.exp(-((t * 4) % 1) * 3) * (0.3 + 0.25 * np.sin(2 * np.pi * t / 37))
    return (env * (np.sin(phase) + 0.3 * np.sin(2 * phase)) + 0.003 * rng.standard_normal(n)).astype(np.float32)


def ffmpeg(*args: str) -> None:
    exe = imageio_ffmpeg.get_ffmpeg_exe()
    subprocess.run([exe, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args], check=True)


# --------------------------------------------------------------------------------------------- features


def test_names_and_slices_cover_35_columns():
    assert N_FEATURES == len(FEATURE_NAMES) == 35
    cols = np.zeros(35, int)
    for sl in (ONSET_ENV, MFCC, CHROMA, ONSET_PEAKS, RMS):
        cols[sl] += 1
    assert (cols == 1).all()
    assert FEATURE_NAMES[0] == "onset_env" and FEATURE_NAMES[33] == "onset_peak" and FEATURE_NAMES[34] == "rms"
    assert FEATURE_NAMES[CHROMA.start + 9] == "cens_A"
    assert len(FEATURE_NAMES[MFCC]) == 20


def test_three_seconds_give_150_rows():
    assert n_feature_frames(3 * SR, SR, 50) == 150
    assert n_feature_frames(3 * 22050, 22050, 50) == 150
    assert n_feature_frames(3 * SR - 1, SR, 50) == 149
    assert n_feature_frames(3 * SR, SR, 30) == 90
    f = audio_features(synthetic_music(3.0), SR, fps=50)
    assert f.shape == (150, 35) and f.dtype == np.float32
    assert np.isfinite(f).all()


def test_click_train_onset_peaks_within_one_frame():
    clicks = [0.3, 0.77, 1.25, 1.6, 2.2, 2.71]
    f = audio_features(click_train(clicks, 3.0), SR, fps=50)
    peaks = np.flatnonzero(f[:, 33])
    assert set(np.unique(f[:, 33])) <= {0.0, 1.0}
    assert len(peaks) == len(clicks)
    assert np.all(np.abs(peaks - np.array(clicks) * 50) <= 1.0)
    # the envelope is positive at the clicks and exactly zero in the silence between them
    assert np.all(f[peaks, 0] > 5.0)
    far = np.min(np.abs(np.arange(150)[:, None] - np.array(clicks)[None, :] * 50), axis=1) > 3
    assert np.all(f[far, 0] == 0)


def test_click_train_at_fractional_fps():
    clicks = [0.3, 0.77, 1.25, 2.2]
    f = audio_features(click_train(clicks, 3.0), SR, fps=29.97)
    assert f.shape == (n_feature_frames(3 * SR, SR, 29.97), 35) == (89, 35)
    peaks = np.flatnonzero(f[:, 33])
    assert len(peaks) == len(clicks)
    assert np.all(np.abs(peaks - np.array(clicks) * 29.97) <= 1.0)


def test_440_hz_tone_has_chroma_maximum_at_A():
    f = audio_features(tone(440.0, 2.0), SR)
    chroma = f[:, CHROMA]
    assert np.all(chroma.argmax(axis=1) == 9)  # C C# D D# E F F# G G# A -> index 9
    assert np.allclose(np.linalg.norm(chroma, axis=1), 1.0, atol=1e-5)  # CENS rows are unit L2 norm
    f = audio_features(tone(261.63, 2.0), SR)  # middle C
    assert np.all(f[:, CHROMA].argmax(axis=1) == 0)


def test_rms_follows_amplitude_envelope():
    fps, seconds = 50, 4.0
    t = np.arange(int(seconds * SR)) / SR
    amp = 0.1 + 0.4 * (1 + np.sin(2 * np.pi * 0.5 * t)) / 2
    y = (amp * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    rms = audio_features(y, SR, fps=fps)[:, 34]
    expected = (0.1 + 0.4 * (1 + np.sin(2 * np.pi * 0.5 * np.arange(len(rms)) / fps)) / 2) / np.sqrt(2)
    inner = slice(3, -3)  # the first/last frames see zero padding
    assert np.corrcoef(rms[inner], expected[inner])[0, 1] > 0.999
    np.testing.assert_allclose(rms[inner], expected[inner], rtol=0.02)


def test_silence_is_finite():
    f = audio_features(np.zeros(2 * SR, dtype=np.float32), SR)
    assert f.shape == (100, 35)
    assert np.isfinite(f).all()
    assert np.all(f[:, ONSET_ENV] == 0) and np.all(f[:, ONSET_PEAKS] == 0) and np.all(f[:, RMS] == 0)
    assert np.all(f[:, CHROMA] == 0)


def test_input_not_modified_and_dtypes_accepted():
    y = synthetic_music(2.0, seed=1).astype(np.float64)
    y_copy = y.copy()
    f64 = audio_features(y, SR)
    np.testing.assert_array_equal(y, y_copy)
    f32 = audio_features(y.astype(np.float32), SR)
    np.testing.assert_allclose(f64, f32, atol=1e-3)
    assert audio_features(list(y[: SR // 2]), SR).shape == (25, 35)


@pytest.mark.parametrize(
    "bad, exc, match",
    [
        (np.array([0.0, np.nan] * SR, dtype=np.float32), ValueError, "NaN"),
        (np.array([0.0, np.inf] * SR, dtype=np.float32), ValueError, "inf"),
        (np.zeros(0, dtype=np.float32), ValueError, "empty"),
        (np.zeros((2, SR), dtype=np.float32), ValueError, "mono"),
        (np.zeros(100, dtype=np.float32), ValueError, "too short"),
        (np.array(["a", "b"]), TypeError, "numeric"),
    ],
)
def test_bad_signals_raise(bad, exc, match):
    with pytest.raises(exc, match=match):
        audio_features(bad, SR)


@pytest.mark.parametrize("kwargs, match", [({"sr": 0}, "sr"), ({"fps": -1}, "fps"), ({"fps": 5000}, "fps"),
                                           ({"chunk_seconds": 0}, "chunk_seconds")])
def test_bad_parameters_raise(kwargs, match):
    args = {"sr": SR, "fps": 50, **kwargs}
    with pytest.raises(ValueError, match=match):
        audio_features(np.zeros(SR, dtype=np.float32), **args)


def test_chunked_equals_whole_on_three_minutes():
    y = synthetic_music(180.0, seed=2)
    whole = audio_features(y, SR, chunk_seconds=1000.0)  # one segment
    chunked = audio_features(y, SR, chunk_seconds=20.0, margin_seconds=3.0)  # 9 chunks
    assert whole.shape == chunked.shape == (9000, 35)
    assert whole[:, ONSET_PEAKS].sum() > 300  # the comparison covers many peaks
    # measured: onset 2e-6, MFCC 6e-5 (values up to ~400), CENS/peaks/RMS bit-identical
    np.testing.assert_allclose(chunked[:, ONSET_ENV], whole[:, ONSET_ENV], atol=1e-4)
    np.testing.assert_allclose(chunked[:, MFCC], whole[:, MFCC], atol=2e-3)
    np.testing.assert_allclose(chunked[:, CHROMA], whole[:, CHROMA], atol=1e-5)
    np.testing.assert_array_equal(chunked[:, ONSET_PEAKS], whole[:, ONSET_PEAKS])
    np.testing.assert_allclose(chunked[:, RMS], whole[:, RMS], atol=1e-6)


def test_chunked_equals_whole_at_fractional_fps():
    y = synthetic_music(30.0, seed=3)
    whole = audio_features(y, SR, fps=29.97, chunk_seconds=1000.0)
    chunked = audio_features(y, SR, fps=29.97, chunk_seconds=5.0, margin_seconds=2.0)  # aligned to 11.1 s
    assert whole.shape == (899, 35)
    np.testing.assert_allclose(chunked, whole, atol=2e-3)
    np.testing.assert_array_equal(chunked[:, ONSET_PEAKS], whole[:, ONSET_PEAKS])


def test_features_from_file_streams_same_result(tmp_path):
    y = synthetic_music(8.0, seed=4)
    stereo = np.stack([y, 0.5 * y], axis=1)
    path = tmp_path / "music.flac"
    sf.write(path, stereo, SR)
    loaded, sr = load_audio(path)
    np.testing.assert_allclose(loaded, 0.75 * y, atol=1e-4)  # channel mean, 16-bit FLAC quantisation
    kw = {"chunk_seconds": 4.0, "margin_seconds": 2.0}
    got = features_from_file(path, **kw)
    assert got.shape == (400, 35)
    np.testing.assert_array_equal(got, audio_features(loaded, sr, **kw))
    part = features_from_file(path, offset=2.0, duration=5.0, **kw)
    assert part.shape == (250, 35)
    np.testing.assert_array_equal(part, audio_features(loaded[2 * SR : 7 * SR], SR, **kw))


# --------------------------------------------------------------------------------------------- io


def test_load_violin_wav_resampled_to_44k():
    path = need(VIOLIN)
    y, sr = load_audio(path)
    assert sr == 44100 and y.dtype == np.float32 and y.ndim == 1
    assert abs(len(y) / sr - 16.0) < 0.01
    assert 0.05 < np.abs(y).max() <= 1.0
    native, sr22 = load_audio(path, sr=22050)
    ref, ref_sr = sf.read(path, dtype="float32")
    assert sr22 == ref_sr == 22050
    np.testing.assert_array_equal(native, ref)  # no resampling: bit-exact PCM decode
    # the 44.1 kHz signal is the same sound: its even samples track the 22.05 kHz original
    assert np.corrcoef(y[::2][: len(ref)][1000:-1000], ref[1000:-1000])[0, 1] > 0.99
    info = audio_info(path)
    assert info.has_audio and info.sr == 22050 and info.channels == 1 and abs(info.duration - 16.0) < 0.01


def test_offset_and_duration_are_exact_slices():
    path = need(VIOLIN)
    y, sr = load_audio(path)
    part, _ = load_audio(path, offset=5.0, duration=2.0)
    np.testing.assert_array_equal(part, y[5 * sr : 7 * sr])
    tail, _ = load_audio(path, offset=15.0, duration=10.0)  # runs past the end: truncated
    np.testing.assert_array_equal(tail, y[15 * sr :])
    blocks = list(stream_audio(path, block_seconds=3.0))
    assert [len(b) for b in blocks[:-1]] == [3 * sr] * (len(blocks) - 1)
    np.testing.assert_array_equal(np.concatenate(blocks), y)
    with pytest.raises(AudioDecodeError, match="offset"):
        load_audio(path, offset=100.0)
    with pytest.raises(ValueError, match="offset"):
        load_audio(path, offset=-1.0)


def test_load_audio_from_video():
    path = need(DANCER)
    y, sr = load_audio(path, duration=3.0)
    assert sr == SR and y.shape == (3 * SR,)
    assert np.sqrt(np.mean(y**2)) > 1e-3  # real music, not silence
    info = audio_info(path)
    assert info.has_audio and info.channels == 2 and info.codec == "mp3" and abs(info.duration - 62.9) < 0.1
    f = audio_features(y, sr)
    assert f.shape == (150, 35) and np.isfinite(f).all()


def test_load_silent_track():
    path = need(SILENT_VIDEO)
    y, sr = load_audio(path)
    assert abs(len(y) / sr - 7.73) < 0.05
    assert np.abs(y).max() < 1e-4
    assert np.isfinite(audio_features(y, sr)).all()


def test_video_without_audio_raises_no_audio_stream(tmp_path):
    path = tmp_path / "video_only.mp4"
    ffmpeg("-f", "lavfi", "-i", "color=c=black:s=64x64:d=1", "-c:v", "mpeg4", str(path))
    info = audio_info(path)
    assert not info.has_audio and abs(info.duration - 1.0) < 0.1
    with pytest.raises(NoAudioStreamError, match="no audio stream"):
        load_audio(path)
    with pytest.raises(ValueError):  # NoAudioStreamError is a ValueError
        features_from_file(path)


def test_corrupt_and_truncated_files(tmp_path):
    garbage = tmp_path / "garbage.wav"
    garbage.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    with pytest.raises(AudioDecodeError, match="corrupt"):
        load_audio(garbage)
    with pytest.raises(AudioDecodeError):
        audio_info(garbage)
    empty = tmp_path / "empty.mp3"
    empty.write_bytes(b"")
    with pytest.raises(AudioDecodeError):
        load_audio(empty)
    mp3 = need(MP3).read_bytes()
    tiny = tmp_path / "tiny.mp3"
    tiny.write_bytes(mp3[:400])  # only part of the ID3 tag survives
    with pytest.raises(AudioDecodeError):
        load_audio(tiny)
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(mp3[:3000])  # valid header + ~1 mp3 frame: decodes, but warns about truncation
    with pytest.warns(UserWarning, match="truncated"):
        y, _ = load_audio(cut)
    assert 0 < len(y) < SR
    with pytest.raises(FileNotFoundError):
        load_audio(tmp_path / "does_not_exist.wav")
    with pytest.raises(ValueError, match="not a regular file"):
        load_audio(tmp_path)


def test_full_length_real_file_has_no_truncation_warning():
    path = need(MP3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y, sr = load_audio(path)
    assert abs(len(y) / sr - audio_info(path).duration) < 0.1
