"""Mocap readers on real files from ../shared/data and on small files written in the tests."""
import shutil

import ezc3d
import numpy as np
import pytest

from conftest import SHARED_DATA
from training.mocap import (
    TELMI_MARKER_MAP,
    JointData,
    MarkerData,
    load_m2jpar,
    markers_to_joints,
    read_c3d,
    read_mocap_toolbox_mat,
    read_qualisys_tsv,
    write_qualisys_tsv,
)

DATA = SHARED_DATA
C3D = DATA / "c3d" / "Qualisys.c3d"
MAT = DATA / "mocap_toolbox" / "mcdemodata.mat"
TELMI13 = ["C7", "RSHO", "LSHO", "RMEL", "LMEL", "RMWR", "LMWR", "RBWT", "LBWT", "RKNE", "LKNE", "RTOE", "LTOE"]

needs_c3d = pytest.mark.skipif(not C3D.exists(), reason="shared data not present")
needs_mat = pytest.mark.skipif(not MAT.exists(), reason="shared data not present")


# ---------------------------------------------------------------- C3D
@needs_c3d
def test_read_real_c3d():
    m = read_c3d(C3D)
    assert m.positions.shape == (340, 55, 3)
    assert m.rate == 200.0 and m.units == "mm"
    assert len(m.names) == 55 and m.names[:2] == ["L_IAS", "L_IPS"]
    assert m.n_frames * 1.0 / m.rate == pytest.approx(1.7)
    assert np.isfinite(m.positions).all()
    # a standing subject in mm: pelvis markers around a metre high, markers within a few metres
    z = m.positions[:, :4, 2]
    assert 700 < np.median(z) < 1300
    assert np.abs(m.positions).max() < 5000
    assert m.analog is None
    a = read_c3d(C3D, include_analog=True)
    assert a.analog.shape == (69, 3400) and a.analog_rate == 2000.0 and len(a.analog_names) == 69


def _write_c3d(path, points_m, labels, rate, units, residuals=None):
    c = ezc3d.c3d()
    c["parameters"]["POINT"]["RATE"]["value"] = [rate]
    c["parameters"]["POINT"]["LABELS"]["value"] = tuple(labels)
    c["parameters"]["POINT"]["UNITS"]["value"] = [units]
    pts = np.ones((4, points_m.shape[1], points_m.shape[0]))
    pts[:3] = np.transpose(points_m, (2, 1, 0))
    c["data"]["points"] = pts
    if residuals is not None:
        c["data"]["meta_points"] = {"residuals": residuals.T[None]}
    c.write(str(path))


def test_c3d_units_and_missing(tmp_path):
    rng = np.random.default_rng(0)
    pos = rng.uniform(0.2, 1.5, size=(12, 3, 3))  # metres
    pos[4, 1] = 0.0  # all-zero marker = gap
    pos[6, 2] = np.nan  # occluded
    path = tmp_path / "m.c3d"
    _write_c3d(path, pos, ["A", "B", "C"], 100.0, "m")
    m = read_c3d(path)
    assert m.names == ["A", "B", "C"] and m.rate == 100.0 and m.units == "mm"
    expect = pos * 1000.0
    expect[4, 1] = np.nan
    np.testing.assert_allclose(m.positions, expect, rtol=1e-6, atol=1e-3)
    assert np.isnan(m.positions).any(axis=-1).sum() == 2


def test_c3d_negative_residual_is_missing(tmp_path):
    pos = np.full((5, 2, 3), 100.0)
    res = np.zeros((5, 2))
    res[3, 0] = -1.0
    path = tmp_path / "r.c3d"
    _write_c3d(path, pos, ["A", "B"], 50.0, "mm", residuals=res)
    m = read_c3d(path)
    missing = np.isnan(m.positions).any(axis=-1)
    assert missing[3, 0] and missing.sum() == 1


@needs_c3d
@pytest.mark.parametrize("n_bytes", [3000, 600_000, 1_251_000])
def test_truncated_c3d(tmp_path, n_bytes):
    cut = tmp_path / "cut.c3d"
    cut.write_bytes(C3D.read_bytes()[:n_bytes])
    with pytest.raises(ValueError, match="truncated"):
        read_c3d(cut)


