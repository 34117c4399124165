"""Broken files: each gives one clear reason or finding, in bounded time and memory, and the run goes on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from perfxl.checker import check_file
from perfxl.consolidate import ISSUES, PROJECTS
from tests.adversarial import hostile as h
from tests.adversarial.conftest import MAX_PEAK_MB, MAX_SECONDS, ROOT, assert_no_traceback, cells, measured_check, run


def _write(data: bytes):
    """A maker of a file holding ``data``."""

    def make(path: Path) -> Path:
        path.write_bytes(data)
        return path

    return make


def _members_marked(data: bytes, flag: int | None = 0, version: int | None = None) -> bytes:
    """A zip whose central directory marks every member encrypted (flag bit 0), or as needing a
    zip version Python does not read: zipfile raises RuntimeError / NotImplementedError for those."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    while at != -1:
        if flag is not None:
            out[at + 8] |= 1 << flag
        if version is not None:
            out[at + 6] = version
        at = out.find(b"PK\x01\x02", at + 4)
    return bytes(out)


def _blank_form() -> list[list]:
    return h.form_rows(
        project=None,
        unit=None,
        filled_by=None,
        goal=None,
        achievement=None,
        problems=None,
        budget=None,
        received=None,
        spent=None,
        progress=None,
        indicators=[],
        total=None,
    )


#: Files that cannot be read: (file name, how to make it, what the reason must say).
UNREADABLE = [
    ("零字节.xlsx", _write(b""), "空文件"),
    ("随机字节.xlsx", _write(h.random_bytes()), "不是有效的 Excel 文件"),
    ("随机字节.xls", _write(h.random_bytes()), "无法打开工作簿"),
    ("截断.xlsx", _write(h.xlsx_bytes(h.form_rows())[:700]), "不完整或已损坏"),
    ("截断尾部.xlsx", _write(h.xlsx_bytes(h.form_rows())[:-30]), "不完整或已损坏"),
    ("其实是Word.xlsx", _write(h.docx_bytes()), "Word 文档"),
    ("其实是PDF.xlsx", _write(h.pdf_bytes()), "PDF"),
    ("有密码.xlsx", lambda p: _write(h.encrypted_xlsx_bytes())(p), "密码"),
    ("成员标为加密.xlsx", _write(_members_marked(h.xlsx_bytes(h.form_rows()))), "损坏"),
    ("成员需要新版zip.xlsx", _write(_members_marked(h.xlsx_bytes(h.form_rows()), flag=None, version=64)), "损坏"),
    ("没有表.xlsx", _write(h.xlsx_bytes([["你好", 1, 2], ["世界"]])), "未找到绩效自评表"),
    ("压缩炸弹.xlsx", h.zip_bomb, "压缩炸弹"),
    ("谎报大小的压缩炸弹.xlsx", h.lying_zip_bomb, "损坏"),
    ("未计算的公式.xlsx", _write(h.xlsx_bytes([["项目", h.Formula("A2")]])), "1 个公式没有计算结果"),
    ("超大.xlsx", h.oversized, "超过 50 MB"),
    ("超大.json", h.oversized, "超过 10 MB"),  # perfxl's JSON: about 6 KB a form
    ("嵌套过深.json", h.deep_json, "嵌套层数过多"),
]

#: Files read as a form with findings: (file name, how to make it, codes that must be among the findings).
READ_WITH_FINDINGS = [
    ("空白表.xlsx", lambda p: h.write_xlsx(p, _blank_form()), {"missing-field", "missing-budget", "no-indicators"}),
    ("一百万行.xlsx", h.million_rows, {"sheet-clipped"}),
    ("XFD1048576.xlsx", h.far_cell, {"sheet-clipped"}),
    ("无位置的宽行.xlsx", h.wide_unplaced_row, {"sheet-clipped"}),
    ("四千万行.txt", h.endless_text, {"sheet-clipped"}),
    ("九千万格.ods", h.repeated_ods, {"sheet-clipped"}),
]

