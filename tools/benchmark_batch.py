#!/usr/bin/env python
"""Throughput of tools/refine_batch.py: 1 worker vs 2 workers vs a local Ray, on the same inputs, in one run.

    python tools/benchmark_batch.py --markdown docs/benchmark_batch.md --json docs/benchmark_batch.json

Two workloads, each run from scratch (fresh output folder) by every configuration:

- ``poses``: ``--copies`` copies of the bundled 10 s demo with its estimate beside it (``NAME_poses.npz``):
  refinement only, no MediaPipe;
- ``mediapipe``: ``--clips`` clips of ``--clip-seconds`` cut from ``../shared/data/video/dancer.avi`` (a real video
  with music), estimated with MediaPipe and refined: the workload that is about 1x real time per core (skipped
  with a note when the video is not there).

For each it prints a Markdown table: items, wall seconds (worker or Ray start-up included), items/hour, the
total real-time factor = seconds of media refined / wall seconds (above 1: faster than real time), and the mean
time one item took inside its worker (it grows when the workers get less than a core each). The header gives the
load average before and after: on a shared machine the workers compete with whatever else runs.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(REPO))

DEMO = REPO / "demo"
DANCER = REPO.parent / "shared" / "data" / "video" / "dancer.avi"
CONFIGS = {"1 worker": dict(workers=1), "2 workers": dict(workers=2),
           "--ray local (2 CPUs)": dict(workers=2, ray="local")}


def build_parser() -> argparse.ArgumentParser:
    """The command line.

    Returns
    -------
    argparse.ArgumentParser
    """
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--copies", type=int, default=12, help="copies of the demo in the poses workload (default 12)")
    p.add_argument("--clips", type=int, default=6, help="dancer.avi clips in the MediaPipe workload (default 6; "
                                                        "0: skip it)")
    p.add_argument("--clip-seconds", type=float, default=10.0, help="length of each clip, s (default 10)")
    p.add_argument("--video", default=str(DANCER), help="video the clips are cut from (default: "
                                                        "../shared/data/video/dancer.avi)")
    p.add_argument("--checkpoint", help="refiner weights (default: the bundled checkpoint)")
    p.add_argument("--work", help="folder for inputs and outputs (default: a temporary folder, removed)")
    p.add_argument("--markdown", help="also write the tables here")
    p.add_argument("--json", help="also write the measurements here")
    return p


def _make_poses_workload(folder: Path, copies: int) -> Path:
    folder.mkdir(parents=True)
    for i in range(copies):
        shutil.copy(DEMO / "violin_demo.mp4", folder / f"demo{i:02d}.mp4")
        shutil.copy(DEMO / "violin_demo_poses.npz", folder / f"demo{i:02d}_poses.npz")
    return folder


def _make_clip_workload(folder: Path, video: Path, clips: int, seconds: float) -> Path:
    import imageio_ffmpeg  # noqa: PLC0415

    folder.mkdir(parents=True)
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    for i in range(clips):
        out = folder / f"{video.stem}{i:02d}.mp4"
        subprocess.run([ffmpeg, "-v", "error", "-ss", f"{i * seconds:.3f}", "-i", str(video), "-t", f"{seconds:.3f}",
                        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-y",
                        str(out)], check=True)
    return folder


def _run(inputs: Path, out: Path, cfg: dict, checkpoint: str | None) -> dict:
    from pose_audio_refine.batch import ItemOptions, discover_items, run_batch  # noqa: PLC0415

    items = discover_items([inputs], out_dir=out)
    t0 = time.perf_counter()
    res = run_batch(items, out, ItemOptions(checkpoint=checkpoint), progress=False, **cfg)
    wall = time.perf_counter() - t0
    media = res.media_seconds
    busy = sum(r["seconds"] or 0.0 for r in res.records)
    return {"items": len(items), "done": res.counts["done"], "failed": res.counts["failed"], "wall_s": wall,
            "media_s": media, "items_per_hour": res.counts["done"] / wall * 3600, "realtime_factor": media / wall,
            "item_seconds_sum": busy, "backend": res.backend,
            "errors": [r["error"] for r in res.records if r["status"] == "failed"]}


def _table(title: str, rows: dict) -> str:
    lines = [f"**{title}**", "",
             "| configuration | items | wall s | items/hour | total real-time factor (media s / wall s) "
             "| mean s per item |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, r in rows.items():
        failed = f" ({r['failed']} failed)" if r["failed"] else ""
        lines.append(f"| {name} | {r['done']}{failed} | {r['wall_s']:.1f} | {r['items_per_hour']:,.0f} | "
                     f"{r['realtime_factor']:.2f} | {r['item_seconds_sum'] / max(1, r['items']):.2f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    """Run the benchmark.

    Parameters
    ----------
    argv : list of str, optional

    Returns
    -------
    int
        0, or 2 for a usage error.
    """
    args = build_parser().parse_args(argv)
    if args.copies < 1 or args.clips < 0 or args.clip_seconds <= 0:
        print("error: --copies must be >= 1, --clips >= 0 and --clip-seconds > 0", file=sys.stderr)
        return 2
    checkpoint = None
    if args.checkpoint:
        if not Path(args.checkpoint).is_file():
            print(f"error: --checkpoint {args.checkpoint} not found", file=sys.stderr)
            return 2
        checkpoint = str(Path(args.checkpoint).resolve())
    try:
        import ray  # noqa: PLC0415
        ray_version = ray.__version__
    except ImportError:
        print("error: the --ray local configuration needs Ray: pip install '.[cluster]'", file=sys.stderr)
        return 2
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="benchmark_batch_"))
    workloads = {"poses": (f"{args.copies} x the 10 s demo with its estimate (refinement only, no MediaPipe)",
                           lambda d: _make_poses_workload(d, args.copies))}
    video = Path(args.video)
    if args.clips:
        if video.is_file():
            workloads["mediapipe"] = (f"{args.clips} x {args.clip_seconds:g} s clips of {video.name} (MediaPipe "
                                      f"estimation + refinement)",
                                      lambda d: _make_clip_workload(d, video, args.clips, args.clip_seconds))
        else:
            print(f"note: {video} not found: the MediaPipe workload is skipped", file=sys.stderr)
    meta = {"date": time.strftime("%Y-%m-%d %H:%M"), "cpus": os.cpu_count(), "python": platform.python_version(),
            "ray": ray_version, "load_average_before": os.getloadavg(), "command": " ".join(sys.argv)}
    results: dict = {}
    try:
        for key, (title, make) in workloads.items():
            inputs = make(work / f"in_{key}")
            results[key] = {"title": title, "rows": {}}
            for name, cfg in CONFIGS.items():
                out = work / f"out_{key}_{name.split()[0].strip('-')}"
                shutil.rmtree(out, ignore_errors=True)
                r = _run(inputs, out, cfg, checkpoint)
                results[key]["rows"][name] = r
                print(f"{key:<10} {name:<22} {r['done']}/{r['items']} done in {r['wall_s']:6.1f} s: "
                      f"{r['items_per_hour']:7,.0f} items/hour, {r['realtime_factor']:.2f}x real time", flush=True)
                for e in r["errors"][:3]:
                    print(f"  failed: {e}", file=sys.stderr)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    meta["load_average_after"] = os.getloadavg()
    md = "\n\n".join(_table(v["title"], v["rows"]) for v in results.values())
    header = (f"Measured {meta['date']} on {meta['cpus']} CPU cores (Python {meta['python']}, Ray {meta['ray']}; "
              f"load average before/after {meta['load_average_before'][0]:.1f}/{meta['load_average_after'][0]:.1f}).")
    print("\n" + header + "\n\n" + md)
    if args.markdown:
        Path(args.markdown).write_text(f"# tools/benchmark_batch.py\n\n`{meta['command']}`\n\n{header}\n\n{md}\n")
    if args.json:
        Path(args.json).write_text(json.dumps({"meta": meta, "results": results}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