@needs_c3d
@pytest.mark.parametrize("seed", [1, 3, 6])
def test_corrupt_c3d_parameters(tmp_path, seed):
    # random bytes over the parameter section: some of these made ezc3d hang before the structural check
    raw = bytearray(C3D.read_bytes())
    raw[516:2516] = np.random.default_rng(seed).integers(0, 256, 2000, dtype=np.uint8).tobytes()
    bad = tmp_path / "corrupt.c3d"
    bad.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="damaged C3D"):
        read_c3d(bad)


@needs_c3d
def test_c3d_copy_reads_same(tmp_path):
    copy = tmp_path / "copy.c3d"
    shutil.copy(C3D, copy)
    np.testing.assert_array_equal(read_c3d(copy).positions, read_c3d(C3D).positions)


@pytest.mark.parametrize(
    "content",
    [b"", b"not a c3d file at all", bytes(np.random.default_rng(5).integers(0, 256, 4096, dtype=np.uint8))],
)
def test_garbage_c3d(tmp_path, content):
    bad = tmp_path / "bad.c3d"
    bad.write_bytes(content)
    with pytest.raises(ValueError, match="C3D"):
        read_c3d(bad)


def test_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_c3d(tmp_path / "nope.c3d")
    with pytest.raises(FileNotFoundError):
        read_qualisys_tsv(tmp_path / "nope.tsv")
    with pytest.raises(FileNotFoundError):
        read_mocap_toolbox_mat(tmp_path / "nope.mat", "dance1")
    with pytest.raises(FileNotFoundError):
        load_m2jpar(tmp_path / "nope.mat")


# ---------------------------------------------------------------- Qualisys TSV
# Layout of a QTM 3D TSV export with column headers and time data (QTM >= 2.x)
QTM_WITH_COLUMNS = (
    "NO_OF_FRAMES\t3\n"
    "NO_OF_CAMERAS\t8\n"
    "NO_OF_MARKERS\t2\n"
    "FREQUENCY\t50\n"
    "NO_OF_ANALOG\t0\n"
    "ANALOG_FREQUENCY\t0\n"
    "DESCRIPTION\t--\n"
    "TIME_STAMP\t2017-03-02, 11:05:33.512\t5320.51483\n"
    "DATA_INCLUDED\t3D\n"
    "EVENT\tstart\t1\t0.000\n"
    "MARKER_NAMES\tRSHO\tLSHO\n"
    "TRAJECTORY_TYPES\tMeasured\tMeasured\n"
    "Frame\tTime\tRSHO X\tRSHO Y\tRSHO Z\tLSHO X\tLSHO Y\tLSHO Z\n"
    "1\t0.000\t101.500\t-20.250\t1400.000\t-150.000\t-22.000\t1398.125\n"
    "2\t0.020\t102.000\t-20.000\t1401.000\t0.000\t0.000\t0.000\n"
    "3\t0.040\t103.000\t-19.500\t1402.500\t-149.000\t\t1399.000\n"
)

# The older layout mcread handles: header, then bare coordinates without Frame/Time or column names
QTM_BARE = (
    "NO_OF_FRAMES\t2\n"
    "NO_OF_CAMERAS\t6\n"
    "NO_OF_MARKERS\t2\n"
    "FREQUENCY\t100\n"
    "NO_OF_ANALOG\t0\n"
    "ANALOG_FREQUENCY\t0\n"
    "DESCRIPTION\t--\n"
    "TIME_STAMP\t2010-02-22, 14:00:01\n"
    "DATA_INCLUDED\t3D\n"
    "MARKER_NAMES\tA\tB\n"
    "1.000\t2.000\t3.000\t4.000\t5.000\t6.000\n"
    "1.500\t2.500\t3.500\t0.000\t0.000\t0.000\n"
)


def test_read_tsv_with_column_headers(tmp_path):
    path = tmp_path / "qtm.tsv"
    path.write_text(QTM_WITH_COLUMNS)
    m = read_qualisys_tsv(path)
    assert m.names == ["RSHO", "LSHO"] and m.rate == 50.0 and m.units == "mm"
    assert m.positions.shape == (3, 2, 3)
    np.testing.assert_allclose(m.positions[0], [[101.5, -20.25, 1400.0], [-150.0, -22.0, 1398.125]])
    np.testing.assert_allclose(m.positions[2, 0], [103.0, -19.5, 1402.5])
    assert np.isnan(m.positions[1, 1]).all()  # 0 0 0 = gap
    assert np.isnan(m.positions[2, 1]).all()  # empty cell = gap
    assert np.isfinite(m.positions[:, 0]).all()


