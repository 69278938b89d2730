"""Score -> bow state at a control rate: stroke direction, bow position, speed, string, lifts.

Conventions: ``bow_pos`` is the distance (mm) of the contact point from the frog along the hair
(0 = frog, 650 = tip). A down-bow moves the contact point toward the tip, so ``bow_speed`` > 0 is a
down-bow. Every stroke reverses the direction of the one before it.
"""
from __future__ import annotations

import numpy as np

from .performer import Performer
from .score import ARTICULATIONS, FAST_STROKES, Score

HAIR_MM = 650.0
BOW_MIN, BOW_MAX = 20.0, 630.0  # usable part of the hair (the last cm at each end is not played)
STRING_MM = 328.0
CTL_RATE = 1000.0  # control rate (Hz) of every state signal; audio and poses are sampled from it

# Mean bow speed (mm/s) per articulation over the moving part of a stroke (design/violin-physics.md).
_SPEED_RANGE = {
    "detache": (450.0, 1000.0),
    "slur": (200.0, 600.0),
    "martele": (450.0, 850.0),
    "spiccato": (400.0, 900.0),
    "sustained": (90.0, 300.0),
}

# Fast strokes (design/violin-physics.md, "Fast strokes"): bow travel per stroke (mm; per bounce for ricochet),
# U(lo, hi) per passage, and where along the hair the passage is played (fraction of the usable bow).
_FAST_STROKE_MM = {"sautille": (20.0, 50.0), "tremolo": (10.0, 40.0), "fast_detache": (40.0, 120.0),
                   "ricochet": (15.0, 35.0), "bariolage": (30.0, 80.0)}
_FAST_BOW_REGION = {"sautille": (0.35, 0.55), "tremolo": (0.75, 0.9), "fast_detache": (0.3, 0.7),
                    "ricochet": (0.45, 0.65), "bariolage": (0.3, 0.6)}
#: Lift of the bounce (mm) of the bouncing fast strokes, and the part of each note (by lift) on the string.
_BOUNCE_MM = {"sautille": (1.0, 4.0), "ricochet": (4.0, 10.0)}


