"""Run a batch: skip what is complete, refine the rest on local worker processes or Ray, write the manifest.

Local workers are a :class:`concurrent.futures.ProcessPoolExecutor` of ``spawn``-started processes, each with
torch and BLAS pinned to one thread (:func:`~.worker.init_worker`), so N workers use N cores without fighting.
At most N items are in flight, so when a worker process dies (killed, out of memory, a crash in native code) and
the pool breaks, the item that killed it is among those N. A lone in-flight item is recorded as failed at once;
several are retried one at a time in a fresh pool, where a second death names the culprit, and the rest of the
batch goes on.

With Ray (``ray="local"``, ``"auto"`` or an address) each item is a Ray task (``num_cpus=1``, no retries) running
the same :func:`~.worker.run_item`; a task whose worker dies is recorded as failed. The input files and the output
folder must then be at the same paths on every node (a shared file system), and the project installed there.
Ray is imported only here, only then.
"""
from __future__ import annotations

import multiprocessing
import os
import socket
import sys
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .items import BatchInputError, BatchItem
from .manifest import ManifestWriter, check_complete, fingerprint, make_record, read_marker
from .worker import ItemOptions, init_worker, pin_threads, run_item

__all__ = ["BatchResult", "run_batch", "default_workers", "WORKER_DIED"]

#: Message of an item whose worker process died under it.
WORKER_DIED: str = ("the worker process died while refining this item (killed, out of memory, or a crash in "
                    "native code)")


@dataclass
class BatchResult:
    """What a batch run did.

    Attributes
    ----------
    records : list of dict
        One ``manifest.jsonl`` record per item, in input order.
    wall_seconds : float
        Wall-clock time of the run (pool or Ray start-up included).
    manifest : Path
        ``DIR/manifest.jsonl``.
    backend : str
        ``"local"`` (with its worker count) or ``"ray"`` (with its address).
    interrupted : bool
        True when the run was stopped (Ctrl-C) before every item finished; only finished items have records.
    """

    records: list[dict]
    wall_seconds: float
    manifest: Path
    backend: str
    interrupted: bool = False
    counts: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.counts = {s: sum(r["status"] == s for r in self.records) for s in ("done", "failed", "skipped")}

    @property
    def media_seconds(self) -> float:
        """Seconds of media refined by this run (done items)."""
        return float(sum(r["media_seconds"] or 0.0 for r in self.records if r["status"] == "done"))


def default_workers() -> int:
    """The number of cores this process may use.

    Returns
    -------
    int
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class _Progress:
    """One bar for the batch: items finished, with done/failed/skipped counts and tqdm's ETA."""

    def __init__(self, total: int, skipped: int, enabled: bool) -> None:
        self.counts = {"done": 0, "failed": 0, "skipped": skipped}
        self.bar = None
        if enabled and total:
            from tqdm.auto import tqdm  # noqa: PLC0415

            self.bar = tqdm(total=total, initial=skipped, unit="item", desc="refining", file=sys.stderr,
                            dynamic_ncols=True)
            self._post()

    def _post(self, refresh: bool = True) -> None:
        self.bar.set_postfix_str(", ".join(f"{k} {v}" for k, v in self.counts.items()), refresh=refresh)

    def update(self, status: str) -> None:
        self.counts[status] += 1
        if self.bar is not None:
            self._post(refresh=False)
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _new_pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=init_worker, initargs=(1,))


