#!/usr/bin/env python
"""Audio benchmark: does the sound make the refined motion better where the sound knows the motion?

For each input rate the test windows' clean ground truth is sampled and corrupted with a noise preset (as the
do-no-harm sweep does, :func:`training.benchmark.sweep.sweep_batch`), then refined by every model with its own
audio, with no audio (pose-only) and with shuffled audio (a window of another take), by every
``--pose-only-model`` (the same net trained without audio), and by the classical filters tuned on the val split
at that noise and rate. Scores (:mod:`training.benchmark.sound`), per rate and per stroke type:

* sound-joint MPJPE, velocity error and bias-free MPJPE (bowing wrist RMWR, bowing elbow RMEL, left wrist LMWR);
* bow-change precision / recall / F1 of the predicted bowing wrist against the simulator's ``bow_pos``;
* vibrato amplitude (relative) and rate (Hz) error of the left wrist, and its shifts' travel along the neck
  (relative error) and timing (ms) against the simulator's ``hand_mm``;
* all-joint MPJPE on the "fine" windows;
* the ground truth itself as a row: its bow-change F1 is the ceiling (the wrist does not follow the bow exactly);
* ratios: bowing-wrist velocity error with audio ÷ pose-only, shuffled ÷ matched on the sound joints and on fine
  windows (a ratio near 1 means the model does not use the audio there).

This is a benchmark, not a test: its numbers are measurements. Bow changes need the build's clip array
``bow_pos`` and stroke types its ``stroke``; without them those scores are skipped (a note says so).

Examples
--------
    python tools/benchmark_audio.py                                 # shipped model, ~5 min on 2 cores
    python tools/benchmark_audio.py --model MAPnet-new=work_dirs/new.pth \\
        --pose-only-model MAPnet-noaudio=work_dirs/noaudio.pth --out audio.json --markdown audio.md

Exit codes: 0 done, 1 a bug (traceback), 2 a user mistake (an ``error:`` line), 3 the network failed.
"""
from __future__ import annotations

import os

# One BLAS thread: the classical filters are many small matrix products and a shared 2-core machine's OpenBLAS
# threads mostly wait on each other. Must be set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import shlex  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pose_audio_refine.cli import name_path, positive_int  # noqa: E402

from pose_audio_refine.windows import OUT_FPS  # noqa: E402
from training.benchmark.sound import (PRED_MIN_EXCURSION_MM, SOUND_JOINTS, bow_change_counts,  # noqa: E402
                                      f1_from_counts, shift_errors, sound_joint_errors, vibrato_errors,
                                      window_stroke_type)

#: Label of the shipped checkpoint in the tables.
SHIPPED = "MAPnet (shipped)"
#: Default test windows per rate. The shipped model's three audio variants and four tuned filters at four rates
#: ran 400 windows in 57 s on a shared 2-core machine; 1000 windows take ~2.5 min, ~5 min with one more model and
#: a pose-only model.
DEFAULT_WINDOWS = 1000
DEFAULT_TUNE_WINDOWS = 100
ALL = "all"
#: Label of the ground truth scored as a prediction (the ceiling of the bow-change F1).
TRUTH = "Ground truth (ceiling)"
BOW_WRIST = SOUND_JOINTS["RMWR"]
JOINT_NAMES = tuple(SOUND_JOINTS)




