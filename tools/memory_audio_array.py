#!/usr/bin/env python
"""Peak memory of ``Refiner.refine`` for 1 h of poses with a 1 h audio *array* at 22.05 kHz (resampled inside).

Not a test: the number depends on the machine. A child process builds the inputs (a 60 s simulated take tiled to
``--hours``; poses at 25 fps, the audio decimated to 22.05 kHz, float32), records its peak resident set size
(``ru_maxrss``) right before ``refine`` (Python, torch, the model and the caller's own arrays) and after it, and
prints both as JSON; "beyond the inputs" is the difference.

    .venv/bin/python tools/memory_audio_array.py [--hours 1] [--threads 2]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _child(args) -> None:
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    from pose_audio_refine import Refiner
    from training.simulator import simulate_take

    take = simulate_take(0, duration=60.0)
    poses_unit = take.poses[::2]  # 50 fps ground truth -> 25 fps
    audio_unit = np.asarray(take.audio[::2], dtype=np.float32)  # 44.1 kHz -> 22.05 kHz
    sr = take.sr / 2
    reps = int(np.ceil(args.hours * 60))
    poses = np.concatenate([poses_unit] * reps)[: int(round(args.hours * 3600 * 25))]
    audio = np.concatenate([audio_unit] * reps)[: int(round(args.hours * 3600 * sr))]
    refiner = Refiner(progress=False)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    t0 = time.perf_counter()
    res = refiner.refine(poses, audio, fps=25, sr=sr)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"hours": args.hours, "audio_sr": sr, "audio_mib": audio.nbytes / 2**20,
                      "poses_mib": poses.nbytes / 2**20, "rss_before_refine_mib": round(before, 1),
                      "peak_rss_mib": round(peak, 1), "beyond_inputs_mib": round(peak - before, 1),
                      "wall_s": round(wall, 1), "audio_used": bool(res.audio_used),
                      "frames_out": int(res.poses.shape[0])}))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hours", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args)
        return 0
    cmd = [sys.executable, __file__, "--child", "--hours", str(args.hours), "--threads", str(args.threads)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        return 1
    print(proc.stdout.strip().splitlines()[-1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
