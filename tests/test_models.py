"""MAPnet and the learned baselines: shapes, variants, gradients, audio handling, NaN input, overfitting."""
import numpy as np
import pytest
import torch

from pose_audio_refine.filters import fill_gaps
from pose_audio_refine.models import (FUSION_LAYERS, NETWORKS, DeciWatch, LSTMPA, LSTMPo, MAPnet, PoT,
                                      SmoothNetMLP, build_model, count_parameters, mapnet_config, mpjpe_loss,
                                      refinement_loss, velocity_loss)
from pose_audio_refine.models.layers import PositionalEncoding, fill_missing, interp_time, normalize_poses

T_INS = (150, 75, 51)  # tau = 1, 0.5, 0.33 over a 3 s window


@pytest.fixture(autouse=True, scope="module")
def _one_thread(torch_one_thread):
    """Module-wide: torch on one thread (see conftest)."""


def _batch(t_in, b=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(t_in) / (t_in / 3.0)
    base = 300.0 * torch.sin(2 * torch.pi * 0.7 * t)[None, :, None, None]
    poses = base + 100.0 * torch.randn(b, 1, 13, 3, generator=g) + 800.0 + 10 * torch.randn(b, t_in, 13, 3,
                                                                                              generator=g)
    audio = torch.randn(b, 150, 35, generator=g)
    return poses, audio


def _small(t_in=150, **kw):
    return MAPnet(t_in=t_in, **mapnet_config("small", **kw))


def _all_models(t_in):
    return {
        "mapnet": _small(t_in),
        "mapnet_norebalance": _small(t_in, rebalance=False),
        "mapnet_residual": _small(t_in, residual=True),
        "pot": PoT(t_in=t_in, **mapnet_config("small")),
        "lstm_po": LSTMPo(hidden=32, n_layers=1),
        "lstm_pa": LSTMPA(hidden=32, n_layers=1),
        "smoothnet": SmoothNetMLP(hidden=64, n_blocks=1),
        "deciwatch": DeciWatch(dim=32, n_heads=4, enc_layers=1, dec_layers=1),
    }


@pytest.mark.parametrize("t_in", T_INS)
def test_output_shapes_every_model_every_tau(t_in):
    torch.manual_seed(0)
    poses, audio = _batch(t_in)
    for name, model in _all_models(t_in).items():
        model.eval()
        with torch.no_grad():
            out = model(poses, audio)
            out_none = model(poses)  # audio=None is accepted by all models
        assert out.shape == (2, 150, 13, 3), name
        assert torch.isfinite(out).all() and torch.isfinite(out_none).all(), name


def test_rebalance_on_off_shapes_fusion_length():
    for t_in in T_INS:
        on, off = _small(t_in), _small(t_in, rebalance=False)
        assert on.head.fc2.in_features == 2 * 50  # (2 * H2, H1)
        assert off.head.fc2.in_features == t_in + 150  # concatenation along time
        assert off.pose_rebalance is None and off.audio_rebalance is None


@pytest.mark.parametrize("fusion", sorted(FUSION_LAYERS))
def test_fusion_variants_have_the_right_layer_counts(fusion):
    model = MAPnet(**mapnet_config("small", fusion=fusion))
    branch, fuse = FUSION_LAYERS[fusion]
    assert len(model.pose_tf.encoder.layers) == branch
    assert len(model.audio_tf.encoder.layers) == branch
    assert len(model.fusion_tf.encoder.layers) == fuse
    assert (branch, fuse) == {"early": (2, 12), "balanced": (7, 7), "late": (12, 2)}[fusion]


def test_parameter_counts_paper_vs_small():
    paper = MAPnet(**mapnet_config("paper"))
    small = _small()
    n_paper, n_small = count_parameters(paper), count_parameters(small)
    # paper size: 26 post-norm layers of width 160 (ff 640) ~ 309k each, plus embeddings/rebalance/head
    assert 7.5e6 < n_paper < 9.0e6, n_paper
    assert n_small < 0.5e6, n_small
    assert paper.pose_rebalance.time_map.weight.shape == (150, 150)  # T_in -> H2
    assert paper.pose_embed.out_features == 160


def test_gradients_reach_pose_and_audio_branches():
    torch.manual_seed(0)
    model = _small(75)
    poses, audio = _batch(75)
    loss = mpjpe_loss(model(poses, audio), poses.new_zeros(2, 150, 13, 3) + 800.0)
    loss.backward()
    for name in ("pose_embed", "audio_embed", "pose_tf", "audio_tf", "pose_rebalance", "audio_rebalance",
                 "fusion_tf", "head"):
        grads = [p.grad for p in getattr(model, name).parameters()]
        assert all(g is not None for g in grads), name
        assert sum(float(g.abs().sum()) for g in grads) > 0, name


def test_audio_is_used_and_pose_only_models_ignore_it():
    torch.manual_seed(0)
    poses, audio = _batch(51)
    shuffled = audio.flip(0)  # the shuffled-audio control: another window's audio
    mapnet, pot = _small(51).eval(), PoT(t_in=51, **mapnet_config("small")).eval()
    with torch.no_grad():
        assert not torch.allclose(mapnet(poses, audio), mapnet(poses, shuffled))
        torch.testing.assert_close(pot(poses, audio), pot(poses, shuffled))
        torch.testing.assert_close(pot(poses, audio), pot(poses))
    assert not hasattr(pot, "audio_tf")


def test_audio_dropout_zeroes_audio_in_training_only():
    torch.manual_seed(0)
    model = _small(51, audio_dropout=0.5, dropout=0.0)
    seen = []
    model.audio_embed.register_forward_hook(lambda m, inp, out: seen.append(inp[0].detach().clone()))
    poses, _ = _batch(51, b=64)
    audio = torch.rand(64, 150, 35) + 0.5  # never zero by itself
    model.train()
    model(poses, audio)
    zeroed = (seen[-1].abs().sum(dim=(1, 2)) == 0)
    assert 0.2 < zeroed.float().mean() < 0.8  # about half the batch, each sample all or nothing
    assert torch.equal(seen[-1][~zeroed], audio[~zeroed])
    model.eval()
    model(poses, audio)
    assert torch.equal(seen[-1], audio)  # no dropout at test time
    # audio_dropout=1: training output equals the pose-only output (audio=None feeds the same zeros)
    full = _small(51, audio_dropout=1.0, dropout=0.0).train()
    torch.testing.assert_close(full(poses[:4], audio[:4]), full(poses[:4]))


def test_audio_norm_standardises_columns_and_keeps_zeros_for_no_audio():
    from pose_audio_refine.audio import FEATURE_MEAN, FEATURE_STD
    torch.manual_seed(0)
    model = _small(51, audio_dropout=1.0, dropout=0.0, audio_norm=True)
    assert {"audio_mean", "audio_std"} <= set(model.state_dict())  # travels with the weights
    seen = []
    model.audio_embed.register_forward_hook(lambda m, inp, out: seen.append(inp[0].detach().clone()))
    poses, _ = _batch(51, b=3)
    mean, std = torch.tensor(FEATURE_MEAN), torch.tensor(FEATURE_STD)
    audio = mean + std * torch.randn(3, 150, 35)  # features at their reference scale
    original = audio.clone()
    model.eval()
    model(poses, audio)
    torch.testing.assert_close(seen[-1], (audio - mean) / std)
    assert 0.8 < seen[-1].std() < 1.2 and torch.equal(audio, original)
    # dropped audio (training) and audio=None both reach the embedding as zeros
    model.train()
    model(poses, audio)
    assert torch.count_nonzero(seen[-1]) == 0
    model(poses)
    assert torch.count_nonzero(seen[-1]) == 0
    assert not hasattr(PoT(t_in=51, **mapnet_config("small"), audio_norm=True), "audio_mean")


def test_signed_loudness_integral_known_answer_and_model_channel():
    from pose_audio_refine.models.mapnet import LOUDNESS_INTEGRAL_SCALE, signed_loudness_integral
    audio = torch.zeros(1, 10, 35)
    audio[0, :, 34] = 1.0  # constant loudness
    audio[0, 5, 33] = 1.0  # one onset (a bow change) at frame 5
    raw = torch.tensor([1, 2, 3, 4, 5, 4, 3, 2, 1, 0], dtype=torch.float32)  # up-bow, then back
    torch.testing.assert_close(signed_loudness_integral(audio)[0], (raw - raw.mean()) / LOUDNESS_INTEGRAL_SCALE)
    assert torch.count_nonzero(signed_loudness_integral(torch.zeros(2, 150, 35))) == 0
    model = _small(51, audio_norm=True, loudness_integral=True, audio_dropout=1.0, dropout=0.0)
    assert model.audio_embed.in_features == 36
    seen = []
    model.audio_embed.register_forward_hook(lambda m, inp, out: seen.append(inp[0].detach().clone()))
    poses, _ = _batch(51, b=2)
    audio = torch.rand(2, 150, 35)
    model.eval()
    model(poses, audio)
    torch.testing.assert_close(seen[-1][..., 35], signed_loudness_integral(audio))
    model.train()
    model(poses, audio)  # dropped audio: the derived channel is dropped with it
    assert torch.count_nonzero(seen[-1]) == 0
    model.eval()
    model(poses)
    assert seen[-1].shape == (2, 150, 36) and torch.count_nonzero(seen[-1]) == 0


def test_signed_loudness_integral_traces_the_simulated_bowing_wrist():
    """The physics it relies on, on the simulator: over 3 s windows the integral follows the bowing wrist's
    main motion axis (|r|, up to sign), far better than another take's audio does."""
    from pose_audio_refine.audio import audio_features
    from pose_audio_refine.models.mapnet import signed_loudness_integral
    from training.simulator import simulate_take
    takes = [simulate_take(seed, 12.0, renderer="synth") for seed in (11, 12)]
    feats = [audio_features(t.audio, t.sr, fps=50) for t in takes]

    def corr(take, f):
        out = []
        for a in range(0, 600, 150):
            wrist = take.poses[a:a + 150, 5] - take.poses[a:a + 150, 5].mean(0)
            axis = np.linalg.svd(wrist, full_matrices=False)[2][0]
            z = signed_loudness_integral(torch.from_numpy(f[None, a:a + 150]).double())[0].numpy()
            out.append(abs(np.corrcoef(z, wrist @ axis)[0, 1]))
        return out

    matched = corr(takes[0], feats[0]) + corr(takes[1], feats[1])
    shuffled = corr(takes[0], feats[1]) + corr(takes[1], feats[0])
    assert np.mean(matched) > 0.6 and np.mean(matched) > np.mean(shuffled) + 0.25, (matched, shuffled)


def test_time_encoding_lets_deciwatch_serve_any_input_rate():
    torch.manual_seed(0)
    model = DeciWatch(dim=32, enc_layers=1, dec_layers=1).eval()
    with torch.no_grad():
        for t_in in (150, 75, 51, 30):  # 50, 25, 17, 10 fps in one instance
            poses, audio = _batch(t_in)
            assert model(poses, audio).shape == (2, 150, 13, 3)
        # irregular timestamps (dropped frames) per sample
        times = torch.sort(torch.rand(2, 40) * 3.0, dim=1).values
        assert torch.isfinite(model(_batch(40)[0], None, input_times=times)).all()
    # the code of an instant does not depend on the frame rate
    pe = PositionalEncoding(16, "time")
    x25, x50 = torch.zeros(1, 75, 16), torch.zeros(1, 150, 16)
    code25 = pe(x25, torch.arange(75) / 25.0)
    code50 = pe(x50, torch.arange(150) / 50.0)
    torch.testing.assert_close(code25[:, 10], code50[:, 20])
    # and at 50 fps it is the paper's index encoding (MAPnet's)
    torch.testing.assert_close(code50, PositionalEncoding(16, "index")(x50))


def test_fixed_length_models_reject_other_lengths_and_bad_config():
    model = _small(75)
    poses, audio = _batch(51)
    with pytest.raises(ValueError, match="t_in=75"):
        model(poses, audio)
    with pytest.raises(ValueError, match="t_in"):
        MAPnet(t_in=None, **mapnet_config("small"))
    # options of dropped variants are refused by name (a sidecar naming one gets a CheckpointError from this)
    for dropped in ("rebalance_mode", "time_pe", "pe_rate", "norm_first", "mask_channel", "audio_dim"):
        with pytest.raises(ValueError, match=dropped):
            build_model("MAPnet", t_in=150, **{dropped: None})
    with pytest.raises(ValueError, match="residual"):
        build_model("LSTMPo", residual=True)
    with pytest.raises(ValueError, match="audio"):
        _small(51)(poses, audio[:, :100])
    with pytest.raises(ValueError, match="poses"):
        _small(51)(poses[:, :, :12], audio)
    with pytest.raises(ValueError, match="input_times"):
        _small(51)(poses, audio, input_times=torch.zeros(51))
    with pytest.raises(ValueError, match="size"):
        mapnet_config("huge")
    with pytest.raises(ValueError, match="unknown model"):
        build_model("GRU")


def test_nan_input_gives_finite_output_and_is_not_modified():
    torch.manual_seed(0)
    poses, audio = _batch(51)
    poses[0, 5:12] = float("nan")  # missing frames
    poses[1, :, 4] = float("nan")  # a joint missing from the whole window
    poses[1, 20, 7, 2] = float("nan")  # one coordinate
    audio[0, 3] = float("nan")
    before_p, before_a = poses.clone(), audio.clone()
    for name, model in _all_models(51).items():
        model.eval()
        with torch.no_grad():
            out = model(poses, audio)
        assert torch.isfinite(out).all(), name
        assert torch.equal(torch.isnan(poses), torch.isnan(before_p)), name
        torch.testing.assert_close(poses, before_p, equal_nan=True)
        torch.testing.assert_close(audio, before_a, equal_nan=True)


def test_fill_missing_and_interp_time_match_numpy_references():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 13, 3)) * 100
    x[3:9] = np.nan
    x[0:2, 5] = np.nan
    x[30:, 6] = np.nan
    filled, valid = fill_missing(torch.from_numpy(x)[None])
    np.testing.assert_allclose(filled[0].numpy(), fill_gaps(x), atol=1e-9)
    assert valid[0, 4].sum() == 0 and valid[0, 10].all()
    t_src = np.sort(rng.uniform(0, 3, 20))
    t_dst = np.linspace(-0.5, 3.5, 60)
    vals = rng.normal(size=20)
    got = interp_time(torch.from_numpy(vals)[None, :, None], torch.from_numpy(t_src), torch.from_numpy(t_dst))
    np.testing.assert_allclose(got[0, :, 0].numpy(), np.interp(t_dst, t_src, vals), atol=1e-12)


