"""MMPose plugin: registry stanza, example configs, PoseDataSample lists and MMPose prediction files.

Everything MMPose-side is real mmpose 1.3.2: ``Config``, ``PoseDataSample``, ``InstanceData``,
``merge_data_samples``, ``split_instances``, ``parse_pose_metainfo`` and the writers' own JSON libraries.
"""
from __future__ import annotations

import ast
import importlib.util
import json
import sys
from pathlib import Path

import json_tricks
import mmengine
import numpy as np
import pytest
import soundfile as sf
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.structures import InstanceData
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import MODELS as MMPOSE_MODELS
from mmpose.structures import PoseDataSample, merge_data_samples, split_instances

from pose_audio_refine import mmpose as pm

REPO = Path(__file__).resolve().parents[1]
FPS = 25.0
HAS_ENGINE = importlib.util.find_spec("pose_audio_refine.refiner") is not None
needs_engine = pytest.mark.skipif(not HAS_ENGINE, reason="pose_audio_refine.refiner not written yet")

STANZA = dict(_scope_="pose_audio_refine", type="MAPnetRefiner", checkpoint=None, skeleton="h36m", out_fps=50)


# ----------------------------------------------------------------------------------------------------------------
# Data made the way MMPose makes it
# ----------------------------------------------------------------------------------------------------------------
# H36M joints (MMPose order) of a person standing, facing the camera, in the lifter's camera frame (m):
# x right in the image (the person's left), y down, z away; root at the origin (VideoPoseLifting zero_center).
_STAND = np.array([
    [0.0, 0.0, 0.0], [-0.13, 0.0, 0.0], [-0.13, 0.45, 0.0], [-0.13, 0.88, 0.02], [0.13, 0.0, 0.0],
    [0.13, 0.45, 0.0], [0.13, 0.88, 0.02], [0.0, -0.25, 0.0], [0.0, -0.5, 0.0], [0.0, -0.6, 0.0],
    [0.0, -0.72, 0.0], [0.18, -0.48, 0.0], [0.22, -0.22, -0.05], [0.2, 0.02, -0.2], [-0.18, -0.48, 0.0],
    [-0.3, -0.3, -0.1], [-0.2, -0.2, -0.3]])


def _camera_clip(T: int, seed: int, shift=0.0) -> np.ndarray:
    """(T, 17, 3) camera-frame clip: the right wrist bows at 1 Hz; plus 8 mm lifter jitter."""
    rng = np.random.default_rng(seed)
    t = np.arange(T) / FPS
    x = np.repeat(_STAND[None], T, axis=0)
    x[:, 16, 0] += 0.25 * np.sin(2 * np.pi * t)
    x[:, 15, 0] += 0.1 * np.sin(2 * np.pi * t)
    x[..., 0] += shift
    return x + rng.normal(scale=0.008, size=x.shape)


def _mmpose_axes(kp: np.ndarray) -> np.ndarray:
    """What Pose3DInferencer.forward / body3d_pose_lifter_demo do to lifter output (mmpose 1.3.2,
    mmpose/apis/inferencers/pose3d_inferencer.py lines 337-345): (x, y, z) -> (-x, z, -y), then rebase so the
    lowest keypoint of each pose has z = 0."""
    kp = kp[..., [0, 2, 1]]
    kp[..., 0] = -kp[..., 0]
    kp[..., 2] = -kp[..., 2]
    kp[..., 2] -= np.min(kp[..., 2], axis=-1, keepdims=True)
    return kp


def _frame_samples(people: list[np.ndarray | None], with_bbox: bool = True) -> PoseDataSample:
    """One frame's merged PoseDataSample built like the inferencer: one lifted sample per person (keypoints
    (1, 17, 3), scores (1, 17)), sorted by track id, merged with mmpose's merge_data_samples."""
    per_person = []
    for kp in people:
        if kp is None:
            continue
        d = PoseDataSample(metainfo=dict(img_path=None, dataset_name="h36m"))
        inst = InstanceData()
        inst.keypoints = _mmpose_axes(kp[None].astype(np.float32))
        inst.keypoint_scores = np.ones((1, 17), dtype=np.float32)
        if with_bbox:
            inst.bboxes = np.array([[10.0, 20.0, 110.0, 220.0]], dtype=np.float32)
            inst.bbox_scores = np.array([0.95], dtype=np.float32)
        d.pred_instances = inst
        per_person.append(d)
    if not per_person:
        return PoseDataSample(metainfo=dict(img_path=None))
    return merge_data_samples(per_person)


