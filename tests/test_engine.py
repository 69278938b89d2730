"""mmengine training glue: train, resume, DDP on two CPU processes, test, export, checkpoint errors."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from pose_audio_refine.checkpoint import CheckpointError, load_weights, sidecar_path

REPO = Path(__file__).resolve().parents[1]
CONFIG = str(REPO / "configs/mapnet/mapnet_small_bank.py")
POT = str(REPO / "configs/baselines/pot_small_bank.py")
TINY = ["model.net.h1=16", "model.net.h2=10", "model.net.n_heads=2", "model.net.pose_layers=1",
        "model.net.audio_layers=1", "model.net.fusion_layers=1", "train_dataloader.batch_size=4",
        "val_dataloader.batch_size=8", "val_dataloader.dataset.max_samples=8", "default_hooks.logger.interval=1",
        "default_hooks.checkpoint.interval=2"]


def _tool(name: str):
    """Import ``tools/<name>.py`` by path (``tools/test.py`` would clash with the stdlib ``test`` package)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(f"_tool_{name}", REPO / "tools" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def train_main():
    return _tool("train").main


def _args(config, work_dir, data_root, iters, *extra):
    return [config, "--work-dir", str(work_dir), "--data-root", str(data_root), "--max-iters", str(iters),
            "--cfg-options", *TINY, *extra]


def test_train_then_resume_continues(train_main, mini_build, tmp_path):
    wd = tmp_path / "wd"
    train_main(_args(CONFIG, wd, mini_build, 2))
    assert (wd / "iter_2.pth").is_file()
    assert json.loads((wd / "rank_progress/rank0.json").read_text())["iter"] == 2
    # a longer schedule resumes from iter 2 instead of starting over
    train_main(_args(CONFIG, wd, mini_build, 4) + ["--resume"])
    assert (wd / "iter_4.pth").is_file()
    ckpt = torch.load(wd / "iter_4.pth", map_location="cpu", weights_only=False)
    assert ckpt["meta"]["iter"] == 4


def test_fine_tune_loads_a_training_checkpoint(train_main, mini_build, tmp_path):
    # load_from of our own mmengine checkpoint (optimiser state inside) must not hit torch's weights-only refusal
    train_main(_args(CONFIG, tmp_path / "a", mini_build, 2))
    src = torch.load(tmp_path / "a" / "iter_2.pth", map_location="cpu", weights_only=False)["state_dict"]
    train_main(_args(CONFIG, tmp_path / "b", mini_build, 1, f"load_from={tmp_path / 'a' / 'iter_2.pth'}",
                     "optim_wrapper.optimizer.lr=0.0", "param_scheduler=[]"))
    got = torch.load(tmp_path / "b" / "iter_1.pth", map_location="cpu", weights_only=False)["state_dict"]
    for k in src:  # lr 0: one step later the weights are still the loaded ones
        assert torch.allclose(src[k].float(), got[k].float()), k


def test_shape_augmentation_reshapes_bodies_deterministically(mini_build):
    from training.augment import rescale_segments, segment_scales
    from training.engine.dataset import TELMI13_PARENTS, MAPdatWindows
    from training.noise import TELMI13_PAIRS

    def bones(g):
        return np.stack([np.linalg.norm(g[:, j] - g[:, p], axis=-1).mean()
                         for j, p in enumerate(TELMI13_PARENTS) if p >= 0])

    kw = dict(data_root=str(mini_build), split="train", input_mode="grid", online_noise="realistic", repeats=4)
    plain, aug = MAPdatWindows(**kw), MAPdatWindows(**kw, shape_aug=0.25, shape_aug_p=0.5)
    ratios, changed = [], 0
    for i in range(len(plain)):
        a, b = plain[i], aug[i]
        r = bones(b["gt"].double().numpy()) / bones(a["gt"].double().numpy())
        if np.allclose(r, 1.0):
            torch.testing.assert_close(a["poses"], b["poses"])  # unreshaped samples: the same noise draws
        else:
            changed += 1
            ratios.append(r)
        torch.testing.assert_close(b["gt"], aug[i]["gt"])  # deterministic
    assert 0.25 * len(plain) <= changed <= 0.75 * len(plain)  # about half
    spread = np.concatenate(ratios)
    assert spread.min() < 0.9 and spread.max() > 1.1
    # the segment factors: both sides alike, the root left in place, lengths scaled exactly
    sc = segment_scales(np.random.default_rng(0), TELMI13_PARENTS, TELMI13_PAIRS, 0.3)
    assert sc[0] == 1.0 and all(sc[a] == sc[b] for a, b in TELMI13_PAIRS)
    g = plain[0]["gt"].double().numpy()
    before = g.copy()
    out = rescale_segments(g, TELMI13_PARENTS, sc)
    np.testing.assert_array_equal(g, before)
    np.testing.assert_allclose(out[:, 0], g[:, 0])
    np.testing.assert_allclose(bones(out), bones(g) * sc[1:], rtol=1e-9)
    with pytest.raises(ValueError, match="online_noise"):
        MAPdatWindows(data_root=str(mini_build), split="train", input_mode="grid", shape_aug=0.2)


def test_unswap_input_trains_on_the_inputs_the_refiner_serves(mini_build):
    from pose_audio_refine.swaps import unswap_windows
    from pose_audio_refine.windows import grid_times, to_grid
    from training.engine.dataset import MAPdatWindows
    from training.noise import TELMI13_PAIRS

    kw = dict(data_root=str(mini_build), split="train", input_mode="grid", online_noise="realistic", repeats=12)
    plain, clean = MAPdatWindows(**kw), MAPdatWindows(**kw, unswap_input=True)
    sides = [j for pair in TELMI13_PAIRS for j in pair]
    err = {"plain": 0.0, "clean": 0.0}
    swapped = 0
    for i in range(len(plain)):
        a, b = plain[i], clean[i]
        assert a["category"] == b["category"]  # the category still says where the estimator swapped
        if a["category"] != 2:
            continue
        swapped += 1
        for name, item in (("plain", a), ("clean", b)):
            err[name] += float((item["poses"] - item["gt"])[:, sides].norm(dim=-1).mean())
    assert swapped >= 2, "the mini build should hold a few swapped windows"
    assert err["clean"] < 0.8 * err["plain"]  # most swaps are gone before the net sees them
    # exactly the Refiner's order: unswap the sparse frames, then grid
    gt = np.asarray(plain.data["gt"][int(plain.clip_of[0])], dtype=np.float64)
    poses, times, _, _ = plain._online(0, gt)
    want = to_grid(unswap_windows(poses[None], TELMI13_PAIRS)[0], times, grid_times())
    torch.testing.assert_close(clean[0]["poses"], torch.from_numpy(want.astype(np.float32)))


def test_seeded_training_is_deterministic(train_main, mini_build, tmp_path):
    states = []
    for name in ("a", "b"):
        train_main(_args(CONFIG, tmp_path / name, mini_build, 2, "randomness.seed=5"))
        states.append(torch.load(tmp_path / name / "iter_2.pth", map_location="cpu", weights_only=False)["state_dict"])
    for k in states[0]:
        assert torch.equal(states[0][k], states[1][k]), k


def test_ddp_two_cpu_processes_both_step(mini_build, tmp_path):
    wd = tmp_path / "ddp"
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(REPO))
    import socket

    with socket.socket() as sock:  # a free port: a fixed one fails the run whenever something else holds it
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", f"--master_port={port}",
           str(REPO / "tools/train.py"), *_args(CONFIG, wd, mini_build, 3), "--launcher", "pytorch"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for rank in (0, 1):
        rec = json.loads((wd / f"rank_progress/rank{rank}.json").read_text())
        assert rec["iter"] == 3 and np.isfinite(rec["loss"])