def test_normalisation_round_trip_and_residual_starts_at_interpolation():
    poses, audio = _batch(75)
    x, valid, center = normalize_poses(poses)
    assert x.abs().max() < 2.0 and valid.all()  # O(1) in model units
    torch.testing.assert_close(x * 1000.0 + center, poses)
    torch.manual_seed(0)
    model = _small(75, residual=True).eval()
    with torch.no_grad():
        out = model(poses, audio)
    interp = interp_time(poses.flatten(2), torch.arange(75) / 25.0, torch.arange(150) / 50.0).view(2, 150, 13, 3)
    assert (out - interp).norm(dim=-1).mean() < 5.0  # mm: small-init correction on top of interpolation
    assert (poses.mean(dim=(1, 2)) - out.mean(dim=(1, 2))).abs().max() < 20.0


def test_gaussian_time_matches_scipy_and_gated_residual_starts_at_the_smoothed_input():
    from scipy.ndimage import gaussian_filter1d
    from pose_audio_refine.models.layers import gaussian_time
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 150, 5))
    for sigma in (0.7, 2.0, 5.0):
        ref = gaussian_filter1d(x, sigma, axis=1, mode="nearest", truncate=4.0)
        np.testing.assert_allclose(gaussian_time(torch.from_numpy(x), sigma).numpy(), ref, atol=1e-6)
    assert torch.equal(gaussian_time(torch.from_numpy(x), 0.0), torch.from_numpy(x))
    with pytest.raises(ValueError, match="sigma"):
        gaussian_time(torch.from_numpy(x), -1.0)
    poses, audio = _batch(75)
    interp = interp_time(poses.flatten(2), torch.arange(75) / 25.0, torch.arange(150) / 50.0)
    smooth = gaussian_time(interp.double(), 5.0).view(2, 150, 13, 3).float()  # 0.1 s at 50 fps
    torch.manual_seed(0)
    gated = _small(75, residual="gated", residual_gate="hard", residual_sigma_s=0.1).eval()
    assert gated.head.fc3.out_features == 2 * 39  # correction and gate per coordinate
    with torch.no_grad():
        out_g = gated(poses, audio)
    # gates start open (0.98 of the smoothed input around the window centre) and the correction small
    assert (out_g - smooth).norm(dim=-1).mean() < 15.0
    assert (out_g - interp.view(2, 150, 13, 3)).norm(dim=-1).mean() > (out_g - smooth).norm(dim=-1).mean()
    for bad in (dict(residual="spline"), dict(residual="smooth"), dict(residual="interp"),
                dict(residual="gated", residual_gate="hard", residual_sigma_s=-0.1),
                dict(residual="gated", residual_gate="mix"), dict(residual="gated", residual_gate="sigmoid"),
                dict(residual="gated")):  # no gate named: the old sigmoid default, refused
        with pytest.raises(ValueError, match="residual"):
            _small(75, **bad)


