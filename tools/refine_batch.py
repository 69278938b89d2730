#!/usr/bin/env python
"""Refine a whole collection: many videos (or poses files) on local worker processes or a Ray cluster.

    python tools/refine_batch.py recordings/ --out outputs/collection              # every video in the folder
    python tools/refine_batch.py corpus.csv more.jsonl clip.mp4 --out out/ --workers 4
    python tools/refine_batch.py corpus.csv --out /shared/out --ray auto           # on the Ray cluster here
    python tools/refine_batch.py corpus.csv --out out/ --ray local                 # try Ray on this machine

Each INPUT is a video, a folder (searched recursively for videos; ``NAME_poses.npz`` beside ``NAME.mp4`` is its
estimate, as in demo/) or a manifest, ``.csv`` or ``.jsonl``, whose rows name ``video`` and/or ``poses`` and
optionally ``audio``, ``fps``, ``skeleton``, ``units``, ``estimator_fps``, ``out``. Each item gets the outputs of
tools/refine_video.py in ``DIR/<name>/`` and a line in ``DIR/manifest.jsonl``. A rerun skips complete items
(``--overwrite`` redoes them). Exit status: 0 when every item is done or skipped, 1 when any failed (see the
manifest), 2 for a usage error, 130 when interrupted (rerun the same command to resume).
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(REPO))


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not math.isfinite(value) or value <= 0:
            raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
        return value
    return parse


def build_parser() -> argparse.ArgumentParser:
    """The command line.

    Returns
    -------
    argparse.ArgumentParser
    """
    from pose_audio_refine.batch import MANIFEST_COLUMNS  # noqa: PLC0415 - light (no numpy/torch)

    columns = "\n".join(f"  {k:<14} {v}" for k, v in MANIFEST_COLUMNS.items())
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                epilog=f"manifest columns:\n{columns}",
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="videos, folders and .csv/.jsonl manifests")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder: DIR/<name>/ per item, "
                                                               "DIR/manifest.jsonl")
    p.add_argument("--workers", type=_positive(int), metavar="N",
                   help="local worker processes, one thread each (default: the number of cores); with "
                        "--ray local, the CPUs of the local Ray")
    p.add_argument("--ray", metavar="WHERE", help="run the items as Ray tasks: 'local' (start a local Ray), 'auto' "
                                                  "(the cluster this machine is in) or an ADDRESS; needs "
                                                  "pip install '.[cluster]' and, on a cluster, shared paths")
    p.add_argument("--overwrite", action="store_true", help="redo items whose outputs are complete")
    p.add_argument("--estimate", action="store_true", help="always run MediaPipe on videos found on the command "
                                                          "line or in folders (ignore NAME_poses.* beside them)")
    p.add_argument("--estimator-fps", type=_positive(float),
                   help="MediaPipe's rate for videos without an estimate (Hz, >= 10; a manifest row may set its own)")
    p.add_argument("--max-seconds", type=_positive(float), help="process only the first S seconds of each item")
    p.add_argument("--no-audio", action="store_true", help="pose-only refinement of every item")
    p.add_argument("--render", action="store_true", help="also write each video's overlay mp4 (slow)")
    p.add_argument("--checkpoint", help="refiner weights .pth (default: the bundled checkpoint)")
    p.add_argument("--out-fps", type=_positive(float), default=50.0, help="output frame rate (default 50)")
    p.add_argument("--device", default="cpu", help="torch device (default cpu)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def _print_summary(result, out: Path) -> None:
    c = result.counts
    n = len(result.records)
    media = result.media_seconds
    speed = f"; {media:.1f} s of media, {media / result.wall_seconds:.2f}x real time" if media else ""
    print(f"\n{n} item(s): {c['done']} done, {c['failed']} failed, {c['skipped']} skipped in "
          f"{result.wall_seconds:.1f} s ({result.backend}{speed})")
    failed = [r for r in result.records if r["status"] == "failed"]
    for r in failed[:10]:
        src = r["input"].get("video") or r["input"].get("poses")
        print(f"  failed  {r['name']} ({src}): {r['error']}")
    if len(failed) > 10:
        print(f"  ... and {len(failed) - 10} more")
    print(f"manifest: {result.manifest}")
    if failed:
        print(f"{len(failed)} item(s) failed: their errors are in {result.manifest} (status \"failed\"); "
              f"fix them and rerun the same command (done items are skipped)")


def main(argv=None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        0 when every item is done or skipped, 1 when any failed, 2 for a usage error, 130 when interrupted.
    """
    args = build_parser().parse_args(argv)
    from pose_audio_refine.batch import BatchInputError, ItemOptions, discover_items, run_batch  # noqa: PLC0415

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        print(f"error: --out {out} exists and is not a folder", file=sys.stderr)
        return 2
    if args.ray is not None and not args.ray.strip():
        print("error: --ray needs 'local', 'auto' or a cluster address", file=sys.stderr)
        return 2
    if args.estimator_fps is not None and args.estimator_fps < 10:
        print(f"error: --estimator-fps must be >= 10 Hz (the refiner's lowest input rate), got {args.estimator_fps:g}",
              file=sys.stderr)
        return 2
    checkpoint = None
    if args.checkpoint is not None:
        ck = Path(args.checkpoint)
        if not ck.is_file():
            print(f"error: --checkpoint {ck} not found", file=sys.stderr)
            return 2
        checkpoint = str(ck.resolve())
    try:
        items = discover_items(args.inputs, out_dir=out, use_sidecar_poses=not args.estimate,
                               estimator_fps=args.estimator_fps)
        options = ItemOptions(checkpoint=checkpoint, out_fps=args.out_fps, device=args.device, render=args.render,
                              no_audio=args.no_audio, max_seconds=args.max_seconds)
        result = run_batch(items, out, options, workers=args.workers, ray=args.ray, overwrite=args.overwrite,
                           progress=not args.no_progress)
    except BatchInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    _print_summary(result, out)
    if result.interrupted:
        missing = len(items) - len(result.records)
        print(f"interrupted: {missing} item(s) not finished; rerun the same command to resume", file=sys.stderr)
        return 130
    return 1 if result.counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
