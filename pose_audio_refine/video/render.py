"""Overlay video: the refined skeleton drawn over the original frames, with a 3D view beside them.

Placing 3D poses on the image needs a camera. We do not have one, but the estimator gives, for the frames it
saw, both 3D (world) and 2D (image) landmarks of the same joints, so :func:`fit_projection` fits a
weak-perspective camera to them: one linear map ``A`` (2x3, the camera's orientation and mean scale, shared by
all frames) and, per frame, a scale ``s_t`` (distance changes) and an image shift ``c_t`` (MediaPipe's world
landmarks are centred on the hips, so the shift carries where the person stands)::

    uv = s_t * (A @ X) + c_t        (pixels)

``s_t`` and ``c_t`` are smoothed over time and interpolated onto the frames between estimates, then applied to
the refined 3D poses (which are in the same frame as the estimate).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from ..canonical import to_z_up
from ..skeletons import bones, get_skeleton

__all__ = ["Projection", "fit_projection", "joint_sides", "draw_skeleton", "view_3d", "render_frames"]

# BGR colours: right side warm, left side cool, centre green (the usual convention of pose viewers).
_COLOURS = {"R": (40, 110, 240), "L": (230, 150, 40), "C": (80, 200, 80)}


@dataclass
class Projection:
    """Weak-perspective camera fitted per frame.

    Attributes
    ----------
    A : np.ndarray, shape (2, 3)
        Shared linear part (pixels per pose unit at scale 1).
    times : np.ndarray, shape (K,)
        Times of the frames the fit used, s.
    scale : np.ndarray, shape (K,)
        Per-frame scale ``s_t`` (smoothed).
    shift : np.ndarray, shape (K, 2)
        Per-frame image shift ``c_t`` in pixels (smoothed).
    residual_px : float
        RMS reprojection error of the estimate itself, pixels (how well the model fits).
    """

    A: np.ndarray
    times: np.ndarray
    scale: np.ndarray
    shift: np.ndarray
    residual_px: float

    def project(self, poses: np.ndarray, times: np.ndarray) -> np.ndarray:
        """Project ``(T, J, 3)`` poses at ``times`` ``(T,)`` s to ``(T, J, 2)`` pixels (NaN stays NaN)."""
        s = np.interp(times, self.times, self.scale)
        c = np.stack([np.interp(times, self.times, self.shift[:, k]) for k in range(2)], axis=1)
        return s[:, None, None] * np.einsum("ik,tjk->tji", self.A, poses) + c[:, None, :]


def _smooth(x: np.ndarray, n: int) -> np.ndarray:
    """Centred moving median over ``n`` samples (robust to one bad fit), along axis 0."""
    if x.shape[0] < 3 or n < 2:
        return x
    h = n // 2
    pad = np.concatenate([np.repeat(x[:1], h, 0), x, np.repeat(x[-1:], h, 0)])
    return np.stack([np.median(pad[i:i + n], axis=0) for i in range(x.shape[0])])


def fit_projection(world, image_px, times, smooth: int = 5) -> Projection:
    """Fit the weak-perspective camera of the module docstring to 3D/2D landmark pairs.

    Parameters
    ----------
    world : array_like, shape (T, J, 3)
        3D joints (any units); NaN where missing.
    image_px : array_like, shape (T, J, 2)
        The same joints in the image, pixels; NaN where missing.
    times : array_like, shape (T,)
        Frame times, s.
    smooth : int
        Frames of the moving median applied to ``s_t`` and ``c_t``.

    Returns
    -------
    Projection

    Raises
    ------
    ValueError
        Fewer than one frame with 4 joints seen in both.
    """
    X = np.asarray(world, dtype=np.float64)
    U = np.asarray(image_px, dtype=np.float64)
    t = np.asarray(times, dtype=np.float64)
    if X.ndim != 3 or X.shape[-1] != 3 or U.shape != X.shape[:2] + (2,) or t.shape != X.shape[:1]:
        raise ValueError(f"world (T, J, 3), image_px (T, J, 2) and times (T,) must agree, got {X.shape}, "
                         f"{U.shape}, {t.shape}")
    ok = np.isfinite(X).all(-1) & np.isfinite(U).all(-1)
    frames = np.flatnonzero(ok.sum(1) >= 4)
    if frames.size == 0:
        raise ValueError("no frame has 4 joints seen in both 3D and 2D: cannot place the skeleton on the image")
    xc, uc, xm, um = [], [], [], []
    for f in frames:
        m = ok[f]
        xm.append(X[f, m].mean(0))
        um.append(U[f, m].mean(0))
        xc.append(X[f, m] - xm[-1])
        uc.append(U[f, m] - um[-1])
    scale = np.ones(frames.size)
    for _ in range(50):  # alternate: shared A given the scales, then the scales given A (converges in a few)
        prev = scale.copy()
        Xs = np.concatenate([s * x for s, x in zip(scale, xc)])
        A = np.linalg.lstsq(Xs, np.concatenate(uc), rcond=None)[0].T  # (2, 3)
        for k, (x, u) in enumerate(zip(xc, uc)):
            p = x @ A.T
            den = float((p * p).sum())
            scale[k] = float((p * u).sum()) / den if den > 0 else 1.0
        norm = float(np.median(scale))  # keep the median scale at 1 (A carries the mean size)
        if norm > 0:
            scale /= norm
        if np.abs(scale - prev).max() < 1e-9:
            break
    res = [(u - s * (x @ A.T)) for s, x, u in zip(scale, xc, uc)]
    rms = float(np.sqrt(np.mean(np.concatenate(res) ** 2)))
    shift = np.array([um[k] - scale[k] * (A @ xm[k]) for k in range(frames.size)])
    return Projection(A, t[frames], _smooth(scale, smooth), _smooth(shift, smooth), rms)


def joint_sides(skeleton) -> list[str]:
    """``"L"``, ``"R"`` or ``"C"`` for each joint of ``skeleton`` (from the joint names)."""
    out = []
    for name in get_skeleton(skeleton).joint_names:
        n = name.lower()
        if "left" in n or (name[:1] == "L" and name.isupper()):
            out.append("L")
        elif "right" in n or (name[:1] == "R" and name.isupper()):
            out.append("R")
        else:
            out.append("C")
    return out


def _segments(skeleton) -> list[tuple[int, int]]:
    """Bones of the tree plus the shoulder-shoulder and hip-hip lines (trees omit them; a torso needs them)."""
    skel = get_skeleton(skeleton)
    extra = [(a, b) for a, b in skel.left_right
             if any(k in skel.joint_names[a].lower() for k in ("shoulder", "hip", "sho", "bwt"))]
    return bones(skel) + [e for e in extra if e not in bones(skel) and e[::-1] not in bones(skel)]


def draw_skeleton(img: np.ndarray, pts: np.ndarray, skeleton, thickness: int = 2, colour=None) -> np.ndarray:
    """Draw bones and joints ``pts`` ``(J, 2)`` pixels on ``img`` (BGR, modified in place and returned).

    ``colour`` (BGR) overrides the per-side colours. Joints/bones with NaN are skipped.
    """
    import cv2  # noqa: PLC0415

    sides = joint_sides(skeleton)
    h, w = img.shape[:2]
    lim = 4 * max(h, w)  # far-off points (a bad fit) would overflow cv2's int coordinates

    def ok(p):
        return np.isfinite(p).all() and abs(p[0]) < lim and abs(p[1]) < lim

    for a, b in _segments(skeleton):
        if ok(pts[a]) and ok(pts[b]):
            col = colour or _COLOURS[sides[b] if sides[b] != "C" else sides[a]]
            cv2.line(img, tuple(int(round(v)) for v in pts[a]), tuple(int(round(v)) for v in pts[b]), col,
                     thickness, cv2.LINE_AA)
    for j, p in enumerate(pts):
        if ok(p):
            cv2.circle(img, (int(round(p[0])), int(round(p[1]))), max(1, thickness), colour or _COLOURS[sides[j]],
                       -1, cv2.LINE_AA)
    return img


def view_3d(poses_z_up: np.ndarray, azimuth_deg: float = 35.0,
            elevation_deg: float = 15.0) -> tuple[np.ndarray, np.ndarray]:
    """Orthographic view of z-up poses ``(T, J, 3)``: returns ``(T, J, 2)`` view coordinates (x right, y down,
    same units) and the view's ``(2, 3)`` matrix."""
    az, el = np.deg2rad(azimuth_deg), np.deg2rad(elevation_deg)
    right = np.array([np.cos(az), np.sin(az), 0.0])
    fwd = np.array([-np.sin(az), np.cos(az), 0.0])  # towards the viewer, horizontal
    up = np.array([0.0, 0.0, 1.0]) * np.cos(el) - fwd * np.sin(el)
    M = np.stack([right, -up])
    return np.einsum("ik,tjk->tji", M, poses_z_up), M


