#!/usr/bin/env python
"""Accuracy against speed for ``--estimator-fps``, and the end-to-end real-time factor on a real video.

    python tools/benchmark_video.py [--checkpoint PATH] [--takes 2] [--seconds 20] [--rates 10 12.5 15 25 50]
                                    [--dancer-seconds 20] [--json out.json]

Part 1 (simulated, ground truth known): the demo clip (``demo/violin_demo_truth.npz`` + its audio) and
``--takes`` more simulated takes. For each estimator rate F the true motion is sampled at F fps and passed
through the "realistic" estimator-noise model (the same noise events for every F of a take), then refined to
50 fps. Reported: MPJPE against the truth of the raw estimate linearly interpolated to 50 fps and of the
refined track, mean acceleration, and the cost per second of video: MediaPipe's measured time per frame times
F, plus the refiner's measured time.

Part 2 (real): ``tools/refine_video.py``'s job on the first ``--dancer-seconds`` of ``../shared/data/video/
dancer.avi`` (25 fps, its music) with MediaPipe on every frame and at lower ``--estimator-fps``; the real-time
factor is wall time / video time (> 1: slower than real time), measured in a warm process (imports and
first-call set-up excluded, reported separately).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
DANCER = REPO.parent / "shared" / "data" / "video" / "dancer.avi"
SPORTS = REPO.parent / "shared" / "data" / "video" / "sports2d_demo_silent.mp4"


def simulated(refiner, rates, takes: int, seconds: float) -> list[dict]:
    from pose_audio_refine import RefineResult
    from pose_audio_refine.interpolate import interp_track
    from pose_audio_refine.audio import load_audio
    from pose_audio_refine.metrics import mean_acceleration, mpjpe
    from training.noise import apply_noise, downsample, get_preset, sample_events
    from training.simulator import simulate_take

    cases = []
    truth = RefineResult.load(REPO / "demo" / "violin_demo_truth.npz")
    y, sr = load_audio(REPO / "demo" / "violin_demo.mp4", sr=44100)
    cases.append(("demo", truth.poses, 50.0, y, sr, 8))
    for k in range(takes):
        tk = simulate_take(100 + k, duration=seconds, renderer="soundfont")
        cases.append((tk.take_id, tk.poses, tk.fps, tk.audio, tk.sr, 100 + k))
    cfg = get_preset("realistic")
    rows = []
    for name, gt, fps_gt, audio, sr, seed in cases:
        events = sample_events(gt.shape[0] / fps_gt, cfg, np.random.default_rng(seed + 5000))
        t_gt = np.arange(gt.shape[0]) / fps_gt
        for F in rates:
            sparse, times = downsample(gt, fps_gt, F)
            noisy = apply_noise(sparse, F, cfg, np.random.default_rng(seed + int(F * 10)), times=times,
                                events=events).poses
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = refiner.refine(noisy, audio, fps=F, sr=sr, trim=True)
            dt = time.perf_counter() - t0
            n = min(res.poses.shape[0], gt.shape[0])
            ref, g = res.poses[:n], gt[:n]
            raw_up = interp_track(noisy, times, t_gt[:n])
            ok = np.isfinite(ref).all(-1) & np.isfinite(raw_up).all(-1)
            rows.append(dict(case=name, fps=F, seconds=gt.shape[0] / fps_gt,
                             mpjpe_raw=float(mpjpe(raw_up, g, mask=ok)), mpjpe_refined=float(mpjpe(ref, g, mask=ok)),
                             accel_raw=float(mean_acceleration(raw_up, mask=ok, fps=50)),
                             accel_refined=float(mean_acceleration(ref, mask=ok, fps=50)),
                             accel_truth=float(mean_acceleration(g, fps=50)), refine_s=dt))
    return rows


def offset_from_raw(summary: dict) -> tuple[float, float, float]:
    """How far the refiner moved the person on average (mm): the mean and worst per-joint offset of the refined
    track's clip mean from the raw estimate's, both at the output times (the raw frames linearly interpolated), and
    the mean offset once the raw track's left/right labels are matched to the refined one's frame by frame
    (:func:`pose_audio_refine.metrics.mean_offset`). A refiner that de-jitters and un-swaps leaves the last near 0;
    the first two also count the swaps it fixed. One that pulls poses toward a prior moves all three."""
    from pose_audio_refine import RefineResult
    from pose_audio_refine.interpolate import interp_track
    from pose_audio_refine.metrics import mean_offset
    from pose_audio_refine.skeletons import get_skeleton
    from pose_audio_refine.units import MM_PER_UNIT

    res = RefineResult.load(summary["paths"]["refined_npz"])
    raw = interp_track(res.input_poses, res.input_times, res.times)
    scale = MM_PER_UNIT[res.units]
    per_joint = mean_offset(res.poses, raw) * scale
    relabelled = mean_offset(res.poses, raw, pairs=get_skeleton(res.skeleton).left_right) * scale
    return float(np.nanmean(per_joint)), float(np.nanmax(per_joint)), float(np.nanmean(relabelled))


def real_video(checkpoint, rates, seconds: float, video: Path = DANCER) -> list[dict]:
    from pose_audio_refine.video import refine_video

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for F in rates:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                s = refine_video(video, out_dir=Path(tmp) / str(F), estimator_fps=F, max_seconds=seconds,
                                 checkpoint=checkpoint, progress=False)
            offset, worst, relabelled = offset_from_raw(s)
            rows.append(dict(video=video.name, estimator_fps=F, video_s=s["duration_s"],
                             frames_estimated=s["frames_estimated"], detection_rate=s["detection_rate"],
                             rtf=s["realtime_factor"], offset_mm=offset, worst_offset_mm=worst,
                             offset_relabelled_mm=relabelled, **s["seconds"],
                             **s["smoothness"]))
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint", help="refiner weights (default: the bundled checkpoint)")
    ap.add_argument("--takes", type=int, default=2, help="simulated takes besides the demo clip")
    ap.add_argument("--seconds", type=float, default=20.0, help="length of each extra simulated take")
    ap.add_argument("--rates", type=float, nargs="+", default=[10, 12.5, 15, 25, 50], help="estimator rates, Hz")
    ap.add_argument("--dancer-seconds", type=float, default=20.0, help="seconds of dancer.avi (0: skip part 2)")
    ap.add_argument("--dancer-rates", type=float, nargs="+", default=[0, 12.5, 10],
                    help="--estimator-fps values on dancer.avi (0: every frame)")
    ap.add_argument("--json", help="also write the numbers here")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    from pose_audio_refine import Refiner

    refiner = Refiner(checkpoint=args.checkpoint, progress=False)
    t_import = time.perf_counter() - t0
    # Warm up (first-call set-up of the audio features and torch), so the rows below are steady-state costs.
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        refiner.refine(np.load(REPO / "demo" / "violin_demo_truth.npz")["poses"][:100:5],  # 2 s of a real pose
                       np.random.default_rng(0).normal(0, 0.1, 44100).astype(np.float32), fps=10, sr=44100, trim=True)
    t_warm = time.perf_counter() - t0
    print(f"set-up: imports + weights {t_import:.1f} s, first refine call {t_warm:.1f} s (paid once per process)")

    out = {"setup_s": {"imports": t_import, "first_call": t_warm}}
    real = []
    if args.dancer_seconds > 0:
        if not DANCER.is_file():
            print(f"skipping part 2: {DANCER} not found")
        else:
            real = real_video(args.checkpoint, [None if r == 0 else r for r in args.dancer_rates], args.dancer_seconds)
            if SPORTS.is_file():  # the other shared video (its audio is silent: pose-only)
                real += real_video(args.checkpoint, [None], args.dancer_seconds, SPORTS)
    ms_per_frame = None
    full = [r for r in real if r["estimator_fps"] is None and r["video"] == DANCER.name]
    if full:
        ms_per_frame = 1000 * full[0]["estimation"] / full[0]["frames_estimated"]

    rows = simulated(refiner, args.rates, args.takes, args.seconds)
    out["simulated"] = rows
    print("\nPart 1: simulated takes (realistic estimator noise), MPJPE vs ground truth at 50 fps, mm")
    print(f"{'F (Hz)':>7} {'raw-interp':>11} {'refined':>8} {'accel raw':>10} {'accel ref':>10} {'accel gt':>9} "
          f"{'refine s/s':>10} {'MediaPipe s/s':>13} {'total s/s':>9}")
    for F in args.rates:
        sub = [r for r in rows if r["fps"] == F]
        dur = sum(r["seconds"] for r in sub)
        w = np.array([r["seconds"] for r in sub]) / dur
        avg = {k: float(np.dot(w, [r[k] for r in sub])) for k in ("mpjpe_raw", "mpjpe_refined", "accel_raw",
                                                                 "accel_refined", "accel_truth")}
        ref_s = sum(r["refine_s"] for r in sub) / dur
        est_s = F * ms_per_frame / 1000 if ms_per_frame else float("nan")
        print(f"{F:7g} {avg['mpjpe_raw']:11.1f} {avg['mpjpe_refined']:8.1f} {avg['accel_raw']:10.0f} "
              f"{avg['accel_refined']:10.0f} {avg['accel_truth']:9.0f} {ref_s:10.3f} {est_s:13.3f} "
              f"{ref_s + est_s:9.3f}")
    print(f"(cases: {', '.join(dict.fromkeys(r['case'] for r in rows))}; accel in mm/s^2; s/s = seconds of compute "
          f"per second of video; MediaPipe cost from part 2: "
          f"{'%.1f ms/frame' % ms_per_frame if ms_per_frame else 'not measured'})")

    if real:
        out["dancer"] = real
        print(f"\nPart 2: {DANCER.name}, first {args.dancer_seconds:g} s, end to end (warm process)")
        print(f"{'video':>26} {'--estimator-fps':>15} {'frames':>6} {'detect':>6} {'estimation':>10} "
              f"{'refinement':>10} {'writing':>7} {'total':>6} {'RTF':>5} {'offset mm':>9} {'worst':>6} {'relabelled':>10}")
        for r in real:
            print(f"{r['video']:>26} {str(r['estimator_fps'] or 'all'):>15} {r['frames_estimated']:6d} "
                  f"{100 * r['detection_rate']:5.0f}% {r['estimation']:10.1f} {r['refinement']:10.1f} "
                  f"{r['writing']:7.1f} {r['total']:6.1f} {r['rtf']:5.2f} {r['offset_mm']:9.1f} "
                  f"{r['worst_offset_mm']:6.1f} {r['offset_relabelled_mm']:10.1f}")
        print("(offset: mean over joints of |refined clip mean - raw clip mean|; the do-no-harm contract asks <= 5 mm; "
              "relabelled: the same after matching the raw track's left/right labels to the refined one's per frame, "
              "i.e. without the swaps the refiner fixed)")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
