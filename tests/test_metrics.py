"""Metrics with hand-computed answers."""
import numpy as np
import pytest

from pose_audio_refine.metrics import (
    mean_acceleration,
    mpjae,
    mpjpe,
    pa_mpjpe,
    per_frame_error,
    per_joint_error,
    procrustes_align,
    swap_rate,
    swapped_pairs,
)

TELMI_PAIRS = [(1, 2), (3, 4), (5, 6), (7, 8), (9, 10), (11, 12)]


@pytest.fixture
def track():
    rng = np.random.default_rng(0)
    return rng.normal(0.0, 300.0, size=(40, 13, 3))


def _rotation(axis, angle):
    axis = np.asarray(axis, float) / np.linalg.norm(axis)
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * k @ k


# ---------------------------------------------------------------- MPJPE
def test_mpjpe_constant_offset(track):
    offset = np.array([6.0, 8.0, 0.0])  # |offset| = 10 mm
    assert mpjpe(track + offset, track) == pytest.approx(10.0)
    assert mpjpe(track, track) == 0.0


def test_mpjpe_hand_computed_mix():
    gt = np.zeros((2, 2, 3))
    pred = gt.copy()
    pred[0, 0, 0] = 3.0
    pred[1, 1] = [0.0, 4.0, 3.0]  # 5 mm
    assert mpjpe(pred, gt) == pytest.approx((3 + 0 + 0 + 5) / 4)
    np.testing.assert_allclose(per_frame_error(pred, gt), [1.5, 2.5])
    np.testing.assert_allclose(per_joint_error(pred, gt), [1.5, 2.5])
    np.testing.assert_allclose(mpjpe(pred, gt, reduce="none"), [[3, 0], [0, 5]])


def test_mpjpe_mask_and_nan_exclude(track):
    pred = track.copy()
    pred[:10] += 100.0  # large error in the first 10 frames only
    mask = np.ones(40, dtype=bool)
    mask[:10] = False
    assert mpjpe(pred, track, mask=mask) == pytest.approx(0.0)
    gt = track.copy()
    gt[:10] = np.nan  # NaN in the ground truth acts as the same mask
    assert mpjpe(pred, gt) == pytest.approx(0.0)
    # joint mask (T, J)
    pred2 = track.copy()
    pred2[:, 3, 0] += 50.0
    jmask = np.ones((40, 13), dtype=bool)
    jmask[:, 3] = False
    assert mpjpe(pred2, track, mask=jmask) == pytest.approx(0.0)
    assert np.isnan(per_joint_error(pred2, track, mask=jmask)[3])
    assert mpjpe(pred2, track) == pytest.approx(50.0 / 13)


def test_mpjpe_batched_equals_flat(track):
    rng = np.random.default_rng(1)
    gt = np.stack([track, track * 0.5])
    pred = gt + rng.normal(0, 5, gt.shape)
    flat = mpjpe(pred.reshape(80, 13, 3), gt.reshape(80, 13, 3))
    assert mpjpe(pred, gt) == pytest.approx(flat)
    assert per_frame_error(pred, gt).shape == (2, 40)
    m = np.ones((2, 40), dtype=bool)
    m[1] = False
    assert mpjpe(pred, gt, mask=m) == pytest.approx(mpjpe(pred[0], gt[0]))


def test_inputs_not_modified(track):
    pred = track + 1.0
    pred[0, 0] = np.nan
    gt = track.copy()
    gt[1, 1] = np.nan
    mask = np.ones((40, 13), dtype=bool)
    mask[0, 0] = False
    copies = [pred.copy(), gt.copy(), mask.copy()]
    mpjpe(pred, gt, mask)
    pa_mpjpe(pred, gt, mask)
    mpjae(pred, gt, mask)
    swap_rate(pred, gt, TELMI_PAIRS, mask)
    mean_acceleration(pred, mask)
    procrustes_align(pred, gt, mask)
    np.testing.assert_array_equal(pred, copies[0])
    np.testing.assert_array_equal(gt, copies[1])
    np.testing.assert_array_equal(mask, copies[2])


@pytest.mark.parametrize(
    "pred_shape,gt_shape,match",
    [((5, 13, 3), (5, 12, 3), "same shape"), ((5, 13), (5, 13), "dimensions"), ((5, 13, 2), (5, 13, 2), "shape")],
)
def test_shape_errors(pred_shape, gt_shape, match):
    with pytest.raises(ValueError, match=match):
        mpjpe(np.zeros(pred_shape), np.zeros(gt_shape))