def test_export_then_test_tool_and_shuffled_audio_control(train_main, mini_build, tmp_path):
    wd = tmp_path / "wd"
    train_main(_args(CONFIG, wd, mini_build, 2))
    export_weights, test_tool = _tool("export_weights"), _tool("test")
    w = export_weights.main([CONFIG, str(wd / "iter_2.pth"), "--out", str(tmp_path / "w.pth"), "--cfg-options", *TINY])
    net, meta = load_weights(w)
    assert meta["input_mode"] == "grid" and meta["noise"] == ["realistic", "paper", "drift_swaps30"]
    # --half: a float16 file of about half the size, loaded into a float32 net with the same weights to fp16 precision
    wh = export_weights.main([CONFIG, str(wd / "iter_2.pth"), "--out", str(tmp_path / "wh.pth"), "--half",
                              "--cfg-options", *TINY])
    net_h, meta_h = load_weights(wh)
    assert meta_h["stored_dtype"] == "float16" and meta["stored_dtype"] == "float32"
    assert wh.stat().st_size < 0.7 * w.stat().st_size
    for k, v in net.state_dict().items():
        assert net_h.state_dict()[k].dtype == v.dtype
        torch.testing.assert_close(net_h.state_dict()[k], v, rtol=1e-3, atol=1e-4)
    # the train split: the mini build has one take per split otherwise, and shuffling needs another take
    common = ["--data-root", str(mini_build), "--split", "train", "--work-dir", str(tmp_path / "t"),
              "--cfg-options", *TINY]
    matched = test_tool.main([CONFIG, str(w), *common])
    shuffled = test_tool.main([CONFIG, str(w), "--shuffle-audio", *common])
    assert np.isfinite(matched["pose/mpjpe"]) and np.isfinite(shuffled["pose/mpjpe"])
    assert matched["pose/mpjpe"] != shuffled["pose/mpjpe"]  # the audio reaches the network
    # MAPnet weights cannot be evaluated with another model's config (PoT: no audio branch): clear error
    with pytest.raises(CheckpointError, match="does not match this config"):
        test_tool.main([POT, str(w), *common])
    # every window's swaps, per τ (the mini build's realistic noise has a few)
    swaps = _tool("swap_check").main(["--data-root", str(mini_build), "--split", "train", "--checkpoint", str(w),
                                      "--threads", "1"])
    assert set(swaps) == {"tau100", "tau050", "tau033"}
    for v in swaps.values():
        assert v["windows"] > 0 and 0 <= v["windows_with_a_swap_left"] <= v["windows"]
        assert v["flagged"] == 0 or 0.0 <= v["restored_pct"] <= 100.0