def _samples(T=50, n_people=1, drop=()) -> tuple[list[PoseDataSample], list[np.ndarray]]:
    clips = [_camera_clip(T, seed=p, shift=0.6 * p) for p in range(n_people)]
    samples = []
    for i in range(T):
        samples.append(_frame_samples([None if (i, p) in drop else clips[p][i] for p in range(n_people)]))
    return samples, clips


def _demo_file(path: Path, samples: list[PoseDataSample]) -> Path:
    """Write predictions exactly like demo/body3d_pose_lifter_demo.py --save-predictions (open-mmlab/mmpose,
    main): frame_idx starts at 1 (incremented before each frame), `pred_instances_list.append(dict(
    frame_id=frame_idx, instances=split_instances(pred_3d_pred)))`, then `json.dump(dict(meta_info=
    pose_lifter.dataset_meta, instance_info=pred_instances_list), f, indent='\\t')` with json_tricks as json."""
    dataset_meta = parse_pose_metainfo(dict(from_file="configs/_base_/datasets/h36m.py"))
    pred_instances_list = [dict(frame_id=i + 1, instances=split_instances(s.get("pred_instances", None)))
                           for i, s in enumerate(samples)]
    with open(path, "w") as f:
        json_tricks.dump(dict(meta_info=dataset_meta, instance_info=pred_instances_list), f, indent="\t")
    return path


def _inferencer_file(path: Path, samples: list[PoseDataSample]) -> Path:
    """Write predictions exactly like MMPoseInferencer(pred_out_dir=...) on a video (mmpose 1.3.2,
    base_mmpose_inferencer.py lines 633-636 `pred = split_instances(pred.pred_instances)` per frame, and
    lines 682-691 `predictions = [dict(frame_id=i, instances=pred) for i, pred in enumerate(...)]`,
    `mmengine.dump(predictions, join_path(pred_out_dir, fname), indent='  ')`)."""
    preds = [split_instances(s.get("pred_instances", None)) for s in samples]
    predictions = [dict(frame_id=i, instances=pred) for i, pred in enumerate(preds)]
    mmengine.dump(predictions, str(path), indent="  ")
    return path


@pytest.fixture(scope="module")
def tiny_ckpt(tmp_path_factory) -> Path:
    if not HAS_ENGINE:
        pytest.skip("pose_audio_refine.refiner not written yet")
    import torch

    from pose_audio_refine.checkpoint import save_weights
    from pose_audio_refine.models import build_model

    torch.manual_seed(0)
    cfg = dict(type="MAPnet", t_in=150, h1=32, h2=20, n_heads=4, pose_layers=1, audio_layers=1, fusion_layers=1,
               residual=True)
    net = build_model(**cfg)
    return save_weights(net, cfg, tmp_path_factory.mktemp("ckpt") / "w.pth")


def _audio(seconds: float, sr: int = 22050) -> np.ndarray:
    t = np.arange(int(round(seconds * sr))) / sr
    return (0.3 * np.sin(2 * np.pi * 440 * t) * (1 + np.sin(2 * np.pi * 2 * t)) / 2).astype(np.float32)


# ----------------------------------------------------------------------------------------------------------------
# Registry, stanza and configs
# ----------------------------------------------------------------------------------------------------------------
def test_registry_is_a_child_of_mmpose_models():
    assert pm.REFINERS.parent is MMPOSE_MODELS
    assert MMPOSE_MODELS._children[pm.SCOPE] is pm.REFINERS
    assert set(pm.REFINERS.module_dict) >= {"MAPnetRefiner", "OneEuroRefiner", "SavitzkyGolayRefiner",
                                          "GaussianRefiner"}


class _BlockImports:
    """A meta-path finder that fails any import of the given packages (and records the attempt)."""

    def __init__(self, *prefixes):
        self.prefixes, self.tried = prefixes, []

    def find_spec(self, name, path=None, target=None):
        if name.startswith(self.prefixes):
            self.tried.append(name)
            raise ImportError(f"blocked in this test: {name}")
        return None


