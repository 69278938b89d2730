"""MAPdat builder: simulated takes -> noisy/clean 3 s windows on disk, split by performer.

Pipeline per take (see ``docs/mapdat.md`` for the on-disk format):

1. ``training.simulator.simulate_take`` makes 50 fps ``telmi13`` poses and the audio they caused.
2. The 35-dim audio features (``pose_audio_refine.audio.audio_features``) are computed once per take.
3. For each noise variant, continuous-time events (swaps, drop bursts, size error) are drawn once; then for
   each input rate τ the ground truth is downsampled and corrupted *at that rate*.
4. Everything is cut into 3 s windows with a 1 s hop; ground truth and audio are stored once per
   (take, window) ("clip") and indexed by every variant's sample.

Splits are by performer (and therefore by take): performers are shuffled with the build seed and dealt
8:1:1 into train/val/test, so no take, and no performer, is in two splits.
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .parallel import pool_map
from .noise import TELMI13_PAIRS, NoiseConfig, apply_noise, config_hash, get_preset, observe, sample_events
from .take_windows import (CATEGORY_NAMES, FINE_THRESHOLD_MM, GT_FPS, HOP_S, TAUS, WINDOW_S,
                           categorize, n_input_frames, nonlinearity_mm, slice_windows, window_start_times)

FORMAT_NAME = "mapdat"
FORMAT_VERSION = 1
SPLITS: tuple[str, str, str] = ("train", "val", "test")
N_FEATURES = 35
#: Files a build owns inside its output folder (``--overwrite`` removes only these).
OWNED = ("train", "val", "test", "meta.json", "card.md", ".tmp")


# --------------------------------------------------------------------------- build description
@dataclass(frozen=True)
class BuildSpec:
    """Everything that determines a MAPdat build (two builds with equal specs are identical).

    Attributes
    ----------
    preset : str
        Noise preset, ``"paper"`` or ``"realistic"``.
    takes : int
        Number of simulated takes (> 0).
    take_duration_s : float
        Duration of each take, s (>= one 3 s window).
    seed : int
        Build seed; take ``i`` is simulated and corrupted from ``(seed, i)`` only.
    renderer : str
        ``"synth"`` or ``"soundfont"``.
    soundfont : str or None
        ``.sf2``/``.sf3`` path for the soundfont renderer (``None``: the simulator's default).
    variants : int or None
        Noise variants per take (``None``: the preset's, 10).
    performers : int or None
        Number of simulated performers (``None``: ``max(3, round(takes / 10))``, at most ``takes``).
    fine_threshold_mm : float
        Fine/gross threshold on the non-linearity measure, mm.
    fast_strokes : float
        Share of passages played with fast strokes (``simulate_take(fast_strokes=...)``); 0: the original
        simulator's takes.
    audio_augment : bool
        Pass each take's audio through ``training.simulator.effects.augment_audio`` (gain, room, noise,
        microphone colouring) before its features are computed, so the model meets recordings unlike the
        simulator's clean render.
    """

    preset: str = "paper"
    takes: int = 200
    take_duration_s: float = 22.0
    seed: int = 0
    renderer: str = "synth"
    soundfont: str | None = None
    variants: int | None = None
    performers: int | None = None
    fine_threshold_mm: float = FINE_THRESHOLD_MM
    fast_strokes: float = 0.0
    audio_augment: bool = False

    def __post_init__(self) -> None:
        get_preset(self.preset)
        if isinstance(self.takes, bool) or not isinstance(self.takes, (int, np.integer)) or self.takes <= 0:
            raise ValueError(f"takes must be a positive integer, got {self.takes!r}")
        if not self.take_duration_s >= WINDOW_S:
            raise ValueError(f"take_duration_s must be >= {WINDOW_S} s (one window), got {self.take_duration_s}")
        if self.renderer not in ("synth", "soundfont", "synth_alt"):
            raise ValueError(f"renderer must be 'synth', 'soundfont' or 'synth_alt', got {self.renderer!r}")
        if self.soundfont is not None and self.renderer != "soundfont":
            raise ValueError("soundfont is only used with renderer='soundfont'")
        if self.variants is not None and int(self.variants) < 1:
            raise ValueError(f"variants must be >= 1, got {self.variants}")
        if self.performers is not None and not 1 <= int(self.performers) <= self.takes:
            raise ValueError(f"performers must be in [1, takes={self.takes}], got {self.performers}")
        if not self.fine_threshold_mm > 0:
            raise ValueError(f"fine_threshold_mm must be > 0, got {self.fine_threshold_mm}")
        if not 0.0 <= self.fast_strokes <= 1.0:
            raise ValueError(f"fast_strokes must be in [0, 1], got {self.fast_strokes}")

    @property
    def noise(self) -> NoiseConfig:
        """The noise configuration (preset with ``variants`` applied)."""
        cfg = get_preset(self.preset)
        return cfg if self.variants is None else cfg.replace(variants=int(self.variants))

    @property
    def n_performers(self) -> int:
        """Number of performers actually used."""
        if self.performers is not None:
            return int(self.performers)
        return int(min(self.takes, max(3, round(self.takes / 10))))

    def key(self) -> dict:
        """JSON-able identity of the build (compared to refuse mixing builds in one folder)."""
        d = dataclasses.asdict(self)
        for name in ("fast_strokes", "audio_augment"):  # added later: left out when off, so older builds keep their key
            if not d[name]:
                del d[name]
        d["soundfont"] = None if self.soundfont is None else str(Path(self.soundfont).resolve())
        d.update(format=FORMAT_NAME, version=FORMAT_VERSION, noise_hash=config_hash(self.noise),
                 variants=self.noise.variants, performers=self.n_performers)
        return d


def _seed32(*parts: int) -> int:
    """A 32-bit seed derived from integers (stable across runs and platforms)."""
    return int(np.random.SeedSequence([int(p) for p in parts]).generate_state(1)[0])


def take_seed(seed: int, index: int) -> int:
    """Simulator seed of take ``index`` in a build with ``seed``."""
    return _seed32(seed, 0x7A4E, index)


def performer_seed(seed: int, performer: int) -> int:
    """Simulator performer seed of performer number ``performer`` in a build with ``seed``."""
    return _seed32(seed, 0x9E4F, performer)


def assign_splits(n_takes: int, n_performers: int, seed: int,
                  fractions: tuple[float, float, float] = (0.8, 0.1, 0.1)) -> tuple[np.ndarray, np.ndarray]:
    """Deal takes to performers and performers to splits.

    Take ``i`` is played by performer ``i % n_performers``. Performers are shuffled with ``seed`` and the
    first ``round(0.1·n)`` (at least 1 when ``n >= 3``) go to test, the next as many to val, the rest to train.

    Returns
    -------
    take_performer : np.ndarray
        ``(n_takes,)`` int performer number of each take.
    performer_split : np.ndarray
        ``(n_performers,)`` int split index (0 train, 1 val, 2 test).
    """
    if n_takes < 1 or not 1 <= n_performers <= n_takes:
        raise ValueError(f"need 1 <= n_performers ({n_performers}) <= n_takes ({n_takes})")
    order = np.random.default_rng(_seed32(seed, 0x5B11)).permutation(n_performers)
    n_test = max(1, int(round(fractions[2] * n_performers))) if n_performers >= 3 else 0
    n_val = max(1, int(round(fractions[1] * n_performers))) if n_performers >= 3 else 0
    split = np.zeros(n_performers, dtype=int)
    split[order[:n_test]] = 2
    split[order[n_test:n_test + n_val]] = 1
    return np.arange(n_takes) % n_performers, split


# --------------------------------------------------------------------------- one track -> windows
def compute_features(audio, sr: int, fps: float = GT_FPS) -> np.ndarray:
    """The paper's 35 audio features per pose frame (lazy import of ``pose_audio_refine.audio``)."""
    try:
        from pose_audio_refine.audio import audio_features
    except ImportError:  # older layout: the function lives in the features module
        from pose_audio_refine.audio.features import audio_features
    feats = np.asarray(audio_features(audio, sr, fps=fps), dtype=np.float32)
    if feats.ndim != 2 or feats.shape[1] != N_FEATURES:
        raise ValueError(f"audio_features returned shape {feats.shape}, expected (T, {N_FEATURES})")
    return feats


def process_track(gt, features, config: NoiseConfig, seed_parts: tuple[int, ...],
                  fine_threshold_mm: float = FINE_THRESHOLD_MM, taus: dict[str, float] = TAUS,
                  pairs=TELMI13_PAIRS) -> dict[str, np.ndarray]:
    """Turn one clean track (+ its audio features) into windows of every noise variant and input rate.

    Parameters
    ----------
    gt : np.ndarray
        ``(T, 13, 3)`` ground truth, mm, 50 fps, no NaN.
    features : np.ndarray or None
        ``(T_f, 35)`` audio features at 50 fps (``T_f >= T - 2``); ``None``: zeros.
    config : NoiseConfig
        Noise model; ``config.variants`` variants are made.
    seed_parts : tuple of int
        Seeds every random draw: variant ``v`` uses ``(*seed_parts, v, ...)``.
    fine_threshold_mm : float
        Fine/gross threshold for the categories.
    taus : dict
        Input-rate key -> fps.
    pairs : sequence of (int, int)
        Left/right pairs for swaps.

    Returns
    -------
    dict of np.ndarray
        Clip arrays (M windows): ``gt`` (M,150,J,3) f32, ``audio`` (M,150,35) f32, ``nonlinearity_mm``,
        ``fine``, ``window_start_s``; sample arrays (N = M·V, clip-major): ``clip``, ``variant``, and per τ
        ``inputs_<τ>`` (N,T_in,J,3) f32 with NaN = dropped, ``conf_<τ>`` f16, ``swap_<τ>`` / ``outlier_<τ>``
        (N,T_in,J) bool, ``drop_<τ>`` (N,T_in) bool, ``category_<τ>`` (N,) int8.
    """
    gt = np.asarray(gt, dtype=np.float64)
    n_frames = gt.shape[0]
    duration = n_frames / GT_FPS
    starts = window_start_times(duration)
    m = len(starts)
    if m == 0:
        raise ValueError(f"track of {duration:.2f} s is shorter than one {WINDOW_S} s window")
    out: dict[str, np.ndarray] = {}
    out["gt"] = slice_windows(gt, GT_FPS, starts).astype(np.float32)
    if features is None:
        out["audio"] = np.zeros((m, n_input_frames(GT_FPS), N_FEATURES), np.float32)
    else:
        if features.shape[0] < n_frames - 2:
            raise ValueError(f"audio features have {features.shape[0]} frames for {n_frames} pose frames")
        out["audio"] = slice_windows(features, GT_FPS, starts, pad=2).astype(np.float32)
    out["nonlinearity_mm"] = np.array([nonlinearity_mm(w) for w in out["gt"]], dtype=np.float32)
    out["fine"] = out["nonlinearity_mm"] >= fine_threshold_mm
    out["window_start_s"] = starts.astype(np.float32)
    n_var = int(config.variants)
    out["clip"] = np.repeat(np.arange(m, dtype=np.int32), n_var)
    out["variant"] = np.tile(np.arange(n_var, dtype=np.int16), m)
    per_tau: dict[str, list] = {}
    for v in range(n_var):
        events = sample_events(duration, config, np.random.default_rng([*seed_parts, v, 0]), len(pairs))
        for ti, (key, fps) in enumerate(taus.items()):
            x, times = observe(gt, GT_FPS, fps, config)
            track = apply_noise(x, fps, config, np.random.default_rng([*seed_parts, v, ti + 1]), pairs=pairs,
                                times=times, events=events)
            for name, arr in (("inputs", track.poses), ("conf", track.confidence), ("swap", track.swap_mask),
                              ("outlier", track.outlier_mask), ("drop", track.drop_mask)):
                per_tau.setdefault(f"{name}_{key}", []).append(slice_windows(arr, fps, starts))
    for name, chunks in per_tau.items():
        # chunks[v] is (M, T_in, ...); reorder to clip-major (M, V, ...) -> (M·V, ...)
        arr = np.stack(chunks, axis=1)
        out[name] = arr.reshape((m * n_var,) + arr.shape[2:])
    for key in taus:
        out[f"inputs_{key}"] = out[f"inputs_{key}"].astype(np.float32)
        out[f"conf_{key}"] = out[f"conf_{key}"].astype(np.float16)
        swapped = out[f"swap_{key}"].reshape(m * n_var, -1).any(axis=1)
        out[f"category_{key}"] = categorize(np.repeat(out["nonlinearity_mm"], n_var), swapped, fine_threshold_mm)
    return out


# --------------------------------------------------------------------------- workers
def _simulate(job: dict):
    """Call the real simulator (imported lazily so the noise/window code works without it)."""
    take_fn = job.get("take_fn")
    if take_fn is None:
        from training.simulator import simulate_take as take_fn
    extra = {"fast_strokes": job["fast_strokes"]} if job.get("fast_strokes") else {}
    return take_fn(job["take_seed"], duration=job["duration"], renderer=job["renderer"],
                   soundfont=job["soundfont"], performer=job["performer_seed"], reverb=False, noise_snr_db=None,
                   **extra)


def _take_job(job: dict) -> dict:
    """Worker: simulate one take, make its windows, save them to ``job['path']``; return a summary."""
    take = _simulate(job)
    gt = np.asarray(take.poses, dtype=np.float64)
    if gt.ndim != 3 or gt.shape[1:] != (13, 3):
        raise ValueError(f"simulated take {take.take_id} has poses of shape {gt.shape}, expected (T, 13, 3)")
    if abs(float(take.fps) - GT_FPS) > 1e-6:
        raise ValueError(f"simulated take {take.take_id} is at {take.fps} fps, expected {GT_FPS}")
    spec: BuildSpec = job["spec"]
    audio = np.asarray(take.audio, dtype=np.float32)
    if spec.audio_augment:
        from training.simulator.effects import augment_audio
        audio = augment_audio(audio, int(take.sr), np.random.default_rng([spec.seed, job["index"], 7]))
    feats = compute_features(audio, int(take.sr))
    arrays = process_track(gt, feats, spec.noise, (spec.seed, job["index"]), spec.fine_threshold_mm)
    arrays["has_audio"] = np.ones(arrays["gt"].shape[0], dtype=bool)
    arrays.update(_state_windows(take.state, arrays["window_start_s"]))
    np.savez(job["path"], **arrays)
    return {"index": job["index"], "take_id": str(take.take_id), "performer_id": str(take.performer_id),
            "clips": int(arrays["gt"].shape[0]), "duration_s": float(take.duration)}


def _state_windows(state: dict, starts: np.ndarray) -> dict[str, np.ndarray]:
    """Per-clip hidden state the audio benchmark scores against: ``bow_pos`` (M, 150) mm from the frog,
    ``stroke`` (M, 150) int8 articulation code (index into ``training.simulator.score.ARTICULATIONS``, -1 in
    rests), ``vibrato_mm`` (M, 150) the left wrist's vibrato displacement and ``hand_mm`` (M, 150) the left hand's
    position along the neck (first finger from the nut, mm: its jumps are the shifts). Empty for takes without them."""
    if "bow_pos" not in state:
        return {}
    out = {}
    for name, key, dtype in (("bow_pos", "bow_pos", np.float32), ("stroke", "articulation_code", np.int8),
                             ("vibrato_mm", "vibrato_mm", np.float32), ("hand_mm", "hand_mm", np.float32)):
        if key in state:
            out[name] = slice_windows(np.asarray(state[key]), GT_FPS, starts).astype(dtype)
    return out


# --------------------------------------------------------------------------- assembling splits
CLIP_KEYS = ("gt", "audio", "nonlinearity_mm", "fine", "window_start_s", "has_audio", "bow_pos", "stroke", "vibrato_mm",
             "hand_mm")


def _assemble(out: Path, split: str, parts: list[dict], taus: dict[str, float]) -> dict:
    """Concatenate per-take files (in take order) into memory-mappable ``.npy`` arrays of one split."""
    d = out / split
    d.mkdir(parents=True, exist_ok=True)
    n_clips = sum(p["clips"] for p in parts)
    files = [np.load(p["path"]) for p in parts]
    n_samples = sum(f["clip"].shape[0] for f in files)
    counts = {"takes": len(parts), "performers": len({p["performer_id"] for p in parts}),
              "clips": n_clips, "windows": n_samples}
    if not parts:
        return counts
    mm: dict[str, np.ndarray] = {}

    def target(name: str, like: np.ndarray, n: int) -> np.ndarray:
        if name not in mm:
            mm[name] = np.lib.format.open_memmap(d / f"{name}.npy", mode="w+", dtype=like.dtype,
                                                 shape=(n,) + like.shape[1:])
        return mm[name]

    c0 = s0 = 0
    ids = {k: [] for k in ("clip_take_id", "clip_performer_id", "take_id", "performer_id")}
    clip_index, clip_take_index, sample_take_index, sample_start = [], [], [], []
    for p, f in zip(parts, files):
        c = p["clips"]
        s = f["clip"].shape[0]
        for name in f.files:
            arr = f[name]
            if name in CLIP_KEYS:
                target(name, arr, n_clips)[c0:c0 + c] = arr
            elif name != "clip":
                target(name, arr, n_samples)[s0:s0 + s] = arr
        clip_index.append(f["clip"] + c0)
        clip_take_index.append(np.full(c, p["index"], np.int32))
        sample_take_index.append(np.full(s, p["index"], np.int32))
        sample_start.append(f["window_start_s"][f["clip"]])
        ids["clip_take_id"] += [p["take_id"]] * c
        ids["clip_performer_id"] += [p["performer_id"]] * c
        ids["take_id"] += [p["take_id"]] * s
        ids["performer_id"] += [p["performer_id"]] * s
        c0, s0 = c0 + c, s0 + s
    for arr in mm.values():
        arr.flush()
    del mm
    for f in files:
        f.close()
    np.save(d / "clip_index.npy", np.concatenate(clip_index).astype(np.int32))
    np.save(d / "clip_take_index.npy", np.concatenate(clip_take_index))
    np.save(d / "take_index.npy", np.concatenate(sample_take_index))
    np.save(d / "sample_window_start_s.npy", np.concatenate(sample_start).astype(np.float32))
    for k, v in ids.items():
        np.save(d / f"{k}.npy", np.array(v, dtype=str))
    cats = {}
    for key in taus:
        codes = np.load(d / f"category_{key}.npy")
        cats[key] = {name: int((codes == i).sum()) for i, name in enumerate(CATEGORY_NAMES)}
    counts["categories"] = cats
    counts["input_seconds"] = float(n_samples * WINDOW_S)
    return counts


# --------------------------------------------------------------------------- output folder checks
class BuildExistsError(RuntimeError):
    """The output folder holds another build (or unknown files) and ``overwrite`` was not given."""


def check_output_dir(out: Path, key: dict, overwrite: bool) -> bool:
    """Decide what to do with ``out``. Returns True when an identical build is already there.

    Raises :class:`BuildExistsError` when ``out`` holds a different/incomplete build or foreign files and
    ``overwrite`` is False. With ``overwrite``, only the entries a build owns (:data:`OWNED`) are removed.
    """
    if out.exists() and not out.is_dir():
        raise BuildExistsError(f"--out {out} exists and is not a folder")
    if not out.exists() or not any(out.iterdir()):
        return False
    meta_path = out / "meta.json"
    if meta_path.is_file() and not overwrite:
        try:
            old = json.loads(meta_path.read_text())
        except (OSError, json.JSONDecodeError):
            old = {}
        if old.get("build") == key and old.get("complete"):
            return True
        diff = sorted(k for k in set(key) | set(old.get("build", {})) if key.get(k) != old.get("build", {}).get(k))
        raise BuildExistsError(f"{out} already holds a different MAPdat build (differs in: {', '.join(diff)}); "
                               "pass --overwrite to replace it or choose another --out")
    if not overwrite:
        raise BuildExistsError(f"{out} is not empty and holds no finished MAPdat build (an interrupted build or "
                               "other files); pass --overwrite to replace the build files or choose another --out")
    for name in OWNED:
        p = out / name
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()
    return False


# --------------------------------------------------------------------------- the build
def build_mapdat(out, spec: BuildSpec, workers: int = 1, overwrite: bool = False, progress: bool = True,
                 take_fn=None) -> dict:
    """Build MAPdat into folder ``out``.

    Parameters
    ----------
    out : str or Path
        Output folder (created). See ``docs/mapdat.md`` for its layout.
    spec : BuildSpec
        What to build.
    workers : int
        Processes simulating takes in parallel (1 = in this process).
    overwrite : bool
        Replace a different or unfinished build in ``out``.
    progress : bool
        Show a tqdm progress bar.
    take_fn : callable, optional
        Replacement for ``training.simulator.simulate_take`` (tests only); same signature.

    Returns
    -------
    dict
        The metadata written to ``out/meta.json`` (with ``"already_built": True`` if nothing was done).
    """
    if not isinstance(spec, BuildSpec):
        raise TypeError(f"spec must be a BuildSpec, got {type(spec).__name__}")
    if spec.soundfont is not None and not Path(spec.soundfont).is_file():
        raise FileNotFoundError(f"soundfont {spec.soundfont} does not exist")
    take_perf, perf_split = assign_splits(spec.takes, spec.n_performers, spec.seed)
    jobs = [{"index": i, "take_seed": take_seed(spec.seed, i), "performer_seed": performer_seed(spec.seed, take_perf[i]),
             "duration": float(spec.take_duration_s), "renderer": spec.renderer, "soundfont": spec.soundfont,
             "spec": spec, "take_fn": take_fn, "fast_strokes": spec.fast_strokes, "split": int(perf_split[take_perf[i]]),
             "group": int(take_perf[i])} for i in range(spec.takes)]
    key = spec.key()
    meta = {
        "kind": "simulated", "preset": spec.preset, "seed": spec.seed, "renderer": spec.renderer,
        "soundfont": key["soundfont"], "noise_config": dataclasses.asdict(spec.noise), "config_hash": key["noise_hash"],
        "fine_threshold_mm": spec.fine_threshold_mm, "take_duration_s": spec.take_duration_s,
        "fast_strokes": spec.fast_strokes, "audio_augment": spec.audio_augment,
    }
    return run_build(out, key, meta, jobs, _take_job, workers, overwrite, progress, f"MAPdat {spec.preset}")


def run_build(out, key: dict, meta: dict, jobs: list[dict], job_fn, workers: int, overwrite: bool,
              progress: bool, desc: str) -> dict:
    """Shared driver of the simulated and real-motion builders.

    Each job dict has ``index`` (unique int), ``split`` (0/1/2) and ``group`` (performer number: every job
    of one group must report one ``performer_id``); ``job_fn(job)`` writes ``job["path"]`` (set here) and
    returns ``{"index", "take_id", "performer_id", "clips", ...}``. Writes the splits, ``meta.json`` and
    ``card.md`` and returns the metadata.
    """
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    out = Path(out)
    if check_output_dir(out, key, overwrite):
        meta = json.loads((out / "meta.json").read_text())
        meta["already_built"] = True
        return meta
    t0 = time.time()
    created = not out.exists()
    tmp = out / ".tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    jobs = [dict(job, path=str(tmp / f"take_{job['index']:05d}.npz")) for job in jobs]
    results = {}
    try:
        for res in pool_map(job_fn, jobs, int(workers), desc, progress):
            results[res["index"]] = res
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # a failed build leaves nothing that blocks the next one
        if created and not any(out.iterdir()):
            out.rmdir()
        raise
    ids = [results[job["index"]]["take_id"] for job in jobs]
    if len(set(ids)) != len(ids):
        raise RuntimeError("duplicate take ids; cannot make a leak-free split")
    group_ids: dict[int, set] = {}
    for job in jobs:
        group_ids.setdefault(job["group"], set()).add(results[job["index"]]["performer_id"])
    if any(len(v) != 1 for v in group_ids.values()):
        raise RuntimeError("one performer produced several performer ids")
    counts, split_perf = {}, {}
    for si, split in enumerate(SPLITS):
        parts = [dict(results[job["index"]], path=job["path"]) for job in jobs if job["split"] == si]
        counts[split] = _assemble(out, split, parts, TAUS)
        split_perf[split] = sorted({p["performer_id"] for p in parts})
        counts[split]["take_ids"] = sorted({p["take_id"] for p in parts})
    shutil.rmtree(tmp)
    full = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "complete": True, "build": key, **meta,
            "gt_fps": GT_FPS, "window_s": WINDOW_S, "hop_s": HOP_S,
            "taus": {k: {"fps": f, "tau": int(k[3:]) / 100, "frames": n_input_frames(f)} for k, f in TAUS.items()},
            "n_features": N_FEATURES, "split_performers": split_perf, "counts": counts,
            "build_seconds": round(time.time() - t0, 1), "workers": int(workers)}
    _write_meta(out, full)
    return full


