"""Run build jobs in worker processes with one progress bar (the MAPdat and real-set builders share it)."""
from __future__ import annotations

import multiprocessing as mp
from typing import Any, Callable, Iterator

__all__ = ["pool_map"]


def pool_map(fn: Callable[[Any], Any], jobs: list, workers: int, desc: str, progress: bool) -> Iterator[Any]:
    """Run ``fn`` over ``jobs`` (in fork worker processes when ``workers > 1``) with a tqdm bar; yield results.

    A worker that dies (a segmentation fault in a compiled library, the out-of-memory killer) raises
    ``RuntimeError`` naming the take being built: with ``multiprocessing.Pool`` the build would wait for the
    dead worker's result for ever (seen on a machine whose numba crashed inside ``librosa.onset``).
    """
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    from tqdm import tqdm

    bar = tqdm(total=len(jobs), desc=desc, unit="take", disable=not progress)
    try:
        if workers <= 1:
            for job in jobs:
                yield fn(job)
                bar.update()
        else:
            ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
            with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
                pending = {pool.submit(fn, job): job for job in jobs}
                while pending:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in done:
                        job = pending.pop(fut)
                        try:
                            res = fut.result()
                        except BrokenProcessPool as exc:
                            raise RuntimeError(
                                f"a {desc} worker process died (crash or out of memory) while building take "
                                f"{job.get('index', '?') if isinstance(job, dict) else job}; rerun with --workers 1 "
                                "to see the error in this process") from exc
                        yield res
                        bar.update()
    finally:
        bar.close()