def test_build_path_never_imports_mmpose_models_or_apis(tmp_path):
    imported = set()
    for src in (REPO / "pose_audio_refine" / "mmpose").glob("*.py"):
        tree = ast.parse(src.read_text())
        imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 0}
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert {m for m in imported if m.startswith("mmpose")} == {"mmpose.registry", "mmpose.structures"}
    cfg = tmp_path / "cfg.py"
    cfg.write_text("custom_imports = dict(imports=['pose_audio_refine.mmpose'], allow_failed_imports=False)\n"
                   f"refiner = {STANZA!r}\n")
    blocker = _BlockImports("mmpose.models", "mmpose.apis")
    sys.meta_path.insert(0, blocker)
    try:
        refiner = MMPOSE_MODELS.build(Config.fromfile(str(cfg)).refiner)
        samples, _ = _samples(12)
        pm.refine_data_samples(samples, None, fps=FPS, refiner=dict(STANZA, type="GaussianRefiner"))
    finally:
        sys.meta_path.remove(blocker)
    assert type(refiner).__name__ == "MAPnetRefiner" and blocker.tried == []
    # the blocker does see such imports: an unscoped build makes mmpose's MODELS import mmpose.models
    from mmengine.registry import DefaultScope
    sys.meta_path.insert(0, blocker)
    try:
        # under MMPose's own default scope (an earlier mmengine Runner in this process may have left another)
        with DefaultScope.overwrite_default_scope("mmpose"), pytest.raises(ImportError):
            MMPOSE_MODELS.build(dict(type="MAPnetRefiner"))
    finally:
        sys.meta_path.remove(blocker)
    assert blocker.tried and blocker.tried[0].startswith("mmpose.models")


@pytest.mark.parametrize("path", sorted((REPO / "configs" / "mmpose").glob("*.py")), ids=lambda p: p.name)
def test_example_configs_extend_mmpose_and_build(path):
    text = path.read_text()
    assert "mmpose::body_3d_keypoint/" in text
    cfg = Config.fromfile(str(path))
    assert cfg.model.type == "PoseLifter"  # the real MMPose base was merged in
    assert cfg.default_scope == "mmpose"
    assert cfg.custom_imports.imports == ["pose_audio_refine.mmpose"]
    refiner = MMPOSE_MODELS.build(cfg.refiner)
    assert type(refiner).__name__ == cfg.refiner.type
    assert isinstance(refiner, pm.BaseRefiner) and refiner.out_fps == 50
    assert type(pm.build_refiner(str(path))) is type(refiner)


def test_issue_stanza_switches_method_with_one_word():
    x = _mmpose_axes(_camera_clip(30, seed=3))
    shapes = {}
    for name in ("OneEuroRefiner", "SavitzkyGolayRefiner", "GaussianRefiner", "MAPnetRefiner"):
        refiner = MMPOSE_MODELS.build(dict(STANZA, type=name))
        assert type(refiner).__name__ == name and refiner.skeleton.name == "h36m" and refiner.out_fps == 50
        if name != "MAPnetRefiner":  # MAPnet's default weights are exercised with a test checkpoint below
            res = refiner.refine(x, fps=FPS)
            shapes[name] = (res.poses.shape, res.fps, res.times[1])
    assert set(shapes.values()) == {((60, 17, 3), 50.0, 0.02)}


def test_unknown_type_is_a_clear_error():
    with pytest.raises(KeyError, match="registered refiners: .*OneEuroRefiner.*Did you mean 'OneEuroRefiner'"):
        MMPOSE_MODELS.build(dict(STANZA, type="OneEuroFilter"))
    with pytest.raises(pm.RefinerConfigError, match="unknown refiner type 'SmoothNet'"):
        pm.build_refiner(dict(STANZA, type="SmoothNet"))


