"""Real-motion window sets in MAPdat's format: motion nobody here simulated.

Two sources from ``../shared/data`` (never copied into the repo):

* ``dance``: *Dance with Melody* -- 26 ballroom sequences, 23 joints, 25 fps, cm, y-up, root-centred plus a
  ``center`` track, each with its music (mp3, motion frame i at i/25 s). Audio features come from the mp3.
* ``mocap_toolbox``: the MoCap Toolbox demo (``mcdemodata.mat``): two dances and two walks, 28 markers at
  60 Hz, mm, z-up; joints are the means of marker groups (``m2jpar``). No audio: features are zeros and
  ``has_audio`` is False.

Each sequence is mapped to ``telmi13`` (:func:`pose_audio_refine.skeletons.to_telmi13`), put in the paper's
frame (mm, z up, rotated about z so the first frame's hips point along +x -- the subject faces +y -- and
translated so the first frame's left toe is the origin), resampled to 50 fps with a cubic spline, then
windowed and corrupted exactly like simulated takes (:func:`training.mapdat.process_track`).

Splits are by sequence (:data:`REAL_SPLITS`); every sequence is its own "take" and "performer" (the
datasets do not say who performed what).
"""
from __future__ import annotations

import dataclasses
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pose_audio_refine.interpolate import interp_track
from pose_audio_refine.validation import check_rate

from .mapdat import FINE_THRESHOLD_MM, SPLITS, compute_features, process_track, run_build
from .noise import NoiseConfig, config_hash, get_preset
from .take_windows import GT_FPS, WINDOW_S

SOURCES = ("dance", "mocap_toolbox")
MOCAP_TOOLBOX_SEQUENCES = ("dance1", "dance2", "walk1", "walk2")

#: Which sequences are validation and test; every other sequence of the source is train.
REAL_SPLITS: dict[str, dict[str, tuple[str, ...]]] = {
    # One cha-cha, one rumba and two waltzes for test; a rumba and a waltz for validation.
    "dance": {"val": ("DANCE_R_4", "DANCE_W_23"),
              "test": ("DANCE_C_4", "DANCE_R_5", "DANCE_W_8", "DANCE_W_24")},
    "mocap_toolbox": {"val": ("walk2",), "test": ("dance2",)},
}


def default_data_root() -> Path:
    """``../shared/data`` beside the repository."""
    return Path(__file__).resolve().parents[1].parent / "shared" / "data"


@dataclass
class RealSequence:
    """One real-motion sequence in MAPdat's conventions.

    Attributes
    ----------
    seq_id : str
    source : str
        ``"dance"`` or ``"mocap_toolbox"``.
    poses : np.ndarray
        ``(T, 13, 3)`` telmi13, mm, z up, 50 fps, origin at the first frame's left toe, no NaN.
    audio : np.ndarray or None
        Mono float32 at ``sr`` aligned with ``poses`` (t = 0 at frame 0), or None.
    sr : int
    """

    seq_id: str
    source: str
    poses: np.ndarray
    audio: np.ndarray | None
    sr: int = 44100

    @property
    def duration(self) -> float:
        """Duration of the motion, s."""
        return self.poses.shape[0] / GT_FPS


def _fill_gaps(x: np.ndarray) -> np.ndarray:
    """Linearly interpolate a joint's missing frames over time (holding at the ends)."""
    never = ~np.isfinite(x).all(axis=-1).any(axis=0)
    if never.any():
        raise ValueError(f"joint {int(np.flatnonzero(never)[0])} is missing in every frame")
    t = np.arange(x.shape[0], dtype=np.float64)
    return interp_track(x, t, t)


def resample(poses, fps_in: float, fps_out: float = GT_FPS) -> np.ndarray:
    """Cubic-spline resampling of a track to ``fps_out`` over its own time span.

    Parameters
    ----------
    poses : array_like
        ``(T, J, 3)`` at ``fps_in``; NaN gaps are filled linearly first.
    fps_in, fps_out : float

    Returns
    -------
    np.ndarray
        ``(T_out, J, 3)`` at times ``k / fps_out <= (T - 1) / fps_in``.
    """
    from scipy.interpolate import CubicSpline

    x = _fill_gaps(np.asarray(poses, dtype=np.float64))
    fps_in = check_rate(fps_in, "fps_in")
    fps_out = check_rate(fps_out, "fps_out")
    t_in = np.arange(x.shape[0]) / fps_in
    t_out = np.arange(int(np.floor(t_in[-1] * fps_out + 1e-9)) + 1) / fps_out
    return CubicSpline(t_in, x, axis=0)(t_out)


