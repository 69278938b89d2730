"""Property-based test of the public API (issue 16): ``Refiner.refine`` fed random shapes, dtypes, NaN patterns,
rates, units, confidences and audio answers with either a ``ValueError``/``TypeError`` that names one of its
arguments, or a result of the documented shape with no inf (and no NaN at all for a complete input); it never
modifies what it was given. Valid calls (random variety, no fault) must give a result, and each generated
fault (one per call, :data:`FAULTS`) must give such an error.

Hypothesis runs derandomized (a fixed sequence of examples, no example database): the test is deterministic.
"""
from __future__ import annotations

import copy
import re
import warnings

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import TELMI, H36M
from pose_audio_refine import Refiner
from pose_audio_refine.models import build_model

#: Every argument of ``refine``: an error must name one of them (or the documented derived names).
ARG_NAMES = ("poses", "audio", "fps", "sr", "skeleton", "units", "confidence", "out_fps", "trim")
TEMPLATES = {"telmi13": TELMI, "h36m": H36M}
MM = {"mm": 1.0, "cm": 10.0, "m": 1000.0}


@pytest.fixture(scope="module")
def refiner():
    torch.manual_seed(0)
    net = build_model("MAPnet", t_in=150, h1=32, h2=20, n_heads=4, pose_layers=1, audio_layers=1,
                      fusion_layers=1, residual=True).eval()
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield Refiner(net, progress=False)
    torch.set_num_threads(old)


#: One way to get a call wrong; "none" (half the draws) keeps every argument valid.
FAULTS = ("fps_value", "fps_type", "poses_shape", "poses_joints", "poses_dtype", "poses_all_nan", "poses_inf",
          "poses_huge", "poses_x_axis", "poses_too_short", "skeleton_wrong", "skeleton_bogus", "units_bogus",
          "units_mismatch", "audio_nan", "audio_int", "audio_stereo", "audio_no_sr", "audio_sr_zero", "audio_length",
          "confidence_percent", "confidence_shape", "out_fps_zero", "trim_type")


