"""Random violin scores: notes, articulations, slurs, rests, string crossings, shifts and vibrato.

A score is played by ``bowing.py``: each note belongs to a bow stroke (``stroke``); notes of a slur share
one stroke. Gaps between notes are rests, where the bow leaves the string.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

#: Open strings G3, D4, A4, E5 as MIDI numbers; string index 0 = G ... 3 = E.
OPEN_MIDI = (55, 62, 69, 76)
#: Articulations: the five of the original simulator, then the fast strokes (``design/violin-physics.md``, "Fast
#: strokes") that a 10-30 fps camera aliases and the sound does not. Appended, so old codes keep their meaning.
ARTICULATIONS = ("detache", "slur", "martele", "spiccato", "sustained",
                 "sautille", "tremolo", "fast_detache", "ricochet", "bariolage")
FAST_STROKES = ARTICULATIONS[5:]
#: Probability of each articulation for a new passage (the first five; same order as ``ARTICULATIONS``).
_ARTIC_P = (0.32, 0.2, 0.12, 0.13, 0.23)
#: Notes (strokes, bounces or crossings) per second of each fast stroke, U(lo, hi) per passage.
FAST_RATE_HZ = {"sautille": (8.0, 13.0), "tremolo": (10.0, 18.0), "fast_detache": (8.0, 10.7),
                "ricochet": (10.0, 16.0), "bariolage": (6.0, 12.0)}
MAX_SHIFT = 12  # semitones above first position (12 = "octave position" on the string)


@dataclass
class Note:
    """One note. Times in s; ``midi`` = ``OPEN_MIDI[string] + shift + finger`` (finger 0 = open string)."""

    start: float
    duration: float
    midi: int
    string: int
    shift: int
    finger: int
    dynamic: float  # 0..1 (pp..ff)
    articulation: str
    vibrato: bool
    stroke: int
    slur_index: int  # position inside its bow stroke (0 = first note of the stroke)
    passage: int

    @property
    def end(self) -> float:
        return self.start + self.duration

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Score:
    """A generated score: tempo (BPM), notes in time order, rests as ``(start, end)`` in s."""

    tempo: float
    duration: float
    notes: list = field(default_factory=list)
    rests: list = field(default_factory=list)


#: Usual note durations (s) per articulation: détaché/slurred notes are short, long bows are long.
_DURATION_RANGE = {
    "detache": (0.14, 0.6),
    "slur": (0.12, 0.6),
    "martele": (0.25, 0.9),
    "spiccato": (0.11, 0.32),
    "sustained": (1.2, 4.0),
}


def _pick_duration(rng: np.random.Generator, beat: float, artic: str) -> float:
    """A musical duration (beat multiple/fraction) inside the articulation's usual range."""
    lo, hi = _DURATION_RANGE[artic]
    mult = np.array([0.25, 1 / 3, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0])
    cand = beat * mult
    ok = cand[(cand >= lo) & (cand <= hi)]
    if ok.size == 0:  # tempo extreme: take the closest duration and clip it into range
        return float(np.clip(cand[np.argmin(np.abs(np.log(cand / np.sqrt(lo * hi))))], lo, hi))
    return float(rng.choice(ok))


def _next_pitch(rng: np.random.Generator, string: int, shift: int, finger: int) -> tuple[int, int, int]:
    """Melodic step: mostly scale steps on the same string, sometimes a string crossing or a shift."""
    u = rng.random()
    if u < 0.18:  # string crossing to a neighbour string, keeping the hand where it is
        string = int(np.clip(string + rng.choice([-1, 1]), 0, 3))
        finger = int(rng.integers(0 if shift == 0 else 1, 8))
    elif u < 0.26:  # position shift up or down the fingerboard
        shift = int(np.clip(shift + rng.choice([-5, -3, -2, 2, 3, 5]), 0, MAX_SHIFT))
        finger = int(rng.integers(1, 8))
    else:
        lo = 0 if shift == 0 else 1
        finger = int(np.clip(finger + rng.choice([-2, -1, 1, 2]), lo, 7))
    return string, shift, finger


def _fast_passage(rng: np.random.Generator, score: Score, artic: str, t: float, end_limit: float, string: int,
                  shift: int, finger: int, stroke: int, passage: int) -> tuple[float, int, int]:
    """Append one fast-stroke passage at ``t``; return the time after it, the last stroke and string.

    Every note is one stroke (one bow change), except ricochet, whose throws hold 2-6 bounces in one bow
    direction (each bounce a note, i.e. an onset without a bow change). Tremolo repeats one pitch;
    bariolage alternates between two neighbouring strings on every stroke; runs move by scale steps.
    """
    lo, hi = FAST_RATE_HZ[artic]
    rate = float(rng.uniform(lo, hi))
    dur = 1.0 / rate
    length_s = float(rng.uniform(0.8, 2.5))  # fast passages are short bursts
    n_notes = max(3, int(length_s * rate))
    dynamic = float(rng.uniform(0.4, 1.0))
    other = string + 1 if string < 3 else string - 1
    bounces_left, slur_index = 0, 0
    for i in range(n_notes):
        if t + dur > end_limit:
            break
        if artic == "ricochet":
            if bounces_left == 0:
                stroke += 1
                bounces_left, slur_index = int(rng.integers(2, 7)), 0
            else:
                slur_index += 1
            bounces_left -= 1
        else:
            stroke += 1
            slur_index = 0
        if artic == "bariolage":
            note_string = string if i % 2 == 0 else other
            note_finger = finger if i % 2 == 0 else 0
        elif artic == "tremolo":
            note_string, note_finger = string, finger
        else:
            string, shift, finger = _next_pitch(rng, string, shift, finger) if i else (string, shift, finger)
            note_string, note_finger = string, finger
        if shift > 0 and note_finger == 0:
            note_finger = 1
        score.notes.append(Note(
            start=float(t), duration=float(dur * float(rng.uniform(0.97, 1.03))),
            midi=OPEN_MIDI[note_string] + shift + note_finger, string=note_string, shift=shift, finger=note_finger,
            dynamic=dynamic, articulation=artic, vibrato=False, stroke=stroke, slur_index=slur_index,
            passage=passage))
        score.notes[-1].duration = min(score.notes[-1].duration, end_limit - t)
        t = score.notes[-1].end
    return t, stroke, string


