#!/usr/bin/env python
"""Simulate one violin take and write it as .npz (poses + hidden state), .wav (audio) and a coupling PNG.

Example::

    python tools/simulate_take.py --seed 37 --duration 20 --renderer soundfont --out outputs/take37
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from training.simulator import RENDERERS, sample_performer, simulate_take  # noqa: E402
from training.simulator.plot import plot_coupling  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0, help="take seed (>= 0)")
    ap.add_argument("--performer-seed", type=int, default=None, help="performer seed (default: the take seed)")
    ap.add_argument("--duration", type=float, default=30.0, help="seconds (> 0)")
    ap.add_argument("--renderer", choices=RENDERERS, default="synth")
    ap.add_argument("--soundfont", default=None, help=".sf2/.sf3 file (soundfont renderer); default TimGM6mb.sf2")
    ap.add_argument("--reverb", action="store_true", help="add room reverb")
    ap.add_argument("--noise-snr-db", type=float, default=None, help="add background noise at this SNR (dB)")
    ap.add_argument("--out", required=True, help="output prefix: writes PREFIX.npz, PREFIX.wav, PREFIX.png")
    args = ap.parse_args(argv)

    import soundfile as sf

    performer = sample_performer(args.performer_seed) if args.performer_seed is not None else None
    take = simulate_take(args.seed, args.duration, renderer=args.renderer, soundfont=args.soundfont,
                         performer=performer, reverb=args.reverb, noise_snr_db=args.noise_snr_db)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    arrays = {k: np.asarray(v) for k, v in take.state.items() if isinstance(v, np.ndarray)}
    meta = {k: v for k, v in take.state.items() if not isinstance(v, np.ndarray)}
    np.savez_compressed(out.with_suffix(".npz"), poses=take.poses, audio=take.audio, fps=take.fps, sr=take.sr,
                        take_id=take.take_id, performer_id=take.performer_id,
                        meta_json=json.dumps(meta, default=float), **{f"state_{k}": v for k, v in arrays.items()})
    sf.write(out.with_suffix(".wav"), take.audio, take.sr)
    figs = plot_coupling(take, out.with_suffix(".png"))
    print(json.dumps({"take_id": take.take_id, "duration_s": take.duration, **figs}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
