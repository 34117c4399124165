"""How many processes read the files, and how: one rule for ``perfxl check`` and ``perfxl consolidate``.

Reading a form is CPU work (unzip, calamine, finding the fields, scoring), so many files are read
over a process pool. Every file is read in a worker process, even one file: a hostile file can make
python-calamine abort its process or ask for gigabytes, or loop forever, and that must end that
file's reading, not the run. :class:`GuardedExecutor` limits each worker's memory, stops a file
that takes too long, and when a worker dies reads the other files in a new pool, naming the file
that killed it.
"""

from __future__ import annotations

import faulthandler
import gc
import multiprocessing
import os
import signal
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

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
        except BaseException as exc:
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


#: Seconds one file may take to be read and checked before its worker is stopped (``--timeout``).
FILE_TIMEOUT = 30.0
#: Address space a worker may add to what it had when it started: far above what reading a form
#: takes (a few MB; a sheet cut at the limits about 150 MB), far below what a hostile file asks for.
WORKER_MEMORY_MB = 512
#: How often the files being read are looked at for one past its time.
_POLL_SECONDS = 0.25


@dataclass(frozen=True)
class FileFailed:
    """What :meth:`GuardedExecutor.map` gives for an item whose reading failed.

    Attributes:
        item: the item (a file's path).
        reason: why, in one Chinese line.
    """

    item: object
    reason: str


def _limit_memory(megabytes: int) -> None:
    """Limit this process's address space to what it has now plus ``megabytes`` (where the OS can)."""
    try:
        import resource

        with open("/proc/self/statm") as fh:  # the size now, in pages
            now = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = now + megabytes * 1024 * 1024
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):  # not Linux: no limit, the time limit still holds
        pass


#: In a worker: the shared progress array, its slot in it (see :class:`GuardedExecutor`), its memory.
_progress: Any = None  # a multiprocessing.Array of doubles once the worker starts
_slot = -1
_memory_mb = 0


def _start_worker(progress, counter, memory_mb: int) -> None:
    """A guarded worker's initializer: leave Ctrl-C to the main process (see :func:`worker_start`),
    claim a progress slot, limit memory, collect less often."""
    global _progress, _slot, _memory_mb
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with counter.get_lock():
        _slot = counter.value
        counter.value += 1
    _progress, _memory_mb = progress, memory_mb
    progress[3 * _slot] = os.getpid()
    if memory_mb:
        _limit_memory(memory_mb)
    # what a dying reader prints ("memory allocation of 137438953472 bytes failed", a panic's
    # backtrace) is not for the user: the parent names the file and the reason in one line
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    faulthandler.disable()  # it may write to a copy of stderr (pytest enables it)
    fewer_collections()


def _read_chunk(fn, chunk: list[tuple[int, object]]) -> list:
    """``fn`` over a chunk of (index, item) in a guarded worker, each item's index and start time
    written to the worker's slot first, so that the parent knows which item a dead or stuck worker
    was reading. An exception is that item's failure, not the chunk's."""
    progress, at = _progress, 3 * _slot
    out = []
    for index, item in chunk:
        progress[at + 2] = time.monotonic()  # the time first: a slot read between the two writes
        progress[at + 1] = index  # then shows the new time with the old item, never the reverse
        try:
            out.append(fn(item))
        except MemoryError:
            out.append(FileFailed(item, f"读取时内存超过限制（{_memory_mb} MB），已停止"))
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            out.append(FileFailed(item, f"读取时出错（{type(exc).__name__}: {str(exc)[:160]}）"))
    progress[at + 1] = -1
    return out


def _fork_context():
    """fork where there is one: a worker starts at once, with everything the parent has loaded."""
    try:
        return multiprocessing.get_context("fork")
    except ValueError:
        return multiprocessing.get_context()


