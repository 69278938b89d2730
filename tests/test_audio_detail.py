"""The audio-driven detail of MAPnet (pose_audio_refine/models/audio_detail.py) and its gain-invariant audio input.

What must hold whatever the weights: without audio the detail is exactly zero (pose-only use is the same net's),
with audio it is bounded and mean-free over the window (it adds motion, it never relocates), and with
``audio_level`` a recording's gain does not change the output.
"""
from __future__ import annotations

import pytest
import torch

from pose_audio_refine.audio import FEATURE_MEAN
from pose_audio_refine.models import build_model
from pose_audio_refine.models.audio_detail import DETAIL_MAX_MM, audio_present

RMS = len(FEATURE_MEAN) - 1
SMALL = dict(t_in=150, h1=16, h2=10, n_heads=2, pose_layers=1, audio_layers=1, fusion_layers=1, ff_dim=32,
             dropout=0.0, audio_norm=True, loudness_integral=True, residual="correction",
             smoothing_sigmas_s=(0.04, 0.16))


def _net(**extra):
    torch.manual_seed(0)
    return build_model("MAPnet", **SMALL, **extra).eval()


def _inputs(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(150) / 50.0
    poses = 300.0 * torch.randn(1, 1, 13, 3, generator=g) + 20.0 * torch.sin(2 * torch.pi * 2.0 * t)[None, :, None, None]
    poses = poses + 5.0 * torch.randn(1, 150, 13, 3, generator=g)
    audio = torch.tensor(FEATURE_MEAN)[None, None, :].repeat(1, 150, 1) * (1 + 0.3 * torch.rand(1, 150, 35, generator=g))
    audio[..., 33] = (torch.rand(1, 150, generator=g) > 0.9).float()  # onset peaks are 0/1
    return poses, audio


def _with_loud_detail(net):
    """Make the detail branch output large: its bound, not its training, must keep it in check."""
    with torch.no_grad():
        net.detail.out.weight.normal_(0.0, 5.0, generator=torch.Generator().manual_seed(1))
        net.detail.out.bias.fill_(3.0)
    return net


def test_no_audio_means_no_detail_whatever_the_weights():
    poses, _ = _inputs()
    net = _net(audio_detail=True)
    before = net(poses, None)
    after = _with_loud_detail(net)(poses, None)
    torch.testing.assert_close(before, after, rtol=0, atol=0)
    assert audio_present(torch.zeros(2, 150, 36)).sum() == 0


def test_detail_is_bounded_and_mean_free_over_the_window():
    poses, audio = _inputs()
    net = _with_loud_detail(_net(audio_detail=True))
    with_detail = net(poses, audio)
    detail = net.detail
    net.detail = None  # the same net without the branch
    without = net(poses, audio)
    net.detail = detail
    delta = with_detail - without
    assert delta.abs().max() > 10.0  # the loud branch does move the output...
    assert delta.abs().max() <= 2 * DETAIL_MAX_MM + 1e-3  # ...by at most its bound (mean removal can double it)
    torch.testing.assert_close(delta.mean(dim=1), torch.zeros_like(delta.mean(dim=1)), rtol=0, atol=1e-3)


def test_audio_detail_needs_the_do_no_harm_output_and_audio():
    with pytest.raises(ValueError, match="audio_detail"):
        build_model("MAPnet", **{**SMALL, "residual": True, "smoothing_sigmas_s": None}, audio_detail=True)
    with pytest.raises(ValueError, match="audio_detail"):
        build_model("MAPnet", **SMALL, audio_detail=True, use_audio=False)


@pytest.mark.parametrize("gain", [0.1, 3.0])
def test_audio_level_makes_the_output_independent_of_the_recordings_gain(gain):
    poses, audio = _inputs(3)
    louder = audio.clone()
    louder[..., RMS] *= gain  # RMS is linear in the gain
    for level, same in ((True, True), (False, False)):
        net = _with_loud_detail(_net(audio_detail=True, audio_level=level))
        a, b = net(poses, audio), net(poses, louder)
        assert torch.allclose(a, b, atol=1e-3) is same, (level, float((a - b).abs().max()))


def test_init_from_keeps_new_branches_and_refuses_foreign_weights(tmp_path):
    from training.engine.model import PoseRefiner

    base = _net()
    path = tmp_path / "base.pth"
    torch.save(base.state_dict(), path)
    model = PoseRefiner(net=dict(type="MAPnet", **SMALL, audio_detail=True), init_from=str(path))
    torch.testing.assert_close(model.net.pose_embed.weight, base.pose_embed.weight)
    foreign = dict(base.state_dict(), extra_weight=torch.zeros(1))
    torch.save(foreign, path)
    with pytest.raises(ValueError, match="lacks"):
        PoseRefiner(net=dict(type="MAPnet", **SMALL), init_from=str(path))


def test_all_zero_audio_rows_are_no_audio():
    """The Refiner pads a short soundtrack with zero rows and silent sets store zeros: the network must see them as
    it sees audio=None (zeros after standardising), so a window of zeros gets no audio detail at all."""
    poses, audio = _inputs(5)
    net = _with_loud_detail(_net(audio_detail=True, audio_level=True))
    torch.testing.assert_close(net(poses, torch.zeros_like(audio)), net(poses, None), rtol=0, atol=0)
    padded = audio.clone()
    padded[:, 100:] = 0.0  # the soundtrack ends two thirds into the window
    prepared = net._prepare_audio(padded, 1, poses)
    assert prepared[:, 100:].abs().max() == 0 and prepared[:, :100].abs().max() > 0


def test_extra_dilations_start_as_the_identity_so_a_trained_detail_keeps_its_output(tmp_path):
    from training.engine.model import PoseRefiner

    poses, audio = _inputs(5)
    narrow = _with_loud_detail(_net(audio_detail=True))
    path = tmp_path / "narrow.pth"
    torch.save(narrow.state_dict(), path)
    wide = PoseRefiner(net=dict(type="MAPnet", **SMALL, audio_detail=True, detail_extra_dilations=(16, 32, 64)),
                       init_from=str(path)).net.eval()
    assert len(wide.detail.blocks) == len(narrow.detail.blocks) + 3
    torch.testing.assert_close(wide(poses, audio), narrow(poses, audio), rtol=0, atol=1e-5)
    with torch.no_grad():  # once trained, the new blocks do change the output (they are not dead weight)
        wide.detail.blocks[-1].mix.weight.normal_(0.0, 0.5, generator=torch.Generator().manual_seed(2))
    assert (wide(poses, audio) - narrow(poses, audio)).abs().max() > 1e-2
    with pytest.raises(ValueError, match="dilations"):
        build_model("MAPnet", **SMALL, audio_detail=True, detail_extra_dilations=(0,))