def to_paper_frame(telmi) -> np.ndarray:
    """Rotate a z-up telmi13 track about z so frame 0 faces +y, and put frame 0's left toe at the origin.

    Parameters
    ----------
    telmi : array_like
        ``(T, 13, 3)`` mm, z up.

    Returns
    -------
    np.ndarray
        ``(T, 13, 3)`` mm in the paper's frame (x right, y forward, z up at frame 0).
    """
    x = np.asarray(telmi, dtype=np.float64)
    right = x[0, 7] - x[0, 8]  # RBWT - LBWT
    ang = np.arctan2(right[1], right[0])
    c, s = np.cos(-ang), np.sin(-ang)
    rot = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    y = x @ rot.T
    return y - y[0, 12]


def dance_sequences(root=None) -> list[str]:
    """Names of the Dance-with-Melody sequences found under ``root`` (default ``../shared/data``)."""
    d = Path(root or default_data_root()) / "dance_with_melody"
    if not d.is_dir():
        raise FileNotFoundError(f"no dance_with_melody folder under {d.parent}")
    return sorted(p.stem for p in d.glob("*.npz"))


def load_dance(seq: str, root=None, with_audio: bool = True) -> RealSequence:
    """Load one Dance-with-Melody sequence as telmi13 at 50 fps (and its music).

    Parameters
    ----------
    seq : str
        Sequence name, e.g. ``"DANCE_C_2"``.
    root : str or Path, optional
        Folder holding ``dance_with_melody/`` (default ``../shared/data``).
    with_audio : bool
        Decode the mp3 (mono, 44.1 kHz).

    Returns
    -------
    RealSequence
        Motion and audio trimmed to the shorter of the two.
    """
    from pose_audio_refine.canonical import to_z_up
    from pose_audio_refine.skeletons import to_telmi13

    d = Path(root or default_data_root()) / "dance_with_melody"
    path = d / f"{seq}.npz"
    if not path.is_file():
        raise FileNotFoundError(f"no dance sequence {seq!r} at {path}")
    with np.load(path) as z:
        joints = z["joints"].astype(np.float64) + z["center"].astype(np.float64)[:, None, :]
        fps = float(z["fps"])
    mm = to_z_up(joints * 10.0, "dance23")  # cm -> mm, y-up -> z-up
    telmi = to_paper_frame(resample(to_telmi13(mm, "dance23"), fps, GT_FPS))
    audio, sr = None, 44100
    if with_audio:
        from pose_audio_refine.audio import load_audio

        audio, sr = load_audio(d / f"{seq}.mp3", sr=44100)
        n = min(telmi.shape[0], int(np.floor(audio.size / sr * GT_FPS)))
        telmi, audio = telmi[:n], audio[: int(round(n / GT_FPS * sr))]
    return RealSequence(seq, "dance", telmi, audio, sr)


def load_mocap_toolbox(name: str, root=None) -> RealSequence:
    """Load one MoCap Toolbox demo sequence (markers -> 20 joints -> telmi13) at 50 fps.

    Parameters
    ----------
    name : {"dance1", "dance2", "walk1", "walk2"}
    root : str or Path, optional
        Folder holding ``mocap_toolbox/mcdemodata.mat`` (default ``../shared/data``).

    Returns
    -------
    RealSequence
        ``audio`` is None (the demo has no sound).
    """
    from training.mocap import load_m2jpar, markers_to_joints, read_mocap_toolbox_mat
    from pose_audio_refine.skeletons import to_telmi13

    if name not in MOCAP_TOOLBOX_SEQUENCES:
        raise ValueError(f"name must be one of {MOCAP_TOOLBOX_SEQUENCES}, got {name!r}")
    path = Path(root or default_data_root()) / "mocap_toolbox" / "mcdemodata.mat"
    markers = read_mocap_toolbox_mat(path, name)
    joints = markers_to_joints(markers, load_m2jpar(path, marker_names=markers.names))
    telmi = to_telmi13(joints.positions, "mocap_toolbox20")  # NaN (occluded markers) propagates
    telmi = to_paper_frame(resample(telmi, markers.rate, GT_FPS))
    return RealSequence(name, "mocap_toolbox", telmi, None)


