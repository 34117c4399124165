"""Issue 13: a summary whose numbers can be quoted.

A folder as a department receives it: one project sent three times under spellings of its name and
unit, one sent as a copy and once more under a corrected name, a form in 元, pre-filled templates
never filled in (one of 3000 万元), an Excel lock file and files that are no forms. The 合计 must be
the hand sum of the distinct filled forms in 万元, every row must say whether it counts, and the
inputs must stay as they were.
"""

import csv
import os
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from perfxl.cli import main
from perfxl.consolidate import HEADERS, ISSUES, PROJECTS, UNITS, InlineExecutor, consolidate, issue_type
from perfxl.duplicates import name_key
from tests.adversarial import hostile as h

T0 = 1_700_000_000


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def rows(path, sheet):
    return [list(r) for r in openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True)]


def findings(path):
    table = rows(path, ISSUES)
    return table[table.index(HEADERS[ISSUES]) + 1 :]


def _form(path: Path, mtime: int, yuan: bool = False, **fields) -> Path:
    form = h.form_rows(**fields)
    if yuan:
        form[3] = ["金额单位：元"]
    h.write_xlsx(path, form)
    os.utime(path, (mtime, mtime))
    return path


def _unfilled(path: Path, mtime: int, **fields) -> Path:
    """A pre-filled template as it comes back untouched: names and budget, nothing else."""
    blank = [[l1, l2, name, target, None, weight, None] for l1, l2, name, target, _, weight, _ in h.INDICATORS]
    return _form(
        path, mtime, spent=None, received=None, progress=None, total=None, indicators=blank, filled_by=None, **fields
    )


@pytest.fixture
def received(tmp_path) -> Path:
    """The folder; the files' mtimes are set, so which copy counts does not depend on the clock."""
    folder = tmp_path / "收到的自评表"
    (folder / "商务局").mkdir(parents=True)
    abc = dict(budget=10, received=10, spent=8, progress=h.Percent(0.8))
    _form(folder / "abc-1.xlsx", T0, project="ABC 项目", **abc)
    _form(folder / "abc-2.xlsx", T0 + 100, project="ＡＢＣ项目", **abc)  # complete and newer: counted
    _form(
        folder / "abc-3.xlsx", T0 + 200, project="abc项目", unit="投资 服务局", total=None, **abc
    )  # newest, less complete
    _form(folder / "fanyi.xlsx", T0 + 300)  # 翻译费, 4 / 3.94 万元
    shutil.copyfile(folder / "fanyi.xlsx", folder / "fanyi - 副本.xlsx")
    os.utime(folder / "fanyi - 副本.xlsx", (T0, T0))
    _form(folder / "fanyi-renamed.xlsx", T0 + 10, project="翻译费（修改稿）")  # the same content, renamed
    _form(
        folder / "商务局" / "元项目.xlsx",
        T0,
        yuan=True,
        project="元项目",
        unit="商务局",
        budget=500_000,
        received=500_000,
        spent=450_000,
        progress=h.Percent(0.9),
    )
    _unfilled(folder / "商务局" / "未填-1.xlsx", T0, project="未填项目", unit="商务局", budget=3000)
    _unfilled(
        folder / "商务局" / "未填-2.xlsx", T0, project="未填项目三", unit="商务局", budget=3000
    )  # same content, other name
    _unfilled(folder / "未填-3.xlsx", T0, project="未填项目二", budget=20)
    (folder / "~$fanyi.xlsx").write_bytes(b"\x00lock")
    (folder / "说明.png").write_bytes(b"\x89PNG")
    (folder / "清单.csv").write_text("项目名称\n", encoding="utf-8")
    return folder


