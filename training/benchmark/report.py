"""The benchmark's Markdown: the paper's Tables 2-5 per set, the shuffled-audio control, swapped frames restored,
per-joint errors with the bound on what audio can add, and the target checks (what ``tools/benchmark.py`` prints)."""
from __future__ import annotations

from pose_audio_refine.skeletons import TELMI13_JOINTS
from training.take_windows import TAUS

from .predict import CLASSICAL_LABELS
from .results import TAU_VALUE, best_classical, fmt, method_mpjpe, variant_label

__all__ = ["AUDIO_DRIVEN_JOINTS", "TELMI13_NAMES", "audio_bound", "format_markdown"]

#: telmi13 joints whose motion the simulator's sound depends on: the bowing arm's elbow and wrist (bow speed ->
#: loudness, bow changes -> onsets, string -> arm height) and the left elbow and wrist (hand position along the
#: neck -> pitch, vibrato -> pitch wobble). The shoulders and everything below them move with sway and breath,
#: which make no sound.
AUDIO_DRIVEN_JOINTS: tuple[str, ...] = ("RMEL", "RMWR", "LMEL", "LMWR")
TELMI13_NAMES: tuple[str, ...] = TELMI13_JOINTS
_CATEGORIES = ("fine", "gross", "inversion")


def audio_bound(joints: list[float]) -> float:
    """MPJPE (mm) a method would reach if its :data:`AUDIO_DRIVEN_JOINTS` were perfect and every other joint
    kept its error: the most that audio, which carries nothing about the other joints, can take off.

    Parameters
    ----------
    joints : list of float
        Per-joint MPJPE (mm) in telmi13 order (``summarize(...)["joints"]``).
    """
    if len(joints) != len(TELMI13_NAMES):
        raise ValueError(f"expected {len(TELMI13_NAMES)} per-joint errors, got {len(joints)}")
    keep = [e for name, e in zip(TELMI13_NAMES, joints) if name not in AUDIO_DRIVEN_JOINTS]
    return float(sum(keep) / len(joints))


def _tau_head(taus: list[str]) -> str:
    return " | ".join(f"τ = {TAU_VALUE.get(t, t)} ({TAUS[t]:g} fps)" for t in taus)


def _method_table(s: dict, key: str, taus: list[str]) -> list[str]:
    lines = [f"| method | {_tau_head(taus)} |", "|---|" + "---:|" * len(taus)]
    for label, m in s["methods"].items():
        vals = [fmt(m["taus"][t][key]) if t in m["taus"] else "—" for t in taus]
        lines.append(f"| {label} | " + " | ".join(vals) + " |")
    return lines


def _category_table(s: dict, tau: str, key: str = "mpjpe") -> list[str]:
    any_entry = next(iter(s["methods"].values()))["taus"].get(tau)
    counts = any_entry["categories"] if any_entry else {}
    head = " | ".join(f"{c} (n={counts.get(c, {}).get('n', 0)})" for c in _CATEGORIES)
    lines = [f"| method | {head} | all |", "|---|---:|---:|---:|---:|"]
    for label, m in s["methods"].items():
        e = m["taus"].get(tau)
        if e is None:
            continue
        lines.append(f"| {label} | " + " | ".join(fmt(e["categories"][c][key]) for c in _CATEGORIES)
                     + f" | {fmt(e[key])} |")
    return lines


def _control_table(s: dict, taus: list[str]) -> list[str]:
    lines = ["| model | τ | matched | pose-only | shuffled audio | shuffled / matched | fine: matched | "
             "fine: shuffled | fine: shuffled / matched |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    bases = [label for label, m in s["methods"].items() if m["family"] == "learned" and m["variant"] == "matched"
             and any(x["base"] == m["base"] and x["variant"] == "shuffled" for x in s["methods"].values())]
    for base in bases:
        for t in taus:
            m, po, sh = (method_mpjpe(s, variant_label(base, v), t) for v in ("matched", "pose_only", "shuffled"))
            mf, shf = method_mpjpe(s, base, t, "fine"), method_mpjpe(s, variant_label(base, "shuffled"), t, "fine")
            ratio = None if m is None or sh is None else sh / m
            ratio_f = None if mf is None or shf is None else shf / mf
            lines.append(f"| {base} | {TAU_VALUE[t]} | {fmt(m)} | {fmt(po)} | {fmt(sh)} | {fmt(ratio, 3)} | "
                         f"{fmt(mf)} | {fmt(shf)} | {fmt(ratio_f, 3)} |")
    return lines if bases else []


def _swap_table(s: dict, taus: list[str]) -> list[str]:
    lines = [f"| method | {_tau_head(taus)} |", "|---|" + "---:|" * len(taus)]
    for label, m in s["methods"].items():
        cells = []
        for t in taus:
            e = m["taus"].get(t)
            cells.append("—" if e is None or e["swap_restored"] is None else
                         f"{100 * e['swap_restored']:.1f} % ({100 * e['swap_out_rate']:.1f} %)")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def _joint_table(s: dict, tau: str) -> list[str]:
    """Per-joint MPJPE of the learned nets (all variants) and the best classical method at ``tau``."""
    bl, _ = best_classical(s, tau)
    rows = [label for label, m in s["methods"].items() if (m["family"] == "learned" or label == bl)
            and "joints" in m["taus"].get(tau, {})]
    if not rows:
        return []
    names = [f"**{j}**" if j in AUDIO_DRIVEN_JOINTS else j for j in TELMI13_NAMES]
    lines = ["| method | " + " | ".join(names) + " | all |", "|---|" + "---:|" * (len(names) + 1)]
    for label in rows:
        e = s["methods"][label]["taus"][tau]
        lines.append(f"| {label} | " + " | ".join(f"{v:.1f}" for v in e["joints"]) + f" | {e['mpjpe']:.2f} |")
    return lines


