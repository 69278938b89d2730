"""A picture to check the coupling of one take by eye."""
from __future__ import annotations

import os

import numpy as np

from .coupling import RMWR, detect_onsets, frame_rms, measure_coupling, wrist_speed
from .take import Take

_STRINGS = ("G", "D", "A", "E")


def plot_coupling(take: Take, path: str | os.PathLike, t_range: tuple[float, float] | None = None) -> dict:
    """Save a PNG: right-wrist position and speed, string, audio RMS, onsets and bow changes on one time axis.

    Parameters
    ----------
    take : Take
        A simulated take.
    path : str or PathLike
        Output PNG path (parent folder must exist).
    t_range : (float, float), optional
        Time window in s to show (default: the whole take).

    Returns
    -------
    dict
        The ``measure_coupling`` figures printed in the title.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    st = take.state
    T = take.poses.shape[0]
    t = np.arange(T) / take.fps
    lo, hi = t_range if t_range is not None else (0.0, take.duration)
    m = (t >= lo) & (t <= hi)
    wrist = take.poses[:, RMWR]
    speed = wrist_speed(take)
    rms = frame_rms(take)
    onsets = detect_onsets(take)
    bc = np.asarray(st["bow_changes"], dtype=np.float64)
    figs = measure_coupling(take)

    fig, ax = plt.subplots(4, 1, figsize=(13, 9), sharex=True, gridspec_kw={"height_ratios": [2, 2, 1, 2]})
    for k, (name, c) in enumerate(zip("xyz", ("tab:red", "tab:green", "tab:blue"))):
        ax[0].plot(t[m], wrist[m, k] - np.median(wrist[m, k]), color=c, lw=1, label=f"RMWR {name}")
    ax[0].set_ylabel("wrist position\n(mm, median removed)")
    ax[0].legend(loc="upper right", ncol=3, fontsize=8)

    ax[1].plot(t[m], speed[m], color="k", lw=1, label="|RMWR velocity| (from poses)")
    ax[1].plot(t[m], np.abs(st["bow_speed"][m]), color="tab:orange", lw=1, alpha=0.8, label="|bow speed| (hidden state)")
    ax[1].set_ylabel("speed (mm/s)")
    ax[1].legend(loc="upper right", fontsize=8)

    s = np.asarray(st["string"], dtype=np.float64)
    s[s < 0] = np.nan
    ax[2].step(t[m], s[m], where="post", color="tab:purple", lw=1.5)
    ax[2].set_yticks(range(4), _STRINGS)
    ax[2].set_ylim(-0.5, 3.5)
    ax[2].set_ylabel("string\n(gap = bow lifted)")

    ax[3].plot(t[m], rms[m], color="tab:blue", lw=1, label="audio RMS (hop 882)")
    top = float(rms[m].max()) if m.any() else 1.0
    on_m = onsets[(onsets >= lo) & (onsets <= hi)]
    bc_m = bc[(bc >= lo) & (bc <= hi)]
    ax[3].vlines(on_m, 0.55 * top, 1.05 * top, color="tab:red", lw=0.8, label="detected onsets")
    ax[3].plot(bc_m, np.full(bc_m.shape, 0.5 * top), "v", color="k", ms=4, label="true bow changes")
    ax[3].set_ylabel("RMS")
    ax[3].set_xlabel("time (s)")
    ax[3].legend(loc="upper right", fontsize=8, ncol=3)
    # shade articulations so sustained / détaché stretches are visible
    art = np.asarray(st["articulation"])
    colors = {"detache": "#e8f4e8", "sustained": "#e8eef8", "slur": "#f8f0e0", "martele": "#f8e4e4",
              "spiccato": "#f0e8f8"}
    for a, c in colors.items():
        on = (art == a) & m
        edges = np.flatnonzero(np.diff(np.concatenate([[0], on.astype(np.int8), [0]])))
        for i0, i1 in zip(edges[::2], edges[1::2]):
            for x in ax:
                x.axvspan(t[i0], t[min(i1, T - 1)], color=c, zorder=0, lw=0)
            ax[2].text(t[i0], 3.3, a, fontsize=7, va="top")
    for x in ax:
        x.grid(alpha=0.3)
    fig.suptitle(f"{take.take_id} ({st.get('renderer', '?')}, {st.get('tempo_bpm', float('nan')):.0f} BPM): "
                 f"RMS~wrist speed r = {figs['rms_speed_r']:.2f} on sustained frames, "
                 f"détaché bow changes with onset ≤40 ms = {figs['onset_hit_rate']:.0%}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return figs
