"""What a batch is made of: the command line's INPUTs turned into a list of :class:`BatchItem`.

An INPUT is

- a **video** (any of :data:`VIDEO_SUFFIXES`): one item. A ``NAME_poses.npz`` (or ``.json``/``.csv``) beside
  ``NAME.ext`` is taken as its estimate (the bundled demo's layout: ``violin_demo.mp4`` +
  ``violin_demo_poses.npz``), so MediaPipe does not run; ``use_sidecar_poses=False`` turns that off;
- a **folder**: searched recursively (sorted, hidden folders and the output folder skipped) for videos, each
  as above;
- a **manifest**, ``.csv`` (a header row) or ``.jsonl`` (one JSON object a line), whose rows name ``video``
  and/or ``poses`` and optionally ``audio``, ``fps``, ``skeleton``, ``units``, ``estimator_fps`` and ``out``
  (see :data:`MANIFEST_COLUMNS`). Relative paths are relative to the manifest's folder.

Mistakes in what was asked (an INPUT that does not exist, an unknown manifest column, a row naming neither a
video nor a poses file, two items wanting the same output name) raise :class:`BatchInputError` before any
work starts. A file that a manifest row names but that is missing or unreadable is *not* such a mistake: that
item fails on its own and the others go on.

Nothing here imports numpy, torch or Ray: the worker processes import this module before pinning their threads.
"""
from __future__ import annotations

import csv
import json
import math
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["BatchItem", "BatchInputError", "VIDEO_SUFFIXES", "MANIFEST_COLUMNS", "POSES_SUFFIXES",
           "discover_items", "read_manifest", "poses_stem"]

#: File suffixes taken as videos (lower case).
VIDEO_SUFFIXES: tuple[str, ...] = (".mp4", ".mov", ".avi", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv",
                                   ".flv", ".mts", ".m2ts", ".ts", ".3gp")
#: Suffixes of estimate files (what ``tools/refine_video.py --poses`` reads), in the order a sidecar is looked for.
POSES_SUFFIXES: tuple[str, ...] = (".npz", ".json", ".csv")
#: Manifest columns / keys and what they mean.
MANIFEST_COLUMNS: dict[str, str] = {
    "video": "the video (its own sound track is the audio)",
    "poses": "an estimate file, as refine_video.py --poses takes; with a video it replaces MediaPipe, "
             "without one it is refined on its own",
    "audio": "poses-only rows: an audio or video file whose sound goes with the poses; 'none' (any row): "
             "pose-only refinement",
    "fps": "poses-only rows: frame rate of the poses (needed for MMPose files, which do not record it)",
    "skeleton": "poses-only rows: joint set of the poses, overriding what the file records",
    "units": "poses-only rows: mm, cm or m, overriding what the file records",
    "estimator_fps": "video rows without poses: run MediaPipe at about this rate (Hz, >= 10)",
    "out": "output name of the item (a folder name in DIR; default: the video's or poses file's stem)",
}
_NO_AUDIO = "none"
_UNITS = ("mm", "cm", "m")
_RESERVED = {"manifest.jsonl"}


class BatchInputError(ValueError):
    """The INPUTs or a manifest ask for something impossible (a usage error: exit status 2 in the CLI)."""


@dataclass(frozen=True)
class BatchItem:
    """One unit of work: one video (or one poses file) refined into ``DIR/<name>/``.

    Attributes
    ----------
    name : str
        Output folder name inside the batch's output folder (unique within a batch).
    video : str or None
        Absolute path of the video.
    poses : str or None
        Absolute path of an estimate file (instead of MediaPipe, or refined on its own without ``video``).
    audio : str or None
        Poses-only items: absolute path of the audio (or a video with sound); None: no audio.
    no_audio : bool
        Pose-only refinement (manifest ``audio`` = ``none``).
    fps : float or None
        Poses-only items: frame rate of the poses.
    skeleton : str or None
        Poses-only items: joint set of the poses.
    units : str or None
        Poses-only items: ``"mm"``, ``"cm"`` or ``"m"``.
    estimator_fps : float or None
        Video items without poses: MediaPipe's rate.
    source : str
        Where the item came from (``manifest.csv:3``, a folder, the command line), for messages.
    """

    name: str
    video: str | None = None
    poses: str | None = None
    audio: str | None = None
    no_audio: bool = False
    fps: float | None = None
    skeleton: str | None = None
    units: str | None = None
    estimator_fps: float | None = None
    source: str = ""

    def describe(self) -> dict:
        """The item as a JSON-able dict, without the fields that are not set.

        Returns
        -------
        dict
        """
        return {k: v for k, v in asdict(self).items() if v not in (None, False, "")}

    def input_files(self) -> list[str]:
        """The files the item reads (video, poses, audio).

        Returns
        -------
        list of str
        """
        return [p for p in (self.video, self.poses, self.audio) if p]


# --------------------------------------------------------------------------------------------- helpers
def _sidecar(video: Path) -> Path | None:
    for suffix in POSES_SUFFIXES:
        cand = video.with_name(f"{video.stem}_poses{suffix}")
        if cand.is_file():
            return cand
    return None