#: The cases whose cost is measured in a fresh process.
HEAVY = {
    "压缩炸弹.xlsx",
    "谎报大小的压缩炸弹.xlsx",
    "一百万行.xlsx",
    "XFD1048576.xlsx",
    "无位置的宽行.xlsx",
    "四千万行.txt",
    "九千万格.ods",
    "超大.json",
    "嵌套过深.json",
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """Every broken file and two good forms in one folder (a path with Chinese and a space)."""
    root = tmp_path_factory.mktemp("adv") / "收到的 自评表"
    root.mkdir()
    for name, make, _ in UNREADABLE + READ_WITH_FINDINGS:
        make(root / name)
    h.write_xlsx(root / "好表 一.xlsx", h.form_rows())
    h.write_xlsx(root / "好表 二.xlsx", h.form_rows(project="党建经费"))
    return root


def inputs(folder: Path) -> list[Path]:
    """The folder, and the JSON files in it by name (a folder search leaves JSON out: named, it is read)."""
    return [folder, *sorted(folder.glob("*.json"))]


@pytest.mark.parametrize("name, reason", [(n, r) for n, _, r in UNREADABLE], ids=[c[0] for c in UNREADABLE])
def test_unreadable_file_gives_its_reason(folder, name, reason):
    report = check_file(folder / name)
    assert report.forms == []
    assert reason in report.error


@pytest.mark.parametrize(
    "name, codes", [(n, c) for n, _, c in READ_WITH_FINDINGS], ids=[c[0] for c in READ_WITH_FINDINGS]
)
def test_damaged_form_is_read_with_findings(folder, name, codes):
    report = check_file(folder / name)
    assert report.error is None and len(report.forms) == 1
    found = {f.code for f in report.forms[0].findings}
    assert codes <= found, found


def test_clipped_sheet_still_gives_the_form_at_its_top(folder):
    form = check_file(folder / "一百万行.xlsx").forms[0]
    assert form.form.project == "翻译费" and form.form.computed.total == 99.85
    clipped = [f for f in form.findings if f.code == "sheet-clipped"]
    assert clipped[0].level == "warning" and "20000 行" in clipped[0].message


def test_ten_thousand_indicator_rows(tmp_path):
    path = h.write_xlsx(tmp_path / "一万个指标.xlsx", h.many_indicators(10_000))
    got = measured_check(path)
    assert got["error"] is None and got["seconds"] < MAX_SECONDS and got["peak_mb"] < MAX_PEAK_MB
    form = check_file(path).forms[0].form
    assert len(form.indicators) == 10_000 and form.indicators[-1].name == "完成事项10000"


@pytest.mark.parametrize("name", sorted(HEAVY))
def test_hostile_file_costs_bounded_time_and_memory(folder, name):
    got = measured_check(folder / name)
    assert got["seconds"] < MAX_SECONDS, got
    assert got["peak_mb"] < MAX_PEAK_MB, got
    assert got["error"] or got["codes"], got


def test_consolidate_goes_on_past_every_broken_file(folder, tmp_path):
    out = tmp_path / "汇总 结果.xlsx"
    result = run("consolidate", *inputs(folder), "-o", out, "--jobs", "1")
    assert_no_traceback(result)
    assert result.exit_code == 2, result.output  # some file could not be read: as perfxl check
    projects = [row[1].value for row in cells(out, PROJECTS)[3:-1]]
    # the two good forms, and the forms read with findings (the blank one has no 项目名称)
    assert sorted(p for p in projects if p) == sorted(
        ["党建经费", "翻译费"] + ["翻译费"] * (len(READ_WITH_FINDINGS) - 1)
    )
    unreadable = {Path(row[7].value).name: row[6].value for row in cells(out, ISSUES) if row[3].value == "unreadable"}
    assert set(unreadable) == {name for name, _, _ in UNREADABLE}
    for name, _, reason in UNREADABLE:
        assert reason in unreadable[name]
        assert f"{name}: 无法读取：" in result.stderr


def test_check_names_every_broken_file_and_exits_2(folder):
    result = run("check", *inputs(folder), "--json")
    assert_no_traceback(result)
    assert result.exit_code == 2  # documented: some file could not be read
    data = json.loads(result.stdout)
    errors = {Path(f["file"]).name: f["error"] for f in data["files"]}
    assert {n for n, e in errors.items() if e} == {name for name, _, _ in UNREADABLE}
    assert data["stats"]["forms"] == 2 + len(READ_WITH_FINDINGS)


def test_a_real_process_prints_no_traceback(folder, tmp_path):
    out = tmp_path / "汇总.xlsx"
    done = subprocess.run(
        [sys.executable, "-m", "perfxl.cli", "consolidate", str(folder), "-o", str(out), "--jobs", "2"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "有密码.xlsx: 无法读取：文件已加密" in done.stderr
    assert out.exists() and "已写出" in done.stdout
