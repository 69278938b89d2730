#!/usr/bin/env python
"""Benchmark: the paper's Tables 2-5 on the MAPdat test split, the shuffled-audio control, the real-motion
sets, and the issue-4 target checks. Prints Markdown tables; writes JSON and Markdown on request.

Examples
--------
    python tools/benchmark.py --quick                                   # a few minutes on 2 cores
    python tools/benchmark.py --out results.json --markdown results.md  # whole test splits
    python tools/benchmark.py --quick --data-root data_build/mapdat_paper --no-real
    python tools/benchmark.py --model PoT=work_dirs/pot.pth --model MAPnet-paper=work_dirs/mapnet.pth

Methods: linear, cubic, SMA (the paper's, with midpoint upsampling), One Euro, Savitzky-Golay and Gaussian
(parameters per τ tuned on the val split; ``--no-tune`` uses fixed defaults), plus every ``--model NAME=PATH``
(a ``.pth`` weights file with its ``.json`` sidecar) and the shipped ``pose_audio_refine/weights/
mapnet_fast.pth`` when it exists. Each audio-using model is also run pose-only and with shuffled audio
(a window of a different take). Target checks use the model named ``MAPnet*`` (``--mapnet``) and ``PoT*``
(``--pot``). Scores: MPJPE (mm), MPJAE (mm/frame² at 50 fps), swapped frames restored; see
``training/benchmark/``.
"""
from __future__ import annotations

import os

# One BLAS thread: the classical methods are many small matrix products, and on a shared 2-core machine
# OpenBLAS threads mostly wait on each other. Must be set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import shlex  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pose_audio_refine.cli import name_path, positive_int  # noqa: E402

#: Label of the shipped checkpoint in the tables.
SHIPPED = "MAPnet (shipped)"
QUICK_WINDOWS = 300       # test windows per τ per set in --quick
QUICK_TUNE_WINDOWS = 100  # val windows per τ used to tune the classical methods in --quick
FULL_TUNE_WINDOWS = 1000




def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help=f"evenly spaced {QUICK_WINDOWS} test windows per τ per set, classical parameters tuned "
                        f"on {QUICK_TUNE_WINDOWS} val windows")
    p.add_argument("--max-windows", type=positive_int, help="test windows per τ per set (overrides --quick)")
    p.add_argument("--tune-windows", type=positive_int, help="val windows per τ for tuning the classical methods")
    p.add_argument("--no-tune", action="store_true", help="classical methods with fixed default parameters")
    p.add_argument("--data-root", action="append", default=None, metavar="DIR",
                   help="simulated MAPdat build (repeatable; default data_build/mapdat_realistic)")
    p.add_argument("--real-dance", default=str(REPO / "data_build" / "real_dance"), metavar="DIR")
    p.add_argument("--real-mocap", default=str(REPO / "data_build" / "real_mocap"), metavar="DIR")
    p.add_argument("--no-real", action="store_true", help="skip the real-motion sets")
    p.add_argument("--model", action="append", type=name_path, default=[], metavar="NAME=PATH",
                   help="a weights file (.pth + .json sidecar) to evaluate as NAME (repeatable)")
    p.add_argument("--no-default-model", action="store_true", help="do not add the shipped checkpoint")
    p.add_argument("--mapnet", help="model name used as MAPnet in the target checks (default: first MAPnet*)")
    p.add_argument("--pot", help="model name used as PoT in the target checks (default: first PoT*)")
    p.add_argument("--classical", default=",".join(("linear", "cubic", "sma", "one_euro", "savgol", "gaussian")),
                   help="comma-separated classical methods")
    p.add_argument("--seed", type=int, default=0, help="seed of the shuffled-audio pairing")
    p.add_argument("--device", default="cpu", help="torch device for the learned models (cpu, cuda)")
    p.add_argument("--threads", type=positive_int,
                   help="torch CPU threads (default: half the cores, at most 4; on a busy 2-core machine more than "
                        "one thread makes small-batch inference many times slower)")
    p.add_argument("--out", help="write all results as JSON here")
    p.add_argument("--markdown", help="write the tables as Markdown here")
    p.add_argument("--quiet", action="store_true", help="no progress messages")
    p.add_argument("--sweep", action="store_true",
                   help="run the do-no-harm noise sweep instead of the paper's tables: clean, 10/30 mm jitter, 30 mm "
                        "with drift and swaps, realistic and paper noise, at --sweep-rates, every set, against the "
                        "classical filters tuned at each level (training/benchmark/sweep.py)")
    p.add_argument("--sweep-rates", default="12.5,25", help="input rates of the sweep, Hz (comma-separated)")
    return p.parse_args(argv)


