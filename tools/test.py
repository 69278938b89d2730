#!/usr/bin/env python
"""Evaluate a checkpoint on a config's test split with mmengine's Runner.

Examples
--------
    python tools/test.py configs/mapnet/mapnet_small_bank_ft.py work_dirs/mapnet_small_bank_ft/iter_2000.pth
    python tools/test.py configs/mapnet/mapnet_fast_ft.py pose_audio_refine/weights/mapnet_fast.pth
    python tools/test.py CONFIG CHECKPOINT --shuffle-audio      # the control: audio from a different take

CHECKPOINT is either an mmengine training checkpoint (``work_dirs/...``) or an exported weights file
(``.pth`` with a ``.json`` sidecar, see ``pose_audio_refine.checkpoint``), loaded weights-only.
"""
from __future__ import annotations

import argparse
import json
import os.path as osp
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from training.engine.runner_utils import trusted_local_checkpoint_load  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config")
    p.add_argument("checkpoint")
    p.add_argument("--work-dir")
    p.add_argument("--data-root", help="MAPdat build folder (overrides the config's)")
    p.add_argument("--split", default="test", choices=["train", "val", "test"])
    p.add_argument("--shuffle-audio", action="store_true", help="pair each window with another take's audio")
    p.add_argument("--max-samples", type=int, help="evaluate an evenly spaced subset")
    p.add_argument("--out", help="write the metrics as JSON here")
    p.add_argument("--cfg-options", nargs="+", default=[], help="override config keys (as for training)")
    return p.parse_args(argv)


def load_into(runner, checkpoint: str) -> None:
    """Load ``checkpoint`` into ``runner.model`` strictly; clear errors for foreign or damaged files."""
    from pose_audio_refine.checkpoint import CheckpointError, load_weights, sidecar_path
    if not osp.isfile(checkpoint):
        raise SystemExit(f"checkpoint not found: {checkpoint}")
    if sidecar_path(checkpoint).is_file():
        net, meta = load_weights(checkpoint)
        try:
            runner.model.net.load_state_dict(net.state_dict(), strict=True)
        except RuntimeError as exc:
            raise CheckpointError(f"{checkpoint} was made for net {meta['net']}, which does not match this config's "
                                  f"{runner.model.net_cfg}: {exc}") from exc
        return
    from mmengine.runner import load_checkpoint
    try:
        with trusted_local_checkpoint_load():  # our own training checkpoint (see runner_utils)
            load_checkpoint(runner.model, checkpoint, map_location="cpu", strict=True)
    except RuntimeError as exc:
        raise CheckpointError(f"{checkpoint} does not fit this config ({runner.model.net_cfg}) or is damaged: "
                              f"{exc}") from exc


def main(argv=None) -> dict:
    args = parse_args(argv)
    from mmengine.config import Config
    from mmengine.runner import Runner
    if not osp.isfile(args.config):
        raise SystemExit(f"config file not found: {args.config}")
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        from export_weights import _parse_options  # tools/ is on sys.path (see the top of this file)
        cfg.merge_from_dict(_parse_options(args.cfg_options))
    ds = cfg.test_dataloader.dataset
    if args.data_root:
        ds.data_root = args.data_root
    ds.split = args.split
    if args.shuffle_audio:
        ds.shuffle_audio = True
    if args.max_samples:
        ds.max_samples = args.max_samples
    cfg.work_dir = args.work_dir or osp.join("work_dirs", osp.splitext(osp.basename(args.config))[0], "test")
    cfg.load_from = None
    runner = Runner.from_cfg(cfg)
    load_into(runner, args.checkpoint)
    runner._has_loaded = True  # weights are in; stop Runner.test from loading anything else
    metrics = runner.test()
    print(json.dumps(metrics, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(metrics, indent=2) + "\n")
    return metrics


if __name__ == "__main__":
    main()
