"""A violinist simulator where the motion causes the sound.

``simulate_take`` draws a score, plays it with a simulated performer's bow and left hand (hidden state
at a 1 kHz control rate), turns that state into ``telmi13`` joints at 50 fps and, from the *same* state,
renders audio (additive synthesizer or SoundFont violin). See ``docs/simulator_coupling.png``.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from .bowing import CTL_RATE, bow_state
from .kinematics import JOINTS, poses_from_state
from .lefthand import left_hand_state
from .performer import Performer, resolve_performer, sample_performer
from .score import ARTICULATIONS, generate_score
from .take import Take

__all__ = ["simulate_take", "sample_performer", "Performer", "Take", "JOINTS", "RENDERERS"]

RENDERERS = ("synth", "soundfont", "synth_alt")
FPS = 50.0
SR = 44100


def _rng(seed: int, stream: int) -> np.random.Generator:
    """Independent generator per stage, so changing one stage leaves the others' draws unchanged."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream,)))


def simulate_take(seed: int, duration: float = 30.0, renderer: str = "synth", soundfont: str | None = None,
                  performer=None, reverb: bool = False, noise_snr_db: float | None = None,
                  fast_strokes: float = 0.0) -> Take:
    """Simulate one take: a performer plays a random score; poses and audio come from one bow state.

    Parameters
    ----------
    seed : int
        Non-negative seed of the take (score, bowing, body motion, audio noise). Same inputs, same take.
    duration : float
        Length in s (> 0). Poses have ``T = round(duration * 50)`` frames.
    renderer : {"synth", "soundfont", "synth_alt"}
        Additive numpy synthesizer, violin samples from a SoundFont via ``tinysoundfont``, or the additive
        synthesizer with another instrument and player (``synth.ALT_VOICE``; held out of training to test
        generalisation to an unheard synthesis).
    soundfont : str or PathLike, optional
        ``.sf2``/``.sf3`` file for ``renderer="soundfont"``; default ``pretty_midi``'s ``TimGM6mb.sf2``.
        A missing file raises ``FileNotFoundError``; a soundfont without a violin (bank 0, program 40)
        raises ``ValueError``.
    performer : Performer, int or None
        The player: a ``Performer``, a performer seed for ``sample_performer``, or ``None`` to use
        ``sample_performer(seed)``.
    reverb : bool
        Add a room reverb (exponential-noise impulse response, RT60 0.4–1.0 s).
    noise_snr_db : float, optional
        Add white background noise at this SNR (dB).
    fast_strokes : float
        Probability (0..1) that a passage is a fast stroke -- sautillé, tremolo, fast détaché, ricochet or
        bariolage (``score.FAST_STROKES``) -- and, when > 0, shifts glide in pitch with the hand. 0 gives the
        original simulator's takes exactly.

    Returns
    -------
    Take
        ``poses`` ``(T, 13, 3)`` mm at 50 fps (``telmi13``, left-toe origin), ``audio`` ``(n,)`` float32
        at 44100 Hz with ``n = round(T / 50 * 44100)``, ids, and frame-rate hidden ``state`` (see
        ``Take``; extra keys: ``on_string``, ``lift_mm``, ``hand_mm``, ``vibrato_cents``, ``beta``,
        ``dynamic``, ``bow_change_articulation``, ``note_onset_slurred``, ``strokes``, ``rests``,
        ``tempo_bpm``, ``renderer``).
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    if isinstance(duration, bool) or not isinstance(duration, numbers.Real):
        raise TypeError(f"duration must be a number of seconds, got {type(duration).__name__}")
    if not math.isfinite(duration) or duration <= 0:
        raise ValueError(f"duration must be a positive finite number of seconds, got {duration}")
    if renderer not in RENDERERS:
        raise ValueError(f"renderer must be one of {RENDERERS}, got {renderer!r}")
    if noise_snr_db is not None and not (isinstance(noise_snr_db, numbers.Real) and math.isfinite(noise_snr_db)):
        raise ValueError(f"noise_snr_db must be a finite number or None, got {noise_snr_db!r}")
    seed = int(seed)
    perf = resolve_performer(performer, seed)
    n_frames = int(round(duration * FPS))
    if n_frames < 2:
        raise ValueError(f"duration must cover at least 2 frames at {FPS:g} fps, got {duration} s")
    n_samples = int(round(n_frames / FPS * SR))
    n_ctl = int(math.ceil(n_frames / FPS * CTL_RATE)) + 2
    dur = n_frames / FPS

    if not (isinstance(fast_strokes, numbers.Real) and 0.0 <= fast_strokes <= 1.0):
        raise ValueError(f"fast_strokes must be a probability in [0, 1], got {fast_strokes!r}")
    score = generate_score(_rng(seed, 1), dur, fast_strokes=float(fast_strokes))
    ctl = bow_state(score, perf, _rng(seed, 2), n_ctl)
    ctl.update(left_hand_state(score, perf, _rng(seed, 3), n_ctl, glide=fast_strokes > 0))
    notes = [n.as_dict() for n in score.notes]

    if renderer in ("synth", "synth_alt"):
        from .synth import ALT_VOICE, render_synth
        audio = render_synth(ctl, SR, n_samples, _rng(seed, 4), **(ALT_VOICE if renderer == "synth_alt" else {}))
    else:
        from .soundfont import render_soundfont
        audio = render_soundfont(ctl, notes, SR, n_samples, soundfont)
    if reverb or noise_snr_db is not None:
        from .effects import add_noise, add_reverb
        fx = _rng(seed, 5)
        if reverb:
            audio = add_reverb(audio, SR, fx, rt60=float(fx.uniform(0.4, 1.0)), wet=float(fx.uniform(0.1, 0.35)))
        if noise_snr_db is not None:
            audio = add_noise(audio, float(noise_snr_db), fx)

    fi = np.minimum(np.round(np.arange(n_frames) / FPS * CTL_RATE).astype(np.int64), n_ctl - 1)
    frame = {k: ctl[k][fi] for k in ("bow_pos", "bow_speed", "lift", "arm_string", "hand_mm", "vibrato_mm")}
    passages: dict[int, list[float]] = {}
    for n in score.notes:
        span = passages.setdefault(n.passage, [n.start, n.end])
        span[0], span[1] = min(span[0], n.start), max(span[1], n.end)
    poses = poses_from_state(perf, frame, np.arange(n_frames) / FPS, _rng(seed, 6), list(passages.values()))

    artic_names = np.array(list(ARTICULATIONS) + ["rest"])
    state = {
        "string": ctl["string"][fi].copy(),
        "bow_pos": frame["bow_pos"],
        "bow_speed": frame["bow_speed"],
        "sounding": ctl["sounding"][fi].copy(),
        "pitch_hz": ctl["pitch_hz"][fi].copy(),  # held through rests; see "sounding"
        "bow_changes": ctl["bow_changes"],
        "note_onsets": ctl["note_onsets"],
        "articulation": artic_names[ctl["artic"][fi]],  # index -1 -> "rest"
        "notes": notes,
        "on_string": ctl["on_string"][fi].copy(),
        "lift_mm": frame["lift"],
        "hand_mm": frame["hand_mm"],
        "vibrato_cents": ctl["vibrato_cents"][fi].copy(),
        "vibrato_mm": frame["vibrato_mm"],
        "articulation_code": ctl["artic"][fi].astype(np.int8),  # index into ARTICULATIONS, -1 in rests
        "beta": ctl["beta"][fi].copy(),
        "dynamic": ctl["dynamic"][fi].copy(),
        "bow_change_articulation": np.array(ctl["bow_change_artic"], dtype=str),
        "note_onset_slurred": ctl["note_onset_slurred"],
        "attacks": ctl["attacks"],
        "strokes": ctl["strokes"],
        "rests": list(score.rests),
        "tempo_bpm": score.tempo,
        "renderer": renderer,
    }
    return Take(poses=poses, audio=audio, fps=FPS, sr=SR, take_id=f"take-{seed}-{perf.performer_id}",
                performer_id=perf.performer_id, state=state)