def _git_commit() -> str | None:
    try:
        r = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                           timeout=10)
        return r.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _pick(names: list[str], prefix: str, explicit: str | None) -> str | None:
    if explicit is not None:
        if explicit not in names:
            raise SystemExit(f"error: --{prefix.lower()} {explicit!r} is not one of the models {names}")
        return explicit
    return next((n for n in names if n.lower().startswith(prefix.lower())), None)


def main(argv=None) -> dict:
    args = parse_args(argv)
    t_start = time.perf_counter()
    import torch

    from pose_audio_refine.checkpoint import DEFAULT_CHECKPOINT, CheckpointError, load_weights
    from training.benchmark import CLASSICAL, BuildMissingError, evaluate_set, format_markdown, target_checks

    torch.set_num_threads(args.threads or max(1, min(4, (os.cpu_count() or 2) // 2)))
    classical = [m.strip() for m in args.classical.split(",") if m.strip()]
    bad = [m for m in classical if m not in CLASSICAL]
    if bad:
        raise SystemExit(f"error: unknown classical method(s) {bad}; choose from {list(CLASSICAL)}")
    say = (lambda msg: None) if args.quiet else (lambda msg: print(f"[{time.perf_counter() - t_start:6.1f} s] {msg}",
                                                                   file=sys.stderr, flush=True))

    # models
    specs = list(args.model)
    if not args.no_default_model and Path(DEFAULT_CHECKPOINT).is_file() and \
            all(Path(p).resolve() != Path(DEFAULT_CHECKPOINT).resolve() for _, p in specs):
        specs.insert(0, (SHIPPED, str(DEFAULT_CHECKPOINT)))
    elif not args.no_default_model:
        say(f"no shipped checkpoint at {DEFAULT_CHECKPOINT}: classical methods and --model only")
    names = [n for n, _ in specs]
    if len(set(names)) != len(names):
        raise SystemExit(f"error: model names must be unique, got {names}")
    models = {}
    for name, path in specs:
        try:
            models[name] = load_weights(path, device=args.device)
        except (FileNotFoundError, CheckpointError) as exc:
            raise SystemExit(f"error: --model {name}={path}: {exc}") from None
        m = models[name][1]
        say(f"loaded {name}: {m['net'].get('type')} input_mode={m.get('input_mode')} "
            f"use_audio={m.get('use_audio', True)}")
    if SHIPPED in models:  # scored exactly as the Refiner runs it: with its out-of-distribution guard
        net, meta = models[SHIPPED]
        models[SHIPPED] = (net, dict(meta, guard=True))
    mapnet, pot = _pick(names, "MAPnet", args.mapnet), _pick(names, "PoT", args.pot)

    # sets
    sim_roots = args.data_root or [str(REPO / "data_build" / "mapdat_realistic")]
    roots = [Path(r) for r in sim_roots] + ([] if args.no_real else [Path(args.real_dance), Path(args.real_mocap)])
    missing = [r for r in roots if not (r / "meta.json").is_file()]
    if missing:
        from training.benchmark import build_command
        lines = [f"  {r}: not built. Build it with:\n      {build_command(r)}" for r in missing]
        extra = "" if args.no_real else "\n(or pass --no-real to skip the real-motion sets)"
        raise SystemExit("error: missing window set(s):\n" + "\n".join(lines) + extra)
    max_windows = args.max_windows or (QUICK_WINDOWS if args.quick else None)
    tune_windows = args.tune_windows or (QUICK_TUNE_WINDOWS if args.quick else FULL_TUNE_WINDOWS)

    if args.sweep:
        return _sweep(args, argv, models, roots, say, t_start)
    results = {"sets": {}}
    for root in roots:
        say(f"evaluating {root} ({'all' if max_windows is None else max_windows} test windows per τ)")
        try:
            res = evaluate_set(root, models, max_windows=max_windows, tune=not args.no_tune,
                               tune_windows=tune_windows, seed=args.seed, classical=classical, log=say)
        except BuildMissingError as exc:
            raise SystemExit(f"error: {exc}") from None
        key = res["name"] if res["name"] not in results["sets"] else str(root)
        results["sets"][key] = res
    results["targets"] = target_checks(results, mapnet, pot)
    wall = time.perf_counter() - t_start
    results["run"] = {
        "command": "python tools/benchmark.py " + " ".join(shlex.quote(a) for a in (argv if argv is not None
                                                                                       else sys.argv[1:])),
        "quick": bool(args.quick), "max_windows": max_windows, "tune_windows": None if args.no_tune else tune_windows,
        "models": {n: str(p) for n, p in specs}, "mapnet": mapnet, "pot": pot, "seed": args.seed,
        "commit": _git_commit(), "date": time.strftime("%Y-%m-%d %H:%M:%S"), "wall_s": wall,
        "cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(), "device": args.device,
        "python": platform.python_version(), "torch": torch.__version__,
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }
    run = results["run"]
    header = (f"# Benchmark results\n\n`{run['command']}` — commit {run['commit']}, {run['date']}; "
              f"benchmark wall time **{wall:.0f} s** on {run['cpus']} CPU cores (torch threads "
              f"{run['torch_threads']}, load average {', '.join(f'{x:.1f}' for x in run['load_average'] or [])}); "
              f"models: {', '.join(f'{n} = {p}' for n, p in run['models'].items()) or 'none'}.\n")
    md = header + "\n" + format_markdown(results)
    print(md)
    print(f"benchmark wall time: {wall:.1f} s")
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1, default=float) + "\n")
    if args.markdown:
        Path(args.markdown).write_text(md)
    return results


def _sweep(args, argv, models: dict, roots: list, say, t_start: float) -> dict:
    """``--sweep``: the noise-level sweep on every set, printed (and written) as Markdown."""
    from training.benchmark.sweep import sweep_set
    from training.benchmark.sweep_report import format_sweep_markdown, sweep_checks

    rates = [float(r) for r in args.sweep_rates.split(",") if r.strip()]
    n = args.max_windows or (QUICK_WINDOWS // 3 if args.quick else 300)
    sweeps = {}
    for root in roots:
        say(f"sweeping {root} ({n} test windows per level and rate)")
        sweeps[root.name] = sweep_set(root, models, rates=rates, max_windows=n,
                                      tune_windows=args.tune_windows or n, seed=args.seed, log=say)
    wall = time.perf_counter() - t_start
    command = "python tools/benchmark.py " + " ".join(shlex.quote(a) for a in (argv if argv is not None
                                                                              else sys.argv[1:]))
    md = (f"# Do-no-harm sweep\n\n`{command}` — commit {_git_commit()}, {time.strftime('%Y-%m-%d %H:%M:%S')}; "
          f"{n} test windows per set, level and rate; wall time {wall:.0f} s on {os.cpu_count()} CPU cores.\n\n"
          + format_sweep_markdown(sweeps, list(models)))
    print(md)
    results = {"sweep": sweeps, "checks": sweep_checks(sweeps, list(models)),
               "run": {"command": command, "commit": _git_commit(), "wall_s": wall, "windows": n}}
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1, default=float) + "\n")
    if args.markdown:
        Path(args.markdown).write_text(md)
    return results


if __name__ == "__main__":
    main()
