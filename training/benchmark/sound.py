"""Metrics that look where audio can help: the joints that make the sound, the bow changes, the vibrato.

MPJPE over the whole body hides what the sound knows about: the bowing wrist and elbow (bow speed -> loudness,
bow changes -> onsets) and the left wrist (vibrato -> pitch wobble). This module scores those only:

* :func:`sound_joint_errors` -- MPJPE, velocity error and bias-free MPJPE of :data:`SOUND_JOINTS`.
* bow-change timing -- :func:`reversal_intervals` / :func:`reversal_times` (direction reversals with
  hysteresis; a stop of the bow is an interval), :func:`bow_axis` (the
  direction the bowing wrist moves along with the bow), :func:`bow_change_counts` (matched reversals of the
  predicted wrist against the simulator's ``bow_pos``) and :func:`f1_from_counts`.
* :func:`vibrato_errors` -- amplitude and rate of the left wrist's 4-8 Hz motion.
* :func:`window_stroke_type` -- each window's main articulation, to split every score by stroke type.

All poses are telmi13 ``(N, T, 13, 3)`` arrays in mm, frame ``k`` at ``k / fps`` s; pure numpy.
"""
from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["SOUND_JOINTS", "LEFT_WRIST", "TRUE_MIN_EXCURSION_MM", "PRED_MIN_EXCURSION_MM", "PLATEAU_MM",
           "PLATEAU_MIN_S", "VIBRATO_BAND_HZ", "VIBRATO_FLOOR_MM", "sound_joint_errors", "reversal_intervals",
           "reversal_times", "bow_axis", "bow_change_counts", "f1_from_counts", "vibrato_errors", "shift_errors", "SHIFT_MIN_MM", "window_stroke_type"]

#: telmi13 joints whose motion the sound reveals: the bowing wrist and elbow, and the left (vibrato) wrist.
SOUND_JOINTS: dict[str, int] = {"RMWR": 5, "RMEL": 3, "LMWR": 6}
#: telmi13 left wrist (vibrato, shifts).
LEFT_WRIST: int = 6
#: Hysteresis of the true bow changes, mm of bow: ``bow_pos`` is the simulator's noiseless state, so only
#: numerical wiggles must be rejected, and the shortest stroke (a ~10 mm tremolo) still clears it five times.
TRUE_MIN_EXCURSION_MM: float = 2.0
#: Hysteresis of the predicted bowing wrist, mm along the bow. Fast strokes travel 10-50 mm of bow; half of the
#: shortest (10 mm) keeps them detectable even when a prediction shrinks them by half, while a refined wrist's
#: residual wobble (a few mm peak to peak) stays below it and does not count as bow changes.
PRED_MIN_EXCURSION_MM: float = 5.0
#: A turning point where the trajectory stays within this many mm of its extremum for at least
#: :data:`PLATEAU_MIN_S` is a stop (a martelé, a stroke after a held note): the direction changes somewhere in
#: it, so the reversal is the stop's interval, not the instant a wobble happens to peak (a true wrist drifts by a
#: few mm during a stop, in either direction, and peaks at either end). The same value for truth and prediction.
PLATEAU_MM: float = 1.0
#: Shortest stop, s: two frames at 50 fps. A smooth reversal stays within :data:`PLATEAU_MM` of its peak that
#: long only when its acceleration is below ~1.25 m/s², far slower than any bow change of a played stroke.
PLATEAU_MIN_S: float = 0.04
#: Vibrato band, Hz (violin vibrato is 4-8 Hz; the simulated players use 5-7 Hz).
VIBRATO_BAND_HZ: tuple[float, float] = (4.0, 8.0)
#: Below this true band RMS (mm) a window holds no vibrato worth scoring (simulated vibrato is 2-5 mm peak,
#: ~1.4-3.5 mm RMS while it sounds).
VIBRATO_FLOOR_MM: float = 0.5


