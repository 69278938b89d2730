#!/usr/bin/env python
"""Pack a MAPdat build into a compact copy for training elsewhere, or unpack one (training/carry.py).

    python tools/pack_mapdat.py pack data_build/mapdat_realistic .devcarry/packed/mapdat_realistic --splits train val
    python tools/pack_mapdat.py unpack .devcarry/packed/mapdat_realistic data_build/mapdat_realistic

The copy holds each take once (ground truth to 0.05 mm, audio features as float16) and the per-clip arrays that
training with on-the-fly noise reads: 24 MB for the realistic build's train and val splits instead of 2.4 GB.
It cannot serve the benchmark, which needs the stored noisy test inputs.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing


def main(argv=None) -> Path:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    pk = sub.add_parser("pack", help="build folder -> compact copy")
    pk.add_argument("build", type=Path)
    pk.add_argument("out", type=Path)
    pk.add_argument("--splits", nargs="+", default=["train", "val"], choices=["train", "val", "test"])
    up = sub.add_parser("unpack", help="compact copy -> build folder (replaced if it exists)")
    up.add_argument("packed", type=Path)
    up.add_argument("out", type=Path)
    args = p.parse_args(argv)

    from training.carry import pack_build, unpack_build

    if args.cmd == "pack":
        if not (args.build / "meta.json").is_file():
            p.error(f"{args.build} holds no finished MAPdat build (no meta.json)")
        out = pack_build(args.build, args.out, args.splits)
        size = sum(f.stat().st_size for f in out.iterdir())
        print(f"packed {args.build} ({', '.join(args.splits)}) into {out}: {size / 1e6:.1f} MB")
    else:
        if not (args.packed / "meta.json").is_file():
            p.error(f"{args.packed} holds no packed build (no meta.json)")
        out = unpack_build(args.packed, args.out)
        print(f"unpacked {args.packed} into {out}")
    return out


if __name__ == "__main__":
    main()