def _video_item(video: Path, source: str, use_sidecar: bool, estimator_fps: float | None) -> dict:
    poses = _sidecar(video) if use_sidecar else None
    row = {"name": video.stem, "video": str(video.resolve()), "source": source}
    if poses is not None:
        row["poses"] = str(poses.resolve())
    elif estimator_fps is not None:
        row["estimator_fps"] = estimator_fps
    return row


def _search_folder(folder: Path, skip: list[Path]) -> list[Path]:
    found = []
    for root, dirs, files in os.walk(folder):
        root_p = Path(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and not any(_same(root_p / d, s) for s in skip))
        found += [root_p / f for f in sorted(files) if not f.startswith(".")
                  and Path(f).suffix.lower() in VIDEO_SUFFIXES]
    return found


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _number(value, key: str, where: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise BatchInputError(f"{where}: {key} must be a number, got {value!r}") from None
    if not math.isfinite(x) or x <= 0:
        raise BatchInputError(f"{where}: {key} must be a positive number, got {value!r}")
    return x


def _text(value, key: str, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise BatchInputError(f"{where}: {key} must be a string, got {value!r}")
    return value.strip() or None


def _row_to_item(row: dict, base: Path, where: str) -> dict:
    """One manifest row, checked, as keyword arguments of :class:`BatchItem` (``name`` may be missing)."""
    unknown = sorted(set(row) - set(MANIFEST_COLUMNS))
    if unknown:
        raise BatchInputError(f"{where}: unknown column(s) {', '.join(map(repr, unknown))}; a manifest may have "
                              f"{', '.join(MANIFEST_COLUMNS)}")
    vals = {k: _text(row.get(k), k, where) for k in ("video", "poses", "audio", "skeleton", "units", "out")}
    fps = _number(row.get("fps"), "fps", where)
    est = _number(row.get("estimator_fps"), "estimator_fps", where)
    video, poses, audio = vals["video"], vals["poses"], vals["audio"]
    if video is None and poses is None:
        raise BatchInputError(f"{where}: a row needs a video or a poses file (or both)")
    no_audio = audio is not None and audio.lower() == _NO_AUDIO
    if no_audio:
        audio = None
    if video is not None:
        if audio is not None:
            raise BatchInputError(f"{where}: audio= goes with poses-only rows (a video's own sound track is used); "
                                  f"write audio=none for pose-only refinement of a video")
        given = [k for k, v in (("fps", fps), ("skeleton", vals["skeleton"]), ("units", vals["units"]))
                 if v is not None]
        if given:
            raise BatchInputError(f"{where}: {'/'.join(given)} describe a poses file refined without a video; with "
                                  f"a video they come from the video and its poses file")
    if est is not None and (poses is not None or video is None):
        raise BatchInputError(f"{where}: estimator_fps is MediaPipe's rate; it needs a video and no poses file")
    if est is not None and est < 10:
        raise BatchInputError(f"{where}: estimator_fps must be >= 10 Hz (the refiner's lowest input rate), "
                              f"got {est:g}")
    units = vals["units"]
    if units is not None and units not in _UNITS:
        raise BatchInputError(f"{where}: units must be one of {', '.join(_UNITS)}, got {units!r}")

    def resolve(p: str | None) -> str | None:
        if p is None:
            return None
        path = Path(os.path.expanduser(p))
        return str((path if path.is_absolute() else base / path).resolve())

    out = {"video": resolve(video), "poses": resolve(poses), "audio": resolve(audio), "no_audio": no_audio,
           "fps": fps, "skeleton": vals["skeleton"], "units": units, "estimator_fps": est, "source": where}
    if vals["out"] is not None:
        out["name"] = vals["out"]
        out["explicit_name"] = True
    else:
        out["name"] = Path(video).stem if video else poses_stem(poses)
    return out


def poses_stem(path) -> str:
    """Stem of a poses file without a trailing ``_poses`` (``take1_poses.npz`` -> ``take1``).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    str
    """
    stem = Path(path).stem
    return stem[:-len("_poses")] if stem.endswith("_poses") and len(stem) > len("_poses") else stem


def read_manifest(path) -> list[dict]:
    """Read a ``.csv`` or ``.jsonl`` manifest into checked rows.

    Parameters
    ----------
    path : str or Path
        The manifest.

    Returns
    -------
    list of dict
        Keyword arguments of :class:`BatchItem`, plus ``explicit_name`` when the row gave ``out``.

    Raises
    ------
    BatchInputError
        Unreadable manifest, bad JSON, unknown columns, a row with neither video nor poses, bad numbers or units,
        a combination that cannot work (see :data:`MANIFEST_COLUMNS`), no rows.
    """
    path = Path(path)
    base = path.resolve().parent
    rows: list[tuple[str, dict]] = []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BatchInputError(f"cannot read manifest {path}: {exc}") from None
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(text.splitlines())
        if not reader.fieldnames:
            raise BatchInputError(f"{path}: empty manifest (a .csv manifest starts with a header row, e.g. "
                                  f"'video,poses,out')")
        fields = [f.strip() if f else f for f in reader.fieldnames]
        if any(not f for f in fields):
            raise BatchInputError(f"{path}: the header row has an empty column name")
        for i, raw in enumerate(reader, start=2):
            if None in raw:
                raise BatchInputError(f"{path}:{i}: more cells than the header has columns")
            row = {f: v for f, v in zip(fields, raw.values()) if v is not None and v.strip()}
            if row:
                rows.append((f"{path}:{i}", row))
    else:
        for i, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BatchInputError(f"{path}:{i}: not JSON ({exc.msg})") from None
            if not isinstance(obj, dict):
                raise BatchInputError(f"{path}:{i}: each line must be a JSON object, got {type(obj).__name__}")
            rows.append((f"{path}:{i}", {k: v for k, v in obj.items() if v is not None}))
    if not rows:
        raise BatchInputError(f"{path}: the manifest has no rows")
    return [_row_to_item({k: (str(v) if isinstance(v, (int, float)) and k not in ("fps", "estimator_fps") else v)
                          for k, v in row.items()}, base, where) for where, row in rows]


_BAD_NAME = re.compile(r"[/\\\x00]")


def _check_name(name: str, where: str) -> None:
    if not name or name in (".", "..") or name.startswith(".") or _BAD_NAME.search(name) or name in _RESERVED:
        raise BatchInputError(f"{where}: {name!r} cannot be an output name (a plain folder name, not starting with "
                              f"'.', and not {', '.join(sorted(_RESERVED))})")


def discover_items(inputs, *, out_dir=None, use_sidecar_poses: bool = True,
                   estimator_fps: float | None = None) -> list[BatchItem]:
    """Turn INPUTs (videos, folders, manifests) into items with unique output names.

    Parameters
    ----------
    inputs : sequence of str or Path
        Videos, folders (searched recursively for videos) and ``.csv``/``.jsonl`` manifests.
    out_dir : str or Path, optional
        The batch's output folder: never searched when it lies inside an input folder.
    use_sidecar_poses : bool
        Take ``NAME_poses.{npz,json,csv}`` beside a video found on the command line or in a folder as its
        estimate (False: always MediaPipe). Manifests say what they want.
    estimator_fps : float, optional
        MediaPipe's rate for video items without poses whose row does not set one.

    Returns
    -------
    list of BatchItem
        In input order (folders sorted). Names default to the video's (or poses file's) stem; repeated stems get
        ``-2``, ``-3``... in that order, so the same INPUTs give the same names on every run.

    Raises
    ------
    BatchInputError
        No inputs; an INPUT that does not exist or is of no known kind; a folder without videos; a bad manifest
        (see :func:`read_manifest`); two items asking for the same explicit ``out`` name; a bad name.
    """
    inputs = list(inputs)
    if not inputs:
        raise BatchInputError("no INPUT given: name videos, folders or .csv/.jsonl manifests")
    skip = [Path(out_dir)] if out_dir is not None else []
    rows: list[dict] = []
    for raw in inputs:
        p = Path(os.path.expanduser(str(raw)))
        if p.is_dir():
            videos = _search_folder(p, skip)
            if not videos:
                raise BatchInputError(f"no video ({', '.join(VIDEO_SUFFIXES[:5])}...) found in folder {p}")
            rows += [_video_item(v, f"folder {p}", use_sidecar_poses, estimator_fps) for v in videos]
        elif not p.exists():
            raise BatchInputError(f"INPUT not found: {p}")
        elif p.suffix.lower() in (".csv", ".jsonl"):
            for row in read_manifest(p):
                if row["video"] and not row["poses"] and row["estimator_fps"] is None:
                    row["estimator_fps"] = estimator_fps
                rows.append(row)
        elif p.suffix.lower() in VIDEO_SUFFIXES:
            rows.append(_video_item(p, "command line", use_sidecar_poses, estimator_fps))
        else:
            raise BatchInputError(f"INPUT {p} is not a video ({', '.join(VIDEO_SUFFIXES[:5])}...), a folder or a "
                                  f".csv/.jsonl manifest")
    explicit: dict[str, str] = {}
    for row in rows:
        if row.get("explicit_name"):
            _check_name(row["name"], row["source"])
            if row["name"] in explicit:
                raise BatchInputError(f"{row['source']}: output name {row['name']!r} is already used by "
                                      f"{explicit[row['name']]}")
            explicit[row["name"]] = row["source"]
    taken = set(explicit)
    items = []
    for row in rows:
        name = row.pop("name")
        if not row.pop("explicit_name", False):
            base = name if not name.startswith(".") else name.lstrip(".") or "item"
            _check_name(base, row["source"])
            name, k = base, 2
            while name in taken:
                name, k = f"{base}-{k}", k + 1
            taken.add(name)
        items.append(BatchItem(name=name, **row))
    return items
