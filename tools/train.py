#!/usr/bin/env python
"""Train a model from a config with mmengine's Runner.

Examples
--------
    python tools/train.py configs/mapnet/mapnet_small_bank.py                     # the shipped model, stage 1
    python tools/train.py configs/mapnet/mapnet_small_bank_ft.py                  # stage 2 (loads stage 1's end)
    python tools/train.py configs/mapnet/mapnet_fast.py                           # stage 3: the audio detail
    python tools/train.py configs/mapnet/mapnet_fast_ft.py                        # stage 4 (shipped)
    python tools/train.py configs/mapnet/mapnet_small_bank.py --resume            # from the last checkpoint
    torchrun --nproc_per_node=2 tools/train.py CONFIG --launcher pytorch            # DDP (gloo on CPUs)
    python tools/train.py CONFIG --cfg-options train_cfg.max_iters=100 data_root=...
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from training.engine.runner_utils import trusted_local_checkpoint_load  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("config", help="config file (configs/...)")
    p.add_argument("--work-dir", help="where logs and checkpoints go (default: work_dirs/<config name>)")
    p.add_argument("--resume", nargs="?", const="auto", default=None,
                   help="resume from the last checkpoint in the work dir, or from the given checkpoint path")
    p.add_argument("--data-root", help="MAPdat build folder: every dataloader reads only this build")
    p.add_argument("--max-iters", type=int, help="override train_cfg.max_iters (and the LR schedule's end)")
    p.add_argument("--seed", type=int, help="override randomness.seed")
    p.add_argument("--cfg-options", nargs="+", action=_DictAction, default={},
                   help="override config keys, e.g. train_dataloader.batch_size=32")
    p.add_argument("--launcher", choices=["none", "pytorch"], default="none")
    p.add_argument("--local_rank", "--local-rank", type=int, default=0)
    return p.parse_args(argv)


class _DictAction(argparse.Action):
    def __call__(self, parser, namespace, values, option_string=None):
        from mmengine.config import DictAction
        DictAction(self.option_strings, self.dest)(parser, namespace, values, option_string)


def with_data_root(dataset: dict, data_root: str) -> dict:
    """The dataset config reading only ``data_root``: a ``ConcatWindows`` keeps just its first (simulated) set."""
    if dataset.get("type") == "ConcatWindows":
        dataset = dataset["datasets"][0]
    return dict(dataset, data_root=data_root)


def build_cfg(args):
    from mmengine.config import Config
    if not osp.isfile(args.config):
        raise SystemExit(f"config file not found: {args.config}")
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if args.data_root:
        for key in ("train_dataloader", "val_dataloader", "test_dataloader"):
            if key in cfg:
                cfg[key]["dataset"] = with_data_root(cfg[key]["dataset"], args.data_root)
    if args.max_iters:
        cfg.train_cfg.max_iters = args.max_iters
        cfg.train_cfg.val_interval = min(cfg.train_cfg.get("val_interval", args.max_iters), args.max_iters)
        for sched in cfg.get("param_scheduler", []):
            if sched.get("type") == "CosineAnnealingLR":
                sched["end"] = args.max_iters
                sched["begin"] = min(sched.get("begin", 0), args.max_iters - 1)
        for sched in cfg.get("param_scheduler", []):
            if sched.get("type") == "LinearLR":
                sched["end"] = min(sched.get("end", 0), args.max_iters)
    if args.seed is not None:
        cfg.randomness = dict(cfg.get("randomness", {}), seed=args.seed)
    cfg.work_dir = args.work_dir or cfg.get("work_dir") or osp.join("work_dirs", osp.splitext(osp.basename(args.config))[0])
    if args.resume == "auto":
        cfg.resume, cfg.load_from = True, None
    elif args.resume:
        cfg.resume, cfg.load_from = True, args.resume
    return cfg


def init_cpu_distributed(cfg) -> None:
    """Start the gloo process group ourselves on machines without CUDA.

    mmengine 0.10.7's ``init_dist`` calls ``torch.cuda.set_device`` unconditionally, which a CPU-only torch
    lacks; the Runner skips its own initialisation when a process group already exists.
    """
    import torch
    import torch.distributed as dist
    if cfg.launcher == "pytorch" and not torch.cuda.is_available() and not dist.is_initialized():
        backend = cfg.get("env_cfg", {}).get("dist_cfg", {}).get("backend", "gloo")
        dist.init_process_group(backend="gloo" if backend == "nccl" else backend)


def main(argv=None) -> None:
    args = parse_args(argv)
    cfg = build_cfg(args)
    init_cpu_distributed(cfg)
    from mmengine.runner import Runner
    runner = Runner.from_cfg(cfg)
    if cfg.resume or cfg.get("load_from"):
        # Resume (and a fine-tune's ``load_from`` of a training checkpoint) reads optimiser/message-hub state that
        # torch>=2.6's weights-only loading rejects; our own local checkpoints are trusted for this one call
        # (see trusted_local_checkpoint_load).
        with trusted_local_checkpoint_load():
            runner.load_or_resume()
    runner.train()


if __name__ == "__main__":
    main()
