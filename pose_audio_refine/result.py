"""The result of a refinement and its files: :class:`RefineResult` with ``save``/``load`` in ``.npz``, ``.json``
and ``.csv``."""
from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["RefineResult", "RESULT_FORMAT"]

#: Format tag written into every saved result (read back by :meth:`RefineResult.load`).
RESULT_FORMAT = "pose_audio_refine.result/1"
_RESULT_FORMAT = RESULT_FORMAT

@dataclass
class RefineResult:
    """Refined poses plus what is needed to use and save them.

    Attributes
    ----------
    poses : np.ndarray, shape (T_out, J, 3) or (N, T_out, J, 3)
        Refined poses in the input's skeleton, units and coordinate frame; NaN where a joint had no
        observation within :data:`SUPPORT_S` s.
    times : np.ndarray, shape (T_out,)
        Output timestamps ``k / fps`` in seconds, on the input's clock (input frame 0 is at 0 s).
    fps : float
        Output frame rate, Hz.
    skeleton : str
        Skeleton name (joint order of ``poses``).
    units : str
        ``"mm"``, ``"cm"`` or ``"m"``.
    audio_used : bool
        Whether the audio informed the refinement (False: none given, no audio stream, silent, or a pose-only
        checkpoint).
    warnings : list of str
        Everything that was warned about during refinement.
    joint_names : tuple of str
        Names of the J joints.
    input_poses : np.ndarray or None
        The input as refined: a float64 copy, ``(T, J, 3)`` or ``(N, T, J, 3)``, input units, with joints below
        ``min_confidence`` set to NaN.
    input_times : np.ndarray or None
        ``(T,)`` input timestamps ``arange(T) / fps_in``, s.
    """

    poses: np.ndarray
    times: np.ndarray
    fps: float
    skeleton: str
    units: str
    audio_used: bool
    warnings: list[str] = field(default_factory=list)
    joint_names: tuple[str, ...] = ()
    input_poses: np.ndarray | None = None
    input_times: np.ndarray | None = None

    def _meta(self) -> dict:
        return {"format": _RESULT_FORMAT, "fps": float(self.fps), "skeleton": self.skeleton, "units": self.units,
                "audio_used": bool(self.audio_used), "warnings": list(self.warnings),
                "joint_names": list(self.joint_names)}

    def save(self, path) -> Path:
        """Write the result; the format follows the suffix.

        ``.npz``: every array (input included when present) plus the metadata, exact.
        ``.json``: one object with the metadata, ``times`` and ``poses`` (nested lists, NaN as ``null``; input
        included when present), exact (17 significant digits).
        ``.csv``: metadata as ``# key: value`` comment lines, then one row per output frame (and person):
        ``person, frame, time, <joint>_x, <joint>_y, <joint>_z, ...``; NaN as an empty cell; the input is not
        written.

        Parameters
        ----------
        path : str or Path
            Output file ending in ``.npz``, ``.json`` or ``.csv``.

        Returns
        -------
        Path
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".npz", ".json", ".csv"):
            raise ValueError(f"path must end in .npz, .json or .csv, got {path.name!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = self._meta()
        if suffix == ".npz":
            arrays = {"poses": self.poses, "times": self.times, "meta": np.array(json.dumps(meta))}
            if self.input_poses is not None:
                arrays.update(input_poses=self.input_poses, input_times=self.input_times)
            with open(path, "wb") as f:
                np.savez(f, **arrays)
        elif suffix == ".json":
            obj = dict(meta, times=self.times.tolist(), poses=_nan_to_none(self.poses))
            if self.input_poses is not None:
                obj.update(input_poses=_nan_to_none(self.input_poses), input_times=self.input_times.tolist())
            path.write_text(json.dumps(obj, allow_nan=False))
        else:
            _write_csv(self, path, meta)
        return path

    @classmethod
    def load(cls, path) -> "RefineResult":
        """Read a file written by :meth:`save` (format from the suffix).

        Raises
        ------
        FileNotFoundError
            No such file.
        ValueError
            Another suffix, or a file that is not a saved result (the message names the file and what is missing).
        """
        path = Path(path)
        if path.suffix.lower() not in (".npz", ".json", ".csv"):
            raise ValueError(f"path must end in .npz, .json or .csv, got {path.name!r}")
        if not path.is_file():
            raise FileNotFoundError(f"result file not found: {path}")
        try:
            return cls._load(path)
        except (KeyError, IndexError, TypeError, ValueError, zipfile.BadZipFile) as exc:
            if isinstance(exc, ValueError) and str(path) in str(exc):
                raise  # already ours, naming the file
            what = f"no {exc.args[0]!r} entry" if isinstance(exc, KeyError) else f"{type(exc).__name__}: {exc}"
            raise ValueError(f"{path} is not a pose_audio_refine result ({what}); results are written by "
                             "RefineResult.save") from None

    @classmethod
    def _load(cls, path: Path) -> "RefineResult":
        suffix = path.suffix.lower()
        if suffix == ".npz":
            with np.load(path, allow_pickle=False) as z:
                if "meta" not in z.files:
                    raise KeyError("meta")
                meta = json.loads(str(z["meta"]))
                extra = {k: z[k] for k in ("input_poses", "input_times") if k in z.files}
                poses, times = z["poses"], z["times"]
        elif suffix == ".json":
            obj = json.loads(path.read_text())
            meta = obj
            poses = _none_to_nan(obj["poses"])
            times = np.asarray(obj["times"], dtype=np.float64)
            extra = {}
            if "input_poses" in obj:
                extra = {"input_poses": _none_to_nan(obj["input_poses"]),
                         "input_times": np.asarray(obj["input_times"], dtype=np.float64)}
        elif suffix == ".csv":
            meta, poses, times = _read_csv(path)
            extra = {}
        else:
            raise ValueError(f"path must end in .npz, .json or .csv, got {path.name!r}")
        if meta.get("format") != _RESULT_FORMAT:
            raise ValueError(f"{path} is not a pose_audio_refine result (format {meta.get('format')!r})")
        return cls(poses=poses, times=times, fps=float(meta["fps"]), skeleton=meta["skeleton"], units=meta["units"],
                   audio_used=bool(meta["audio_used"]), warnings=list(meta["warnings"]),
                   joint_names=tuple(meta["joint_names"]), **extra)


def _nan_to_none(a: np.ndarray) -> list:
    obj = np.asarray(a, dtype=np.float64).astype(object)
    obj[np.isnan(np.asarray(a, dtype=np.float64))] = None
    return obj.tolist()


def _none_to_nan(nested) -> np.ndarray:
    return np.array(nested, dtype=object).astype(np.float64)  # None -> nan


def _write_csv(res: RefineResult, path: Path, meta: dict) -> None:
    poses = res.poses if res.poses.ndim == 4 else res.poses[None]
    n, t, j, _ = poses.shape
    names = list(res.joint_names) or [f"j{i}" for i in range(j)]
    header = ["person", "frame", "time"] + [f"{nm}_{c}" for nm in names for c in "xyz"]
    with open(path, "w", newline="") as f:
        for k in ("format", "fps", "skeleton", "units", "audio_used"):
            f.write(f"# {k}: {json.dumps(meta[k])}\n")
        f.write(f"# warnings: {json.dumps(meta['warnings'])}\n")
        f.write(f"# joint_names: {json.dumps(meta['joint_names'])}\n")
        f.write(",".join(header) + "\n")
        for p in range(n):
            flat = poses[p].reshape(t, j * 3)
            for i in range(t):
                vals = ",".join("" if np.isnan(v) else repr(float(v)) for v in flat[i])
                f.write(f"{p},{i},{float(res.times[i])!r},{vals}\n")


def _read_csv(path: Path) -> tuple[dict, np.ndarray, np.ndarray]:
    meta = {}
    with open(path) as f:
        n_comment = 0
        for line in f:
            if not line.startswith("#"):
                break
            key, _, value = line[1:].strip().partition(":")
            meta[key.strip()] = json.loads(value.strip())
            n_comment += 1
    data = np.genfromtxt(path, delimiter=",", skip_header=n_comment + 1, dtype=np.float64, ndmin=2)
    person = data[:, 0].astype(int)
    n = int(person.max()) + 1
    t = data.shape[0] // n
    j = (data.shape[1] - 3) // 3
    poses = data[:, 3:].reshape(n, t, j, 3)
    times = data[:t, 2].copy()
    return meta, (poses[0] if n == 1 else poses), times
