"""One rule for how many processes read the files (perfxl check and perfxl consolidate)."""

import os
import time

import pytest

from perfxl import workers
from perfxl.workers import PARALLEL_MIN_FILES, FileFailed, GuardedExecutor, reading_executor, worker_count


def test_worker_count(monkeypatch):
    monkeypatch.setattr(workers, "available_cores", lambda: 4)
    assert worker_count(PARALLEL_MIN_FILES - 1) == 1  # a pool costs more than it saves
    assert worker_count(PARALLEL_MIN_FILES) == 4
    assert worker_count(1000, jobs=2) == 2 and worker_count(3, jobs=8) == 3  # never more than files
    assert worker_count(5, jobs=0) == 1 and worker_count(0) == 1


def test_reading_executor(monkeypatch):
    monkeypatch.setattr(workers, "available_cores", lambda: 2)
    for n_files, jobs, expected in ((3, None, 1), (100, 1, 1), (100, None, 2)):
        ex = reading_executor(n_files, jobs)
        assert isinstance(ex, GuardedExecutor) and ex.workers == expected  # worker processes, even one
    assert list(reading_executor(100).map(abs, [-1, -2], chunksize=1)) == [1, 2]


def _work(item):
    """Doubles a number; the words make a worker abort, hang, exhaust its memory or raise."""
    if item == "abort":
        os.abort()
    if item == "hang":
        time.sleep(60)
    if item == "memory":
        return len(bytearray(4 * 1024**3))
    if item == "raise":
        raise ValueError("坏")
    return item * 2


@pytest.mark.parametrize("workers, chunksize", [(1, 1), (2, 3), (2, 64)])
def test_a_worker_that_dies_or_hangs_costs_its_item_only(workers, chunksize):
    items = list(range(40)) + ["abort"] + list(range(40, 70)) + ["hang", "memory", "raise"] + list(range(70, 100))
    start = time.perf_counter()
    out = list(GuardedExecutor(workers, timeout=1).map(_work, items, chunksize=chunksize))
    assert time.perf_counter() - start < 20
    assert [o for o in out if not isinstance(o, FileFailed)] == [2 * i for i in range(100)]  # all, in order
    failed = {o.item: o.reason for o in out if isinstance(o, FileFailed)}
    assert [o.item for o in out if isinstance(o, FileFailed)] == ["abort", "hang", "memory", "raise"]
    assert "异常终止" in failed["abort"]
    assert "超过 1 秒" in failed["hang"]
    assert "内存" in failed["memory"] and "ValueError: 坏" in failed["raise"]


def test_stopping_early_leaves_no_worker():
    """A caller that stops reading (an error while writing, Ctrl-C) does not wait for a stuck worker."""
    results = GuardedExecutor(1, timeout=60).map(_work, [1, "hang", 2], chunksize=1)
    assert next(results) == 2
    start = time.perf_counter()
    results.close()
    assert time.perf_counter() - start < 5


def test_results_come_as_they_are_read():
    """The first result is given before the last item is read (consolidate writes as they come)."""
    results = GuardedExecutor(1).map(_work, [1, "hang"], chunksize=1)
    start = time.perf_counter()
    assert next(results) == 2
    assert time.perf_counter() - start < 5
    results.close()


def test_a_worker_that_cannot_start_fails_its_items_without_end(monkeypatch):
    monkeypatch.setattr(workers, "_limit_memory", lambda mb: os._exit(3))  # every worker dies at once
    start = time.perf_counter()
    out = list(GuardedExecutor(2).map(_work, range(50), chunksize=4))
    assert time.perf_counter() - start < 10
    assert len(out) == 50 and all(isinstance(o, FileFailed) for o in out)
