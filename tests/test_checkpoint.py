"""The bundled weights: small, weights-only, hash-checked in code as well as by the sidecar."""
from __future__ import annotations

import json
import shutil

import pytest
import torch

import pose_audio_refine.checkpoint as ck


def test_bundled_weights_load_weights_only_and_are_small():
    assert ck.DEFAULT_CHECKPOINT.stat().st_size < 20 * 1024 * 1024
    net, meta = ck.load_weights()
    assert meta["input_mode"] == "grid" and meta["sha256"] == ck.DEFAULT_SHA256
    # a plain state_dict that torch's weights-only unpickler accepts
    state = torch.load(ck.DEFAULT_CHECKPOINT, map_location="cpu", weights_only=True)
    assert set(state) == set(net.state_dict())
    out = net(torch.zeros(1, 150, 13, 3), torch.zeros(1, 150, 35))
    assert out.shape == (1, 150, 13, 3) and torch.isfinite(out).all()


def test_modified_bundled_weights_are_refused_even_with_a_matching_sidecar(tmp_path, monkeypatch):
    copy = tmp_path / ck.DEFAULT_CHECKPOINT.name
    shutil.copy(ck.DEFAULT_CHECKPOINT, copy)
    state = torch.load(copy, weights_only=True)
    first = next(iter(state))
    state[first] = state[first] + 1.0
    torch.save(state, copy)
    side = json.loads(ck.sidecar_path(ck.DEFAULT_CHECKPOINT).read_text())
    side["sha256"] = ck.sha256_file(copy)  # an attacker could update the sidecar, not the code
    ck.sidecar_path(copy).write_text(json.dumps(side))
    monkeypatch.setattr(ck, "DEFAULT_CHECKPOINT", copy)
    with pytest.raises(ck.CheckpointError, match="SHA-256"):
        ck.load_weights()


KEPT = ("pot_fast", "smoothnet_grid", "deciwatch_grid")  # the README's equal-budget comparison


def test_kept_training_weights_load_and_all_weights_stay_small():
    weights = ck.WEIGHTS_DIR.parents[1] / "training" / "weights"
    x = torch.full((1, 150, 13, 3), 500.0)
    for name in KEPT:
        net, meta = ck.load_weights(weights / f"{name}.pth")
        assert meta["input_mode"] == "grid" and meta["net"]["type"] == type(net).__name__
        assert torch.isfinite(net(x)).all()
    files = sorted(weights.glob("*.pth")) + sorted(ck.WEIGHTS_DIR.glob("*.pth"))
    assert {f.stem for f in files} == set(KEPT) | {"mapnet_fast"}
    # the shipped model and the three the README compares it with at equal budget, kept small (two of them fp16)
    assert sum(f.stat().st_size for f in files) <= 4_500_000


@pytest.mark.parametrize("option", [dict(rebalance_mode="attention"), dict(time_pe=True), dict(residual="smooth"),
                                    dict(residual_gate="mix", residual="gated"),
                                    dict(residual_gate="sigmoid", residual="gated"),
                                    dict(residual_gate=None, residual="gated")])  # no gate named: the old sigmoid
def test_a_sidecar_with_a_dropped_option_is_refused_by_name(tmp_path, option):
    copy = tmp_path / "w.pth"
    shutil.copy(ck.DEFAULT_CHECKPOINT, copy)
    side = json.loads(ck.sidecar_path(ck.DEFAULT_CHECKPOINT).read_text())
    side["net"].update(option)
    ck.sidecar_path(copy).write_text(json.dumps(side))
    key, value = next(iter(option.items()))
    with pytest.raises(ck.CheckpointError, match=f"cannot be built.*{key if key != 'residual' else value}"):
        ck.load_weights(copy)