def test_hard_gate_can_open_completely_and_the_base_is_unswapped():
    from pose_audio_refine.models.layers import gaussian_time
    from pose_audio_refine.skeletons import TELMI13_PAIRS
    poses, audio = _batch(75)
    torch.manual_seed(0)
    hard = _small(75, residual="gated", residual_gate="hard", residual_sigma_s=0.1).eval()
    with torch.no_grad():
        # push every gate logit far up and zero the correction: the hard gate passes the smoothed input through
        # exactly (a sigmoid would still shrink it: the dropped gate, see the model card)
        hard.head.fc3.weight.zero_()
        hard.head.fc3.bias.zero_()
        hard.head.fc3.bias[39:] = 10.0
        interp = interp_time(poses.flatten(2), torch.arange(75) / 25.0, torch.arange(150) / 50.0)
        smooth = gaussian_time(interp.double(), 5.0).view(2, 150, 13, 3).float()
        assert (hard(poses, audio) - smooth).norm(dim=-1).max() < 1e-2
        # residual_unswap: the same base after left/right swaps are undone in the interpolated input
        # residual_unswap: the same base after left/right swaps are undone in the (gridded, 50 fps) input: a body
        # standing still (left joints at -x, right at +x, 5 mm jitter) whose pairs are swapped in 40 frames
        torch.manual_seed(0)
        plain = _small(150, residual="gated", residual_gate="hard", residual_sigma_s=0.1).eval()
        plain.head.fc3.weight.zero_()
        plain.head.fc3.bias.zero_()
        plain.head.fc3.bias[39:] = 10.0
        unswap = _small(150, residual="gated", residual_gate="hard", residual_sigma_s=0.1,
                        residual_unswap=True).eval()
        unswap.load_state_dict(plain.state_dict())
        g = torch.Generator().manual_seed(2)
        still = 800.0 + 300.0 * torch.randn(1, 1, 13, 3, generator=g).expand(2, 150, 13, 3).clone()
        for k, (a, b) in enumerate(TELMI13_PAIRS):
            still[..., a, 0], still[..., b, 0] = 600.0 - 40.0 * k, 1000.0 + 40.0 * k
        still += 5.0 * torch.randn(2, 150, 13, 3, generator=g)
        swapped = still.clone()
        for a, b in TELMI13_PAIRS:
            swapped[:, 40:80, [a, b]] = still[:, 40:80, [b, a]]
        gauss = gaussian_time(still.flatten(2).double(), 5.0).view(2, 150, 13, 3).float()
        torch.testing.assert_close(unswap(swapped, audio), gauss, rtol=0, atol=1e-2)
        assert (plain(swapped, audio) - gauss).norm(dim=-1).max() > 100.0  # without it the swap stays in the base