def _check_poses(pred: np.ndarray, gt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pred, gt = np.asarray(pred, dtype=np.float64), np.asarray(gt, dtype=np.float64)
    if pred.shape != gt.shape or pred.ndim != 4 or pred.shape[-1] != 3:
        raise ValueError(f"pred and gt must both be (N, T, J, 3), got {pred.shape} and {gt.shape}")
    return pred, gt


def _check_fps(fps: float) -> float:
    fps = float(fps)
    if not np.isfinite(fps) or fps <= 0:
        raise ValueError(f"fps must be a positive number, got {fps}")
    return fps


def _nanmean(x: np.ndarray, axis) -> np.ndarray:
    with warnings.catch_warnings():  # a joint never observed in a window is NaN in the prediction: NaN score
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(x, axis=axis)


def sound_joint_errors(pred: np.ndarray, gt: np.ndarray, joints: Iterable[int] = tuple(SOUND_JOINTS.values()),
                       fps: float = 50.0) -> dict[str, np.ndarray]:
    """Per-window errors of the sound-making joints.

    Parameters
    ----------
    pred, gt : np.ndarray
        ``(N, T, J, 3)`` mm, frame ``k`` at ``k / fps`` s (NaN in ``pred`` = joint not predicted; skipped).
    joints : iterable of int
        Joint indices to score (default :data:`SOUND_JOINTS`).
    fps : float
        Frame rate, Hz.

    Returns
    -------
    dict
        ``mpjpe`` (mm), ``velocity_error`` (mm/s: mean norm of the difference of the finite-difference
        velocities) and ``bias_free_mpjpe`` (mm: MPJPE after removing each window's mean offset ``pred - gt``
        per joint), each ``(N,)`` (mean over frames and joints); ``joint_mpjpe``, ``joint_velocity_error``,
        ``joint_bias_free_mpjpe``: the same per joint, ``(N, len(joints))`` in ``joints`` order.
    """
    pred, gt = _check_poses(pred, gt)
    fps = _check_fps(fps)
    j = [int(i) for i in joints]
    if not j:
        raise ValueError("joints must name at least one joint")
    p, g = pred[:, :, j], gt[:, :, j]
    err = p - g  # (N, T, J, 3)
    dist = np.linalg.norm(err, axis=-1)
    vel = np.linalg.norm(np.diff(err, axis=1), axis=-1) * fps  # (v_p - v_g) = d(p - g)/dt
    # A constant offset (a calibration or skeleton-fit bias) is not something audio can know; removing it
    # shows whether the motion itself is right.
    bias_free = np.linalg.norm(err - _nanmean(err, axis=1)[:, None], axis=-1)
    out = {}
    for key, e in (("mpjpe", dist), ("velocity_error", vel), ("bias_free_mpjpe", bias_free)):
        per_joint = _nanmean(e, axis=1)
        out["joint_" + key] = per_joint
        out[key] = per_joint.mean(axis=1)
    return out


# --------------------------------------------------------------------------------------------- bow changes
def reversal_intervals(x: np.ndarray, fps: float, min_excursion_mm: float, plateau_mm: float = PLATEAU_MM,
                       plateau_min_s: float = PLATEAU_MIN_S) -> np.ndarray:
    """When a 1-D trajectory reverses direction, with hysteresis; a stop is an interval.

    A turning point counts only once the trajectory has moved ``min_excursion_mm`` back from it, and the next
    one only once it has moved that far from this one, so wiggles smaller than the excursion are ignored. A
    reversal is the extremum's sample refined by a parabola through it and its two neighbours (start = end),
    except at a stop: when the samples around the extremum stay within ``plateau_mm`` of it for ``plateau_min_s``
    or longer, the reversal is that stretch (first to last sample).

    Parameters
    ----------
    x : np.ndarray
        ``(T,)`` positions, mm, sample ``k`` at ``k / fps`` s (NaN samples are skipped).
    fps : float
        Sample rate, Hz.
    min_excursion_mm : float
        Hysteresis, mm (> 0).
    plateau_mm, plateau_min_s : float
        A stop: within ``plateau_mm`` (mm) of the extremum for at least ``plateau_min_s`` (s).

    Returns
    -------
    np.ndarray
        ``(R, 2)`` start and end times, s, in increasing order.
    """
    x = np.asarray(x, dtype=np.float64)
    fps = _check_fps(fps)
    if x.ndim != 1:
        raise ValueError(f"x must be 1-D, got shape {x.shape}")
    if not min_excursion_mm > 0:
        raise ValueError(f"min_excursion_mm must be > 0, got {min_excursion_mm}")
    ok = np.flatnonzero(np.isfinite(x))
    if ok.size < 3:
        return np.zeros((0, 2))
    v = x[ok]
    e = float(min_excursion_mm)
    found: list[int] = []
    state, hi, lo = 0, 0, 0  # state: +1 rising, -1 falling, 0 not yet known; hi/lo: indices of the extremes
    for i in range(1, v.size):
        if state >= 0 and v[i] > v[hi]:
            hi = i
        if state <= 0 and v[i] < v[lo]:
            lo = i
        if state == 0:
            if v[i] - v[lo] >= e:
                state, hi = 1, i
            elif v[hi] - v[i] >= e:
                state, lo = -1, i
        elif state == 1 and v[hi] - v[i] >= e:
            found.append(hi)
            state, lo = -1, i
        elif state == -1 and v[i] - v[lo] >= e:
            found.append(lo)
            state, hi = 1, i
    out = []
    for k in found:
        a = b = k  # the stop around the extremum, if any: consecutive samples within plateau_mm of it
        while a > 0 and ok[a] - ok[a - 1] == 1 and abs(v[a - 1] - v[k]) <= plateau_mm:
            a -= 1
        while b + 1 < v.size and ok[b + 1] - ok[b] == 1 and abs(v[b + 1] - v[k]) <= plateau_mm:
            b += 1
        if (ok[b] - ok[a]) / fps >= plateau_min_s - 1e-9:
            out.append((ok[a] / fps, ok[b] / fps))
            continue
        t = float(ok[k])
        if 0 < k < v.size - 1 and ok[k + 1] - ok[k - 1] == 2:  # parabola only through evenly spaced samples
            p, q, r = v[k - 1], v[k], v[k + 1]
            den = p - 2.0 * q + r
            if den != 0:
                t += float(np.clip(0.5 * (p - r) / den, -0.5, 0.5))
        out.append((t / fps, t / fps))
    return np.asarray(out, dtype=np.float64).reshape(-1, 2)


def reversal_times(x: np.ndarray, fps: float, min_excursion_mm: float, plateau_mm: float = PLATEAU_MM,
                   plateau_min_s: float = PLATEAU_MIN_S) -> np.ndarray:
    """Times of the direction reversals of a 1-D trajectory, with hysteresis: the middle of each
    :func:`reversal_intervals` (the sub-frame extremum of a smooth reversal, the middle of a stop).

    Parameters
    ----------
    x : np.ndarray
        ``(T,)`` positions, mm, sample ``k`` at ``k / fps`` s (NaN samples are skipped).
    fps : float
        Sample rate, Hz.
    min_excursion_mm : float
        Hysteresis, mm (> 0).
    plateau_mm, plateau_min_s : float
        See :func:`reversal_intervals`.

    Returns
    -------
    np.ndarray
        ``(R,)`` increasing reversal times, s.
    """
    return reversal_intervals(x, fps, min_excursion_mm, plateau_mm, plateau_min_s).mean(axis=1)


def bow_axis(wrist_gt: np.ndarray, bow_pos: np.ndarray) -> np.ndarray:
    """The direction the true bowing wrist moves along with the bow.

    The bowing hand holds the frog, so the wrist follows ``bow_pos``: the least-squares fit
    ``wrist_gt ≈ c + b · bow_pos`` gives the slope ``b`` (3-vector); its direction is the bow axis.

    Parameters
    ----------
    wrist_gt : np.ndarray
        ``(T, 3)`` true bowing-wrist positions, mm.
    bow_pos : np.ndarray
        ``(T,)`` contact point's distance from the frog, mm.

    Returns
    -------
    np.ndarray
        ``(3,)`` unit vector (its sign is arbitrary: reversals do not depend on it); zeros when the bow does not
        move in the window (no axis, and no bow change to find).
    """
    w = np.asarray(wrist_gt, dtype=np.float64)
    b = np.asarray(bow_pos, dtype=np.float64)
    if w.ndim != 2 or w.shape[1] != 3 or b.shape != (w.shape[0],):
        raise ValueError(f"wrist_gt must be (T, 3) and bow_pos (T,), got {w.shape} and {b.shape}")
    ok = np.isfinite(w).all(axis=1) & np.isfinite(b)
    bc = b[ok] - b[ok].mean()
    var = float(bc @ bc)
    if ok.sum() < 2 or var < 1e-9:
        return np.zeros(3)
    slope = bc @ (w[ok] - w[ok].mean(axis=0)) / var
    norm = float(np.linalg.norm(slope))
    return slope / norm if norm > 0 else np.zeros(3)


def _match(pred_iv: np.ndarray, true_iv: np.ndarray, tol_s: float) -> list[tuple[int, int]]:
    """Greedy one-to-one matching of ``(R, 2)`` event intervals whose gap is at most ``tol_s``, closest first
    (the gap of two overlapping intervals is 0, of two instants their time difference)."""
    if pred_iv.size == 0 or true_iv.size == 0:
        return []
    gap = np.maximum(0.0, np.maximum(pred_iv[:, None, 0] - true_iv[None, :, 1],
                                     true_iv[None, :, 0] - pred_iv[:, None, 1]))
    cand = np.argwhere(gap <= tol_s + 1e-12)
    cand = cand[np.argsort(gap[cand[:, 0], cand[:, 1]], kind="stable")]
    used_p, used_t, pairs = set(), set(), []
    for p, t in cand:
        if p not in used_p and t not in used_t:
            used_p.add(p)
            used_t.add(t)
            pairs.append((int(p), int(t)))
    return pairs


def bow_change_counts(pred_wrist: np.ndarray, gt_wrist: np.ndarray, bow_pos: np.ndarray, fps: float = 50.0,
                      tol_s: float = 0.03, min_excursion_mm: float = PRED_MIN_EXCURSION_MM,
                      true_excursion_mm: float = TRUE_MIN_EXCURSION_MM) -> tuple[int, int, int]:
    """Bow changes found in one window's predicted bowing wrist, against the true ones.

    The predicted wrist is projected on the true :func:`bow_axis` and its reversals (:func:`reversal_intervals`,
    hysteresis ``min_excursion_mm``) are matched one to one, closest first, to the reversals of ``bow_pos``
    (hysteresis ``true_excursion_mm``) within ``± tol_s``; a stop of the bow is an interval, and a predicted
    reversal anywhere in it (± ``tol_s``) finds it. Events within ``tol_s`` of either window edge are ignored,
    since their partner may lie outside the window: a true event there does not count, and neither does a
    predicted one there unless matched to a counted true event; a predicted event matched to an ignored true
    one is not counted either.

    Parameters
    ----------
    pred_wrist, gt_wrist : np.ndarray
        ``(T, 3)`` predicted and true bowing-wrist positions, mm, frame ``k`` at ``k / fps`` s.
    bow_pos : np.ndarray
        ``(T,)`` true contact point's distance from the frog, mm.
    fps : float
        Frame rate, Hz.
    tol_s : float
        Matching tolerance, s.
    min_excursion_mm : float
        Hysteresis of the predicted wrist, mm along the bow (:data:`PRED_MIN_EXCURSION_MM`).
    true_excursion_mm : float
        Hysteresis of ``bow_pos``, mm (:data:`TRUE_MIN_EXCURSION_MM`).

    Returns
    -------
    (int, int, int)
        True positives, predicted bow changes, true bow changes. Sum them over windows and use
        :func:`f1_from_counts`.
    """
    fps = _check_fps(fps)
    pw = np.asarray(pred_wrist, dtype=np.float64)
    if pw.shape != np.asarray(gt_wrist).shape:
        raise ValueError(f"pred_wrist and gt_wrist must have one shape, got {pw.shape} and "
                         f"{np.asarray(gt_wrist).shape}")
    axis = bow_axis(gt_wrist, bow_pos)
    true_iv = reversal_intervals(np.asarray(bow_pos, dtype=np.float64), fps, true_excursion_mm)
    pred_iv = reversal_intervals(pw @ axis, fps, min_excursion_mm) if axis.any() else np.zeros((0, 2))
    end = (pw.shape[0] - 1) / fps

    def inside(iv: np.ndarray) -> np.ndarray:  # reaches into the window's interior
        return (iv[..., 1] >= tol_s) & (iv[..., 0] <= end - tol_s)

    pairs = _match(pred_iv, true_iv, tol_s)
    true_in, pred_in = inside(true_iv), inside(pred_iv)
    matched_p = dict(pairs)
    n_pred = sum(bool(true_in[matched_p[p]]) if p in matched_p else bool(pred_in[p]) for p in range(len(pred_iv)))
    tp = sum(bool(true_in[t]) for _, t in pairs)
    return int(tp), int(n_pred), int(true_in.sum())


def f1_from_counts(tp: int, n_pred: int, n_true: int) -> tuple[float, float, float]:
    """Precision, recall and F1 from (summed) :func:`bow_change_counts`.

    Returns
    -------
    (float, float, float)
        ``tp / n_pred``, ``tp / n_true`` and ``2 tp / (n_pred + n_true)``; NaN where the denominator is 0.
    """
    tp, n_pred, n_true = int(tp), int(n_pred), int(n_true)
    if not 0 <= tp <= min(n_pred, n_true):
        raise ValueError(f"need 0 <= tp <= min(n_pred, n_true), got {tp}, {n_pred}, {n_true}")

    def div(a: int, b: int) -> float:
        return a / b if b else float("nan")

    return div(tp, n_pred), div(tp, n_true), div(2 * tp, n_pred + n_true)


# ------------------------------------------------------------------------------------------------- vibrato
def _band(x: np.ndarray, fps: float, band: tuple[float, float]) -> np.ndarray:
    """``(N, T, 3)`` -> the same band-passed along time: linear trend removed, 10 % cosine taper at both ends
    (so the window's edges do not leak into the band), FFT bins outside ``band`` zeroed."""
    n_t = x.shape[1]
    t = np.arange(n_t) - (n_t - 1) / 2.0
    x = x - x.mean(axis=1, keepdims=True)
    x = x - (x * t[None, :, None]).sum(axis=1, keepdims=True) / (t @ t) * t[None, :, None]
    taper = np.ones(n_t)
    m = max(1, n_t // 10)
    ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(m) + 0.5) / m)
    taper[:m], taper[n_t - m:] = ramp, ramp[::-1]
    spec = np.fft.rfft(x * taper[None, :, None], axis=1)
    f = np.fft.rfftfreq(n_t, 1.0 / fps)
    spec[:, (f < band[0]) | (f > band[1])] = 0.0
    return np.fft.irfft(spec, n=n_t, axis=1) / np.sqrt((taper ** 2).mean())


