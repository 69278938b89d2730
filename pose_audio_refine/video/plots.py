"""The figures of ``tools/refine_video.py``.

* :func:`plot_wrists` (Fig. 7 style): each wrist's x/y/z over time, raw estimate against refined, audio RMS and
  onsets beneath.
* :func:`plot_bowing_wrist`: what the sound did. The bowing (right) wrist along its main axis of motion and its
  speed: truth (when known), the raw estimate, the pose-only and the audio-informed refinements, bow changes
  marked and fast-stroke passages shaded; a 3 s excerpt beside the whole clip. The truth comes from a file
  :func:`load_truth` reads (the bundled demo's ``violin_demo_truth.npz``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..skeletons import get_skeleton
from ..units import MM_PER_UNIT

__all__ = ["wrist_indices", "audio_envelope", "plot_wrists", "FAST_STROKES", "Truth", "load_truth",
           "check_truth", "fast_spans", "choose_excerpt", "bowing_figure", "plot_bowing_wrist"]

#: Articulations that count as fast strokes (shaded). The same names as ``training.simulator.score.FAST_STROKES``
#: (a test keeps them equal): repeated so that the package runs without the training code.
FAST_STROKES: tuple[str, ...] = ("sautille", "tremolo", "fast_detache", "ricochet", "bariolage")

_AXIS_HINT = {"-y": ("x (image right)", "y (down)", "z (away from camera)"),
              "z": ("x", "y", "z (up)"), "y": ("x", "y (up)", "z")}


def wrist_indices(skeleton) -> dict[str, int]:
    """``{"left": j, "right": j}``: the wrist joints of ``skeleton`` (by name)."""
    names = [n.lower() for n in get_skeleton(skeleton).joint_names]
    out = {}
    for side, keys in (("right", ("right_wrist", "rmwr", "rwrist", "rwri")), ("left", ("left_wrist", "lmwr",
                                                                                           "lwrist", "lwri"))):
        hit = [i for i, n in enumerate(names) if n in keys]
        if not hit:
            raise ValueError(f"skeleton {get_skeleton(skeleton).name!r} has no {side} wrist joint")
        out[side] = hit[0]
    return out


def audio_envelope(y: np.ndarray, sr: int, hop: int = 512) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """RMS envelope and onset times of a mono signal.

    Parameters
    ----------
    y : np.ndarray, shape (n,)
        Mono float signal.
    sr : int
        Sample rate, Hz.
    hop : int
        Hop between RMS frames, samples.

    Returns
    -------
    times : np.ndarray, shape (F,)
        RMS frame times, s.
    rms : np.ndarray, shape (F,)
        RMS (full scale = 1).
    onsets : np.ndarray, shape (K,)
        Onset times, s (librosa's detector); empty for silence.
    """
    import librosa  # noqa: PLC0415

    y = np.asarray(y, dtype=np.float32)
    rms = librosa.feature.rms(y=y, frame_length=2 * hop, hop_length=hop)[0]
    times = librosa.frames_to_time(np.arange(rms.size), sr=sr, hop_length=hop)
    onsets = np.zeros(0)
    if rms.max(initial=0.0) > 1e-4:  # librosa finds "onsets" in numerical noise otherwise
        onsets = librosa.onset.onset_detect(y=y, sr=sr, hop_length=hop, units="time", backtrack=False)
    return times, rms, onsets


def plot_wrists(path, refined: np.ndarray, refined_times: np.ndarray, raw: np.ndarray, raw_times: np.ndarray,
                skeleton, units: str, audio: np.ndarray | None = None, sr: int | None = None,
                title: str = "", t_range: tuple[float, float] | None = None) -> Path:
    """Write the before/after PNG.

    Parameters
    ----------
    path : str or Path
        Output ``.png``.
    refined : np.ndarray, shape (T_out, J, 3)
        Refined poses at ``refined_times`` ``(T_out,)`` s.
    raw : np.ndarray, shape (T, J, 3)
        The raw estimate at ``raw_times`` ``(T,)`` s; NaN frames (not estimated) are left out.
    skeleton : str or Skeleton
        Joint set of both tracks (finds the wrists, names the axes).
    units : str
        Units of both tracks; plotted in mm.
    audio : np.ndarray, optional
        Mono signal ``(n,)`` at ``sr`` Hz starting at time 0; None draws a "no audio" panel.
    title : str
        Figure title.
    t_range : (float, float), optional
        Time span to show, s (default: everything).

    Returns
    -------
    Path
    """
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    skel = get_skeleton(skeleton)
    k = MM_PER_UNIT[units]
    wr = wrist_indices(skel)
    labels = _AXIS_HINT.get(skel.up_axis, ("x", "y", "z"))
    # Fixed margins instead of tight_layout: as readable here, and it halves the time to draw the figure.
    fig, axes = plt.subplots(4, 2, figsize=(13, 9), sharex=True, gridspec_kw=dict(
        height_ratios=[1, 1, 1, 0.8], left=0.07, right=0.985, bottom=0.06, top=0.92, hspace=0.12, wspace=0.16))
    env = audio_envelope(audio, sr) if audio is not None and np.size(audio) and sr else None
    for col, side in enumerate(("left", "right")):
        j = wr[side]
        seen = np.isfinite(raw[:, j]).all(-1)
        for c in range(3):
            ax = axes[c, col]
            ax.plot(raw_times[seen], raw[seen, j, c] * k, ".-", color="0.55", lw=0.8, ms=3.5,
                    label=f"raw estimate ({seen.sum()} frames)")
            ax.plot(refined_times, refined[:, j, c] * k, "-", color="C3" if side == "right" else "C0", lw=1.4,
                    label=f"refined ({refined_times.size} frames)")
            ax.set_ylabel(f"{labels[c]} (mm)")
            ax.grid(alpha=0.3)
            if c == 0:
                ax.set_title(f"{side} wrist ({skel.joint_names[j]})")
                ax.legend(loc="upper right", fontsize=8)
        ax = axes[3, col]
        if env is not None:
            t, rms, onsets = env
            ax.plot(t, rms, color="k", lw=0.8, label="audio RMS")
            for o in onsets:
                ax.axvline(o, color="C2", lw=0.6, alpha=0.6)
            ax.plot([], [], color="C2", lw=0.6, label=f"onsets ({len(onsets)})")
            ax.legend(loc="upper right", fontsize=8)
            if rms.max(initial=0) < 1e-4:
                ax.text(0.5, 0.5, "silent audio", transform=ax.transAxes, ha="center", va="center", color="C3")
        else:
            ax.text(0.5, 0.5, "no audio (pose-only refinement)", transform=ax.transAxes, ha="center",
                    va="center", color="C3")
        ax.set_ylabel("RMS")
        ax.set_xlabel("time (s)")
        ax.grid(alpha=0.3)
    if t_range is not None:
        axes[0, 0].set_xlim(*t_range)
    fig.suptitle(title or "wrists: raw estimate vs refined", fontsize=11)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


# --------------------------------------------------------------------------------------------- bowing wrist
@dataclass
class Truth:
    """A ground-truth track and what a simulator knew about it.

    Attributes
    ----------
    poses : np.ndarray, shape (T, J, 3)
        In ``units``.
    times : np.ndarray, shape (T,)
        s, on the video's clock.
    skeleton : str
    units : str
    bow_changes : np.ndarray or None
        ``(K,)`` true bow-change times, s.
    articulation_code : np.ndarray or None
        ``(T,)`` int, per frame an index into ``articulation_names``; -1 where no note sounds.
    articulation_names : tuple of str or None
    path : Path or None
        The file it was read from.
    """

    poses: np.ndarray
    times: np.ndarray
    skeleton: str
    units: str
    bow_changes: np.ndarray | None = None
    articulation_code: np.ndarray | None = None
    articulation_names: tuple[str, ...] | None = None
    path: Path | None = None


def load_truth(path) -> Truth:
    """Read a truth file: a saved result (``RefineResult.save``) with optional extra ``.npz`` arrays.

    Parameters
    ----------
    path : str or Path
        ``.npz``/``.json``/``.csv`` result file. In an ``.npz``, optional ``bow_changes`` ``(K,)`` (s) and
        ``articulation_code`` ``(T,)`` with ``articulation_names`` ``(A,)`` (what ``tools/make_demo.py`` writes).

    Returns
    -------
    Truth

    Raises
    ------
    FileNotFoundError, ValueError
        Missing file; not a result file; extra arrays of the wrong shape, or codes without their names.
    """
    from ..refiner import RefineResult  # noqa: PLC0415 - torch only when used

    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"truth file not found: {p}")
    res = RefineResult.load(p)
    poses = np.asarray(res.poses, dtype=np.float64)
    if poses.ndim != 3:
        raise ValueError(f"truth file {p}: poses must be one person (T, J, 3), got shape {poses.shape}")
    bow = codes = names = None
    if p.suffix.lower() == ".npz":
        with np.load(p, allow_pickle=False) as z:
            if "bow_changes" in z.files:
                bow = np.sort(np.asarray(z["bow_changes"], dtype=np.float64).ravel())
            if "articulation_code" in z.files:
                codes = np.asarray(z["articulation_code"]).astype(np.int64)
                if "articulation_names" not in z.files:
                    raise ValueError(f"truth file {p}: articulation_code without articulation_names")
                names = tuple(str(n) for n in z["articulation_names"])
    if codes is not None:
        if codes.shape != poses.shape[:1]:
            raise ValueError(f"truth file {p}: articulation_code must have shape {poses.shape[:1]}, "
                             f"got {codes.shape}")
        if codes.size and (codes.min() < -1 or codes.max() >= len(names)):
            raise ValueError(f"truth file {p}: articulation_code outside -1..{len(names) - 1}")
    return Truth(poses, np.asarray(res.times, dtype=np.float64), res.skeleton, res.units, bow, codes, names, p)


def check_truth(truth: Truth, skeleton) -> None:
    """Raise ValueError unless ``truth`` has the joint set of the track it is compared with."""
    skel = get_skeleton(skeleton)
    if get_skeleton(truth.skeleton).name != skel.name or truth.poses.shape[1] != len(skel.joint_names):
        raise ValueError(f"truth file {truth.path}: skeleton {truth.skeleton!r} ({truth.poses.shape[1]} joints) "
                         f"differs from the poses' {skel.name!r} ({len(skel.joint_names)} joints)")


def fast_spans(truth: Truth, fast: tuple[str, ...] = FAST_STROKES) -> list[tuple[float, float, str]]:
    """Passages of fast strokes in the truth, ``[(start, end, articulation), ...]`` (s); empty without codes."""
    if truth.articulation_code is None or truth.times.size == 0:
        return []
    names = truth.articulation_names
    is_fast = np.array([c >= 0 and names[c] in fast for c in truth.articulation_code])
    dt = float(np.median(np.diff(truth.times))) if truth.times.size > 1 else 0.0
    spans: list[tuple[float, float, str]] = []
    start = None
    for i, c in enumerate(truth.articulation_code):
        # A passage ends where the articulation changes, not only where fast strokes stop (tremolo then sautille).
        if start is not None and (not is_fast[i] or c != truth.articulation_code[start]):
            spans.append((float(truth.times[start]), float(truth.times[i - 1]) + dt,
                          names[truth.articulation_code[start]]))
            start = None
        if start is None and is_fast[i]:
            start = i
    if start is not None:
        spans.append((float(truth.times[start]), float(truth.times[-1]) + dt, names[truth.articulation_code[start]]))
    return spans


def choose_excerpt(duration: float, spans: list[tuple[float, float, str]], events: np.ndarray | None = None,
                   length: float = 3.0, step: float = 0.02) -> tuple[float, float]:
    """The ``length`` s window to zoom into: where the fast strokes are.

    Parameters
    ----------
    duration : float
        Clip length, s.
    spans : list of (float, float, str)
        Fast-stroke passages (:func:`fast_spans`).
    events : np.ndarray, optional
        Bow-change times, s: among windows, the most bow changes inside fast passages wins (the fastest strokes
        show the most), then the most fast-passage time.
    length, step : float
        Window length and the grid of its candidate starts, s.

    Returns
    -------
    (float, float)
        ``(0, min(length, duration))`` without fast passages; else the middle of the best-scoring starts.
    """
    if not spans or duration <= length:
        return 0.0, float(min(length, duration))
    starts = np.arange(0.0, duration - length + step / 2, step)
    ev = np.zeros(0) if events is None else np.asarray(events, dtype=np.float64)
    ev = ev[[any(a <= e < b for a, b, _ in spans) for e in ev]] if ev.size else ev
    n_ev = np.array([np.count_nonzero((ev >= s) & (ev <= s + length)) for s in starts])
    overlap = np.array([sum(max(0.0, min(b, s + length) - max(a, s)) for a, b, _ in spans) for s in starts])
    score = n_ev * 1e3 + np.round(overlap, 6)  # lexicographic: events first, then time
    best = starts[score == score.max()]
    s0 = float(best[best.size // 2])  # the middle of a tie keeps the passage centred, not at an edge
    return s0, s0 + length


def _principal_axis(track: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and first principal direction of ``(T, 3)`` points (NaN rows skipped); sign: largest entry > 0."""
    ok = np.isfinite(track).all(-1)
    mean = track[ok].mean(0)
    if ok.sum() < 2:
        return mean, np.array([1.0, 0.0, 0.0])
    axis = np.linalg.svd(track[ok] - mean, full_matrices=False)[2][0]
    return mean, axis * np.sign(axis[np.argmax(np.abs(axis))])


def _speed(track: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Speed of a ``(T, 3)`` track between consecutive samples one grid step apart, at the midpoints (mm/s)."""
    if times.size < 2:
        return np.zeros(0), np.zeros(0)
    dt = np.diff(times)
    v = np.linalg.norm(np.diff(track, axis=0), axis=-1) / dt
    # Across a dropped frame the "speed" would be a chord's average: left out rather than drawn as if measured.
    ok = np.isfinite(v) & (dt <= 1.5 * np.median(dt))
    return (times[:-1] + dt / 2)[ok], v[ok]


def _errors(track: np.ndarray, times: np.ndarray, truth: np.ndarray, t_truth: np.ndarray) -> tuple[float, float]:
    """Mean 3D position error (mm) and mean velocity-vector error (mm/s) of a wrist track against the truth."""
    ref = np.stack([np.interp(times, t_truth, truth[:, c], left=np.nan, right=np.nan) for c in range(3)], -1)
    ok = np.isfinite(track).all(-1) & np.isfinite(ref).all(-1)
    pos = float(np.linalg.norm(track - ref, axis=-1)[ok].mean()) if ok.any() else float("nan")
    dt = np.diff(times)
    both = ok[1:] & ok[:-1] & (dt <= 1.5 * np.median(dt)) if dt.size else np.zeros(0, bool)
    dv = (np.diff(track, axis=0) - np.diff(ref, axis=0)) / dt[:, None] if dt.size else np.zeros((0, 3))
    vel = float(np.linalg.norm(dv, axis=-1)[both].mean()) if both.any() else float("nan")
    return pos, vel


def bowing_figure(refined: np.ndarray, refined_times: np.ndarray, raw: np.ndarray, raw_times: np.ndarray,
                  skeleton, units: str, *, pose_only: np.ndarray | None = None, truth: Truth | None = None,
                  audio: np.ndarray | None = None, sr: int | None = None, audio_used: bool = True,
                  excerpt_s: float = 3.0, title: str = ""):
    """The bowing-wrist figure, not yet saved (see :func:`plot_bowing_wrist`).

    Parameters
    ----------
    refined : np.ndarray, shape (T_out, J, 3)
        The refinement (with the audio when ``audio_used``) at ``refined_times`` ``(T_out,)`` s.
    raw : np.ndarray, shape (T, J, 3)
        The raw estimate at ``raw_times`` ``(T,)`` s; drawn as dots where seen.
    skeleton : str or Skeleton
        Joint set of every track (the right wrist is the bowing wrist: telmi13 joint 5, RMWR).
    units : str
        Units of ``refined``, ``raw`` and ``pose_only``; plotted in mm.
    pose_only : np.ndarray, optional
        The same refiner run without audio, at ``refined_times``; None leaves that curve out.
    truth : Truth, optional
        Ground truth (:func:`load_truth`): drawn, its bow changes marked, its fast passages shaded.
    audio : np.ndarray, optional
        Mono signal at ``sr`` Hz from time 0: bow changes are its librosa onsets when the truth has none.
    audio_used : bool
        Whether ``refined`` used the audio (else it is labelled a pose-only refinement).
    excerpt_s : float
        Length of the zoomed excerpt, s.
    title : str
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Axes ``[[excerpt position, whole position], [excerpt speed, whole speed]]``; every drawn artist has a
        ``gid``: ``truth``, ``raw``, ``pose_only``, ``audio`` (curves), ``bow_change`` (vertical lines),
        ``fast`` (shaded passages).
    info : dict
        ``curves`` (gid -> legend label), ``bow_changes`` (the times marked, s), ``bow_change_source``
        (``"truth"``, ``"audio onsets (librosa)"`` or None), ``fast_spans``, ``excerpt`` (s, s), ``axis``
        (unit vector of the main axis, in the tracks' frame), ``wrist_error`` (gid -> ``{"position_mm",
        "velocity_mm_s"}`` against the truth; empty without it).
    """
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    skel = get_skeleton(skeleton)
    j = wrist_indices(skel)["right"]
    k = MM_PER_UNIT[units]
    t_end = float(refined_times[-1]) if refined_times.size else 0.0
    tracks = {"audio": (refined[:, j] * k, refined_times)}
    if pose_only is not None:
        tracks["pose_only"] = (pose_only[:, j] * k, refined_times)
    tracks["raw"] = (raw[:, j] * k, raw_times)
    bow_changes, source, spans = None, None, []
    if truth is not None:
        check_truth(truth, skel)
        keep = truth.times <= t_end + 1e-9  # --max-seconds: the truth beyond the clip is not shown
        tracks["truth"] = (truth.poses[keep, j] * MM_PER_UNIT[truth.units], truth.times[keep])
        if truth.bow_changes is not None:
            bow_changes, source = truth.bow_changes[truth.bow_changes <= t_end], "truth"
        spans = [(a, min(b, t_end), n) for a, b, n in fast_spans(truth) if a < t_end]
    if bow_changes is None and audio is not None and np.size(audio) and sr:
        bow_changes, source = audio_envelope(audio, sr)[2], "audio onsets (librosa)"
        bow_changes = bow_changes[bow_changes <= t_end]
    mean, axis = _principal_axis(tracks["audio"][0])
    style = {"truth": dict(color="k", lw=1.3, ls="-"), "raw": dict(color="0.45", ls="none", marker="o", ms=3),
             "pose_only": dict(color="C0", lw=1.2, ls="--"), "audio": dict(color="C3", lw=1.4, ls="-")}
    errors = {}
    if "truth" in tracks:
        errors = {g: dict(zip(("position_mm", "velocity_mm_s"), _errors(*tracks[g], *tracks["truth"])))
                  for g in ("raw", "pose_only", "audio") if g in tracks}
    seen = int(np.isfinite(tracks["raw"][0]).all(-1).sum())
    labels = {"truth": "truth", "raw": f"raw estimate ({seen} frames)", "pose_only": "pose-only refinement",
              "audio": "audio-informed refinement" if audio_used else "refinement (pose-only: no audio)"}
    for g, e in errors.items():
        labels[g] += f"  [{e['position_mm']:.1f} mm, {e['velocity_mm_s']:.0f} mm/s off]"
    excerpt = choose_excerpt(t_end, [(a, b, n) for a, b, n in spans], bow_changes, excerpt_s)

    fig, axes = plt.subplots(2, 2, figsize=(14, 7.5), sharex="col", gridspec_kw=dict(
        width_ratios=[1, 2], height_ratios=[1.3, 1], left=0.06, right=0.99, bottom=0.16, top=0.92, hspace=0.08,
        wspace=0.12))
    order = [g for g in ("truth", "raw", "pose_only", "audio") if g in tracks]  # the audio curve on top
    for col, (lo, hi) in enumerate((excerpt, (0.0, t_end))):
        pad = 0.02 * (hi - lo)
        for g in order:
            x, t = tracks[g]
            m = (t >= lo - pad) & (t <= hi + pad)  # only what is shown, so the y-range fits the panel
            pos = (x[m] - mean) @ axis
            ts, sp = _speed(x[m], t[m])
            dots = np.isfinite(pos) if g == "raw" else np.ones(pos.shape, bool)  # one dot per frame seen
            axes[0, col].plot(t[m][dots], pos[dots], gid=g, label=labels[g], **style[g])
            axes[1, col].plot(ts, sp, gid=g, label=labels[g], **style[g])
        for ax in axes[:, col]:
            for a, b, name in spans:
                if b > lo and a < hi:
                    ax.axvspan(max(a, lo), min(b, hi), color="C1", alpha=0.13, lw=0, gid="fast")
            for tb in (bow_changes if bow_changes is not None else []):
                if lo <= tb <= hi:
                    ax.axvline(tb, color="C2", lw=0.5, alpha=0.7, gid="bow_change")
            ax.grid(alpha=0.3)
        for a, b, name in spans:  # name each passage where it is shown
            if b > lo and a < hi:
                axes[0, col].text((max(a, lo) + min(b, hi)) / 2, 0.97, name, ha="center", va="top", fontsize=8,
                                  color="C1", transform=axes[0, col].get_xaxis_transform())
        axes[1, col].set_xlim(lo, hi)
        axes[1, col].set_xlabel("time (s)")
        axes[0, col].set_title(f"excerpt {lo:.2f}-{hi:.2f} s" if col == 0 else "whole clip", fontsize=10)
    axes[0, 0].set_ylabel("along the main axis (mm)")
    axes[1, 0].set_ylabel("speed (mm/s)")
    handles, texts = axes[0, 1].get_legend_handles_labels()
    if bow_changes is not None:
        handles.append(plt.Line2D([], [], color="C2", lw=0.8))
        texts.append(f"bow changes: {source} ({len(bow_changes)})")
    else:
        handles.append(plt.Line2D([], [], color="none"))
        texts.append("bow changes: none marked (no truth, no audio)")
    if spans:
        handles.append(plt.Rectangle((0, 0), 1, 1, color="C1", alpha=0.13))
        texts.append("fast strokes (truth)")
    fig.legend(handles, texts, loc="lower center", ncol=3, fontsize=9, frameon=False)
    ax_txt = ", ".join(f"{c:+.2f}" for c in axis)
    fig.suptitle(title or f"bowing wrist ({skel.joint_names[j]}): position along its main axis ({ax_txt}, "
                          f"PCA of the refinement) and speed", fontsize=11)
    info = {"curves": {g: labels[g] for g in order}, "bow_changes": np.asarray(
        bow_changes if bow_changes is not None else [], dtype=np.float64), "bow_change_source": source,
            "fast_spans": spans, "excerpt": excerpt, "axis": axis, "wrist_error": errors}
    return fig, info


def plot_bowing_wrist(path, refined: np.ndarray, refined_times: np.ndarray, raw: np.ndarray, raw_times: np.ndarray,
                      skeleton, units: str, **kwargs) -> dict:
    """Write the bowing-wrist PNG (:func:`bowing_figure`, same arguments after ``path``).

    Parameters
    ----------
    path : str or Path
        Output ``.png``.
    refined, refined_times, raw, raw_times, skeleton, units, **kwargs
        As :func:`bowing_figure`.

    Returns
    -------
    dict
        :func:`bowing_figure`'s ``info`` plus ``path``.
    """
    import matplotlib.pyplot as plt  # noqa: PLC0415

    fig, info = bowing_figure(refined, refined_times, raw, raw_times, skeleton, units, **kwargs)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fig.savefig(path, dpi=90)
    finally:
        plt.close(fig)
    info["path"] = path
    return info