def _rates(text: str) -> list[float]:
    try:
        rates = [float(r) for r in text.split(",") if r.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated rates in Hz, got {text!r}") from None
    if not rates or any(not 0 < r <= 50 for r in rates):
        raise argparse.ArgumentTypeError(f"rates must be in (0, 50] Hz, got {text!r}")
    return rates


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-root", default=str(REPO / "data_build" / "mapdat_fast"), metavar="DIR",
                   help="MAPdat build folder (test split scored, val split tunes the filters)")
    p.add_argument("--rates", type=_rates, default=_rates("10,12.5,15,17"), help="input rates, Hz (comma-separated)")
    p.add_argument("--noise", default="realistic", help="noise preset of the input (training.noise.PRESETS)")
    p.add_argument("--model", action="append", type=name_path, default=[], metavar="NAME=PATH",
                   help="an audio model (.pth + .json sidecar) to evaluate as NAME (repeatable)")
    p.add_argument("--pose-only-model", action="append", type=name_path, default=[], metavar="NAME=PATH",
                   help="a net trained without audio, the pose-only reference of the audio models (repeatable)")
    p.add_argument("--no-default-model", action="store_true", help="do not add the shipped checkpoint")
    p.add_argument("--classical", default="linear,gaussian,savgol,one_euro",
                   help="comma-separated classical filters, tuned on val at each rate")
    p.add_argument("--max-windows", type=positive_int, default=DEFAULT_WINDOWS, help="test windows per rate")
    p.add_argument("--tune-windows", type=positive_int, default=DEFAULT_TUNE_WINDOWS,
                   help="val windows per rate for tuning the filters")
    p.add_argument("--tol-ms", type=float, default=30.0, help="bow-change matching tolerance, ms")
    p.add_argument("--min-excursion-mm", type=float, default=PRED_MIN_EXCURSION_MM,
                   help="hysteresis of the predicted bowing wrist's reversals, mm along the bow")
    p.add_argument("--seed", type=int, default=0, help="seed of the input noise and the shuffled-audio pairing")
    p.add_argument("--device", default="cpu", help="torch device for the models (cpu, cuda)")
    p.add_argument("--threads", type=positive_int, help="torch CPU threads (default: half the cores, at most 4)")
    p.add_argument("--out", help="write all results as JSON here")
    p.add_argument("--markdown", help="write the tables as Markdown here")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p.parse_args(argv)


# ------------------------------------------------------------------------------------------------ scoring
def score_method(pred: np.ndarray, batch: dict, bow_pos: np.ndarray | None, tol_s: float,
                 min_excursion_mm: float) -> dict[str, np.ndarray]:
    """Per-window sound scores of one method's ``(N, 150, 13, 3)`` prediction (mm, 50 fps).

    Returns
    -------
    dict
        ``(N,)`` arrays ``sound_mpjpe``, ``sound_bias_free`` (mm), ``sound_vel`` (mm/s), ``mpjpe`` (all joints,
        mm), ``vib_amp`` (relative), ``vib_rate`` (Hz); ``(N, 3)`` ``joint_vel``, ``joint_bias_free`` in
        :data:`SOUND_JOINTS` order; with ``bow_pos``, ``bow`` ``(N, 3)`` int counts (tp, predicted, true).
    """
    gt = batch["gt"]
    s = sound_joint_errors(pred, gt, SOUND_JOINTS.values(), fps=OUT_FPS)
    v = vibrato_errors(pred, gt, fps=OUT_FPS)
    out = {"sound_mpjpe": s["mpjpe"], "sound_vel": s["velocity_error"], "sound_bias_free": s["bias_free_mpjpe"],
           "joint_vel": s["joint_velocity_error"], "joint_bias_free": s["joint_bias_free_mpjpe"],
           "mpjpe": np.nanmean(np.linalg.norm(pred - gt, axis=-1), axis=(1, 2)),
           "vib_amp": v["amp_error"], "vib_rate": v["rate_error"]}
    if "hand_mm" in batch:  # shifts: the left wrist's travel along the neck and its timing
        sh = shift_errors(pred, gt, batch["hand_mm"], fps=OUT_FPS)
        out["shift_travel"], out["shift_timing"] = sh["travel_error"], sh["timing_error"]
    if bow_pos is not None:
        out["bow"] = np.array([bow_change_counts(pred[i, :, BOW_WRIST], gt[i, :, BOW_WRIST], bow_pos[i], OUT_FPS,
                                                 tol_s=tol_s, min_excursion_mm=min_excursion_mm)
                               for i in range(gt.shape[0])], dtype=np.int64).reshape(-1, 3)
    return out