def _fit_box(pts: np.ndarray, size: int, margin: float = 0.1) -> tuple[float, np.ndarray]:
    """Scale and offset that fit every finite point of ``pts`` (..., 2) into a ``size`` square panel."""
    flat = pts.reshape(-1, 2)
    flat = flat[np.isfinite(flat).all(1)]
    lo, hi = np.percentile(flat, 0.5, axis=0), np.percentile(flat, 99.5, axis=0)
    span = float(max(hi - lo)) or 1.0
    k = size * (1 - 2 * margin) / span
    off = size / 2 - k * (lo + hi) / 2
    return k, off


def render_frames(frames: Iterator[tuple[int, np.ndarray]], fps: float, refined: np.ndarray,
                  refined_times: np.ndarray, skeleton, projection: Projection | None, raw: np.ndarray | None = None,
                  raw_times: np.ndarray | None = None, height: int = 480, progress=None) -> Iterator[np.ndarray]:
    """Compose the output frames: original frame with the refined skeleton, and a 3D view beside it.

    Parameters
    ----------
    frames : iterator of (int, np.ndarray)
        ``(frame number, BGR frame)`` as :func:`~pose_audio_refine.video.io.iter_frames` yields.
    fps : float
        Video frame rate, Hz (frame ``i`` is at ``i / fps`` s).
    refined : np.ndarray, shape (T_out, J, 3)
        Refined poses at ``refined_times`` ``(T_out,)`` s, in the estimate's frame and units.
    skeleton : str or Skeleton
        Joint set of ``refined`` (supplies bones, sides and the up axis of the 3D view).
    projection : Projection or None
        Camera from :func:`fit_projection`; None: no overlay (only the 3D view beside the frame).
    raw, raw_times : np.ndarray, optional
        The raw estimate ``(T, J, 3)`` at ``raw_times``; its most recent frame is drawn in grey in the 3D view.
    height : int
        Output height in pixels (frames are scaled to it); the 3D panel is a ``height`` square.
    progress : tqdm or None
        Updated once per frame.

    Yields
    ------
    np.ndarray
        ``(height, W + height, 3)`` BGR frames (``W`` the scaled frame width, even).
    """
    import cv2  # noqa: PLC0415

    skel = get_skeleton(skeleton)
    z_up = to_z_up(np.where(np.isfinite(refined), refined, np.nan), skel) if np.isfinite(refined).any() else refined
    view, M = view_3d(z_up)
    k, off = _fit_box(view, height)
    raw_view = None
    if raw is not None and np.isfinite(raw).any():
        raw_view = np.einsum("ik,tjk->tji", M, to_z_up(raw, skel)) * k + off
        raw_ok = np.flatnonzero(np.isfinite(raw).all(-1).any(-1))
    ground = np.nanmin(z_up[..., 2]) if np.isfinite(z_up).any() else 0.0
    for i, frame in frames:
        t = i / fps
        r = int(np.round(np.interp(t, refined_times, np.arange(refined_times.size))))  # nearest refined frame
        h0, w0 = frame.shape[:2]
        zoom = height / h0
        w = int(round(w0 * zoom / 2)) * 2
        img = cv2.resize(frame, (w, height), interpolation=cv2.INTER_AREA)
        if projection is not None:
            pts = projection.project(refined[r:r + 1], np.array([refined_times[r]]))[0] * (w / w0, height / h0)
            draw_skeleton(img, pts, skel, thickness=max(2, height // 160))
        panel = np.full((height, height, 3), 250, np.uint8)
        # Ground line under the lowest joint of the whole clip, for a sense of height.
        g = np.einsum("ik,jk->ji", M, np.array([[-1e4, 0, ground], [1e4, 0, ground]])) * k + off
        g = np.clip(g, -1e5, 1e5).astype(int)
        cv2.line(panel, tuple(g[0].tolist()), tuple(g[1].tolist()), (200, 200, 200), 1, cv2.LINE_AA)
        if raw_view is not None:
            near = raw_ok[np.searchsorted(raw_times[raw_ok], t + 1e-9, side="right") - 1] \
                if raw_times[raw_ok][0] <= t + 1e-9 else raw_ok[0]
            draw_skeleton(panel, raw_view[near], skel, thickness=1, colour=(170, 170, 170))
        draw_skeleton(panel, view[r] * k + off, skel, thickness=2)
        cv2.putText(panel, "3D (refined; grey: raw)", (8, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (60, 60, 60), 1,
                    cv2.LINE_AA)
        cv2.putText(img, f"{t:6.2f} s", (8, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
        if progress is not None:
            progress.update(1)
        yield np.concatenate([img, panel], axis=1)
