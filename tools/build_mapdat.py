#!/usr/bin/env python
"""Build MAPdat (simulated violin takes) or a real-motion window set, and print its dataset card.

Examples
--------
Default simulated build (200 takes x 22 s x 10 variants = 40 000 windows)::

    python tools/build_mapdat.py --preset paper --out data_build/mapdat_paper --workers 2

Real-motion sets (same format)::

    python tools/build_mapdat.py --real dance --preset realistic --out data_build/real_dance

See docs/mapdat.md for the on-disk format, the split and the categories.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from pose_audio_refine.cli import positive_int  # noqa: E402



def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {value}")
    return value


def make_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="build_mapdat.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--preset", choices=("paper", "realistic", "realistic_blur"), default="paper",
                   help="noise preset (default: paper)")
    p.add_argument("--out", required=True, type=Path, help="output folder")
    p.add_argument("--takes", type=positive_int, default=200, help="simulated takes (default: 200)")
    p.add_argument("--duration", type=_positive_float, default=22.0,
                   help="seconds per simulated take, >= 3 (default: 22 -> 20 windows per take and variant)")
    p.add_argument("--seed", type=int, default=0, help="build seed (default: 0)")
    p.add_argument("--renderer", choices=("synth", "soundfont", "synth_alt"), default="synth",
                   help="audio renderer (synth_alt: another instrument and player, held out of training)")
    p.add_argument("--soundfont", type=Path, default=None, help=".sf2/.sf3 file for --renderer soundfont")
    p.add_argument("--variants", type=positive_int, default=None, help="noise variants per take (default: preset's 10)")
    p.add_argument("--performers", type=positive_int, default=None,
                   help="simulated performers (default: max(3, takes/10)); split 8:1:1 by performer")
    p.add_argument("--fine-threshold-mm", type=_positive_float, default=None,
                   help="fine/gross threshold on the non-linearity measure (default: training.take_windows.FINE_THRESHOLD_MM)")
    p.add_argument("--fast-strokes", type=float, default=0.0,
                   help="share of passages played with fast strokes: sautille, tremolo, fast detache, ricochet, "
                        "bariolage (default: 0, the original simulator)")
    p.add_argument("--audio-augment", action="store_true",
                   help="augment each take's audio (gain, room, noise, microphone colouring) before its features")
    p.add_argument("--real", choices=("dance", "mocap_toolbox"), default=None,
                   help="build a real-motion set from ../shared/data instead of simulating")
    p.add_argument("--sequences", default=None, help="comma-separated subset of real sequences (with --real)")
    p.add_argument("--data-root", type=Path, default=None, help="folder holding the real data (default ../shared/data)")
    p.add_argument("--workers", type=positive_int, default=1, help="parallel processes (default: 1)")
    p.add_argument("--overwrite", action="store_true", help="replace a different build in --out")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return p


def main(argv=None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    from training.mapdat import BuildExistsError, BuildSpec, build_mapdat, dataset_card
    from training.take_windows import FINE_THRESHOLD_MM, WINDOW_S

    threshold = FINE_THRESHOLD_MM if args.fine_threshold_mm is None else args.fine_threshold_mm
    if args.soundfont is not None and args.renderer != "soundfont":
        parser.error("--soundfont needs --renderer soundfont")
    if args.soundfont is not None and not args.soundfont.is_file():
        parser.error(f"--soundfont {args.soundfont} does not exist")
    if args.duration < WINDOW_S:
        parser.error(f"--duration must be >= {WINDOW_S} s (one window), got {args.duration}")
    if args.sequences is not None and args.real is None:
        parser.error("--sequences needs --real")
    try:
        if args.real is not None:
            from training.realsets import RealSpec, build_real_set

            seqs = None if args.sequences is None else tuple(s.strip() for s in args.sequences.split(",") if s.strip())
            spec = RealSpec(source=args.real, preset=args.preset, seed=args.seed, variants=args.variants,
                            sequences=seqs, fine_threshold_mm=threshold,
                            root=None if args.data_root is None else str(args.data_root))
            meta = build_real_set(args.out, spec, workers=args.workers, overwrite=args.overwrite,
                                  progress=not args.no_progress)
        else:
            spec = BuildSpec(preset=args.preset, takes=args.takes, take_duration_s=args.duration, seed=args.seed,
                             renderer=args.renderer, soundfont=None if args.soundfont is None else str(args.soundfont),
                             variants=args.variants, performers=args.performers, fine_threshold_mm=threshold,
                             fast_strokes=args.fast_strokes, audio_augment=args.audio_augment)
            meta = build_mapdat(args.out, spec, workers=args.workers, overwrite=args.overwrite,
                                progress=not args.no_progress)
    except BuildExistsError as exc:
        print(f"build_mapdat.py: error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, FileNotFoundError) as exc:  # e.g. a soundfont without a violin preset
        print(f"build_mapdat.py: error: {exc}", file=sys.stderr)
        return 2
    if meta.get("already_built"):
        print(f"{args.out} already holds this build (same meta); nothing to do.")
    print(dataset_card(meta))
    return 0


if __name__ == "__main__":
    sys.exit(main())
