"""Optical motion-capture readers: C3D, Qualisys TSV (and a writer), MoCap Toolbox .mat.

Every reader returns a :class:`~training.mocap.containers.MarkerData` with positions ``(T, M, 3)`` in
**millimetres** (converted from the file's unit) and NaN for missing/occluded markers. Axes are left as the file
has them (Qualisys and the MoCap Toolbox data are z-up).
"""
from __future__ import annotations

import math
import struct
import warnings
from pathlib import Path

import numpy as np

from pose_audio_refine.units import MM_PER_UNIT, convert_units

from .containers import MarkerData

__all__ = ["read_c3d", "read_qualisys_tsv", "write_qualisys_tsv", "read_mocap_toolbox_mat"]


def _existing_file(path) -> Path:
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"no such file: {p}")
    if not p.is_file():
        raise ValueError(f"path is not a regular file: {p}")
    return p


def _unit_from_label(label: str, path: Path) -> str:
    """Map a file's unit label to ``mm``/``cm``/``m``; an empty label is taken as mm (with a warning)."""
    u = label.strip().lower()
    if u == "":
        warnings.warn(f"{path.name}: no point units in the file; assuming millimetres", stacklevel=3)
        return "mm"
    if u in ("millimeters", "millimetres", "millimeter", "millimetre"):
        return "mm"
    if u not in MM_PER_UNIT:
        raise ValueError(f"{path.name}: unsupported point units {label!r} (expected mm, cm or m)")
    return u


# --------------------------------------------------------------------------- C3D
def _c3d_header_frames(path: Path) -> int | None:
    """Frame count from the raw C3D header, read before ezc3d so damaged files fail with a clear message.

    Returns None when the header cannot give it (the 65535 frame limit of the 16-bit field).
    """
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(512)
        if size < 1024 or len(head) < 512 or head[1] != 0x50:
            # byte 2 of every C3D file is 0x50; at least the header block and one parameter block
            raise ValueError(f"{path.name} is not a C3D file (bad header)")
        param_block = head[0]
        fh.seek((param_block - 1) * 512)
        phead = fh.read(4)
    # parameter-section header: 2 reserved bytes, block count, processor type 84/85/86 (Intel/DEC/MIPS)
    if param_block < 2 or len(phead) < 4 or phead[3] not in (84, 85, 86):
        raise ValueError(f"{path.name} is not a valid C3D file (parameter section not found)")
    endian = ">" if phead[3] == 86 else "<"  # processor type 86 = MIPS (big-endian); 84/85 little-endian
    n_points, analog_per_frame, first, last = struct.unpack(endian + "4H", head[2:10])
    # the scale factor is an IEEE float on Intel/MIPS files; DEC files use VAX floats, so skip the size check there
    ieee = phead[3] in (84, 86)
    scale = struct.unpack(endian + "f", head[12:16])[0] if ieee else None
    data_start = struct.unpack(endian + "H", head[16:18])[0]
    _check_c3d_parameters(path, param_block, endian)
    if last == 65535 or last < first:
        return None
    n_frames = last - first + 1
    if scale is not None and data_start >= 2 and math.isfinite(scale):
        # float data (negative scale) takes 4 bytes per value, integer data 2
        nbytes = 4 if scale < 0 else 2
        expected = (data_start - 1) * 512 + n_frames * (4 * n_points + analog_per_frame) * nbytes
        if size < expected:
            raise ValueError(
                f"{path.name} is truncated: its header promises {n_frames} frames ({expected} bytes) "
                f"but the file has {size} bytes"
            )
    return n_frames


def _check_c3d_parameters(path: Path, param_block: int, endian: str) -> None:
    """Walk the parameter records and reject a damaged section before ezc3d parses it.

    ezc3d can loop forever or allocate without bound on corrupted parameters (seen with a backwards
    record offset or an unknown data type), so the few structural rules it relies on are checked
    here: data types -1/1/2/4, forward offsets, and parameter data inside the section.
    """
    with path.open("rb") as fh:
        fh.seek((param_block - 1) * 512)
        data = fh.read(4)
        end = data[2] * 512  # block count; offsets below are relative to the section start
        data += fh.read(max(end - 4, 0))
    if len(data) < end:
        raise ValueError(f"{path.name} is truncated inside its C3D parameter section")
    pos = 4
    while pos + 2 <= end:
        name_len, group = struct.unpack("bb", data[pos : pos + 2])
        name_len = abs(name_len)
        if name_len == 0 or group == 0:
            return  # end of the parameter records
        off_pos = pos + 2 + name_len
        if off_pos + 2 > end:
            break
        name = data[pos + 2 : min(off_pos, pos + 34)].decode("ascii", errors="replace")  # short, for messages
        offset = struct.unpack(endian + "h", data[off_pos : off_pos + 2])[0]
        if group > 0:  # a parameter (groups have negative ids)
            q = off_pos + 2
            if q + 2 > end:
                break
            dtype, n_dims = struct.unpack("bB", data[q : q + 2])
            if dtype not in (-1, 1, 2, 4):
                raise ValueError(f"{path.name} is a damaged C3D file: parameter {name!r} has data type {dtype}")
            n_values = math.prod(data[q + 2 : q + 2 + n_dims])
            if q + 2 + n_dims + abs(dtype) * n_values > end:
                raise ValueError(f"{path.name} is a damaged C3D file: parameter {name!r} runs past its section")
        if offset == 0:
            return
        if offset < 0:
            raise ValueError(f"{path.name} is a damaged C3D file: parameter record {name!r} points backwards")
        pos = off_pos + offset


