"""Canonical frame: exact inverse, recovery of the training frame from camera-frame input, robust heading."""
import numpy as np
import pytest

from pose_audio_refine.canonical import (BODY_CENTRE_MM, CanonicalFrame, fit_canonical, from_canonical, heading,
                                         to_canonical)
from pose_audio_refine.canonical import z_up_rotation

# A violinist in the training frame (mm, z up, facing +y, x to the right, left toe at the origin). Left and
# right shoulders/waist are mirror images, so the right direction is exactly +x.
TEMPLATE = np.array([
    [200, -200, 1300], [400, -190, 1250], [0, -190, 1250], [480, -100, 1000], [-80, 50, 1150], [450, 100, 1050],
    [-50, 250, 1300], [300, -220, 900], [100, -220, 900], [350, -50, 480], [50, -50, 480], [400, 0, 0],
    [0, 0, 0]], dtype=float)


def canonical_track(n=120, fps=25.0):
    t = np.arange(n) / fps
    x = np.repeat(TEMPLATE[None], n, axis=0)
    x[:, 5, 0] += 150 * np.sin(2 * np.pi * 0.5 * t)  # bowing wrist
    x[:, 3, 0] += 60 * np.sin(2 * np.pi * 0.5 * t)
    x[:, :9, :2] += 30 * np.sin(2 * np.pi * 0.2 * t)[:, None, None]  # upper-body sway (keeps the heading)
    return x


def rot_z(deg):
    a = np.radians(deg)
    return np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])


def to_camera(x_mm, yaw_deg=35.0, shift_m=(0.2, 0.4, 3.5)):
    """Training frame -> a camera frame (x right, y down, z away; metres), player turned by ``yaw_deg``."""
    turned = x_mm @ rot_z(yaw_deg).T
    return (turned @ z_up_rotation("-y")) / 1000.0 + np.asarray(shift_m)


def test_to_and_from_canonical_are_exact_inverses(rng):
    x = rng.normal(size=(50, 17, 3))
    x[3, 4] = np.nan
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    q *= np.sign(np.linalg.det(q))
    frame = CanonicalFrame(scale=1000.0, rotation=q, offset=rng.normal(size=3) * 500)
    back = from_canonical(to_canonical(x, frame), frame)
    np.testing.assert_allclose(back, x, rtol=0, atol=1e-12)
    assert np.isnan(back[3, 4]).all() and np.isfinite(np.delete(back.reshape(-1, 3), 3 * 17 + 4, 0)).all()


def test_fit_recovers_training_frame_from_camera_frame():
    truth = canonical_track()
    cam = to_camera(truth)
    frame = fit_canonical(cam, units="m", up_axis="-y")
    np.testing.assert_allclose(to_canonical(cam, frame), truth, atol=1e-8)
    assert frame.warnings == ()
    assert abs(frame.heading_deg + 35.0) < 1e-8  # undid the player's 35 degree turn
    np.testing.assert_allclose(from_canonical(to_canonical(cam, frame), frame), cam, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("yaw", [-170.0, -90.0, 0.0, 120.0, 179.0])
def test_heading_any_direction_with_swaps_and_gaps(yaw):
    x = canonical_track() @ rot_z(yaw).T
    x[::10, [1, 2]] = x[::10, [2, 1]]  # 10 % of frames with swapped shoulders
    x[5:15, [7, 8]] = np.nan           # waist missing for a while
    ang = np.degrees(heading(x))
    assert abs((ang - yaw + 180) % 360 - 180) < 1e-6


def test_left_toe_missing_uses_body_centre():
    truth = canonical_track()
    cam = to_camera(truth)
    cam[:, 12] = np.nan
    frame = fit_canonical(cam, units="m", up_axis="-y")
    c = to_canonical(cam, frame)
    centre = np.median(np.nanmean(c, axis=1), axis=0)
    np.testing.assert_allclose(centre, BODY_CENTRE_MM, atol=1e-6)


def test_plausibility_warnings_for_wrong_units_and_up_axis():
    cam = to_camera(canonical_track())
    with pytest.raises(ValueError, match="units='mm'.*look like 'm'"):  # metres read as mm: ~0.4 mm shoulders
        fit_canonical(cam, units="mm", up_axis="-y")
    with pytest.raises(ValueError, match="units='m'.*look like 'mm'"):  # mm read as metres
        fit_canonical(cam * 1000.0, units="m", up_axis="-y")
    assert any("units" in w for w in fit_canonical(cam * 0.2, units="m", up_axis="-y").warnings)  # 80 mm: a warning
    assert any("up_axis" in w for w in fit_canonical(cam, units="m", up_axis="z").warnings)
    no_heading = canonical_track()
    no_heading[:, [1, 2, 7, 8]] = np.nan
    assert any("facing" in w for w in fit_canonical(no_heading).warnings)


def test_inputs_not_modified_and_bad_input():
    cam = to_camera(canonical_track())
    keep = cam.copy()
    frame = fit_canonical(cam, units="m", up_axis="-y")
    to_canonical(cam, frame)
    np.testing.assert_array_equal(cam, keep)
    with pytest.raises(ValueError, match="telmi"):
        fit_canonical(np.zeros((5, 12, 3)))
    with pytest.raises(ValueError, match="units"):
        fit_canonical(cam, units="inch")
    with pytest.raises(ValueError, match="up_axis"):
        fit_canonical(cam, up_axis="x")