def test_unswap_pairs_fixes_swaps_in_place_and_leaves_turning_alone():
    from pose_audio_refine.models.layers import unswap_pairs
    rng = np.random.default_rng(3)
    # in place: joint 0 near (-200, 0, 0), joint 1 near (+200, 0, 0), small jitter; frames 10-19 swapped
    x = np.zeros((1, 60, 2, 3))
    x[0, :, 0, 0], x[0, :, 1, 0] = -200.0, 200.0
    x += rng.normal(0, 10, x.shape)
    truth = x.copy()
    x[0, 10:20] = x[0, 10:20, ::-1]
    before = x.copy()
    xt = torch.from_numpy(x)
    out = unswap_pairs(xt, [(0, 1)]).numpy()
    np.testing.assert_allclose(out, truth)
    np.testing.assert_array_equal(x, before)  # input untouched
    # a half turn: the pair rotates through 180 degrees, crossing each other's medians -- not "fixed"
    ang = np.linspace(0, np.pi, 60)
    turn = np.zeros((1, 60, 2, 3))
    turn[0, :, 0, 0], turn[0, :, 0, 1] = -200 * np.cos(ang), -200 * np.sin(ang)
    turn[0, :, 1] = -turn[0, :, 0]
    np.testing.assert_allclose(unswap_pairs(torch.from_numpy(turn), [(0, 1)]).numpy(), turn)
    np.testing.assert_allclose(unswap_pairs(xt, []).numpy(), before)