def read_c3d(path, include_analog: bool = False) -> MarkerData:
    """Read marker trajectories from a C3D file (via ``ezc3d``).

    Parameters
    ----------
    path : str or Path
        ``.c3d`` file.
    include_analog : bool
        Also return the analog channels ``(n_channels, n_samples)`` with their rate and labels.

    Returns
    -------
    MarkerData
        Positions ``(T, M, 3)`` in mm (converted from ``POINT:UNITS``; an empty unit is taken as mm
        with a warning), ``rate`` from ``POINT:RATE``. A marker is NaN in a frame where ezc3d gives NaN,
        its residual is negative (the C3D "invalid" flag), or all three coordinates are exactly 0
        (how many exporters write a gap).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a C3D file, is truncated, or has an unsupported unit.
    """
    import ezc3d  # local import: only this reader needs the compiled extension

    p = _existing_file(path)
    header_frames = _c3d_header_frames(p)
    try:
        c3d = ezc3d.c3d(str(p))
    except (OSError, RuntimeError, ValueError) as exc:
        raise ValueError(f"could not read C3D file {p.name}: {exc}") from exc
    params = c3d["parameters"]["POINT"]
    points = np.asarray(c3d["data"]["points"], dtype=np.float64)  # (4, M, T)
    if header_frames is not None and points.shape[2] != header_frames:
        # ezc3d silently shortens a file cut inside the data; the raw header still knows the length
        raise ValueError(f"{p.name} is truncated: header says {header_frames} frames, data holds {points.shape[2]}")
    labels = list(params["LABELS"]["value"]) if "LABELS" in params else []
    for extra in ("LABELS2", "LABELS3"):  # C3D stores more than 255 labels in continuation groups
        if extra in params:
            labels += list(params[extra]["value"])
    n_markers = points.shape[1]
    labels = [str(s).strip() for s in labels[:n_markers]]
    labels += [f"marker_{i}" for i in range(len(labels), n_markers)]
    unit_values = params["UNITS"]["value"] if "UNITS" in params else []
    units = _unit_from_label(unit_values[0] if len(unit_values) else "", p)
    rate_values = params["RATE"]["value"] if "RATE" in params else []
    rate = float(rate_values[0]) if len(rate_values) else float(c3d["header"]["points"]["frame_rate"])

    xyz = np.transpose(points[:3], (2, 1, 0))  # (T, M, 3)
    missing = np.isnan(xyz).any(axis=-1) | (xyz == 0).all(axis=-1)
    residuals = c3d["data"].get("meta_points", {}).get("residuals")
    if residuals is not None and np.size(residuals):
        missing |= np.asarray(residuals)[0].T < 0
    xyz[missing] = np.nan
    xyz = convert_units(xyz, units, "mm")

    analog, analog_rate, analog_names = None, None, []
    if include_analog:
        a = np.asarray(c3d["data"]["analogs"], dtype=np.float64)
        if a.size:
            analog = a.reshape(a.shape[-2], a.shape[-1])
            aparams = c3d["parameters"]["ANALOG"]
            analog_rate = float(aparams["RATE"]["value"][0])
            analog_names = [str(s).strip() for s in aparams["LABELS"]["value"]] if "LABELS" in aparams else []
    return MarkerData(labels, xyz, rate, "mm", analog, analog_rate, analog_names)


# --------------------------------------------------------------------------- Qualisys TSV
# Header keys written by Qualisys Track Manager's 3D TSV export (QTM manual, "Motion data (.tsv)").
_TSV_HEADER_ORDER = (
    "NO_OF_FRAMES", "NO_OF_CAMERAS", "NO_OF_MARKERS", "FREQUENCY", "NO_OF_ANALOG", "ANALOG_FREQUENCY",
    "DESCRIPTION", "TIME_STAMP", "DATA_INCLUDED", "MARKER_NAMES",
)