def test_stanza_without_scope_explains_the_fix(tmp_path):
    stanza = {k: v for k, v in STANZA.items() if k != "_scope_"}
    with DefaultScope.overwrite_default_scope("mmpose"):
        with pytest.raises(pm.RefinerConfigError, match=r"add _scope_='pose_audio_refine'"):
            pm.build_refiner(stanza)
        cfg = tmp_path / "noscope.py"
        base = ["mmpose::body_3d_keypoint/image_pose_lift/h36m/image-pose-lift_tcn_8xb64-200e_h36m.py"]
        cfg.write_text(f"_base_ = {base!r}\nrefiner = {stanza!r}\n")
        with pytest.raises(ValueError, match="default scope is 'mmpose'"):
            pm.build_refiner(str(cfg))
    with pytest.raises(pm.RefinerConfigError, match="_scope_='pose_audio_refine'"):
        pm.build_refiner(dict(stanza, _scope_="mmpose"))


def test_bad_refiner_parameters_fail_at_build():
    with pytest.raises(ValueError, match="window must be odd"):
        MMPOSE_MODELS.build(dict(STANZA, type="SavitzkyGolayRefiner", window=10))
    with pytest.raises(ValueError, match="has no checkpoint"):
        MMPOSE_MODELS.build(dict(STANZA, type="GaussianRefiner", checkpoint="w.pth"))
    with pytest.raises(FileNotFoundError):
        MMPOSE_MODELS.build(dict(STANZA, checkpoint="/nonexistent/w.pth"))
    with pytest.raises(ValueError, match="frame must be one of"):
        MMPOSE_MODELS.build(dict(STANZA, type="GaussianRefiner", frame="y_up"))


# ----------------------------------------------------------------------------------------------------------------
# Tracks
# ----------------------------------------------------------------------------------------------------------------
def test_assign_tracks_follows_people_through_reordering_and_entries():
    a, b, c = (_mmpose_axes(_camera_clip(12, seed=s)) for s in (0, 1, 2))
    b[..., 2] += 0.4  # a taller/shifted second person so poses differ (root-relative outputs overlap)
    c[..., 0] += 0.5
    frames, truth = [], []
    for i in range(12):
        people = [(0, a[i]), (1, b[i])] + ([(2, c[i])] if i >= 6 else [])
        if i % 3 == 1:
            people = people[::-1]  # instance order changes from frame to frame
        frames.append(np.stack([p[1] for p in people]))
        truth.append([p[0] for p in people])
    labels = pm.assign_tracks(frames)
    for lab, tru in zip(labels, truth):
        assert lab.tolist() == tru
    given = [np.array(t) + 7 for t in truth]
    assert [lab.tolist() for lab in pm.assign_tracks(frames, given)] == [g.tolist() for g in given]
    with pytest.raises(ValueError, match="repeats an id"):
        pm.assign_tracks(frames[:1], [np.array([1, 1])])


def test_single_person_is_never_split():
    x = _mmpose_axes(_camera_clip(10, seed=0))
    x[5:] += 3.0  # a 3 m jump of a lone person
    labels = pm.assign_tracks([x[i][None] if i != 3 else np.zeros((0, 17, 3)) for i in range(10)])
    assert {int(v) for lab in labels for v in lab} == {0}


# ----------------------------------------------------------------------------------------------------------------
# PoseDataSample lists
# ----------------------------------------------------------------------------------------------------------------
def test_refine_data_samples_classical_frame_ids_timestamps_and_smoothing():
    T = 50
    samples, clips = _samples(T)
    before = [s.pred_instances.keypoints.copy() for s in samples]
    refiner = pm.GaussianRefiner(sigma=2.0)
    out = refiner.refine_data_samples(samples, None, fps=FPS)
    assert len(out) == 2 * T and all(isinstance(s, PoseDataSample) for s in out)
    for k, s in enumerate(out):
        assert s.metainfo["frame_id"] == k and s.metainfo["fps"] == 50.0
        assert s.metainfo["timestamp"] == pytest.approx(k / 50)
        assert s.metainfo["source_frame_id"] == min(T - 1, round(k * FPS / 50 + 1e-9))
        assert s.pred_instances.keypoints.shape == (1, 17, 3)
        assert s.pred_instances.track_id.tolist() == [0]
        assert s.pred_instances.bboxes.shape == (1, 4) and s.pred_instances.keypoint_scores.shape == (1, 17)
    for s, b in zip(samples, before):  # inputs untouched
        np.testing.assert_array_equal(s.pred_instances.keypoints, b)
    # smoother than the input: frame-to-frame jitter of the torso (static in truth) drops
    inp = np.stack([s.pred_instances.keypoints[0] for s in samples])
    res = np.stack([s.pred_instances.keypoints[0] for s in out])[::2]
    assert np.abs(np.diff(res[:, :11], axis=0)).mean() < 0.5 * np.abs(np.diff(inp[:, :11], axis=0)).mean()