def test_read_tsv_bare_and_with_frame_time(tmp_path):
    path = tmp_path / "bare.tsv"
    path.write_text(QTM_BARE)
    m = read_qualisys_tsv(path)
    assert m.names == ["A", "B"] and m.rate == 100.0
    np.testing.assert_allclose(m.positions[0], [[1, 2, 3], [4, 5, 6]])
    assert np.isnan(m.positions[1, 1]).all()
    # same data with Frame and Time columns but no column header row
    lines = QTM_BARE.splitlines()
    lines[-2] = "1\t0.00000\t" + lines[-2]
    lines[-1] = "2\t0.01000\t" + lines[-1]
    path.write_text("\n".join(lines) + "\n")
    m2 = read_qualisys_tsv(path)
    np.testing.assert_array_equal(m2.positions, m.positions)


@pytest.mark.parametrize("column_headers", [True, False])
def test_tsv_round_trip(tmp_path, column_headers):
    rng = np.random.default_rng(1)
    pos = np.round(rng.uniform(-800, 1800, size=(20, 4, 3)), 3)
    pos[5, 2] = np.nan
    src = MarkerData(["C7", "RSHO", "LSHO", "RBWT"], pos, 50.0)
    path = write_qualisys_tsv(tmp_path / "rt.tsv", src, column_headers=column_headers)
    text = path.read_text().splitlines()
    assert text[0] == "NO_OF_FRAMES\t20" and text[9].startswith("MARKER_NAMES\tC7\tRSHO")
    back = read_qualisys_tsv(path)
    assert back.names == src.names and back.rate == 50.0
    np.testing.assert_allclose(back.positions, pos, atol=5e-4)
    np.testing.assert_array_equal(np.isnan(back.positions), np.isnan(pos))
    # metres in, millimetres out
    src_m = MarkerData(src.names, pos / 1000.0, 50.0, units="m")
    back_m = read_qualisys_tsv(write_qualisys_tsv(tmp_path / "m.tsv", src_m, column_headers=column_headers))
    np.testing.assert_allclose(back_m.positions, pos, atol=5e-4)


@pytest.mark.parametrize("text, message", [
    ("Frame\tTime\tA X\n1\t0\t1\n", "NO_OF_FRAMES"),
    (QTM_BARE.replace("NO_OF_MARKERS\t2", "NO_OF_MARKERS\t3"), "NO_OF_MARKERS"),
    (QTM_BARE.replace("NO_OF_FRAMES\t2", "NO_OF_FRAMES\t5"), "truncated"),
    (QTM_BARE.replace("DATA_INCLUDED\t3D", "DATA_INCLUDED\t2D"), "2D"),
    (QTM_BARE.replace("FREQUENCY\t100", "FREQUENCY\tEXT"), "FREQUENCY"),
    (QTM_BARE.replace("4.000", "abc"), "not numeric"),
])
def test_tsv_errors(tmp_path, text, message):
    path = tmp_path / "x.tsv"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        read_qualisys_tsv(path)


# ---------------------------------------------------------------- MoCap Toolbox
@needs_mat
def test_read_mocap_toolbox_dance1():
    m = read_mocap_toolbox_mat(MAT, "dance1")
    assert m.positions.shape == (1500, 28, 3) and m.rate == 60.0 and m.units == "mm"
    assert m.names[0] == "Head_FL" and len(m.names) == 28
    # z-up, mm: head markers well above the toes
    head, toes = m.positions[:, :4, 2].mean(), m.positions[:, 24:28, 2].mean()
    assert head - toes > 1000


@needs_mat
def test_walk1_has_real_gaps():
    m = read_mocap_toolbox_mat(MAT, "walk1")
    assert m.positions.shape[1:] == (28, 3)
    assert np.isnan(m.positions).any()


@needs_mat
def test_mocap_toolbox_errors():
    with pytest.raises(ValueError, match="dance9"):
        read_mocap_toolbox_mat(MAT, "dance9")
    with pytest.raises(ValueError, match="not a MoCap data structure"):
        read_mocap_toolbox_mat(MAT, "m2jpar")


