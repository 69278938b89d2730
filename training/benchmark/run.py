"""One window set's benchmark: tune the classical methods on val, run every method on test, score it."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from pose_audio_refine.filters import fill_gaps
from training.take_windows import TAUS

from .data import BuildMissingError, open_set, shuffled_audio_clips, subset_indices, window_batch
from .predict import CLASSICAL, CLASSICAL_LABELS, as_tracks, model_accepts, predict_classical, predict_model
from .results import variant_label
from .score import score_windows, summarize
from .tune import DEFAULT_PARAMS, tune_classical

__all__ = ["evaluate_set"]


def _classical_params(res: dict, val, val_idx, tau: str, grids, classical: tuple[str, ...], say) -> dict:
    """Parameters per classical method at ``tau`` (tuned on ``val`` when given), recorded in ``res``."""
    if val is not None:
        say(f"{res['name']} {tau}: tuning classical parameters on {len(val_idx)} val windows")
        tuned = tune_classical(window_batch(val, tau, val_idx), grids, methods=classical)
        res["classical_params"][tau] = {m: {"params": tuned[m]["params"], "val_mpjpe": tuned[m]["val_mpjpe"],
                                            "tuned": True} for m in classical}
        return {m: tuned[m]["params"] for m in classical}
    params = {m: DEFAULT_PARAMS[tau][m] for m in classical}
    res["classical_params"][tau] = {m: {"params": params[m], "val_mpjpe": None, "tuned": False} for m in classical}
    return params


def evaluate_set(root, models: dict | None = None, max_windows: int | None = None, tune: bool = True,
                 tune_windows: int | None = 300, seed: int = 0, taus: Iterable[str] = tuple(TAUS),
                 classical: Iterable[str] = CLASSICAL, grids: dict[str, list[dict]] | None = None,
                 log: Callable[[str], None] | None = None) -> dict:
    """Evaluate every method on one window set's test split.

    Parameters
    ----------
    root : str or Path
        MAPdat-format build folder.
    models : dict, optional
        Display name -> ``(net, meta)`` from :func:`pose_audio_refine.checkpoint.load_weights` (grid-input nets;
        any other is skipped with a note). Each audio-using net also runs pose-only and with shuffled audio.
    max_windows : int, optional
        Evenly spaced subset of test windows per τ (None: all).
    tune : bool
        Grid-search the classical parameters on the val split (else
        :data:`training.benchmark.tune.DEFAULT_PARAMS`).
    tune_windows : int, optional
        Evenly spaced val windows used for tuning (None: all).
    seed : int
        Seeds the shuffled-audio pairing.
    taus : iterable of str
        Rate keys of :data:`training.take_windows.TAUS`.
    classical : iterable of str
        Classical methods to run.
    grids : dict, optional
        Tuning grids (default :data:`training.benchmark.tune.PARAM_GRIDS`).
    log : callable, optional
        Progress messages.

    Returns
    -------
    dict
        ``name``, ``root``, ``kind``, ``preset``, ``has_audio``, ``n_test_windows``, ``windows`` (per τ),
        ``classical_params`` (τ -> method -> params and val MPJPE), ``methods`` (label -> ``{family, base,
        variant, taus: τ -> summary}``, see :func:`training.benchmark.score.summarize`), ``seconds``
        (label -> inference s), ``notes``, ``wall_s``.
    """
    t0 = time.perf_counter()
    classical = tuple(classical)
    say = log or (lambda msg: None)
    root = Path(root)
    data, meta = open_set(root, "test")
    models = dict(models or {})
    has_audio = bool(np.asarray(data["has_audio"]).all())
    n_total = int(np.asarray(data["clip_index"]).shape[0])
    idx = subset_indices(n_total, max_windows)
    res = {"name": root.name, "root": str(root), "kind": meta.get("kind"), "preset": meta.get("preset"),
           "has_audio": has_audio, "n_test_windows": n_total, "windows": {}, "classical_params": {},
           "methods": {}, "seconds": {}, "notes": []}
    if not has_audio:
        res["notes"].append("no audio in this set: audio-using nets run pose-only; matched and shuffled-audio "
                            "variants are skipped")
    for name in [n for n, (_, m) in models.items() if not model_accepts(m)]:
        res["notes"].append(f"{name}: not a grid-input net (input_mode={models[name][1].get('input_mode')!r}), "
                            "skipped")
        del models[name]
    val = None
    if tune:
        try:
            val, _ = open_set(root, "val")
        except BuildMissingError:
            res["notes"].append("no val split: classical methods use the untuned defaults")
    val_idx = None if val is None else subset_indices(int(np.asarray(val["clip_index"]).shape[0]), tune_windows)
    audio_all = np.asarray(data["audio"])
    shuffled = shuffled_audio_clips(data, np.asarray(data["clip_index"])[idx], seed) if (
        has_audio and np.unique(np.asarray(data["clip_take_index"])).size > 1) else None
    if has_audio and shuffled is None:
        res["notes"].append("one take in the test split: the shuffled-audio control is skipped")

    def add(label: str, family: str, base: str, variant: str, tau: str, pred: np.ndarray, batch: dict,
            secs: float):
        entry = res["methods"].setdefault(label, {"family": family, "base": base, "variant": variant, "taus": {}})
        entry["taus"][tau] = summarize(score_windows(pred, batch))
        res["seconds"][label] = res["seconds"].get(label, 0.0) + secs

    for tau in taus:
        batch = window_batch(data, tau, idx)
        res["windows"][tau] = int(idx.shape[0])
        params = _classical_params(res, val, val_idx, tau, grids, classical, say)
        filled = fill_gaps(as_tracks(batch["inputs"]))
        for m in classical:
            t1 = time.perf_counter()
            pred = predict_classical(m, batch["inputs"], batch["fps"], params[m], filled=filled)
            add(CLASSICAL_LABELS[m], "classical", m, "classical", tau, pred, batch, time.perf_counter() - t1)
        say(f"{root.name} {tau}: classical done ({len(idx)} windows)")
        for name, (net, nmeta) in models.items():
            uses_audio = bool(nmeta.get("use_audio", True))
            variants = ["matched"]
            if uses_audio:
                variants = ["matched", "pose_only", "shuffled"] if has_audio else ["pose_only"]
                if shuffled is None and "shuffled" in variants:
                    variants.remove("shuffled")
            for v in variants:
                audio = None
                if uses_audio and v == "matched":
                    audio = audio_all[batch["clip"]]
                elif uses_audio and v == "shuffled":
                    audio = audio_all[shuffled]
                t1 = time.perf_counter()
                pred = predict_model(net, nmeta, batch["inputs"], batch["fps"], audio)
                add(variant_label(name, v), "learned", name, v, tau, pred, batch, time.perf_counter() - t1)
            say(f"{root.name} {tau}: {name} done ({', '.join(variants)})")
    res["wall_s"] = time.perf_counter() - t0
    return res
