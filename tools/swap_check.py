"""Swapped frames restored by a model on *every* test window of a MAPdat build (the benchmark's ``--quick``
uses 300 per τ, where one window can hold a twentieth of all swapped entries).

    python tools/swap_check.py                                   # shipped model, data_build/mapdat_realistic
    python tools/swap_check.py --data-root data_build/mapdat_paper --checkpoint training/weights/pot_fast.pth

Prints, per τ, the share of swapped input (frame, pair) entries whose output is not swapped
(``training.benchmark.swap_restoration``) and how many windows still hold a swap.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-root", default="data_build/mapdat_realistic")
    p.add_argument("--checkpoint", default=None, help="weights .pth with its .json sidecar (default: shipped)")
    p.add_argument("--split", default="test")
    p.add_argument("--chunk", type=int, default=500, help="windows per batch (memory)")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)

    import numpy as np
    import torch
    from tqdm import tqdm

    from pose_audio_refine.checkpoint import load_weights
    from training.benchmark import open_set, predict_model, swap_restoration, window_batch
    from training.take_windows import TAUS

    torch.set_num_threads(args.threads)
    net, meta = load_weights(args.checkpoint)
    data, _ = open_set(args.data_root, args.split)
    n = data["clip_index"].shape[0]
    out = {}
    for tau in TAUS:
        restored = flagged = failing = 0
        for a in tqdm(range(0, n, args.chunk), desc=tau, leave=False):
            b = window_batch(data, tau, np.arange(a, min(n, a + args.chunk)))
            audio = np.asarray(data["audio"][b["clip"]]) if meta.get("use_audio", True) else None
            pred = predict_model(net, meta, b["inputs"], b["fps"], audio)
            r, f, _, _ = swap_restoration(pred, b["gt"], b["swap"], b["fps"], inputs=b["inputs"])
            restored, flagged, failing = restored + int(r.sum()), flagged + int(f.sum()), failing + int((f > r).sum())
        share = 100.0 * restored / flagged if flagged else float("nan")
        out[tau] = dict(restored_pct=share, flagged=flagged, windows_with_a_swap_left=failing, windows=n)
        print(f"{tau} ({TAUS[tau]:g} fps): {share:.1f} % of {flagged} swapped entries restored; "
              f"{failing} of {n} windows still hold a swap")
    return out


if __name__ == "__main__":
    main()