def _write_meta(out: Path, meta: dict) -> None:
    (out / "card.md").write_text(dataset_card(meta))
    tmp = out / "meta.json.part"
    tmp.write_text(json.dumps(meta, indent=1, default=float))
    os.replace(tmp, out / "meta.json")  # meta.json appears only once the build is complete


def dataset_card(meta: dict) -> str:
    """A short Markdown dataset card: counts per split, category and τ."""
    lines = [f"# MAPdat card ({meta.get('kind', 'simulated')}: {meta.get('source', meta.get('preset'))})", "",
             f"- noise preset: `{meta['preset']}` (config hash `{meta['config_hash']}`), "
             f"{meta['noise_config']['variants']} variants, seed {meta['seed']}"]
    if meta.get("kind", "simulated") == "simulated":
        lines.append(f"- renderer: `{meta['renderer']}`" + (f" ({meta['soundfont']})" if meta.get("soundfont") else "")
                     + f", take duration {meta['take_duration_s']} s")
    lines += [f"- windows {meta['window_s']} s, hop {meta['hop_s']} s, ground truth {meta['gt_fps']} fps; "
              f"fine if non-linearity >= {meta['fine_threshold_mm']} mm",
              f"- build time: {meta.get('build_seconds', '?')} s with {meta.get('workers', 1)} worker(s)", "",
              "| split | takes | performers | clips | windows | input s |", "|---|---|---|---|---|---|"]
    tot = {"takes": 0, "performers": 0, "clips": 0, "windows": 0}
    for split in SPLITS:
        c = meta["counts"][split]
        lines.append(f"| {split} | {c['takes']} | {c['performers']} | {c['clips']} | {c['windows']} | "
                     f"{c['windows'] * meta['window_s']:.0f} |")
        for k in tot:
            tot[k] += c[k]
    lines.append(f"| all | {tot['takes']} | {tot['performers']} | {tot['clips']} | {tot['windows']} | "
                 f"{tot['windows'] * meta['window_s']:.0f} |")
    if "split_sequences" in meta:
        lines += [f"- {split} sequences: {', '.join(meta['split_sequences'][split]) or '-'}" for split in SPLITS[1:]]
    lines += ["", "Windows per category (exclusive: inversion > fine > gross) and input rate:", "",
              "| split | τ (fps) | gross | fine | inversion |", "|---|---|---|---|---|"]
    for split in SPLITS:
        for key, info in meta["taus"].items():
            cat = meta["counts"][split].get("categories", {}).get(key, {})
            lines.append(f"| {split} | {info['tau']} ({info['fps']:g}) | " +
                         " | ".join(str(cat.get(n, 0)) for n in CATEGORY_NAMES) + " |")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- reading
def load_split(root, split: str = "train", mmap: bool = True) -> dict[str, np.ndarray]:
    """Load one split of a MAPdat build as a dict of arrays (memory-mapped by default).

    Parameters
    ----------
    root : str or Path
        Build folder (holds ``meta.json``).
    split : {"train", "val", "test"}
    mmap : bool
        Memory-map the large arrays instead of reading them.

    Returns
    -------
    dict
        Array name -> array (see docs/mapdat.md). ``gt[clip_index[i]]`` is sample ``i``'s ground truth.
    """
    root = Path(root)
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if not (root / "meta.json").is_file():
        raise FileNotFoundError(f"{root} holds no finished MAPdat build (no meta.json)")
    d = root / split
    if not d.is_dir():
        return {}
    return {p.stem: np.load(p, mmap_mode="r" if mmap else None) for p in sorted(d.glob("*.npy"))}