def _ramp_plateau(n: int, n_ramp: int) -> np.ndarray:
    """Speed shape with raised-cosine ramps of ``n_ramp`` samples at both ends (0 at the reversals)."""
    g = np.ones(n)
    n_ramp = int(min(max(n_ramp, 1), n // 2))
    if n_ramp > 0:
        r = 0.5 - 0.5 * np.cos(np.pi * (np.arange(n_ramp) + 0.5) / n_ramp)
        g[:n_ramp] = r
        g[n - n_ramp:] = np.minimum(g[n - n_ramp:], r[::-1])
    return g


def _shape(artic: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Per-stroke bow-speed profile (unit peak) over ``n`` control samples of motion."""
    u = (np.arange(n) + 0.5) / max(n, 1)
    dur = n / CTL_RATE
    if artic == "martele":  # accented, fast start, then the bow slows to a stop on the string
        return u / (u + 0.04) * (1.0 - u) ** 0.8
    if artic in ("spiccato", "sautille", "tremolo", "ricochet", "bariolage"):
        # a bouncing or oscillating arc: the speed is zero only at the reversals
        return np.sin(np.pi * u)
    if artic == "fast_detache":
        return _ramp_plateau(n, int(0.2 * n))
    if artic == "sustained":  # long bow with a slow start/end and a swell (messa di voce) or a fade
        g = _ramp_plateau(n, int(np.clip(0.12 * dur, 0.05, 0.25) * CTL_RATE))
        return g * (1.0 + float(rng.uniform(-0.25, 0.5)) * np.sin(np.pi * u))
    # detache and slur: quick reversal ramps, even speed in between
    return _ramp_plateau(n, int(np.clip(0.12 * dur, 0.012, 0.03) * CTL_RATE))


def _group_strokes(score: Score) -> list[list[int]]:
    strokes: list[list[int]] = []
    for i, note in enumerate(score.notes):
        if strokes and score.notes[strokes[-1][-1]].stroke == note.stroke:
            strokes[-1].append(i)
        else:
            strokes.append([i])
    return strokes


def bow_state(score: Score, performer: Performer, rng: np.random.Generator, n_ctl: int) -> dict:
    """Plan and render the bowing of a score at ``CTL_RATE``.

    Parameters
    ----------
    score : Score
        Output of ``generate_score``.
    performer : Performer
        Supplies the bow-speed habit and the habitual sounding point.
    rng : np.random.Generator
        Randomness for per-passage speeds and sounding points.
    n_ctl : int
        Number of control samples to produce (covers the whole take).

    Returns
    -------
    dict
        Control-rate arrays ``(n_ctl,)``: ``bow_pos`` (mm from frog), ``bow_speed`` (mm/s, + down-bow),
        ``lift`` (mm of bow above the string), ``on_string`` (bool), ``string`` (0..3, -1 off the string),
        ``arm_string`` (float, string plane followed by the arm, smooth through crossings and rests),
        ``note`` (note index, -1 in rests), ``artic`` (index into ``ARTICULATIONS``, -1 in rests),
        ``beta`` (relative bow-bridge distance), ``dynamic`` (0..1), ``sounding`` (bool);
        plus ``strokes`` (list of dicts: ``t0``, ``t1``, ``direction``, ``length``, ``articulation``,
        ``after_rest``, ``t_contact``), ``bow_changes`` (s, start of each stroke = direction reversal),
        ``bow_change_artic`` (str per bow change), ``attacks`` (s, first contact of each stroke),
        ``note_onsets`` (s, when each note starts to sound) and ``note_onset_slurred`` (bool).
    """
    notes = score.notes
    style = performer.style
    bow_max = min(BOW_MAX, style.get("bow_max_mm", BOW_MAX))
    mid = 0.5 * (BOW_MIN + bow_max)
    vel = np.zeros(n_ctl)
    lift = np.zeros(n_ctl)
    on_string = np.zeros(n_ctl, dtype=bool)
    string = np.full(n_ctl, -1, dtype=np.int64)
    note_idx = np.full(n_ctl, -1, dtype=np.int64)
    artic = np.full(n_ctl, -1, dtype=np.int64)
    beta = np.full(n_ctl, np.nan)
    dynamic = np.zeros(n_ctl)

    def idx(t: float) -> int:
        return int(np.clip(round(t * CTL_RATE), 0, n_ctl))

    # per-passage habits: a mean speed and a sounding point (louder = faster and nearer the bridge)
    passage_speed: dict[int, float] = {}
    passage_bridge: dict[int, float] = {}
    passage_length: dict[int, float] = {}
    for n in notes:
        if n.passage not in passage_speed and n.articulation in FAST_STROKES:
            passage_speed[n.passage] = 0.0
            passage_bridge[n.passage] = style["bridge_mm"] * float(rng.uniform(0.85, 1.15))
            passage_length[n.passage] = float(rng.uniform(*_FAST_STROKE_MM[n.articulation])) * style["speed_scale"]
        if n.passage not in passage_speed:
            lo, hi = _SPEED_RANGE[n.articulation]
            passage_speed[n.passage] = float(rng.uniform(lo, hi)) * style["speed_scale"]
            passage_bridge[n.passage] = style["bridge_mm"] * float(rng.uniform(0.85, 1.15))

    groups = _group_strokes(score)
    strokes: list[dict] = []
    pos = float(rng.uniform(150.0, bow_max - 150.0))
    direction = 1 if pos < mid else -1
    segments_pos: list[tuple[int, float]] = []  # (control index, bow position planned there)
    prev_end = 0.0
    for g in groups:
        first, last = notes[g[0]], notes[g[-1]]
        a = first.articulation
        t0, t1 = first.start, last.end
        after_rest = t0 - prev_end > 1e-6 or not strokes
        i0, i1 = idx(t0), idx(t1)
        if i1 - i0 < 2:
            continue
        move_end = i1
        if a == "martele":  # the bow stops on the string for the rest of the note
            move_end = i0 + max(2, int((i1 - i0) * float(rng.uniform(0.45, 0.7))))
        n_move = move_end - i0
        mean_dyn = float(np.mean([notes[k].dynamic for k in g]))
        want = passage_speed[first.passage] * (0.55 + 0.45 * mean_dyn) * n_move / CTL_RATE
        fast = a in FAST_STROKES
        if fast:
            want = passage_length[first.passage] * len(g) * float(rng.uniform(0.85, 1.15))
            if after_rest:  # the bow lands where this stroke is played, up- or down-bow, whichever has room
                lo, hi = _FAST_BOW_REGION[a]
                start = BOW_MIN + float(rng.uniform(lo, hi)) * (bow_max - BOW_MIN)
                segments_pos.append((i0, start))
                pos = start
                after_rest = False
                direction = 1 if pos < mid else -1
        if after_rest:  # the bow was lifted: re-place it so this stroke has room
            start = BOW_MIN if direction > 0 else bow_max
            if want < bow_max - BOW_MIN:
                start = float(np.clip(mid - direction * want / 2, BOW_MIN, bow_max))
            segments_pos.append((i0, start))
            pos = start
        avail = (bow_max - pos) if direction > 0 else (pos - BOW_MIN)
        length = float(np.clip(want, 0.0, max(avail, 0.0)))
        shape = _shape(a, n_move, rng)
        vel[i0:move_end] = direction * length * shape / (shape.sum() / CTL_RATE)
        pos += direction * length
        strokes.append({"t0": i0 / CTL_RATE, "t1": i1 / CTL_RATE, "direction": direction, "length": length,
                        "articulation": a, "after_rest": bool(t0 - prev_end > 1e-6 or len(strokes) == 0)})
        if a in _BOUNCE_MM:  # each note bounces: on the string at its start, in the air in between
            height = float(rng.uniform(*_BOUNCE_MM[a]))
            for k in g:
                j0, j1 = idx(notes[k].start), idx(notes[k].end)
                if j1 <= j0:
                    continue
                h = np.sin(np.pi * (np.arange(j1 - j0) + 0.5) / (j1 - j0)) ** 2
                lift[j0:j1] = height * h
                on_string[j0:j1] = h < (0.6 if a == "sautille" else 0.3)
        elif a == "spiccato":  # on the string only around the middle of the arc
            u = (np.arange(i1 - i0) + 0.5) / (i1 - i0)
            h = np.clip((np.abs(2 * u - 1) - 0.5) / 0.5, 0, 1) ** 2
            lift[i0:i1] = float(rng.uniform(6.0, 15.0)) * h
            on_string[i0:i1] = h == 0
        else:
            on_string[i0:i1] = True
        for k in g:
            n = notes[k]
            j0, j1 = idx(n.start), idx(n.end)
            note_idx[j0:j1] = k
            string[j0:j1] = n.string
            artic[j0:j1] = ARTICULATIONS.index(n.articulation)
            dynamic[j0:j1] = n.dynamic
            # louder: a little nearer the bridge (most of the dynamic comes from bow speed)
            beta[j0:j1] = passage_bridge[n.passage] * (1.1 - 0.2 * n.dynamic) / STRING_MM
        direction = -direction
        prev_end = t1

    # bow position: integrate the stroke speeds; in rests move smoothly (in the air) to the next start
    bow_pos = np.empty(n_ctl)
    bow_pos[:] = np.nan
    for i, (j, p) in enumerate(segments_pos):
        j_end = segments_pos[i + 1][0] if i + 1 < len(segments_pos) else n_ctl
        bow_pos[j:j_end] = p + np.concatenate([[0.0], np.cumsum(vel[j:j_end - 1]) / CTL_RATE])
    first_j = segments_pos[0][0] if segments_pos else n_ctl
    bow_pos[:first_j] = segments_pos[0][1] if segments_pos else 325.0
    # rests: replace the held position by a raised-cosine move to where the next stroke starts
    rest_mask = ~on_string & (note_idx < 0)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], rest_mask.astype(np.int8), [0]])))
    for r0, r1 in zip(edges[::2], edges[1::2]):
        p_from = bow_pos[r0 - 1] if r0 > 0 else bow_pos[r1 if r1 < n_ctl else r0]
        p_to = bow_pos[r1] if r1 < n_ctl else p_from
        u = (np.arange(r1 - r0) + 0.5) / (r1 - r0)
        bow_pos[r0:r1] = p_from + (p_to - p_from) * (0.5 - 0.5 * np.cos(np.pi * u))
        # the bow rises off the string and comes back down before the next stroke
        n_r = r1 - r0
        ramp = min(int(0.12 * CTL_RATE), n_r // 2)
        h = np.ones(n_r)
        if ramp > 0:
            rr = 0.5 - 0.5 * np.cos(np.pi * (np.arange(ramp) + 0.5) / ramp)
            if r0 > 0:
                h[:ramp] = rr
            if r1 < n_ctl:
                h[n_r - ramp:] = np.minimum(h[n_r - ramp:], rr[::-1])
        lift[r0:r1] = float(rng.uniform(25.0, 50.0)) * h
    bow_pos = np.clip(bow_pos, 0.0, HAIR_MM)
    bow_speed = np.gradient(bow_pos) * CTL_RATE

    # the arm follows the string plane; in rests it glides to the next string, crossings take ~150 ms
    # (players spread them over the end of one note and the start of the next)
    arm = string.astype(np.float64)
    arm[string < 0] = np.nan
    valid = np.flatnonzero(~np.isnan(arm))
    if valid.size:
        arm = np.interp(np.arange(n_ctl), valid, arm[valid])
    else:
        arm[:] = 1.5
    win = np.hanning(int(0.15 * CTL_RATE) + 1)
    arm_slow = np.convolve(np.pad(arm, win.size // 2, mode="edge"), win / win.sum(), mode="valid")[:n_ctl]
    fast_cross = artic == ARTICULATIONS.index("bariolage")
    if fast_cross.any():  # fast crossings are made by wrist and forearm in ~40 ms, not glided over 150 ms
        win_f = np.hanning(int(0.04 * CTL_RATE) + 1)
        arm_fast = np.convolve(np.pad(arm, win_f.size // 2, mode="edge"), win_f / win_f.sum(), mode="valid")[:n_ctl]
        w = np.convolve(fast_cross.astype(np.float64), win / win.sum(), mode="same")
        arm = (1.0 - w) * arm_slow + w * arm_fast
    else:
        arm = arm_slow

    string = np.where(on_string, string, -1)
    sounding = on_string & (np.abs(bow_speed) > 20.0)
    beta = np.where(np.isnan(beta), np.nanmedian(beta) if np.isfinite(beta).any() else 0.08, beta)
    bow_changes = np.array([s["t0"] for s in strokes])
    # when each stroke first touches the string (later than t0 for spiccato, whose reversal is in the air)
    attacks = []
    for s in strokes:
        j0, j1 = int(round(s["t0"] * CTL_RATE)), int(round(s["t1"] * CTL_RATE))
        hit = np.flatnonzero(on_string[j0:j1])
        s["t_contact"] = (j0 + hit[0]) / CTL_RATE if hit.size else s["t0"]
        attacks.append(s["t_contact"])
    # a note starts sounding at its stroke's contact, or at its own start inside a slur
    onsets, slurred = [], []
    for n in notes:
        if n.slur_index > 0:
            onsets.append(n.start)
            slurred.append(True)
    contact_by_t0 = {round(s["t0"], 6): s["t_contact"] for s in strokes}
    for n in notes:
        if n.slur_index == 0:
            t_c = contact_by_t0.get(round(round(n.start * CTL_RATE) / CTL_RATE, 6))
            if t_c is not None:
                onsets.append(t_c)
                slurred.append(False)
    order = np.argsort(onsets, kind="stable")
    return {
        "bow_pos": bow_pos, "bow_speed": bow_speed, "lift": lift, "on_string": on_string, "string": string,
        "arm_string": arm, "note": note_idx, "artic": artic, "beta": beta, "dynamic": dynamic,
        "sounding": sounding, "strokes": strokes, "bow_changes": bow_changes,
        "bow_change_artic": [s["articulation"] for s in strokes], "attacks": np.array(attacks),
        "note_onsets": np.asarray(onsets, dtype=np.float64)[order],
        "note_onset_slurred": np.asarray(slurred, dtype=bool)[order],
    }
