"""Violin samples from a SoundFont (``.sf2``/``.sf3``) through ``tinysoundfont``, driven by the bow state.

Each stroke's first sound is a note-on, slurred pitch changes are legato note-ons that overlap the old
note briefly, and a bow lift is a note-off. The bow speed / beta drives MIDI expression (CC11 + CC43,
14 bit) every 5 ms, vibrato drives the pitch wheel, so loudness and pitch come from the motion state.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np

from .bowing import CTL_RATE
from .synth import amplitude_target

VIOLIN_BANK, VIOLIN_PROGRAM = 0, 40  # General MIDI: program 41 "Violin" (0-based 40), melodic bank 0
BEND_RANGE_SEMITONES = 2.0
_STEP_S = 0.005  # control update period for expression and pitch wheel
_LEGATO_S = 0.03
_LIFT = 4.0  # output gain  # a slurred note overlaps the one before by this much (a soft, pitch-only onset)


def default_soundfont() -> Path:
    """Path of ``TimGM6mb.sf2`` bundled with ``pretty_midi`` (found without importing it)."""
    spec = importlib.util.find_spec("pretty_midi")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("pretty_midi is not installed, so its bundled TimGM6mb.sf2 is unavailable; "
                                "pass soundfont=PATH to an .sf2/.sf3 file")
    path = Path(list(spec.submodule_search_locations)[0]) / "TimGM6mb.sf2"
    if not path.is_file():
        raise FileNotFoundError(f"pretty_midi's bundled soundfont is missing: {path}")
    return path


def check_violin_preset(preset_name: str | None, path: str | os.PathLike = "<soundfont>") -> str:
    """Return ``preset_name`` or raise ``ValueError`` when the soundfont has no violin preset.

    Parameters
    ----------
    preset_name : str or None
        Name of preset bank 0 / program 40 as reported by the soundfont, ``None`` when it does not exist.
    path : str or PathLike
        Only used in the error message.
    """
    if preset_name is None:
        raise ValueError(f"soundfont {path} has no violin preset (bank {VIOLIN_BANK}, program "
                         f"{VIOLIN_PROGRAM}, General MIDI 'Violin'); use a General MIDI soundfont")
    return preset_name


def load_violin(path: str | os.PathLike | None, sr: int):
    """Load a soundfont and select its violin on channel 0.

    Parameters
    ----------
    path : str, PathLike or None
        ``.sf2``/``.sf3`` file; ``None`` uses ``default_soundfont()``.
    sr : int
        Output sample rate (Hz).

    Returns
    -------
    synth : tinysoundfont.Synth
        Ready synthesizer (channel 0 = violin).
    preset : str
        Name of the selected preset.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    ValueError
        The file is not a readable soundfont, or it has no violin preset.
    """
    import tinysoundfont

    path = default_soundfont() if path is None else Path(os.fspath(path))
    if not path.is_file():
        raise FileNotFoundError(f"soundfont not found: {path}")
    synth = tinysoundfont.Synth(gain=0.0, samplerate=int(sr))
    try:
        sfid = synth.sfload(str(path))
    except Exception as exc:  # tinysoundfont raises a bare Exception on a corrupt file
        raise ValueError(f"could not read soundfont {path}: {exc}") from exc
    try:
        name = synth.sfpreset_name(sfid, VIOLIN_BANK, VIOLIN_PROGRAM)
    except Exception:  # out-of-range queries raise instead of returning None
        name = None
    check_violin_preset(name, path)
    synth.program_select(0, sfid, VIOLIN_BANK, VIOLIN_PROGRAM)
    synth.pitchbend_range(0, BEND_RANGE_SEMITONES)
    return synth, name


_LEVELS: dict[tuple[str, int, int], float] = {}  # (soundfont path, sr, key) -> steady RMS at full expression


def key_levels(synth, keys, path, sr: int) -> dict[int, float]:
    """Steady-state RMS of each MIDI key at full expression (cached per soundfont and key).

    SoundFonts map key ranges to different recordings whose levels differ (TimGM6mb's violin is ~2x
    louder from A5 up); the renderer divides by these levels so loudness follows the bow, not the
    sample zone.
    """
    out = {}
    n_on, n_skip = int(0.4 * sr), int(0.15 * sr)
    for key in sorted(set(int(k) for k in keys)):
        ck = (str(path), int(sr), key)
        if ck not in _LEVELS:
            synth.control_change(0, 11, 127)
            synth.control_change(0, 43, 127)
            synth.pitchbend(0, 8192)
            synth.noteon(0, key, 100)
            y = np.frombuffer(synth.generate_simple(n_on), dtype=np.float32).reshape(-1, 2).mean(axis=1)
            synth.noteoff(0, key)
            synth.sounds_off(0)
            synth.generate_simple(int(0.05 * sr))  # let the voice die before the next key
            _LEVELS[ck] = float(np.sqrt(np.mean(y[n_skip:] ** 2)))
        out[key] = _LEVELS[ck]
    return out


def _midi_events(ctl: dict, notes: list, n_samples: int, sr: int) -> list[tuple[int, int, str, int]]:
    """(sample, order, kind, key) note events: note-ons at contacts and slurs, note-offs at lifts."""
    on = ctl["on_string"].astype(np.int8)
    note = ctl["note"]
    ev = []
    strokes = ctl["strokes"]
    for s in strokes:
        j0, j1 = int(round(s["t0"] * CTL_RATE)), int(round(s["t1"] * CTL_RATE))
        seg = np.flatnonzero(on[j0:j1])
        if seg.size == 0:
            continue
        c0, c1 = j0 + seg[0], j0 + seg[-1] + 1  # first and last on-string sample of the stroke
        ids = note[c0:c1]
        changes = np.flatnonzero(np.diff(ids)) + 1
        starts = np.concatenate([[0], changes])
        for m, k in enumerate(starts):
            key = int(notes[int(ids[k])]["midi"]) if ids[k] >= 0 else None
            if key is None:
                continue
            t_on = (c0 + k) / CTL_RATE
            t_off = (c0 + (starts[m + 1] if m + 1 < starts.size else c1 - c0)) / CTL_RATE
            if m + 1 < starts.size and ids[starts[m + 1]] >= 0 and int(notes[int(ids[starts[m + 1]])]["midi"]) != key:
                t_off += _LEGATO_S  # slurred: the old note fades under the new one
            ev.append((int(round(t_on * sr)), 1, "on", key))
            ev.append((int(round(t_off * sr)), 0, "off", key))
    ev = [e for e in ev if e[0] < n_samples]
    ev.sort(key=lambda e: (e[0], e[1]))
    return ev


def render_soundfont(ctl: dict, notes: list, sr: int, n_samples: int, path=None) -> np.ndarray:
    """Render audio with a SoundFont violin driven by the bow state.

    Parameters
    ----------
    ctl : dict
        Control-rate state (see ``bowing.bow_state`` and ``lefthand.left_hand_state``): ``bow_speed``,
        ``beta``, ``on_string``, ``note``, ``strokes``, ``vibrato_cents``.
    notes : list of dict
        Notes (``midi`` used), indexed by ``ctl["note"]``.
    sr : int
        Audio sample rate (Hz).
    n_samples : int
        Output length.
    path : str, PathLike or None
        SoundFont file; ``None`` = ``TimGM6mb.sf2`` from ``pretty_midi``.

    Returns
    -------
    np.ndarray
        ``(n_samples,)`` float32 mono audio.
    """
    synth, _ = load_violin(path, sr)
    amp = amplitude_target(ctl["bow_speed"], ctl["beta"], ctl["on_string"])
    keys = np.array([int(n["midi"]) for n in notes], dtype=np.int64)
    if keys.size:
        levels = key_levels(synth, keys, path if path is not None else default_soundfont(), sr)
        ref = float(np.median(list(levels.values())))
        gain = np.array([ref / max(levels[int(k)], 1e-6) for k in keys])
        # the note sounding at each control sample (the last one through rests, when amp is 0 anyway)
        note = np.maximum.accumulate(np.where(ctl["note"] >= 0, ctl["note"], -1))
        amp = amp * np.where(note >= 0, gain[np.maximum(note, 0)], 1.0)
    # TinySoundFont's expression gain is ~cubic in the controller value: take the cube root so the
    # output amplitude is proportional to bow speed / beta.
    expr = np.round(16383 * np.clip(amp / 0.9, 0.0, 1.0) ** (1.0 / 3.0)).astype(np.int64)
    bend = np.clip(np.round(8192 + ctl["vibrato_cents"] / (100.0 * BEND_RANGE_SEMITONES) * 8192), 0, 16383)
    bend = bend.astype(np.int64)
    step = int(round(_STEP_S * sr))
    events = _midi_events(ctl, notes, n_samples, sr)
    cuts = np.union1d(np.arange(0, n_samples, step), [e[0] for e in events] + [n_samples])
    out = np.zeros(n_samples, dtype=np.float32)
    e_i, last_expr, last_bend = 0, -1, -1
    for a, b in zip(cuts[:-1], cuts[1:]):
        while e_i < len(events) and events[e_i][0] <= a:
            _, _, kind, key = events[e_i]
            if kind == "on":
                synth.noteon(0, key, 100)
            else:
                synth.noteoff(0, key)
            e_i += 1
        j = min(int((a + b) / 2 * CTL_RATE / sr), amp.size - 1)  # control value at the block centre
        if expr[j] != last_expr:
            synth.control_change(0, 11, int(expr[j] >> 7))
            synth.control_change(0, 43, int(expr[j] & 127))
            last_expr = expr[j]
        if bend[j] != last_bend:
            synth.pitchbend(0, int(bend[j]))
            last_bend = bend[j]
        buf = synth.generate_simple(int(b - a))
        out[a:b] = np.frombuffer(buf, dtype=np.float32).reshape(-1, 2).mean(axis=1)
    peak = float(np.max(np.abs(out))) if out.size else 0.0
    out *= _LIFT  # TimGM6mb plays quietly; lift it to about the synth's level
    if peak * _LIFT > 0.99:  # only a loud soundfont needs this; the level mapping then changes by a constant
        out *= 0.99 / (peak * _LIFT)
    return out
