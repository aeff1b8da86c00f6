"""The local backend: a pool of worker processes, each with its own pose model.

Workers are spawned (not forked) so each starts clean and imports MediaPipe once, in its
initializer; at most ``workers`` clips are in flight, so the driver holds a handful of
futures however many clips the batch has. A worker that dies (killed, out of memory) breaks
the pool: the clips that were in flight run again in a fresh pool, and a clip that was in
flight during two such deaths is recorded as failed with :class:`WorkerCrashedError`.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from formcheck.batch.jobs import ClipJob, ClipResult, analyze_clip, worker_id

MAX_CRASHES = 2  # deaths of a worker while a clip was in flight before the clip is failed
_options: Any = None


def warm_up() -> None:
    """Make this process a batch worker: one pose graph per clip, libraries loaded now.

    Several workers already keep the cores busy, so a worker never splits its clip into
    time chunks (each chunk would compete with the other workers and pay its own lead-in);
    the libraries are imported now so the first clip of a worker is not slower.
    """
    from formcheck.capture.pose_pass import POSE_CORES_ENV

    os.environ[POSE_CORES_ENV] = "1"
    import formcheck.capture.pose  # noqa: F401
    from formcheck.capture.blazepose import pose_solution

    pose_solution()  # loads the native runtime now


def _init_worker(options: Any) -> None:
    global _options
    _options = options
    warm_up()


def _run(job: ClipJob) -> ClipResult:
    return analyze_clip(job, _options)


def run_local(
    jobs: Iterable[ClipJob],
    options: Any,
    workers: int,
    on_result: Callable[[ClipResult], None],
) -> None:
    """Analyse ``jobs`` on ``workers`` processes and pass each result to ``on_result``."""
    queue = list(jobs)
    queue.reverse()  # pop() from the end keeps the given order
    crashes: dict[str, int] = {}
    while queue:
        queue = _run_pool(queue, options, workers, on_result, crashes)


def _run_pool(
    queue: list[ClipJob],
    options: Any,
    workers: int,
    on_result: Callable[[ClipResult], None],
    crashes: dict[str, int],
) -> list[ClipJob]:
    """Run until the queue is empty or a worker dies; return the clips still to run."""
    ctx = multiprocessing.get_context("spawn")
    in_flight: dict[Future[ClipResult], ClipJob] = {}
    with ProcessPoolExecutor(
        workers, mp_context=ctx, initializer=_init_worker, initargs=(options,)
    ) as pool:
        try:
            while queue or in_flight:
                while queue and len(in_flight) < workers:
                    job = queue.pop()
                    in_flight[pool.submit(_run, job)] = job
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for fut in done:
                    result = fut.result()  # BrokenProcessPool when a worker died
                    del in_flight[fut]
                    on_result(result)
        except BrokenProcessPool:
            return _after_crash(queue, in_flight, on_result, crashes)
    return []


def _after_crash(
    queue: list[ClipJob],
    in_flight: dict[Future[ClipResult], ClipJob],
    on_result: Callable[[ClipResult], None],
    crashes: dict[str, int],
) -> list[ClipJob]:
    for fut, job in in_flight.items():
        if fut.done() and fut.exception() is None:
            on_result(fut.result())
            continue
        crashes[job.sha256] = crashes.get(job.sha256, 0) + 1
        if crashes[job.sha256] >= MAX_CRASHES:
            on_result(
                ClipResult(
                    name=job.name,
                    path=job.path,
                    sha256=job.sha256,
                    status="failed",
                    error_type="WorkerCrashedError",
                    error=f"expected the worker to finish the clip, but it died "
                    f"{crashes[job.sha256]} times while analysing it",
                    worker=worker_id(),
                )
            )
        else:
            queue.append(job)  # runs first in the next pool
    return queue