def test_refine_data_samples_two_people_and_missing_frames():
    T = 40
    samples, _ = _samples(T, n_people=2, drop={(10, 1), (11, 1), (30, 0)})
    out = pm.refine_data_samples(samples, None, fps=FPS, refiner=dict(STANZA, type="OneEuroRefiner"))
    counts = [len(s.pred_instances.keypoints) for s in out]
    src = [s.metainfo["source_frame_id"] for s in out]
    for n, i in zip(counts, src):
        assert n == (1 if i in (10, 11, 30) else 2)
    for s in out:
        ids = s.pred_instances.track_id.tolist()
        assert ids == sorted(ids) and set(ids) <= {0, 1}
    # frame 30 lost person 0: what remains is person 1 (shifted +0.6 m in camera x -> -0.6 m in MMPose x)
    k = src.index(30)
    assert out[k].pred_instances.track_id.tolist() == [1]
    assert out[k].pred_instances.keypoints[0, :, 0].mean() < -0.4


def test_refine_data_samples_bad_input():
    samples, _ = _samples(20)
    flat = PoseDataSample()
    flat.pred_instances = InstanceData(keypoints=np.zeros((1, 17, 2)), keypoint_scores=np.ones((1, 17)))
    with pytest.raises(ValueError, match="2D"):
        pm.refine_data_samples(samples[:5] + [flat] + samples[5:], None, fps=FPS, refiner=pm.GaussianRefiner())
    wrong = PoseDataSample()
    wrong.pred_instances = InstanceData(keypoints=np.zeros((1, 16, 3)), keypoint_scores=np.ones((1, 16)))
    with pytest.raises(ValueError, match="16 keypoints .* skeleton='h36m' has 17"):
        pm.refine_data_samples(samples[:5] + [wrong] + samples[5:], None, fps=FPS, refiner=pm.GaussianRefiner())
    with pytest.raises(TypeError, match="list of PoseDataSample"):
        pm.refine_data_samples(samples[0], None, fps=FPS, refiner=pm.GaussianRefiner())
    with pytest.raises(ValueError, match="2D keypoints"):
        pm.GaussianRefiner().refine(np.zeros((20, 17, 2)), fps=FPS)


@needs_engine
def test_mapnet_refiner_on_data_samples_with_audio(tiny_ckpt):
    T = 50  # 2 s at 25 fps
    samples, _ = _samples(T)
    y, sr = _audio(T / FPS), 22050
    refiner = MMPOSE_MODELS.build(dict(STANZA, checkpoint=str(tiny_ckpt)))
    out = pm.refine_data_samples(samples, y, fps=FPS, sr=sr, refiner=refiner)
    assert len(out) == 100
    kp = np.stack([s.pred_instances.keypoints[0] for s in out])
    assert kp.shape == (100, 17, 3) and np.isfinite(kp).all()
    assert [s.metainfo["timestamp"] for s in out[:3]] == pytest.approx([0.0, 0.02, 0.04])
    # frame="mmpose" mirrors y for the model and back: the same as a z_up refiner on the mirrored track
    x = np.stack([s.pred_instances.keypoints[0] for s in samples]).astype(np.float64)
    mirror = np.array([1.0, -1.0, 1.0])
    z_up = pm.MAPnetRefiner(checkpoint=str(tiny_ckpt), frame="z_up")
    np.testing.assert_allclose(kp, z_up.refine(x * mirror, y, fps=FPS, sr=sr).poses * mirror, atol=1e-5)