def test_mask_errors(track):
    with pytest.raises(ValueError, match="mask"):
        mpjpe(track, track, mask=np.ones(39, dtype=bool))
    with pytest.raises(ValueError, match="mask"):
        mpjpe(track, track, mask=np.ones((40, 12), dtype=bool))
    with pytest.raises(TypeError, match="mask"):
        mpjpe(track, track, mask=np.ones(40))


def test_no_valid_frames(track):
    with pytest.raises(ValueError, match="no valid"):
        mpjpe(track, track, mask=np.zeros(40, dtype=bool))
    with pytest.raises(ValueError, match="no valid"):
        mpjpe(track, np.full_like(track, np.nan))


def test_nan_in_pred_at_valid_entry_is_an_error(track):
    pred = track.copy()
    pred[3, 2] = np.nan
    with pytest.raises(ValueError, match="pred has NaN"):
        mpjpe(pred, track)
    mask = np.ones((40, 13), dtype=bool)
    mask[3, 2] = False
    assert mpjpe(pred, track, mask=mask) == 0.0


def test_bad_reduce(track):
    with pytest.raises(ValueError, match="reduce"):
        mpjpe(track, track, reduce="median")


# ---------------------------------------------------------------- PA-MPJPE
def test_pa_mpjpe_similarity_copy_is_zero(track):
    r = _rotation([1.0, 2.0, -0.5], 0.9)
    pred = 1.7 * track @ r.T + np.array([100.0, -50.0, 300.0])
    assert mpjpe(pred, track) > 100.0
    assert pa_mpjpe(pred, track) == pytest.approx(0.0, abs=1e-6)
    np.testing.assert_allclose(procrustes_align(pred, track), track, atol=1e-6)


def test_pa_mpjpe_rotation_changes_per_frame(track):
    pred = np.stack([track[t] @ _rotation([0, 0, 1], 0.1 * t).T for t in range(40)])
    assert pa_mpjpe(pred, track) == pytest.approx(0.0, abs=1e-6)


def test_pa_mpjpe_does_not_use_reflection():
    rng = np.random.default_rng(2)
    gt = rng.normal(0, 100, size=(5, 13, 3))
    mirrored = gt * np.array([-1.0, 1.0, 1.0])  # a reflection is not a rotation: must not align to 0
    assert pa_mpjpe(mirrored, gt) > 10.0
    assert pa_mpjpe(mirrored, gt) <= mpjpe(mirrored, gt) + 1e-9


def test_pa_mpjpe_hand_computed_residual():
    # gt: 4 points; pred equals gt except one point moved along a direction that alignment cannot absorb
    gt = np.array([[[1.0, 0, 0], [-1.0, 0, 0], [0, 1.0, 0], [0, -1.0, 0]]])
    assert pa_mpjpe(gt * 3.0 + 7.0, gt) == pytest.approx(0.0, abs=1e-9)
    noisy = gt.copy()
    noisy[0, 0, 2] = 1.0  # out-of-plane bump on one point
    err = pa_mpjpe(noisy, gt)
    assert 0.0 < err < mpjpe(noisy, gt)


def test_pa_mpjpe_mask_and_few_joints(track):
    pred = track.copy()
    pred[:, 0] += 500.0
    jmask = np.ones((40, 13), dtype=bool)
    jmask[:, 0] = False
    assert pa_mpjpe(pred, track, mask=jmask) == pytest.approx(0.0, abs=1e-6)
    few = np.zeros((40, 13), dtype=bool)
    few[:, :2] = True  # 2 joints cannot fix a rotation
    with pytest.raises(ValueError, match="no valid"):
        pa_mpjpe(pred, track, mask=few)
    assert np.isnan(procrustes_align(pred, track, mask=few)).all()