def _none_if_nan(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


def _mean(x: np.ndarray) -> float | None:
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else None


def summarize(scores: dict[str, np.ndarray], mask: np.ndarray, fine: np.ndarray | None) -> dict:
    """Means over the windows in ``mask`` (bow changes: counts summed, then precision / recall / F1)."""
    out = {"n": int(mask.sum()), "sound_mpjpe": _mean(scores["sound_mpjpe"][mask]),
           "sound_vel": _mean(scores["sound_vel"][mask]), "sound_bias_free": _mean(scores["sound_bias_free"][mask]),
           "vel": {n: _mean(scores["joint_vel"][mask, k]) for k, n in enumerate(JOINT_NAMES)},
           "bias_free": {n: _mean(scores["joint_bias_free"][mask, k]) for k, n in enumerate(JOINT_NAMES)},
           "vib_amp": _mean(scores["vib_amp"][mask]), "vib_rate": _mean(scores["vib_rate"][mask]),
           "vib_n": int(np.isfinite(scores["vib_amp"][mask]).sum()),
           "shift_travel": _mean(scores["shift_travel"][mask]) if "shift_travel" in scores else None,
           "shift_timing": _mean(scores["shift_timing"][mask]) if "shift_timing" in scores else None,
           "fine_mpjpe": None if fine is None else _mean(scores["mpjpe"][mask & fine]),
           "fine_n": None if fine is None else int((mask & fine).sum())}
    if "bow" in scores:
        tp, n_pred, n_true = (int(c) for c in scores["bow"][mask].sum(axis=0))
        p, r, f = f1_from_counts(tp, n_pred, n_true)
        out["bow"] = {"tp": tp, "n_pred": n_pred, "n_true": n_true, "precision": _none_if_nan(p),
                      "recall": _none_if_nan(r), "f1": _none_if_nan(f)}
    return out


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else a / b


def ratios(summaries: dict[str, dict], audio_models: list[str], pose_only_models: list[str]) -> dict:
    """The targets' ratios per audio model, from one group's summaries (label -> :func:`summarize`)."""
    from training.benchmark.results import variant_label

    out = {}
    for name in audio_models:
        m = summaries.get(name)
        po, sh = summaries.get(variant_label(name, "pose_only")), summaries.get(variant_label(name, "shuffled"))
        if m is None:
            continue
        r = {"wrist_vel_audio_over_no_audio": _ratio(m["vel"]["RMWR"], po and po["vel"]["RMWR"]),
             "sound_shuffled_over_matched": _ratio(sh and sh["sound_mpjpe"], m["sound_mpjpe"]),
             "fine_shuffled_over_matched": _ratio(sh and sh["fine_mpjpe"], m["fine_mpjpe"])}
        r["wrist_vel_audio_over_pose_only_model"] = {ref: _ratio(m["vel"]["RMWR"], summaries[ref]["vel"]["RMWR"])
                                                      for ref in pose_only_models}
        out[name] = r
    return out


# ----------------------------------------------------------------------------------------------- running
def _load_models(args, say) -> tuple[dict, list[str], list[str], dict]:
    """``(models, audio model names, pose-only model names, name -> path)``; ValueError names a bad argument."""
    from pose_audio_refine.checkpoint import DEFAULT_CHECKPOINT, load_weights
    from training.benchmark.predict import model_accepts

    specs = list(args.model)
    if not args.no_default_model and Path(DEFAULT_CHECKPOINT).is_file() and \
            all(Path(p).resolve() != Path(DEFAULT_CHECKPOINT).resolve() for _, p in specs):
        specs.insert(0, (SHIPPED, str(DEFAULT_CHECKPOINT)))
    names = [n for n, _ in specs + list(args.pose_only_model)]
    if len(set(names)) != len(names):
        raise ValueError(f"model names must be unique, got {names}")
    models, audio_models, pose_only = {}, [], []
    for flag, group, dest in (("--model", specs, audio_models), ("--pose-only-model", args.pose_only_model,
                                                                  pose_only)):
        for name, path in group:
            try:
                net, meta = load_weights(path, device=args.device)
            except FileNotFoundError as exc:
                raise ValueError(f"{flag} {name}={path}: {exc}") from None
            if not model_accepts(meta):
                raise ValueError(f"{flag} {name}={path}: not a grid-input net (input_mode="
                                 f"{meta.get('input_mode')!r})")
            if name == SHIPPED:  # scored exactly as the Refiner runs it: with its out-of-distribution guard
                meta = dict(meta, guard=True)
            if dest is pose_only:
                meta = dict(meta, use_audio=False)  # a pose-only reference never gets audio
            models[name] = (net, meta)
            dest.append(name)
            say(f"loaded {name}: use_audio={meta.get('use_audio', True)}")
    return models, audio_models, pose_only, dict(specs + list(args.pose_only_model))


def _clip_array(data: dict, name: str, clips: np.ndarray) -> np.ndarray | None:
    return np.asarray(data[name][clips]) if name in data else None


def run(argv=None) -> dict:
    """Run the benchmark; returns the results (see ``--out``). Raises ValueError / OSError on user mistakes."""
    args = parse_args(argv)
    t_start = time.perf_counter()
    import torch
    from tqdm import tqdm

    from training.benchmark.data import open_set, shuffled_audio_clips, subset_indices
    from training.benchmark.predict import CLASSICAL_LABELS, predict_classical, predict_model
    from training.benchmark.results import variant_label
    from training.benchmark.sweep import sweep_batch
    from training.benchmark.tune import tune_classical
    from training.noise import get_preset

    torch.set_num_threads(args.threads or max(1, min(4, (os.cpu_count() or 2) // 2)))
    get_preset(args.noise)  # ValueError naming the presets
    classical = [m.strip() for m in args.classical.split(",") if m.strip()]
    bad = [m for m in classical if m not in CLASSICAL_LABELS]
    if bad:
        raise ValueError(f"--classical: unknown method(s) {bad}; choose from {list(CLASSICAL_LABELS)}")
    if not args.tol_ms > 0 or not args.min_excursion_mm > 0:
        raise ValueError("--tol-ms and --min-excursion-mm must be > 0")
    notes: list[str] = []
    say = (lambda msg: None) if args.quiet else (lambda msg: tqdm.write(msg, file=sys.stderr))
    models, audio_models, pose_only, paths = _load_models(args, say)
    if not args.no_default_model and SHIPPED not in models:
        notes.append("no shipped checkpoint found: classical filters and --model only")

    root = Path(args.data_root)
    test, meta = open_set(root, "test")
    val, _ = open_set(root, "val")
    n_clips = int(np.asarray(test["gt"]).shape[0])
    idx = subset_indices(n_clips, args.max_windows)
    vidx = subset_indices(int(np.asarray(val["gt"]).shape[0]), args.tune_windows)
    has_audio = "audio" in test and bool(np.asarray(test["has_audio"])[idx].all())
    bow_pos = _clip_array(test, "bow_pos", idx)
    stroke = _clip_array(test, "stroke", idx)
    fine = _clip_array(test, "fine", idx)
    fine = None if fine is None else fine.astype(bool)
    hand_mm = _clip_array(test, "hand_mm", idx)
    shuffled = None
    if has_audio and np.unique(np.asarray(test["clip_take_index"])).size > 1:
        shuffled = shuffled_audio_clips(test, idx, args.seed)
    if not has_audio:
        notes.append("no audio in this set: audio models run pose-only only")
    elif shuffled is None:
        notes.append("one take in the test split: no shuffled-audio control")
    if bow_pos is None:
        notes.append("no clip array `bow_pos` in this build: bow-change scores skipped")
    if stroke is None:
        notes.append("no clip array `stroke` in this build: no split by stroke type")
    if fine is None:
        notes.append("no clip array `fine` in this build: no fine-window MPJPE")
    if hand_mm is None:
        notes.append("no clip array `hand_mm` in this build: shift scores skipped")
    types = window_stroke_type(stroke) if stroke is not None else np.full(idx.size, ALL)
    groups = [ALL] + ([t for t in dict.fromkeys(sorted(types))] if stroke is not None else [])

    variants: list[tuple[str, str, np.ndarray | None]] = []  # (label, model, audio clip rows or None)
    for name in audio_models:
        uses = models[name][1].get("use_audio", True) and has_audio
        variants.append((name, name, idx if uses else None))
        if uses:
            variants.append((variant_label(name, "pose_only"), name, None))
            if shuffled is not None:
                variants.append((variant_label(name, "shuffled"), name, shuffled))
    variants += [(name, name, None) for name in pose_only]
    audio_all = np.asarray(test["audio"]) if has_audio else None
    results = {"set": root.name, "root": str(root), "preset": meta.get("preset"), "noise": args.noise,
               "rates": list(args.rates), "windows": int(idx.size), "notes": notes, "rates_results": {}}
    bar = tqdm(total=len(args.rates) * (1 + len(classical) + len(variants)), disable=args.quiet, file=sys.stderr,
               desc="audio benchmark", unit="step")
    for fps in args.rates:
        key = f"{fps:g}"
        batch = sweep_batch(test, idx, args.noise, fps, args.seed)
        if hand_mm is not None:
            batch["hand_mm"] = hand_mm
        tuned = tune_classical(sweep_batch(val, vidx, args.noise, fps, args.seed + 1), methods=classical)
        bar.update()
        # scored at once (a thousand windows' predictions are ~50 MB each). The truth scored as a prediction is
        # the ceiling of the bow-change F1: the wrist does not follow the bow exactly (arm drift, string crossings)
        scores = {TRUTH: score_method(batch["gt"], batch, bow_pos, args.tol_ms / 1000.0, args.min_excursion_mm)}
        for m in classical:
            pred = predict_classical(m, batch["inputs"], fps, tuned[m]["params"])
            scores[CLASSICAL_LABELS[m]] = score_method(pred, batch, bow_pos, args.tol_ms / 1000.0,
                                                       args.min_excursion_mm)
            bar.update()
        for label, name, rows in variants:
            net, nmeta = models[name]
            pred = predict_model(net, nmeta, batch["inputs"], fps, None if rows is None else audio_all[rows])
            scores[label] = score_method(pred, batch, bow_pos, args.tol_ms / 1000.0, args.min_excursion_mm)
            bar.update()
        by_group = {}
        for g in groups:
            mask = np.ones(idx.size, bool) if g == ALL else types == g
            summ = {label: summarize(s, mask, fine) for label, s in scores.items()}
            by_group[g] = {"n": int(mask.sum()), "methods": summ, "ratios": ratios(summ, audio_models, pose_only)}
        results["rates_results"][key] = {"groups": by_group,
                                         "params": {m: tuned[m]["params"] for m in classical}}
    bar.close()
    command = "python tools/benchmark_audio.py " + " ".join(shlex.quote(a) for a in (argv if argv is not None
                                                                                    else sys.argv[1:]))
    results["run"] = {"command": command, "models": paths, "audio_models": audio_models, "pose_only_models":
                      pose_only, "seed": args.seed, "tol_ms": args.tol_ms, "min_excursion_mm": args.min_excursion_mm,
                      "date": time.strftime("%Y-%m-%d %H:%M:%S"), "wall_s": time.perf_counter() - t_start,
                      "cpus": os.cpu_count(), "torch_threads": torch.get_num_threads()}
    md = format_markdown(results)
    print(md)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1, default=float) + "\n")
    if args.markdown:
        Path(args.markdown).write_text(md)
    return results


# ----------------------------------------------------------------------------------------------- report
def _f(v, digits: int = 1) -> str:
    return "—" if v is None else f"{v:.{digits}f}"


def _main_table(methods: dict) -> list[str]:
    head = ("| method | sound MPJPE | sound vel. err. (mm/s) | RMWR vel. err. | bias-free RMWR | bias-free RMEL | "
            "bias-free LMWR | bow P | bow R | bow F1 | vib. amp. err. | vib. rate err. (Hz) | shift travel err. | "
            "shift timing err. (ms) | fine MPJPE |")
    lines = [head, "|---|" + "---:|" * 14]
    for label, s in methods.items():
        bow = s.get("bow") or {}
        lines.append(f"| {label} | {_f(s['sound_mpjpe'])} | {_f(s['sound_vel'], 0)} | {_f(s['vel']['RMWR'], 0)} | "
                     f"{_f(s['bias_free']['RMWR'])} | {_f(s['bias_free']['RMEL'])} | {_f(s['bias_free']['LMWR'])} | "
                     f"{_f(bow.get('precision'), 3)} | {_f(bow.get('recall'), 3)} | {_f(bow.get('f1'), 3)} | "
                     f"{_f(s['vib_amp'], 3)} | {_f(s['vib_rate'], 2)} | {_f(s.get('shift_travel'), 3)} | "
                     f"{_f(None if s.get('shift_timing') is None else 1000 * s['shift_timing'], 0)} | "
                     f"{_f(s['fine_mpjpe'])} |")
    return lines


def _ratio_rows(rate: str, group: str, r: dict) -> list[str]:
    rows = []
    for model, x in r.items():
        extra = "; ".join(f"{k}: {_f(v, 3)}" for k, v in x["wrist_vel_audio_over_pose_only_model"].items())
        rows.append(f"| {rate} | {group} | {model} | {_f(x['wrist_vel_audio_over_no_audio'], 3)} | {extra or '—'} | "
                    f"{_f(x['sound_shuffled_over_matched'], 3)} | {_f(x['fine_shuffled_over_matched'], 3)} |")
    return rows


def _stroke_table(groups: dict, labels: list[str], pick, digits: int) -> list[str]:
    lines = ["| stroke type (n) | " + " | ".join(labels) + " |", "|---|" + "---:|" * len(labels)]
    for g, entry in groups.items():
        lines.append(f"| {g} ({entry['n']}) | " + " | ".join(_f(pick(entry["methods"][lb]), digits)
                                                             for lb in labels) + " |")
    return lines


def format_markdown(results: dict) -> str:
    """The tables: per rate every method on all windows, bow-change F1 and bowing-wrist velocity error per
    stroke type, and the ratios per rate and stroke type."""
    run = results.get("run", {})
    lines = [f"# Audio benchmark: {results['set']}", "",
             (f"`{run.get('command', '')}` — {run.get('date', '')}; {results['windows']} test windows per rate, "
              f"noise `{results['noise']}`, wall time {run.get('wall_s', 0):.0f} s on {run.get('cpus')} CPU cores."),
             "",
             ("Sound joints: bowing wrist RMWR, bowing elbow RMEL, left wrist LMWR (mm; velocity errors mm/s). Bow "
              f"changes matched within ±{run.get('tol_ms', 30):g} ms; vibrato errors: amplitude relative, rate in "
              "Hz, on windows with vibrato; shift errors: the left wrist's travel along the neck over ±0.1 s of each "
              "shift (relative) and the time of its fastest motion (ms), on windows with a shift of >= 10 mm. Fine "
              "MPJPE: all joints, fine windows.")]
    lines += [f"\n> {n}" for n in results["notes"]]
    ratio_rows = []
    for rate, rr in results["rates_results"].items():
        groups = rr["groups"]
        methods = groups[ALL]["methods"]
        lines += ["", f"## {rate} fps input (n = {groups[ALL]['n']})", ""] + _main_table(methods)
        if len(groups) > 1:
            labels = list(methods)
            if any("bow" in s for s in methods.values()):
                lines += ["", f"Bow-change F1 per stroke type, {rate} fps:", ""]
                lines += _stroke_table(groups, labels, lambda s: (s.get("bow") or {}).get("f1"), 3)
            lines += ["", f"Bowing-wrist (RMWR) velocity error per stroke type, mm/s, {rate} fps:", ""]
            lines += _stroke_table(groups, labels, lambda s: s["vel"]["RMWR"], 0)
        for g, entry in groups.items():
            ratio_rows += _ratio_rows(rate, g, entry["ratios"])
    if ratio_rows:
        lines += ["", "## Ratios", "",
                  ("Audio ÷ pose-only below 1: the audio lowers the bowing wrist's velocity error. Shuffled ÷ "
                   "matched above 1: the model uses its own take's audio."), "",
                  ("| fps | stroke type | model | RMWR vel. err. audio ÷ no audio | audio ÷ pose-only model | "
                   "sound MPJPE shuffled ÷ matched | fine MPJPE shuffled ÷ matched |"),
                  "|---|---|---|---:|---|---:|---:|", *ratio_rows]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    from pose_audio_refine.cli import run_cli

    code, _ = run_cli(lambda: run(argv))
    return code


if __name__ == "__main__":
    sys.exit(main())