def _is_header_key(token: str) -> bool:
    return bool(token) and token[0].isalpha() and token.replace("_", "").isalnum() and token.upper() == token


def _to_float(cell: str) -> float:
    cell = cell.strip()
    return float(cell) if cell else np.nan


def read_qualisys_tsv(path) -> MarkerData:
    """Read a Qualisys Track Manager 3D TSV export.

    The file starts with ``KEY<TAB>value`` header lines (``FILE_VERSION`` in QTM >= 2.0,
    ``NO_OF_FRAMES``, ``NO_OF_CAMERAS``, ``NO_OF_MARKERS``, ``FREQUENCY``, ``NO_OF_ANALOG``,
    ``ANALOG_FREQUENCY``, ``DESCRIPTION``, ``TIME_STAMP``, ``DATA_INCLUDED``, ``EVENT`` lines,
    ``MARKER_NAMES`` with tab-separated names, ``TRAJECTORY_TYPES``), then optionally a column header
    row (``Frame  Time  NAME X  NAME Y  NAME Z ...``), then one row per frame. Without a column header
    a row holds either the ``3*M`` coordinates or ``Frame``, ``Time`` and the coordinates; both occur.

    Parameters
    ----------
    path : str or Path
        ``.tsv`` file.

    Returns
    -------
    MarkerData
        Positions ``(T, M, 3)`` in mm (QTM exports millimetres), ``rate`` from ``FREQUENCY``. A marker
        is NaN where any coordinate is empty or all three are exactly 0 (QTM's gap value).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the header is missing or inconsistent (marker count, frame count, 2D data, non-numeric
        ``FREQUENCY`` such as ``EXT``) or a data row cannot be parsed.
    """
    p = _existing_file(path)
    with p.open("r", encoding="utf-8-sig", errors="replace") as fh:
        lines = fh.read().splitlines()
    header: dict[str, list[str]] = {}
    i = 0
    while i < len(lines):
        fields = lines[i].split("\t")
        if not _is_header_key(fields[0].strip()):
            break
        key = fields[0].strip()
        if key != "EVENT":  # events are repeated lines; not needed here
            header[key] = fields[1:]
        i += 1
    for key in ("NO_OF_FRAMES", "NO_OF_MARKERS", "FREQUENCY", "MARKER_NAMES"):
        if key not in header:
            raise ValueError(f"{p.name}: not a Qualisys 3D TSV export (header line {key} missing)")
    included = (header.get("DATA_INCLUDED") or ["3D"])[0].strip() or "3D"
    if included != "3D":
        raise ValueError(f"{p.name}: DATA_INCLUDED is {included!r}; only 3D exports are supported")
    try:
        n_frames = int(header["NO_OF_FRAMES"][0])
        n_markers = int(header["NO_OF_MARKERS"][0])
        rate = float(header["FREQUENCY"][0])
    except (IndexError, ValueError) as exc:
        raise ValueError(f"{p.name}: bad header value ({exc}); FREQUENCY must be numeric (not EXT)") from exc
    names = [n.strip() for n in header["MARKER_NAMES"]]
    while names and names[-1] == "":
        names.pop()
    if len(names) != n_markers:
        raise ValueError(f"{p.name}: NO_OF_MARKERS is {n_markers} but MARKER_NAMES lists {len(names)}")

    rows = [ln for ln in lines[i:] if ln.strip()]
    col_index = None  # column of each marker's X in a row, when a column header row is present
    if rows and rows[0].lstrip()[:1].isalpha():
        cols = [c.strip() for c in rows[0].split("\t")]
        try:
            col_index = [cols.index(f"{n} X") for n in names]
        except ValueError as exc:
            raise ValueError(f"{p.name}: column header row lacks a marker column ({exc})") from exc
        rows = rows[1:]
    if len(rows) != n_frames:
        raise ValueError(f"{p.name}: NO_OF_FRAMES is {n_frames} but the file has {len(rows)} data rows (truncated?)")

    xyz = np.full((n_frames, n_markers, 3), np.nan)
    for t, row in enumerate(rows):
        cells = row.split("\t")
        if col_index is None:
            # Frame and Time columns are present if the row is exactly two cells wider than the data
            offset = 2 if len(cells) == 3 * n_markers + 2 else 0
            starts = [offset + 3 * m for m in range(n_markers)]
        else:
            starts = col_index
        need = max(starts) + 3
        if len(cells) < need:
            cells = cells + [""] * (need - len(cells))  # QTM may drop trailing empty cells
        try:
            vals = [[_to_float(cells[s + k]) for k in range(3)] for s in starts]
        except ValueError as exc:
            raise ValueError(f"{p.name}: data row {t + 1} is not numeric ({exc})") from exc
        xyz[t] = vals
    missing = np.isnan(xyz).any(axis=-1) | (xyz == 0).all(axis=-1)
    xyz[missing] = np.nan
    return MarkerData(names, xyz, rate, "mm")


