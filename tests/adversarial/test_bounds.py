"""What a file costs is bounded by what it really holds: a part read once however many sheets name it,
a cell's text cut at Excel's 32,767 characters, a JSON input and a project list bounded in bytes,
rows and forms, only regular files read (never /dev/zero or a FIFO), and one Chinese line for what
cannot be read.

Each case is measured end to end (``perfxl check`` or ``perfxl consolidate`` in a fresh process,
the peak memory of it and its workers) against the budget of one input of up to 1 MB: 5 s, 500 MB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from perfxl.checker import check_file
from perfxl.load import MAX_CELL_CHARS, MAX_ROWS
from perfxl.write import read_project_list
from tests.adversarial import hostile as h
from tests.adversarial.conftest import (
    BUDGET_MB,
    BUDGET_SECONDS,
    ROOT,
    assert_no_traceback,
    measured_check,
    measured_cli,
    run,
)

LIST_HEADING = "填报单位,项目名称,预算数\n"


def _within_budget(got: dict) -> None:
    assert got["seconds"] < BUDGET_SECONDS and got["peak_mb"] < BUDGET_MB, {k: got[k] for k in ("seconds", "peak_mb")}


def _one_line(got: dict, name: str) -> str:
    """The reason ``perfxl check`` gave for the file ``name``: one line, naming it."""
    lines = [line for line in got["stdout"].splitlines() if line.startswith(str(name)) and "无法读取" in line]
    assert len(lines) == 1, got["stdout"][-2000:]
    return lines[0]


# ----------------------------------------------------------------------------- what a file holds


@pytest.mark.parametrize("calamine", [False, True], ids=["perfxl's reader", "python-calamine"])
def test_a_part_named_by_fifty_sheets_is_read_once(tmp_path, calamine):
    path = tmp_path / "一个部件五十张表.xlsx"
    data = h.shared_part_xlsx(50, 5_000)
    if calamine:
        data = h.with_comment(data)
    path.write_bytes(data)
    got = measured_cli("check", path, "--json")
    _within_budget(got)
    assert len(json.loads(got["stdout"])["files"][0]["forms"]) == 1  # was 50 forms, 18 s


@pytest.mark.parametrize(
    "shared, calamine",
    [(True, False), (False, False), (True, True)],
    ids=["shared string", "inline string", "python-calamine"],
)
def test_a_cell_text_is_cut_at_excels_limit(tmp_path, shared, calamine):
    path = tmp_path / "长项目名称.xlsx"
    path.write_bytes(h.long_text_xlsx(20_000_000, shared, calamine))  # 60 MB of text in 60 KB
    assert path.stat().st_size < 1024 * 1024
    out, csv_dir = tmp_path / "汇总.xlsx", tmp_path / "csv"
    got = measured_cli("consolidate", path, "-o", out, "--csv", csv_dir)
    assert got["code"] == 0, got["stderr"]
    _within_budget(got)
    assert sum(p.stat().st_size for p in csv_dir.iterdir()) < 1024 * 1024  # 150 MB of text made 786 MB of CSV
    form = check_file(path).forms[0].form
    assert form.project == "翻" * MAX_CELL_CHARS


def test_a_part_past_its_limit_is_one_line(tmp_path):
    path = tmp_path / "一亿五千万字节.xlsx"
    path.write_bytes(h.long_text_xlsx(50_000_000))  # a 150 MB string table in 150 KB
    got = measured_cli("check", path)
    _within_budget(got)
    assert "xl/sharedStrings.xml 解压后超过 64 MB" in _one_line(got, path)


def test_a_text_line_is_cut_at_excels_limit(tmp_path):
    path = tmp_path / "长行.txt"
    path.write_text(h.text_dump(h.edited({"project": "翻" * 10_000_000})), encoding="utf-8")
    got = measured_cli("check", path, "--json")
    _within_budget(got)
    (form,) = json.loads(got["stdout"])["files"][0]["forms"]
    assert len(form["project"]) == MAX_CELL_CHARS


# ------------------------------------------------------------------------------------------- JSON


def _json_cases(path: Path, case: str) -> str:
    """Writes the JSON ``case`` to ``path``; returns what the reason must say."""
    if case == "200,000 forms":  # 5.6 MB that was 1.47 GB
        path.write_text("[" + ",".join(['{"project":"x"}'] * 200_000) + "]", encoding="utf-8")
        return "对象和数组超过"
    if case == "2,000 forms":
        path.write_text(json.dumps([{"project": f"项目{i}"} for i in range(2_000)]), encoding="utf-8")
        return "表超过 1000 张"
    if case == "12 MB":
        path.write_text(json.dumps({"project": "x" * (12 * 1024 * 1024)}), encoding="utf-8")
        return "超过 10 MB"
    if case == "100,000 digits":
        path.write_text('{"budget": {"total": ' + "1" * 100_000 + "}}", encoding="utf-8")
        return "超过 4300 位的整数"
    if case == "lone surrogate":
        path.write_text('[{"project": "\\ud800项目"}]', encoding="utf-8")
        return "无法编码的字符 \\ud800"
    raise AssertionError(case)


@pytest.mark.parametrize("case", ["200,000 forms", "2,000 forms", "12 MB", "100,000 digits"])
def test_a_json_input_is_bounded_before_it_is_parsed(tmp_path, case):
    path = tmp_path / "表.json"
    reason = _json_cases(path, case)
    got = measured_cli("check", path)
    _within_budget(got)
    assert reason in _one_line(got, path)


def test_a_json_text_is_cut_at_excels_limit(tmp_path):
    path = tmp_path / "长.json"
    path.write_text(json.dumps({"project": "长" * 1_000_000, "unit": "单位"}, ensure_ascii=False), encoding="utf-8")
    assert check_file(path).forms[0].form.project == "长" * MAX_CELL_CHARS


@pytest.mark.parametrize("command", ["read", "consolidate", "template"])
def test_a_lone_surrogate_is_never_a_traceback(tmp_path, command):
    path = tmp_path / "代理项.json"
    _json_cases(path, "lone surrogate")
    args = {
        "read": ["read", path, "--json"],
        "consolidate": ["consolidate", path, "-o", tmp_path / "汇总.xlsx"],
        "template": ["template", "--from", path, "-o", tmp_path / "表.xlsx"],
    }[command]
    result = run(*args)
    assert_no_traceback(result)
    assert result.exit_code in (0, 1, 2)  # read, and written escaped (main's display.py), never a traceback


# -------------------------------------------------------------------------------- project lists


def test_a_45_mb_project_list_is_one_line(tmp_path):
    path = tmp_path / "项目清单.csv"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(LIST_HEADING)
        row = "投资服务局," + "很长的项目名称" * 40 + ",4\n"
        fh.write(row * (45 * 1024 * 1024 // len(row.encode())))
    result = run("template", "--from", path, "-o", tmp_path / "模板")
    assert_no_traceback(result)
    assert result.exit_code == 2 and "超过 10 MB" in result.output
    assert not (tmp_path / "模板").exists()


def test_a_csv_field_over_128_kb_is_one_line(tmp_path):
    path = tmp_path / "项目清单.csv"
    path.write_text(LIST_HEADING + "单位," + "长" * 200_000 + ",4\n", encoding="utf-8")
    result = run("template", "--from", path, "-o", tmp_path / "模板")
    assert_no_traceback(result)
    assert result.exit_code == 2 and "CSV 第 2 行有字段超过" in result.output


def test_a_project_list_is_read_to_its_row_limit(tmp_path):
    path = tmp_path / "项目清单.csv"
    path.write_text(LIST_HEADING + "".join(f"单位,项目{i},4\n" for i in range(MAX_ROWS + 100)), encoding="utf-8")
    projects = read_project_list(path)
    assert len(projects.forms) == MAX_ROWS - 1  # the heading is a row
    assert any("超过 20000 行" in p for p in projects.problems)


# ---------------------------------------------------------------------------- only regular files


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(), reason="needs a POSIX system")
def test_a_fifo_or_dev_zero_is_never_read(tmp_path):
    """Each is one line at once: opening a FIFO waited for a writer forever, /dev/zero filled memory."""
    for name in ("管道.xlsx", "管道.json", "管道.csv"):
        os.mkfifo(tmp_path / name)
    for name in ("零.xlsx", "零.json", "零.txt", "零.csv"):
        (tmp_path / name).symlink_to("/dev/zero")
    good = h.write_xlsx(tmp_path / "好表.xlsx", h.form_rows())
    inputs = [tmp_path / name for name in ("管道.xlsx", "管道.json", "零.xlsx")]  # the 零 links are one file
    got = measured_cli("check", good, *inputs)
    _within_budget(got)
    assert got["code"] == 2
    for path in inputs:
        assert "不是普通文件" in _one_line(got, path)
    for name in ("零.json", "零.txt"):
        assert "不是普通文件" in check_file(tmp_path / name).error
    for name in ("管道.csv", "管道.json", "零.csv", "零.json"):  # as a template's source
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "perfxl.cli",
                "template",
                "--from",
                str(tmp_path / name),
                "-o",
                str(tmp_path / "模板"),
            ],
            capture_output=True,
            text=True,
            timeout=30,
            cwd=ROOT,
        )
        assert done.returncode == 2 and "不是普通文件" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr


# ------------------------------------------------------------------------------ what is wrong, said

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


def _sheet_changed(change) -> bytes:
    """The clean form with its sheet part changed; sent to python-calamine (see h.with_comment)."""
    return h.with_comment(h.replace_part(h.xlsx_bytes(h.form_rows()), "xl/worksheets/sheet1.xml", change))


#: (case, the sheet part changed, what the reason says instead of "Cannot detect file format").
BROKEN_XML = [
    (
        "entity",
        lambda x: x.replace(XML_DECLARATION, XML_DECLARATION + b'<!DOCTYPE x [<!ENTITY a "aaaa">]>').replace(
            "翻译费".encode(), b"&a;"
        ),
        "声明了 XML 实体",
    ),
    (
        "UTF-16",
        lambda x: x.replace(XML_DECLARATION, b'<?xml version="1.0" encoding="UTF-16"?>').decode().encode("utf-16"),
        "UTF-16",
    ),
    (
        "GBK",
        lambda x: x.replace(XML_DECLARATION, b'<?xml version="1.0" encoding="GBK"?>').decode().encode("gbk"),
        "声明的编码“GBK”",
    ),
    (
        "unclosed",
        lambda x: x.replace(b"</sheetData>", b'<row r="30"><c r="A30"><v>1</v></row></sheetData>'),
        "开始标签与结束标签不配对",
    ),
]


@pytest.mark.parametrize("make, reason", [c[1:] for c in BROKEN_XML], ids=[c[0] for c in BROKEN_XML])
def test_what_is_wrong_with_the_xml_is_said(tmp_path, make, reason):
    path = tmp_path / "坏.xlsx"
    path.write_bytes(_sheet_changed(make))
    error = check_file(path).error
    assert error and reason in error and "Cannot detect" not in error, error


def test_an_ods_asking_for_billions_of_spaces_is_one_line(tmp_path):
    path = tmp_path / "空格.ods"
    cell = (
        '<table:table-row><table:table-cell office:value-type="string"><text:p>a<text:s text:c="2000000000"/>'
        "</text:p></table:table-cell></table:table-row>"
    )
    path.write_bytes(h.ods_bytes(h.form_rows(), cell.encode()))
    got = measured_cli("check", path)
    _within_budget(got)
    assert "text:c" in _one_line(got, path)


def test_a_workbook_calamine_cannot_place_says_so_in_chinese(tmp_path):
    path = tmp_path / "只有工作簿.xlsx"
    path.write_bytes(h.replace_part(h.xlsx_bytes(h.form_rows()), "xl/workbook.xml", lambda _: b"<workbook/>"))
    with_rels_only = tmp_path / "空壳.xlsx"
    with_rels_only.write_bytes(h.zipped({"xl/workbook.xml": b"<workbook/>"}))
    for broken in (path, with_rels_only):
        error = check_file(broken).error
        assert error and "Cannot detect" not in error, error


@pytest.mark.parametrize("how", ["single quotes", "prefix", "cell past its row"])
def test_a_far_cell_the_scans_once_missed_is_cut(tmp_path, how):
    """python-calamine asked for 512 GB and aborted the process on the first two, 900 MB on the third."""
    path = tmp_path / "远处的格.xlsx"
    path.write_bytes(h.far_cell_hidden(how))
    got = measured_check(path)
    assert got["error"] is None, got
    assert "sheet-clipped" in got["codes"] or how == "cell past its row", got  # placed in its row, read
    assert got["seconds"] < BUDGET_SECONDS and got["peak_mb"] < 100, got