def _peak_hz(y: np.ndarray, fps: float, band: tuple[float, float]) -> np.ndarray:
    """``(N, T)`` -> each row's spectral peak inside ``band``, Hz (zero-padded Hann spectrum, parabolic refine)."""
    n_fft = max(1024, 1 << int(np.ceil(np.log2(8 * y.shape[1]))))
    power = np.abs(np.fft.rfft(y * np.hanning(y.shape[1])[None], n=n_fft, axis=1)) ** 2
    f = np.fft.rfftfreq(n_fft, 1.0 / fps)
    sel = np.flatnonzero((f >= band[0]) & (f <= band[1]))
    k = sel[np.argmax(power[:, sel], axis=1)]
    rows = np.arange(y.shape[0])
    a, b, c = (np.log(power[rows, np.clip(k + d, 0, f.size - 1)] + 1e-300) for d in (-1, 0, 1))
    den = a - 2.0 * b + c
    off = np.where(den != 0, 0.5 * (a - c) / np.where(den != 0, den, 1.0), 0.0)
    return f[k] + np.clip(off, -0.5, 0.5) * (f[1] - f[0])


#: A shift: the hand moves at least this far (mm) along the neck within :data:`SHIFT_SPAN_S`.
SHIFT_MIN_MM = 10.0
#: Half the span (s) over which a shift's travel is measured: shifts take 50-150 ms (design/violin-physics.md).
SHIFT_SPAN_S = 0.1


