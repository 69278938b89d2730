"""Audio input: decoding media files (:mod:`.io`) and the paper's 35-dim audio features (:mod:`.features`)."""
from .features import (
    CHROMA,
    FEATURE_MEAN,
    FEATURE_NAMES,
    FEATURE_STD,
    MEL_FLOOR_DB,
    MFCC,
    N_FEATURES,
    ONSET_ENV,
    ONSET_PEAKS,
    RMS,
    audio_features,
    features_from_file,
    n_feature_frames,
)
from .io import AudioDecodeError, AudioInfo, NoAudioStreamError, audio_info, load_audio, stream_audio

__all__ = [
    "CHROMA",
    "FEATURE_MEAN",
    "FEATURE_NAMES",
    "FEATURE_STD",
    "MEL_FLOOR_DB",
    "MFCC",
    "N_FEATURES",
    "ONSET_ENV",
    "ONSET_PEAKS",
    "RMS",
    "audio_features",
    "features_from_file",
    "n_feature_frames",
    "AudioDecodeError",
    "AudioInfo",
    "NoAudioStreamError",
    "audio_info",
    "load_audio",
    "stream_audio",
]
