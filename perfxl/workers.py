"""How many processes read the files: one rule for ``perfxl check`` and ``perfxl consolidate``.

Reading a form is CPU work (unzip, calamine, finding the fields, scoring), so many files are read
over a process pool; for a few files starting the pool costs more than it saves.
"""

from __future__ import annotations

import gc
import os
import signal
from concurrent.futures import Executor, Future, ProcessPoolExecutor

#: Below this many files a process pool costs more to start than it saves (unless asked for).
PARALLEL_MIN_FILES = 40


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS tells, else all)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def worker_count(n_files: int, jobs: int | None = None) -> int:
    """How many processes to read ``n_files`` files with; 1 means in this process.

    Args:
        n_files: how many files there are.
        jobs: what the user asked for (``--jobs``); None to decide: every core, once there are
            :data:`PARALLEL_MIN_FILES` files or more.

    Returns:
        At least 1, and never more processes than files.
    """
    if jobs is None:
        jobs = available_cores() if n_files >= PARALLEL_MIN_FILES else 1
    return max(1, min(jobs, n_files))


def pool_chunksize(n_files: int, workers: int) -> int:
    """How many files a worker takes at a time: one round trip per file costs more than reading
    a small form, yet every worker should get several chunks so that none idles at the end."""
    return max(1, min(64, n_files // (max(workers, 1) * 4)))


class InlineExecutor(Executor):
    """Runs each call in the calling process, lazily and in order (``--jobs 1``)."""

    def submit(self, fn, /, *args, **kwargs):  # pragma: no cover - map is what the callers use
        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001
            fut.set_exception(exc)
        return fut

    def map(self, fn, *iterables, timeout=None, chunksize=1):
        return map(fn, *iterables)


def fewer_collections() -> None:
    """Make the cyclic garbage collector run less often in a process that reads many forms.

    Reading a form allocates thousands of short-lived objects, nearly all freed by reference
    counting, yet every 700 allocations start a collection: about 6 % of a worker's time. What is
    already loaded (modules, the rule profile) is moved out of the collector's sight, and a
    collection runs every 20,000 allocations instead.
    """
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


def worker_start() -> None:
    """What each reading process does first: leave Ctrl-C to the main process, which stops the pool
    and cleans up (a worker interrupted while it waits for work prints a traceback, and can leave
    the pool waiting for it forever); and collect garbage less often (:func:`fewer_collections`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    fewer_collections()


def reading_executor(n_files: int, jobs: int | None = None) -> Executor:
    """The executor to read ``n_files`` files with (see :func:`worker_count`); the caller shuts it down.

    Returns:
        An :class:`InlineExecutor` for one worker, else a ``ProcessPoolExecutor`` whose workers
        start with :func:`worker_start`. Shut it down with ``cancel_futures=True`` on failure, so
        that Ctrl-C does not wait for every file not yet read.
    """
    workers = worker_count(n_files, jobs)
    if workers == 1:
        return InlineExecutor()
    return ProcessPoolExecutor(max_workers=workers, initializer=worker_start)
