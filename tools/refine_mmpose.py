#!/usr/bin/env python
"""Refine the 3D predictions MMPose already wrote, with the video's audio, and write them back in MMPose's format.

Reads the JSON of ``demo/body3d_pose_lifter_demo.py --save-predictions`` or of
``MMPoseInferencer(pose3d=..., pred_out_dir=...)`` on a video, refines every person's track, and writes the
same layout at the refiner's output rate (default 50 fps) with new ``frame_id``\\ s, ``timestamp``, ``fps`` and
``track_id`` (see :mod:`pose_audio_refine.mmpose`).

Examples::

    python tools/refine_mmpose.py vis_results/results_violin.json --audio violin.mp4
    python tools/refine_mmpose.py predictions/violin.json --audio violin.wav --fps 30 \\
        --config configs/mmpose/videopose3d_243frm_h36m_one_euro.py --out violin_smooth.json
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pose_audio_refine.mmpose import (  # noqa: E402
    build_refiner,
    read_predictions,
    refine_predictions,
    write_predictions,
)

_AUDIO_ONLY = {".wav", ".flac", ".mp3", ".ogg", ".m4a", ".aac", ".opus", ".aif", ".aiff"}


def video_fps(path: Path) -> float | None:
    """Frame rate of a video file (OpenCV), or None for an audio-only file or an unreadable rate."""
    if path.suffix.lower() in _AUDIO_ONLY:
        return None
    import cv2  # lazy: only to probe the rate

    cap = cv2.VideoCapture(str(path))
    try:
        fps = cap.get(cv2.CAP_PROP_FPS) if cap.isOpened() else 0.0
    finally:
        cap.release()
    return float(fps) if fps and fps > 0 else None


EPILOG = """exit status:
  0  refined predictions written
  1  an unexpected internal error (a bug: the traceback is printed; please report it)
  2  bad input or usage, one 'error:' line: a missing, malformed or wrong-schema predictions file (2D
     keypoints, a keypoint count the refiner's skeleton does not have, frame ids not increasing), a frame
     rate the refiner does not take, audio whose length does not match, a missing or broken --config, an
     --out that is a folder or sits under a file, a device in the config that this machine lacks
  3  the refiner's network returned NaN/inf (a broken checkpoint; the message names it)

Warnings (no audio stream in --audio: pose-only; silent audio; a truncated file) are printed as 'warning:'
lines and the refinement goes on."""


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=EPILOG,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("predictions", type=Path, help="MMPose 3D prediction JSON (demo or inferencer layout)")
    ap.add_argument("--audio", type=Path, required=True,
                    help="the video the predictions came from, or its audio track (starting at the first frame)")
    ap.add_argument("--config", default=None,
                    help="config with a `refiner` stanza (e.g. configs/mmpose/*.py); default: MAPnetRefiner with "
                         "the bundled checkpoint")
    ap.add_argument("--fps", type=float, default=None,
                    help="frame rate of the predictions; default: read from the video given as --audio")
    ap.add_argument("--out", type=Path, default=None, help="output JSON (default: PREDICTIONS_refined.json)")
    return ap


def _run(args, ap: argparse.ArgumentParser) -> int:
    from pose_audio_refine.validation import check_output_path, check_rate  # noqa: PLC0415

    if not args.predictions.is_file():
        ap.error(f"predictions file not found: {args.predictions}")
    if not args.audio.is_file():
        ap.error(f"--audio file not found: {args.audio}")
    if args.fps is not None:  # checked, not `or`-ed: --fps 0 must not silently become the video's rate
        check_rate(args.fps, "--fps")
    out_path = check_output_path(args.out or args.predictions.with_name(args.predictions.stem + "_refined.json"),
                                 "--out")
    preds = read_predictions(args.predictions)
    fps = args.fps if args.fps is not None else (preds.fps or video_fps(args.audio))
    if fps is None:
        ap.error(f"cannot tell the predictions' frame rate ({args.audio.name} is not a video with a frame rate, "
                 "and MMPose prediction files do not record it): pass --fps")
    refiner = build_refiner(args.config) if args.config else None
    out = refine_predictions(preds, str(args.audio), fps=fps, refiner=refiner)
    path = write_predictions(out, out_path)
    n_inst = sum(len(f["instances"]) for f in out.frames)
    tracks = sorted({inst["track_id"] for f in out.frames for inst in f["instances"]})
    print(json.dumps({"out": str(path), "layout": out.layout, "fps_in": fps, "fps_out": out.fps,
                      "frames_in": len(preds.frames), "frames_out": len(out.frames), "instances_out": n_inst,
                      "tracks": tracks}, indent=1))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = build_parser()
    args = ap.parse_args(argv)
    from pose_audio_refine.cli import run_cli  # noqa: PLC0415

    code, result = run_cli(lambda: _run(args, ap))  # warnings as one line each, errors as `error:` lines
    return code or result


if __name__ == "__main__":
    sys.exit(main())