def test_unswap_pairs_fixes_long_swaps_by_continuity_only_on_smooth_tracks():
    from pose_audio_refine.models.layers import unswap_pairs
    rng = np.random.default_rng(4)
    # two wrists 300 mm apart, both sweeping +-150 mm (bowing-like), frames 50-109 of 150 swapped: the swap
    # drags the medians, so the in-place rule abstains; the least-motion labelling undoes it exactly
    t = np.arange(150) / 50.0
    x = np.zeros((1, 150, 2, 3))
    x[0, :, 0, 0] = -150.0 + 150.0 * np.sin(2 * np.pi * 0.7 * t)
    x[0, :, 1, 0] = 150.0 + 60.0 * np.sin(2 * np.pi * 0.3 * t)
    x[0, :, :, 1] = 120.0 * np.cos(2 * np.pi * 0.5 * t)[:, None]
    x += rng.normal(0, 3, x.shape)
    truth = x.copy()
    x[0, 50:110] = x[0, 50:110, ::-1]
    xt = torch.from_numpy(x)
    np.testing.assert_allclose(unswap_pairs(xt, [(0, 1)], max_jump=0.0).numpy(), x)  # in-place rule alone: no
    np.testing.assert_allclose(unswap_pairs(xt, [(0, 1)]).numpy(), truth)
    # gradients reach the positions the labelling selects
    xg = xt.clone().requires_grad_(True)
    unswap_pairs(xg, [(0, 1)])[0, 60, 0, 0].backward()
    assert xg.grad[0, 60, 1, 0] == 1.0 and xg.grad[0, 60, 0, 0] == 0.0
    # the paper's 300 mm jitter: neither rule applies, the window is returned as it is
    noisy = truth + rng.normal(0, 300, truth.shape)
    np.testing.assert_allclose(unswap_pairs(torch.from_numpy(noisy), [(0, 1)]).numpy(), noisy)


