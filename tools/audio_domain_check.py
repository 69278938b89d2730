#!/usr/bin/env python
"""How much of a real violin recording lies inside the simulator's audio-feature range, column by column.

    python tools/audio_domain_check.py [--takes 24] [--duration 6] [--seed 0] [--real PATH] [--gain-db 0]

Simulates ``--takes`` takes (synth and soundfont alternating, ``fast_strokes=0.3``), computes the 35 features
at 50 fps, cuts 150-row windows, and prints for every column the share of the real recording's frames inside
the simulated 1-99 % range, four ways: raw features of clean renders, raw features of renders through
``augment_audio``, ``relative_level`` of clean renders, and ``relative_level`` of augmented renders (the
real recording gets ``relative_level`` too when the simulated side has it). ``--gain-db`` re-records the
real file at another gain (clipped to [-1, 1]), e.g. ``10`` for a hotter preamp setting. ``docs/audio_domain.md`` holds the
output of the defaults; ``tests/test_audio_level.py`` asserts the last column.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DEFAULT_REAL = REPO.parent / "shared" / "data" / "violin_audio" / "mosa_de2_violin.wav"


def coverage_table(takes: int = 24, duration_s: float = 6.0, seed: int = 0, real=DEFAULT_REAL,
                   gain_db: float = 0.0) -> dict:
    """Per-column coverage (fractions, ``(35,)`` each) for the four settings, plus a chroma diagnostic.

    Parameters
    ----------
    takes, duration_s, seed
        Simulated takes, seconds each, first seed (:func:`training.audio_domain.simulated_windows`).
    real : str or Path
        Real recording.
    gain_db : float
        Gain applied to the real recording before its features (dB; clipped to [-1, 1] afterwards).

    Returns
    -------
    dict
        ``"raw"``, ``"augmented"``, ``"relative"``, ``"augmented+relative"``: ``(35,)`` arrays in [0, 1];
        ``"chroma_peak"``: median over sounding frames of the largest CENS value, ``{"sim": float, "real": float}``
        (1 for a single pitch class, lower when several notes blend).
    """
    from pose_audio_refine.audio import CHROMA
    from pose_audio_refine.audio.level import relative_level
    from training.audio_domain import column_coverage, real_windows, simulated_windows

    clean = simulated_windows(takes, duration_s, seed=seed, augment=False)
    aug = simulated_windows(takes, duration_s, seed=seed, augment=True)
    rw = real_windows(real, gain_db=gain_db)
    rel_rw = relative_level(rw)

    def chroma_peak(w: np.ndarray) -> float:
        m = w[..., CHROMA].reshape(-1, 12).max(axis=1)
        return float(np.median(m[m > 0]))

    return {
        "raw": column_coverage(clean, rw),
        "augmented": column_coverage(aug, rw),
        "relative": column_coverage(relative_level(clean), rel_rw),
        "augmented+relative": column_coverage(relative_level(aug), rel_rw),
        "chroma_peak": {"sim": chroma_peak(aug), "real": chroma_peak(rw)},
    }


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--takes", type=int, default=24)
    p.add_argument("--duration", type=float, default=6.0, help="seconds per simulated take")
    p.add_argument("--seed", type=int, default=0, help="first take seed")
    p.add_argument("--real", default=str(DEFAULT_REAL), help="real recording")
    p.add_argument("--gain-db", type=float, default=0.0, help="gain applied to the real recording, dB")
    args = p.parse_args(argv)
    from pose_audio_refine.audio import FEATURE_NAMES

    table = coverage_table(args.takes, args.duration, args.seed, args.real, args.gain_db)
    keys = ("raw", "augmented", "relative", "augmented+relative")
    print("| column | " + " | ".join(keys) + " |")
    print("|---|" + "---:|" * len(keys))
    for i, name in enumerate(FEATURE_NAMES):
        print(f"| {name} | " + " | ".join(f"{100 * table[k][i]:.1f}" for k in keys) + " |")
    print("| **worst** | " + " | ".join(f"{100 * table[k].min():.1f} ({FEATURE_NAMES[int(np.argmin(table[k]))]})"
                                         for k in keys) + " |")
    cp = table["chroma_peak"]
    print(f"\nmedian largest CENS value per sounding frame: simulated {cp['sim']:.3f}, real {cp['real']:.3f}")
    return table


if __name__ == "__main__":
    main()
