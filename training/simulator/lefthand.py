"""Left hand at the control rate: hand position along the neck, shifts, and vibrato.

The same vibrato signal drives the pitch (cents) and the wrist (mm), so the two stay in phase.
"""
from __future__ import annotations

import numpy as np

from .bowing import CTL_RATE, STRING_MM
from .performer import Performer
from .score import OPEN_MIDI, Score


def finger_distance_mm(shift) -> np.ndarray:
    """Distance (mm) of the first finger from the nut for a hand ``shift`` in semitones above 1st position.

    In 1st position the first finger stops a whole tone above the open string; each semitone shortens the
    sounding length by 2^(-1/12), so 3rd position (shift 3) is ~50 mm closer to the body than 1st.
    """
    return STRING_MM * (1.0 - 2.0 ** (-(np.asarray(shift, dtype=np.float64) + 2.0) / 12.0))


def left_hand_state(score: Score, performer: Performer, rng: np.random.Generator, n_ctl: int,
                    glide: bool = False) -> dict:
    """Hand position, vibrato and pitch at ``CTL_RATE``.

    Parameters
    ----------
    score : Score
        The notes being played.
    performer : Performer
        Supplies vibrato rate (Hz), width (cents) and wrist amplitude (mm).
    rng : np.random.Generator
        Per-note jitter of the vibrato rate.
    n_ctl : int
        Number of control samples.
    glide : bool
        The pitch glides with the hand during a shift (a finger sliding on the string) instead of stepping at
        the note change; off keeps the original simulator's pitch.

    Returns
    -------
    dict
        ``(n_ctl,)`` arrays: ``hand_mm`` (first finger's distance from the nut, mm; shifts glide over
        ~100 ms), ``vibrato_cents`` (pitch deviation), ``vibrato_mm`` (wrist displacement along the neck,
        + toward the bridge), ``midi`` (nominal MIDI pitch of the current/last note, float) and
        ``pitch_hz`` (with vibrato).
    """
    style = performer.style
    shift = np.full(n_ctl, np.nan)
    midi = np.full(n_ctl, np.nan)
    vib_env = np.zeros(n_ctl)
    rate = np.full(n_ctl, style["vibrato_hz"])
    for note in score.notes:
        j0 = int(np.clip(round(note.start * CTL_RATE), 0, n_ctl))
        j1 = int(np.clip(round(note.end * CTL_RATE), 0, n_ctl))
        shift[j0:j1] = note.shift
        midi[j0:j1] = note.midi
        if note.vibrato and j1 > j0:
            t = (np.arange(j1 - j0) + 0.5) / CTL_RATE
            # vibrato starts ~0.12 s into the note and fades in over ~0.15 s
            vib_env[j0:j1] = np.clip((t - 0.12) / 0.15, 0.0, 1.0)
            rate[j0:j1] = style["vibrato_hz"] * float(rng.uniform(0.95, 1.05))
    # hold the hand (and the pitch label) through rests; before the first note use the first one
    for arr in (shift, midi):
        ok = np.flatnonzero(~np.isnan(arr))
        if ok.size:
            arr[:] = arr[ok[np.clip(np.searchsorted(ok, np.arange(n_ctl), side="right") - 1, 0, None)]]
            arr[: ok[0]] = arr[ok[0]]
        else:
            arr[:] = 0.0 if arr is shift else OPEN_MIDI[1]
    hand_mm = finger_distance_mm(shift)
    win = np.hanning(int(0.1 * CTL_RATE) + 1)  # a shift glides over ~100 ms around the note change
    hand_mm = np.convolve(np.pad(hand_mm, win.size // 2, mode="edge"), win / win.sum(), mode="valid")[:n_ctl]
    env_win = np.hanning(int(0.04 * CTL_RATE) + 1)
    vib_env = np.convolve(vib_env, env_win / env_win.sum(), mode="same")
    phase = 2 * np.pi * np.cumsum(rate) / CTL_RATE + float(rng.uniform(0, 2 * np.pi))
    osc = np.sin(phase)
    vibrato_cents = style["vibrato_cents"] * vib_env * osc
    vibrato_mm = style["vibrato_mm"] * vib_env * osc
    if glide:  # the stopped length follows the sliding hand: semitones = 12 log2 of the length ratio
        held = STRING_MM - finger_distance_mm(shift)
        sliding = STRING_MM - hand_mm
        midi = midi + 12.0 * np.log2(held / sliding)
    pitch_hz = 440.0 * 2.0 ** ((midi - 69.0 + vibrato_cents / 100.0) / 12.0)
    return {"hand_mm": hand_mm, "vibrato_cents": vibrato_cents, "vibrato_mm": vibrato_mm, "midi": midi,
            "pitch_hz": pitch_hz}
