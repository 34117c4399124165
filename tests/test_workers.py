"""One rule for how many processes read the files (perfxl check and perfxl consolidate)."""

from concurrent.futures import ProcessPoolExecutor

from perfxl import workers
from perfxl.workers import PARALLEL_MIN_FILES, InlineExecutor, reading_executor, worker_count


def test_worker_count(monkeypatch):
    monkeypatch.setattr(workers, "available_cores", lambda: 4)
    assert worker_count(PARALLEL_MIN_FILES - 1) == 1  # a pool costs more than it saves
    assert worker_count(PARALLEL_MIN_FILES) == 4
    assert worker_count(1000, jobs=2) == 2 and worker_count(3, jobs=8) == 3  # never more than files
    assert worker_count(5, jobs=0) == 1 and worker_count(0) == 1


def test_reading_executor(monkeypatch):
    monkeypatch.setattr(workers, "available_cores", lambda: 2)
    assert isinstance(reading_executor(3), InlineExecutor)
    assert isinstance(reading_executor(100, jobs=1), InlineExecutor)
    ex = reading_executor(100)
    try:
        assert isinstance(ex, ProcessPoolExecutor)
        assert list(ex.map(abs, [-1, -2], chunksize=1)) == [1, 2]
    finally:
        ex.shutdown()