def test_checkpoint_errors_never_half_load(tmp_path):
    from pose_audio_refine.checkpoint import save_weights
    from pose_audio_refine.models import build_model
    cfg = dict(type="MAPnet", t_in=150, h1=16, h2=10, n_heads=2, pose_layers=1, audio_layers=1, fusion_layers=1,
               residual=True)
    kw = dict(cfg)
    net = build_model(kw.pop("type"), **kw)
    path = save_weights(net, cfg, tmp_path / "w.pth", input_mode="grid")
    loaded, meta = load_weights(path)
    for k, v in net.state_dict().items():
        assert torch.equal(v, loaded.state_dict()[k])
    # tampered: one byte flipped
    bad = tmp_path / "bad.pth"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    sidecar_path(bad).write_text(sidecar_path(path).read_text())
    with pytest.raises(CheckpointError, match="SHA-256"):
        load_weights(bad)
    # truncated, with a sidecar claiming the truncated hash: unreadable, clear error
    from pose_audio_refine.checkpoint import sha256_file
    trunc = tmp_path / "trunc.pth"
    trunc.write_bytes(path.read_bytes()[:500])
    side = json.loads(sidecar_path(path).read_text())
    side["sha256"] = sha256_file(trunc)
    sidecar_path(trunc).write_text(json.dumps(side))
    with pytest.raises(CheckpointError, match="could not be read"):
        load_weights(trunc)
    # another config: sidecar says a different size
    other = tmp_path / "other.pth"
    other.write_bytes(path.read_bytes())
    side = json.loads(sidecar_path(path).read_text())
    side["net"]["h1"] = 32
    sidecar_path(other).write_text(json.dumps(side))
    with pytest.raises(CheckpointError, match="does not fit"):
        load_weights(other)
    with pytest.raises(FileNotFoundError):
        load_weights(tmp_path / "missing.pth")


def _configs():
    return sorted(p for p in (REPO / "configs").rglob("*.py") if "mmpose" not in p.parts and "_base_" not in p.parts)


def test_every_training_config_resolves_builds_and_is_named_in_the_readme():
    from mmengine import Config
    from pose_audio_refine.models import build_model
    readme = (REPO / "README.md").read_text()
    for path in _configs():
        rel = path.relative_to(REPO).as_posix()
        assert f"python tools/train.py {rel}" in readme, f"{rel}: no training command in the README"
        assert path.read_text().startswith("# "), f"{rel}: no header comment saying what it is"
        cfg = Config.fromfile(str(path))
        net = dict(cfg.model.net)
        build_model(net.pop("type"), **net)  # every option it names exists