def _audio_bound_lines(s: dict, tau: str) -> list[str]:
    out = []
    for label, m in s["methods"].items():
        e = m["taus"].get(tau, {})
        if m["family"] != "learned" or m["variant"] not in ("matched", "pose_only") or "joints" not in e:
            continue
        if m["variant"] == "matched" and any(x["base"] == m["base"] and x["variant"] == "pose_only"
                                             for x in s["methods"].values()):
            continue  # audio nets: the bound is about the pose-only output
        b = audio_bound(e["joints"])
        out.append(f"- {label}: {e['mpjpe']:.2f} mm -> {b:.2f} mm with {', '.join(AUDIO_DRIVEN_JOINTS)} perfect "
                   f"(ratio {b / e['mpjpe']:.3f})")
    return out


def _params_str(p: dict) -> str:
    return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in p.items()
                     if k != "d_cutoff" or v != 1.0)


def _set_lines(setname: str, s: dict) -> list[str]:
    taus = list(s["windows"])
    nwin = ", ".join(f"{TAU_VALUE[t]}: {n}" for t, n in s["windows"].items())
    lines = [f"## {setname} ({s.get('kind')}, {s.get('preset')} noise) — test windows per τ {nwin} "
             f"of {s['n_test_windows']}", ""]
    lines += [f"*Note: {note}.*" for note in s["notes"]] + ([""] if s["notes"] else [])
    lines += ["**MPJPE (mm) per input rate** (Table 2)", ""] + _method_table(s, "mpjpe", taus) + [""]
    cat_tau = "tau033" if "tau033" in taus else taus[-1]
    lines += [f"**MPJPE (mm) per category at τ = {TAU_VALUE[cat_tau]}** (Table 3)", ""] + \
        _category_table(s, cat_tau) + [""]
    lines += ["**MPJAE (mm/frame² at 50 fps) per input rate** (Tables 4–5 metric)", ""] + \
        _method_table(s, "mpjae", taus) + [""]
    lines += [f"**MPJAE (mm/frame²) per category at τ = {TAU_VALUE[cat_tau]}**", ""] + \
        _category_table(s, cat_tau, "mpjae") + [""]
    jt = _joint_table(s, cat_tau)
    if jt:
        lines += [f"**MPJPE (mm) per joint at τ = {TAU_VALUE[cat_tau]}** (bold: the joints whose motion makes "
                  "sound in the simulator; learned nets and the best classical method)", ""] + jt + [""]
        bound = _audio_bound_lines(s, cat_tau) if s.get("kind") == "simulated" else []
        if bound:
            lines += ["Bound on what audio can add: a pose-only output with the sound-making joints made "
                      "perfect (every other joint keeps its error):", ""] + bound + [""]
    ctl = _control_table(s, taus)
    if ctl:
        lines += ["**Shuffled-audio control** (MPJPE, mm; audio from a window of a different take)", ""] + ctl + [""]
    lines += ["**Swapped frames restored** (share of swapped input (frame, pair) entries whose output is not "
              "swapped; in brackets the share of all output entries that are swapped)", ""] + \
        _swap_table(s, taus) + [""]
    tuned = any(v["tuned"] for p in s["classical_params"].values() for v in p.values())
    lines += ["Classical parameters (" + ("tuned on the val split" if tuned else "untuned defaults") + "):", ""]
    for t, pm in s["classical_params"].items():
        lines.append(f"- τ = {TAU_VALUE[t]}: " + "; ".join(
            f"{CLASSICAL_LABELS[m]} {_params_str(v['params'])}" for m, v in pm.items() if v["params"]))
    return lines + [""]


def format_markdown(results: dict) -> str:
    """All tables of a benchmark run as Markdown (what ``tools/benchmark.py`` prints and writes).

    Parameters
    ----------
    results : dict
        ``{"sets": name -> evaluate_set result, "targets": target_checks(...) (optional)}``.
    """
    lines: list[str] = []
    for setname, s in results["sets"].items():
        lines += _set_lines(setname, s)
    checks = results.get("targets", [])
    if checks:
        lines += ["## Target checks (issue 4)", "", "| check | set | τ | measured | target | status | detail |",
                  "|---|---|---|---:|---|---|---|"]
        for c in checks:
            digits = 1 if "%" in c["check"] else 3
            lines.append(f"| {c['check']} | {c['set']} | {TAU_VALUE.get(c['tau'], c['tau'])} | "
                         f"{fmt(c['value'], digits)} | {c['target']} | {c['status']} | {c['detail']} |")
        lines.append("")
    return "\n".join(lines)