# ---------------------------------------------------------------- accelerations
def test_mean_acceleration_quadratic_motion():
    t = np.arange(20, dtype=float)
    poses = np.zeros((20, 2, 3))
    poses[:, 0, 0] = 0.5 * 4.0 * t**2  # x = 2 t^2 -> second difference 4 mm/frame^2
    poses[:, 1, 2] = 3.0 * t  # constant velocity: no acceleration
    assert mean_acceleration(poses) == pytest.approx((4.0 + 0.0) / 2)
    np.testing.assert_allclose(mean_acceleration(poses, reduce="joint"), [4.0, 0.0])
    # mm/s^2 at 50 fps: 4 mm/frame^2 * 50^2
    assert mean_acceleration(poses, fps=50) == pytest.approx(2.0 * 2500)
    assert mean_acceleration(poses, reduce="frame").shape == (18,)


def test_mpjae_quadratic_error():
    t = np.arange(30, dtype=float)
    gt = np.zeros((30, 3, 3))
    gt[:, :, 1] = 10.0 * t[:, None]  # linear motion, zero acceleration
    pred = gt.copy()
    pred[:, 2, 0] += 1.5 * t**2  # extra acceleration 3 mm/frame^2 on joint 2
    assert mpjae(pred, gt) == pytest.approx(3.0 / 3)
    assert mpjae(pred, gt, fps=10) == pytest.approx(100.0 / 3 * 3.0)
    assert mpjae(gt + 25.0, gt) == pytest.approx(0.0)  # a constant offset has no acceleration error


def test_acceleration_needs_three_valid_frames():
    t = np.arange(10, dtype=float)
    gt = np.zeros((10, 1, 3))
    pred = gt.copy()
    pred[:, 0, 0] = t**2  # 2 mm/frame^2 everywhere
    pred[5, 0, 0] += 100.0  # spike at frame 5 touches accelerations at frames 4, 5, 6
    mask = np.ones(10, dtype=bool)
    mask[5] = False
    assert mpjae(pred, gt, mask=mask) == pytest.approx(2.0)
    per = mpjae(pred, gt, mask=mask, reduce="frame")  # entry i is frame i + 1
    assert np.isnan(per[3:6]).all() and np.isfinite(per[:3]).all() and np.isfinite(per[6:]).all()
    assert mpjae(pred, gt) > 2.0
    gt_nan = gt.copy()
    gt_nan[5] = np.nan
    assert mpjae(pred, gt_nan) == pytest.approx(2.0)  # NaN in gt masks like the mask
    assert mean_acceleration(np.where(mask[:, None, None], pred, np.nan)) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="3 frames"):
        mean_acceleration(np.zeros((2, 1, 3)))


def test_smoothing_lowers_mean_acceleration(track):
    rng = np.random.default_rng(3)
    noisy = track[:1].repeat(40, axis=0) + rng.normal(0, 20, (40, 13, 3))
    kernel = np.ones(5) / 5
    smooth = np.apply_along_axis(lambda x: np.convolve(x, kernel, mode="valid"), 0, noisy)
    assert mean_acceleration(smooth) < 0.5 * mean_acceleration(noisy)


# ---------------------------------------------------------------- swaps
def test_swap_rate_k_of_t(track):
    pred = track.copy()
    frames = [2, 7, 8, 30]
    for f in frames:
        pred[f, [3, 4]] = pred[f, [4, 3]]  # swap elbows
    pred[8, [11, 12]] = pred[8, [12, 11]]  # a second pair in an already-swapped frame
    assert swap_rate(pred, track, TELMI_PAIRS) == pytest.approx(len(frames) / 40)
    per = swap_rate(pred, track, TELMI_PAIRS, per_pair=True)
    np.testing.assert_allclose(per, [0, 4 / 40, 0, 0, 0, 1 / 40])
    swapped, judged = swapped_pairs(pred, track, TELMI_PAIRS)
    assert swapped.shape == judged.shape == (40, 6) and judged.all()
    assert set(np.flatnonzero(swapped[:, 1])) == set(frames)
    assert swap_rate(track + 3.0, track, TELMI_PAIRS) == 0.0


def test_swap_rate_mask_and_batch(track):
    pred = track.copy()
    pred[:10, [1, 2]] = pred[:10, [2, 1]]
    mask = np.ones(40, dtype=bool)
    mask[:5] = False
    assert swap_rate(pred, track, TELMI_PAIRS, mask=mask) == pytest.approx(5 / 35)
    jmask = np.ones((40, 13), dtype=bool)
    jmask[:, 2] = False  # pair (1, 2) can never be judged, others never swapped
    assert swap_rate(pred, track, TELMI_PAIRS, mask=jmask) == 0.0
    assert np.isnan(swap_rate(pred, track, TELMI_PAIRS, mask=jmask, per_pair=True)[0])
    both = swap_rate(np.stack([pred, track]), np.stack([track, track]), TELMI_PAIRS)
    assert both == pytest.approx(10 / 80)


