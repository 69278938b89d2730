#!/usr/bin/env python
"""Refine the 3D poses of a person in a video with its audio (MAPnet).

    python tools/refine_video.py                       # the bundled demo (demo/violin_demo.mp4)
    python tools/refine_video.py in.mp4 --out out/ --estimator-fps 12.5 --render

Estimates 3D poses with MediaPipe (or reads ``--poses``), refines them with the audio, and writes into
``--out`` (default ``outputs/<video stem>/``): ``<stem>_refined.{npz,json,csv}``, ``<stem>_raw.npz``,
``<stem>_wrists.png`` (before/after plot), ``<stem>_bowing.png`` (the bowing wrist: truth with ``--truth``, raw,
pose-only refinement with ``--compare-pose-only``, audio-informed refinement, bow changes marked),
``<stem>_summary.json`` and, with ``--render``, ``<stem>_refined.mp4``. The bundled demo runs with its truth and
the pose-only comparison.
Exit status: see ``--help``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(REPO))

DEMO_VIDEO = REPO / "demo" / "violin_demo.mp4"
DEMO_POSES = REPO / "demo" / "violin_demo_poses.npz"
DEMO_TRUTH = REPO / "demo" / "violin_demo_truth.npz"

EPILOG = """exit status:
  0  done: the outputs are written
  1  an unexpected internal error (a bug: the traceback is printed; please report it)
  2  bad input or usage, one 'error:' line: not a video, a missing file, no person found, a --poses file
     that is not a poses file or does not span the video, an --out that is a file or sits under a file, a
     --truth that is not a result file or has another skeleton, a --checkpoint that is missing or broken, a
     --device this machine lacks, an option out of range
  3  the refiner's network returned NaN/inf (a broken checkpoint; the message names it)

Warnings (pose-only refinement, audio shorter than the video, few frames with a person) are printed as
'warning:' lines and repeated in the summary."""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("video", nargs="?", help="input video (default: the bundled demo with its --poses file)")
    p.add_argument("--out", help="output folder (default outputs/<video stem>/)")
    p.add_argument("--poses", help="poses file instead of MediaPipe: our .npz/.json/.csv, an MMPose 3D "
                                   "prediction .json, or a plain (T, J, 3) array (np.save .npy, or np.savez "
                                   "with a 'poses' entry); must span the video")
    p.add_argument("--fps", type=float, help="frame rate of a plain --poses array (default: its 'fps' entry, "
                                             "else the video's)")
    p.add_argument("--estimator-fps", type=float, help="run MediaPipe on frames at about this rate (Hz, >= 10); "
                                                        "the refiner restores --out-fps")
    p.add_argument("--max-seconds", type=float, help="process only the first S seconds")
    p.add_argument("--no-audio", action="store_true", help="ignore the audio (pose-only refinement)")
    p.add_argument("--render", action="store_true", help="also write an mp4: refined skeleton over the frames, "
                                                          "a 3D view beside, the original audio")
    p.add_argument("--truth", help="ground-truth poses of the video (our result format, same skeleton as the "
                                   "poses) for the bowing-wrist plot (default for the bundled demo: its truth)")
    p.add_argument("--compare-pose-only", action=argparse.BooleanOptionalAction, default=None,
                   help="also refine without the audio and plot it against the audio-informed refinement "
                        "(twice the refinement time; default: on for the bundled demo, off otherwise)")
    p.add_argument("--checkpoint", help="refiner weights .pth (default: the bundled checkpoint)")
    p.add_argument("--out-fps", type=float, default=50.0, help="output frame rate (default 50)")
    p.add_argument("--device", default="cpu", help="torch device (default cpu)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    return p


def _print_summary(s: dict) -> None:
    sec = s["seconds"]
    print("\nsummary")
    print(f"  video        {s['video']}")
    print(f"  frames       {s['frames']} video frames at {s['video_fps']:g} fps ({s['duration_s']:.2f} s)")
    est = "" if s["frames_estimated"] is None else (
        f"; {s['frames_estimated']} estimated, person in {100 * s['detection_rate']:.0f} %")
    print(f"  poses in     {s['pose_frames_in']} frames on a {s['fps_in']:g} fps grid{est}")
    audio = "NOT used (pose-only)"
    if s["audio_used"]:
        covered = s.get("audio_seconds")
        audio = "used" if covered is None or covered >= s["duration_s"] - 0.5 else \
            f"used for the first {covered:.2f} s only (pose-only after)"
    print(f"  poses out    {s['frames_out']} frames at {s['fps_out']:g} fps ({s['skeleton']}, {s['units']}); "
          f"audio {audio}")
    if s["smoothness"]:
        m = s["smoothness"]
        print(f"  smoothness   mean acceleration {m['mean_accel_raw_upsampled_mm_s2']:.0f} -> "
              f"{m['mean_accel_refined_mm_s2']:.0f} mm/s^2; refined vs raw "
              f"{m['mpjpe_refined_vs_raw_upsampled_mm']:.1f} mm")
    print("  seconds      " + ", ".join(f"{k} {v:.1f}" for k, v in sec.items())
          + f"  (real-time factor {s['realtime_factor']:.2f})")
    err = s.get("bowing_wrist", {}).get("wrist_error")
    if err:  # the one line that says what the sound did, when the truth is known
        names = {"raw": "raw", "pose_only": "pose-only", "audio": "with audio" if s["audio_used"] else "refined"}
        print("  vs truth     bowing wrist " + "; ".join(
            f"{names[g]} {e['position_mm']:.1f} mm, {e['velocity_mm_s']:.0f} mm/s" for g, e in err.items()))
    for w in s["warnings"]:
        print(f"  warning      {w}")
    print("  written")
    for k, v in s["paths"].items():
        print(f"    {k:<12} {v}")


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    video, poses, truth, compare = args.video, args.poses, args.truth, args.compare_pose_only
    if video is None:
        if not DEMO_VIDEO.is_file():
            print(f"error: the bundled demo {DEMO_VIDEO} is missing (make it with tools/make_demo.py)", file=sys.stderr)
            return 2
        video, poses = DEMO_VIDEO, poses or DEMO_POSES
        # The demo is there to show what the sound did: against the truth and the refiner without it.
        if truth is None and args.poses is None and DEMO_TRUTH.is_file():
            truth = DEMO_TRUTH
        compare = True if compare is None else compare
    from pose_audio_refine.video import refine_video  # noqa: PLC0415 - after the sys.path fix

    from pose_audio_refine.cli import run_cli  # noqa: PLC0415

    def step() -> dict:
        if args.out is not None:  # named as the user typed it (the library says out_dir)
            from pose_audio_refine.validation import check_output_path  # noqa: PLC0415

            check_output_path(args.out, "--out", folder=True)
        return refine_video(video, out_dir=args.out, poses=poses, estimator_fps=args.estimator_fps,
                            max_seconds=args.max_seconds, no_audio=args.no_audio, render=args.render,
                            checkpoint=args.checkpoint, out_fps=args.out_fps, device=args.device,
                            progress=not args.no_progress, poses_fps=args.fps, truth=truth,
                            compare_pose_only=bool(compare))

    code, summary = run_cli(step)  # warnings as one readable line each (repeated in the summary)
    if code:
        return code
    _print_summary(summary)
    print(f"\nbefore/after plot: {summary['paths']['plot']}")
    print(f"bowing-wrist plot: {summary['paths']['bowing_plot']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