@needs_engine
def test_audio_length_follows_the_refiners_rule(tiny_ckpt, tmp_path):
    """One rule for every way in (the Refiner's): audio more than 0.5 s off the predictions is a clear error,
    within 0.5 s it is padded/cut; a file without an audio stream warns and refines pose-only."""
    samples, _ = _samples(50)  # 2 s
    refiner = pm.MAPnetRefiner(checkpoint=str(tiny_ckpt))
    with pytest.raises(ValueError, match=r"audio lasts 1\.00 s but poses last 2\.00 s"):
        pm.refine_data_samples(samples, _audio(1.0), fps=FPS, sr=22050, refiner=refiner)
    wav = tmp_path / "short.wav"
    sf.write(wav, _audio(1.2), 22050)
    with pytest.raises(ValueError, match=r"audio lasts 1\.20 s but poses last 2\.00 s"):
        pm.refine_data_samples(samples, str(wav), fps=FPS, refiner=refiner)
    for seconds in (1.6, 2.4):  # 0.4 s short / long: allowed here as by the Refiner
        out = pm.refine_data_samples(samples, _audio(seconds), fps=FPS, sr=22050, refiner=refiner)
        kp = np.stack([s.pred_instances.keypoints[0] for s in out])
        assert kp.shape == (100, 17, 3) and np.isfinite(kp).all()
    video = tmp_path / "video_only.mp4"
    import subprocess

    import imageio_ffmpeg
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                    "color=c=black:s=64x64:d=2", "-r", "25", "-c:v", "mpeg4", str(video)], check=True)
    with pytest.warns(UserWarning, match="no audio stream: pose-only"):
        out = pm.refine_data_samples(samples, str(video), fps=FPS, refiner=refiner)
    assert len(out) == 100


# ----------------------------------------------------------------------------------------------------------------
# Prediction files
# ----------------------------------------------------------------------------------------------------------------
def test_demo_prediction_file_round_trip(tmp_path):
    T = 40
    samples, _ = _samples(T, n_people=2)
    path = _demo_file(tmp_path / "results_violin.json", samples)
    raw = json.loads(path.read_text())
    assert raw["instance_info"][0]["frame_id"] == 1
    assert set(raw["instance_info"][0]["instances"][0]) == {"keypoints", "keypoint_scores", "bbox", "bbox_score"}
    preds = pm.read_predictions(path)
    assert preds.layout == "demo" and preds.fps is None and len(preds.frames) == T
    assert preds.keypoints[0].shape == (2, 17, 3)

    out = pm.refine_predictions(preds, None, fps=FPS, refiner=pm.SavitzkyGolayRefiner(window=9, polyorder=2))
    written = pm.write_predictions(out, tmp_path / "refined.json")
    back = json.loads(written.read_text())
    assert back["meta_info"] == raw["meta_info"]  # json_tricks arrays in meta_info kept as they were
    assert back["refine_info"]["fps"] == 50.0 and back["refine_info"]["source_fps"] == FPS
    frames = back["instance_info"]
    assert [f["frame_id"] for f in frames] == list(range(1, 1 + 2 * T))
    assert [f["timestamp"] for f in frames[:3]] == [0.0, 0.02, 0.04]
    assert all(f["fps"] == 50.0 for f in frames)
    assert frames[3]["source_frame_id"] == 1 + round(3 * FPS / 50)
    inst = frames[0]["instances"]
    assert [i["track_id"] for i in inst] == [0, 1]
    assert set(inst[0]) == {"keypoints", "keypoint_scores", "bbox", "bbox_score", "track_id"}
    assert np.array(inst[0]["keypoints"]).shape == (17, 3)
    # person 1 is shifted in camera x, i.e. to negative MMPose x; tracks were not mixed up
    xs = np.array([[np.mean(np.array(i["keypoints"])[:, 0]) for i in f["instances"]] for f in frames])
    assert (xs[:, 0] > -0.2).all() and (xs[:, 1] < -0.4).all()

    pm.refine_predictions(raw, None, fps=FPS, refiner=pm.GaussianRefiner())  # loaded contents work too...
    assert raw == json.loads(path.read_text())  # ...and are not modified
    again = pm.read_predictions(written)
    assert again.layout == "demo" and again.fps == 50.0 and len(again.frames) == 2 * T
    np.testing.assert_allclose(again.keypoints[5], out.keypoints[5])
    # a refined file refines again without --fps (the file records it), keeping the track ids
    twice = pm.refine_predictions(written, None, refiner=pm.GaussianRefiner(sigma=1.0))
    assert len(twice.frames) == 2 * T and twice.frames[0]["instances"][1]["track_id"] == 1


