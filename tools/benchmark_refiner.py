"""Benchmark the Refiner (issue 5): speed, peak memory for 1 h of input, accuracy per input frame rate.

Not a test: numbers depend on the machine. Everything compared is measured in the same run.

1. **Speed**: a 60 s simulated take at 25 fps refined to 50 fps *with its audio features* (computed inside
   ``refine``), against linear interpolation and the One Euro filter (``filters.refine_classical``) on the same
   input; real-time factor = clip length / wall time (best of ``--repeats``). Torch and the BLAS get
   ``--threads`` threads (default 2: the issue's "2 cores").
2. **Memory**: a child process refines 1 h of input (telmi13, 25 fps, the 60 s take tiled) with the audio read
   from a 1 h WAV file (streamed: features are computed in chunks) and reports its peak resident set size
   (``resource.getrusage(RUSAGE_SELF).ru_maxrss``), which includes Python, torch and the model (the baseline
   right after loading them is reported too).
3. **Accuracy per input fps** (10, 12.5, 15, 17, 24, 25, 29.97, 30, 50, 60): simulated takes (``--takes``,
   ``--accuracy-seconds`` each) sampled at that rate, corrupted with the ``realistic`` estimator noise preset
   (same seed per take and rate), refined to 50 fps and compared to the 50 fps ground truth: MPJPE (mm) and
   acceleration error MPJAE (mm/frame^2) for the Refiner with audio, pose-only, linear interpolation and One Euro.
   Entries the Refiner leaves NaN (no observation within 1.5 s) are excluded for every method; the coverage
   is reported.

Usage::

    .venv/bin/python tools/benchmark_refiner.py                       # bundled checkpoint
    .venv/bin/python tools/benchmark_refiner.py --checkpoint my.pth --json bench.json
    .venv/bin/python tools/benchmark_refiner.py --random-init          # untrained net: speed/memory only
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

ACCURACY_FPS = (10.0, 12.5, 15.0, 17.0, 24.0, 25.0, 29.97, 30.0, 50.0, 60.0)


def _set_threads(n: int) -> None:
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(n)
    import torch

    torch.set_num_threads(n)


def _make_refiner(args, progress=False):
    from pose_audio_refine import Refiner

    if args.random_init:
        import torch
        from pose_audio_refine.models import build_model

        torch.manual_seed(0)
        net = build_model("MAPnet", t_in=150, h1=64, h2=50, n_heads=4, pose_layers=2, audio_layers=2,
                          fusion_layers=2, residual=True)
        return Refiner(net, batch_size=args.batch_size, progress=progress)
    return Refiner(args.checkpoint, batch_size=args.batch_size, progress=progress)


def _noisy(gt, fps, seed):
    """``gt`` (50 fps, mm) seen by an estimator at ``fps``: sampled from t=0, realistic noise."""
    import numpy as np
    from pose_audio_refine.windows import to_grid
    from training.noise import apply_noise, downsample, get_preset

    if fps <= 50.0:
        sparse, times = downsample(gt, 50.0, fps, start_s=0.0)
    else:  # above the ground-truth rate: interpolate it (as training/engine/dataset.py does)
        t_end = (gt.shape[0] - 1) / 50.0
        times = np.arange(int(np.floor(t_end * fps + 1e-9)) + 1) / fps
        sparse = to_grid(gt, np.arange(gt.shape[0]) / 50.0, times)
    rng = np.random.default_rng([seed, int(round(fps * 100))])
    return apply_noise(sparse, fps, get_preset("realistic"), rng, times=times).poses


# ---------------------------------------------------------------------------------------------------- speed
def bench_speed(args) -> dict:
    import numpy as np
    from pose_audio_refine.filters import refine_classical
    from training.simulator import simulate_take

    take = simulate_take(args.seed, duration=args.seconds)
    poses = _noisy(take.poses, args.fps, args.seed)
    refiner = _make_refiner(args)

    def best(fn):
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return min(times)

    out = {"clip_s": args.seconds, "fps_in": args.fps, "threads": args.threads}
    out["refiner_audio_s"] = best(lambda: refiner.refine(poses, take.audio, fps=args.fps, sr=take.sr))
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out["refiner_pose_only_s"] = best(lambda: refiner.refine(poses, None, fps=args.fps))
    out["linear_s"] = best(lambda: refine_classical("linear", poses, args.fps, 50.0))
    out["one_euro_s"] = best(lambda: refine_classical("one_euro", poses, args.fps, 50.0))
    for k in ("refiner_audio", "refiner_pose_only", "linear", "one_euro"):
        out[f"{k}_rtf"] = args.seconds / out[f"{k}_s"]
    out["refiner_vs_linear_time"] = out["refiner_audio_s"] / out["linear_s"]
    out["refiner_vs_one_euro_time"] = out["refiner_audio_s"] / out["one_euro_s"]
    assert np.isfinite(out["refiner_audio_s"])
    return out


# ---------------------------------------------------------------------------------------------------- memory
def _memory_child(args) -> None:
    """Runs in a fresh process: refine ``--hours`` of input read from ``--wav``; print peak RSS as JSON."""
    import numpy as np

    _set_threads(args.threads)
    from training.simulator import simulate_take

    take = simulate_take(args.seed, duration=60.0)
    unit = _noisy(take.poses, args.fps, args.seed)
    refiner = _make_refiner(args, progress=False)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    n = int(round(args.hours * 3600 * args.fps))
    poses = np.concatenate([unit] * int(np.ceil(n / unit.shape[0])))[:n]
    t0 = time.perf_counter()
    res = refiner.refine(poses, args.wav, fps=args.fps)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"hours": args.hours, "peak_rss_mib": peak, "baseline_rss_mib": base, "wall_s": wall,
                      "frames_out": int(res.poses.shape[0]), "audio_used": res.audio_used}))


def bench_memory(args) -> dict:
    import numpy as np
    import soundfile as sf
    from training.simulator import simulate_take

    take = simulate_take(args.seed, duration=60.0)
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "one_hour.wav"
        seconds = int(round(args.hours * 3600))
        with sf.SoundFile(wav, "w", samplerate=take.sr, channels=1, subtype="PCM_16") as f:
            for _ in range(int(np.ceil(seconds / 60))):  # written a minute at a time
                f.write(take.audio)
        cmd = [sys.executable, __file__, "--memory-child", "--wav", str(wav), "--hours", str(args.hours),
               "--fps", str(args.fps), "--threads", str(args.threads), "--seed", str(args.seed),
               "--batch-size", str(args.batch_size)]
        if args.random_init:
            cmd.append("--random-init")
        elif args.checkpoint:
            cmd += ["--checkpoint", str(args.checkpoint)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"memory child failed:\n{proc.stderr[-3000:]}")
        return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------------- accuracy
def bench_accuracy(args) -> list[dict]:
    import warnings

    import numpy as np
    from pose_audio_refine.filters import refine_classical
    from pose_audio_refine.metrics import mpjae, mpjpe
    from training.simulator import simulate_take

    refiner = _make_refiner(args)
    takes = [simulate_take(1000 + i, duration=args.accuracy_seconds) for i in range(args.takes)]
    rows = []
    for fps in ACCURACY_FPS:
        acc = {k: [] for k in ("audio", "pose_only", "linear", "one_euro")}
        cover = []
        for i, take in enumerate(takes):
            noisy = _noisy(take.poses, fps, 1000 + i)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                preds = {"audio": refiner.refine(noisy, take.audio, fps=fps, sr=take.sr, trim=True).poses,
                         "pose_only": refiner.refine(noisy, None, fps=fps).poses}
            n = preds["audio"].shape[0]
            preds["linear"] = refine_classical("linear", noisy, fps, 50.0)[0][:n]
            preds["one_euro"] = refine_classical("one_euro", noisy, fps, 50.0)[0][:n]
            gt = take.poses[:n]
            mask = np.all([np.isfinite(p[:n]).all(axis=-1) for p in preds.values()], axis=0)
            cover.append(mask.mean())
            for k, p in preds.items():
                acc[k].append((mpjpe(np.nan_to_num(p[:n]), gt, mask=mask),
                               mpjae(np.nan_to_num(p[:n]), gt, mask=mask)))
        row = {"fps": fps, "coverage": float(np.mean(cover))}
        for k, v in acc.items():
            row[f"{k}_mpjpe"] = float(np.mean([a for a, _ in v]))
            row[f"{k}_mpjae"] = float(np.mean([b for _, b in v]))
        rows.append(row)
        print(f"  {fps:6.2f} fps: MPJPE audio {row['audio_mpjpe']:6.2f}  pose-only {row['pose_only_mpjpe']:6.2f}  "
              f"linear {row['linear_mpjpe']:6.2f}  one-euro {row['one_euro_mpjpe']:6.2f} mm | MPJAE audio "
              f"{row['audio_mpjae']:5.2f} linear {row['linear_mpjae']:5.2f} one-euro {row['one_euro_mpjae']:5.2f} "
              f"| coverage {row['coverage']:.3f}", flush=True)
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", default=None, help="weights file (default: the bundled checkpoint)")
    ap.add_argument("--random-init", action="store_true",
                    help="use an untrained shipped-size MAPnet (speed and memory only; accuracy is meaningless)")
    ap.add_argument("--seconds", type=float, default=60.0, help="speed clip length, s")
    ap.add_argument("--fps", type=float, default=25.0, help="input rate for speed and memory, Hz")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--hours", type=float, default=1.0, help="input length of the memory run, h")
    ap.add_argument("--takes", type=int, default=3, help="simulated takes per input rate")
    ap.add_argument("--accuracy-seconds", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip", nargs="*", default=(), choices=("speed", "memory", "accuracy"))
    ap.add_argument("--json", default=None, help="also write the results here")
    ap.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--wav", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.memory_child:
        _memory_child(args)
        return 0
    _set_threads(args.threads)
    if not args.random_init:
        from pose_audio_refine.checkpoint import DEFAULT_CHECKPOINT

        path = Path(args.checkpoint or DEFAULT_CHECKPOINT)
        if not path.is_file():
            ap.error(f"checkpoint {path} not found: train one (tools/train.py) or pass --random-init")
    results = {"checkpoint": "random-init (untrained)" if args.random_init else str(args.checkpoint or "bundled")}
    if "speed" not in args.skip:
        s = bench_speed(args)
        results["speed"] = s
        print(f"speed ({s['clip_s']:g} s at {s['fps_in']:g} fps -> 50 fps, {s['threads']} threads): "
              f"Refiner with audio {s['refiner_audio_s']:.2f} s = {s['refiner_audio_rtf']:.0f}x real time "
              f"(pose-only {s['refiner_pose_only_rtf']:.0f}x); linear {s['linear_rtf']:.0f}x, "
              f"One Euro {s['one_euro_rtf']:.0f}x; Refiner takes {s['refiner_vs_linear_time']:.0f}x the time "
              f"of linear and {s['refiner_vs_one_euro_time']:.0f}x that of One Euro", flush=True)
    if "memory" not in args.skip:
        m = bench_memory(args)
        results["memory"] = m
        print(f"memory ({m['hours']:g} h at {args.fps:g} fps, audio streamed from a WAV): peak RSS "
              f"{m['peak_rss_mib']:.0f} MiB (after imports + model: {m['baseline_rss_mib']:.0f} MiB), "
              f"{m['wall_s']:.0f} s wall", flush=True)
    if "accuracy" not in args.skip:
        print(f"accuracy ({args.takes} simulated takes x {args.accuracy_seconds:g} s, realistic noise, vs 50 fps "
              "ground truth):", flush=True)
        results["accuracy"] = bench_accuracy(args)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