def test_deciwatch_returns_sparse_and_registry_builds_all():
    poses, audio = _batch(51)
    dense, sparse = DeciWatch(dim=32, enc_layers=1, dec_layers=1)(poses, audio, return_sparse=True)
    assert dense.shape == (2, 150, 13, 3) and sparse.shape == (2, 51, 13, 3)
    assert set(NETWORKS) == {"MAPnet", "PoT", "LSTMPo", "LSTMPA", "SmoothNetMLP", "DeciWatch"}
    assert isinstance(build_model("MAPnet", t_in=51, **mapnet_config("small")), MAPnet)


def test_determinism_with_a_seed():
    poses, audio = _batch(51)
    outs = []
    for _ in range(2):
        torch.manual_seed(123)
        model = _small(51, audio_dropout=0.3).train()  # dropout and audio dropout draw from the seeded RNG
        outs.append(model(poses, audio).detach())
    torch.testing.assert_close(outs[0], outs[1], rtol=0, atol=0)


def test_losses_values_masks_and_velocity():
    gt = torch.zeros(2, 10, 13, 3)
    pred = gt.clone()
    pred[..., 0], pred[..., 1] = 3.0, 4.0
    assert float(mpjpe_loss(pred, gt)) == pytest.approx(5.0)
    pred2 = pred.clone()
    pred2[:, 5:] += 100.0
    mask = torch.zeros(2, 10, dtype=torch.bool)
    mask[:, :5] = True
    assert float(mpjpe_loss(pred2, gt, mask)) == pytest.approx(5.0)  # masked frames do not count
    assert float(velocity_loss(pred, gt)) == pytest.approx(0.0)  # constant offset: no velocity error
    ramp = gt + torch.arange(10.0)[None, :, None, None]
    assert float(velocity_loss(ramp, gt)) == pytest.approx(3 ** 0.5)  # 1 mm/frame in x, y and z
    assert float(velocity_loss(ramp, gt, order=2)) == pytest.approx(0.0)
    assert float(refinement_loss(ramp, gt, vel_weight=2.0)) == pytest.approx(
        float(mpjpe_loss(ramp, gt)) + 2 * 3 ** 0.5)
    with pytest.raises(ValueError, match="order"):
        velocity_loss(pred, gt, order=3)
    with pytest.raises(ValueError, match="pred and gt"):
        mpjpe_loss(pred[:, :5], gt)


def test_tiny_overfit_reduces_loss_markedly():
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)
    t_out = torch.arange(150) / 50.0
    phase = torch.rand(4, 1, 13, 3, generator=g) * 6.28
    gt = 800.0 + 200.0 * torch.sin(2 * torch.pi * 1.3 * t_out[None, :, None, None] + phase)
    noisy = gt[:, ::3] + 30.0 * torch.randn(4, 50, 13, 3, generator=g)  # 50 frames at 16.7 fps
    audio = torch.randn(4, 150, 35, generator=g)
    model = MAPnet(t_in=50, **mapnet_config("small", h1=32, h2=25, dropout=0.0, pose_layers=1, audio_layers=1,
                                            fusion_layers=1))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(60):
        opt.zero_grad()
        loss = mpjpe_loss(model(noisy, audio), gt)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.35 * losses[0], (losses[0], losses[-1])
