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
    return 0


if __name__ == "__main__":
    sys.exit(main())
