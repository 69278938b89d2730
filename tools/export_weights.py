#!/usr/bin/env python
"""Turn an mmengine training checkpoint into shippable weights: a plain state_dict + JSON sidecar.

    python tools/export_weights.py CONFIG work_dirs/NAME/best_pose_mpjpe_iter_N.pth \
        --out pose_audio_refine/weights/mapnet_fast.pth --command "python tools/train.py CONFIG"

The sidecar records the network config, the input mode, the SHA-256 checked on every load, and provenance.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv=None) -> Path:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config")
    p.add_argument("checkpoint")
    p.add_argument("--out", required=True)
    p.add_argument("--command", default="", help="the training command, recorded for the model card")
    p.add_argument("--cfg-options", nargs="+", default=[], help="the same overrides the training run used")
    p.add_argument("--half", action="store_true",
                   help="store the weights as float16 (half the file: the paper-size nets fit the 20 MB limit); "
                        "they load into a float32 network")
    args = p.parse_args(argv)

    import torch
    from mmengine.config import Config

    from pose_audio_refine.checkpoint import save_weights
    from pose_audio_refine.models import build_model
    from training.engine.runner_utils import trusted_local_checkpoint_load

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(_parse_options(args.cfg_options))
    net_cfg = cfg.model.net.to_dict()
    with trusted_local_checkpoint_load():  # our own training checkpoint (see runner_utils)
        ckpt = torch.load(args.checkpoint, map_location="cpu")
    state = {k[len("net."):]: v for k, v in ckpt["state_dict"].items() if k.startswith("net.")}
    kwargs = dict(net_cfg)
    net = build_model(kwargs.pop("type"), **kwargs)
    net.load_state_dict(state, strict=True)
    train_ds = cfg.train_dataloader.dataset
    sets = train_ds["datasets"] if train_ds.get("type") == "ConcatWindows" else [train_ds]
    train_ds = sets[0]
    meta = dict(
        train_data=[str(d.get("data_root")) for d in sets],
        config=str(args.config), command=args.command, iteration=int(ckpt.get("meta", {}).get("iter", -1)),
        input_mode=train_ds.get("input_mode", "native"), noise=train_ds.get("online_noise"),
        fps_range=list(train_ds.get("fps_range", [])), tau=train_ds.get("tau"),
        use_audio=bool(cfg.model.get("use_audio", True)),
        # inference-time cleaning of the sparse input (pose_audio_refine.swaps), read by the Refiner and benchmark
        unswap_input=bool(cfg.get("unswap_input", False)), stored_dtype="float16" if args.half else "float32")
    out = save_weights(net.half() if args.half else net, net_cfg, args.out, **meta)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB) and {out.with_suffix('.json')}")
    return out


def _parse_options(items: list[str]) -> dict:
    """``key=value`` strings parsed the way mmengine's ``DictAction`` parses ``--cfg-options``."""
    from mmengine.config import DictAction
    out: dict = {}
    for item in items:
        key, value = item.split("=", 1)
        out[key] = DictAction._parse_iterable(value)
    return out


if __name__ == "__main__":
    main()