def test_shipped_config_chain_is_what_the_bundled_weights_record():
    """The shipped recipe is a chain of one-parent configs -- the do-no-harm model (stage 1, whose one _base_ is the
    runtime; stage 2), then the audio model's seventeen stages, each starting from the one before -- and its last stage is
    exactly what the bundled weights' sidecar records."""
    import ast

    def bases(rel):
        tree = ast.parse((REPO / rel).read_text())
        return [ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)
                and any(getattr(t, "id", None) == "_base_" for t in n.targets)]

    # each config's one parent, in training order
    for child, parent in (
            ("mapnet_small_bank", "../_base_/default_runtime"),
            ("mapnet_small_bank_ft", "./mapnet_small_bank"),
            ("mapnet_fast", "./mapnet_small_bank_ft"),
            ("mapnet_fast_ft", "./mapnet_fast"),
            ("mapnet_fast_detail", "./mapnet_fast_ft"),
            ("mapnet_fast_detail_sf", "./mapnet_fast_detail"),
            ("mapnet_fast_detail_vel", "./mapnet_fast_detail_sf"),
            ("mapnet_fast_detail_vel8", "./mapnet_fast_detail_vel"),
            ("mapnet_fast_detail_vel16", "./mapnet_fast_detail_vel8"),
            ("mapnet_fast_detail_wide", "./mapnet_fast_detail_vel16"),
            ("mapnet_fast_detail_wide_ft", "./mapnet_fast_detail_wide"),
            ("mapnet_fast_detail_wide_long", "./mapnet_fast_detail_wide_ft"),
            ("mapnet_fast_detail_wide_longer", "./mapnet_fast_detail_wide_long"),
            ("mapnet_fast_detail_wide_longest", "./mapnet_fast_detail_wide_longer"),
            ("mapnet_fast_detail_wide_9k", "./mapnet_fast_detail_wide_longest"),
            ("mapnet_fast_detail_wide_24k", "./mapnet_fast_detail_wide_9k"),
            ("mapnet_fast_detail_wide_20k", "./mapnet_fast_detail_wide_24k"),
            ("mapnet_fast_detail_wide_18k", "./mapnet_fast_detail_wide_20k"),
            ("mapnet_fast_detail_wide_10k", "./mapnet_fast_detail_wide_18k"),
    ):
        assert bases(f"configs/mapnet/{child}.py") == [[f"{parent}.py"]]
    assert "_base_" not in (REPO / "configs/_base_/default_runtime.py").read_text()
    from mmengine import Config
    side = json.loads((REPO / "pose_audio_refine/weights/mapnet_fast.json").read_text())
    assert side["config"] == "configs/mapnet/mapnet_fast_detail_wide_10k.py"
    cfg = Config.fromfile(str(REPO / side["config"]))
    # the config is the bundled weights' recipe (JSON stores tuples as lists)
    assert json.loads(json.dumps(dict(cfg.model.net))) == side["net"]
    assert cfg.unswap_input == side["unswap_input"]
    assert "train_cfg.max_iters=1750" in side["command"]  # stage 4's device-run deadline, recorded
    assert side["iteration"] == cfg.train_cfg.max_iters == 10000  # stage 19 ran its whole schedule
    assert cfg.model.vel_weight == 16.0  # ... with the velocity term weighted 16x
    assert tuple(cfg.model.net.detail_extra_dilations) == (16, 32, 64)  # ... and the detail's view widened
    assert cfg.model.trainable == ["detail"]  # ... with everything but the audio detail frozen
    assert "data_build/mapdat_fast_sf_aug" in side["train_data"]
    # each stage starts from the one before
    assert Config.fromfile(str(REPO / "configs/mapnet/mapnet_small_bank_ft.py")).load_from == \
        "work_dirs/mapnet_small_bank/iter_4000.pth"
    assert Config.fromfile(str(REPO / "configs/mapnet/mapnet_fast.py")).model.init_from == \
        "work_dirs/mapnet_small_bank_ft/iter_2000.pth"
    assert Config.fromfile(str(REPO / "configs/mapnet/mapnet_fast_ft.py")).model.init_from.startswith(
        "work_dirs/mapnet_fast/iter_")
    stage5 = Config.fromfile(str(REPO / "configs/mapnet/mapnet_fast_detail.py")).model
    assert stage5.init_from == "work_dirs/mapnet_fast_ft/iter_1750.pth" and stage5.trainable == ["detail"]
    stage6 = Config.fromfile(str(REPO / "configs/mapnet/mapnet_fast_detail_sf.py")).model
    assert stage6.init_from == "work_dirs/mapnet_fast_detail/iter_3000.pth" and stage6.trainable == ["detail"]
    stage7 = Config.fromfile(str(REPO / "configs/mapnet/mapnet_fast_detail_vel.py")).model
    assert stage7.init_from == "work_dirs/mapnet_fast_detail_sf/iter_3000.pth" and stage7.vel_weight == 4.0
    stage8 = Config.fromfile(str(REPO / "configs/mapnet/mapnet_fast_detail_vel8.py")).model
    assert stage8.init_from == "work_dirs/mapnet_fast_detail_vel/iter_2000.pth" and stage8.vel_weight == 8.0
    stage9 = Config.fromfile(str(REPO / "configs/mapnet/mapnet_fast_detail_vel16.py")).model
    assert stage9.init_from == "work_dirs/mapnet_fast_detail_vel8/iter_2000.pth"
    for rel, start in (("wide", "vel16/iter_2000"), ("wide_ft", "wide/iter_3000"), ("wide_long", "wide_ft/iter_3000"),
                       ("wide_longer", "wide_long/iter_8000"), ("wide_longest", "wide_longer/iter_12000"),
                       ("wide_9k", "wide_longest/iter_12000"), ("wide_24k", "wide_9k/iter_9000"),
                       ("wide_20k", "wide_24k/iter_24000"),
                       ("wide_18k", "wide_20k/iter_20000")):
        stage = Config.fromfile(str(REPO / f"configs/mapnet/mapnet_fast_detail_{rel}.py")).model
        assert stage.init_from == f"work_dirs/mapnet_fast_detail_{start}.pth" and stage.trainable == ["detail"]
    assert cfg.model.init_from == "work_dirs/mapnet_fast_detail_wide_18k/iter_18000.pth"