def generate_score(rng: np.random.Generator, duration: float, tempo: float | None = None,
                   fast_strokes: float = 0.0) -> Score:
    """Generate a score that fills ``duration`` seconds.

    Parameters
    ----------
    rng : np.random.Generator
        Source of randomness (the score is a deterministic function of its state).
    duration : float
        Length of the take in s (> 0). The score starts and ends with a rest (bow off the string).
    tempo : float, optional
        Beats per minute; drawn uniformly from 50–180 when omitted.
    fast_strokes : float
        Probability (0..1) that a passage is a fast stroke (:data:`FAST_STROKES`, uniformly chosen). At 0 no
        extra random number is drawn, so scores are the original simulator's, draw for draw.

    Returns
    -------
    Score
        Notes grouped in passages of one articulation, with rests between some passages.
    """
    if not duration > 0:
        raise ValueError(f"duration must be > 0 s, got {duration}")
    tempo = float(rng.uniform(50.0, 180.0)) if tempo is None else float(tempo)
    if not 20.0 <= tempo <= 300.0:
        raise ValueError(f"tempo must be in [20, 300] BPM, got {tempo}")
    if not 0.0 <= fast_strokes <= 1.0:
        raise ValueError(f"fast_strokes must be a probability in [0, 1], got {fast_strokes}")
    beat = 60.0 / tempo
    score = Score(tempo=tempo, duration=float(duration))
    t = min(0.4, 0.1 * duration)
    end_limit = duration - min(0.3, 0.1 * duration)
    string, shift, finger = int(rng.integers(0, 4)), 0, int(rng.integers(0, 5))
    stroke, passage = 0, 0
    while t < end_limit:
        if fast_strokes > 0 and rng.random() < fast_strokes:
            artic = str(rng.choice(FAST_STROKES))
            t, stroke, string = _fast_passage(rng, score, artic, t, end_limit, string, shift, finger, stroke, passage)
            passage += 1
            if rng.random() < 0.4:
                t += float(rng.uniform(0.2, 0.6))
            continue
        artic = str(rng.choice(ARTICULATIONS[:5], p=_ARTIC_P))
        dyn0, dyn1 = rng.uniform(0.35, 1.0, size=2)  # crescendo/decrescendo over the passage
        n_notes = int(rng.integers(1, 4)) if artic == "sustained" else int(rng.integers(4, 17))
        if rng.random() < 0.3:  # a new passage often starts somewhere else on the fingerboard
            shift = int(rng.choice([0, 0, 2, 3, 5, 7]))
            finger = int(rng.integers(1, 8))
        dur = _pick_duration(rng, beat, artic)
        slur_left = 0
        for i in range(n_notes):
            if t + 0.1 > end_limit:
                break
            if artic in ("detache", "spiccato", "martele") and rng.random() < 0.2:
                dur = _pick_duration(rng, beat, artic)  # occasional rhythm change inside the passage
            d = min(dur if artic != "sustained" else _pick_duration(rng, beat, artic), end_limit - t)
            if artic == "slur":
                if slur_left == 0:
                    stroke += 1
                    slur_left = int(rng.integers(2, 9))
                    slur_index = 0
                else:
                    slur_index += 1
                slur_left -= 1
            else:
                stroke += 1
                slur_index = 0
            string, shift, finger = _next_pitch(rng, string, shift, finger) if i or passage else (string, shift, finger)
            if shift > 0 and finger == 0:
                finger = 1
            frac = i / max(n_notes - 1, 1)
            score.notes.append(Note(
                start=float(t), duration=float(d), midi=OPEN_MIDI[string] + shift + finger, string=string,
                shift=shift, finger=finger, dynamic=float(dyn0 + (dyn1 - dyn0) * frac), articulation=artic,
                vibrato=bool(finger > 0 and d >= 0.3 and (artic == "sustained" or rng.random() < 0.75)),
                stroke=stroke, slur_index=slur_index, passage=passage,
            ))
            t += d
        passage += 1
        if rng.random() < 0.55 or artic == "sustained" and rng.random() < 0.5:
            rest = max(0.3, beat * float(rng.choice([0.5, 1.0, 2.0])))
            t += min(rest, 2.0)
    # rests are the gaps between notes (the bow is off the string there), including both ends of the take
    bounds = [0.0] + [x for n in score.notes for x in (n.start, n.end)] + [float(duration)]
    score.rests = [(a, b) for a, b in zip(bounds[::2], bounds[1::2]) if b - a > 1e-6]
    return score
