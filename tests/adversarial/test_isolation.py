"""One file cannot end the run: a reader that aborts its process, asks for gigabytes or never ends
costs that file one line ("无法读取：…"), and every other file is read, checked and summarised.

Files are read in worker processes (:class:`perfxl.workers.GuardedExecutor`), even one file. The
hostile .xls holds one cell at row and column 65535: python-calamine asked for 137 GB and aborted
the process (SIGABRT), which ended ``perfxl check`` and ``perfxl consolidate`` with no summary, or
with a ``BrokenProcessPool`` traceback from 40 files on.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from perfxl import checker
from perfxl import consolidate as consolidate_module
from perfxl.checker import check_files
from perfxl.consolidate import ISSUES, PROJECTS, consolidate
from perfxl.workers import PARALLEL_MIN_FILES
from tests.adversarial import hostile as h
from tests.adversarial.conftest import BUDGET_MB, BUDGET_SECONDS, assert_no_traceback, cells, measured_cli, run

#: (file name, the cell past every limit): row 65536 and column 65536 asked for 137 GB; both
#: apart made calamine build 65,536 × 65,536 empty cells.
FAR_XLS = [("IV65536之外.xls", [(65535, 65535, 1)]), ("行列两端.xls", [(0, 65535, 1), (65535, 0, 1)])]


def _folder(root: Path, good: int) -> Path:
    """``good`` clean forms (each its own 项目名称) and the hostile .xls files."""
    root.mkdir()
    for i in range(good):
        h.write_xlsx(root / f"好表{i:03d}.xlsx", h.form_rows(project=f"项目{i:03d}"))
    for name, extra in FAR_XLS:
        (root / name).write_bytes(h.xls_bytes(h.form_rows(project=name), extra))
    return root


def _problem(reason: str) -> bool:
    """An .xls the reader aborted on is unreadable; a reader that cuts it to the limits reads it."""
    return "异常终止" in reason or "超过" in reason


@pytest.mark.parametrize("good", [2, PARALLEL_MIN_FILES])  # read by one worker; over a pool of them
def test_consolidate_survives_a_file_that_aborts_the_reader(tmp_path, good):
    folder = _folder(tmp_path / "收到的表", good)
    out = tmp_path / "汇总.xlsx"
    got = measured_cli("consolidate", folder, "-o", out)
    assert got["code"] in (0, 1), got["stderr"]
    projects = {row[1].value for row in cells(out, PROJECTS)[3:-1]}
    assert {f"项目{i:03d}" for i in range(good)} <= projects  # every good form is summarised
    issues = {Path(row[0].value).name: row[5].value for row in cells(out, ISSUES)[1:] if row[3].value == "unreadable"}
    for name, _ in FAR_XLS:  # the hostile files: read, or one line each
        assert name in projects or _problem(issues[name]), issues
        if name not in projects:
            assert f"{name}: 无法读取：" in got["stderr"]
    assert got["peak_mb"] < BUDGET_MB, got["peak_mb"]


def test_check_survives_a_file_that_aborts_the_reader(tmp_path):
    folder = _folder(tmp_path / "收到的表", 2)
    got = measured_cli("check", folder, "--json")
    assert got["code"] in (0, 1, 2)
    for name, _ in FAR_XLS:
        assert name in got["stdout"]
    assert "项目000" in got["stdout"] and "项目001" in got["stdout"]
    assert got["seconds"] < BUDGET_SECONDS and got["peak_mb"] < BUDGET_MB, got


def _slow_on(word: str, seconds: float, real):
    """``real``, which sleeps first when the file's name holds ``word`` (a reader that never ends)."""

    def reader(path, *args, **kwargs):
        if word in Path(path).name:
            time.sleep(seconds)
        return real(path, *args, **kwargs)

    return reader


def test_check_stops_a_file_past_its_time_and_names_it(tmp_path, monkeypatch):
    folder = _folder(tmp_path / "收到的表", 2)
    (folder / "永远读不完.xlsx").write_bytes(h.xlsx_bytes(h.form_rows()))
    monkeypatch.setattr(checker, "read_forms", _slow_on("读不完", 60, checker.read_forms))  # the workers fork
    start = time.perf_counter()
    report = check_files(sorted(folder.iterdir()), timeout=1)
    assert time.perf_counter() - start < 15
    errors = {Path(f.file).name: f.error for f in report.files}
    assert "超过 1 秒" in errors["永远读不完.xlsx"]
    assert errors["好表000.xlsx"] is None and errors["好表001.xlsx"] is None


def test_consolidate_stops_a_file_past_its_time_and_names_it(tmp_path, monkeypatch):
    folder = _folder(tmp_path / "收到的表", PARALLEL_MIN_FILES)
    (folder / "永远读不完.xlsx").write_bytes(h.xlsx_bytes(h.form_rows()))
    monkeypatch.setattr(consolidate_module, "check_file", _slow_on("读不完", 60, consolidate_module.check_file))
    summary = consolidate(sorted(folder.iterdir()), tmp_path / "汇总.xlsx", timeout=1)
    reasons = dict(summary.unreadable)
    assert "超过 1 秒" in reasons[str(folder / "永远读不完.xlsx")]
    assert summary.forms >= PARALLEL_MIN_FILES


def test_the_time_limit_is_an_option(tmp_path, monkeypatch):
    folder = _folder(tmp_path / "收到的表", 1)
    (folder / "永远读不完.xlsx").write_bytes(h.xlsx_bytes(h.form_rows()))
    monkeypatch.setattr(checker, "read_forms", _slow_on("读不完", 60, checker.read_forms))
    result = run("check", folder, "--timeout", "1")
    assert_no_traceback(result)
    assert result.exit_code == 2
    assert "永远读不完.xlsx: 无法读取：读取超过 1 秒" in result.output


def test_read_survives_a_file_that_aborts_the_reader(tmp_path):
    folder = _folder(tmp_path / "收到的表", 1)
    got = measured_cli("read", *sorted(folder.iterdir()), "--json")
    assert got["code"] in (0, 2)
    assert "项目000" in got["stdout"]
    for name, _ in FAR_XLS:
        assert name in got["stdout"] or f"{name}: 无法读取：" in got["stderr"]
    assert got["seconds"] < BUDGET_SECONDS and got["peak_mb"] < BUDGET_MB, got
