"""MAPdat windows as a torch dataset for mmengine (``type='MAPdatWindows'``).

Two input modes:

* ``input_mode='native'`` -- the paper's setting: the stored noisy input of one τ, ``T_in = 3 · fps``
  frames (150/75/51), fed as is (NaN = dropped frame).
* ``input_mode='grid'`` -- what the shipped model and :class:`pose_audio_refine.Refiner` use: the input is
  interpolated onto the 150-slot 50 fps grid (:func:`pose_audio_refine.windows.to_grid`), so one model
  serves any rate. With ``online_noise`` set, the input is made on the fly from the ground truth: a rate drawn
  from ``fps_range`` and the named noise preset, seeded by ``(seed, index)`` -- deterministic, and every
  repeat (``repeats``) of a clip sees a different rate and noise draw.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from pose_audio_refine.windows import N_SLOTS, OUT_FPS, WINDOW_S, grid_times, to_grid
from pose_audio_refine.skeletons import SKELETONS
from pose_audio_refine.swaps import unswap_windows
from training.augment import rescale_segments, segment_scales
from training.mapdat import load_split
from training.noise import TELMI13_PAIRS, apply_noise, get_preset, observe, scale_noise
from training.take_windows import TAUS

from .registry import DATASETS

TELMI13_PARENTS = SKELETONS["telmi13"].parents


@DATASETS.register_module()
class MAPdatWindows(Dataset):
    """Windows of one split of a MAPdat build (see docs/mapdat.md).

    Parameters
    ----------
    data_root : str
        Build folder (holds ``meta.json``).
    split : {"train", "val", "test"}
    tau : {"tau100", "tau050", "tau033"}
        Stored input rate (native mode, and grid mode without ``online_noise``).
    input_mode : {"native", "grid"}
    online_noise : str or list of str, optional
        Noise preset(s) (``"paper"``/``"realistic"``) applied on the fly to the ground truth (grid mode only);
        with several, each sample draws one of them uniformly.
    fps_range : (float, float)
        Input rates drawn uniformly for ``online_noise``, Hz.
    repeats : int
        With ``online_noise``: how many differently-corrupted samples each clip yields.
    shuffle_audio : bool
        The control: pair every window with the audio of a window from a *different take*.
    max_samples : int, optional
        Use an evenly spaced subset of this many samples (quick runs).
    seed : int
        Seeds ``online_noise`` and ``shuffle_audio``.
    shape_aug : float
        With ``online_noise``: log-std of a random per-segment length factor (:mod:`training.augment`) applied
        to the ground truth before the noise, so the model cannot learn one body's proportions as a prior.
        0 (default) leaves bodies as they are.
    shape_aug_p : float
        Share of the samples that are reshaped.
    unswap_input : bool
        Undo left/right swaps in the input frames by continuity (:func:`pose_audio_refine.swaps.unswap_windows`)
        before gridding, as the Refiner and the benchmark do for a model whose sidecar says ``unswap_input``:
        the net then trains on the inputs it will be served. The ``category`` still says where the estimator
        swapped.

    noise_scale : (float, float), optional
        With ``online_noise``: train on a continuum of noise levels down to none. A ``noise_scale[0]`` share of
        the samples is clean (the rate's exact ground truth), a ``noise_scale[1]`` share has its noise scaled by
        ``alpha ~ U(0, 1)`` (:func:`training.noise.scale_noise`), the rest is as the preset makes it. None: all
        samples at the preset's level (the earlier models).

    Each item is a dict of float32 tensors ``poses`` ``(T_in, 13, 3)`` mm, ``input_times`` ``(T_in,)`` s,
    ``audio`` ``(150, 35)``, ``gt`` ``(150, 13, 3)`` mm, plus ``category`` (0 gross, 1 fine, 2 inversion),
    ``fps_in`` and ``index``.
    """

    def __init__(self, data_root: str, split: str = "train", tau: str = "tau033", input_mode: str = "native",
                 online_noise: str | list[str] | None = None, fps_range: tuple[float, float] = (10.0, 60.0), repeats: int = 1,
                 shuffle_audio: bool = False, max_samples: int | None = None, seed: int = 0,
                 shape_aug: float = 0.0, shape_aug_p: float = 0.5, unswap_input: bool = False,
                 noise_scale: tuple[float, float] | None = None):
        if tau not in TAUS:
            raise ValueError(f"tau must be one of {sorted(TAUS)}, got {tau!r}")
        if input_mode not in ("native", "grid"):
            raise ValueError(f"input_mode must be 'native' or 'grid', got {input_mode!r}")
        if online_noise is not None and input_mode != "grid":
            raise ValueError("online_noise needs input_mode='grid'")
        self.data = load_split(Path(data_root), split)
        if not self.data:
            raise ValueError(f"{data_root} has no {split!r} split")
        self.tau, self.fps = tau, TAUS[tau]
        self.input_mode, self.seed = input_mode, int(seed)
        if shape_aug < 0 or not 0.0 <= shape_aug_p <= 1.0:
            raise ValueError(f"shape_aug must be >= 0 and shape_aug_p in [0, 1], got {shape_aug}, {shape_aug_p}")
        if shape_aug > 0 and online_noise is None:
            raise ValueError("shape_aug reshapes the ground truth before online noise: it needs online_noise")
        self.shape_aug, self.shape_aug_p = float(shape_aug), float(shape_aug_p)
        self.unswap_input = bool(unswap_input)
        if noise_scale is not None:
            p_clean, p_scaled = (float(v) for v in noise_scale)
            if p_clean < 0 or p_scaled < 0 or p_clean + p_scaled > 1:
                raise ValueError(f"noise_scale must be two shares >= 0 summing to <= 1, got {noise_scale!r}")
            if online_noise is None:
                raise ValueError("noise_scale scales the online noise: it needs online_noise")
        self.noise_scale = None if noise_scale is None else (p_clean, p_scaled)
        names = [online_noise] if isinstance(online_noise, str) else list(online_noise or [])
        self.noise = [get_preset(n) for n in names] or None
        self.fps_range = (float(fps_range[0]), float(fps_range[1]))
        n_clips = self.data["gt"].shape[0]
        if self.noise is not None:
            self.clip_of = np.repeat(np.arange(n_clips), int(repeats))
            self.sample_of = None
        else:
            self.sample_of = np.arange(self.data["clip_index"].shape[0])
            self.clip_of = np.asarray(self.data["clip_index"])
        if max_samples is not None and max_samples < len(self.clip_of):
            pick = np.linspace(0, len(self.clip_of) - 1, int(max_samples)).round().astype(int)
            self.clip_of = self.clip_of[pick]
            self.sample_of = None if self.sample_of is None else self.sample_of[pick]
        self.audio_of = self.clip_of
        if shuffle_audio:
            self.audio_of = shuffled_other_take(self.clip_of, np.asarray(self.data["clip_take_index"]), self.seed)

    def __len__(self) -> int:
        return len(self.clip_of)

    def __getitem__(self, i: int) -> dict:
        clip = int(self.clip_of[i])
        gt = np.asarray(self.data["gt"][clip], dtype=np.float64)
        if self.shape_aug > 0:
            gt = self._reshape(i, gt)
        if self.noise is not None:
            poses, times, category, fps = self._online(i, gt)
        else:
            s = int(self.sample_of[i])
            poses = np.asarray(self.data[f"inputs_{self.tau}"][s], dtype=np.float64)
            times = np.arange(poses.shape[0]) / self.fps
            category, fps = int(self.data[f"category_{self.tau}"][s]), self.fps
        if self.unswap_input:
            poses = unswap_windows(poses[None], TELMI13_PAIRS)[0]
        if self.input_mode == "grid":
            poses = to_grid(poses, times, grid_times()) if np.isfinite(poses).any() else np.full_like(gt, np.nan)
            times = grid_times()
        return {
            "poses": torch.from_numpy(poses.astype(np.float32)),
            "input_times": torch.from_numpy(times.astype(np.float32)),
            "audio": torch.from_numpy(np.array(self.data["audio"][int(self.audio_of[i])], dtype=np.float32)),
            "gt": torch.from_numpy(gt.astype(np.float32)),
            "category": int(category),
            "fps_in": float(fps),
            "index": int(i),
        }

    def _reshape(self, i: int, gt: np.ndarray) -> np.ndarray:
        """``gt`` on a body with random proportions, for a ``shape_aug_p`` share of the samples (its own stream
        of ``(seed, i)``, so the noise draws are those of the unreshaped sample)."""
        rng = np.random.default_rng([self.seed, i, 1])
        if rng.random() >= self.shape_aug_p:
            return gt
        return rescale_segments(gt, TELMI13_PARENTS, segment_scales(rng, TELMI13_PARENTS, TELMI13_PAIRS, self.shape_aug))

    def _online(self, i: int, gt: np.ndarray):
        """Corrupt ``gt`` the way an estimator at a random rate would (deterministic in ``(seed, i)``)."""
        rng = np.random.default_rng([self.seed, i])
        fps = float(rng.uniform(*self.fps_range))
        start = float(rng.uniform(0.0, 1.0 / fps))  # the estimator's clock is not aligned with the window
        config = self.noise[int(rng.integers(len(self.noise)))]
        sparse, times = observe(gt, OUT_FPS, min(fps, OUT_FPS), config, start_s=start) if fps <= OUT_FPS else \
            _upsample_gt(gt, fps, start)
        track = apply_noise(sparse, fps, config, rng, pairs=TELMI13_PAIRS, times=times)
        fine = float(self.data["nonlinearity_mm"][int(self.clip_of[i])]) >= _fine_threshold(self.data)
        poses, swapped = track.poses, track.swap_mask.any()
        if self.noise_scale is not None:  # drawn after the preset's draws: the full-noise samples are unchanged
            u = float(rng.random())
            alpha = 0.0 if u < self.noise_scale[0] else \
                float(rng.random()) if u < self.noise_scale[0] + self.noise_scale[1] else 1.0
            poses, swapped = scale_noise(sparse, track, alpha), swapped and alpha > 0
        category = 2 if swapped else int(fine)
        return poses, times, category, fps


def _upsample_gt(gt: np.ndarray, fps: float, start: float):
    """Ground truth sampled above 50 fps (for 50–60 fps inputs), by linear interpolation."""
    t_end = (gt.shape[0] - 1) / OUT_FPS
    times = start + np.arange(int(np.floor((t_end - start) * fps)) + 1) / fps
    return to_grid(gt, np.arange(gt.shape[0]) / OUT_FPS, times), times


def _fine_threshold(data: dict) -> float:
    """Fine/gross threshold of the build (the stored ``fine`` flags agree with it)."""
    nl, fine = np.asarray(data["nonlinearity_mm"]), np.asarray(data["fine"])
    return float(nl[fine].min()) if fine.any() else float("inf")


def shuffled_other_take(clip_of: np.ndarray, clip_take: np.ndarray, seed: int) -> np.ndarray:
    """For each sample's clip, a clip index drawn from a different take (the shuffled-audio control)."""
    if np.unique(clip_take).size < 2:
        raise ValueError("shuffle_audio needs at least two takes in the split")
    rng = np.random.default_rng([seed, 7])
    out = rng.integers(0, clip_take.shape[0], size=clip_of.shape[0])
    same = clip_take[out] == clip_take[clip_of]
    while same.any():  # redraw the few that landed on their own take
        out[same] = rng.integers(0, clip_take.shape[0], size=int(same.sum()))
        same = clip_take[out] == clip_take[clip_of]
    return out


__all__ = ["MAPdatWindows", "ConcatWindows", "shuffled_other_take", "WINDOW_S", "N_SLOTS"]


@DATASETS.register_module()
class ConcatWindows(torch.utils.data.ConcatDataset):
    """Several window sets as one (e.g. simulated violin plus the real-motion sets' *train* splits).

    Parameters
    ----------
    datasets : list of dict
        Configs of :class:`MAPdatWindows` (or any registered dataset).
    """

    def __init__(self, datasets: list):
        super().__init__([DATASETS.build(cfg) if isinstance(cfg, dict) else cfg for cfg in datasets])