def shift_errors(pred: np.ndarray, gt: np.ndarray, hand_mm: np.ndarray, fps: float = 50.0, joint: int = LEFT_WRIST,
                 min_mm: float = SHIFT_MIN_MM) -> dict[str, np.ndarray]:
    """How well each window's left-hand shifts are recovered at the left wrist.

    A shift is a local maximum of the hand's travel along the neck over ±:data:`SHIFT_SPAN_S` (``hand_mm``, the
    simulator's first-finger distance from the nut) of at least ``min_mm``, more than that span from the window's
    edges. The wrist follows the hand along an axis found by regressing the true wrist on ``hand_mm``
    (:func:`bow_axis`); on it, each shift's travel over the same span is compared (relative error) and so is the
    time of the wrist's fastest motion within it (the shift's timing, s).

    Parameters
    ----------
    pred, gt : np.ndarray
        ``(N, T, J, 3)`` mm, frame ``k`` at ``k / fps`` s.
    hand_mm : np.ndarray
        ``(N, T)`` true hand position along the neck, mm.
    fps : float
        Frame rate, Hz.
    joint : int
        The left wrist (telmi13 LMWR).
    min_mm : float
        Smallest hand travel that counts as a shift, mm.

    Returns
    -------
    dict
        ``(N,)`` arrays: ``n_shifts``, ``travel_error`` (mean relative error of the wrist's travel over the
        window's shifts) and ``timing_error`` (mean absolute timing error, s); NaN where a window has no shift.
    """
    pred, gt = np.asarray(pred, dtype=np.float64), np.asarray(gt, dtype=np.float64)
    hand = np.asarray(hand_mm, dtype=np.float64)
    if pred.shape != gt.shape or hand.shape != gt.shape[:2]:
        raise ValueError(f"pred and gt must be (N, T, J, 3) and hand_mm (N, T), got {pred.shape}, {gt.shape}, "
                         f"{hand.shape}")
    half = max(1, int(round(SHIFT_SPAN_S * fps)))
    n, t = hand.shape
    out = {"n_shifts": np.zeros(n, dtype=np.int64), "travel_error": np.full(n, np.nan),
           "timing_error": np.full(n, np.nan)}
    for i in range(n):
        travel = np.full(t, 0.0)
        travel[half:t - half] = hand[i, 2 * half:] - hand[i, :t - 2 * half]
        mag = np.abs(travel)
        centres: list[int] = []  # greedy non-maximum suppression: a glide is one shift, however flat its top
        for c in sorted(range(2 * half, t - 2 * half), key=lambda k: (-mag[k], k)):
            if mag[c] < min_mm:
                break
            if all(abs(c - d) > 2 * half for d in centres):
                centres.append(c)
        axis = bow_axis(gt[i, :, joint], hand[i])
        if not centres or not axis.any():
            continue
        p_ax, g_ax = pred[i, :, joint] @ axis, gt[i, :, joint] @ axis
        rel, dt = [], []
        for c in centres:
            d_true = g_ax[c + half] - g_ax[c - half]
            d_pred = p_ax[c + half] - p_ax[c - half]
            if abs(d_true) < 1e-6:
                continue
            rel.append(abs(d_pred - d_true) / abs(d_true))
            dt.append(abs(np.argmax(np.abs(np.diff(p_ax[c - half:c + half + 1]))) -
                          np.argmax(np.abs(np.diff(g_ax[c - half:c + half + 1])))) / fps)
        if rel:
            out["n_shifts"][i] = len(rel)
            out["travel_error"][i] = float(np.mean(rel))
            out["timing_error"][i] = float(np.mean(dt))
    return out


