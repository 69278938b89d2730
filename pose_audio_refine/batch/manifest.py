"""The batch's records: ``DIR/manifest.jsonl`` (one line per item) and the ``done.json`` completeness marker.

An item is written into ``DIR/.<name>.tmp-<pid>/`` and renamed to ``DIR/<name>/`` only when every output and
its ``done.json`` are there (:mod:`.worker`). ``done.json`` lists each output's size and SHA-256 and a
fingerprint of what made them (the item's inputs: paths, sizes, modification times; the options that change
the outputs). :func:`check_complete` accepts an item only when the marker is there, the fingerprint is the one
asked for and every listed file has its size and hash: a half-written or tampered folder, or outputs of other
inputs or options, are redone.

``manifest.jsonl`` is the report of the latest run: one JSON object a line, in input order, with ``name``,
``input`` (the item as asked), ``status`` (``done``, ``failed`` or ``skipped``), ``error`` (a failure's
message, else null), ``outputs`` (paths relative to ``DIR``), ``seconds``, ``media_seconds``,
``realtime_factor`` (seconds / media seconds, as ``refine_video``'s summary: below 1 is faster than real time),
``warnings`` and ``worker``. Lines are appended as items finish (so an interrupted run still says what it did)
and put in input order at the end.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

__all__ = ["DONE_MARKER", "MANIFEST_NAME", "MARKER_FORMAT", "file_digest", "fingerprint", "write_marker",
           "check_complete", "read_marker", "make_record", "ManifestWriter", "read_manifest_records"]

#: Name of the completeness marker inside an item's folder.
DONE_MARKER: str = "done.json"
#: Name of the run report inside the batch's output folder.
MANIFEST_NAME: str = "manifest.jsonl"
#: ``format`` field of ``done.json``.
MARKER_FORMAT: str = "pose_audio_refine.batch/1"
STATUSES: tuple[str, ...] = ("done", "failed", "skipped")


def file_digest(path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file, hex.

    Parameters
    ----------
    path : str or Path
    chunk : int
        Read size, bytes.

    Returns
    -------
    str
    """
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            block = f.read(chunk)
            if not block:
                break
            h.update(block)
    return h.hexdigest()