def test_swap_definition_small_perturbation():
    # swapped only if the exchanged assignment is strictly nearer
    gt = np.array([[[0.0, 0, 0], [-100.0, 0, 0], [100.0, 0, 0]]])
    near_swap = gt.copy()
    near_swap[0, 1], near_swap[0, 2] = [90.0, 0, 0], [-90.0, 0, 0]
    assert swap_rate(near_swap, gt, [(1, 2)]) == 1.0
    middle = gt.copy()
    middle[0, 1] = middle[0, 2] = [0.0, 0, 0]  # a tie is not a swap
    assert swap_rate(middle, gt, [(1, 2)]) == 0.0


@pytest.mark.parametrize("pairs", [[], [(1, 1)], [(0, 13)], [(1, 2, 3)], [(0.5, 1)]])
def test_swap_bad_pairs(track, pairs):
    with pytest.raises(ValueError, match="pairs"):
        swap_rate(track, track, pairs)


def _reference_pa_mpjpe(pred, gt):
    """Frame-by-frame textbook implementation (as in VideoPose3D's p_mpjpe) to check the vectorised one."""
    errs = []
    for p, g in zip(pred, gt):
        mu_g, mu_p = g.mean(0), p.mean(0)
        x, y = g - mu_g, p - mu_p
        nx, ny = np.linalg.norm(x), np.linalg.norm(y)
        x, y = x / nx, y / ny
        u, s, vt = np.linalg.svd(x.T @ y)
        v = vt.T
        r = v @ u.T
        if np.linalg.det(r) < 0:
            v[:, -1] *= -1
            s[-1] *= -1
            r = v @ u.T
        a = s.sum() * nx / ny
        aligned = a * (p - mu_p) @ r + mu_g
        errs.append(np.linalg.norm(aligned - g, axis=-1))
    return float(np.mean(errs))


def test_pa_mpjpe_matches_reference_loop():
    rng = np.random.default_rng(4)
    gt = rng.normal(0, 200, size=(25, 13, 3))
    pred = gt + rng.normal(0, 40, size=gt.shape)
    pred[::3] = pred[::3] * np.array([1.0, -1.0, 1.0])  # some frames need the reflection fix
    assert pa_mpjpe(pred, gt) == pytest.approx(_reference_pa_mpjpe(pred, gt), rel=1e-9)
    assert pa_mpjpe(pred, gt) < mpjpe(pred, gt)


# --------------------------------------------------------------------------- mean offset (relocation)
def test_mean_offset_sees_relocation_and_not_jitter_or_fixed_swaps():
    from pose_audio_refine.metrics import mean_offset
    from pose_audio_refine.skeletons import TELMI13_PAIRS

    rng = np.random.default_rng(0)
    raw = rng.normal(0, 300, (13, 3))[None] + rng.normal(0, 20, (400, 13, 3))   # a jittery estimate
    smooth = raw.mean(axis=0, keepdims=True).repeat(400, axis=0)                  # its jitter removed
    assert mean_offset(smooth, raw).max() < 1e-9                                   # de-jittering moves nothing
    moved = smooth + np.array([30.0, 0.0, 40.0])
    np.testing.assert_allclose(mean_offset(moved, raw), 50.0, atol=1e-9)           # relocation: 50 mm per joint
    fixed = raw.copy()
    fixed[:100, [5, 6]] = fixed[:100, [6, 5]]                                      # a quarter of the wrists relabelled
    plain = mean_offset(fixed, raw)
    assert plain[5] > 50 and plain[6] > 50 and np.delete(plain, [5, 6]).max() < 1e-9
    assert mean_offset(fixed, raw, pairs=TELMI13_PAIRS).max() < 1e-9               # ... which is not relocation
    gappy = moved.copy()
    gappy[:50] = np.nan                                                            # NaN frames are skipped
    np.testing.assert_allclose(mean_offset(gappy, raw), mean_offset(moved[50:], raw[50:]), atol=1e-9)
    with pytest.raises(ValueError, match="refined and raw"):
        mean_offset(moved[:10], raw)
