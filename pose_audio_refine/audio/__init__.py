"""Audio input: decoding media files (:mod:`.io`), the paper's 35-dim audio features (:mod:`.features`) and their
gain-invariant form (:mod:`.level`)."""
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
    features_from_blocks,
    features_from_file,
    n_feature_frames,
)
from .io import (
    AudioDecodeError,
    AudioInfo,
    NoAudioStreamError,
    audio_info,
    load_audio,
    stream_audio,
)
from .level import LEVEL_FEATURE_MEAN, LEVEL_FEATURE_STD, relative_level

__all__ = [
    "CHROMA",
    "FEATURE_MEAN",
    "FEATURE_NAMES",
    "FEATURE_STD",
    "LEVEL_FEATURE_MEAN",
    "LEVEL_FEATURE_STD",
    "MEL_FLOOR_DB",
    "MFCC",
    "N_FEATURES",
    "ONSET_ENV",
    "ONSET_PEAKS",
    "RMS",
    "AudioDecodeError",
    "AudioInfo",
    "NoAudioStreamError",
    "audio_features",
    "audio_info",
    "features_from_blocks",
    "features_from_file",
    "load_audio",
    "n_feature_frames",
    "relative_level",
    "stream_audio",
]