def fingerprint(item_description: dict, input_files, options: dict) -> str:
    """What makes an item's outputs what they are, as a short hash.

    Parameters
    ----------
    item_description : dict
        :meth:`BatchItem.describe` (paths and per-item settings).
    input_files : iterable of str
        Files the item reads; their size and modification time go in (a missing file counts as missing).
    options : dict
        Run options that change the outputs (checkpoint, output rate, ...).

    Returns
    -------
    str
        Hex SHA-256 of all of that.
    """
    stats = {}
    for p in input_files:
        try:
            st = os.stat(p)
            stats[p] = [st.st_size, st.st_mtime_ns]
        except OSError:
            stats[p] = None
    blob = json.dumps({"item": {k: v for k, v in item_description.items() if k != "source"}, "files": stats,
                       "options": options}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def write_marker(item_dir, files, *, key: str, record: dict) -> Path:
    """Write ``done.json`` into a (temporary) item folder: the outputs' sizes and hashes plus the record.

    Parameters
    ----------
    item_dir : str or Path
        The folder holding the outputs.
    files : iterable of str
        Output paths relative to ``item_dir``.
    key : str
        :func:`fingerprint` of the item.
    record : dict
        Summary to keep (seconds, media seconds, warnings...), returned for skipped items later.

    Returns
    -------
    Path
        The marker.
    """
    item_dir = Path(item_dir)
    listing = {}
    for rel in sorted(files):
        p = item_dir / rel
        listing[rel] = {"size": p.stat().st_size, "sha256": file_digest(p)}
    marker = item_dir / DONE_MARKER
    tmp = item_dir / (DONE_MARKER + ".part")
    tmp.write_text(json.dumps({"format": MARKER_FORMAT, "key": key, "files": listing, "record": record},
                              indent=1) + "\n")
    os.replace(tmp, marker)
    return marker


def read_marker(item_dir) -> dict | None:
    """``done.json`` of an item folder, or None when absent or unreadable.

    Parameters
    ----------
    item_dir : str or Path

    Returns
    -------
    dict or None
    """
    try:
        obj = json.loads((Path(item_dir) / DONE_MARKER).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(obj, dict) or obj.get("format") != MARKER_FORMAT or not isinstance(obj.get("files"), dict):
        return None
    return obj


def check_complete(item_dir, key: str | None = None) -> tuple[bool, str]:
    """Whether an item folder holds complete outputs.

    Parameters
    ----------
    item_dir : str or Path
        ``DIR/<name>``.
    key : str, optional
        The :func:`fingerprint` the outputs must have been made with (None: any).

    Returns
    -------
    complete : bool
    reason : str
        Why not (empty when complete).
    """
    item_dir = Path(item_dir)
    if not item_dir.is_dir():
        return False, "no output folder"
    marker = read_marker(item_dir)
    if marker is None:
        return False, f"no valid {DONE_MARKER}"
    if key is not None and marker.get("key") != key:
        return False, "made from other inputs or options"
    if not marker["files"]:
        return False, f"{DONE_MARKER} lists no output"
    for rel, meta in marker["files"].items():
        p = item_dir / rel
        try:
            if p.stat().st_size != meta["size"]:
                return False, f"{rel} has another size"
        except OSError:
            return False, f"{rel} is missing"
        if file_digest(p) != meta["sha256"]:
            return False, f"{rel} has another hash"
    return True, ""


def make_record(item, status: str, *, error: str | None = None, outputs: dict | None = None,
                seconds: float | None = None, media_seconds: float | None = None, warnings=(),
                worker: str | None = None, error_type: str | None = None) -> dict:
    """One line of ``manifest.jsonl``.

    Parameters
    ----------
    item : BatchItem
    status : {"done", "failed", "skipped"}
    error : str, optional
        A failure's message.
    outputs : dict, optional
        Output kind -> path relative to the batch folder.
    seconds : float, optional
        Time the item took (for a skipped item: when it was made).
    media_seconds : float, optional
        Seconds of video (or poses) refined.
    warnings : sequence of str
    worker : str, optional
        Which process/node ran it.
    error_type : str, optional
        The exception's class name.

    Returns
    -------
    dict
    """
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
    rtf = (seconds / media_seconds) if seconds is not None and media_seconds else None
    described = {k: v for k, v in item.describe().items() if k != "name"}
    return {"name": item.name, "input": described, "status": status, "error": error,
            "error_type": error_type, "outputs": outputs or {},
            "seconds": None if seconds is None else round(float(seconds), 3),
            "media_seconds": None if media_seconds is None else round(float(media_seconds), 3),
            "realtime_factor": None if rtf is None else round(rtf, 4), "warnings": list(warnings), "worker": worker}


class ManifestWriter:
    """Writes ``DIR/manifest.jsonl``: lines appended as items finish, rewritten in input order by :meth:`close`.

    Parameters
    ----------
    out_dir : str or Path
        The batch's output folder.
    order : sequence of str
        Item names in input order.
    """

    def __init__(self, out_dir, order) -> None:
        self.path = Path(out_dir) / MANIFEST_NAME
        self.order = {n: i for i, n in enumerate(order)}
        self.records: dict[str, dict] = {}
        self._f = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 - closed in close()

    def add(self, record: dict) -> None:
        """Append one record (flushed at once).

        Parameters
        ----------
        record : dict
            From :func:`make_record`.
        """
        self.records[record["name"]] = record
        self._f.write(json.dumps(record) + "\n")
        self._f.flush()

    def close(self) -> list[dict]:
        """Rewrite the file in input order (atomically) and return the records in that order.

        Returns
        -------
        list of dict
        """
        if not self._f.closed:
            self._f.close()
        recs = sorted(self.records.values(), key=lambda r: self.order.get(r["name"], len(self.order)))
        tmp = self.path.with_name(self.path.name + ".part")
        tmp.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
        os.replace(tmp, self.path)
        return recs


def read_manifest_records(out_dir) -> list[dict]:
    """The records of ``DIR/manifest.jsonl``.

    Parameters
    ----------
    out_dir : str or Path
        The batch's output folder.

    Returns
    -------
    list of dict
    """
    text = (Path(out_dir) / MANIFEST_NAME).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]
