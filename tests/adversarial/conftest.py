"""Helpers of the adversarial suite: the command as a user runs it, and a check with bounded cost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from perfxl.cli import main
from tests.adversarial import hostile as h

ROOT = Path(__file__).resolve().parents[2]

#: Generous bounds for one hostile file, far above a clean form (a few ms, about 40 MB for the
#: whole process): what matters is that the cost is bounded, not waited for.
MAX_SECONDS = 20.0
MAX_PEAK_MB = 300.0

# Peak memory is VmHWM, the high-water mark of this process's own memory: ru_maxrss would also
# count the memory of the (large) pytest process it was forked from.
_MEASURE = """
import json, re, sys, time
from perfxl.checker import check_file
start = time.perf_counter()
report = check_file(sys.argv[1])
seconds = time.perf_counter() - start
with open("/proc/self/status") as fh:
    peak_kb = int(re.search(r"VmHWM:\\s*(\\d+) kB", fh.read()).group(1))
print(json.dumps({
    "error": report.error,
    "codes": [f.code for form in report.forms for f in form.findings],
    "seconds": seconds,
    "peak_mb": peak_kb / 1024,
}, ensure_ascii=False))
"""


#: What one hostile input of up to 1 MB may cost ``perfxl check`` or ``perfxl consolidate`` end to
#: end (interpreter start, worker processes, the summary written), measured in a fresh process.
BUDGET_SECONDS = 5.0
BUDGET_MB = 500.0

# The peak is of every process: RUSAGE_CHILDREN holds the largest of the command and of the
# workers it waited for.
_MEASURE_CLI = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run([sys.executable, "-m", "perfxl.cli", *sys.argv[1:]], capture_output=True, text=True)
print(json.dumps({
    "code": done.returncode, "stdout": done.stdout, "stderr": done.stderr,
    "seconds": time.perf_counter() - start,
    "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
}, ensure_ascii=False))
"""


def measured_cli(*args) -> dict:
    """``perfxl ARGS`` as a user runs it, in a fresh process: its exit code, output, seconds and the
    peak memory of it and its workers."""
    done = subprocess.run([sys.executable, "-c", _MEASURE_CLI, *map(str, args)], capture_output=True, text=True,
                          timeout=MAX_SECONDS * 3, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout)
    assert "Traceback" not in got["stdout"] + got["stderr"], got["stderr"][-2000:]
    return got


def run(*args):
    """``perfxl ARGS`` through click's runner; the result has ``exit_code``, ``stdout``, ``stderr``."""
    return CliRunner().invoke(main, [str(a) for a in args])


def assert_no_traceback(result) -> None:
    """The command ended by its own exit code, and printed no Python traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output


def measured_check(path: Path) -> dict:
    """``check_file(path)`` in a fresh process: its error, finding codes, seconds and peak memory.

    A fresh process, because peak memory (which counts what python-calamine allocates, unseen by
    tracemalloc) only grows within one process, and because a file that made the reader abort
    must fail this test, not end the test run.
    """
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], capture_output=True, text=True,
                          timeout=MAX_SECONDS * 3, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def cells(path: Path, sheet: str) -> list[list]:
    """Every cell object of a sheet of a written workbook, row by row."""
    return [list(row) for row in openpyxl.load_workbook(path)[sheet].iter_rows()]


@pytest.fixture
def clean_form(tmp_path) -> Path:
    """A clean form workbook (no finding)."""
    return h.write_xlsx(tmp_path / "翻译费.xlsx", h.form_rows())