# --------------------------------------------------------------------------- building
@dataclass(frozen=True)
class RealSpec:
    """What determines a real-motion build.

    Attributes
    ----------
    source : {"dance", "mocap_toolbox"}
    preset : str
        Noise preset.
    seed : int
    variants : int or None
        Noise variants per sequence (``None``: the preset's).
    sequences : tuple of str or None
        Subset of sequences (``None``: all).
    fine_threshold_mm : float
    root : str or None
        Data folder (``None``: ``../shared/data``).
    """

    source: str = "dance"
    preset: str = "paper"
    seed: int = 0
    variants: int | None = None
    sequences: tuple[str, ...] | None = None
    fine_threshold_mm: float = FINE_THRESHOLD_MM
    root: str | None = None

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, got {self.source!r}")
        get_preset(self.preset)
        if self.variants is not None and int(self.variants) < 1:
            raise ValueError(f"variants must be >= 1, got {self.variants}")

    @property
    def noise(self) -> NoiseConfig:
        cfg = get_preset(self.preset)
        return cfg if self.variants is None else cfg.replace(variants=int(self.variants))

    def all_sequences(self) -> list[str]:
        allseq = dance_sequences(self.root) if self.source == "dance" else list(MOCAP_TOOLBOX_SEQUENCES)
        if self.sequences is None:
            return allseq
        unknown = sorted(set(self.sequences) - set(allseq))
        if unknown:
            raise ValueError(f"unknown {self.source} sequences: {unknown}; known: {allseq}")
        return [s for s in allseq if s in self.sequences]

    def key(self) -> dict:
        d = dataclasses.asdict(self)
        d["sequences"] = self.all_sequences()
        d["root"] = str(Path(self.root or default_data_root()).resolve())
        d.update(format="mapdat", kind="real", noise_hash=config_hash(self.noise), variants=self.noise.variants)
        return d


def split_of(source: str, seq: str) -> int:
    """Split index (0 train, 1 val, 2 test) of a real sequence (see :data:`REAL_SPLITS`)."""
    spl = REAL_SPLITS[source]
    return 2 if seq in spl["test"] else 1 if seq in spl["val"] else 0


def _real_job(job: dict) -> dict:
    spec: RealSpec = job["spec"]
    seq = job["seq"]
    if spec.source == "dance":
        rs = load_dance(seq, spec.root)
        feats = compute_features(rs.audio, rs.sr)
    else:
        rs = load_mocap_toolbox(seq, spec.root)
        feats = None
    if rs.duration < WINDOW_S:
        raise ValueError(f"{seq} is only {rs.duration:.2f} s long")
    arrays = process_track(rs.poses, feats, spec.noise, (spec.seed, 0x4EA1, zlib.crc32(seq.encode())),
                           spec.fine_threshold_mm)
    arrays["has_audio"] = np.full(arrays["gt"].shape[0], feats is not None)
    np.savez(job["path"], **arrays)
    return {"index": job["index"], "take_id": f"{spec.source}:{seq}", "performer_id": f"{spec.source}:{seq}",
            "clips": int(arrays["gt"].shape[0]), "duration_s": rs.duration}


def build_real_set(out, spec: RealSpec, workers: int = 1, overwrite: bool = False, progress: bool = True) -> dict:
    """Build a real-motion window set in MAPdat's on-disk format.

    Parameters
    ----------
    out : str or Path
        Output folder.
    spec : RealSpec
    workers, overwrite, progress
        As :func:`training.mapdat.build_mapdat`.

    Returns
    -------
    dict
        The metadata written to ``out/meta.json``.
    """
    if not isinstance(spec, RealSpec):
        raise TypeError(f"spec must be a RealSpec, got {type(spec).__name__}")
    seqs = spec.all_sequences()
    jobs = [{"index": i, "seq": s, "spec": spec, "split": split_of(spec.source, s), "group": i}
            for i, s in enumerate(seqs)]
    meta = {"kind": "real", "source": spec.source, "preset": spec.preset, "seed": spec.seed,
            "noise_config": dataclasses.asdict(spec.noise), "config_hash": config_hash(spec.noise),
            "fine_threshold_mm": spec.fine_threshold_mm, "has_audio": spec.source == "dance",
            "split_sequences": {name: [s for s in seqs if split_of(spec.source, s) == k]
                                for k, name in enumerate(SPLITS)}}
    return run_build(out, spec.key(), meta, jobs, _real_job, workers, overwrite, progress, f"real {spec.source}")
