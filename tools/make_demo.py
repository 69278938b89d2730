#!/usr/bin/env python
"""Make the bundled demo under ``demo/`` from our own simulator.

    python tools/make_demo.py [--seed 8] [--seconds 10] [--fast-strokes 0.5] [--noise realistic_blur] [--out demo]

Writes
  ``violin_demo.mp4``        frames of the simulated violinist (shaded limbs, head, violin and bow drawn from the
                             joints; perspective camera in front of the player, 10 degrees to
                             their left and 12 degrees above) with the
                             sound the bowing made, H.264 320x240 at 25 fps + AAC;
  ``violin_demo_poses.npz``  the simulated *noisy estimate*: the true motion at 15 fps through the
                             ``realistic_blur`` estimator-noise model (jitter, drift, a video camera's motion blur,
                             outliers, drops, left/right swaps), in our result format (telmi13, mm;
                             ``RefineResult.load`` reads it) plus
                             ``image_points`` (the noisy joints seen by the same camera, normalised to the frame)
                             and ``confidence``;
  ``violin_demo_truth.npz``  the ground truth at 50 fps, same format, plus the simulator's ``bow_changes`` (s),
                             per-frame ``articulation_code`` (int8, -1 in rests) and the ``articulation_names``
                             it indexes.

MediaPipe will not detect a stick figure, hence the poses file: ``tools/refine_video.py`` with no argument
runs on this video with ``--poses demo/violin_demo_poses.npz``.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

W, H, VIDEO_FPS, POSE_FPS = 320, 240, 25.0, 15.0
CAM_DIST_MM, CAM_AZIMUTH_DEG, CAM_ELEVATION_DEG, FOCAL_PX = 4200.0, 10.0, 12.0, 420.0
NOISE_SEED_OFFSET = 1000


class Camera:
    """Pinhole camera in front of a telmi13 (z up, player facing +y) scene, turned by ``azimuth`` about z."""

    def __init__(self, centre: np.ndarray, azimuth_deg: float = CAM_AZIMUTH_DEG,
                 elevation_deg: float = CAM_ELEVATION_DEG, dist: float = CAM_DIST_MM, focal: float = FOCAL_PX,
                 size=(W, H)):
        a, e = np.deg2rad(azimuth_deg), np.deg2rad(elevation_deg)
        self.R = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1.0]])
        fwd = np.array([0.0, -np.cos(e), -np.sin(e)])  # from the camera (in front, above) to the player
        right = np.array([-1.0, 0.0, 0.0])  # facing the player: their right is on the image's left
        self.axes = np.stack([right, np.cross(fwd, right), fwd])  # image x, image y (down), depth
        self.centre, self.dist, self.f, self.size = np.asarray(centre, float), dist, focal, size

    def camera_coords(self, p: np.ndarray) -> np.ndarray:
        """``(..., 3)`` scene mm -> ``(..., 3)``: x image right, y image down, depth (mm from the camera)."""
        c = (p - self.centre) @ self.R.T @ self.axes.T
        return c + np.array([0.0, 0.0, self.dist])

    def project(self, p: np.ndarray) -> np.ndarray:
        """``(..., 3)`` mm -> ``(..., 2)`` pixels."""
        c = self.camera_coords(p)
        return np.stack([self.size[0] / 2 + self.f * c[..., 0] / c[..., 2],
                         self.size[1] / 2 + self.f * c[..., 1] / c[..., 2]], axis=-1)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-9)


def _violin(pose: np.ndarray) -> dict:
    """Violin and bow geometry (mm) from one telmi13 pose: body outline, neck, bow stick."""
    c7, lsho, lwr, rwr = pose[0], pose[2], pose[6], pose[5]
    up = np.array([0.0, 0, 1])
    base = lsho + 0.35 * (c7 - lsho) - 40 * up  # end button under the chin, on the left collarbone
    along = _unit(lwr - base)
    # The plate is tilted ~35 degrees about the neck, the E-string side (player's right) lower.
    flat = _unit(np.cross(up, along))
    across = np.cos(np.deg2rad(35)) * flat + np.sin(np.deg2rad(35)) * up
    s = np.linspace(0, 1, 24)
    half = 105 * np.abs(np.sin(np.pi * s)) ** 0.6 * (1 - 0.25 * np.exp(-((s - 0.5) / 0.1) ** 2))  # C-bouts waist
    body_len = 355.0
    left = base + body_len * s[:, None] * along + half[:, None] * across
    right = base + body_len * s[::-1, None] * along - half[::-1, None] * across
    neck_end = base + body_len * along
    contact = base + 0.45 * body_len * along + 8 * up
    bow_dir = _unit(contact - rwr)
    return {"outline": np.concatenate([left, right]), "neck": (neck_end, lwr), "bridge": contact,
            "bow": (rwr - 30 * bow_dir, rwr + 720 * bow_dir)}


def draw_frame(pose: np.ndarray, cam: Camera) -> np.ndarray:
    """One 320x240 BGR frame of the violinist (painter's algorithm: far parts first)."""
    import cv2  # noqa: PLC0415

    img = np.empty((H, W, 3), np.uint8)
    img[:] = np.linspace(235, 200, H, dtype=np.uint8)[:, None, None] * np.array([1.0, 0.97, 0.92])[None, None]
    floor = cam.project(np.array([[-3000, -400, 0], [3000, -400, 0]]) + np.array([cam.centre[0], cam.centre[1], 0]))
    y0 = int(np.clip(floor[:, 1].min(), 0, H - 1))
    img[y0:] = (170, 180, 185)
    feet = cam.project(pose[[11, 12]].mean(0) * np.array([1, 1, 0]))
    cv2.ellipse(img, (int(feet[0]), int(feet[1])), (45, 8), 0, 0, 360, (140, 150, 155), -1, cv2.LINE_AA)
    depth = lambda p: float(cam.camera_coords(p)[..., 2].mean())  # noqa: E731
    px = lambda p: np.round(cam.project(p)).astype(int)  # noqa: E731
    scale = cam.f / cam.camera_coords(pose[7:9].mean(0))[2]  # px per mm at the body
    items = []  # (depth, callable)
    skin, shirt, trousers = (150, 180, 225), (120, 80, 60), (70, 60, 55)
    limbs = [(1, 3, shirt, 70), (3, 5, skin, 50), (2, 4, shirt, 70), (4, 6, skin, 50),
             (7, 9, trousers, 110), (9, 11, trousers, 90), (8, 10, trousers, 110), (10, 12, trousers, 90)]
    for a, b, col, width in limbs:
        def limb(a=a, b=b, col=col, width=width):
            p, q = px(pose[a]), px(pose[b])
            cv2.line(img, tuple(p), tuple(q), col, max(2, int(width * scale)), cv2.LINE_AA)
            cv2.circle(img, tuple(q), max(1, int(width * scale / 2)), col, -1, cv2.LINE_AA)
        items.append((depth(pose[[a, b]]), limb))

    def torso():
        cv2.fillPoly(img, [px(pose[[1, 2, 8, 7]])], shirt, cv2.LINE_AA)
    items.append((depth(pose[[1, 2, 7, 8]]) + 60, torso))  # the back of the torso is behind the arms' roots
    head_c = pose[0] + np.array([0, 25.0, 190])

    def head():
        c = px(head_c)
        cv2.line(img, tuple(px(pose[0])), tuple(c), skin, max(2, int(60 * scale)), cv2.LINE_AA)
        cv2.circle(img, tuple(c), max(3, int(105 * scale)), skin, -1, cv2.LINE_AA)
        cv2.circle(img, tuple(c), max(3, int(105 * scale)), (90, 110, 150), 1, cv2.LINE_AA)
    items.append((depth(head_c), head))
    v = _violin(pose)

    def violin():
        cv2.fillPoly(img, [px(v["outline"])], (30, 80, 150), cv2.LINE_AA)
        cv2.polylines(img, [px(v["outline"])], True, (20, 40, 80), 1, cv2.LINE_AA)
        cv2.line(img, tuple(px(v["neck"][0])), tuple(px(v["neck"][1])), (25, 25, 25), max(2, int(35 * scale)),
                 cv2.LINE_AA)
    items.append((depth(v["outline"]), violin))

    def bow():
        a, b = px(np.array(v["bow"][0])), px(np.array(v["bow"][1]))
        cv2.line(img, tuple(a), tuple(b), (30, 60, 100), 2, cv2.LINE_AA)
        cv2.line(img, tuple(a + [0, 2]), tuple(b + [0, 2]), (235, 235, 235), 1, cv2.LINE_AA)
    items.append((depth(np.array(v["bow"])) - 80, bow))  # in front of the strings it touches
    for _, fn in sorted(items, key=lambda it: -it[0]):
        fn()
    return img


def truth_annotations(state: dict) -> dict[str, np.ndarray]:
    """The simulator's hidden state that the truth file carries beside the poses.

    Parameters
    ----------
    state : dict
        ``Take.state`` of a simulated take.

    Returns
    -------
    dict
        ``bow_changes`` ``(K,)`` float64 (s, the start of each stroke), ``articulation_code`` ``(T,)`` int8 (per
        truth frame, index into ``articulation_names``, -1 in rests) and ``articulation_names`` ``(A,)`` str
        (``training.simulator.score.ARTICULATIONS``, so the file decodes its codes without this repository).
    """
    from training.simulator.score import ARTICULATIONS  # noqa: PLC0415

    return {"bow_changes": np.asarray(state["bow_changes"], dtype=np.float64),
            "articulation_code": np.asarray(state["articulation_code"], dtype=np.int8),
            "articulation_names": np.array(ARTICULATIONS, dtype=str)}


def _add_arrays(path: Path, **extra: np.ndarray) -> None:
    """Rewrite a saved result ``.npz`` with extra arrays beside its own (``RefineResult.load`` skips them)."""
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays.update(extra)
    with open(path, "wb") as f:
        np.savez_compressed(f, **arrays)


def make_demo(out_dir, seed: int = 8, seconds: float = 10.0, renderer: str = "soundfont", fast_strokes: float = 0.5,
              noise: str = "realistic_blur") -> dict:
    """Simulate a take, render it and write the three demo files; return their paths and sizes.

    ``fast_strokes`` (share of fast passages: sautillé, tremolo, ...) and ``noise`` (preset, with the motion blur
    of video by default) make the motion the audio can explain, and the camera's way of losing it."""
    import soundfile as sf  # noqa: PLC0415

    from pose_audio_refine.refiner import RefineResult  # noqa: PLC0415
    from pose_audio_refine.skeletons import TELMI13_JOINTS  # noqa: PLC0415
    from pose_audio_refine.video.io import write_video  # noqa: PLC0415
    from training.noise import apply_noise, get_preset, observe  # noqa: PLC0415
    from training.simulator import simulate_take  # noqa: PLC0415

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    take = simulate_take(seed, duration=seconds, renderer=renderer, fast_strokes=fast_strokes)
    truth = take.poses
    cam = Camera(centre=np.nanmean(truth[:, [0, 7, 8, 11, 12]], axis=(0, 1)) * np.array([1, 1, 0])
                 + np.array([0, 0, 850.0]))
    n_video = int(round(seconds * VIDEO_FPS))
    frame_idx = np.round(np.arange(n_video) * take.fps / VIDEO_FPS).astype(int).clip(0, len(truth) - 1)
    video = out / "violin_demo.mp4"
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "audio.wav"
        sf.write(wav, take.audio, take.sr)
        write_video((draw_frame(truth[i], cam) for i in frame_idx), video, VIDEO_FPS, (W, H), audio_from=wav,
                    crf=26)
    sparse, times = observe(truth, take.fps, POSE_FPS, get_preset(noise))
    noisy = apply_noise(sparse, POSE_FPS, get_preset(noise), np.random.default_rng(seed + NOISE_SEED_OFFSET),
                        times=times)
    image = cam.project(noisy.poses) / np.array([W, H])  # NaN where dropped
    poses_path = out / "violin_demo_poses.npz"
    RefineResult(poses=noisy.poses, times=times, fps=POSE_FPS, skeleton="telmi13", units="mm", audio_used=False,
                 joint_names=TELMI13_JOINTS).save(poses_path)
    _add_arrays(poses_path, image_points=image, confidence=noisy.confidence)
    truth_path = out / "violin_demo_truth.npz"
    RefineResult(poses=truth, times=np.arange(len(truth)) / take.fps, fps=take.fps, skeleton="telmi13", units="mm",
                 audio_used=False, joint_names=TELMI13_JOINTS).save(truth_path)
    # What the sound knows and the poses do not: the plots mark these (pose_audio_refine.video.plots.load_truth).
    _add_arrays(truth_path, **truth_annotations(take.state))
    paths = [video, poses_path, truth_path]
    return {"paths": [str(p) for p in paths], "bytes": {p.name: p.stat().st_size for p in paths},
            "take_id": take.take_id, "frames": n_video, "pose_frames": int(noisy.poses.shape[0])}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=8, help="simulator seed (take and noise)")
    ap.add_argument("--seconds", type=float, default=10.0, help="length of the clip")
    ap.add_argument("--renderer", default="soundfont", choices=("synth", "soundfont"), help="simulator audio")
    ap.add_argument("--fast-strokes", type=float, default=0.5,
                    help="share of passages with fast strokes (sautille, tremolo, ...; 0: the original simulator)")
    ap.add_argument("--noise", default="realistic_blur", help="estimator-noise preset (training/noise.py)")
    ap.add_argument("--out", default=str(REPO / "demo"), help="output folder")
    args = ap.parse_args(argv)
    info = make_demo(args.out, args.seed, args.seconds, args.renderer, args.fast_strokes, args.noise)
    for name, size in info["bytes"].items():
        print(f"{name:28s} {size / 1024:8.1f} KiB")
    print(f"take {info['take_id']}: {info['frames']} video frames, {info['pose_frames']} noisy pose frames")
    return 0


if __name__ == "__main__":
    sys.exit(main())