def _run_local(todo: list[tuple[BatchItem, str]], out_dir: Path, options: ItemOptions, workers: int,
               emit: Callable[[dict], None]) -> None:
    pending = deque(todo)
    suspects: deque = deque()  # in flight when a worker died: rerun alone
    pool = _new_pool(workers)
    inflight: dict = {}
    try:
        while pending or suspects or inflight:
            if suspects:
                if not inflight:
                    item, key = suspects.popleft()
                    inflight[pool.submit(run_item, item, out_dir, options, key)] = (item, key)
            else:
                while pending and len(inflight) < workers:
                    item, key = pending.popleft()
                    inflight[pool.submit(run_item, item, out_dir, options, key)] = (item, key)
            done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
            crashed = []
            if any(isinstance(f.exception(), BrokenProcessPool) for f in done):
                done = list(inflight)  # the pool is broken: every future in flight is finished or broken
                wait(done)
            for f in done:
                item, key = inflight.pop(f)
                exc = f.exception()
                if isinstance(exc, BrokenProcessPool):
                    crashed.append((item, key))
                elif exc is not None:  # an error outside run_item (cannot happen inside: it catches)
                    emit(make_record(item, "failed", error=f"{type(exc).__name__}: {exc}",
                                     error_type=type(exc).__name__))
                else:
                    emit(f.result())
            if crashed:
                pool.shutdown(wait=True, cancel_futures=True)
                pool = _new_pool(workers)
                if len(crashed) == 1:
                    emit(make_record(crashed[0][0], "failed", error=WORKER_DIED, error_type="BrokenProcessPool"))
                else:
                    suspects.extend(crashed)
    except BaseException:
        # Ctrl-C or an error of ours: stop the workers now rather than after their current items.
        pool.shutdown(wait=False, cancel_futures=True)
        for child in multiprocessing.active_children():
            child.terminate()
        raise
    pool.shutdown(wait=True)


def _ray_task(item: BatchItem, out_dir: Path, options: ItemOptions, key: str) -> dict:
    pin_threads(options.threads)
    return run_item(item, out_dir, options, key)


def _check_reachable(address: str, timeout: float = 10.0) -> None:
    """Fail fast on a ``host:port`` (or ``ray://host:port``) nothing listens on: Ray itself retries for minutes."""
    if address == "auto":
        return
    rest = address.split("://", 1)[1] if "://" in address else address
    host, sep, port = rest.rpartition(":")
    if not sep or not port.isdigit():
        raise BatchInputError(f"--ray {address!r}: expected 'local', 'auto', HOST:PORT or ray://HOST:PORT")
    try:
        with socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=timeout):
            pass
    except OSError as exc:
        raise BatchInputError(f"cannot reach a Ray cluster at {address!r}: {exc}") from None


def _resolve_auto(ray, address: str) -> str:
    """The cluster ``auto`` means (``RAY_ADDRESS``, else the last ``ray start`` here), as Ray resolves it."""
    try:
        from ray._private.services import canonicalize_bootstrap_address  # noqa: PLC0415 - Ray's own rule

        resolved = canonicalize_bootstrap_address(address)
    except ConnectionError as exc:  # no cluster found
        raise BatchInputError(f"--ray auto: {str(exc).strip().splitlines()[0]}") from None
    except Exception:  # noqa: BLE001 - another Ray version: let ray.init resolve it
        return address
    return resolved or address


def _ray_connect(address: str, num_cpus: int):
    """Import Ray and connect (or start a local one): ``(ray module, whether we started it, its address)``."""
    try:
        import ray  # noqa: PLC0415 - optional extra
    except ImportError as exc:
        raise BatchInputError(f"--ray needs Ray, an optional extra: pip install '.[cluster]' ({exc})") from None
    import logging  # noqa: PLC0415

    started = False
    if not ray.is_initialized():
        if address == "auto":
            _check_reachable(_resolve_auto(ray, address))
        elif address != "local":
            _check_reachable(address)
        kw = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
        try:
            if address == "local":
                ray.init(num_cpus=num_cpus, **kw)
            else:
                ray.init(address=address, **kw)
        except (ConnectionError, ValueError, RuntimeError) as exc:  # unreachable; ray:// without ray[client]
            msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise BatchInputError(f"cannot connect to a Ray cluster at {address!r}: {msg}") from None
        started = True
    try:
        where = ray.get_runtime_context().gcs_address
    except Exception:  # noqa: BLE001 - Ray Client and older versions: the address asked for
        where = address
    return ray, started, str(where)


def _run_ray(ray, todo: list[tuple[BatchItem, str]], out_dir: Path, options: ItemOptions,
             emit: Callable[[dict], None]) -> None:
    task = ray.remote(num_cpus=1, max_retries=0)(_ray_task)
    refs = {}
    try:
        refs = {task.remote(item, out_dir, options, key): item for item, key in todo}
        while refs:
            ready, _ = ray.wait(list(refs), num_returns=1)
            for ref in ready:
                item = refs.pop(ref)
                try:
                    emit(ray.get(ref))
                except ray.exceptions.RayError as exc:  # the task's worker died, its node left...
                    died = isinstance(exc, (ray.exceptions.WorkerCrashedError, ray.exceptions.NodeDiedError))
                    msg = WORKER_DIED if died else f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
                    emit(make_record(item, "failed", error=msg, error_type=type(exc).__name__))
    except BaseException:
        for ref in refs:
            ray.cancel(ref, force=True)
        raise