def test_relative_loss_weighs_each_window_by_its_input_error():
    """PoseRefiner(relative_loss_floor_mm=f): each window's loss / (its input's MPJPE + f), so a clean window counts
    as much as a very noisy one."""
    from pose_audio_refine.models import refinement_loss
    from training.engine.model import PoseRefiner

    torch.manual_seed(0)
    net = dict(type="MAPnet", t_in=150, h1=16, h2=10, n_heads=2, pose_layers=1, audio_layers=1, fusion_layers=1,
               residual="correction", dropout=0.0)
    plain, rel = PoseRefiner(net=net, vel_weight=0.5), PoseRefiner(net=net, vel_weight=0.5, relative_loss_floor_mm=5.0)
    rel.load_state_dict(plain.state_dict())
    gt = torch.randn(3, 150, 13, 3) * 200
    poses = gt + torch.randn_like(gt) * torch.tensor([0.0, 20.0, 300.0]).view(3, 1, 1, 1)
    with torch.no_grad():
        pred = plain.net(poses, None)
        err_in = torch.linalg.vector_norm(poses - gt, dim=-1).mean(dim=(1, 2))
        want = torch.stack([refinement_loss(pred[b:b + 1], gt[b:b + 1], vel_weight=0.5) / (err_in[b] + 5.0)
                            for b in range(3)]).mean()
        torch.testing.assert_close(rel(poses, gt, None, None, mode="loss")["loss"], want)
        torch.testing.assert_close(plain(poses, gt, None, None, mode="loss")["loss"],
                                   refinement_loss(pred, gt, vel_weight=0.5))
    with pytest.raises(ValueError, match="relative_loss_floor_mm"):
        PoseRefiner(net=net, relative_loss_floor_mm=0.0)


def test_trainable_freezes_all_but_the_named_submodules_exactly():
    """PoseRefiner(trainable=['detail']): a training step changes the audio detail and leaves every other weight
    bit for bit (so the pose-only refinement, where the detail is zero, stays the starting model's)."""
    from training.engine.model import PoseRefiner

    torch.manual_seed(0)
    net = dict(type="MAPnet", t_in=150, h1=16, h2=10, n_heads=2, pose_layers=1, audio_layers=1, fusion_layers=1,
               residual="correction", dropout=0.0, audio_detail=True)
    model = PoseRefiner(net=net, vel_weight=0.5, trainable=["detail"])
    before = {k: v.detach().clone() for k, v in model.net.state_dict().items()}
    opt = torch.optim.Adam([p for p in model.parameters()], lr=1e-2)
    gt = torch.randn(2, 150, 13, 3) * 200
    poses, audio = gt + torch.randn_like(gt) * 20, torch.randn(2, 150, 35)
    for _ in range(3):
        opt.zero_grad()
        model(poses, gt, audio, None, mode="loss")["loss"].backward()
        opt.step()
    after = model.net.state_dict()
    changed = {k.split(".")[0] for k in before if not torch.equal(before[k], after[k])}
    assert changed == {"detail"}
    with pytest.raises(ValueError, match="trainable"):
        PoseRefiner(net=net, trainable=["no_such_part"])
