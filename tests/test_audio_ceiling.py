"""tools/audio_ceiling.py's refiner completion: a bow trace whose gain and direction are fitted to the camera's samples
puts fast strokes back when the samples carry them, and adds nothing when they do not."""
import numpy as np

from conftest import import_tool


def _zigzag(fps_out: float = 50.0, strokes_per_s: float = 10.0) -> np.ndarray:
    t = np.arange(150) / fps_out
    phase = (t * strokes_per_s) % 2.0
    return 15.0 * np.where(phase < 1.0, phase, 2.0 - phase) - 7.5   # +-7.5 mm of bow, a tremolo


def _seen(x: np.ndarray, fps: float, n: int) -> np.ndarray:
    from training.noise import get_preset, observe

    return observe(x[:, None, :], 50.0, fps, get_preset("realistic_blur"))[0][:n, 0]  # the camera's blur


def _blur():
    from training.noise import get_preset

    return get_preset("realistic_blur")


def test_fitted_trace_restores_strokes_the_samples_carry():
    ceiling = import_tool("audio_ceiling")
    rng = np.random.default_rng(0)
    trace = _zigzag()
    axis = np.array([0.8, 0.6, 0.0])
    slow = np.linspace(0, 200, 150)[:, None] * np.array([0.0, 0.0, 1.0])
    truth = slow + 2.0 * np.outer(trace, axis)                     # the wrist follows the bow, 2 mm per mm
    fps = 10.0
    x_in = _seen(truth, fps, 30) + rng.normal(0, 1.0, (30, 3))
    pred = slow.copy()                                             # a refiner that saw only the slow motion
    out = ceiling.fit_trace_to_samples(pred, x_in, fps, trace, _blur())
    err = lambda p: np.linalg.norm(np.diff(p, axis=0) - np.diff(truth, axis=0), axis=-1).mean()  # noqa: E731
    assert err(out) < 0.5 * err(pred)


def test_fitted_trace_adds_nothing_to_samples_without_strokes():
    ceiling = import_tool("audio_ceiling")
    rng = np.random.default_rng(1)
    trace = _zigzag()
    pred = np.zeros((150, 3))
    x_in = rng.normal(0, 0.5, (30, 3))                             # the wrist did not bow at all
    out = ceiling.fit_trace_to_samples(pred, x_in, 10.0, trace, _blur())
    assert np.abs(out).max() < 3.0
    x_in[::2] = np.nan                                             # too few samples: no fit
    np.testing.assert_array_equal(ceiling.fit_trace_to_samples(pred, x_in[:8], 10.0, trace, _blur()), pred)
