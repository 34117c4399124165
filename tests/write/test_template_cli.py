"""What a new user met trying perfxl (issue 12's bugs), each as the user sees it: the command's exit
code and lines, the workbooks written and what ``perfxl check`` says of them."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from perfxl.cli import main
from perfxl.model import Form
from perfxl.read import read_forms
from perfxl.write import file_name_for

SHEET = "绩效自评表"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def headings(path) -> list[str]:
    """The 一级 cells of the indicator table as the workbook shows them."""
    ws = openpyxl.load_workbook(path)[SHEET]
    return [c.value for c in ws["B"] if isinstance(c.value, str) and "分）" in c.value]


# ---------------------------------------------------------------------------------------------
# --weight merges with the rule profile's weights


def test_readme_weights_keep_the_other_level1_weights(tmp_path):
    out = tmp_path / "t.xlsx"
    result = run("template", "-o", out, "--weight", "产出=40", "--weight", "效益=40", "--unit", "甲", "--project", "乙")
    assert result.exit_code == 0, result.output
    assert headings(out) == ["产出指标（40分）", "预算执行率指标（10分）", "效益指标（40分）", "满意度指标（10分）"]
    checked = run("check", out)
    assert "level1-weights-not-100" not in checked.output, checked.output


def test_full_level1_names_are_taken_too(tmp_path):
    out = tmp_path / "t.xlsx"
    result = run("template", "-o", out, "--weight", "产出指标=45", "--weight", "满意度指标=15", "--weight", "效益=30")
    assert result.exit_code == 0, result.output
    assert read_forms(out)[0].level1_weights == {"产出指标": 45, "预算执行率指标": 10, "效益指标": 30, "满意度指标": 15}


def test_unknown_level1_is_a_usage_error_naming_the_allowed_ones(tmp_path):
    out = tmp_path / "t.xlsx"
    result = run("template", "-o", out, "--weight", "成本=10")
    assert result.exit_code == 2
    assert "成本" in result.output
    for name in ("产出指标", "效益指标", "满意度指标", "预算执行率指标"):
        assert name in result.output
    assert "Traceback" not in result.output and not out.exists()


def test_weights_not_summing_to_100_are_a_usage_error(tmp_path):
    out = tmp_path / "t.xlsx"
    result = run("template", "-o", out, "--weight", "产出=60")
    assert result.exit_code == 2 and "合计 110" in result.output and "应为 100" in result.output
    assert not out.exists()


# ---------------------------------------------------------------------------------------------
# A template filled by a program and never recalculated


def column_of(ws, heading: str) -> str:
    """The column letter under which ``heading`` stands (the first cell holding exactly it)."""
    return next(c.column_letter for row in ws.iter_rows() for c in row if c.value == heading)


def test_template_filled_by_a_program_says_formula_no_value_at_the_formula_cells(tmp_path):
    blank = tmp_path / "模板.xlsx"
    assert run("template", "-o", blank, "--unit", "投资服务局", "--project", "图书采购", "--budget", 10).exit_code == 0
    wb = openpyxl.load_workbook(blank)  # a program fills it: openpyxl keeps formulas, drops their results
    ws = wb[SHEET]
    name, target, actual, score = (column_of(ws, h) for h in ("三级指标", "预期指标值", "实际完成值", "自评得分"))
    row = next(c.row for c in ws[column_of(ws, "二级指标")] if c.value == "数量指标")
    ws[f"{name}{row}"], ws[f"{target}{row}"], ws[f"{actual}{row}"] = "购置图书", "≥15册", "14册"
    assert str(ws[f"{score}{row}"].value).startswith("=")  # 自评得分 is still the template's formula
    filled = tmp_path / "程序填写.xlsx"
    wb.save(filled)

    report = json.loads(run("check", "--json", filled).output)
    findings = [f for file in report["files"] for form in file["forms"] for f in form["findings"]]
    codes = {(f["code"], f["location"]) for f in findings}
    assert ("formula-no-value", f"{SHEET}!{score}{row}") in codes, findings
    assert not {code for code, _ in codes} & {"score-missing", "missing-total"}, findings
    # and the same form calculated (cached results written) has neither note
    assert "formula-no-value" not in run("check", blank).output


# ---------------------------------------------------------------------------------------------
# Project lists: long names, 合计 rows, 序号, amounts that are no budget

LONG_UNIT = "北京市某某区" + "投资服务促进中心" * 6  # 162 bytes
LONG_PROJECT = "关于" + "城市更新老旧小区综合整治" * 4  # 162 bytes


def write_list(path, text: str):
    path.write_text(text, encoding="utf-8-sig")
    return path


def test_list_with_300_byte_names_a_total_row_and_serial_numbers(tmp_path):
    listing = write_list(
        tmp_path / "清单.csv",
        "序号,填报单位,项目名称,预算数（万元）\n"
        f"12,{LONG_UNIT},{LONG_PROJECT}一期,10\n"
        f"7,{LONG_UNIT},{LONG_PROJECT}二期,20\n"
        f"3,商务局,招商,5\n"
        ",合 计,,35\n",
    )
    assert len(f"{LONG_UNIT}{LONG_PROJECT}".encode()) > 300
    result = run("template", "--from", listing, "-o", tmp_path / "模板")
    assert result.exit_code == 0, result.output  # the 合计 row is skipped without a word
    assert "跳过" not in result.output and "第 5 行" not in result.output and "Traceback" not in result.output
    files = sorted((tmp_path / "模板").iterdir())
    assert [f.name[:4] for f in files] == ["003-", "007-", "012-"]  # by 序号, not by the order written
    for f in files:
        assert len(f.name.encode()) <= 255 and f.name.endswith(".xlsx")
    by_number = {f.name[:3]: f for f in files}
    long_name = by_number["012"].name
    assert "北京市某某区" in long_name and "关于城市更新" in long_name  # both the unit and the project show
    forms = {n: read_forms(f)[0] for n, f in by_number.items()}
    assert (forms["012"].project, forms["012"].budget.total) == (LONG_PROJECT + "一期", 10)
    assert (forms["007"].unit, forms["003"].project) == (LONG_UNIT, "招商")


def test_list_names_alike_once_cut_stay_apart(tmp_path):
    listing = write_list(
        tmp_path / "清单.csv",
        f"序号,填报单位,项目名称,预算数\n1,{LONG_UNIT},{LONG_PROJECT}一期,1\n1,{LONG_UNIT},{LONG_PROJECT}二期,2\n",
    )
    result = run("template", "--from", listing, "-o", tmp_path / "模板")
    assert result.exit_code == 0, result.output
    projects = sorted(read_forms(f)[0].project for f in (tmp_path / "模板").iterdir())
    assert projects == [LONG_PROJECT + "一期", LONG_PROJECT + "二期"]


def test_list_without_serial_numbers_is_numbered_in_written_order_and_subtotals_are_skipped(tmp_path):
    listing = write_list(
        tmp_path / "清单.csv",
        "填报单位,项目名称,预算数\n投资服务局,党建经费,0.7\n"
        "投资服务局小计,,0.7\n商务局,招商,5\n商务局 小计：,,5\n总计,,5.7\n",
    )
    result = run("template", "--from", listing, "-o", tmp_path / "模板")
    assert result.exit_code == 0, result.output
    assert sorted(f.name for f in (tmp_path / "模板").iterdir()) == [
        "001-投资服务局-党建经费.xlsx",
        "002-商务局-招商.xlsx",
    ]


def test_list_rows_with_zero_or_negative_budget_are_named_and_skipped(tmp_path):
    listing = write_list(tmp_path / "清单.csv", "填报单位,项目名称,预算数\n甲,一号,-2\n乙,二号,0\n丙,三号,3\n")
    result = run("template", "--from", listing, "-o", tmp_path / "模板")
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if "已跳过" in line]
    assert len(lines) == 2
    assert "清单.csv 第 2 行" in lines[0] and "负数" in lines[0] and "-2" in lines[0]
    assert "清单.csv 第 3 行" in lines[1] and "零" in lines[1]
    assert [f.name for f in (tmp_path / "模板").iterdir()] == ["001-丙-三号.xlsx"]


@settings(deadline=None)
@given(
    unit=st.text(max_size=120),
    project=st.text(max_size=120),
    number=st.one_of(st.integers(0, 10**6), st.text(max_size=60)),
)
def test_a_file_name_fits_windows_and_the_name_limit(unit, project, number):
    name = file_name_for(Form(unit=unit, project=project), number)
    assert name.endswith(".xlsx") and len(name.encode("utf-8")) <= 185
    assert not set(name) & set('<>:"/\\|?*')
    assert not [ch for ch in name if unicodedata.category(ch) in ("Cc", "Cf", "Cs")]  # no control or bidi character
    name.encode("utf-8")  # no lone surrogate, no character split


# ---------------------------------------------------------------------------------------------
# The README's guide for the people who fill the form


def test_readme_pictures_and_templates_named_for_clerks_are_there_and_small():
    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8")
    guide = readme[readme.index("## 填报人指南") :]
    guide = guide[: guide.index("\n## ", 1)]
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", guide)
    assert len(pictures) >= 2
    for picture in pictures:
        data = (root / picture).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) <= 200 * 1024, picture
    for template in re.findall(r"`(绩效自评表[^`]*\.xlsx)`", guide):
        assert (root / "templates" / template).is_file(), template