def run_batch(items: list[BatchItem], out_dir, options: ItemOptions | None = None, *, workers: int | None = None,
              ray: str | None = None, overwrite: bool = False, progress: bool = True,
              on_record: Callable[[dict], None] | None = None) -> BatchResult:
    """Refine every item into ``out_dir/<name>/`` and write ``out_dir/manifest.jsonl``.

    Parameters
    ----------
    items : list of BatchItem
        From :func:`~pose_audio_refine.batch.discover_items` (unique names).
    out_dir : str or Path
        The batch's output folder (created).
    options : ItemOptions, optional
        Settings of every item (default: :class:`ItemOptions` defaults).
    workers : int, optional
        Local worker processes (default: the number of cores); with ``ray="local"``, the CPUs of the local Ray.
    ray : str, optional
        None: local processes. ``"local"``: start a local Ray (shut down at the end); ``"auto"``: the Ray cluster
        this machine belongs to; otherwise the address of one (``ray://host:10001``, ``host:6379``).
    overwrite : bool
        Redo items whose outputs are complete (default: skip them).
    progress : bool
        Show one progress bar for the batch.
    on_record : callable, optional
        Called with each record as it is written.

    Returns
    -------
    BatchResult
        On Ctrl-C the workers are stopped, and the result (``interrupted=True``) and the manifest hold the items
        that finished.

    Raises
    ------
    BatchInputError
        Duplicate names, ``workers < 1``, Ray not installed or not reachable.
    """
    t0 = time.perf_counter()
    options = options or ItemOptions()
    names = [it.name for it in items]
    if len(set(names)) != len(names):
        raise BatchInputError("two items have the same output name")
    if workers is None:
        workers = default_workers()
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise BatchInputError(f"workers must be an integer >= 1, got {workers!r}")
    out_dir = Path(out_dir).resolve()
    opts = options.describe()
    todo, skipped = [], []
    for item in items:
        key = fingerprint(item.describe(), item.input_files() + ([options.checkpoint] if options.checkpoint else []),
                          opts)
        complete = (not overwrite) and check_complete(out_dir / item.name, key)[0]
        if complete:
            old = (read_marker(out_dir / item.name) or {}).get("record", {})
            skipped.append(make_record(item, "skipped", outputs=old.get("outputs"), seconds=old.get("seconds"),
                                       media_seconds=old.get("media_seconds"), warnings=old.get("warnings", ()),
                                       worker=old.get("worker")))
        else:
            todo.append((item, key))
    ray_mod = ray_started = None
    backend = f"local, {min(workers, max(1, len(todo)))} worker(s)"
    if todo and ray is not None:  # connect first: a usage error leaves nothing written
        ray_mod, ray_started, where = _ray_connect(ray, workers)
        backend = f"ray at {where}"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        writer = ManifestWriter(out_dir, names)
    except BaseException:
        if ray_started:
            ray_mod.shutdown()
        raise
    bar = _Progress(len(items), len(skipped), progress)

    def emit(record: dict) -> None:
        writer.add(record)
        bar.update(record["status"])
        if on_record is not None:
            on_record(record)

    for rec in skipped:
        writer.add(rec)
        if on_record is not None:
            on_record(rec)
    interrupted = False
    try:
        if todo and ray_mod is None:
            _run_local(todo, out_dir, options, min(workers, len(todo)), emit)
        elif todo:
            _run_ray(ray_mod, todo, out_dir, options, emit)
    except KeyboardInterrupt:  # the workers are stopped; what finished is recorded
        interrupted = True
    finally:
        if ray_started:
            ray_mod.shutdown()
        bar.close()
        records = writer.close()
    return BatchResult(records, time.perf_counter() - t0, writer.path, backend, interrupted)
