#!/usr/bin/env python
"""Where the audio's information about fast bowing is lost: an oracle ceiling, model-free.

    python tools/audio_ceiling.py [--data-root data_build/mapdat_fast] [--levels clean,realistic_blur]
                                  [--rates 10,12.5,15,17] [--max-windows 200]

On the fast-stroke test windows (more than half of their frames in a fast stroke), the bowing wrist (RMWR) seen at a
low rate is linearly interpolated to 50 fps and then completed by a *bow trace* s(t) -- a 50 fps signal that should
be proportional to the bow's position along the hair -- with no learning at all:

    wrist(t) ~= interp(t) + a * (s(t) - interp_s(t)),

where ``interp_s`` is the trace sampled at the camera's frame times and interpolated back, and the 3-vector ``a`` is
the least-squares fit of the sampled (detrended) wrist on the sampled (detrended) trace: what the camera saw of
the trace tells how the wrist follows it, and the trace supplies what happened between the frames. Traces:

* **oracle**: the simulator's own bow position (``bow_pos``), the audio's information ceiling (the bow state is
  what the sound is made from);
* **paper features**: the signed loudness integral of the 35 features (MAPnet's ``loudness_integral`` channel:
  RMS summed with a sign flip at each picked onset);
* **shuffled**: that trace from a window of another take; **none**: interpolation alone.

The gap between oracle and paper features is information the features lose (their 46 ms RMS frames and 20 ms
onset hop blur 8-18 strokes/s, and a missed or spurious onset flips the sign of the rest of the window). It prints
the bowing wrist's MPJPE (mm) and velocity error (mm/s) per noise level and rate.

``--refiner`` adds a second table on what users get: the shipped Refiner's output (through the benchmark's own
pipeline, :func:`training.benchmark.predict.predict_model`) on the noisy levels, completed by

* **+ oracle trace fitted**: the simulator's bow position, high-passed (0.16 s), its 3-D gain and sign fitted to
  the camera's samples of what the refiner left (blurred over the exposure as ``realistic_blur`` blurs, residuals
  and trace high-passed over the samples, the fit shrunk by its own standard error): what knowing *when* and *how
  fast* the bow moves gives, when the direction of each passage must still come from the samples;
* **+ oracle direction**: the true wrist's high-passed motion along the bow replaces the refiner's: what also
  knowing the *direction* of every stroke would give.

The gap between the two is the stroke direction, which the sound does not carry (the simulator's up- and
down-bows sound alike, as a good violinist's do): it must come from the camera's samples. The fitted trace is one
model-free way of reading it from them, not the best one -- a net that weighs every sample of a passage does as well
or better (stages 14 and 15 reach it at 12.5-17 fps) -- so only the oracle direction bounds what audio could add.
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

WRIST = 5  # telmi13 RMWR


def complete_with_trace(x_in: np.ndarray, t_in: np.ndarray, trace: np.ndarray | None, fps_out: float = 50.0
                        ) -> np.ndarray:
    """Interpolate one window's ``(T_in, 3)`` samples (NaN = dropped) to ``fps_out`` and add the trace's unseen part.

    Parameters
    ----------
    x_in : np.ndarray
        ``(T_in, 3)`` mm at times ``t_in`` (s).
    t_in : np.ndarray
        ``(T_in,)`` s.
    trace : np.ndarray or None
        ``(T_out,)`` bow trace at ``k / fps_out`` s (any unit); None: interpolation only.
    fps_out : float
        Output rate, Hz.

    Returns
    -------
    np.ndarray
        ``(T_out, 3)`` mm.
    """
    from pose_audio_refine.interpolate import interp_track

    n_out = 150 if trace is None else trace.shape[0]
    t = np.arange(n_out) / fps_out
    ok = np.isfinite(x_in).all(axis=1)
    base = interp_track(x_in[:, None, :], t_in, t)[:, 0]
    if trace is None or ok.sum() < 3:
        return base
    s_seen = np.interp(t_in[ok], t, trace)
    design = np.stack([s_seen - s_seen.mean(), t_in[ok] - t_in[ok].mean()], axis=1)  # the trend is not the trace
    coef, *_ = np.linalg.lstsq(design, x_in[ok] - x_in[ok].mean(axis=0), rcond=None)
    return base + np.outer(trace - np.interp(t, t_in[ok], s_seen), coef[0])


def fit_trace_to_samples(pred: np.ndarray, x_in: np.ndarray, fps: float, trace: np.ndarray, config,
                         fps_out: float = 50.0, hp_slots: float = 8.0, hp_samples: float = 1.5) -> np.ndarray:
    """``pred`` ``(T_out, 3)`` plus the high-passed ``trace`` times a 3-vector fitted to the samples' residual.

    ``x_in`` ``(T_in, 3)`` are camera frames at ``i / fps`` s. The trace is seen as the camera saw the wrist
    (:func:`training.noise.observe` with the noise preset ``config``: its motion blur); the residual
    ``x_in - pred(t_in)`` and that blurred trace are both high-passed over the samples (Gaussian, ``hp_samples``)
    so slow drift does not leak into the fit, and the least-squares gain is shrunk by ``max(0, 1 - se^2 / c^2)``
    per coordinate (a fit no larger than its standard error adds nothing).
    """
    from scipy.ndimage import gaussian_filter1d

    from training.noise import observe

    t = np.arange(pred.shape[0]) / fps_out
    t_in = np.arange(x_in.shape[0]) / fps
    z = trace - gaussian_filter1d(trace, hp_slots, mode="nearest")
    seen, _ = observe(np.repeat(z[:, None, None], 3, axis=2), fps_out, fps, config)  # the camera's frames, blurred
    zb = np.full(t_in.size, np.nan)
    n = min(t_in.size, seen.shape[0])
    zb[:n] = seen[:n, 0, 0]
    r = x_in - np.stack([np.interp(t_in, t, pred[:, c]) for c in range(3)], axis=-1)
    ok = np.isfinite(r).all(axis=1) & np.isfinite(zb)
    if ok.sum() < 5:
        return pred
    w = np.maximum(gaussian_filter1d(ok.astype(float), hp_samples, mode="nearest"), 1e-6)
    r0, z0 = np.where(ok[:, None], r, 0.0), np.where(ok, zb, 0.0)
    r = r - gaussian_filter1d(r0, hp_samples, axis=0, mode="nearest") / w[:, None]
    zb = zb - gaussian_filter1d(z0, hp_samples, mode="nearest") / w
    zz = float((zb[ok] ** 2).sum())
    if zz <= 1e-12:
        return pred
    c = (r[ok] * zb[ok, None]).sum(axis=0) / zz
    var = ((r[ok] - np.outer(zb[ok], c)) ** 2).sum(axis=0) / max(int(ok.sum()) - 1, 1) / zz
    c = c * np.clip(1.0 - var / np.maximum(c ** 2, 1e-12), 0.0, 1.0)
    return pred + np.outer(z, c)


def refiner_table(data, idx: np.ndarray, levels: list[str], rates: list[float]) -> list[str]:
    """The ``--refiner`` table's Markdown rows (see the module docstring)."""
    from scipy.ndimage import gaussian_filter1d

    from pose_audio_refine.checkpoint import load_weights
    from training.benchmark.predict import predict_model
    from training.benchmark.sound import bow_axis, bow_change_counts, f1_from_counts
    from training.benchmark.sweep import sweep_batch
    from training.noise import get_preset

    net, meta = load_weights()
    audio = np.asarray(data["audio"])[idx]
    bow = np.asarray(data["bow_pos"][idx], dtype=np.float64)
    cols = ["pose-only", "shipped (audio)", "+ oracle trace fitted", "+ oracle direction"]
    rows = ["| noise | fps | " + " | ".join(cols) + " |", "|---|---|" + "---|" * len(cols)]
    for level in levels:
        config = get_preset(level)
        for fps in rates:
            batch = sweep_batch(data, idx, level, fps)
            t_in = np.arange(batch["inputs"].shape[1]) / fps
            gt = batch["gt"][:, :, WRIST]
            shipped = predict_model(net, meta, batch["inputs"], fps, audio)[:, :, WRIST]
            preds = {"pose-only": predict_model(net, meta, batch["inputs"], fps, None)[:, :, WRIST],
                     "shipped (audio)": shipped}
            preds["+ oracle trace fitted"] = np.stack([fit_trace_to_samples(
                shipped[w], batch["inputs"][w, :, WRIST], fps, bow[w], config) for w in range(len(idx))])
            axes = np.stack([bow_axis(gt[w], bow[w]) for w in range(len(idx))])[:, None, :]
            hp = (lambda y: y - gaussian_filter1d(y, 8.0, axis=1, mode="nearest"))
            along_gt, along_p = (gt * axes).sum(-1), (shipped * axes).sum(-1)
            preds["+ oracle direction"] = shipped + (hp(along_gt) - hp(along_p))[..., None] * axes
            cells = []
            vel0 = None
            for name in cols:
                p = preds[name]
                vel = np.linalg.norm(np.diff(p, axis=1) - np.diff(gt, axis=1), axis=-1).mean() * 50.0
                vel0 = vel if vel0 is None else vel0
                cnt = np.sum([bow_change_counts(p[w], gt[w], bow[w]) for w in range(len(idx))], axis=0)
                cells.append(f"{vel:.0f} ({vel / vel0:.2f}) / F1 {f1_from_counts(*cnt)[2]:.2f}")
            rows.append(f"| {level} | {fps:g} | " + " | ".join(cells) + " |")
    return rows


