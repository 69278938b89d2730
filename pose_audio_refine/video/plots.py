"""Fig. 7-style figure: each wrist's x/y/z over time, raw estimate against refined, audio RMS and onsets beneath."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..skeletons import get_skeleton
from ..units import MM_PER_UNIT

__all__ = ["wrist_indices", "audio_envelope", "plot_wrists"]

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