def write_qualisys_tsv(path, markers: MarkerData, column_headers: bool = True, n_cameras: int = 0) -> Path:
    """Write ``markers`` as a Qualisys Track Manager 3D TSV export (the layout :func:`read_qualisys_tsv` reads).

    Parameters
    ----------
    path : str or Path
        Output file.
    markers : MarkerData
        Positions are written in mm; NaN (missing) is written as ``0.000`` in all three coordinates,
        QTM's gap value.
    column_headers : bool
        Write the ``Frame Time NAME X ...`` row and the Frame/Time columns (QTM's "export time data"
        and "write column headers" options). False writes coordinates only.
    n_cameras : int
        Value for ``NO_OF_CAMERAS`` (not otherwise used).

    Returns
    -------
    Path
        The written path.
    """
    if not isinstance(markers, MarkerData):
        raise TypeError(f"markers must be a MarkerData, got {type(markers).__name__}")
    bad = [n for n in markers.names if "\t" in n or not n.strip()]
    if bad:
        raise ValueError(f"marker names must be non-empty and without tabs, got {bad}")
    pos = np.nan_to_num(convert_units(markers.positions, markers.units, "mm"), nan=0.0)
    t, m = markers.n_frames, markers.n_markers
    out = [
        f"NO_OF_FRAMES\t{t}", f"NO_OF_CAMERAS\t{n_cameras}", f"NO_OF_MARKERS\t{m}",
        f"FREQUENCY\t{markers.rate:g}", "NO_OF_ANALOG\t0", "ANALOG_FREQUENCY\t0", "DESCRIPTION\t--",
        "TIME_STAMP\t2000-01-01, 00:00:00\t0.000", "DATA_INCLUDED\t3D",
        "MARKER_NAMES\t" + "\t".join(markers.names),
    ]
    if column_headers:
        out.append("\t".join(["Frame", "Time"] + [f"{n} {a}" for n in markers.names for a in "XYZ"]))
    flat = pos.reshape(t, 3 * m)
    for k in range(t):
        coords = "\t".join(f"{v:.3f}" for v in flat[k])
        out.append(f"{k + 1}\t{k / markers.rate:.5f}\t{coords}" if column_headers else coords)
    p = Path(path)
    p.write_text("\n".join(out) + "\n", encoding="utf-8")
    return p


# --------------------------------------------------------------------------- MoCap Toolbox .mat
def _loadmat(path) -> dict:
    import scipy.io

    p = _existing_file(path)
    try:
        return scipy.io.loadmat(str(p), squeeze_me=True, struct_as_record=False)
    except Exception as exc:  # scipy raises several types for damaged files
        raise ValueError(f"could not read MATLAB file {p.name}: {exc}") from exc


def _as_str_list(x) -> list[str]:
    return [str(s) for s in np.atleast_1d(x)]


def read_mocap_toolbox_mat(path, name: str) -> MarkerData:
    """Read one MoCap Toolbox data structure (``mcread`` output saved in a .mat file).

    Parameters
    ----------
    path : str or Path
        MATLAB v5 file, e.g. the toolbox's ``mcdemodata.mat``.
    name : str
        Variable holding a MoCap structure (``dance1``, ``dance2``, ``walk1``, ``walk2`` there).

    Returns
    -------
    MarkerData
        Positions ``(T, M, 3)`` in mm from ``.data`` ``(T, 3*M)`` (x, y, z per marker; the toolbox
        works in mm, z up), ``rate`` from ``.freq``, names from ``.markerName``. NaN and all-zero
        markers are missing.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If ``name`` is absent or is not a MoCap data structure.
    """
    mat = _loadmat(path)
    if name not in mat:
        avail = sorted(k for k in mat if not k.startswith("__"))
        raise ValueError(f"name {name!r} not in {Path(path).name}; variables: {avail}")
    s = mat[name]
    if not all(hasattr(s, f) for f in ("data", "freq", "markerName")):
        raise ValueError(f"name {name!r} is not a MoCap data structure (needs .data, .freq, .markerName)")
    data = np.asarray(s.data, dtype=np.float64)
    names = _as_str_list(s.markerName)
    if data.ndim != 2 or data.shape[1] != 3 * len(names):
        raise ValueError(f"{name}.data has shape {data.shape}, expected (T, {3 * len(names)}) for {len(names)} markers")
    xyz = data.reshape(data.shape[0], len(names), 3)
    missing = np.isnan(xyz).any(axis=-1) | (xyz == 0).all(axis=-1)
    xyz[missing] = np.nan
    return MarkerData(names, xyz, float(s.freq), "mm")
