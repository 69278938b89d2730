"""Batch refinement of a collection (``tools/refine_batch.py``): many videos or poses files, one output folder.

- :mod:`.items`: INPUTs (videos, folders, ``.csv``/``.jsonl`` manifests) -> :class:`BatchItem` list.
- :mod:`.worker`: one item, written through a temporary folder and renamed when complete.
- :mod:`.manifest`: ``DIR/manifest.jsonl`` and the ``done.json`` completeness marker (resume).
- :mod:`.runner`: :func:`run_batch` on local worker processes or a Ray cluster.

Importing this package loads neither numpy, torch nor Ray.
"""
from .items import MANIFEST_COLUMNS, VIDEO_SUFFIXES, BatchInputError, BatchItem, discover_items, read_manifest
from .manifest import DONE_MARKER, MANIFEST_NAME, check_complete, read_manifest_records
from .runner import WORKER_DIED, BatchResult, default_workers, run_batch
from .worker import ItemOptions, run_item

__all__ = ["BatchItem", "BatchInputError", "discover_items", "read_manifest", "MANIFEST_COLUMNS", "VIDEO_SUFFIXES",
           "ItemOptions", "run_item", "run_batch", "BatchResult", "default_workers", "WORKER_DIED", "DONE_MARKER",
           "MANIFEST_NAME", "check_complete", "read_manifest_records"]
