"""Reading an :func:`training.benchmark.run.evaluate_set` result: method labels and MPJPE look-ups, shared by
the target checks and the report."""
from __future__ import annotations

__all__ = ["TAU_VALUE", "VARIANTS", "variant_label", "method_mpjpe", "best_classical", "fmt"]

#: τ value of each rate key (fps / 50).
TAU_VALUE: dict[str, float] = {"tau100": 1.0, "tau050": 0.5, "tau033": 0.33}
#: Audio variants of a learned model and the suffix of their table label.
VARIANTS: dict[str, str] = {"matched": "", "pose_only": " (pose-only)", "shuffled": " (shuffled audio)"}


def variant_label(name: str, variant: str) -> str:
    """Table label of one audio variant of model ``name`` ('matched', 'pose_only' or 'shuffled')."""
    return name + VARIANTS[variant]


def method_mpjpe(setres: dict, label: str | None, tau: str, category: str | None = None) -> float | None:
    """MPJPE (mm) of method ``label`` at ``tau`` (of one category), None when not measured."""
    entry = setres["methods"].get(label, {}).get("taus", {}).get(tau) if label else None
    if entry is None:
        return None
    return entry["mpjpe"] if category is None else entry["categories"][category]["mpjpe"]


def best_classical(setres: dict, tau: str) -> tuple[str | None, float | None]:
    """Label and MPJPE (mm) of the classical method with the lowest MPJPE at ``tau`` ((None, None) if none)."""
    best = (None, None)
    for label, m in setres["methods"].items():
        if m["family"] == "classical" and tau in m["taus"]:
            v = m["taus"][tau]["mpjpe"]
            if best[1] is None or v < best[1]:
                best = (label, v)
    return best


def fmt(v, digits: int = 2) -> str:
    """A number for a table cell ("—" for None)."""
    return "—" if v is None else f"{v:.{digits}f}"
