"""Simulated performers: body proportions from height (Drillis & Contini) and a playing style."""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

#: Segment lengths as fractions of body height (Drillis & Contini), see design/violin-physics.md.
SEGMENT_FRACTIONS: dict[str, float] = {
    "upper_arm": 0.186,
    "forearm": 0.146,
    "hand": 0.108,
    "shoulder_width": 0.259,
    "hip_width": 0.191,
    "thigh": 0.245,
    "shank": 0.246,
}


@dataclass(frozen=True)
class Performer:
    """One simulated violinist.

    Attributes
    ----------
    performer_id : str
        Deterministic id (``"perf-<seed>"``), used for leak-free splits.
    height : float
        Body height in mm (1500–1950).
    segments : dict[str, float]
        Segment lengths in mm: ``upper_arm``, ``forearm``, ``hand``, ``shoulder_width``, ``hip_width``,
        ``thigh``, ``shank``. Each is the Drillis & Contini fraction of ``height`` times a small
        individual factor (±3 %), so two performers of equal height still differ.
    style : dict[str, float]
        Playing style: ``sway_mm`` (5–20), ``sway_hz`` (0.1–0.5), ``phrase_mm`` (torso motion following
        phrases, 30–100), ``weight_shift_mm``, ``breath_mm``, ``breath_hz``, ``vibrato_hz`` (5–7),
        ``vibrato_cents`` (15–35), ``vibrato_mm`` (2–5), ``scroll_deg`` (violin 30–45° left of ahead),
        ``plate_tilt_deg``, ``string_plane_deg`` (bow inclination step per string, 10–15),
        ``elbow_swivel_deg`` (elbow swivel step per string), ``speed_scale`` (bow-speed habit),
        ``bridge_mm`` (habitual sounding point, mm from the bridge), ``bow_max_mm`` (farthest contact point
        from the frog this player uses, capped by arm reach).
    """

    performer_id: str
    height: float
    segments: dict = field(default_factory=dict)
    style: dict = field(default_factory=dict)


def _check_seed(seed, name: str = "seed") -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"{name} must be >= 0, got {seed}")
    return int(seed)


def sample_performer(seed: int) -> Performer:
    """Draw a performer deterministically from ``seed``.

    Parameters
    ----------
    seed : int
        Non-negative seed; the same seed always gives the same performer (and id ``"perf-<seed>"``).

    Returns
    -------
    Performer
        Height uniform in 1500–1950 mm, segment lengths in mm, and style parameters (see ``Performer``).
    """
    seed = _check_seed(seed)
    # A distinct spawn key keeps performer draws independent of take draws that use the same integer seed.
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(101,)))
    height = float(rng.uniform(1500.0, 1950.0))
    segments = {k: f * height * float(rng.uniform(0.97, 1.03)) for k, f in SEGMENT_FRACTIONS.items()}
    style = {
        "sway_mm": float(rng.uniform(5.0, 20.0)),
        "sway_hz": float(rng.uniform(0.1, 0.5)),
        "phrase_mm": float(rng.uniform(30.0, 100.0)),
        "weight_shift_mm": float(rng.uniform(8.0, 30.0)),
        "breath_mm": float(rng.uniform(1.5, 4.0)),
        "breath_hz": float(rng.uniform(0.18, 0.33)),
        "vibrato_hz": float(rng.uniform(5.0, 7.0)),
        "vibrato_cents": float(rng.uniform(15.0, 35.0)),
        "vibrato_mm": float(rng.uniform(2.0, 5.0)),
        "scroll_deg": float(rng.uniform(30.0, 45.0)),
        "scroll_drop_deg": float(rng.uniform(0.0, 8.0)),
        "plate_tilt_deg": float(rng.uniform(15.0, 30.0)),
        "string_plane_deg": float(rng.uniform(10.0, 15.0)),
        "elbow_swivel_deg": float(rng.uniform(6.0, 10.0)),
        "speed_scale": float(rng.uniform(0.8, 1.2)),
        "bridge_mm": float(rng.uniform(18.0, 35.0)),
    }
    # Players with short arms do not reach the very tip: cap the usable bow by the arm's reach (mm).
    reach = segments["upper_arm"] + segments["forearm"]
    style["bow_max_mm"] = float(np.clip(reach + 45.0, 480.0, 630.0))
    return Performer(performer_id=f"perf-{seed}", height=height, segments=segments, style=style)


def resolve_performer(performer, default_seed: int) -> Performer:
    """Return a ``Performer`` from a ``Performer``, an int seed, or ``None`` (uses ``default_seed``)."""
    if performer is None:
        return sample_performer(default_seed)
    if isinstance(performer, Performer):
        return performer
    if isinstance(performer, numbers.Integral) and not isinstance(performer, bool):
        return sample_performer(int(performer))
    raise TypeError(f"performer must be a Performer, an int seed or None, got {type(performer).__name__}")