@st.composite
def refine_calls(draw) -> dict:
    """Keyword arguments of one ``refine`` call: random valid variety (rates, lengths, skeletons, units, people,
    dtypes, missing-data patterns, audio), and in about half the draws one fault from :data:`FAULTS`."""
    fault = draw(st.one_of(st.just("none"), st.sampled_from(FAULTS)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    fps = draw(st.one_of(st.sampled_from([10.0, 12.5, 15.0, 24.0, 25.0, 29.97, 30.0, 50.0, 60.0]),
                         st.floats(10.0, 60.0)))
    seconds = 0.05 if fault == "poses_too_short" else draw(st.sampled_from([0.3, 1.0, 2.5, 4.0]))
    T = int(round(seconds * fps))
    skel = draw(st.sampled_from(["telmi13", "h36m"]))
    units = draw(st.sampled_from(["mm", "cm", "m"]))
    n_people = draw(st.sampled_from([None, None, 1, 2]))
    t = np.arange(T) / fps
    x = np.repeat(TEMPLATES[skel][None], T, axis=0)
    x[:, :, 0] += 150 * np.sin(2 * np.pi * 0.5 * t)[:, None] * (np.arange(x.shape[1]) % 5 == 0)
    x = x + rng.normal(0, draw(st.sampled_from([0.0, 5.0, 30.0])), size=x.shape)
    if n_people is not None:
        x = np.stack([x + 300.0 * p for p in range(n_people)])
    x = x / MM[units]
    missing = draw(st.sampled_from(["none", "none", "frames", "joints", "coords", "masked"]))
    flat = x.reshape(-1, x.shape[-2], 3)  # a view: the patterns reach every person's frames
    if missing == "frames":
        flat[rng.random(flat.shape[0]) < 0.4] = np.nan
    elif missing == "joints":
        flat[rng.random(flat.shape[:2]) < 0.3] = np.nan
    elif missing == "coords":
        flat[rng.random(flat.shape) < 0.2] = np.nan
    if fault == "poses_all_nan":
        flat[:] = np.nan
    elif fault == "poses_inf":
        flat[rng.integers(flat.shape[0]), 0, 1] = np.inf
    elif fault == "poses_huge":
        flat[rng.integers(flat.shape[0]), 0, 1] = 1e300
    elif fault == "poses_x_axis":
        flat[..., 0] = np.nan
    if fault == "poses_shape":
        x = draw(st.sampled_from([x[..., :2], x[None, None], x[..., 0]]))
    elif fault == "poses_joints":
        x = x[..., :5, :]
    # integers only where they hold the data: mm, nothing missing or infinite
    exact = units == "mm" and missing == "none" and fault not in ("poses_all_nan", "poses_inf", "poses_x_axis")
    dtype = draw(st.sampled_from(["float64", "float64", "float32", "float16", "list"] + (["int32"] if exact else [])))
    if fault == "poses_dtype":
        dtype = draw(st.sampled_from(["complex", "str", "bool"]))
    if missing == "masked" and fault != "poses_dtype":
        poses = np.ma.masked_array(x, mask=rng.random(x.shape) < 0.1)
    elif dtype == "list":
        poses = x.tolist()
    elif dtype == "int32":
        poses = x.clip(-2e9, 2e9).astype(np.int32)
    elif dtype == "complex":
        poses = x.astype(np.complex128)
    elif dtype == "bool":
        poses = x > 0
    else:
        with np.errstate(over="ignore"):  # 1e300 as float16 is inf: refused as inf instead of as huge, fine
            poses = x.astype(dtype)
    kwargs: dict = dict(poses=poses, fps=fps)
    if fault == "fps_value":
        kwargs["fps"] = draw(st.sampled_from([0.0, -25.0, 5.0, 61.0, 240.0, float("nan"), float("inf")]))
    elif fault == "fps_type":
        kwargs["fps"] = draw(st.sampled_from(["25", None, True, [25]]))
    default_units = {"telmi13": "mm", "h36m": "m"}[skel]
    kwargs["skeleton"] = skel if skel == "h36m" or draw(st.booleans()) else None  # telmi13: inferred from J
    kwargs["units"] = None if units == default_units and draw(st.booleans()) else units
    if fault == "skeleton_wrong":
        kwargs["skeleton"] = "coco" if skel == "telmi13" else "telmi13"
    elif fault == "skeleton_bogus":
        kwargs["skeleton"] = "hands"
    elif fault == "units_bogus":
        kwargs["units"] = "inch"
    elif fault == "units_mismatch":
        kwargs["units"] = {"mm": "m", "cm": "m", "m": "mm"}[units]
    kwargs["trim"] = draw(st.booleans())
    audio_kind = draw(st.sampled_from(["none", "music", "music", "silent", "loud", "masked"]))
    sr = draw(st.sampled_from([8000, 22050, 44100, 48000]))
    # within the 0.5 s tolerance unless trim=True (or the fault is exactly that)
    off = draw(st.sampled_from([0.0, 0.3, -0.3] + ([1.5, -0.6] if kwargs["trim"] else [])))
    if fault == "audio_length":
        kwargs["trim"], off = False, draw(st.sampled_from([1.0, -0.8] if seconds >= 1.0 else [1.0]))
    if fault.startswith("audio_") and audio_kind == "none":
        audio_kind = "music"
    n = max(1, int(round(max(seconds + off, 0.05) * sr)))
    y = (0.3 * np.sin(2 * np.pi * 440 * np.arange(n) / sr) + 0.01 * rng.normal(size=n)).astype(np.float32)
    audio = {"none": None, "music": y, "silent": np.zeros(n, np.float32), "loud": y * 1000,
             "masked": np.ma.masked_array(y, mask=np.arange(n) % 7 == 0)}[audio_kind]
    if fault == "audio_nan":
        audio = np.where(np.arange(n) == n // 2, np.nan, y)
    elif fault == "audio_int":
        audio = (y * 32767).astype(np.int16)
    elif fault == "audio_stereo":
        audio = np.stack([y, y])
    kwargs["audio"] = audio
    if audio is not None and fault != "audio_no_sr":
        kwargs["sr"] = 0 if fault == "audio_sr_zero" else sr
    conf = draw(st.sampled_from(["none", "none", "unit", "nan"]))
    if fault == "confidence_percent":
        conf = "percent"
    elif fault == "confidence_shape":
        conf = "wrong_shape"
    if conf != "none" and np.ndim(x) >= 3:
        lead = np.shape(x)[:-1]
        kwargs["confidence"] = {"unit": 0.3 + 0.7 * rng.random(lead), "percent": 100 * rng.random(lead),
                                "wrong_shape": rng.random(lead + (2,)),
                                "nan": np.where(rng.random(lead) < 0.2, np.nan, 0.9)}[conf]
    kwargs["out_fps"] = 0.0 if fault == "out_fps_zero" else draw(st.sampled_from([50.0, 50.0, 25.0, 30.0, 100.0]))
    if fault == "trim_type":
        kwargs["trim"] = "yes"
    return fault, kwargs


def _snapshot(kwargs: dict) -> dict:
    return copy.deepcopy(kwargs)


def _same(a, b) -> bool:
    if isinstance(a, np.ma.MaskedArray):
        return (isinstance(b, np.ma.MaskedArray) and np.array_equal(np.ma.getmaskarray(a), np.ma.getmaskarray(b))
                and _same(np.ma.getdata(a), np.ma.getdata(b)))
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and (
            np.array_equal(a, b, equal_nan=True) if a.dtype.kind in "fc" else np.array_equal(a, b))
    if isinstance(a, list):
        return _same(np.array(a, dtype=object).astype(float), np.array(b, dtype=object).astype(float))
    return a == b or (a != a and b != b)  # NaN == NaN here


@settings(max_examples=200, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=refine_calls())
def test_refine_answers_with_a_named_error_or_a_documented_result(refiner, case):
    fault, kwargs = case
    before = _snapshot(kwargs)
    call = dict(kwargs)
    poses, audio = call.pop("poses"), call.pop("audio", None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # warnings are the documented answer to many of these inputs
            res = refiner.refine(poses, audio, **call)
    except (ValueError, TypeError) as exc:
        msg = str(exc)
        named = [name for name in ARG_NAMES if re.search(rf"\b{name}\b", msg)]
        event(f"{type(exc).__name__} naming {named[0] if named else 'nothing'}")
        assert named, f"error names no argument: {msg!r}"
        assert fault != "none", f"a valid call was refused: {msg!r}"
    else:
        event("a result" + (" with audio" if res.audio_used else ""))
        assert fault == "none", f"{fault} was accepted"
        arr = np.asarray(np.ma.getdata(poses), dtype=np.float64)
        fps, out_fps = float(call["fps"]), call["out_fps"]
        T_out = int(np.floor(arr.shape[-3] / fps * out_fps + 1e-9))
        assert res.poses.shape == arr.shape[:-3] + (T_out,) + arr.shape[-2:]
        assert res.times.shape == (T_out,) and res.fps == out_fps
        np.testing.assert_allclose(res.times, np.arange(T_out) / out_fps)
        assert not np.isinf(res.poses).any()
        complete = np.isfinite(arr).all() and not np.ma.is_masked(poses) and call.get("confidence") is None
        if complete:
            assert np.isfinite(res.poses).all(), "a complete input gave NaN output"
        if audio is None or not np.ma.getdata(audio).any():
            assert not res.audio_used  # no audio, or silence: never reported as used
    after = kwargs
    for key in before:
        assert _same(before[key], after[key]), f"{key} was modified"
