"""Markdown tables and contract checks of the do-no-harm sweep (:mod:`training.benchmark.sweep`)."""
from __future__ import annotations

from .predict import CLASSICAL_LABELS
from .sweep import SPEED_BINS_MM_S, SWEEP_CLASSICAL

__all__ = ["METRICS", "AIM_RATIO", "CLEAN_TOLERANCE", "best_classical", "sweep_checks", "format_sweep_markdown"]

#: Scores of the sweep: key -> column title.
METRICS: dict[str, str] = {"mpjpe": "MPJPE (mm)", "mpjpe_rootrel": "root-relative MPJPE (mm)",
                           "mpjae": "accel. error (mm/frame²)"}
#: The issue's aim on `realistic` noise and real dance: at most this share of the best filter (root-relative).
AIM_RATIO: float = 0.85
#: On clean input the best "filter" is linear interpolation, often well under a millimetre: there the do-no-harm
#: contract's tolerance applies, max(1.5 x its error, 3 mm) (the same number for MPJAE, mm/frame²).
CLEAN_TOLERANCE: tuple[float, float] = (1.5, 3.0)
_CLASSICAL = tuple(CLASSICAL_LABELS[m] for m in SWEEP_CLASSICAL)


def best_classical(row: dict, metric: str) -> tuple[str, float]:
    """The classical method with the lowest ``metric`` in one result row, and its value."""
    label = min(_CLASSICAL, key=lambda m: row[m][metric])
    return label, row[label][metric]


def sweep_checks(sweeps: dict, models: list[str]) -> list[dict]:
    """Every (model, set, level, rate, metric) against the best tuned filter: ``ratio <= 1`` is a pass.

    Returns
    -------
    list of dict
        ``model, set, key, metric, value, best, best_method, ratio, ok``.
    """
    out = []
    for set_name, sw in sweeps.items():
        for key, row in sw["results"].items():
            for metric in METRICS:
                label, best = best_classical(row, metric)
                for m in models:
                    v = row[m][metric]
                    ratio = v / best if best > 0 else (1.0 if v <= 1e-9 else float("inf"))
                    ok = ratio <= 1.0 + 1e-9
                    if key.startswith("clean@"):
                        ok = v <= max(CLEAN_TOLERANCE[0] * best, CLEAN_TOLERANCE[1])
                    out.append({"model": m, "set": set_name, "key": key, "metric": metric, "value": v, "best": best,
                                "best_method": label, "ratio": ratio, "ok": ok})
    return out


def _fmt(v: float | None, digits: int = 1) -> str:
    return "–" if v is None else f"{v:.{digits}f}"


def _set_table(name: str, sw: dict, models: list[str], metric: str) -> list[str]:
    head = ["level @ input fps", "best tuned filter"] + [f"{m}" for m in models] + [f"{m} ÷ best" for m in models]
    lines = [f"**{name}** — {METRICS[metric]}", "", "| " + " | ".join(head) + " |",
             "|" + "---|" * len(head)]
    for key, row in sw["results"].items():
        label, best = best_classical(row, metric)
        vals = [_fmt(row[m][metric]) for m in models]
        ratios = [_fmt(row[m][metric] / best, 2) if best > 0 else "–" for m in models]
        lines.append(f"| {key} | {_fmt(best)} ({label}) | " + " | ".join(vals + ratios) + " |")
    return lines + [""]


def _speed_table(sw: dict, models: list[str]) -> list[str]:
    edges = SPEED_BINS_MM_S
    bins = [f"{edges[i]:g}–{edges[i + 1]:g}" if edges[i + 1] != float("inf") else f"> {edges[i]:g}"
            for i in range(len(edges) - 1)]
    lines = [f"**{sw['name']} by root speed** (mm/s; windows per bin {sw.get('speed_counts')}) — root-relative "
             "MPJPE (mm)", "", "| level @ fps | method | " + " | ".join(bins) + " |", "|---|---|" + "---|" * len(bins)]
    for key, by in sw["by_speed"].items():
        best = min(_CLASSICAL, key=lambda m: sw["results"][key][m]["mpjpe_rootrel"])
        for label in [best] + models:
            lines.append(f"| {key} | {label} | " + " | ".join(_fmt(v) for v in by[label]) + " |")
    return lines + [""]


def format_sweep_markdown(sweeps: dict, models: list[str]) -> str:
    """The sweep as Markdown: a pass/fail summary, one table per set and metric, the root-speed split.

    Parameters
    ----------
    sweeps : dict
        Set name -> :func:`training.benchmark.sweep.sweep_set` result.
    models : list of str
        Model labels to compare with the filters.
    """
    checks = sweep_checks(sweeps, models)
    lines = ["## Do-no-harm sweep: every noise level, every set, against the best tuned filter", ""]
    for m in models:
        mine = [c for c in checks if c["model"] == m]
        bad = [c for c in mine if not c["ok"]]
        worst = max(mine, key=lambda c: c["ratio"]) if mine else None
        lines.append(f"- **{m}**: {len(mine) - len(bad)} of {len(mine)} (set, level, rate, metric) cells at or below "
                     f"the best tuned filter (clean input: within max(1.5 x, 3 mm) of it)" + (f"; worst {worst['ratio']:.2f}× ({worst['set']}, {worst['key']}, "
                                                 f"{worst['metric']})" if worst else ""))
        aim = [c for c in mine if c["metric"] == "mpjpe_rootrel" and (c["key"].startswith("realistic@") or (
            "dance" in c["set"] and not c["key"].startswith("clean@")))]
        if aim:
            lines.append(f"  - aim ≤ {AIM_RATIO} × best (root-relative, `realistic` noise and real dance): "
                         + ", ".join(f"{c['set']} {c['key']} {c['ratio']:.2f}" for c in aim))
    lines.append("")
    for name, sw in sweeps.items():
        for metric in METRICS:
            lines += _set_table(name, sw, models, metric)
        if "dance" in name:
            lines += _speed_table(sw, models)
    return "\n".join(lines)