def vibrato_errors(pred: np.ndarray, gt: np.ndarray, fps: float = 50.0, joint: int = LEFT_WRIST,
                   band: tuple[float, float] = VIBRATO_BAND_HZ,
                   floor_mm: float = VIBRATO_FLOOR_MM) -> dict[str, np.ndarray]:
    """How well each window's left-wrist vibrato is recovered.

    The wrist's 3-D motion is band-passed to ``band`` and projected on the principal axis of the *true*
    band-passed motion (so a prediction that shakes in another direction does not pass for vibrato). On that
    axis ``A`` is the RMS amplitude and the rate is the spectral peak inside the band.

    Parameters
    ----------
    pred, gt : np.ndarray
        ``(N, T, J, 3)`` mm, frame ``k`` at ``k / fps`` s.
    fps : float
        Frame rate, Hz.
    joint : int
        Joint to score (telmi13 left wrist by default).
    band : (float, float)
        Pass band, Hz.
    floor_mm : float
        Windows whose true ``A`` is below this (mm RMS) hold no vibrato to score: their errors are NaN.

    Returns
    -------
    dict
        ``(N,)`` arrays: ``amp_true``, ``amp_pred`` (mm RMS), ``amp_error`` (``|A_pred - A_true| / A_true``),
        ``rate_true``, ``rate_pred`` (Hz), ``rate_error`` (``|rate_pred - rate_true|``, Hz). Errors are NaN
        where ``amp_true < floor_mm`` or the prediction is not finite.
    """
    pred, gt = _check_poses(pred, gt)
    fps = _check_fps(fps)
    if not 0 < band[0] < band[1] <= fps / 2:
        raise ValueError(f"band must satisfy 0 < low < high <= fps / 2, got {band} at {fps} Hz")
    g = _band(gt[:, :, joint], fps, band)
    p_raw = pred[:, :, joint]
    finite = np.isfinite(p_raw).all(axis=(1, 2))
    p = _band(np.where(finite[:, None, None], p_raw, 0.0), fps, band)
    # principal axis of the true band motion: top eigenvector of its 3x3 scatter per window
    _, vecs = np.linalg.eigh(np.einsum("ntc,ntd->ncd", g, g))
    axis = vecs[:, :, -1]
    g1, p1 = np.einsum("ntc,nc->nt", g, axis), np.einsum("ntc,nc->nt", p, axis)
    a_true, a_pred = np.sqrt((g1 ** 2).mean(axis=1)), np.sqrt((p1 ** 2).mean(axis=1))
    r_true, r_pred = _peak_hz(g1, fps, band), _peak_hz(p1, fps, band)
    ok = (a_true >= floor_mm) & finite
    nan = np.full(a_true.shape, np.nan)
    return {"amp_true": a_true, "amp_pred": np.where(finite, a_pred, np.nan),
            "amp_error": np.where(ok, np.abs(a_pred - a_true) / np.where(ok, a_true, 1.0), nan),
            "rate_true": r_true, "rate_pred": np.where(finite, r_pred, np.nan),
            "rate_error": np.where(ok, np.abs(r_pred - r_true), nan)}