@needs_engine
def test_inferencer_prediction_file_round_trip_with_mapnet(tmp_path, tiny_ckpt):
    T = 50
    samples, _ = _samples(T, drop={(20, 0), (21, 0)})
    path = _inferencer_file(tmp_path / "violin.json", samples)
    raw = json.loads(path.read_text())
    assert isinstance(raw, list) and raw[0]["frame_id"] == 0 and raw[20]["instances"] == []
    wav = tmp_path / "violin.wav"
    sf.write(wav, _audio(T / FPS), 22050)
    refiner = pm.build_refiner(dict(STANZA, checkpoint=str(tiny_ckpt)))
    out = pm.refine_predictions(path, str(wav), fps=FPS, refiner=refiner)
    written = pm.write_predictions(out, tmp_path / "violin_refined.json")
    back = json.loads(written.read_text())
    assert isinstance(back, list) and len(back) == 2 * T
    assert [f["frame_id"] for f in back] == list(range(2 * T))
    for f in back:
        assert len(f["instances"]) == (0 if f["source_frame_id"] in (20, 21) else 1)
    kp = np.array([f["instances"][0]["keypoints"] for f in back if f["instances"]])
    assert kp.shape == (2 * T - 4, 17, 3) and np.isfinite(kp).all()
    assert pm.read_predictions(written).fps == 50.0


def test_malformed_and_2d_prediction_files(tmp_path):
    samples, _ = _samples(10)
    good = _inferencer_file(tmp_path / "good.json", samples)
    bad = tmp_path / "truncated.json"
    bad.write_text(good.read_text()[:200])
    with pytest.raises(ValueError, match="not valid JSON"):
        pm.read_predictions(bad)
    with pytest.raises(ValueError, match="'instance_info'"):
        pm.read_predictions({"predictions": []})
    with pytest.raises(ValueError, match="'frame_id' and 'instances'"):
        pm.read_predictions([{"frame": 0, "instances": []}])
    with pytest.raises(ValueError, match="one image's instances"):
        pm.read_predictions(split_instances(samples[0].pred_instances))
    with pytest.raises(ValueError, match="frame ids must increase"):
        pm.read_predictions([{"frame_id": 1, "instances": []}, {"frame_id": 1, "instances": []}])
    with pytest.raises(ValueError, match="non-empty list"):
        pm.read_predictions({"meta_info": {}, "instance_info": []})
    # the 2D pose inferencer's file: same layout, (K, 2) keypoints
    two_d = [dict(frame_id=i, instances=[dict(keypoints=np.zeros((17, 2)).tolist(), keypoint_scores=[1.0] * 17)])
             for i in range(5)]
    with pytest.raises(ValueError, match="keypoints are 2D"):
        pm.read_predictions(two_d)
    wrong = [dict(frame_id=i, instances=[dict(keypoints=np.zeros((133, 3)).tolist())]) for i in range(5)]
    with pytest.raises(ValueError, match="133 keypoints per instance but skeleton='h36m' has 17"):
        pm.refine_predictions(wrong, None, fps=FPS, refiner=pm.GaussianRefiner())
    with pytest.raises(ValueError, match="fps is required"):
        pm.refine_predictions(good, None, refiner=pm.GaussianRefiner())


def test_tool_refines_a_demo_file(tmp_path, capsys):
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import refine_mmpose
    finally:
        sys.path.remove(str(REPO / "tools"))
    samples, _ = _samples(30)
    path = _demo_file(tmp_path / "results_take.json", samples)
    wav = tmp_path / "take.wav"
    sf.write(wav, _audio(30 / FPS), 22050)
    cfg = REPO / "configs" / "mmpose" / "videopose3d_243frm_h36m_one_euro.py"
    assert refine_mmpose.main([str(path), "--audio", str(wav), "--config", str(cfg), "--fps", "25"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["frames_out"] == 60 and report["fps_out"] == 50.0 and report["tracks"] == [0]
    out = tmp_path / "results_take_refined.json"
    assert pm.read_predictions(out).layout == "demo"
    with pytest.raises(SystemExit):
        refine_mmpose.main([str(path), "--audio", str(wav), "--config", str(cfg)])  # no --fps, no video
    assert "pass --fps" in capsys.readouterr().err
