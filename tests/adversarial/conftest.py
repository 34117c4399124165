"""Helpers of the adversarial suite: the command as a user runs it, and a check with bounded cost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
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
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE_CLI, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=MAX_SECONDS * 3,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout)
    assert "Traceback" not in got["stdout"] + got["stderr"], got["stderr"][-2000:]
    return got


# perfxl as a user runs it, in a fresh process: the file size limit (when given) makes every write
# past it fail with EFBIG, as a full disk fails with ENOSPC (SIGXFSZ is ignored, or it would kill
# the process instead); its peak memory and time are written to a file at exit.
_RUN_CLI = """
import atexit, json, os, re, resource, signal, sys, time
limit = int(os.environ.get("PERFXL_TEST_FSIZE") or 0)
if limit:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
start = time.perf_counter()

def measured():
    with open("/proc/self/status") as fh:
        peak_kb = int(re.search(r"VmHWM:\\s*(\\d+) kB", fh.read()).group(1))
    with open(os.environ["PERFXL_TEST_MEASURE"], "w") as fh:
        fh.write(json.dumps({"seconds": time.perf_counter() - start, "peak_mb": peak_kb / 1024}))

atexit.register(measured)
from perfxl.cli import main
main(sys.argv[1:], prog_name="perfxl")
"""


@dataclass
class Done:
    """A finished ``perfxl`` process: exit code, output, seconds and peak memory (None if it was killed)."""

    code: int
    stdout: str
    stderr: str
    seconds: float | None
    peak_mb: float | None

    def one_error_line(self) -> str:
        """Its only line on stderr (asserted to be the only one, and no traceback)."""
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        assert "Traceback" not in self.stderr, self.stderr
        assert len(lines) == 1, self.stderr
        return lines[0]


def cli_process(*args, tmpdir: Path, fsize: int | None = None, **popen) -> subprocess.Popen:
    """``perfxl ARGS`` started in a fresh process with TMPDIR ``tmpdir`` (and a file size limit)."""
    env = {
        **os.environ,
        "TMPDIR": str(tmpdir),
        "PERFXL_TEST_MEASURE": str(tmpdir.parent / f"measure-{tmpdir.name}.json"),
        "PERFXL_TEST_FSIZE": str(fsize or ""),
        "PYTHONPATH": str(ROOT),
    }
    popen = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **popen}
    return subprocess.Popen([sys.executable, "-c", _RUN_CLI, *map(str, args)], text=True, env=env, cwd=ROOT, **popen)


def finished(proc: subprocess.Popen, tmpdir: Path, timeout: float = MAX_SECONDS * 3) -> Done:
    """Wait for a :func:`cli_process` (a hang fails the test) and collect what it left."""
    out, err = proc.communicate(timeout=timeout)
    measure = tmpdir.parent / f"measure-{tmpdir.name}.json"
    data = json.loads(measure.read_text()) if measure.exists() else {}
    measure.unlink(missing_ok=True)
    return Done(proc.returncode, out or "", err or "", data.get("seconds"), data.get("peak_mb"))


def run_cli(*args, tmpdir: Path, fsize: int | None = None) -> Done:
    """``perfxl ARGS`` in a fresh process, to its end; time and peak memory asserted within the bounds."""
    done = finished(cli_process(*args, tmpdir=tmpdir, fsize=fsize), tmpdir)
    assert done.seconds is not None and done.seconds < MAX_SECONDS, done
    assert done.peak_mb < MAX_PEAK_MB, done
    return done


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
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)], capture_output=True, text=True, timeout=MAX_SECONDS * 3, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def cells(path: Path, sheet: str) -> list[list]:
    """Every cell object of a sheet of a written workbook, row by row."""
    return [list(row) for row in openpyxl.load_workbook(path)[sheet].iter_rows()]


@pytest.fixture
def clean_form(tmp_path) -> Path:
    """A clean form workbook (no finding)."""
    return h.write_xlsx(tmp_path / "翻译费.xlsx", h.form_rows())