@needs_mat
def test_m2jpar_real_map():
    m = read_mocap_toolbox_mat(MAT, "dance1")
    jmap = load_m2jpar(MAT)
    assert len(jmap) == 20 and list(jmap)[:3] == ["root", "lhip", "lknee"]
    assert jmap["root"] == [8, 9, 10, 11]  # 1-based 9..12 in the file
    assert jmap["lknee"] == [20]
    j = markers_to_joints(m, jmap)
    assert isinstance(j, JointData)
    assert j.positions.shape == (1500, 20, 3) and j.names == list(jmap) and j.rate == 60.0
    # a joint is the mean of its listed markers
    np.testing.assert_allclose(j.positions[:, 0], m.positions[:, 8:12].mean(axis=1))
    by_name = load_m2jpar(MAT, marker_names=m.names)
    assert by_name["lhip"] == ["Hip_FL", "Hip_BL"]
    np.testing.assert_allclose(markers_to_joints(m, by_name).positions, j.positions)


# ---------------------------------------------------------------- markers -> joints
def _markers():
    pos = np.zeros((4, 3, 3))
    pos[:, 0] = [0.0, 0.0, 0.0]
    pos[:, 1] = [10.0, 0.0, 0.0]
    pos[:, 2] = [0.0, 30.0, 0.0]
    pos[2, 1] = np.nan
    return MarkerData(["a", "b", "c"], pos, 25.0)


def test_markers_to_joints_missing_policy():
    m = _markers()
    before = m.positions.copy()
    j = markers_to_joints(m, {"ab": ["a", "b"], "c": ["c"], "abb": ["a", "b", "b"], "idx": [0, 2]})
    np.testing.assert_allclose(j.positions[0], [[5, 0, 0], [0, 30, 0], [20 / 3, 0, 0], [0, 15, 0]])
    assert np.isnan(j.positions[2, 0]).all()  # "any": one missing marker -> joint missing
    j_all = markers_to_joints(m, {"ab": ["a", "b"]}, missing="all")
    np.testing.assert_allclose(j_all.positions[2, 0], [0, 0, 0])
    np.testing.assert_array_equal(m.positions, before)


def test_markers_to_joints_converts_units():
    m = MarkerData(["a"], np.ones((2, 1, 3)), 10.0, units="m")
    np.testing.assert_allclose(markers_to_joints(m, {"j": ["a"]}).positions, 1000.0)


def test_markers_to_joints_errors():
    m = _markers()
    with pytest.raises(ValueError, match="'zz'"):
        markers_to_joints(m, {"ab": ["a", "zz"]})
    with pytest.raises(ValueError, match="index 7"):
        markers_to_joints(m, {"ab": [7]})
    with pytest.raises(ValueError, match="empty"):
        markers_to_joints(m, {"ab": []})
    with pytest.raises(ValueError, match="non-empty"):
        markers_to_joints(m, {})
    with pytest.raises(ValueError, match="missing"):
        markers_to_joints(m, {"ab": ["a"]}, missing="some")


def test_telmi_marker_map_shape():
    assert list(TELMI_MARKER_MAP) == TELMI13
    labels = sorted({n for group in TELMI_MARKER_MAP.values() for n in group})
    rng = np.random.default_rng(2)
    pos = rng.normal(0, 100, size=(6, len(labels), 3))
    j = markers_to_joints(MarkerData(labels, pos, 50.0), TELMI_MARKER_MAP)
    assert j.positions.shape == (6, 13, 3) and j.names == TELMI13
    i = labels.index
    np.testing.assert_allclose(j.positions[:, 3], (pos[:, i("RIEL")] + pos[:, i("ROEL")]) / 2)


def test_dataclass_validation():
    with pytest.raises(ValueError, match="names"):
        MarkerData(["a", "b"], np.zeros((3, 1, 3)), 50.0)
    with pytest.raises(ValueError, match="positions"):
        MarkerData(["a"], np.zeros((3, 1, 2)), 50.0)
    with pytest.raises(ValueError, match="rate"):
        JointData(["a"], np.zeros((3, 1, 3)), 0.0)
    with pytest.raises(ValueError, match="units"):
        MarkerData(["a"], np.zeros((3, 1, 3)), 50.0, units="in")