def main(argv=None) -> int:
    import torch

    from pose_audio_refine.models.mapnet import signed_loudness_integral
    from training.benchmark.data import open_set, shuffled_audio_clips
    from training.benchmark.sweep import sweep_batch
    from training.simulator.score import ARTICULATIONS, FAST_STROKES

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-root", default="data_build/mapdat_fast")
    ap.add_argument("--levels", default="clean,realistic_blur", help="noise presets, comma-separated")
    ap.add_argument("--rates", default="10,12.5,15,17", help="camera rates (fps), comma-separated")
    ap.add_argument("--max-windows", type=int, default=200)
    ap.add_argument("--refiner", action="store_true",
                    help="also the table on the shipped Refiner's output (noisy levels only; see above)")
    args = ap.parse_args(argv)
    data, _ = open_set(args.data_root, "test")
    if "bow_pos" not in data:
        print(f"audio_ceiling.py: error: {args.data_root} has no bow_pos (build it with --fast-strokes)", file=sys.stderr)
        return 2
    fast = np.isin(np.asarray(data["stroke"]), [ARTICULATIONS.index(a) for a in FAST_STROKES]).mean(axis=1) > 0.5
    idx = np.flatnonzero(fast)[:args.max_windows]
    audio = torch.as_tensor(np.asarray(data["audio"]))
    paper = signed_loudness_integral(audio[idx]).numpy().astype(np.float64)
    traces = {"oracle (bow state)": np.asarray(data["bow_pos"][idx], dtype=np.float64),
              "paper features": paper,
              "shuffled": signed_loudness_integral(audio[shuffled_audio_clips(data, idx)]).numpy().astype(np.float64),
              "none": None}
    print(f"{len(idx)} fast-stroke test windows of {args.data_root}; bowing wrist (RMWR): MPJPE mm / velocity error mm/s\n")
    print("| noise | fps | " + " | ".join(traces) + " |")
    print("|---|---|" + "---|" * len(traces))
    for level in args.levels.split(","):
        for fps in (float(r) for r in args.rates.split(",")):
            batch = sweep_batch(data, idx, level, fps)
            t_in = np.arange(batch["inputs"].shape[1]) / fps
            gt = batch["gt"][:, :, WRIST]
            cells = []
            for trace in traces.values():
                pred = np.stack([complete_with_trace(batch["inputs"][w, :, WRIST], t_in,
                                                     None if trace is None else trace[w]) for w in range(len(idx))])
                pos = np.linalg.norm(pred - gt, axis=-1).mean()
                vel = np.linalg.norm(np.diff(pred, axis=1) - np.diff(gt, axis=1), axis=-1).mean() * 50.0
                cells.append(f"{pos:.1f} / {vel:.0f}")
            print(f"| {level} | {fps:g} | " + " | ".join(cells) + " |")
    if args.refiner:
        noisy = [lv for lv in args.levels.split(",") if lv != "clean"]
        print(f"\nThe shipped Refiner's bowing wrist, completed by oracle bow information: velocity error mm/s "
              "(÷ pose-only) / bow-change F1\n")
        for row in refiner_table(data, idx, noisy, [float(r) for r in args.rates.split(",")]):
            print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