def _hashes(folder: Path) -> dict:
    return {p: h.file_hashes([p]) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def summary_run(received, tmp_path):
    before = _hashes(received)
    out = tmp_path / "汇总.xlsx"
    result = run(
        "consolidate",
        received,
        received / "~$fanyi.xlsx",
        "-o",
        out,
        "--jobs",
        "1",
        "--csv",
        tmp_path / "csv",
        "--feedback",
        tmp_path / "反馈",
    )
    assert _hashes(received) == before  # byte for byte, lock file and non-forms included
    return result, out, tmp_path


def test_total_is_the_hand_sum_of_the_distinct_filled_forms_in_wan(summary_run):
    result, out, _ = summary_run
    assert result.exit_code == 1, result.output  # the unfilled forms are errors; every file was read
    table = rows(out, PROJECTS)
    total = table[-1]
    assert total[0] == "合计" and total[1] == "计入 3 个项目（不含重复 4 个、未填报 3 个）"
    # ABC 项目 10 / 8, 元项目 500,000 元 = 50 / 45, 翻译费 4 / 3.94: each once; 3000 万元 unfilled left out
    assert total[3] == pytest.approx(64) and total[4] == pytest.approx(64) and total[5] == pytest.approx(56.94)
    assert total[6] == pytest.approx(56.94 / 64)
    counted = [r for r in table[3:-1] if r[2] == "计入"]
    assert total[3] == pytest.approx(sum(r[3] for r in counted))


def test_every_row_has_its_status_and_the_copy_counted_is_the_most_complete_then_newest(summary_run):
    _, out, _ = summary_run
    status = {r[-1]: r[2] for r in rows(out, PROJECTS)[3:-1]}
    assert status == {
        "abc-1.xlsx": "重复",
        "abc-2.xlsx": "计入",
        "abc-3.xlsx": "重复",
        "fanyi - 副本.xlsx": "重复",
        "fanyi-renamed.xlsx": "重复",
        "fanyi.xlsx": "计入",
        os.path.join("商务局", "元项目.xlsx"): "计入",
        os.path.join("商务局", "未填-1.xlsx"): "未填报",
        os.path.join("商务局", "未填-2.xlsx"): "未填报",
        "未填-3.xlsx": "未填报",
    }  # 来源文件 relative to the folder named, never absolute


def test_one_issue_row_per_duplicate_group_and_one_per_unfilled_form(summary_run):
    _, out, _ = summary_run
    issues = findings(out)
    dup = [r for r in issues if r[3] == "duplicate-form"]
    assert len(dup) == 2
    abc = next(r for r in dup if "abc-2.xlsx" in r[6])
    assert "共收到 3 份" in abc[6] and "内容最完整" not in abc[6] and "修改时间最近" in abc[6]
    assert set(abc[7].split("、")) == {"abc-1.xlsx", "abc-3.xlsx"}
    fanyi = next(r for r in dup if "fanyi.xlsx" in r[6])
    assert set(fanyi[7].split("、")) == {"fanyi - 副本.xlsx", "fanyi-renamed.xlsx"}
    unfilled = [r for r in issues if r[3] == "unfilled-form"]
    assert sorted(r[1] for r in unfilled) == ["未填项目", "未填项目三", "未填项目二"]
    assert all(r[2] == "未填报" and r[4] == "错误" for r in unfilled)
    # an unfilled form's other findings (no 实际完成值, no 填报人 …) are not listed: one row says it
    sources = [r[7] for r in issues if r[3] not in ("duplicate-form",)]
    assert sources.count("未填-3.xlsx") == 1
    # a duplicate's own findings are not listed either
    assert not any(
        r[7] in ("abc-1.xlsx", "abc-3.xlsx", "fanyi - 副本.xlsx") for r in issues if r[3] != "duplicate-form"
    )


def test_unit_sheet_leaves_unfilled_and_duplicates_out_of_rates(summary_run):
    _, out, _ = summary_run
    units = {r[0]: r for r in rows(out, UNITS)[1:] if r[0]}
    assert set(units) == {"投资服务局", "商务局", "合计"}  # "投资 服务局" is the same unit
    shang = units["商务局"]
    assert shang[1:4] == [1, 2, 0] and shang[4] == pytest.approx(50) and shang[6] == pytest.approx(0.9)
    tou = units["投资服务局"]
    assert tou[1:4] == [2, 1, 4] and tou[4] == pytest.approx(14) and tou[5] == pytest.approx(11.94)


def test_title_names_how_many_units(summary_run):
    _, out, _ = summary_run
    table = rows(out, PROJECTS)
    assert table[0][0] == "2020年度项目支出绩效自评汇总表（2 个单位）"
    assert "计入 3 张，重复 4 张，未填报 3 张" in table[1][0]


def test_issue_list_sorted_filtered_with_unit_block(summary_run):
    _, out, _ = summary_run
    issues = findings(out)
    keys = [(not r[0], r[0], not r[1], r[1]) for r in issues]
    assert keys == sorted(keys)
    assert all(r[2] == issue_type(r[3]) for r in issues)
    ws = openpyxl.load_workbook(out)[ISSUES]
    table = rows(out, ISSUES)
    header = table.index(HEADERS[ISSUES]) + 1
    assert ws.auto_filter.ref == f"A{header}:H{len(table)}"
    assert table[0][0] == "单位问题汇总" and table[1][:6] == HEADERS["单位问题汇总"]
    block = {r[0]: r for r in table[2 : header - 3]}
    for unit in ("投资服务局", "商务局"):
        mine = [r for r in issues if r[0] == unit]
        assert block[unit][1] == sum(r[4] == "错误" for r in mine)
        assert block[unit][2] == sum(r[4] == "警告" for r in mine)
    assert block["商务局"][4] == 2 and block["投资服务局"][5] == 4
    assert block["合计"][3] == len(issues)


def test_summary_line_names_what_was_passed_over(summary_run):
    result, _, _ = summary_run
    assert "跳过" in result.stderr and "~$fanyi.xlsx" in result.stderr  # the lock file named: said why
    assert "跳过 2 个非表格文件、1 个 Excel 锁定文件" in result.stdout
    assert "计入 3，重复 4，未填报 3" in result.stdout


def test_csv_rates_as_the_workbook_shows_them(summary_run):
    _, _, tmp = summary_run
    table = list(csv.reader((tmp / "csv" / "项目汇总.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert table[-1][6] == "88.97%"  # 56.94 / 64
    units = list(csv.reader((tmp / "csv" / "单位汇总.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert [r[6] for r in units if r[0] == "商务局"] == ["90.00%"]


def test_each_unit_gets_exactly_its_findings(summary_run):
    _, out, tmp = summary_run
    issues = findings(out)
    books = sorted((tmp / "反馈").rglob("*-问题反馈.xlsx"))
    assert sorted(p.parent.name for p in books) == ["商务局", "投资服务局"]
    for book in books:
        unit = book.parent.name
        got = [r[:8] for r in rows(book, "问题清单")[3:]]
        assert got == [r for r in issues if r[0] == unit]
        sent = rows(book, "报送情况")[1:]
        assert {r[-1] for r in sent} == {r[-1] for r in rows(out, PROJECTS)[3:-1] if name_key(r[0]) == name_key(unit)}


def test_annotated_copy_has_each_finding_at_its_cell(summary_run):
    _, out, tmp = summary_run
    copy = tmp / "反馈" / "投资服务局" / "批注-abc-2.xlsx"
    ws = openpyxl.load_workbook(copy).active
    mine = [r for r in findings(out) if r[7] == "abc-2.xlsx"]
    assert mine
    for r in mine:
        where = r[5].rpartition("!")[2] if r[5] else "C5"  # no cell: on the 项目名称 cell
        cell = ws[where]
        assert r[6] in cell.comment.text and r[2] in cell.comment.text
        assert cell.fill.fgColor.rgb.endswith(
            "FFC7CE" if any(x[4] == "错误" for x in mine if x[5] == r[5]) else "FFEB9C"
        )
    original = openpyxl.load_workbook(tmp / "收到的自评表" / "abc-2.xlsx").active
    assert all(c.comment is None for row in original.iter_rows() for c in row)


def test_python_api_gives_the_same_totals(received, tmp_path):
    from perfxl.inputs import list_inputs

    found = list_inputs([received])
    summary = consolidate(found.files, tmp_path / "s.xlsx", executor=InlineExecutor(), shown=found.shown)
    assert summary.totals["budget"] == pytest.approx(64) and summary.totals["projects"] == 3
    assert (summary.counted, summary.duplicates, summary.unfilled, summary.units) == (3, 4, 3, 2)
    assert summary.title is None and summary.heading.endswith("（2 个单位）")


def test_title_of_one_unit_and_title_given(tmp_path):
    one = _form(tmp_path / "a.xlsx", T0, project="甲")
    _form(tmp_path / "b.xlsx", T0, project="乙", unit="投资服务局 ")
    s = consolidate([one, tmp_path / "b.xlsx"], tmp_path / "s.xlsx", executor=InlineExecutor())
    assert s.heading == "投资服务局 2020年度项目支出绩效自评汇总表"
    s = consolidate([one], tmp_path / "t.xlsx", executor=InlineExecutor(), title="某区财政局")
    assert s.heading == "某区财政局 2020年度项目支出绩效自评汇总表"


@pytest.mark.parametrize("a,b", [("ＡＢＣ项目", "abc项目"), ("ABC 项目", "abc项目"), ("ａｂｃ\u3000项目", "ABC项目")])
def test_name_keys(a, b):
    assert name_key(a) == name_key(b)


def test_every_code_has_a_chinese_type():
    from perfxl.checks import CODES
    from perfxl.consolidate import SUMMARY_TITLES

    codes = [*CODES, *SUMMARY_TITLES]
    assert len(codes) >= 28
    assert all(
        issue_type(code) != code and any("\u4e00" <= ch <= "\u9fff" for ch in issue_type(code)) for code in codes
    )