# -------------------------------------------------------------------------------------------- stroke types
def window_stroke_type(stroke_codes: np.ndarray, names: Sequence[str] | None = None) -> np.ndarray:
    """Each window's stroke type: the articulation of most of its sounding frames.

    Parameters
    ----------
    stroke_codes : np.ndarray
        ``(N, T)`` int codes per frame: index into ``names``, ``-1`` = rest (no stroke sounding).
    names : sequence of str, optional
        Articulation names (default :data:`training.simulator.score.ARTICULATIONS`, read at call time so names
        appended to it are known).

    Returns
    -------
    np.ndarray
        ``(N,)`` str: the name covering most sounding frames (ties: the first in ``names``), or ``"rest"`` for a
        window with no sounding frame.
    """
    if names is None:
        # the simulator's list grows (new strokes are appended): read it now, not at import
        from training.simulator import score as _score
        names = _score.ARTICULATIONS
    names = tuple(names)
    codes = np.asarray(stroke_codes)
    if codes.ndim != 2:
        raise ValueError(f"stroke_codes must be (N, T), got shape {codes.shape}")
    codes = codes.astype(np.int64)
    if codes.size and (codes.min() < -1 or codes.max() >= len(names)):
        raise ValueError(f"stroke codes must lie in [-1, {len(names) - 1}] (names: {names}), got "
                         f"[{codes.min()}, {codes.max()}]")
    counts = np.stack([(codes == c).sum(axis=1) for c in range(len(names))], axis=1) if names else \
        np.zeros((codes.shape[0], 0), dtype=np.int64)
    out = np.full(codes.shape[0], "rest", dtype=object)
    sounding = counts.sum(axis=1) > 0
    if sounding.any():
        out[sounding] = np.asarray(names, dtype=object)[np.argmax(counts[sounding], axis=1)]
    return out.astype(str)