class GuardedExecutor(Executor):
    """Reads items (files) over worker processes so that no item can end the run.

    Each worker's address space is limited (``memory_mb`` more than it started with): a reader that
    asks for gigabytes fails, or aborts its process. An item read longer than ``timeout`` seconds
    has its worker killed. Either way the pool breaks; the items read by then are kept, the item that
    broke it becomes a :class:`FileFailed` (when several were being read, each is read again alone
    to find which), and the rest are read in a new pool. Each worker writes the index of the item
    it reads and when it began to a shared array, which is how the parent knows.

    Only :meth:`map` is offered (what ``check`` and ``consolidate`` use): it gives the results in
    the order of the items, a :class:`FileFailed` for each item whose reading failed.
    """

    def __init__(self, workers: int, *, timeout: float = FILE_TIMEOUT, memory_mb: int = WORKER_MEMORY_MB):
        self.workers = max(1, workers)
        self.timeout = timeout
        self.memory_mb = memory_mb

    def submit(self, fn, /, *args, **kwargs):  # pragma: no cover - map is what the callers use
        raise NotImplementedError("GuardedExecutor offers map() only")

    def map(self, fn, iterable, /, *, timeout=None, chunksize=1):  # type: ignore[override]  # one iterable
        """``fn`` over the items of one iterable (``timeout``, for the whole map, is not offered)."""
        return self._results(fn, list(iterable), max(1, chunksize))

    def _results(self, fn, items: list, chunksize: int):
        done: dict[int, object] = {}  # index → result, not yet given
        given = stalls = 0
        while given < len(items):
            todo = [i for i in range(given, len(items)) if i not in done]
            progressed = False
            for index, result in self._pool_run(fn, items, todo, chunksize):
                done[index] = result
                progressed = True
                while given in done:  # as they come: the caller writes each as it arrives
                    yield done.pop(given)
                    given += 1
            if not progressed:  # a pool broke, naming no item: the first is given up (twice: all)
                stalls += 1
                for i in todo[:1] if stalls == 1 else todo:
                    done[i] = FileFailed(items[i], self._died_reason() if stalls == 1 else "读取进程无法启动")
            while given in done:
                yield done.pop(given)
                given += 1

    def _pool_run(self, fn, items: list, todo: list[int], chunksize: int):
        """(index, result) of the items ``todo``, read in one pool, in order while it holds; when it
        breaks, every result in hand and the failed item's, then the generator ends (the caller
        reads what is left in a new pool)."""
        context = _fork_context()
        workers = min(self.workers, len(todo))
        progress = context.RawArray("d", [-1.0] * (3 * workers))
        counter = context.Value("i", 0)
        pool = ProcessPoolExecutor(
            workers, mp_context=context, initializer=_start_worker, initargs=(progress, counter, self.memory_mb)
        )
        stopped: dict[int, str] = {}  # items whose worker was killed for their time
        finished = False
        try:
            chunks = [todo[k : k + chunksize] for k in range(0, len(todo), chunksize)]
            futures: list[Future] = []
            try:
                for chunk in chunks:
                    futures.append(pool.submit(_read_chunk, fn, [(i, items[i]) for i in chunk]))
            except BrokenProcessPool:  # broke while the work was handed out (a worker died at once)
                pass
            broken, k = len(futures) < len(chunks), -1
            for k, (chunk, future) in enumerate(zip(chunks, futures)):  # noqa: B007 - k read after the loop
                try:
                    results = self._wait(future, progress, stopped)
                except BrokenProcessPool:
                    broken = True
                    break
                except Exception as exc:
                    results = [FileFailed(items[i], f"读取结果无法传回（{type(exc).__name__}）") for i in chunk]
                yield from zip(chunk, results)
            if not broken:
                finished = True
                return
            # the pool broke: keep what was read, name what broke it
            for chunk, future in zip(chunks[k + 1 :], futures[k + 1 :]):
                if future.done() and future.exception() is None:
                    yield from zip(chunk, future.result())
            reading = sorted({int(progress[3 * w + 1]) for w in range(workers)} - {-1} - set(stopped))
            finished = True
        finally:
            if not finished:  # the caller stopped early, or was interrupted: no worker is waited for
                _kill(int(progress[3 * w]) for w in range(workers))
            pool.shutdown(wait=True, cancel_futures=True)
        yield from ((i, FileFailed(items[i], why)) for i, why in stopped.items())
        if len(reading) == 1 and not stopped:
            yield reading[0], FileFailed(items[reading[0]], self._died_reason())
        else:  # several were being read (or the others were stopped with a stuck one): each alone
            for i in reading:
                yield from self._pool_run(fn, items, [i], 1)

    def _wait(self, future: Future, progress, stopped: dict[int, str]) -> list:
        """The future's result, meanwhile killing any worker whose item is past its time."""
        while True:
            try:
                return future.result(timeout=_POLL_SECONDS)
            except FutureTimeout:
                pass
            now = time.monotonic()
            for at in range(0, len(progress), 3):
                index, started = int(progress[at + 1]), progress[at + 2]
                if (
                    index < 0 or index in stopped or now - started <= self.timeout or int(progress[at + 1]) != index
                ):  # moved on meanwhile
                    continue
                stopped[index] = f"读取超过 {self.timeout:g} 秒，已停止（文件可能已损坏或含恶意内容）"
                _kill([int(progress[at])])

    def _died_reason(self) -> str:
        return (
            f"读取进程异常终止（文件使读取库崩溃，或所需内存超过 {self.memory_mb} MB），已跳过"
            if self.memory_mb
            else "读取进程异常终止（文件使读取库崩溃），已跳过"
        )


def _kill(pids) -> None:
    """SIGKILL each worker process (a pid of -1 is a slot no worker took)."""
    for pid in pids:
        if pid > 0:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def worker_start() -> None:
    """What each reading process does first: leave Ctrl-C to the main process, which stops the pool
    and cleans up (a worker interrupted while it waits for work prints a traceback, and can leave
    the pool waiting for it forever); and collect garbage less often (:func:`fewer_collections`).
    :class:`GuardedExecutor`'s workers do the same; this is for a pool of one's own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    fewer_collections()


def reading_executor(n_files: int, jobs: int | None = None, *, timeout: float = FILE_TIMEOUT) -> Executor:
    """The executor to read ``n_files`` files with (see :func:`worker_count`); the caller shuts it down.

    Returns:
        A :class:`GuardedExecutor`: worker processes even for one file, so that a file that
        crashes the reader, exhausts memory or never ends costs that file only. Its workers ignore
        Ctrl-C: the main process stops the pool (killing the workers) and cleans up.
    """
    return GuardedExecutor(worker_count(n_files, jobs), timeout=timeout)
